"""Storage of return rounds and statutory responses: appended, never changed (migration 0006).

Plain dataclasses out, never ORM objects. A round's scope is written once, with the round; a
closure is a row of its own; a correction to a statutory response is a new row.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.models import (
    EvidenceUpdate,
    Organisation,
    ReturnRound,
    ReturnRoundClosure,
    ReturnRoundScope,
    StatutoryResponse,
)


@dataclass(frozen=True)
class StoredRound:
    id: int
    name: str
    report_id: str
    due_date: date
    recommendations: tuple[str, ...]
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    # (assignment id, organisation id) for every assignment the round asks about.
    scope: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class StoredResponse:
    id: int
    organisation_id: str
    report_id: str
    published: date
    url: str
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class BodyInfo:
    """A local policing body and the force area it oversees."""

    id: str
    name: str
    force_id: str | None
    force_area: str
    region_id: str | None


def round_name_taken(*, session: Session, name: str) -> bool:
    found = session.exec(
        select(ReturnRound.id).where(sa.func.lower(ReturnRound.name) == name.lower())
    ).first()
    return found is not None


def add_round(
    *,
    session: Session,
    name: str,
    report_id: str,
    due_date: date,
    recommendations: Sequence[str],
    opened_at: datetime,
    opened_by: str,
    scope: Sequence[tuple[int, str]],
) -> int:
    row = ReturnRound(
        name=name,
        report_id=report_id,
        due_date=due_date,
        recommendations=list(recommendations),
        opened_at=opened_at,
        opened_by=opened_by,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    for assignment_id, organisation_id in scope:
        session.add(
            ReturnRoundScope(
                round_id=row.id, assignment_id=assignment_id, organisation_id=organisation_id
            )
        )
    session.flush()
    return row.id


def add_closure(*, session: Session, round_id: int, closed_at: datetime, closed_by: str) -> int:
    row = ReturnRoundClosure(round_id=round_id, closed_at=closed_at, closed_by=closed_by)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def rounds(*, session: Session, round_id: int | None = None) -> list[StoredRound]:
    """Every round (or one), newest opened first, with its closure and scope."""
    query = select(ReturnRound, ReturnRoundClosure).join(
        ReturnRoundClosure,
        col(ReturnRoundClosure.round_id) == col(ReturnRound.id),
        isouter=True,
    )
    if round_id is not None:
        query = query.where(ReturnRound.id == round_id)
    found = list(session.exec(query.order_by(col(ReturnRound.opened_at).desc())))
    ids = [r.id for r, _ in found]
    scopes: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if ids:
        for rid, aid, oid in session.connection().execute(
            sa.select(
                col(ReturnRoundScope.round_id),
                col(ReturnRoundScope.assignment_id),
                col(ReturnRoundScope.organisation_id),
            )
            .where(col(ReturnRoundScope.round_id).in_(ids))
            .order_by(col(ReturnRoundScope.id))
        ):
            scopes[rid].append((aid, oid))
    result = []
    for row, closure in found:
        assert row.id is not None
        result.append(
            StoredRound(
                id=row.id,
                name=row.name,
                report_id=row.report_id,
                due_date=row.due_date,
                recommendations=tuple(row.recommendations),
                opened_at=_aware(row.opened_at),
                opened_by=row.opened_by,
                closed_at=_aware(closure.closed_at) if closure else None,
                closed_by=closure.closed_by if closure else None,
                scope=tuple(scopes.get(row.id, ())),
            )
        )
    return result


def recorded_times(
    *, session: Session, assignment_ids: Sequence[int], since: datetime
) -> dict[int, list[datetime]]:
    """When each update of these assignments was recorded, at or after ``since``, oldest first."""
    found: dict[int, list[datetime]] = defaultdict(list)
    if not assignment_ids:
        return found
    query = (
        sa.select(col(EvidenceUpdate.assignment_id), col(EvidenceUpdate.recorded_at))
        .where(col(EvidenceUpdate.assignment_id).in_(list(assignment_ids)))
        .order_by(col(EvidenceUpdate.recorded_at))
    )
    for aid, recorded_at in session.connection().execute(query):
        if _aware(recorded_at) >= _aware(since):
            found[aid].append(_aware(recorded_at))
    return found


def _aware(moment: datetime) -> datetime:
    """SQLite returns stored moments without a zone: they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def add_response(
    *,
    session: Session,
    organisation_id: str,
    report_id: str,
    published: date,
    url: str,
    recorded_at: datetime,
    recorded_by: str,
) -> int:
    row = StatutoryResponse(
        organisation_id=organisation_id,
        report_id=report_id,
        published=published,
        url=url,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def responses(*, session: Session, report_id: str) -> list[StoredResponse]:
    """Every response recorded for a report, oldest recorded first."""
    query = (
        select(StatutoryResponse)
        .where(StatutoryResponse.report_id == report_id)
        .order_by(col(StatutoryResponse.recorded_at), col(StatutoryResponse.id))
    )
    return [
        StoredResponse(
            id=r.id,
            organisation_id=r.organisation_id,
            report_id=r.report_id,
            published=r.published,
            url=r.url,
            recorded_at=_aware(r.recorded_at),
            recorded_by=r.recorded_by,
        )
        for r in session.exec(query)
        if r.id is not None
    ]


def local_policing_bodies(*, session: Session) -> list[BodyInfo]:
    """Every local policing body, with the name of the force area it oversees."""
    orgs = list(session.exec(select(Organisation)))
    names = {o.id: o.name for o in orgs}
    bodies = [
        BodyInfo(
            id=o.id,
            name=o.name,
            force_id=o.force_id,
            force_area=names.get(o.force_id or "", o.name),
            region_id=o.region_id,
        )
        for o in orgs
        if o.kind == "local_policing_body"
    ]
    return sorted(bodies, key=lambda b: b.force_area)
