"""The board's answer in thirty seconds: the figures a board asks for first, for one view.

A view is an as-of date, a comparison ("since") date, optionally the moment the record is read
"as known on", and the filters. Every figure uses the validated status (the claims rule in
force), exactly as the rest of the tracker does. No Streamlit here: the overview, the board pack
and ``tracker report`` all take their figures from ``board_summary``.
"""

import calendar
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.engine import Engine

from tracker import moments, rules, store
from tracker.db import read_session
from tracker.rules import RAG_ORDER, Status, utc_moment
from tracker.services import meetings, progress
from tracker.services.access import Action, Actor, authorise
from tracker.services.progress import Filters, Snapshot, StatusRow

# How many forces each ranking lists.
RANK_LENGTH = 5
NATIONAL = "England and Wales"


@dataclass(frozen=True)
class BoardView:
    """What the board is looking at: the dates and the filters."""

    as_of: date
    since: date
    known_on: datetime | None = None
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True)
class ForceRank:
    """One force in the rankings."""

    organisation_id: str
    organisation: str
    region: str | None
    assignments: int
    overdue: int
    implemented: int
    applicable: int
    last_update: date | None  # latest evidence date on or before the as-of date
    days_silent: int  # since that update, or since publication when it never reported

    @property
    def share_implemented(self) -> float:
        return 100.0 * self.implemented / self.applicable if self.applicable else 0.0


@dataclass(frozen=True)
class MonthCounts:
    """Assignments by RAG at one month end (or the as-of date)."""

    as_of: date
    counts: dict[str, int]


@dataclass(frozen=True)
class Deadline:
    """A deadline falling in the trend's range, with the recommendations due on it."""

    day: date
    recommendations: tuple[str, ...]


@dataclass(frozen=True)
class LastReturn:
    recorded_at: datetime
    organisation: str
    recommendation: str


@dataclass(frozen=True)
class BoardSummary:
    view: BoardView
    scope: str  # "England and Wales", or the filter in words followed by " — filtered"
    filtered: bool
    claims_rule: str
    recommendations: int
    recommendations_implemented: int
    assignments: int
    due: int  # assignments whose deadline has passed by the as-of date
    overdue: int
    overdue_at_since: int
    last_return: LastReturn | None
    trend: tuple[MonthCounts, ...]
    deadlines: tuple[Deadline, ...]
    most_overdue: tuple[ForceRank, ...]
    lowest_implemented: tuple[ForceRank, ...]
    longest_silent: tuple[ForceRank, ...]
    rag_counts: dict[str, int] = field(default_factory=dict)

    @property
    def overdue_change(self) -> int:
        return self.overdue - self.overdue_at_since


def since_moment(view: BoardView) -> datetime:
    """The moment the since date's picture is read at: the end of that day, or the known-on
    moment if that is earlier."""
    end = moments.end_of_uk_day(view.since)
    if view.known_on is not None and utc_moment(view.known_on) < utc_moment(end):
        return view.known_on
    return end


def default_since(as_of: date) -> date:
    """The comparison date when no meeting is recorded: the same day a month earlier."""
    year, month = (as_of.year, as_of.month - 1) if as_of.month > 1 else (as_of.year - 1, 12)
    return date(year, month, min(as_of.day, calendar.monthrange(year, month)[1]))


def comparison_date(*, engine: Engine, as_of: date) -> tuple[date, str]:
    """The default "since" date and where it comes from: the last meeting before the as-of
    date, or a month before it when no meeting is recorded."""
    meeting = meetings.last_meeting(engine=engine, before=as_of)
    if meeting is not None:
        held = f"{meeting.held_on.day} {meeting.held_on:%B %Y}"
        return meeting.held_on, f"Default: the last meeting ({meeting.board}, {held})."
    return default_since(as_of), "Default: a month before (no meeting recorded before then)."


def fully_implemented(rows: Sequence[StatusRow]) -> set[str]:
    """Recommendations every accountable organisation has implemented (validated status), or
    declared not applicable, with at least one implemented."""
    by_rec: dict[str, list[str]] = {}
    for row in rows:
        by_rec.setdefault(row.recommendation, []).append(row.status)
    done = {Status.IMPLEMENTED.value, Status.NOT_APPLICABLE.value}
    return {
        code
        for code, statuses in by_rec.items()
        if all(s in done for s in statuses) and Status.IMPLEMENTED.value in statuses
    }


def rank_forces(rows: Sequence[StatusRow], *, as_of: date, published: date) -> list[ForceRank]:
    """Every force in the rows with its counts (alphabetical; the rankings sort them)."""
    groups: dict[str, list[StatusRow]] = {}
    for row in rows:
        if row.organisation_kind == "force":
            groups.setdefault(row.organisation_id, []).append(row)
    ranks = []
    for org_id, own in groups.items():
        last = max((r.last_update for r in own if r.last_update), default=None)
        ranks.append(
            ForceRank(
                organisation_id=org_id,
                organisation=own[0].organisation,
                region=own[0].region,
                assignments=len(own),
                overdue=sum(1 for r in own if r.overdue),
                implemented=sum(1 for r in own if r.status == Status.IMPLEMENTED.value),
                applicable=sum(1 for r in own if r.status != Status.NOT_APPLICABLE.value),
                last_update=last,
                days_silent=(as_of - (last or published)).days,
            )
        )
    return sorted(ranks, key=lambda f: f.organisation)


def month_counts(items: Sequence[progress.SeriesPoint]) -> list[MonthCounts]:
    return [MonthCounts(p.as_of, dict(p.rag_counts)) for p in items]


def _deadlines(rows: Sequence[StatusRow], *, start: date, end: date) -> list[Deadline]:
    due: dict[date, set[tuple[int, str]]] = {}
    for row in rows:
        if row.deadline is not None and start <= row.deadline <= end:
            due.setdefault(row.deadline, set()).add((row.recommendation_number, row.recommendation))
    return [
        Deadline(day, tuple(code for _, code in sorted(codes)))
        for day, codes in sorted(due.items())
    ]


def last_return(engine: Engine, rows: Sequence[StatusRow], *, view: BoardView) -> LastReturn | None:
    """The update most recently recorded (by the as-of date's end, and by the known-on moment)
    among the assignments in view."""
    limit = moments.end_of_uk_day(view.as_of)
    if view.known_on is not None:
        limit = min(limit, utc_moment(view.known_on))
    by_assignment = {r.assignment_id: r for r in rows}
    with read_session(engine) as session:
        found = store.last_recorded(
            session=session, assignment_ids=sorted(by_assignment), until=utc_moment(limit)
        )
    if found is None:
        return None
    moment, assignment_id = found
    row = by_assignment[assignment_id]
    return LastReturn(utc_moment(moment), row.organisation, row.recommendation)


def describe_filters(filters: Filters, snapshot: Snapshot) -> str:
    """The active filter in words ("South East", "Kent; R3"), or "" when nothing is filtered."""
    regions = {r.region_id: r.region for r in snapshot.records if r.region_id}
    orgs = {r.organisation_id: r.organisation for r in snapshot.records}
    parts: list[str] = []
    parts += sorted(regions.get(r) or r for r in filters.region_ids)
    parts += sorted(orgs.get(o, o) for o in filters.organisation_ids)
    parts += [progress.owner_label(o) for o in sorted(filters.owners)]
    parts += [t.replace("_", " ").capitalize() for t in sorted(filters.themes)]
    parts += sorted(filters.recommendations, key=lambda c: int(c[1:]) if c[1:].isdigit() else 0)
    return "; ".join(p for p in parts if p)


@dataclass(frozen=True)
class SummaryInputs:
    """What a board summary is worked out from (computed here, or kept current by the
    dashboard; see ``tracker.services.live``)."""

    rows: Sequence[StatusRow]  # as of the as-of date
    before: Sequence[StatusRow]  # as of the since date, as the record stood at its end
    trend: Sequence[progress.SeriesPoint]  # month ends from publication, then the as-of date
    last_return: LastReturn | None


def summary_inputs(
    snapshot: Snapshot, view: BoardView, *, limits: rules.Thresholds
) -> SummaryInputs:
    rows = progress.status_rows_from(
        snapshot, as_of=view.as_of, filters=view.filters, limits=limits, known_on=view.known_on
    )
    points = progress.month_ends(snapshot.report.published, view.as_of)
    statuses = progress.point_statuses(
        snapshot, points=points, filters=view.filters, limits=limits, known_on=view.known_on
    )
    return SummaryInputs(
        rows=rows,
        # The since picture as the record stood at the end of that day: what a board saw then
        # (the same reading `tracker changes` makes).
        before=progress.status_rows_from(
            snapshot,
            as_of=view.since,
            filters=view.filters,
            limits=limits,
            known_on=since_moment(view),
        ),
        trend=progress.series(points, statuses.values()),
        last_return=last_return(snapshot.engine, rows, view=view),
    )


def summary_from(
    snapshot: Snapshot, view: BoardView, *, limits: rules.Thresholds | None = None
) -> BoardSummary:
    limits = limits or progress.thresholds()
    return summary_of(snapshot, view, summary_inputs(snapshot, view, limits=limits), limits=limits)


def summary_of(
    snapshot: Snapshot, view: BoardView, inputs: SummaryInputs, *, limits: rules.Thresholds
) -> BoardSummary:
    rows, before = inputs.rows, inputs.before
    words = describe_filters(view.filters, snapshot)
    forces = rank_forces(rows, as_of=view.as_of, published=snapshot.report.published)
    rag_counts = Counter(r.rag for r in rows)
    return BoardSummary(
        view=view,
        scope=f"{words} — filtered" if words else NATIONAL,
        filtered=bool(words),
        claims_rule=rules.claims_rule(limits.count_claimed_as_complete),
        recommendations=len({r.recommendation for r in rows}),
        recommendations_implemented=len(fully_implemented(rows)),
        assignments=len(rows),
        due=sum(1 for r in rows if r.deadline is not None and r.deadline < view.as_of),
        overdue=sum(1 for r in rows if r.overdue),
        overdue_at_since=sum(1 for r in before if r.overdue),
        last_return=inputs.last_return,
        trend=tuple(month_counts(inputs.trend)),
        deadlines=tuple(_deadlines(rows, start=snapshot.report.published, end=view.as_of)),
        most_overdue=tuple(
            sorted(
                (f for f in forces if f.overdue),
                key=lambda f: (-f.overdue, f.share_implemented, f.organisation),
            )[:RANK_LENGTH]
        ),
        lowest_implemented=tuple(
            sorted(forces, key=lambda f: (f.share_implemented, -f.overdue, f.organisation))[
                :RANK_LENGTH
            ]
        ),
        longest_silent=tuple(
            sorted(forces, key=lambda f: (-f.days_silent, f.organisation))[:RANK_LENGTH]
        ),
        rag_counts={rag.value: rag_counts.get(rag.value, 0) for rag in RAG_ORDER},
    )


def board_summary(*, engine: Engine, actor: Actor, view: BoardView) -> BoardSummary:
    """The board summary for one view, for someone allowed to read the tracker."""
    authorise(engine=engine, actor=actor, action=Action.READ)
    return summary_from(progress.load_snapshot(engine=engine), view)
