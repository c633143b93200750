"""Storage for the board's questions: meetings (appended, never changed), the updates recorded
in a window, and the revised target dates with their reasons.

Like ``store``, functions take a session and return plain dataclasses.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.models import EvidenceUpdate, Meeting
from tracker.movement import TargetUpdate
from tracker.rules import Status, utc_moment
from tracker.store_status import chunks

_UPDATE = EvidenceUpdate.__table__  # type: ignore[attr-defined]


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


def target_updates(
    *, session: Session, assignment_ids: Sequence[int] | None = None
) -> dict[int, list[TargetUpdate]]:
    """The updates that gave a revised target date, with their reasons and who recorded them:
    of the given assignments (found by the index on the assignment), or of every assignment."""
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
    parts = [None] if assignment_ids is None else list(chunks(assignment_ids))
    for chunk in parts:
        chosen = query if chunk is None else query.where(_UPDATE.c.assignment_id.in_(chunk))
        for uid, aid, evidence, recorded, revised, reason, by in session.connection().execute(
            chosen
        ):
            assert uid is not None
            found[aid].append(TargetUpdate(uid, evidence, recorded, revised, reason, by))
    return dict(found)


def targets_in_force(
    *,
    session: Session,
    assignment_ids: Sequence[int],
    as_of: date,
    known_on: datetime | None = None,
) -> dict[int, date]:
    """For each assignment, the revised target date in force on ``as_of`` as recorded by
    ``known_on``: the one given by the latest update that gave one (latest evidence date on or
    before ``as_of``, ties to the one recorded last, then the higher id), as
    ``movement.target_in_force`` says. One index lookup per assignment; never revised: absent."""
    a = sa.table("assignment", sa.column("id", sa.Integer))
    u = _UPDATE.alias("target")
    latest = sa.select(u.c.revised_target_date).where(
        u.c.assignment_id == a.c.id,
        u.c.evidence_date <= sa.literal(as_of, sa.Date),
        u.c.revised_target_date.is_not(None),
    )
    if known_on is not None:
        latest = latest.where(u.c.recorded_at <= utc_moment(known_on))
    target = (
        latest.order_by(u.c.evidence_date.desc(), u.c.recorded_at.desc(), u.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    found: dict[int, date] = {}
    for chunk in chunks(assignment_ids):
        query = sa.select(a.c.id, target).where(a.c.id.in_(chunk))
        for aid, day in session.execute(query):
            if day is not None:
                found[aid] = day
    return found


def last_recorded_by_assignment(
    *, session: Session, assignment_ids: Sequence[int], known_on: datetime | None = None
) -> dict[int, datetime]:
    """For each assignment, the moment (UTC) its latest update was recorded, of those recorded
    by ``known_on``; never reported on: absent."""
    moment = sa.func.max(_UPDATE.c.recorded_at)
    found: dict[int, datetime] = {}
    for chunk in chunks(assignment_ids):
        query = (
            sa.select(_UPDATE.c.assignment_id, moment)
            .where(_UPDATE.c.assignment_id.in_(chunk))
            .group_by(_UPDATE.c.assignment_id)
        )
        if known_on is not None:
            query = query.where(_UPDATE.c.recorded_at <= utc_moment(known_on))
        for aid, recorded in session.execute(query):
            found[aid] = utc_moment(recorded)
    return found
