"""Reads and appends of the audit trail (the hash chain itself is in ``tracker.audit``).

Events are only ever appended, in the same transaction as the change they describe, so a change
and its record stand or fall together.
"""

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker import audit
from tracker.models import AuditEvent

# Any constant: the key of the PostgreSQL advisory lock that queues appends to the chain.
_CHAIN_LOCK = 7_412_001


def _lock_chain(session: Session) -> None:
    """Appends take turns, so each event links to the one truly before it.

    SQLite write sessions already hold the database's write lock (BEGIN IMMEDIATE); PostgreSQL
    takes a transaction-scoped advisory lock, released at commit or rollback.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})


def append_event(*, session: Session, content: audit.EventContent) -> int:
    _lock_chain(session)
    previous = session.exec(
        select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
    ).first()
    previous_hash = previous or audit.GENESIS
    row = AuditEvent(
        occurred_at=content.occurred_at,
        actor=content.actor,
        actor_role=content.actor_role,
        action=content.action,
        outcome=content.outcome,
        object_type=content.object_type,
        object_id=content.object_id,
        before=content.before,
        after=content.after,
        message=content.message,
        previous_hash=previous_hash,
        hash=audit.event_hash(previous_hash, content),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _stored(row: AuditEvent) -> audit.StoredEvent:
    assert row.id is not None
    return audit.StoredEvent(
        id=row.id,
        content=audit.EventContent(
            occurred_at=row.occurred_at,
            actor=row.actor,
            actor_role=row.actor_role,
            action=row.action,
            outcome=row.outcome,
            object_type=row.object_type,
            object_id=row.object_id,
            before=row.before,
            after=row.after,
            message=row.message,
        ),
        previous_hash=row.previous_hash,
        hash=row.hash,
    )


def all_events(*, session: Session, batch: int = 5_000) -> Iterator[audit.StoredEvent]:
    """Every event in chain order, read in batches so a long trail never sits in memory whole."""
    last_id = 0
    while True:
        rows = list(
            session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.id) > last_id)
                .order_by(col(AuditEvent.id))
                .limit(batch)
            )
        )
        if not rows:
            return
        for row in rows:
            yield _stored(row)
        last_id = rows[-1].id or last_id
        session.expunge_all()


def events(
    *,
    session: Session,
    since: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int | None = None,
    outcome: str | None = None,
    until: datetime | None = None,
) -> list[audit.StoredEvent]:
    """Events newest first, filtered (``since`` inclusive, ``until`` exclusive)."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc())
    if since is not None:
        query = query.where(col(AuditEvent.occurred_at) >= since)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    if until is not None:
        query = query.where(col(AuditEvent.occurred_at) < until)
    if limit is not None:
        query = query.limit(limit)
    return [_stored(row) for row in session.exec(query)]


def actions_and_actors(*, session: Session) -> tuple[list[str], list[str]]:
    """The distinct actions and actors on the trail, for filters."""
    actions = session.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    actors = session.exec(select(AuditEvent.actor).distinct().order_by(AuditEvent.actor))
    return list(actions), list(actors)


# Writes that change one assignment's status and name it through the update they touch: a
# recorded update, or a monitor's decision on a claim.
_ONE_ASSIGNMENT = frozenset({"update_recorded", "claim_accepted", "claim_returned"})
# Writes that change nothing any status reads (who may sign in, meetings, rounds, reminders,
# redacted words or files, packs and backups made).
_NO_STATUS_CHANGE = frozenset(
    {
        "attachment_redacted",
        "backup_taken",
        "board_pack_generated",
        "meeting_recorded",
        "narrative_redacted",
        "reminder_sent",
        "round_closed",
        "round_opened",
        "sign_in",
        "sign_out",
        "statutory_response_recorded",
    }
)


def assignments_changed(
    *, session: Session, after: int, upto: int, updates_after: int, reviews_after: int
) -> set[int] | None:
    """The assignments whose status may differ between two versions of the record; None when a
    write in between may have changed any of them (a catalogue reload, an import, demonstration
    data, a restore, or an action this function does not know).

    ``after`` and ``upto`` are the versions' highest audit event ids, ``updates_after`` and
    ``reviews_after`` the earlier version's highest update and review ids. The assignments are
    those named by the writes with events in ``(after, upto]``, and those of updates and
    reviews with higher ids than the earlier version saw (rows added with no event of their
    own, as a bulk load adds them).

    The events make it sound when writers commit out of id order (PostgreSQL): every write
    through the services appends its event in the same transaction, and appends to the chain
    take turns under one lock, so event ids rise in the order their transactions commit: a
    reader that saw event ``after`` has seen every such write up to it.
    """
    rows = session.execute(
        sa.select(AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id)  # type: ignore[call-overload]
        .where(
            col(AuditEvent.id) > after,
            col(AuditEvent.id) <= upto,
            AuditEvent.outcome == audit.Outcome.DONE,
        )
        .order_by(col(AuditEvent.id))
    ).all()
    update_ids: set[int] = set()
    for action, object_type, object_id in rows:
        if action in _ONE_ASSIGNMENT and object_type == "evidence_update":
            update_ids.add(int(object_id))
        elif action not in _NO_STATUS_CHANGE and not action.startswith("user_"):
            return None
    changed: set[int] = set()
    if update_ids:
        found = session.execute(
            sa.text("SELECT id, assignment_id FROM evidence_update WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": sorted(update_ids)},
        ).all()
        if len(found) != len(update_ids):
            return None  # an event names an update this reader cannot see: start again
        changed = {int(assignment_id) for _, assignment_id in found}
    # Both by primary key ranges: a few rows past the earlier version's highest ids.
    newer = session.execute(
        sa.text(
            "SELECT assignment_id FROM evidence_update WHERE id > :updates "
            "UNION SELECT u.assignment_id FROM review r "
            "JOIN evidence_update u ON u.id = r.update_id WHERE r.id > :reviews"
        ),
        {"updates": updates_after, "reviews": reviews_after},
    ).scalars()
    return changed | {int(assignment_id) for assignment_id in newer}
