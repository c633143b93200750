"""The audit trail: every write appends an event; `verify` walks the hash chain."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker import audit, store_audit
from tracker.db import read_session, write_session
from tracker.roles import Actor


def _now() -> datetime:
    return datetime.now(UTC)


def content(
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    message: str = "",
    outcome: str = audit.Outcome.DONE,
    at: datetime | None = None,
) -> audit.EventContent:
    return audit.EventContent(
        occurred_at=at or _now(),
        actor=actor.username,
        actor_role=actor.role.value,
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=object_id,
        before=audit.canonical_json(dict(before)) if before is not None else None,
        after=audit.canonical_json(dict(after)) if after is not None else None,
        message=message,
    )


def record(session: Session, actor: Actor, action: str, **fields: Any) -> int:
    """Append an event inside the caller's transaction: it commits with the change or not at all."""
    return store_audit.append_event(session=session, content=content(actor, action, **fields))


def record_alone(engine: Engine, actor: Actor, action: str, **fields: Any) -> int:
    """Append an event in a transaction of its own (refusals, failed sign-ins: nothing else
    changes, but the attempt is kept)."""
    with write_session(engine) as session:
        return record(session, actor, action, **fields)


@dataclass(frozen=True)
class Verification:
    events_checked: int
    broken: audit.ChainBreak | None
    broken_event: audit.StoredEvent | None = None
    # The last event's hash: kept outside the database, it shows events cut from the end.
    head_hash: str = audit.GENESIS

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(*, engine: Engine) -> Verification:
    """Walk the whole chain; name the first event whose hash or link does not hold."""
    seen: dict[int, audit.StoredEvent] = {}
    count = 0

    def counted(events: Iterator[audit.StoredEvent]) -> Iterator[audit.StoredEvent]:
        nonlocal count
        for event in events:
            count += 1
            seen.clear()
            seen[event.id] = event
            yield event

    with read_session(engine) as session:
        broken = audit.first_break(counted(store_audit.all_events(session=session)))
    if broken is None:
        last = next(iter(seen.values()), None)
        return Verification(count, None, head_hash=last.hash if last else audit.GENESIS)
    return Verification(count - 1, broken, seen.get(broken.event_id))
