"""Storage of reminders sent: appended, never changed (migration 0007)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from tracker.models import ReminderSent


@dataclass(frozen=True)
class NewReminder:
    organisation_id: str
    trigger_key: str
    kind: str


def sent_keys(*, session: Session, organisation_id: str | None = None) -> set[tuple[str, str]]:
    """(organisation id, trigger key) of every reminder already sent."""
    query = select(ReminderSent.organisation_id, ReminderSent.trigger_key)
    if organisation_id is not None:
        query = query.where(ReminderSent.organisation_id == organisation_id)
    return {(org, key) for org, key in session.exec(query)}


def add_sent(
    *,
    session: Session,
    reminders: Sequence[NewReminder],
    as_of: date,
    sent_at: datetime,
    message_id: str,
    recipients: Sequence[str],
) -> None:
    session.add_all(
        ReminderSent(
            organisation_id=r.organisation_id,
            trigger_key=r.trigger_key,
            kind=r.kind,
            as_of=as_of,
            sent_at=sent_at,
            message_id=message_id,
            recipients=list(recipients),
        )
        for r in reminders
    )
    session.flush()
