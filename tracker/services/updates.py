"""Write-side use cases: record one update, import a file of updates. All writes go through here."""

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tracker import store
from tracker.catalogue import Directory, UnknownOrganisationError, normalise_recommendation_id
from tracker.db import read_session, write_session
from tracker.evidence import (
    CheckedUpdate,
    ConflictError,
    Repeat,
    UpdateDraft,
    UpdateRejectedError,
    check_draft,
    content_fingerprint,
    content_type_of,
    error_message,
    fingerprint,
    parse_links,
    repeat_of,
    safe_file_name,
)
from tracker.services import audit as audit_trail
from tracker.services.access import Action, Actor, authorise, record_refusal, refusal_for
from tracker.settings import get_settings

# Means "the caller does not know what was there before": no conflict check.
UNCHECKED = -1

REQUIRED_COLUMNS = ("recommendation", "organisation", "status", "evidence_date", "narrative")
# "recorded_by" is the older name of "on_behalf_of": who recorded a row is whoever imports it.
OPTIONAL_COLUMNS = (
    "links",
    "revised_target_date",
    "revision_reason",
    "on_behalf_of",
    "recorded_by",
)
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
MAX_IMPORT_COLUMNS = 50
# Excel counts days from 30 December 1899 (its 1900 leap-year bug folded in).
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class RecordedUpdate:
    update_id: int
    assignment_id: int


def _now() -> datetime:
    return datetime.now(UTC)


def _assignment_index(
    engine: Engine, report_id: str | None = None
) -> tuple[store.ReportInfo, dict[tuple[str, str], store.AssignmentRecord]]:
    with read_session(engine) as session:
        report = store.report_info(session=session, report_id=report_id)
        if report is None:
            raise LookupError("No recommendations are loaded yet: run `tracker init` first.")
        records = store.assignment_records(session=session, report_id=report.id)
    return report, {(r.recommendation, r.organisation_id): r for r in records}


def _new_update(
    assignment_id: int,
    checked: CheckedUpdate,
    *,
    actor: Actor,
    source: str,
    recorded_at: datetime,
    follows: int | None = None,
) -> store.NewUpdate:
    return store.NewUpdate(
        assignment_id=assignment_id,
        status=checked.status,
        evidence_date=checked.evidence_date,
        recorded_at=recorded_at,
        recorded_by=actor.display_name,
        recorded_by_user=actor.username,
        on_behalf_of=checked.on_behalf_of,
        narrative=checked.narrative,
        links=checked.links,
        revised_target_date=checked.revised_target_date,
        revision_reason=checked.revision_reason,
        source=source,
        fingerprint=fingerprint(assignment_id, checked, follows=follows),
        attachments=tuple(
            store.NewAttachment(
                filename=safe_file_name(a.filename),
                content_type=content_type_of(a),
                content=a.content,
                sha256=hashlib.sha256(a.content).hexdigest(),
            )
            for a in checked.attachments
        ),
    )


def record_update(
    *,
    engine: Engine,
    actor: Actor,
    recommendation: str,
    organisation_id: str,
    draft: UpdateDraft,
    expected_last_update_id: int | None = UNCHECKED,
    today: date | None = None,
    source: str = "form",
) -> RecordedUpdate:
    """Check and append one update.

    ``expected_last_update_id`` is the latest update the person saw when they opened the form
    (None if there was none). If another update has been recorded since, nothing is stored and
    ``ConflictError`` says so, so one person's return never silently buries another's.
    """
    authorise(engine=engine, actor=actor, action=Action.RECORD, organisation_id=organisation_id)
    settings = get_settings()
    code = normalise_recommendation_id(recommendation)
    # Only the one assignment: the cost of recording stays flat as the history grows.
    with read_session(engine) as session:
        report = store.report_info(session=session)
        if report is None:
            raise LookupError("No recommendations are loaded yet: run `tracker init` first.")
        found = store.assignment_records(
            session=session,
            report_id=report.id,
            recommendation=code,
            organisation_id=organisation_id,
        )
    record = found[0] if found else None
    if record is None:
        raise UpdateRejectedError(
            {"recommendation": f"{code} is not assigned to organisation {organisation_id!r}"}
        )
    checked = check_draft(
        draft,
        today=today or date.today(),
        reporting_from=report.published,
        deadline=record.deadline,
        max_attachment_bytes=settings.max_attachment_bytes,
        allowed_attachment_types=settings.allowed_attachment_types,
        max_attachments=settings.max_attachments_per_update,
        max_update_attachment_bytes=settings.max_update_attachment_bytes,
    )
    with write_session(engine) as session:
        store.lock_assignment(session=session, assignment_id=record.assignment_id)
        latest = store.latest_recorded_update_id(
            session=session, assignment_id=record.assignment_id
        )
        if expected_last_update_id != UNCHECKED and latest != expected_last_update_id:
            raise ConflictError(
                f"Another update for {record.organisation} on {code} was recorded while this "
                "one was being written. Nothing was saved: review the latest update, then "
                "submit again."
            )
        new = _new_update(
            record.assignment_id, checked, actor=actor, source=source, recorded_at=_now()
        )
        # Only the earlier updates that could say the same, and the latest: the check does
        # not read the whole history.
        history = _said_by(
            record.assignment_id,
            store.said_before(
                session=session,
                assignment_id=record.assignment_id,
                like=store.Saying(checked.status, checked.evidence_date, checked.narrative),
                latest_id=latest,
            ),
        )
        repeat = repeat_of(new.fingerprint, [fp for _, fp in history])
        if repeat == Repeat.ALREADY_RECORDED:
            raise UpdateRejectedError(
                {"narrative": "already recorded: this says exactly what the latest update says"}
            )
        if repeat == Repeat.GOES_BACK:
            # Going back to something said before: a new entry that follows the latest one.
            new = _new_update(
                record.assignment_id,
                checked,
                actor=actor,
                source=source,
                recorded_at=new.recorded_at,
                follows=latest,
            )
        (update_id,) = store.append_updates(session=session, updates=[new])
        audit_trail.record(
            session,
            actor,
            "update_recorded",
            object_type="evidence_update",
            object_id=str(update_id),
            after=_audit_view(record, new),
        )
    return RecordedUpdate(update_id=update_id, assignment_id=record.assignment_id)


def _audit_view(record: store.AssignmentRecord, new: store.NewUpdate) -> dict[str, object]:
    """What the audit trail keeps of a new update: enough to see what was said, and its hash."""
    return {
        "recommendation": record.recommendation,
        "organisation": record.organisation_id,
        "status": new.status.value,
        "evidence_date": new.evidence_date.isoformat(),
        "on_behalf_of": new.on_behalf_of,
        "fingerprint": new.fingerprint,
        "attachments": [a.sha256 for a in new.attachments],
        "source": new.source,
    }


def _said_by(assignment_id: int, updates: Sequence[store.SaidBefore]) -> list[tuple[int, str]]:
    """One assignment's stored updates as (id, content fingerprint), in the order recorded."""
    return [
        (
            u.id,
            content_fingerprint(
                assignment_id,
                status=u.status.value,
                evidence_date=u.evidence_date,
                narrative=u.narrative,
                links=u.links,
                revised_target_date=u.revised_target_date,
                revision_reason=u.revision_reason,
                attachment_sha256=list(u.attachment_sha256),
            ),
        )
        for u in updates
    ]


def _said_before(session: Session, report_id: str) -> dict[int, list[tuple[int, str]]]:
    """Each assignment's stored updates as (id, content fingerprint), in the order recorded.

    The content fingerprint leaves out ``follows``, so an update that went back to an earlier
    statement counts as saying that statement again.
    """
    said: dict[int, list[tuple[int, str]]] = {}
    for u in sorted(store.update_history(session=session, report_id=report_id), key=lambda u: u.id):
        said.setdefault(u.assignment_id, []).append(
            (
                u.id,
                content_fingerprint(
                    u.assignment_id,
                    status=u.status.value,
                    evidence_date=u.evidence_date,
                    narrative=u.narrative,
                    links=u.links,
                    revised_target_date=u.revised_target_date,
                    revision_reason=u.revision_reason,
                    attachment_sha256=[a.sha256 for a in u.attachments],
                ),
            )
        )
    return said


# --- Import ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:  # a problem with the file as a whole, not one of its cells
            return f"the file: {self.message}"
        return f"row {self.row}, column {self.column!r}: {self.message}"


class ImportRejectedError(ValueError):
    """The file was rejected as a whole; nothing was stored."""

    def __init__(self, source: str, problems: Sequence[RowProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [f"{source}: nothing was imported; {len(self.problems)} problem(s) to fix:"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class ImportResult:
    rows: int
    stored: int
    already_recorded: int
    # Rows that said again what an earlier update said after a later one changed it: stored,
    # so the status went back (see ``evidence.Repeat``).
    went_back: tuple[int, ...] = ()


@dataclass(frozen=True)
class ImportTable:
    """A file's header and its non-empty rows, each with the row number a spreadsheet shows,
    and the problems found while reading (reported with every other row's problems)."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    row_numbers: tuple[int, ...]
    problems: tuple[RowProblem, ...] = ()


def read_table(path: Path, *, sheet: str | None = None) -> ImportTable:
    """Read a CSV or XLSX file of updates; header names are lower-cased.

    Workbooks are read streaming, and their declared size is checked before any row is read,
    so a small file claiming a million rows is refused at once.
    """
    if not path.exists():
        raise ImportRejectedError(str(path), [RowProblem(0, "(file)", "file not found")])
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise ImportRejectedError(
            str(path), [RowProblem(0, "(file)", f"larger than {MAX_IMPORT_BYTES // 2**20} MB")]
        )
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ImportRejectedError(str(path), [RowProblem(0, "(file)", "use a .csv or .xlsx file")])
    if suffix == ".csv":
        return _read_csv(path)
    return _read_xlsx(path, sheet)


def _file_problem(path: Path, message: str, row: int = 0) -> ImportRejectedError:
    return ImportRejectedError(str(path), [RowProblem(row, "(file)", message)])


def _read_xlsx(path: Path, sheet: str | None) -> ImportTable:
    try:
        import openpyxl  # only when a workbook is imported: it is slow to load

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds; all mean "cannot read this file"
        raise _file_problem(path, f"cannot be read as an Excel workbook ({exc})") from exc
    try:
        return _read_sheet(path, _choose_sheet(path, book, sheet))
    finally:
        book.close()


def _choose_sheet(path: Path, book: Any, sheet: str | None) -> Any:
    if sheet is not None:
        if sheet not in book.sheetnames:
            raise _file_problem(
                path, f"has no sheet named {sheet!r}; its sheets are {', '.join(book.sheetnames)}"
            )
        return book[sheet]
    with_data = [ws for ws in book.worksheets if _has_data(ws)]
    if len(with_data) > 1:
        names = ", ".join(repr(ws.title) for ws in with_data)
        raise _file_problem(
            path, f"has several sheets with data ({names}); name the one to import with --sheet"
        )
    return with_data[0] if with_data else book.worksheets[0]


def _has_data(ws: Any) -> bool:
    for row in ws.iter_rows(max_row=2, max_col=MAX_IMPORT_COLUMNS, values_only=True):
        if any(_text(v) for v in row):
            return True
    return False


def _read_sheet(path: Path, ws: Any) -> ImportTable:
    # The declared dimension, read before any row: refuse a sheet claiming to be huge.
    declared_rows, declared_cols = ws.max_row, ws.max_column
    if declared_rows is not None and declared_rows > MAX_IMPORT_ROWS + 1:
        raise _file_problem(
            path,
            f"the sheet {ws.title!r} claims {declared_rows:,} rows; at most "
            f"{MAX_IMPORT_ROWS:,} rows of updates can be imported at once",
        )
    if declared_cols is not None and declared_cols > MAX_IMPORT_COLUMNS:
        raise _file_problem(
            path,
            f"the sheet {ws.title!r} claims {declared_cols:,} columns; an import file has at "
            f"most {MAX_IMPORT_COLUMNS} (delete the columns after the last one used)",
        )
    lines: list[list[Any]] = []
    for values in ws.iter_rows(max_col=MAX_IMPORT_COLUMNS, values_only=True):
        lines.append(list(values))
        if len(lines) > MAX_IMPORT_ROWS + 1:  # a sheet with no declared size
            raise _file_problem(path, f"more than {MAX_IMPORT_ROWS:,} rows")
    if not lines:
        raise _file_problem(path, "the sheet is empty", row=1)
    header = [_text(v).lower() for v in lines[0]]
    width = _used_width(header)
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    problems = _header_problems(header[:width])
    for offset, values in enumerate(lines[1:]):
        row_no = offset + 2  # the header is row 1
        if not any(_text(v) for v in values):
            continue  # an empty line is not a return
        beyond = [i for i, v in enumerate(values) if i >= width and _text(v)]
        if beyond:
            problems.append(
                RowProblem(
                    row_no,
                    "(row)",
                    f"has values in column {beyond[0] + 1}, which has no header",
                )
            )
            continue
        cells = list(values[:width]) + [None] * (width - len(values))
        rows.append(dict(zip(header[:width], cells, strict=True)))
        numbers.append(row_no)
    return ImportTable(
        columns=tuple(header[:width]),
        rows=tuple(rows),
        row_numbers=tuple(numbers),
        problems=tuple(problems),
    )


def _used_width(header: Sequence[str]) -> int:
    """How many columns the header uses: Excel leaves empty columns after the last one."""
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    return width


def _header_problems(header: Sequence[str]) -> list[RowProblem]:
    problems: list[RowProblem] = []
    seen: set[str] = set()
    for index, name in enumerate(header):
        if not name:
            problems.append(RowProblem(1, f"column {index + 1}", "the column has no header"))
        elif name in seen:
            problems.append(RowProblem(1, name, "the column appears twice in the header; keep one"))
        seen.add(name)
    return problems


def _read_csv(path: Path) -> ImportTable:
    """CSV through the csv module, so a row with too many or too few values is named, not
    silently shifted into the wrong columns."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            lines = list(csv.reader(handle))
    except UnicodeDecodeError as exc:
        raise _file_problem(
            path,
            f"is not UTF-8 text (byte {exc.start + 1} cannot be read); in Excel use "
            'Save As and choose "CSV UTF-8", then import that file',
        ) from exc
    except csv.Error as exc:
        raise _file_problem(path, f"cannot be read as CSV: {exc}") from exc
    if not lines:
        raise _file_problem(path, "the file is empty", row=1)
    header = [c.strip().lower() for c in lines[0]]
    width = _used_width(header)
    columns = tuple(header[:width])
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    problems = _header_problems(columns)
    for offset, values in enumerate(lines[1:]):
        row_no = offset + 2  # the header is row 1
        if not any(v.strip() for v in values):
            continue  # an empty line is not a return
        used = values[:width] if not any(v.strip() for v in values[width:]) else values
        if len(used) != width:
            problems.append(
                RowProblem(
                    row_no,
                    "(row)",
                    f"has {len(used)} values but the header has {width} columns "
                    "(check for a stray comma or a missing quote)",
                )
            )
            continue
        rows.append(dict(zip(columns, used, strict=True)))
        numbers.append(row_no)
    return ImportTable(
        columns=columns, rows=tuple(rows), row_numbers=tuple(numbers), problems=tuple(problems)
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell_date(value: Any) -> date | str | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20_000 < value < 80_000:
        # A date cell that lost its date format: Excel's serial day number (1954 to 2119).
        return _EXCEL_EPOCH + timedelta(days=int(value))
    return _text(value) or None


def import_updates(
    *,
    engine: Engine,
    actor: Actor,
    rows: Sequence[dict[str, Any]],
    directory: Directory,
    source_name: str,
    today: date | None = None,
    columns: Sequence[str] | None = None,
    row_numbers: Sequence[int] | None = None,
    read_problems: Sequence[RowProblem] = (),
) -> ImportResult:
    """All or nothing: every row is checked first; any problem rejects the whole file.

    ``columns`` is the file's header (default: the first row's keys); ``row_numbers`` the row
    each entry of ``rows`` stands on (default: 2, 3, … under a header on row 1).
    """
    settings = get_settings()
    report, index = _assignment_index(engine)
    problems: list[RowProblem] = []
    present = set(columns) if columns is not None else (set(rows[0]) if rows else set())
    numbers = list(row_numbers) if row_numbers is not None else [i + 2 for i in range(len(rows))]
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    unknown = sorted(c for c in present if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    if missing:
        problems.append(RowProblem(1, ", ".join(missing), "required column missing"))
    if unknown:
        problems.append(
            RowProblem(1, ", ".join(unknown), "unknown column (check the spelling of the header)")
        )
    if not rows and not read_problems:
        problems.append(RowProblem(2, "(file)", "the file has no rows of updates"))
    if len(rows) > MAX_IMPORT_ROWS:
        problems.append(RowProblem(2, "(file)", f"more than {MAX_IMPORT_ROWS:,} rows"))
    if problems:
        raise ImportRejectedError(source_name, [*problems, *read_problems])
    # Rows that could not be read are reported with every other row's problems, in row order.
    problems = list(read_problems)

    pending: list[tuple[int, store.AssignmentRecord, CheckedUpdate, store.NewUpdate]] = []
    seen: dict[tuple[int, str], int] = {}
    recorded_at = _now()
    refused: list[RowProblem] = []
    for row_no, raw in zip(numbers, rows, strict=True):
        row_problems: list[RowProblem] = []
        code = ""
        try:
            code = normalise_recommendation_id(_text(raw.get("recommendation")))
            if not any(key[0] == code for key in index):
                raise LookupError(f"{code} is not a recommendation of this report")
        except LookupError as exc:
            row_problems.append(RowProblem(row_no, "recommendation", error_message(exc)))
        org_id = ""
        org_name = ""
        try:
            org = directory.resolve(_text(raw.get("organisation")))
            org_id, org_name = org.id, org.name
        except UnknownOrganisationError as exc:
            row_problems.append(RowProblem(row_no, "organisation", str(exc)))
        denied = refusal_for(actor, Action.RECORD, org_id) if org_id else None
        if denied:
            refused.append(RowProblem(row_no, "organisation", denied))
            row_problems.append(refused[-1])
        record = index.get((code, org_id)) if code and org_id else None
        if code and org_id and record is None and not row_problems:
            row_problems.append(
                RowProblem(row_no, "organisation", f"{org_name} is not accountable for {code}")
            )
        links: tuple[str, ...] = ()
        try:
            links = parse_links(_text(raw.get("links")))
        except ValueError as exc:
            row_problems.append(RowProblem(row_no, "links", str(exc)))
        draft = UpdateDraft(
            status=_text(raw.get("status")),
            evidence_date=_cell_date(raw.get("evidence_date")),
            narrative=_text(raw.get("narrative")),
            links=links,
            revised_target_date=_cell_date(raw.get("revised_target_date")),
            revision_reason=_text(raw.get("revision_reason")) or None,
            on_behalf_of=_text(raw.get("on_behalf_of")) or _text(raw.get("recorded_by")),
        )
        try:
            checked = check_draft(
                draft,
                today=today or date.today(),
                reporting_from=report.published,
                deadline=record.deadline if record else None,
                max_attachment_bytes=settings.max_attachment_bytes,
                allowed_attachment_types=settings.allowed_attachment_types,
            )
        except UpdateRejectedError as exc:
            row_problems += [RowProblem(row_no, k, v) for k, v in exc.problems.items()]
        if row_problems or record is None:
            problems += row_problems
            continue
        new = _new_update(
            record.assignment_id, checked, actor=actor, source="import", recorded_at=recorded_at
        )
        key = (record.assignment_id, new.fingerprint)
        if key in seen:
            problems.append(RowProblem(row_no, "(row)", f"repeats row {seen[key]} word for word"))
            continue
        seen[key] = row_no
        pending.append((row_no, record, checked, new))
    if refused:
        # One row for another organisation refuses the whole file, and the attempt is kept.
        # The file's problems, refusals included, are reported together below.
        record_refusal(
            engine,
            actor,
            Action.RECORD,
            "; ".join(f"row {p.row}: {p.message}" for p in refused[:20]),
            object_type="import",
            object_id=Path(source_name).name,
        )
    if problems:
        raise ImportRejectedError(source_name, sorted(problems, key=lambda p: p.row))

    try:
        with write_session(engine) as session:
            said = _said_before(session, report.id)
            fresh: list[store.NewUpdate] = []
            went_back: list[int] = []
            already = 0
            for position, (row_no, record, checked, new) in enumerate(pending):
                history = said.get(record.assignment_id, [])
                later = [
                    n.fingerprint
                    for _, r, _, n in pending[position + 1 :]
                    if r.assignment_id == record.assignment_id
                ]
                repeat = repeat_of(new.fingerprint, [fp for _, fp in history], later)
                if repeat == Repeat.ALREADY_RECORDED:
                    already += 1
                    continue
                if repeat == Repeat.GOES_BACK:
                    went_back.append(row_no)
                    new = _new_update(
                        record.assignment_id,
                        checked,
                        actor=actor,
                        source="import",
                        recorded_at=recorded_at,
                        follows=history[-1][0],
                    )
                fresh.append(new)
            ids = store.append_updates(session=session, updates=fresh)
            if ids:
                audit_trail.record(
                    session,
                    actor,
                    "updates_imported",
                    object_type="import",
                    object_id=Path(source_name).name,
                    after={
                        "rows": len(rows),
                        "stored": len(ids),
                        "update_ids": ids,
                        "went_back_rows": went_back,
                    },
                )
    except IntegrityError as exc:
        # Only when the same rows arrive from two imports at the same moment.
        raise ImportRejectedError(
            source_name,
            [
                RowProblem(
                    0,
                    "(file)",
                    "the same updates were being imported at the same moment "
                    "by someone else; nothing from this file was stored, so import it again",
                )
            ],
        ) from exc
    return ImportResult(
        rows=len(rows),
        stored=len(fresh),
        already_recorded=already,
        went_back=tuple(went_back),
    )


def import_file(
    *,
    engine: Engine,
    actor: Actor,
    path: Path,
    directory: Directory,
    today: date | None = None,
    sheet: str | None = None,
) -> ImportResult:
    table = read_table(path, sheet=sheet)
    return import_updates(
        engine=engine,
        actor=actor,
        rows=table.rows,
        directory=directory,
        source_name=str(path),
        today=today,
        columns=table.columns,
        row_numbers=table.row_numbers,
        read_problems=table.problems,
    )
