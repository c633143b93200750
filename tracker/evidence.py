"""Checking a proposed update before it is stored: plain Python, no database.

Each check names the field it is about, so the form can show the message beside that field and
the importer can name the row and column.
"""

import hashlib
import json
import mimetypes
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from urllib.parse import urlparse

from tracker.rules import Status

MAX_NARRATIVE = 10_000
MAX_NAME = 200
ISO_HINT = "use YYYY-MM-DD, for example 2024-03-31"
STATUS_WORDS = ", ".join(s.value for s in Status)


def error_message(exc: BaseException) -> str:
    """An exception's own message (a KeyError's str() would wrap it in quotes)."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)


class UpdateRejectedError(ValueError):
    """An update failed its checks: ``problems`` maps each field to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


class ConflictError(RuntimeError):
    """Someone else recorded an update for the same assignment since the form was opened."""


@dataclass(frozen=True)
class FileUpload:
    filename: str
    content: bytes
    content_type: str | None = None


@dataclass(frozen=True)
class UpdateDraft:
    """What a person submits: raw-ish values, checked by ``check_draft``."""

    status: str
    evidence_date: date | str | None
    narrative: str
    links: tuple[str, ...] = ()
    revised_target_date: date | str | None = None
    revision_reason: str | None = None
    # Who recorded it is the signed-in user; this optional text says for whom ("for the ACC").
    on_behalf_of: str = ""
    attachments: tuple[FileUpload, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CheckedUpdate:
    status: Status
    evidence_date: date
    narrative: str
    links: tuple[str, ...]
    revised_target_date: date | None
    revision_reason: str | None
    on_behalf_of: str | None
    attachments: tuple[FileUpload, ...]


def parse_status(value: str) -> Status:
    """Accept ``in_progress``, ``In progress`` or ``in progress``."""
    text = value.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Status(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a status; use one of {STATUS_WORDS}") from None


def parse_date(value: date | datetime | str | None, *, required: bool = True) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"a date is needed ({ISO_HINT})")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date; {ISO_HINT}") from None


def parse_links(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Links one per line, or separated by spaces, commas or semicolons."""
    if isinstance(value, str):
        for sep in (";", ",", "\n", "\t"):
            value = value.replace(sep, " ")
        items = value.split()
    else:
        items = [v.strip() for v in value if v and v.strip()]
    for link in items:
        parsed = urlparse(link)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"{link!r} is not a web address starting http:// or https://")
    return tuple(items)


def check_attachment(
    upload: FileUpload, *, max_bytes: int, allowed_types: tuple[str, ...]
) -> str | None:
    """What is wrong with a file, or None."""
    suffix = PurePath(upload.filename).suffix.lower().lstrip(".")
    if suffix not in allowed_types:
        return (
            f"{upload.filename}: files of type .{suffix or '?'} are not accepted; "
            f"use {', '.join('.' + t for t in allowed_types)}"
        )
    if not upload.content:
        return f"{upload.filename}: the file is empty"
    if len(upload.content) > max_bytes:
        return (
            f"{upload.filename}: {_size(len(upload.content))} is over the "
            f"{_size(max_bytes)} limit for one file"
        )
    return None


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def content_type_of(upload: FileUpload) -> str:
    guessed, _ = mimetypes.guess_type(upload.filename)
    return upload.content_type or guessed or "application/octet-stream"


def check_draft(
    draft: UpdateDraft,
    *,
    today: date,
    reporting_from: date,
    deadline: date | None,
    max_attachment_bytes: int,
    allowed_attachment_types: tuple[str, ...],
) -> CheckedUpdate:
    """Check every field and report every problem at once."""
    problems: dict[str, str] = {}

    status: Status | None = None
    try:
        status = parse_status(draft.status or "")
    except ValueError as exc:
        problems["status"] = str(exc)

    evidence_date: date | None = None
    try:
        evidence_date = parse_date(draft.evidence_date)
    except ValueError as exc:
        problems["evidence_date"] = str(exc)
    if evidence_date is not None:
        if evidence_date > today:
            problems["evidence_date"] = (
                f"{evidence_date:%d %B %Y} is in the future; evidence can only speak for today "
                "or earlier"
            )
        elif evidence_date < reporting_from:
            problems["evidence_date"] = (
                f"{evidence_date:%d %B %Y} is before the report was published "
                f"({reporting_from:%d %B %Y})"
            )

    narrative = (draft.narrative or "").strip()
    if not narrative:
        problems["narrative"] = (
            "say why this recommendation does not apply"
            if status == Status.NOT_APPLICABLE
            else "describe the evidence of progress"
        )
    elif len(narrative) > MAX_NARRATIVE:
        problems["narrative"] = f"keep the narrative under {MAX_NARRATIVE:,} characters"

    links: tuple[str, ...] = ()
    try:
        links = parse_links(draft.links)
    except ValueError as exc:
        problems["links"] = str(exc)

    revised: date | None = None
    try:
        revised = parse_date(draft.revised_target_date, required=False)
    except ValueError as exc:
        problems["revised_target_date"] = str(exc)
    reason = (draft.revision_reason or "").strip() or None
    if revised is not None and not reason:
        problems["revision_reason"] = "give the reason the target date is revised"
    if reason and revised is None and "revised_target_date" not in problems:
        problems["revised_target_date"] = "a revision reason needs a revised target date"
    if revised is not None and deadline is not None and revised <= deadline:
        problems["revised_target_date"] = (
            f"a revised target date must be after the deadline ({deadline:%d %B %Y})"
        )

    on_behalf_of = (draft.on_behalf_of or "").strip() or None
    if on_behalf_of is not None and len(on_behalf_of) > MAX_NAME:
        problems["on_behalf_of"] = f"keep this under {MAX_NAME} characters"

    file_problems = [
        p
        for p in (
            check_attachment(
                a, max_bytes=max_attachment_bytes, allowed_types=allowed_attachment_types
            )
            for a in draft.attachments
        )
        if p
    ]
    if file_problems:
        problems["attachments"] = "; ".join(file_problems)

    if problems:
        raise UpdateRejectedError(problems)
    assert status is not None and evidence_date is not None
    return CheckedUpdate(
        status=status,
        evidence_date=evidence_date,
        narrative=narrative,
        links=links,
        revised_target_date=revised,
        revision_reason=reason,
        on_behalf_of=on_behalf_of,
        attachments=draft.attachments,
    )


def fingerprint(
    assignment_id: int,
    update: CheckedUpdate,
    *,
    follows: int | None = None,
) -> str:
    """SHA-256 of what the update says (not who sent it or when): the same return is stored once.

    ``follows`` is set only when someone deliberately says again something said earlier (A, then
    B by mistake, then A again): naming the update it follows makes it a new entry.
    """
    return content_fingerprint(
        assignment_id,
        status=update.status.value,
        evidence_date=update.evidence_date,
        narrative=update.narrative,
        links=update.links,
        revised_target_date=update.revised_target_date,
        revision_reason=update.revision_reason,
        attachment_sha256=[hashlib.sha256(a.content).hexdigest() for a in update.attachments],
        follows=follows,
    )


def content_fingerprint(
    assignment_id: int,
    *,
    status: str,
    evidence_date: date,
    narrative: str,
    links: tuple[str, ...] | list[str],
    revised_target_date: date | None,
    revision_reason: str | None,
    attachment_sha256: list[str] | tuple[str, ...],
    follows: int | None = None,
) -> str:
    payload: dict[str, object] = {
        "assignment": assignment_id,
        "status": status,
        "evidence_date": evidence_date.isoformat(),
        "narrative": narrative,
        "links": list(links),
        "revised_target_date": revised_target_date.isoformat() if revised_target_date else None,
        "revision_reason": revision_reason,
        "attachments": sorted(attachment_sha256),
    }
    if follows is not None:
        payload["follows"] = follows
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
