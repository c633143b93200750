"""Storage of oversight boards' meetings: appended, never changed.

Like ``store``, functions take a session and return plain dataclasses.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from tracker.models import Meeting


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
