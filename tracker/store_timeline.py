"""Storage for an organisation's evidence timeline: the newest updates of each recommendation up
to a date, and how many there are, without reading the whole history.

The timeline shows a few updates a recommendation (``services.timeline``); a long history is in
the exports. Both questions are answered from the index on ``(assignment_id, evidence_date,
recorded_at, id)``, so what is read grows with what is shown, not with the history.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from tracker.models import Assignment, EvidenceUpdate, Recommendation

_UPDATE = EvidenceUpdate.__table__  # type: ignore[attr-defined]
_ASSIGNMENT = Assignment.__table__  # type: ignore[attr-defined]
_RECOMMENDATION = Recommendation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TimelineCounts:
    up_to: dict[str, int]  # per recommendation code: updates with evidence on or before the date
    later: int  # updates with evidence dated after it


def _of_organisations(report_id: str, organisation_ids: Sequence[str]) -> sa.Select[tuple[object]]:
    return (
        sa.select(_UPDATE.c.id)
        .select_from(
            _UPDATE.join(_ASSIGNMENT, _ASSIGNMENT.c.id == _UPDATE.c.assignment_id).join(
                _RECOMMENDATION, _RECOMMENDATION.c.id == _ASSIGNMENT.c.recommendation_id
            )
        )
        .where(
            _RECOMMENDATION.c.report_id == report_id,
            _ASSIGNMENT.c.organisation_id.in_(list(organisation_ids)),
        )
    )


def timeline_counts(
    *, session: Session, report_id: str, organisation_ids: Sequence[str], as_of: date
) -> TimelineCounts:
    """How many updates the organisations have, per recommendation, up to ``as_of``; and how
    many have evidence dated after it."""
    day = sa.literal(as_of, sa.Date)
    query = (
        _of_organisations(report_id, organisation_ids)
        .with_only_columns(
            _RECOMMENDATION.c.code,
            sa.func.sum(sa.case((_UPDATE.c.evidence_date <= day, 1), else_=0)),
            sa.func.sum(sa.case((_UPDATE.c.evidence_date > day, 1), else_=0)),
        )
        .group_by(_RECOMMENDATION.c.code)
    )
    up_to: dict[str, int] = {}
    later = 0
    for code, before, after in session.execute(query):
        if before:
            up_to[code] = int(before)
        later += int(after or 0)
    return TimelineCounts(up_to=up_to, later=later)


def newest_update_ids(
    *,
    session: Session,
    report_id: str,
    organisation_ids: Sequence[str],
    as_of: date,
    per_recommendation: int,
) -> list[int]:
    """The ids of the newest ``per_recommendation`` updates of each recommendation with evidence
    on or before ``as_of`` (newest evidence first, ties to the higher id: the timeline's order)."""
    rank = (
        sa.func.row_number()
        .over(
            partition_by=_ASSIGNMENT.c.recommendation_id,
            order_by=(_UPDATE.c.evidence_date.desc(), _UPDATE.c.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        _of_organisations(report_id, organisation_ids)
        .add_columns(rank)
        .where(_UPDATE.c.evidence_date <= sa.literal(as_of, sa.Date))
        .subquery()
    )
    query = sa.select(ranked.c.id).where(ranked.c.rank <= per_recommendation)
    return [uid for (uid,) in session.execute(query)]
