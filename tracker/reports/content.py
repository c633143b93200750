"""What a board pack holds, as plain data: the PDF and the workbook are two layouts of it.

Everything here answers for one view (as-of date, since date, known-on moment, filters), so a
pack for a past date made again later with the same known-on moment holds the same content.
The only wall-clock value is ``generated_at``, shown on the cover and nowhere else.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracker import moments, rules, store
from tracker.catalogue import OWNER_LABELS, Owner
from tracker.movement import ChangeKind
from tracker.rules import RAG_ORDER, Rag, Status
from tracker.services import board, progress, slippage
from tracker.services.board import BoardSummary, BoardView
from tracker.services.changes import ChangeSet
from tracker.services.progress import Filters, Snapshot, StatusRow
from tracker.services.responses import ResponsesSummary, ResponseStatus, summarise
from tracker.services.rounds import RoundInPeriod
from tracker.services.slippage import AssignmentSlip, RecommendationSlip


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
    # What moved between the two dates (None when the since date is not before the as-of date).
    changes: ChangeSet | None
    narratives: dict[int, str]  # what each update in between said, by update id
    overdue: tuple[StatusRow, ...]
    slipped: tuple[AssignmentSlip, ...]  # assignments whose target date moved, most first
    slipped_by_recommendation: tuple[RecommendationSlip, ...]
    # Appendix: return rounds open in the period, and the statutory (s.55) responses.
    rounds: tuple[RoundInPeriod, ...] = ()
    responses: tuple[ResponseStatus, ...] = ()
    responses_summary: ResponsesSummary | None = None

    @property
    def claims_rule(self) -> str:
        return self.summary.claims_rule


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
    changes: ChangeSet | None,
    slips: Sequence[AssignmentSlip] = (),
    history: Sequence[store.UpdateRecord] = (),
    rounds: Sequence[RoundInPeriod] = (),
    responses: Sequence[ResponseStatus] = (),
    limits: rules.Thresholds | None = None,
) -> PackContent:
    limits = limits or progress.thresholds()
    summary = board.summary_from(snapshot, view, limits=limits)
    rows = progress.status_rows_from(
        snapshot, as_of=view.as_of, filters=view.filters, limits=limits, known_on=view.known_on
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
    wanted = {u.update_id for u in changes.updates} if changes else set()
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
        changes=changes,
        narratives={u.id: excerpt(u) for u in history if u.id in wanted},
        overdue=tuple(progress.overdue_rows(rows)),
        slipped=tuple(
            sorted(
                (s for s in slips if s.revision_count),
                key=lambda s: (-(s.days_slipped or 0), s.recommendation_number, s.organisation),
            )
        ),
        slipped_by_recommendation=tuple(
            r for r in slippage.by_recommendation(slips) if r.rollup.revised
        ),
        rounds=tuple(rounds),
        responses=tuple(responses),
        responses_summary=summarise(responses, as_of=view.as_of) if responses else None,
    )


def responses_in_view(
    responses: Sequence[ResponseStatus], filters: Filters
) -> list[ResponseStatus]:
    """The force areas a view covers: a region narrows them; an organisation narrows them to
    its own force area (a force, or the local policing body itself)."""
    return [
        r
        for r in responses
        if (not filters.region_ids or r.region_id in filters.region_ids)
        and (
            not filters.organisation_ids
            or r.body_id in filters.organisation_ids
            or (r.force_id is not None and r.force_id in filters.organisation_ids)
        )
    ]


# --- Words shared by the PDF and the workbook -----------------------------------------------


def long_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "–"


def status_label(status: str) -> str:
    return Status(status).label


def known_on_text(view: BoardView) -> str:
    if view.known_on is None:
        return "Everything recorded so far"
    return f"As recorded by {moments.describe_known_on(view.known_on)} (UK time)"


def known_on_phrase(view: BoardView) -> str:
    """ "as recorded by 1 March 2024 at 17:00 (UK time)", within a sentence."""
    if view.known_on is None:
        return "with everything recorded so far"
    return f"as recorded by {moments.describe_known_on(view.known_on)} (UK time)"


def reproduce_hint(view: BoardView) -> str:
    """The option that makes this pack again, exactly, later."""
    if view.known_on is None:
        return ""
    local = rules.utc_moment(view.known_on).astimezone(moments.UK_TIME)
    return f"--known-on {local:%Y-%m-%dT%H:%M:%S}"


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


def recorded_text(recorded_at: datetime) -> str:
    moment = rules.utc_moment(recorded_at).astimezone(moments.UK_TIME)
    return f"{long_date(moment.date())} {moment:%H:%M}"


def change_label(kinds: Sequence[str]) -> str:
    """ "Newly overdue; target revised": the kinds of one movement in words."""
    return "; ".join(ChangeKind(k).label for k in kinds)


def matrix(pack: PackContent) -> dict[str, Any]:
    """Forces down, chief-constable recommendations across, each cell a rating."""
    cells = {
        (r.organisation, r.recommendation): r.rag
        for r in pack.rows
        if r.owner == Owner.CHIEF_CONSTABLES.value and r.organisation_kind == "force"
    }
    numbers = {r.recommendation: r.recommendation_number for r in pack.rows}
    return {
        "forces": sorted({force for force, _ in cells}),
        "codes": sorted({code for _, code in cells}, key=lambda c: numbers[c]),
        "cells": cells,
    }


def generated_line(pack: PackContent) -> str:
    """When (UK time) and by whom the pack was made: the cover's one wall-clock value."""
    moment = rules.utc_moment(pack.generated_at).astimezone(moments.UK_TIME)
    return f"{long_date(moment.date())} at {moment:%H:%M} (UK time) by {pack.generated_by}"
