"""The one change the record allows: blanking personal data uploaded by mistake.

The row stays, with its stored SHA-256 and import fingerprint; the database triggers (migration
0003) let exactly this UPDATE through, once, and refuse every other change.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from tracker.models import Attachment, EvidenceUpdate


class AlreadyRedactedError(ValueError):
    """The object was redacted before; a redaction happens once."""


@dataclass(frozen=True)
class Redacted:
    """What a redaction changed, by hash only: the blanked content is never kept anywhere."""

    object_type: str
    object_id: int
    sha256_before: str
    sha256_after: str
    stored_sha256: str | None = None  # an attachment's SHA-256 as stored at upload (kept)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _locked(session: Session, model: type[EvidenceUpdate] | type[Attachment], row_id: int) -> None:
    # PostgreSQL: two administrators redacting at once take turns (SQLite's write lock does it).
    session.exec(select(model.id).where(model.id == row_id).with_for_update()).first()


def redact_narrative(
    *, session: Session, update_id: int, at: datetime, by: str, reason: str, blank: str
) -> Redacted:
    _locked(session, EvidenceUpdate, update_id)
    row = session.get(EvidenceUpdate, update_id)
    if row is None:
        raise LookupError(f"No update with id {update_id}.")
    if row.redacted_at is not None:
        raise AlreadyRedactedError(f"Update {update_id} was already redacted.")
    before = _sha256(row.narrative.encode("utf-8"))
    row.narrative = blank
    row.redacted_at, row.redacted_by, row.redaction_reason = at, by, reason
    session.add(row)
    session.flush()
    return Redacted("update", update_id, before, _sha256(blank.encode("utf-8")))


def redact_attachment(
    *, session: Session, attachment_id: int, at: datetime, by: str, reason: str
) -> Redacted:
    _locked(session, Attachment, attachment_id)
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise LookupError(f"No attachment with id {attachment_id}.")
    if row.redacted_at is not None:
        raise AlreadyRedactedError(f"Attachment {attachment_id} was already redacted.")
    before = _sha256(row.content)
    row.content = b""
    row.redacted_at, row.redacted_by, row.redaction_reason = at, by, reason
    session.add(row)
    session.flush()
    return Redacted("attachment", attachment_id, before, _sha256(b""), stored_sha256=row.sha256)


@dataclass(frozen=True)
class RedactionMark:
    """Shown in place of redacted content: who, when and why."""

    redacted_at: datetime
    redacted_by: str
    reason: str


def redaction_mark(
    redacted_at: datetime | None, redacted_by: str | None, reason: str | None
) -> RedactionMark | None:
    if redacted_at is None:
        return None
    return RedactionMark(redacted_at, redacted_by or "", reason or "")
