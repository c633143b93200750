"""Storage of monitors' reviews of claimed implementation: appended, never changed.

Like ``store``, functions take a session and return plain dataclasses.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker import store, store_status
from tracker.models import Assignment, EvidenceUpdate, Organisation, Recommendation, Review
from tracker.rules import Decision, Status


@dataclass(frozen=True)
class ReviewInfo:
    id: int
    update_id: int
    decision: Decision
    reason: str
    reviewed_by: str  # username
    reviewed_at: datetime


@dataclass(frozen=True)
class ReviewTarget:
    """What a review needs to know about the update it is about."""

    update_id: int
    assignment_id: int
    status: Status
    evidence_date: date
    recommendation: str
    organisation_id: str
    organisation: str
    recorded_by_user: str | None = None  # who made the claim


def append_review(
    *,
    session: Session,
    update_id: int,
    decision: Decision,
    reason: str,
    reviewed_by: str,
    reviewed_at: datetime,
) -> int:
    row = Review(
        update_id=update_id,
        decision=decision.value,
        reason=reason,
        reviewed_by=reviewed_by,
        reviewed_at=reviewed_at,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _info(row: Review) -> ReviewInfo:
    assert row.id is not None
    return ReviewInfo(
        id=row.id,
        update_id=row.update_id,
        decision=Decision(row.decision),
        reason=row.reason,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
    )


def reviews_of(*, session: Session, update_ids: Iterable[int]) -> dict[int, list[ReviewInfo]]:
    """The reviews of the given updates, oldest first, by update."""
    ids = list(set(update_ids))
    found: dict[int, list[ReviewInfo]] = defaultdict(list)
    if not ids:
        return found
    query = select(Review).where(col(Review.update_id).in_(ids)).order_by(col(Review.id))
    for row in session.exec(query):
        found[row.update_id].append(_info(row))
    return found


def review_target(*, session: Session, update_id: int) -> ReviewTarget | None:
    query = (
        select(EvidenceUpdate, Recommendation.code, Organisation.id, Organisation.name)
        .join(Assignment, col(EvidenceUpdate.assignment_id) == col(Assignment.id))
        .join(Recommendation, col(Assignment.recommendation_id) == col(Recommendation.id))
        .join(Organisation, col(Assignment.organisation_id) == col(Organisation.id))
        .where(EvidenceUpdate.id == update_id)
    )
    found = session.exec(query).first()
    if found is None:
        return None
    update, code, org_id, org_name = found
    assert update.id is not None
    return ReviewTarget(
        update_id=update.id,
        assignment_id=update.assignment_id,
        status=Status(update.status),
        evidence_date=update.evidence_date,
        recommendation=code,
        organisation_id=org_id,
        organisation=org_name,
        recorded_by_user=update.recorded_by_user,
    )


def latest_update_id(*, session: Session, assignment_id: int) -> int | None:
    """The update that speaks for the assignment now (latest evidence date, then recorded last)."""
    facts = store_status.latest_facts(
        session=session, assignment_ids=[assignment_id], as_of=date.max
    )
    latest = facts.get(assignment_id)
    return latest.id if latest else None


def review_queue(*, session: Session, report_id: str) -> list[store.UpdateRecord]:
    """Claims waiting for a monitor: the latest update of each active assignment, when it says
    implemented or not applicable and nobody has reviewed it yet. Oldest claim first."""
    active = {
        r.assignment_id for r in store.assignment_records(session=session, report_id=report_id)
    }
    facts = store_status.latest_facts(
        session=session, assignment_ids=sorted(active), as_of=date.max
    )
    waiting = {f.id for f in facts.values() if f.status.is_closed and not f.reviews}
    if not waiting:
        return []
    claims = store.update_history(session=session, report_id=report_id, update_ids=waiting)
    return sorted(claims, key=lambda u: (u.recorded_at, u.id))


def review_count(*, session: Session) -> int:
    return int(session.exec(select(sa.func.count(col(Review.id)))).one())
