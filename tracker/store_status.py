"""The read side's queries: only the facts the rules need, fetched by index, never the history.

The status of an assignment as of a date depends on one update (the latest with an evidence
date on or before that date, ties to the one recorded last) and that update's reviews. These
functions find that update with one index lookup per assignment (the index on
``(assignment_id, evidence_date, recorded_at, id)`` from migration 0008) and return it as the
``UpdateFact`` the pure rules take, so ``rules.assess`` stays the one place the rules live.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from tracker.models import EvidenceUpdate, Review
from tracker.rules import Decision, ReviewFact, Status, UpdateFact, utc_moment
from tracker.store import uk_date

_UPDATE = EvidenceUpdate.__table__  # type: ignore[attr-defined]
_REVIEW = Review.__table__  # type: ignore[attr-defined]
_CLAIMS = frozenset(s.value for s in Status if s.is_closed)
_STATUSES = {s.value: s for s in Status}
_DECISIONS = {d.value: d for d in Decision}
# Bound parameters per statement, well under SQLite's and PostgreSQL's limits.
_CHUNK = 5_000


def _fact_columns() -> list[sa.ColumnElement[object]]:
    # Read as the driver gives them (no SQLAlchemy type processing: it costs more than the
    # query itself over tens of thousands of rows); ``_row`` turns them into dates.
    return [
        _UPDATE.c.id,
        _UPDATE.c.status,
        sa.type_coerce(_UPDATE.c.evidence_date, sa.String),
        sa.type_coerce(_UPDATE.c.recorded_at, sa.String),
        sa.type_coerce(_UPDATE.c.revised_target_date, sa.String),
    ]


# The update that speaks for a date, for many assignments at once, written out in each
# database's own SQL: built and compiled once, and read as the driver gives it, it costs a third
# of the same query assembled by SQLAlchemy on every call (the status table runs it for every
# page). One index step per assignment: a correlated subquery on SQLite, a lateral join on
# PostgreSQL (whose planner handles the subquery form badly). Reviews ride along by an outer
# join (one row each; most updates have none), oldest first.
_LATEST_SQLITE = """
SELECT a.value, u.id, u.status, u.evidence_date, u.recorded_at, u.revised_target_date,
       r.decision, r.reviewed_at, r.reason
FROM json_each(:ids) a
JOIN evidence_update u ON u.id = (
    SELECT l.id FROM evidence_update l
    WHERE l.assignment_id = a.value AND l.evidence_date <= :as_of {known_update}
    ORDER BY l.evidence_date DESC, l.recorded_at DESC, l.id DESC LIMIT 1)
LEFT JOIN review r ON r.update_id = u.id {known_review}
ORDER BY a.key, r.id
"""
_LATEST_POSTGRESQL = """
SELECT a.id, u.id, u.status, u.evidence_date, u.recorded_at, u.revised_target_date,
       r.decision, r.reviewed_at, r.reason
FROM unnest(CAST(:ids AS integer[])) WITH ORDINALITY AS a(id, n)
CROSS JOIN LATERAL (
    SELECT l.id, l.status, l.evidence_date, l.recorded_at, l.revised_target_date
    FROM evidence_update l
    WHERE l.assignment_id = a.id AND l.evidence_date <= :as_of {known_update}
    ORDER BY l.evidence_date DESC, l.recorded_at DESC, l.id DESC LIMIT 1) u
LEFT JOIN review r ON r.update_id = u.id {known_review}
ORDER BY a.n, r.id
"""


@cache
def _latest_statement(dialect: str, known: bool) -> sa.TextClause:
    postgres = dialect == "postgresql"
    text = (_LATEST_POSTGRESQL if postgres else _LATEST_SQLITE).format(
        known_update="AND l.recorded_at <= :known_update" if known else "",
        known_review="AND r.reviewed_at <= :known_review" if known else "",
    )
    params = [sa.bindparam("as_of", type_=sa.Date)]
    if known:
        params += [
            sa.bindparam("known_update", type_=_UPDATE.c.recorded_at.type),
            sa.bindparam("known_review", type_=_REVIEW.c.reviewed_at.type),
        ]
    return sa.text(text).bindparams(*params)


class LatestRow(NamedTuple):
    """The update that speaks for a date, as the status table needs it (the recording moment
    is left as the driver gives it: only ``UpdateFact`` needs it)."""

    id: int
    status: Status
    evidence_date: date
    recorded_at: object
    revised_target_date: date | None
    reviews: tuple[ReviewFact, ...]


def latest_rows(
    *,
    session: Session,
    assignment_ids: Sequence[int],
    as_of: date,
    known_on: datetime | None = None,
) -> dict[int, LatestRow]:
    """For each assignment, the update that speaks for ``as_of`` (as recorded by ``known_on``),
    with its reviews (as made by ``known_on``). Assignments never reported on are absent."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    statement = _latest_statement(connection.dialect.name, known_on is not None)
    params: dict[str, object] = {"as_of": as_of}
    if known_on is not None:
        params["known_update"] = params["known_review"] = utc_moment(known_on)
    found: dict[int, LatestRow] = {}
    statuses = _STATUSES
    # SQLite gives dates as ISO text; PostgreSQL as dates.
    day_of = _as_date if postgres else date.fromisoformat
    # Each assignment once, in id order: the lookups then walk the index in its own order.
    for chunk in chunks(sorted(set(assignment_ids))):
        # One parameter, whatever the number of assignments: an array for PostgreSQL (the
        # driver adapts a list), JSON for SQLite (expanding a list costs more than the query).
        params["ids"] = chunk if postgres else json.dumps(chunk)
        rows = connection.execute(statement, params).fetchall()
        for aid, uid, status, day, recorded, revised, decision, at, reason in rows:
            reviews: tuple[ReviewFact, ...] = ()
            if decision is not None:
                moment = _as_moment(at)
                reviews = (ReviewFact(_DECISIONS[decision], uk_date(moment), reason, moment),)
                earlier = found.get(aid)
                if earlier is not None:  # another decision on the same update (rows in order)
                    found[aid] = earlier._replace(reviews=earlier.reviews + reviews)
                    continue
            found[aid] = LatestRow(
                uid,
                statuses[status],
                day_of(day),
                recorded,
                None if revised is None else day_of(revised),
                reviews,
            )
    return found


def latest_facts(
    *,
    session: Session,
    assignment_ids: Sequence[int],
    as_of: date,
    known_on: datetime | None = None,
) -> dict[int, UpdateFact]:
    """``latest_rows`` as the facts the rules take."""
    rows = latest_rows(
        session=session, assignment_ids=assignment_ids, as_of=as_of, known_on=known_on
    )
    return {
        aid: UpdateFact(
            id=row.id,
            status=row.status,
            evidence_date=row.evidence_date,
            recorded_at=_as_moment(row.recorded_at),
            revised_target_date=row.revised_target_date,
            reviews=row.reviews,
        )
        for aid, row in rows.items()
    }


# The update that speaks for each of many dates (the month ends of a trend), for many
# assignments: one index step per assignment and date, as above, returning only its id and
# status (the trend needs no more; ``latest_facts_at`` reads the rest once per update).
_AT_SQLITE = """
SELECT p.value, a.value, u.id, u.status
FROM json_each(:points) p, json_each(:ids) a
JOIN evidence_update u ON u.id = (
    SELECT l.id FROM evidence_update l
    WHERE l.assignment_id = a.value AND l.evidence_date <= p.value {known_update}
    ORDER BY l.evidence_date DESC, l.recorded_at DESC, l.id DESC LIMIT 1)
"""
_AT_POSTGRESQL = """
SELECT p.point, a.id, u.id, u.status
FROM unnest(CAST(:points AS date[])) AS p(point)
CROSS JOIN unnest(CAST(:ids AS integer[])) AS a(id)
CROSS JOIN LATERAL (
    SELECT l.id, l.status FROM evidence_update l
    WHERE l.assignment_id = a.id AND l.evidence_date <= p.point {known_update}
    ORDER BY l.evidence_date DESC, l.recorded_at DESC, l.id DESC LIMIT 1) u
"""


@cache
def _at_statement(dialect: str, known: bool) -> sa.TextClause:
    text = (_AT_POSTGRESQL if dialect == "postgresql" else _AT_SQLITE).format(
        known_update="AND l.recorded_at <= :known_update" if known else ""
    )
    statement = sa.text(text)
    if known:
        statement = statement.bindparams(
            sa.bindparam("known_update", type_=_UPDATE.c.recorded_at.type)
        )
    return statement


def statuses_at(
    *,
    session: Session,
    assignment_ids: Sequence[int],
    points: Sequence[date],
    known_on: datetime | None = None,
) -> dict[date, dict[int, tuple[int, Status]]]:
    """For each date, each assignment's update that speaks for it as only its id and status:
    all the trend counts need (with the claims' reviews, from ``review_facts``)."""
    by_point: dict[date, dict[int, tuple[int, Status]]] = {p: {} for p in points}
    if not points:
        return by_point
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    statement = _at_statement(connection.dialect.name, known_on is not None)
    days = sorted(set(points))
    params: dict[str, object] = {
        "points": days if postgres else json.dumps([d.isoformat() for d in days])
    }
    if known_on is not None:
        params["known_update"] = utc_moment(known_on)
    seen: dict[object, date] = {}
    for chunk in chunks(sorted(set(assignment_ids))):
        params["ids"] = chunk if postgres else json.dumps(chunk)
        for point, aid, uid, status in connection.execute(statement, params):
            day = seen.get(point) or seen.setdefault(point, _as_date(point))
            by_point[day][aid] = (uid, _STATUSES[status])
    return by_point


def latest_facts_at(
    *,
    session: Session,
    assignment_ids: Sequence[int],
    points: Sequence[date],
    known_on: datetime | None = None,
) -> dict[date, dict[int, UpdateFact]]:
    """``latest_facts`` at many dates: one index lookup per assignment and date, then each
    update that speaks for any of them read once (the same update often speaks for many)."""
    speaking = statuses_at(
        session=session, assignment_ids=assignment_ids, points=points, known_on=known_on
    )
    ids = sorted({uid for found in speaking.values() for uid, _ in found.values()})
    raw: dict[int, tuple[int, str, object, object, object]] = {}
    for chunk in chunks(ids):
        query = sa.select(*_fact_columns()).where(_UPDATE.c.id.in_(chunk))
        for uid, status, evidence_date, recorded_at, revised in session.execute(query):
            raw[uid] = (uid, status, evidence_date, recorded_at, revised)
    reviews = review_facts(
        session=session,
        update_ids=[uid for uid, row in raw.items() if row[1] in _CLAIMS],
        known_on=known_on,
    )
    facts = {uid: _fact(_row(*row), reviews) for uid, row in raw.items()}
    return {
        day: {aid: facts[uid] for aid, (uid, _) in found.items()} for day, found in speaking.items()
    }


def review_facts(
    *, session: Session, update_ids: Iterable[int], known_on: datetime | None = None
) -> dict[int, tuple[ReviewFact, ...]]:
    """The decisions on the given updates (made by ``known_on``), oldest first, by update."""
    found: dict[int, list[ReviewFact]] = defaultdict(list)
    for chunk in chunks(sorted(set(update_ids))):
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
        status=_STATUSES[row.status],
        evidence_date=row.evidence_date,
        recorded_at=row.recorded_at,
        revised_target_date=row.revised_target_date,
        reviews=reviews.get(row.id, ()),
    )


def _row(uid: int, status: str, day: object, recorded: object, revised: object) -> _Row:
    return _Row(
        uid,
        status,
        _as_date(day),
        _as_moment(recorded),
        None if revised is None else _as_date(revised),
    )


def _as_moment(value: object) -> datetime:
    # SQLite keeps a moment as UTC text without an offset; PostgreSQL gives it with its zone.
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _as_date(value: object) -> date:
    # SQLite hands a literal back through a CTE as text.
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    """``ids`` in lists of at most ``_CHUNK``, one statement's worth of bound parameters."""
    items = list(ids)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
