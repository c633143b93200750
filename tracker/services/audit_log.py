"""Reading the audit trail: for administrators and monitors only (``Action.READ_AUDIT``).

Listing, filtering and the CSV download; the chain check itself is ``services.audit.verify``.
"""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from tracker import audit, store_audit
from tracker.db import read_session
from tracker.services import audit as audit_trail
from tracker.services.access import Action, Actor, authorise
from tracker.text import safe_cell

UK_TIME = ZoneInfo("Europe/London")
COLUMNS = (
    "id",
    "occurred_at",
    "actor",
    "actor_role",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "message",
    "before",
    "after",
)


@dataclass(frozen=True)
class EventRow:
    id: int
    occurred_at: datetime
    actor: str
    actor_role: str
    action: str
    outcome: str
    object_type: str
    object_id: str
    message: str
    before: str | None
    after: str | None

    def values(self) -> dict[str, str | int]:
        return {
            "id": self.id,
            "occurred_at": audit.utc_text(self.occurred_at),
            "actor": self.actor,
            "actor_role": self.actor_role,
            "action": self.action,
            "outcome": self.outcome,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "message": self.message,
            "before": self.before or "",
            "after": self.after or "",
        }


@dataclass(frozen=True)
class Filters:
    since: date | None = None  # from the start of this day (UK time)
    until: date | None = None  # to the end of this day (UK time)
    user: str | None = None
    action: str | None = None
    outcome: str | None = None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UK_TIME).astimezone(UTC)


def _row(event: audit.StoredEvent) -> EventRow:
    c = event.content
    return EventRow(
        event.id,
        c.occurred_at if c.occurred_at.tzinfo else c.occurred_at.replace(tzinfo=UTC),
        c.actor,
        c.actor_role,
        c.action,
        c.outcome,
        c.object_type,
        c.object_id,
        c.message,
        c.before,
        c.after,
    )


def list_events(
    *, engine: Engine, actor: Actor, filters: Filters = Filters(), limit: int | None = None
) -> list[EventRow]:
    """Events newest first. Refused (and the refusal recorded) unless admin or monitor."""
    authorise(engine=engine, actor=actor, action=Action.READ_AUDIT, object_type="audit_trail")
    with read_session(engine) as session:
        events = store_audit.events(
            session=session,
            since=_start_of(filters.since) if filters.since else None,
            until=_start_of(filters.until + timedelta(days=1)) if filters.until else None,
            actor=filters.user or None,
            action=filters.action or None,
            outcome=filters.outcome or None,
            limit=limit,
        )
    return [_row(e) for e in events]


def filter_choices(*, engine: Engine, actor: Actor) -> tuple[list[str], list[str]]:
    """The actions and users found on the trail (for the page's filters)."""
    authorise(engine=engine, actor=actor, action=Action.READ_AUDIT, object_type="audit_trail")
    with read_session(engine) as session:
        return store_audit.actions_and_actors(session=session)


def verify(*, engine: Engine, actor: Actor) -> audit_trail.Verification:
    authorise(engine=engine, actor=actor, action=Action.READ_AUDIT, object_type="audit_trail")
    return audit_trail.verify(engine=engine)


def csv_text(rows: list[EventRow]) -> str:
    """The events as CSV, every cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.values().items()})
    return out.getvalue()


def when(moment: datetime) -> str:
    """ "3 March 2025 14:02", as UK clocks showed it."""
    local = moment.astimezone(UK_TIME)
    return f"{local.day} {local:%B %Y %H:%M}"


def describe_break(result: audit_trail.Verification) -> str:
    """Plain words naming the first broken event: id, when, action, actor and why."""
    assert result.broken is not None
    event = result.broken_event
    if event is None:
        return f"Audit trail broken at event {result.broken.event_id}: {result.broken.reason}."
    c = event.content
    moment = c.occurred_at if c.occurred_at.tzinfo else c.occurred_at.replace(tzinfo=UTC)
    return (
        f"Audit trail broken at event {event.id} ({when(moment)}, {c.action} by {c.actor}): "
        f"{result.broken.reason}. The {result.events_checked} event(s) before it are intact."
    )


def describe_ok(result: audit_trail.Verification) -> str:
    return (
        f"{result.events_checked} events, chain intact\n"
        f"Head of the chain: {result.head_hash}\n"
        "Keep this line somewhere outside the database (the board papers, a ticket): events "
        "removed from the end of the trail can only be seen by comparing it with a later run."
    )
