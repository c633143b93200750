"""The read side's queries: only the facts the rules need, fetched by index, never the history.

The status of an assignment as of a date depends on one update (the latest with an evidence
date on or before that date, ties to the one recorded last) and that update's reviews. These
functions find that update with one index lookup per assignment (the index on
``(assignment_id, evidence_date, recorded_at, id)`` from migration 0008) and return it as the
``UpdateFact`` the pure rules take, so ``rules.assess`` stays the one place the rules live.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from tracker.models import EvidenceUpdate, Review
from tracker.rules import Decision, ReviewFact, Status, UpdateFact, utc_moment
from tracker.store import uk_date

_UPDATE = EvidenceUpdate.__table__  # type: ignore[attr-defined]
_REVIEW = Review.__table__  # type: ignore[attr-defined]
# Bound parameters per statement, well under SQLite's and PostgreSQL's limits.
_CHUNK = 5_000


def _latest_id(
    assignment_id: ColumnElement[int], as_of: ColumnElement[date], known_on: datetime | None
) -> sa.ScalarSelect[int]:
    """The id of the update that speaks for ``as_of``: one backward step along the index."""
    u = _UPDATE.alias("latest")
    query = sa.select(u.c.id).where(u.c.assignment_id == assignment_id, u.c.evidence_date <= as_of)
    if known_on is not None:
        query = query.where(u.c.recorded_at <= utc_moment(known_on))
    return (
        query.order_by(u.c.evidence_date.desc(), u.c.recorded_at.desc(), u.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _assignment_ids() -> sa.TableClause:
    return sa.table("assignment", sa.column("id", sa.Integer))


def _fact_columns() -> list[sa.ColumnElement[object]]:
    return [
        _UPDATE.c.id,
        _UPDATE.c.status,
        _UPDATE.c.evidence_date,
        _UPDATE.c.recorded_at,
        _UPDATE.c.revised_target_date,
    ]


def latest_facts(
    *,
    session: Session,
    assignment_ids: Sequence[int],
    as_of: date,
    known_on: datetime | None = None,
) -> dict[int, UpdateFact]:
    """For each assignment, the update that speaks for ``as_of`` (as recorded by ``known_on``),
    with its reviews (as made by ``known_on``). Assignments never reported on are absent."""
    a = _assignment_ids()
    found: dict[int, _Row] = {}
    for chunk in _chunks(assignment_ids):
        latest = _latest_id(a.c.id, sa.literal(as_of, sa.Date), known_on)
        query = (
            sa.select(a.c.id, *_fact_columns())
            .select_from(a)
            .join(_UPDATE, _UPDATE.c.id == latest)
            .where(a.c.id.in_(chunk))
        )
        for aid, uid, status, evidence_date, recorded_at, revised in session.execute(query):
            found[aid] = _Row(uid, status, _as_date(evidence_date), recorded_at, revised)
    reviews = review_facts(
        session=session,
        update_ids=[row.id for row in found.values() if Status(row.status).is_closed],
        known_on=known_on,
    )
    return {aid: _fact(row, reviews) for aid, row in found.items()}


def latest_facts_at(
    *,
    session: Session,
    assignment_ids: Sequence[int],
    points: Sequence[date],
    known_on: datetime | None = None,
) -> dict[date, dict[int, UpdateFact]]:
    """``latest_facts`` at many dates in one statement (the monthly trend): one index lookup per
    assignment and date."""
    if not points:
        return {}
    a = _assignment_ids()
    dates = sa.union_all(
        *(sa.select(sa.literal(p, sa.Date).label("point")) for p in sorted(set(points)))
    ).cte("points")
    rows: list[tuple[date, int, _Row]] = []
    for chunk in _chunks(assignment_ids):
        latest = _latest_id(a.c.id, dates.c.point, known_on)
        query = (
            sa.select(dates.c.point, a.c.id, *_fact_columns())
            .select_from(dates.join(a, sa.true()).join(_UPDATE, _UPDATE.c.id == latest))
            .where(a.c.id.in_(chunk))
        )
        for point, aid, uid, status, evidence_date, recorded_at, revised in session.execute(query):
            row = _Row(uid, status, _as_date(evidence_date), recorded_at, revised)
            rows.append((_as_date(point), aid, row))
    reviews = review_facts(
        session=session,
        update_ids={row.id for _, _, row in rows if Status(row.status).is_closed},
        known_on=known_on,
    )
    facts: dict[int, UpdateFact] = {}
    by_point: dict[date, dict[int, UpdateFact]] = {p: {} for p in points}
    for point, aid, row in rows:
        if row.id not in facts:
            facts[row.id] = _fact(row, reviews)
        by_point[point][aid] = facts[row.id]
    return by_point


def review_facts(
    *, session: Session, update_ids: Iterable[int], known_on: datetime | None = None
) -> dict[int, tuple[ReviewFact, ...]]:
    """The decisions on the given updates (made by ``known_on``), oldest first, by update."""
    found: dict[int, list[ReviewFact]] = defaultdict(list)
    for chunk in _chunks(sorted(set(update_ids))):
        query = (
            sa.select(
                _REVIEW.c.update_id,
                _REVIEW.c.decision,
                _REVIEW.c.reviewed_at,
                _REVIEW.c.reason,
            )
            .where(_REVIEW.c.update_id.in_(chunk))
            .order_by(_REVIEW.c.id)
        )
        if known_on is not None:
            query = query.where(_REVIEW.c.reviewed_at <= utc_moment(known_on))
        for update_id, decision, reviewed_at, reason in session.execute(query):
            found[update_id].append(
                ReviewFact(Decision(decision), uk_date(reviewed_at), reason, reviewed_at)
            )
    return {k: tuple(v) for k, v in found.items()}


class _Row(NamedTuple):
    id: int
    status: str
    evidence_date: date
    recorded_at: datetime
    revised_target_date: date | None


def _fact(row: _Row, reviews: dict[int, tuple[ReviewFact, ...]]) -> UpdateFact:
    return UpdateFact(
        id=row.id,
        status=Status(row.status),
        evidence_date=row.evidence_date,
        recorded_at=row.recorded_at,
        revised_target_date=row.revised_target_date,
        reviews=reviews.get(row.id, ()),
    )


def _as_date(value: object) -> date:
    # SQLite hands a literal back through a CTE as text.
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    items = list(ids)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
