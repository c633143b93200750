"""What a board pack holds, as plain data: the PDF and the workbook are two layouts of it.

Everything here answers for one view (as-of date, since date, known-on moment, filters), so a
pack for a past date made again later with the same known-on moment holds the same content.
The only wall-clock value is ``generated_at``, shown on the cover and nowhere else.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tracker import moments, rules, store
from tracker.catalogue import OWNER_LABELS, Owner
from tracker.rules import RAG_LABELS, RAG_ORDER, RAG_SHORT, Rag, Status
from tracker.services import board, progress
from tracker.services.board import BoardSummary, BoardView
from tracker.services.progress import Snapshot, StatusRow


@dataclass(frozen=True)
class Change:
    """One assignment whose state differs between the since date and the as-of date."""

    recommendation: str
    recommendation_number: int
    organisation: str
    from_status: str
    to_status: str
    from_rag: str
    to_rag: str
    change: str  # newly_overdue, newly_implemented, reopened, first_report, status_changed


@dataclass(frozen=True)
class Slip:
    """An assignment whose target date has moved past its deadline."""

    recommendation: str
    recommendation_number: int
    organisation: str
    deadline: date | None
    revised_target_date: date
    days_slipped: int
    status: str


@dataclass(frozen=True)
class GroupCounts:
    """Assignments by RAG for one group (a recommendation or an owner group)."""

    key: str
    label: str
    counts: dict[str, int]
    rag: str  # the group's overall rating (worst first)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class PackContent:
    report: store.ReportInfo
    view: BoardView
    generated_at: datetime
    generated_by: str
    scope: str
    filters_text: str
    summary: BoardSummary
    rows: tuple[StatusRow, ...]
    recommendations: tuple[store.RecommendationInfo, ...]
    by_recommendation: tuple[GroupCounts, ...]
    by_owner: tuple[GroupCounts, ...]
    changes: tuple[Change, ...]
    updates: tuple[store.UpdateRecord, ...]  # recorded between the two dates (as known on)
    silent: tuple[str, ...]  # organisations in view that recorded nothing in between
    overdue: tuple[StatusRow, ...]
    slipped: tuple[Slip, ...]

    @property
    def claims_rule(self) -> str:
        return self.summary.claims_rule


def change_kind(before: StatusRow, after: StatusRow) -> str | None:
    """How an assignment moved between the two dates, or None if it did not."""
    if (before.status, before.rag, before.overdue) == (after.status, after.rag, after.overdue):
        return None
    done = Status.IMPLEMENTED.value
    if after.status == done and before.status != done:
        return "newly_implemented"
    if before.status == done and after.status != done:
        return "reopened"
    if after.overdue and not before.overdue:
        return "newly_overdue"
    if before.last_update is None and after.last_update is not None:
        return "first_report"
    if before.status != after.status:
        return "status_changed"
    return "rating_changed"


CHANGE_LABELS: dict[str, str] = {
    "newly_implemented": "Newly implemented",
    "reopened": "Reopened",
    "newly_overdue": "Newly overdue",
    "first_report": "First report",
    "status_changed": "Status changed",
    "rating_changed": "Rating changed",
}


def changes_between(before: Sequence[StatusRow], after: Sequence[StatusRow]) -> list[Change]:
    earlier = {r.assignment_id: r for r in before}
    found = []
    for row in after:
        old = earlier.get(row.assignment_id)
        if old is None:
            continue
        kind = change_kind(old, row)
        if kind is None:
            continue
        found.append(
            Change(
                recommendation=row.recommendation,
                recommendation_number=row.recommendation_number,
                organisation=row.organisation,
                from_status=old.status,
                to_status=row.status,
                from_rag=old.rag,
                to_rag=row.rag,
                change=kind,
            )
        )
    return sorted(found, key=lambda c: (c.recommendation_number, c.organisation))


def updates_between(
    history: Sequence[store.UpdateRecord], rows: Sequence[StatusRow], *, view: BoardView
) -> list[store.UpdateRecord]:
    """Updates recorded after the since date and by the end of the as-of date (and by the
    known-on moment), for the assignments in view; the latest first."""
    start = moments.end_of_uk_day(view.since)
    end = moments.end_of_uk_day(view.as_of)
    if view.known_on is not None:
        end = min(end, rules.utc_moment(view.known_on))
    in_view = {r.assignment_id for r in rows}
    found = [
        u
        for u in history
        if u.assignment_id in in_view and start < rules.utc_moment(u.recorded_at) <= end
    ]
    return sorted(found, key=lambda u: (rules.utc_moment(u.recorded_at), u.id), reverse=True)


def slipped(rows: Sequence[StatusRow]) -> list[Slip]:
    found = [
        Slip(
            recommendation=r.recommendation,
            recommendation_number=r.recommendation_number,
            organisation=r.organisation,
            deadline=r.deadline,
            revised_target_date=r.revised_target_date,
            days_slipped=(r.revised_target_date - r.deadline).days if r.deadline else 0,
            status=r.status,
        )
        for r in rows
        if r.revised_target_date is not None
        and (r.deadline is None or r.revised_target_date > r.deadline)
    ]
    return sorted(found, key=lambda s: (-s.days_slipped, s.recommendation_number, s.organisation))


def _group(rows: Sequence[StatusRow], key: str, label: str) -> GroupCounts:
    counts = Counter(r.rag for r in rows)
    return GroupCounts(
        key=key,
        label=label,
        counts={rag.value: counts.get(rag.value, 0) for rag in RAG_ORDER},
        rag=rules.rollup_rag(Rag(r.rag) for r in rows).value,
    )


def build(
    snapshot: Snapshot,
    *,
    view: BoardView,
    recommendations: Sequence[store.RecommendationInfo],
    generated_at: datetime,
    generated_by: str,
    history: Sequence[store.UpdateRecord] = (),
    limits: rules.Thresholds | None = None,
) -> PackContent:
    limits = limits or progress.thresholds()
    summary = board.summary_from(snapshot, view, limits=limits)
    rows = progress.status_rows_from(
        snapshot, as_of=view.as_of, filters=view.filters, limits=limits, known_on=view.known_on
    )
    before = progress.status_rows_from(
        snapshot, as_of=view.since, filters=view.filters, limits=limits, known_on=view.known_on
    )
    in_view = {r.recommendation for r in rows}
    recs = tuple(r for r in recommendations if r.code in in_view)
    by_rec = tuple(
        _group([r for r in rows if r.recommendation == rec.code], rec.code, rec.title)
        for rec in recs
    )
    by_owner = tuple(
        _group([r for r in rows if r.owner == owner.value], owner.value, OWNER_LABELS[owner])
        for owner in Owner
        if any(r.owner == owner.value for r in rows)
    )
    between = updates_between(history, rows, view=view)
    return PackContent(
        report=snapshot.report,
        view=view,
        generated_at=generated_at,
        generated_by=generated_by,
        scope=summary.scope,
        filters_text=board.describe_filters(view.filters, snapshot) or "None (every assignment)",
        summary=summary,
        rows=tuple(rows),
        recommendations=recs,
        by_recommendation=by_rec,
        by_owner=by_owner,
        changes=tuple(changes_between(before, rows)),
        updates=tuple(between),
        silent=tuple(sorted({r.organisation for r in rows} - {u.organisation for u in between})),
        overdue=tuple(progress.overdue_rows(rows)),
        slipped=tuple(slipped(rows)),
    )


# --- Words shared by the PDF and the workbook -----------------------------------------------


def long_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "–"


def rag_label(rag: str) -> str:
    return RAG_LABELS[Rag(rag)]


def rag_short(rag: str) -> str:
    return RAG_SHORT[Rag(rag)]


def status_label(status: str) -> str:
    return Status(status).label


def known_on_text(view: BoardView) -> str:
    if view.known_on is None:
        return "Everything recorded when the pack was made"
    return f"As recorded by {moments.describe_known_on(view.known_on)}"


def provenance(info: store.RecommendationInfo) -> str:
    """The marker a reader needs: wording confirmed against the report, or not yet."""
    return "Wording confirmed" if info.verified else "⚠ Wording to be confirmed"


def pack_file_name(view: BoardView, extension: str) -> str:
    return f"board-pack-{view.as_of.isoformat()}.{extension}"


EXCERPT_LENGTH = 300


def excerpt(update: store.UpdateRecord) -> str:
    """The start of what an update said, on one line (shown as text, never as markup)."""
    text = " ".join(update.narrative.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


def recorded_text(update: store.UpdateRecord) -> str:
    moment = rules.utc_moment(update.recorded_at).astimezone(moments.UK_TIME)
    return f"{long_date(moment.date())} {moment:%H:%M}"
