"""The audit trail's hash chain: plain Python, no database.

Every event carries a SHA-256 over its own canonical content and the previous event's hash, so
changing, removing or reordering any stored event breaks the chain from that event on.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


class Outcome:
    DONE = "done"
    REFUSED = "refused"
    FAILED = "failed"  # for example a wrong password


@dataclass(frozen=True)
class EventContent:
    """What one audit event says; the hash covers exactly these fields."""

    occurred_at: datetime
    actor: str
    actor_role: str
    action: str
    outcome: str
    object_type: str
    object_id: str
    before: str | None  # canonical JSON, or None
    after: str | None
    message: str


@dataclass(frozen=True)
class StoredEvent:
    id: int
    content: EventContent
    previous_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def canonical_json(value: Any) -> str | None:
    """A stable text form of a before/after value (None stays None)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def utc_text(moment: datetime) -> str:
    """One text form for a moment, whatever the database hands back (SQLite drops the zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(previous_hash: str, content: EventContent) -> str:
    payload = {
        "occurred_at": utc_text(content.occurred_at),
        "actor": content.actor,
        "actor_role": content.actor_role,
        "action": content.action,
        "outcome": content.outcome,
        "object_type": content.object_type,
        "object_id": content.object_id,
        "before": content.before,
        "after": content.after,
        "message": content.message,
    }
    text = previous_hash + "\n" + json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def first_break(events: Iterable[StoredEvent]) -> ChainBreak | None:
    """The first event (in id order) whose hash or link to its predecessor does not hold."""
    previous = GENESIS
    for event in events:
        if event.previous_hash != previous:
            return ChainBreak(
                event.id,
                "its link to the previous event does not match (an event before it was "
                "removed, inserted or changed)",
            )
        if event_hash(event.previous_hash, event.content) != event.hash:
            return ChainBreak(event.id, "its content does not match its hash (it was changed)")
        previous = event.hash
    return None
