"""Redaction of personal data uploaded by mistake: administrators only, once, on the audit trail.

The attachment's content (or the update's narrative) is blanked; the row, its stored SHA-256 and
its import fingerprint stay as they were, so the record still shows that something was there and
what it hashed to. The audit event holds who, when, why and the before/after hashes, never the
blanked content itself.
"""

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from tracker import store_redaction
from tracker.db import write_session
from tracker.services import audit as audit_trail
from tracker.services.access import Action, Actor, authorise
from tracker.store_redaction import AlreadyRedactedError, Redacted

__all__ = ["AlreadyRedactedError", "Redacted", "redact_attachment", "redact_narrative"]


def redacted_narrative(on: datetime) -> str:
    """The fixed text left in place of a redacted narrative (the database trigger checks it)."""
    return f"[redacted on {on.day} {on:%B %Y}: reason on the audit trail]"


def _reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise ValueError("Give the reason for the redaction (it is kept on the audit trail).")
    return cleaned


def _hashes(done: Redacted) -> tuple[dict[str, str], dict[str, str]]:
    before = {"sha256": done.sha256_before}
    after = {"sha256": done.sha256_after}
    if done.stored_sha256 is not None:
        before["stored_sha256"] = after["stored_sha256"] = done.stored_sha256
    return before, after


def redact_narrative(*, engine: Engine, actor: Actor, update_id: int, reason: str) -> Redacted:
    why = _reason(reason)
    authorise(
        engine=engine,
        actor=actor,
        action=Action.REDACT,
        object_type="update",
        object_id=str(update_id),
    )
    now = datetime.now(UTC)
    with write_session(engine) as session:
        done = store_redaction.redact_narrative(
            session=session,
            update_id=update_id,
            at=now,
            by=actor.username,
            reason=why,
            blank=redacted_narrative(now),
        )
        before, after = _hashes(done)
        audit_trail.record(
            session,
            actor,
            "narrative_redacted",
            object_type="update",
            object_id=str(update_id),
            before=before,
            after=after,
            message=why,
            at=now,
        )
    return done


def redact_attachment(*, engine: Engine, actor: Actor, attachment_id: int, reason: str) -> Redacted:
    why = _reason(reason)
    authorise(
        engine=engine,
        actor=actor,
        action=Action.REDACT,
        object_type="attachment",
        object_id=str(attachment_id),
    )
    now = datetime.now(UTC)
    with write_session(engine) as session:
        done = store_redaction.redact_attachment(
            session=session, attachment_id=attachment_id, at=now, by=actor.username, reason=why
        )
        before, after = _hashes(done)
        audit_trail.record(
            session,
            actor,
            "attachment_redacted",
            object_type="attachment",
            object_id=str(attachment_id),
            before=before,
            after=after,
            message=why,
            at=now,
        )
    return done
