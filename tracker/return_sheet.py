"""The return spreadsheet: one organisation's open assignments, to fill in and upload.

Writing and reading the workbook only; no database. The services decide what a filled-in row
means (``services/return_sheets.py``). The layout is one sheet of returns (one row per open
assignment, key columns locked), an instructions sheet, and a hidden sheet recording which
organisation, round and moment the file was made for.
"""

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from tracker.rules import Status

FORMAT = "oscae-tracker return v1"
RETURN_SHEET = "Return"
INSTRUCTIONS_SHEET = "Instructions"
KEY_SHEET = "Key"

MAX_RETURN_BYTES = 5 * 1024 * 1024
# What the workbook may unpack to: a small file that unzips to gigabytes is refused unread.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_RETURN_ROWS = 2_000
MAX_RETURN_COLUMNS = 30
# Excel counts days from 30 December 1899 (its 1900 leap-year bug folded in).
_EXCEL_EPOCH = date(1899, 12, 30)
DATE_FORMAT = "d mmmm yyyy"
_KEY = re.compile(r"^A(\d{1,12})-U(\d{1,12})$")


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    width: int
    editable: bool = False
    is_date: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("key", "Key (do not change)", 14),
    Column("recommendation", "Recommendation", 16),
    Column("title", "What it asks", 40),
    Column("deadline", "Deadline", 16, is_date=True),
    Column("standing", "Where it stands", 32),
    Column("status", "Status", 16, editable=True),
    Column("evidence_date", "Evidence date", 16, editable=True, is_date=True),
    Column("narrative", "What has been done (evidence)", 60, editable=True),
    Column("links", "Links (one per line)", 36, editable=True),
    Column("revised_target_date", "Revised target date", 18, editable=True, is_date=True),
    Column("revision_reason", "Reason for revised date", 36, editable=True),
    Column("on_behalf_of", "On behalf of (optional)", 24, editable=True),
)
HEADERS: dict[str, str] = {c.field: c.header for c in COLUMNS}
STATUS_CHOICES: tuple[str, ...] = tuple(s.label for s in Status)
# Characters an XLSX file cannot hold: text already passed the input rules, so this only guards.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class TemplateInfo:
    """What the file is for, kept in its hidden key sheet and shown in its instructions."""

    organisation_id: str
    organisation: str
    report_title: str
    made_at: datetime
    made_by: str
    # The newest update id when the file was made: a later one for a row's assignment means
    # someone recorded an update since, which the upload will not silently bury.
    updates_seen: int
    round_id: int | None = None
    round_name: str | None = None
    round_due: date | None = None


@dataclass(frozen=True)
class TemplateRow:
    assignment_id: int
    prefilled_update_id: int | None  # the update whose words fill the editable cells
    recommendation: str
    title: str
    deadline: date | None
    standing: str
    status: Status
    evidence_date: date | None
    narrative: str
    links: tuple[str, ...]
    revised_target_date: date | None
    revision_reason: str | None


def row_key(assignment_id: int, update_id: int | None) -> str:
    return f"A{assignment_id}-U{update_id or 0}"


def parse_key(value: object) -> tuple[int, int | None] | None:
    match = _KEY.match(str(value or "").strip())
    if not match:
        return None
    update = int(match.group(2))
    return int(match.group(1)), (update or None)


def _text_cell(ws: Worksheet, row: int, column: int, value: str) -> None:
    """Text stays text: written as a string cell, so a value starting "=" is never a formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = _XLSX_ILLEGAL.sub("", value)
    cell.data_type = "s"


def build_workbook(info: TemplateInfo, rows: Sequence[TemplateRow]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = RETURN_SHEET
    _fill_return_sheet(ws, rows)
    _fill_instructions(book.create_sheet(INSTRUCTIONS_SHEET), info, len(rows))
    key = book.create_sheet(KEY_SHEET)
    _fill_key(key, info)
    key.sheet_state = "hidden"
    key.protection.sheet = True
    book.active = 0
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill_return_sheet(ws: Worksheet, rows: Sequence[TemplateRow]) -> None:
    header_fill = PatternFill("solid", fgColor="DDDDDD")
    locked_fill = PatternFill("solid", fgColor="F3F2F1")
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[cell.column_letter].width = column.width
    for offset, row in enumerate(rows):
        r = offset + 2
        values: dict[str, str | date | None] = {
            "key": row_key(row.assignment_id, row.prefilled_update_id),
            "recommendation": row.recommendation,
            "title": row.title,
            "deadline": row.deadline,
            "standing": row.standing,
            "status": row.status.label,
            "evidence_date": row.evidence_date,
            "narrative": row.narrative,
            "links": "\n".join(row.links),
            "revised_target_date": row.revised_target_date,
            "revision_reason": row.revision_reason or "",
            "on_behalf_of": "",
        }
        for index, column in enumerate(COLUMNS, start=1):
            value = values[column.field]
            cell = ws.cell(row=r, column=index, value=None if isinstance(value, str) else value)
            if isinstance(value, str):
                _text_cell(ws, r, index, value)
            if column.is_date:
                cell.number_format = DATE_FORMAT
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if column.editable:
                cell.protection = Protection(locked=False)
            else:
                cell.fill = locked_fill
    last = max(len(rows) + 1, 2)
    status_col = _letter("status")
    statuses = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUS_CHOICES) + '"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Status",
        error="Choose a status from the list.",
        promptTitle="Status",
        prompt="Not started, In progress, Implemented or Not applicable (give the reason).",
        showInputMessage=True,
    )
    statuses.add(f"{status_col}2:{status_col}{last}")
    ws.add_data_validation(statuses)
    for field_name in ("evidence_date", "revised_target_date"):
        letter = _letter(field_name)
        dates = DataValidation(
            type="date",
            operator="greaterThan",
            formula1="36526",  # 1 January 2000: any real date passes
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=HEADERS[field_name],
            error="Type a date, for example 31/03/2024.",
        )
        dates.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dates)
    ws.freeze_panes = "C2"
    # Locked cells cannot be changed; the editable ones are unlocked. No password: this guards
    # against slips, and the upload checks every value anyway.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False


def _letter(field_name: str) -> str:
    index = next(i for i, c in enumerate(COLUMNS, start=1) if c.field == field_name)
    return get_column_letter(index)


def _long(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "—"


def instructions(info: TemplateInfo, count: int) -> list[str]:
    """The instructions sheet's lines (also what the tests read back)."""
    lines = [
        f"Return for {info.organisation}",
        info.report_title,
        f"Made on {_long(info.made_at.date())} by {info.made_by}, with {count} open "
        f"assignment{'s' if count != 1 else ''}.",
    ]
    if info.round_name:
        lines.append(f"Return round: {info.round_name}, due {_long(info.round_due)}.")
    lines += [
        "",
        "How to fill it in",
        "1. Each row of the Return sheet is one recommendation your organisation is accountable "
        "for and has not finished. The grey columns are locked: they say which it is and where "
        "it stands.",
        "2. The white columns hold what your latest update said. Change them where something "
        "has moved on: choose the status from the list, give the date your evidence speaks "
        "for, and say what has been done.",
        "3. A row you leave exactly as it was is not an update: nothing is stored for it. To say "
        "there is no change, put the date you checked in Evidence date and say so in the "
        "evidence; that is stored as an update.",
        "4. Implemented or Not applicable is a claim a monitor reviews; Not applicable needs the "
        "reason in the evidence column.",
        "5. A revised target date needs a reason, and must be after the deadline.",
        "6. Do not add, copy or re-order key cells: each row's key ties it to its "
        "recommendation. Rows you delete are simply not reported on.",
        "7. Upload the file on the dashboard's 'Upload a return' page (or `tracker import`). "
        "You will see exactly what will change, row by row, before anything is stored; if any "
        "row has a problem, nothing is stored and every problem is listed with its row number.",
        "8. Uploading the same file again stores nothing twice.",
    ]
    return lines


def _fill_instructions(ws: Worksheet, info: TemplateInfo, count: int) -> None:
    ws.column_dimensions["A"].width = 110
    for index, line in enumerate(instructions(info, count), start=1):
        _text_cell(ws, index, 1, line)
        cell = ws.cell(row=index, column=1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if index == 1 or line == "How to fill it in":
            cell.font = Font(bold=True, size=14 if index == 1 else 12)
    ws.protection.sheet = True


_KEY_FIELDS = (
    "format",
    "organisation_id",
    "organisation",
    "round_id",
    "round_name",
    "made_at",
    "made_by",
    "updates_seen",
)


def _fill_key(ws: Worksheet, info: TemplateInfo) -> None:
    values: dict[str, str | int] = {
        "format": FORMAT,
        "organisation_id": info.organisation_id,
        "organisation": info.organisation,
        "round_id": info.round_id if info.round_id is not None else "",
        "round_name": info.round_name or "",
        "made_at": info.made_at.isoformat(),
        "made_by": info.made_by,
        "updates_seen": info.updates_seen,
    }
    for index, name in enumerate(_KEY_FIELDS, start=1):
        ws.cell(row=index, column=1, value=name)
        value = values[name]
        if isinstance(value, str):
            _text_cell(ws, index, 2, value)
        else:
            ws.cell(row=index, column=2, value=value)


# --- Reading a filled-in return -----------------------------------------------------------


@dataclass(frozen=True)
class SheetProblem:
    row: int  # as the spreadsheet shows it; 0 for the file as a whole
    column: str  # the column's header as the sheet shows it
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        if not self.column:
            return f"Row {self.row}: {self.message}"
        return f"Row {self.row}, column {self.column!r}: {self.message}"


class ReturnFileError(ValueError):
    """The file cannot be read as a return at all; nothing was stored."""

    def __init__(self, problems: Sequence[SheetProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class SheetKey:
    organisation_id: str
    organisation: str
    round_id: int | None
    round_name: str | None
    made_at: str
    updates_seen: int


@dataclass(frozen=True)
class SheetRow:
    row: int
    assignment_id: int
    prefilled_update_id: int | None
    recommendation: str
    values: dict[str, Any]  # editable field -> the cell's value as read


@dataclass(frozen=True)
class ReadReturn:
    key: SheetKey
    rows: tuple[SheetRow, ...]
    problems: tuple[SheetProblem, ...] = field(default_factory=tuple)


def _refuse(message: str) -> ReturnFileError:
    return ReturnFileError([SheetProblem(0, "", message)])


def check_container(content: bytes, *, max_bytes: int = MAX_RETURN_BYTES) -> None:
    """Size and shape, checked before the workbook is opened."""
    if len(content) > max_bytes:
        raise _refuse(
            f"The file is {len(content) / 2**20:.1f} MB; a return can be at most "
            f"{max_bytes / 2**20:.0f} MB. Nothing was read."
        )
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise _refuse(
            "The file is not an Excel workbook (.xlsx); upload the return template "
            "you downloaded, filled in."
        ) from None
    if "xl/workbook.xml" not in names:
        raise _refuse("The file is not an Excel workbook (.xlsx).")
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refuse(
            f"The workbook unpacks to {unpacked / 2**20:.0f} MB, more than a return can hold. "
            "Nothing was read."
        )


def is_return(content: bytes) -> bool:
    """Is this a workbook made by ``build_workbook`` (it has the hidden key sheet)?"""
    try:
        check_container(content, max_bytes=max(len(content), 1))
        book = openpyxl.load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception:  # not a workbook at all: the plain importer explains
        return False
    try:
        if KEY_SHEET not in book.sheetnames:
            return False
        first = next(book[KEY_SHEET].iter_rows(max_row=1, max_col=2, values_only=True), ())
        return len(first) == 2 and first[1] == FORMAT
    finally:
        book.close()


def read_workbook(content: bytes, *, max_bytes: int = MAX_RETURN_BYTES) -> ReadReturn:
    """The rows of a filled-in return, with every problem found reading them.

    Limits come first: the file's size and what it unpacks to, then the sheet's declared size
    (read streaming, before any row).
    """
    check_container(content, max_bytes=max_bytes)
    try:
        book = openpyxl.load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds; all mean "cannot read this file"
        raise _refuse(f"The file cannot be read as an Excel workbook ({exc}).") from exc
    try:
        if KEY_SHEET not in book.sheetnames or RETURN_SHEET not in book.sheetnames:
            raise _refuse(
                "This workbook is not a return template from the tracker (it has no "
                f"{RETURN_SHEET!r} and hidden {KEY_SHEET!r} sheets). Download the template "
                "and fill that in."
            )
        key = _read_key(book[KEY_SHEET])
        return _read_rows(book[RETURN_SHEET], key)
    finally:
        book.close()


def _read_key(ws: Any) -> SheetKey:
    if ws.max_row is not None and ws.max_row > 50:
        raise _refuse("The hidden key sheet has been changed; download a fresh template.")
    values: dict[str, Any] = {}
    for row in ws.iter_rows(max_row=len(_KEY_FIELDS), max_col=2, values_only=True):
        if len(row) == 2 and row[0]:
            values[str(row[0])] = row[1]
    if values.get("format") != FORMAT or not values.get("organisation_id"):
        raise _refuse("The hidden key sheet has been changed; download a fresh template.")
    try:
        round_id = int(values["round_id"]) if values.get("round_id") not in (None, "") else None
        seen = int(values.get("updates_seen") or 0)
    except (TypeError, ValueError):
        raise _refuse("The hidden key sheet has been changed; download a fresh template.") from None
    return SheetKey(
        organisation_id=str(values["organisation_id"]),
        organisation=str(values.get("organisation") or values["organisation_id"]),
        round_id=round_id,
        round_name=str(values.get("round_name") or "") or None,
        made_at=str(values.get("made_at") or ""),
        updates_seen=seen,
    )


def _read_rows(ws: Any, key: SheetKey) -> ReadReturn:
    declared_rows, declared_cols = ws.max_row, ws.max_column
    if declared_rows is not None and declared_rows > MAX_RETURN_ROWS + 1:
        raise _refuse(
            f"The {RETURN_SHEET} sheet claims {declared_rows:,} rows; a return has at most "
            f"{MAX_RETURN_ROWS:,}. Nothing was read."
        )
    if declared_cols is not None and declared_cols > MAX_RETURN_COLUMNS:
        raise _refuse(
            f"The {RETURN_SHEET} sheet claims {declared_cols:,} columns; a return has "
            f"{len(COLUMNS)}. Nothing was read."
        )
    lines: list[tuple[Any, ...]] = []
    for values in ws.iter_rows(max_col=MAX_RETURN_COLUMNS, values_only=True):
        lines.append(tuple(values))
        if len(lines) > MAX_RETURN_ROWS + 1:  # a sheet that declares no size
            raise _refuse(f"The {RETURN_SHEET} sheet has more than {MAX_RETURN_ROWS:,} rows.")
    header = [str(v).strip() if v is not None else "" for v in (lines[0] if lines else ())]
    expected = [c.header for c in COLUMNS]
    if header[: len(expected)] != expected:
        raise _refuse(
            f"The {RETURN_SHEET} sheet's header row has been changed; it should read: "
            + ", ".join(expected)
            + ". Download a fresh template."
        )
    problems: list[SheetProblem] = []
    rows: list[SheetRow] = []
    seen: dict[int, int] = {}
    for offset, values in enumerate(lines[1:]):
        number = offset + 2
        cells = dict(
            zip([c.field for c in COLUMNS], list(values) + [None] * len(COLUMNS), strict=False)
        )
        if not any(_is_filled(v) for v in values):
            continue
        extra = [i for i, v in enumerate(values) if i >= len(COLUMNS) and _is_filled(v)]
        if extra:
            problems.append(
                SheetProblem(
                    number,
                    "",
                    f"has a value in column {get_column_letter(extra[0] + 1)}, "
                    "after the last column of the return",
                )
            )
        parsed = parse_key(cells["key"])
        if parsed is None:
            problems.append(
                SheetProblem(
                    number,
                    HEADERS["key"],
                    "this row has no key from the template, so it cannot be tied to a "
                    "recommendation; rows cannot be added to a return",
                )
            )
            continue
        assignment_id, update_id = parsed
        if assignment_id in seen:
            problems.append(
                SheetProblem(
                    number,
                    HEADERS["key"],
                    f"is the same recommendation as row {seen[assignment_id]}; keep one of them",
                )
            )
            continue
        seen[assignment_id] = number
        rows.append(
            SheetRow(
                row=number,
                assignment_id=assignment_id,
                prefilled_update_id=update_id,
                recommendation=str(cells["recommendation"] or "").strip(),
                values={c.field: cells[c.field] for c in COLUMNS if c.editable},
            )
        )
    return ReadReturn(key=key, rows=tuple(rows), problems=tuple(problems))


def _is_filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


# --- Cell values ---------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_LONG = ("%d %B %Y", "%d %b %Y")


def cell_date(value: object) -> date | None:
    """A date cell, or text a person in the UK would type as a date; ``ValueError`` if neither.

    Accepted text: 31/03/2024 (day first), 2024-03-31 and 31 March 2024.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20_000 < value < 80_000:
        return _EXCEL_EPOCH + timedelta(days=int(value))  # a date cell that lost its format
    text = str(value).strip()
    match = _DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        for pattern in _LONG:
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    except ValueError:
        pass
    raise ValueError(f"{text[:40]!r} is not a date; type it as 31/03/2024")


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
