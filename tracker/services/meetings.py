"""Oversight boards' meetings: recorded so "what changed since the last meeting" has a default.

Monitors and administrators record meetings; everyone who can read sees them. Meetings are part
of the record (appended, never changed) and each one is on the audit trail.
"""

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from tracker import store, store_board
from tracker.db import read_session, write_session
from tracker.services import audit as audit_trail
from tracker.services.access import Action, Actor, authorise
from tracker.store_board import MeetingInfo
from tracker.text import MAX_NAME, TextError, clean_text

__all__ = ["MeetingInfo", "MeetingRefusedError", "add_meeting", "last_meeting", "list_meetings"]

# Boards meet ahead of time too: a meeting may be recorded up to a year before it is held.
MAX_DAYS_AHEAD = 366


class MeetingRefusedError(ValueError):
    """The meeting cannot be recorded as given; the message says which field and why."""


def _now() -> datetime:
    return datetime.now(UTC)


def _check_board(board: str) -> str:
    try:
        name = clean_text(board, max_length=MAX_NAME, multiline=False)
    except TextError as exc:
        raise MeetingRefusedError(f"Board name: {exc}.") from None
    if not name:
        raise MeetingRefusedError("Board name: say which board met, for example 'National board'.")
    return name


def add_meeting(
    *, engine: Engine, actor: Actor, held_on: date, board: str, today: date | None = None
) -> MeetingInfo:
    """Record that ``board`` met on ``held_on``; refused for anyone but monitors and admins."""
    authorise(engine=engine, actor=actor, action=Action.RECORD_MEETING, object_type="meeting")
    name = _check_board(board)
    today = today or _now().date()
    with read_session(engine) as session:
        report = store.report_info(session=session)
    if report is not None and held_on < report.published:
        raise MeetingRefusedError(
            f"Meeting date: {held_on:%-d %B %Y} is before the report was published "
            f"({report.published:%-d %B %Y})."
        )
    if (held_on - today).days > MAX_DAYS_AHEAD:
        raise MeetingRefusedError(
            f"Meeting date: {held_on:%-d %B %Y} is more than a year ahead; check the year."
        )
    with write_session(engine) as session:
        if store_board.find_meeting(session=session, board=name, held_on=held_on):
            raise MeetingRefusedError(
                f"{name}'s meeting on {held_on:%-d %B %Y} is already recorded."
            )
        meeting = store_board.append_meeting(
            session=session,
            board=name,
            held_on=held_on,
            recorded_by=actor.username,
            recorded_by_name=actor.display_name,
            recorded_at=_now(),
        )
        audit_trail.record(
            session,
            actor,
            "meeting_recorded",
            object_type="meeting",
            object_id=str(meeting.id),
            after={"board": name, "held_on": held_on.isoformat()},
            message=f"{name} met on {held_on.isoformat()}",
        )
    return meeting


def list_meetings(
    *, engine: Engine, board: str | None = None, before: date | None = None
) -> list[MeetingInfo]:
    """Recorded meetings, most recent first (of one board, and before a date, if given)."""
    with read_session(engine) as session:
        return store_board.meetings(session=session, board=board, before=before)


def last_meeting(*, engine: Engine, before: date, board: str | None = None) -> MeetingInfo | None:
    """The latest meeting held strictly before ``before``: in a meeting today, "since the last
    meeting" means since the one before today's."""
    found = list_meetings(engine=engine, board=board, before=before)
    return found[0] if found else None
