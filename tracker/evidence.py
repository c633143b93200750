"""Checking a proposed update before it is stored: plain Python, no database.

Each check names the field it is about, so the form can show the message beside that field and
the importer can name the row and column.
"""

import hashlib
import json
import re
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from io import BytesIO
from pathlib import PurePath

import puremagic

from tracker.rules import Status
from tracker.text import (
    MAX_FILE_NAME,
    MAX_LINKS,
    MAX_NAME,
    MAX_NARRATIVE,
    MAX_REASON,
    TextError,
    check_url,
    clean_text,
)

__all__ = ["MAX_NAME", "MAX_NARRATIVE"]
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
    """Links one per line, or separated by spaces, commas or semicolons; each a plain web
    address (``tracker.text.check_url``)."""
    if isinstance(value, str):
        for sep in (";", ",", "\r", "\n", "\t"):
            value = value.replace(sep, " ")
        items = value.split()
    else:
        items = [v.strip() for v in value if v and v.strip()]
    if len(items) > MAX_LINKS:
        raise ValueError(f"give at most {MAX_LINKS} links")
    for link in items:
        try:
            check_url(link)
        except TextError as exc:
            raise ValueError(str(exc)) from None
    return tuple(items)


# What each accepted type of file starts with: its content decides, not its name.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
# Inside the zip, the part that makes it a Word document or a workbook.
_ZIP_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_TEXT_TYPES = ("csv", "txt")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "txt": "text/plain",
}
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9 ._()\-]+")


def safe_file_name(name: str) -> str:
    """The name a file is stored and offered under: no folders, no control characters, only
    plain letters, digits and ``._()-``, at most ``MAX_FILE_NAME`` characters."""
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE_NAME_CHARS.sub("_", stem).strip(" ._") or "file"
    suffix = _UNSAFE_NAME_CHARS.sub("", suffix)[:10].lower()
    stem = stem[: MAX_FILE_NAME - len(suffix) - 1]
    return f"{stem}.{suffix}" if suffix else stem


def _really_is(content: bytes, suffix: str) -> bool:
    if suffix in _TEXT_TYPES:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return False
        return not re.search(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", text)
    if not content.startswith(_SIGNATURES.get(suffix, (b"\x00never",))):
        return False
    part = _ZIP_PART.get(suffix)
    if part is None:
        return True
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            return part in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _what_it_is(content: bytes) -> str:
    try:
        return f"a {puremagic.from_string(content)} file"
    except puremagic.PureError:
        return "of a type that cannot be recognised"


def check_attachment(
    upload: FileUpload, *, max_bytes: int, allowed_types: tuple[str, ...]
) -> str | None:
    """What is wrong with a file, or None. The type is checked by content, not by name."""
    shown = safe_file_name(upload.filename)
    suffix = PurePath(shown).suffix.lower().lstrip(".")
    if suffix not in allowed_types:
        return (
            f"{shown}: files of type .{suffix or '?'} are not accepted; "
            f"use {', '.join('.' + t for t in allowed_types)}"
        )
    if not upload.content:
        return f"{shown}: the file is empty"
    if len(upload.content) > max_bytes:
        return (
            f"{shown}: {_size(len(upload.content))} is over the "
            f"{_size(max_bytes)} limit for one file"
        )
    if not _really_is(upload.content, suffix):
        return f"{shown}: named .{suffix} but its content is {_what_it_is(upload.content)}"
    return None


def check_attachments(
    uploads: tuple[FileUpload, ...],
    *,
    max_bytes: int,
    max_count: int,
    max_total_bytes: int,
    allowed_types: tuple[str, ...],
) -> list[str]:
    """Every problem with an update's files: each file's own, then the limits for them all."""
    found = [
        p
        for p in (
            check_attachment(u, max_bytes=max_bytes, allowed_types=allowed_types) for u in uploads
        )
        if p
    ]
    if len(uploads) > max_count:
        found.append(f"{len(uploads)} files is more than the {max_count} allowed in one update")
    total = sum(len(u.content) for u in uploads)
    if total > max_total_bytes:
        found.append(
            f"the files come to {_size(total)}, over the {_size(max_total_bytes)} limit "
            "for one update"
        )
    return found


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def content_type_of(upload: FileUpload) -> str:
    """The content type a checked file is stored and served with (from its checked type, never
    from what the browser claimed)."""
    suffix = PurePath(safe_file_name(upload.filename)).suffix.lower().lstrip(".")
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def _text_field(
    problems: dict[str, str], name: str, value: str | None, *, max_length: int, multiline: bool
) -> str:
    try:
        return clean_text(value, max_length=max_length, multiline=multiline)
    except TextError as exc:
        problems[name] = str(exc)
        return ""


def check_draft(
    draft: UpdateDraft,
    *,
    today: date,
    reporting_from: date,
    deadline: date | None,
    max_attachment_bytes: int,
    allowed_attachment_types: tuple[str, ...],
    max_attachments: int = 10,
    max_update_attachment_bytes: int = 20 * 1024 * 1024,
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

    narrative = _text_field(
        problems, "narrative", draft.narrative, max_length=MAX_NARRATIVE, multiline=True
    )
    if not narrative and "narrative" not in problems:
        problems["narrative"] = (
            "say why this recommendation does not apply"
            if status == Status.NOT_APPLICABLE
            else "describe the evidence of progress"
        )

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
    reason = (
        _text_field(
            problems,
            "revision_reason",
            draft.revision_reason,
            max_length=MAX_REASON,
            multiline=True,
        )
        or None
    )
    if revised is not None and not reason and "revision_reason" not in problems:
        problems["revision_reason"] = "give the reason the target date is revised"
    if reason and revised is None and "revised_target_date" not in problems:
        problems["revised_target_date"] = "a revision reason needs a revised target date"
    if revised is not None and deadline is not None and revised <= deadline:
        problems["revised_target_date"] = (
            f"a revised target date must be after the deadline ({deadline:%d %B %Y})"
        )

    on_behalf_of = (
        _text_field(
            problems, "on_behalf_of", draft.on_behalf_of, max_length=MAX_NAME, multiline=False
        )
        or None
    )

    file_problems = check_attachments(
        draft.attachments,
        max_bytes=max_attachment_bytes,
        max_count=max_attachments,
        max_total_bytes=max_update_attachment_bytes,
        allowed_types=allowed_attachment_types,
    )
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


class Repeat(StrEnum):
    """How an update stands against what its assignment already holds (one rule for the form
    and the importer; the README's "Input rules" says it in words)."""

    NEW = "new"
    # Says what the latest update says (or replays stored updates up to the latest one):
    # nothing is stored, and the person is told.
    ALREADY_RECORDED = "already_recorded"
    # Says what an earlier update said after a later one changed it: stored as a new update
    # that follows the latest, so the status goes back, and the person is told.
    GOES_BACK = "goes_back"


def repeat_of(said: str, history: Sequence[str], said_after: Collection[str] = ()) -> Repeat:
    """Classify content fingerprint ``said`` against ``history`` (the content fingerprints of
    the stored updates, in the order recorded). ``said_after`` holds what the same submission
    says next for the same assignment: a file that replays stored updates in order ends on the
    latest and so changes nothing."""
    if said not in history:
        return Repeat.NEW
    last = len(history) - 1 - list(reversed(history)).index(said)
    if last == len(history) - 1 or any(fp in history[last + 1 :] for fp in said_after):
        return Repeat.ALREADY_RECORDED
    return Repeat.GOES_BACK
