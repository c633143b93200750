"""Storage for the board's questions: meetings (appended, never changed), the updates recorded
in a window, and the revised target dates with their reasons.

Like ``store``, functions take a session and return plain dataclasses.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.models import EvidenceUpdate, Meeting
from tracker.movement import TargetUpdate
from tracker.rules import Status


@dataclass(frozen=True)
class MeetingInfo:
    id: int
    board: str
    held_on: date
    recorded_by: str  # username
    recorded_by_name: str
    recorded_at: datetime


def _info(row: Meeting) -> MeetingInfo:
    assert row.id is not None
    return MeetingInfo(
        id=row.id,
        board=row.board,
        held_on=row.held_on,
        recorded_by=row.recorded_by,
        recorded_by_name=row.recorded_by_name,
        recorded_at=row.recorded_at,
    )


def append_meeting(
    *,
    session: Session,
    board: str,
    held_on: date,
    recorded_by: str,
    recorded_by_name: str,
    recorded_at: datetime,
) -> MeetingInfo:
    row = Meeting(
        board=board,
        held_on=held_on,
        recorded_by=recorded_by,
        recorded_by_name=recorded_by_name,
        recorded_at=recorded_at,
    )
    session.add(row)
    session.flush()
    return _info(row)


def find_meeting(*, session: Session, board: str, held_on: date) -> MeetingInfo | None:
    row = session.exec(
        select(Meeting).where(Meeting.board == board, Meeting.held_on == held_on)
    ).first()
    return _info(row) if row else None


def meetings(
    *, session: Session, board: str | None = None, before: date | None = None
) -> list[MeetingInfo]:
    """Meetings, most recent first; of one board and strictly before a date if given."""
    query = select(Meeting)
    if board is not None:
        query = query.where(Meeting.board == board)
    if before is not None:
        query = query.where(col(Meeting.held_on) < before)
    query = query.order_by(col(Meeting.held_on).desc(), col(Meeting.id).desc())
    return [_info(row) for row in session.exec(query)]


@dataclass(frozen=True)
class RecordedUpdate:
    """The few facts about an update that a list of what was recorded needs."""

    id: int
    assignment_id: int
    status: Status
    evidence_date: date
    recorded_at: datetime
    recorded_by: str
    revised_target_date: date | None
    source: str


def updates_recorded_between(
    *, session: Session, after: datetime, until: datetime
) -> list[RecordedUpdate]:
    """Updates recorded after ``after`` and at or before ``until``, in the order recorded.

    Pass UTC moments: SQLite keeps moments as UTC text without a zone.
    """
    query = (
        sa.select(
            col(EvidenceUpdate.id),
            col(EvidenceUpdate.assignment_id),
            col(EvidenceUpdate.status),
            col(EvidenceUpdate.evidence_date),
            col(EvidenceUpdate.recorded_at),
            col(EvidenceUpdate.recorded_by),
            col(EvidenceUpdate.revised_target_date),
            col(EvidenceUpdate.source),
        )
        .where(col(EvidenceUpdate.recorded_at) > after, col(EvidenceUpdate.recorded_at) <= until)
        .order_by(col(EvidenceUpdate.recorded_at), col(EvidenceUpdate.id))
    )
    found = []
    for uid, aid, status, evidence, recorded, by, revised, source in session.connection().execute(
        query
    ):
        assert uid is not None
        found.append(
            RecordedUpdate(uid, aid, Status(status), evidence, recorded, by, revised, source)
        )
    return found


def target_updates(*, session: Session) -> dict[int, list[TargetUpdate]]:
    """Every update that gave a revised target date, with its reason and who recorded it."""
    query = sa.select(
        col(EvidenceUpdate.id),
        col(EvidenceUpdate.assignment_id),
        col(EvidenceUpdate.evidence_date),
        col(EvidenceUpdate.recorded_at),
        col(EvidenceUpdate.revised_target_date),
        col(EvidenceUpdate.revision_reason),
        col(EvidenceUpdate.recorded_by),
    ).where(col(EvidenceUpdate.revised_target_date).is_not(None))
    found: dict[int, list[TargetUpdate]] = defaultdict(list)
    for uid, aid, evidence, recorded, revised, reason, by in session.connection().execute(query):
        assert uid is not None
        found[aid].append(TargetUpdate(uid, evidence, recorded, revised, reason, by))
    return dict(found)
