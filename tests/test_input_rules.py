"""Hostile and careless input, rule by rule, through the importer (CSV and XLSX), the service the
form calls, the catalogue loader and the exports."""

import csv
import io
import os
import re
import stat
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from typer.testing import CliRunner
from utils.factories import count_updates, import_rows, record, write_csv, write_xlsx

from tracker.catalogue import CatalogueError, load_catalogue, load_directory
from tracker.cli import app
from tracker.db import engine_for
from tracker.evidence import FileUpload, UpdateRejectedError, safe_file_name
from tracker.roles import Actor, Role
from tracker.services import export, progress
from tracker.services.updates import (
    MAX_IMPORT_ROWS,
    ImportRejectedError,
    ImportResult,
    import_file,
)
from tracker.text import TextError, check_url, clean_text, safe_cell

Writer = Callable[[Path, Sequence[Mapping[str, object]]], Path]
WRITERS: dict[str, Writer] = {"csv": write_csv, "xlsx": write_xlsx}
TODAY = date(2026, 11, 23)
IMPORTER = Actor(username="importer", display_name="Importer", role=Role.ADMIN)
CATALOGUE = Path(__file__).resolve().parents[1] / "recommendations.yaml"
PDF = b"%PDF-1.4\n% evidence\n"
EXE = b"MZ" + bytes(200)  # a Windows program's first bytes


@pytest.fixture(params=sorted(WRITERS))
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def do_import(engine: Engine, path: Path, sheet: str | None = None) -> ImportResult:
    return import_file(
        engine=engine,
        actor=IMPORTER,
        path=path,
        directory=load_directory(),
        today=TODAY,
        sheet=sheet,
    )


def problems_of(engine: Engine, path: Path, sheet: str | None = None) -> list[str]:
    with pytest.raises(ImportRejectedError) as info:
        do_import(engine, path, sheet)
    assert count_updates(engine) == 0
    return [str(p) for p in info.value.problems]


# --- Text fields ------------------------------------------------------------------------------


def test_control_characters_are_refused_but_tab_and_newline_are_kept() -> None:
    assert clean_text("one\ttwo\nthree", max_length=100) == "one\ttwo\nthree"
    with pytest.raises(TextError, match="control character"):
        clean_text("bell\x07", max_length=100)
    with pytest.raises(TextError, match="control character"):
        clean_text("null\x00byte", max_length=100)


def test_line_endings_are_normalised() -> None:
    assert clean_text("a\r\nb\rc", max_length=100) == "a\nb\nc"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("narrative", "Plan agreed\x1b[31m"),
        ("on_behalf_of", "Head of PPU\x00"),
        ("revision_reason", "Delayed\x08"),
    ],
)
def test_importer_names_row_and_field_of_a_control_character(
    loaded_engine: Engine, tmp_path: Path, column: str, value: str
) -> None:
    # CSV only: a workbook cannot hold these characters at all (openpyxl refuses to write them).
    rows = import_rows(3)
    rows[1][column] = value
    if column == "revision_reason":
        rows[1]["revised_target_date"] = "2027-06-30"
    for row in rows:
        row.setdefault(column, "")
        row.setdefault("revised_target_date", "")
    found = problems_of(loaded_engine, write_csv(tmp_path / "r.csv", rows))
    assert any(p.startswith(f"row 3, column {column!r}") and "control" in p for p in found), found


def test_the_same_words_with_windows_line_endings_are_already_recorded(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    rows = import_rows(1)
    rows[0]["narrative"] = "Line one.\nLine two."
    do_import(loaded_engine, write_csv(tmp_path / "unix.csv", rows))
    rows[0]["narrative"] = "Line one.\r\nLine two."
    again = do_import(loaded_engine, write_csv(tmp_path / "windows.csv", rows))
    assert (again.stored, again.already_recorded) == (0, 1)
    assert count_updates(loaded_engine) == 1


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("narrative", "x" * 10_001),
        ("on_behalf_of", "x" * 201),
        ("revision_reason", "x" * 2_001),
        ("links", "https://example.org/" + "a" * 2_000),
    ],
)
def test_each_text_field_has_a_maximum_length(
    loaded_engine: Engine, tmp_path: Path, fmt: str, column: str, value: str
) -> None:
    rows = import_rows(2)
    for row in rows:
        row.update({column: "", "revised_target_date": ""})
    rows[0][column] = value
    if column == "revision_reason":
        rows[0]["revised_target_date"] = "2027-06-30"
    found = problems_of(loaded_engine, WRITERS[fmt](tmp_path / f"r.{fmt}", rows))
    assert any(p.startswith(f"row 2, column {column!r}") for p in found), found


# --- Links -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/x)![img](https://evil.example/i.png",
        "https://user:secret@example.org/plan",
        "https://example.org/a b",
        "https://example.org/:red[alert]",
        "https://example.org/<img>",
        "javascript:alert(1)",
        "https://example.org/\x07",
        "data:text/html,hello",
    ],
)
def test_strict_link_check_refuses_anything_but_a_plain_web_address(link: str) -> None:
    with pytest.raises(TextError):
        check_url(link)


@pytest.mark.parametrize(
    "link",
    [
        "https://www.kent.police.uk/about-us/policies/",
        "http://example.org:8080/report.pdf?version=2&page=3#summary",
        "https://example.org/path_with-dots.and~tilde",
    ],
)
def test_plain_web_addresses_pass_the_link_check(link: str) -> None:
    assert check_url(link) == link


def test_importer_refuses_a_link_hiding_markdown(
    loaded_engine: Engine, tmp_path: Path, fmt: str
) -> None:
    rows = import_rows(2)
    rows[0]["links"] = "https://example.org/x)![](https://evil.example/pixel.png"
    rows[1]["links"] = ""
    found = problems_of(loaded_engine, WRITERS[fmt](tmp_path / f"r.{fmt}", rows))
    assert any(p.startswith("row 2, column 'links'") for p in found), found


# --- Spreadsheets ----------------------------------------------------------------------------


def _claim_dimension(path: Path, ref: str) -> None:
    """Rewrite the sheet's declared dimension, as a hostile file would."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


@pytest.mark.parametrize(
    ("ref", "claim"), [("A1:E1048576", "1,048,576 rows"), ("A1:XFD2", "16,384 columns")]
)
def test_small_workbook_claiming_to_be_huge_is_refused_at_once(
    loaded_engine: Engine, tmp_path: Path, ref: str, claim: str
) -> None:
    path = write_xlsx(tmp_path / "huge.xlsx", import_rows(2))
    _claim_dimension(path, ref)
    assert path.stat().st_size < 10_000
    started = time.monotonic()
    found = problems_of(loaded_engine, path)
    assert time.monotonic() - started < 1.5
    assert any(claim in p for p in found), found


def test_workbook_with_one_cell_far_away_is_refused(loaded_engine: Engine, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "sparse.xlsx", import_rows(2))
    book = openpyxl.load_workbook(path)
    book.active["A1000000"] = "x"  # type: ignore[index]
    book.save(path)
    found = problems_of(loaded_engine, path)
    assert any(f"at most {MAX_IMPORT_ROWS:,} rows" in p for p in found), found


def test_workbook_with_several_data_sheets_needs_the_sheet_named(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "two.xlsx", import_rows(3))
    book = openpyxl.load_workbook(path)
    book.active.title = "Returns"  # type: ignore[union-attr]
    notes = book.create_sheet("Notes")
    notes.append(["Prepared by the PPU"])
    book.save(path)
    found = problems_of(loaded_engine, path)
    assert any("'Returns', 'Notes'" in p and "--sheet" in p for p in found), found
    assert do_import(loaded_engine, path, sheet="Returns").stored == 3
    result = CliRunner().invoke(app, ["import", str(path), "--sheet", "Nope"])
    assert result.exit_code == 1 and "no sheet named 'Nope'" in result.output


def test_cli_import_takes_the_sheet_to_read(loaded_engine: Engine, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "two.xlsx", import_rows(3))
    book = openpyxl.load_workbook(path)
    book.create_sheet("Notes").append(["Prepared by the PPU"])
    book.save(path)
    refused = CliRunner().invoke(app, ["import", str(path)])
    assert refused.exit_code == 1 and "--sheet" in refused.output
    done = CliRunner().invoke(app, ["import", str(path), "--sheet", "Sheet"])
    assert done.exit_code == 0, done.output
    assert "3 updates stored" in done.output


def test_duplicate_column_headers_are_refused(
    loaded_engine: Engine, tmp_path: Path, fmt: str
) -> None:
    rows = import_rows(2)
    columns = ["recommendation", "organisation", "status", "evidence_date", "narrative"]
    path = tmp_path / f"dup.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([*columns, "Narrative"])
            for row in rows:
                writer.writerow([row[c] for c in columns] + ["second narrative"])
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append([*columns, "Narrative"])
        for row in rows:
            sheet.append([row[c] for c in columns] + ["second narrative"])
        book.save(path)
    found = problems_of(loaded_engine, path)
    assert any("row 1, column 'narrative'" in p and "twice" in p for p in found), found


def test_trailing_empty_columns_from_excel_are_ignored(
    loaded_engine: Engine, tmp_path: Path, fmt: str
) -> None:
    rows = import_rows(3)
    columns = list(rows[0])
    path = tmp_path / f"trailing.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([*columns, "", ""])
            for row in rows:
                writer.writerow([row[c] for c in columns] + ["", ""])
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(columns)
        for row in rows:
            sheet.append([row[c] for c in columns])
        sheet["H1"].number_format = "0.00"  # formatted but empty, as Excel leaves them
        sheet["H4"] = ""
        book.save(path)
    assert do_import(loaded_engine, path).stored == 3


def test_excel_date_serial_numbers_are_read_as_dates(loaded_engine: Engine, tmp_path: Path) -> None:
    rows = import_rows(1)
    path = tmp_path / "serial.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(rows[0]))
    values: list[object] = list(rows[0].values())
    values[3] = 45_352  # 1 March 2024, as a date cell that lost its format shows it
    sheet.append(values)
    book.save(path)
    assert do_import(loaded_engine, path).stored == 1
    (update,) = progress.update_history(engine=loaded_engine)
    assert update.evidence_date == date(2024, 3, 1)


def test_csv_that_is_not_utf8_is_refused_with_a_hint(loaded_engine: Engine, tmp_path: Path) -> None:
    rows = import_rows(1)
    rows[0]["narrative"] = "Café meeting held – plan agreed"
    path = tmp_path / "latin1.csv"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(text.getvalue().encode("cp1252"))
    found = problems_of(loaded_engine, path)
    assert any("CSV UTF-8" in p for p in found), found


def test_every_bad_row_is_reported_even_beside_a_row_of_the_wrong_width(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    rows = import_rows(5)
    path = write_csv(tmp_path / "mixed.csv", rows)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",stray value"  # row 3: one value too many
    lines[4] = lines[4].replace("in_progress", "finished")  # row 5: a bad status
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems_of(loaded_engine, path)
    assert any(p.startswith("row 3, column '(row)'") for p in found), found
    assert any(p.startswith("row 5, column 'status'") for p in found), found


# --- Repeating an earlier update after a correction -------------------------------------------


def test_reimport_of_an_earlier_row_after_a_correction_is_stored_and_said(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    rows = import_rows(2)
    path = write_csv(tmp_path / "returns.csv", rows)
    do_import(loaded_engine, path)
    kent_row = rows[0]
    correction = dict(kent_row, status="not_started", narrative="Correction: training paused.")
    do_import(loaded_engine, write_csv(tmp_path / "correction.csv", [correction]))

    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 updates stored, 1 already recorded" in result.output
    assert "said again what an earlier update said" in result.output
    assert count_updates(loaded_engine) == 4
    # The status went back to what the repeated row says; nothing was silently ignored.
    newest = max(progress.update_history(engine=loaded_engine), key=lambda u: u.id)
    assert (newest.status.value, newest.narrative) == ("in_progress", kent_row["narrative"])
    # Importing the same file once more changes nothing: it now matches the latest update.
    again = do_import(loaded_engine, path)
    assert (again.stored, again.already_recorded) == (0, 2)


def test_replaying_a_history_that_ends_on_the_latest_update_stores_nothing(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    first = import_rows(1)[0]
    second = dict(first, status="not_started", narrative="Paused.", evidence_date="2024-02-01")
    path = write_csv(tmp_path / "history.csv", [first, second])
    assert do_import(loaded_engine, path).stored == 2
    again = do_import(loaded_engine, path)
    assert (again.stored, again.already_recorded, again.went_back) == (0, 2, ())


def test_form_repeating_the_latest_update_is_refused_with_the_reason(
    loaded_engine: Engine,
) -> None:
    record(loaded_engine, narrative="Plan agreed.\r\nTraining under way.")
    with pytest.raises(UpdateRejectedError) as info:
        record(loaded_engine, narrative="Plan agreed.\nTraining under way.")
    assert "already recorded" in info.value.problems["narrative"]
    assert count_updates(loaded_engine) == 1


# --- Attachments -----------------------------------------------------------------------------


def test_a_pdf_that_is_really_a_program_is_refused(loaded_engine: Engine) -> None:
    with pytest.raises(UpdateRejectedError) as info:
        record(loaded_engine, attachments=(FileUpload("minutes.pdf", EXE),))
    assert "minutes.pdf" in info.value.problems["attachments"]
    assert ".exe" in info.value.problems["attachments"]
    assert count_updates(loaded_engine) == 0


def test_a_docx_must_really_be_a_word_document(loaded_engine: Engine) -> None:
    fake = io.BytesIO()
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("payload.bin", b"not a document")
    with pytest.raises(UpdateRejectedError) as info:
        record(loaded_engine, attachments=(FileUpload("plan.docx", fake.getvalue()),))
    assert "plan.docx" in info.value.problems["attachments"]


def test_a_stored_file_name_has_no_folders_or_control_characters(loaded_engine: Engine) -> None:
    record(
        loaded_engine,
        attachments=(FileUpload("..\\..\\evil/\x07<script>plan" + "x" * 300 + ".PDF", PDF),),
    )
    (update,) = progress.update_history(engine=loaded_engine)
    (info,) = update.attachments
    assert info.filename == safe_file_name(info.filename)
    assert re.fullmatch(r"[A-Za-z0-9 ._()\-]+\.pdf", info.filename), info.filename
    assert len(info.filename) <= 120
    assert info.content_type == "application/pdf"


def test_too_many_files_or_too_many_bytes_in_one_update_are_refused(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_MAX_ATTACHMENTS_PER_UPDATE", "2")
    monkeypatch.setenv("TRACKER_MAX_UPDATE_ATTACHMENT_BYTES", "100")
    files = tuple(FileUpload(f"part{i}.pdf", PDF + bytes(40)) for i in range(3))
    with pytest.raises(UpdateRejectedError) as info:
        record(loaded_engine, attachments=files)
    message = info.value.problems["attachments"]
    assert "3 files is more than the 2 allowed" in message
    assert "limit for one update" in message
    assert count_updates(loaded_engine) == 0


# --- Exports ---------------------------------------------------------------------------------

HOSTILE_CELLS = ['=HYPERLINK("https://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_safe_cell_neutralises_formulas_and_control_characters() -> None:
    for value in HOSTILE_CELLS:
        assert str(safe_cell(value)).startswith("'")
    assert safe_cell("bell\x07 rung") == "bell rung"
    assert safe_cell("Plain text") == "Plain text"
    assert safe_cell(42) == 42


def test_exports_hold_no_live_formula(loaded_engine: Engine, tmp_path: Path) -> None:
    for i, value in enumerate(HOSTILE_CELLS):
        record(
            loaded_engine,
            organisation_id=["kent", "essex", "surrey", "sussex", "durham", "dorset"][i],
            narrative=value.strip() + " evidence",
            on_behalf_of="",
        )
    tables = export.export_tables(engine=loaded_engine, as_of=TODAY)
    tables.updates.loc[0, "narrative"] = "ctrl\x01char"  # as an older stored value might be
    (xlsx,) = export.write_export(tables, fmt="xlsx", out=tmp_path / "e.xlsx")
    book = openpyxl.load_workbook(xlsx)
    narratives = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
        if sheet.title == "updates":
            header = [c.value for c in sheet[1]]
            column = header.index("narrative")
            narratives = [r[column] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert "ctrlchar" in narratives
    assert '\'=HYPERLINK("https://evil.example") evidence' in narratives
    assert "'-2+3 evidence" in narratives
    paths = export.write_export(tables, fmt="csv", out=tmp_path / "e.csv")
    updates_csv = next(p for p in paths if p.name.endswith("-updates.csv"))
    with updates_csv.open(encoding="utf-8", newline="") as handle:
        cells = [c for row in csv.reader(handle) for c in row]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "'@SUM(A1) evidence" in cells


# --- Catalogue -------------------------------------------------------------------------------


def _catalogue_with(tmp_path: Path, old: str, new: str) -> Path:
    text = CATALOGUE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "recommendations.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_catalogue_with_a_duplicate_key_is_refused_naming_entry_and_field(tmp_path: Path) -> None:
    path = _catalogue_with(tmp_path, "  - id: R1\n", "  - id: R1\n    verified: true\n")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    message = str(info.value)
    assert str(path) in message and "entry R1" in message and "'verified' appears twice" in message


def test_catalogue_with_an_impossible_date_is_refused_naming_entry_and_field(
    tmp_path: Path,
) -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    deadline = re.search(r"deadline: (\d{4}-\d{2}-\d{2})", text)
    assert deadline is not None
    path = _catalogue_with(tmp_path, deadline.group(0), "deadline: 2023-02-30")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    message = str(info.value)
    assert str(path) in message and "field 'deadline'" in message and "entry R" in message


def test_catalogue_text_follows_the_same_rules_as_typed_text(tmp_path: Path) -> None:
    path = _catalogue_with(tmp_path, "  - id: R2\n", '  - id: R2\n    summary: "Bell\\a"\n')
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    message = str(info.value)
    assert "entry R2" in message and "field 'summary'" in message, message


# --- Database --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://tracker:s3cret-pw@localhost:notaport/tracker",
        "mysql://tracker:s3cret-pw@localhost/tracker",
        "s3cret-pw",
        "postgresql://tracker:s3cret-pw@127.0.0.1:1/tracker",
    ],
)
def test_bad_database_urls_get_a_plain_message_without_the_password(url: str) -> None:
    result = CliRunner().invoke(app, ["--db", url, "status"])
    assert result.exit_code == 1
    assert "s3cret-pw" not in result.output
    assert isinstance(result.exception, SystemExit)  # a plain exit, not a traceback
    assert "database" in result.output.lower()


def test_sqlite_file_is_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "tracker.db"
    url = f"sqlite:///{path}"
    try:
        result = CliRunner().invoke(app, ["--db", url, "init"])
        assert result.exit_code == 0, result.output
    finally:
        engine_for(url).dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path.parent.parent).st_mode) == 0o700


# --- All or nothing --------------------------------------------------------------------------

VALID_POOL = import_rows(120)
SPOILERS: dict[str, dict[str, str]] = {
    "status": {"status": "finished"},
    "organisation": {"organisation": "Kentt Police Force"},
    "narrative": {"narrative": "Bell\x07 rung"},
    "evidence_date": {"evidence_date": "2099-01-01"},
}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    picks=st.lists(
        st.tuples(st.integers(0, len(VALID_POOL) - 1), st.sampled_from([None, *SPOILERS])),
        min_size=1,
        max_size=12,
        unique_by=lambda pick: pick[0],
    )
)
def test_importer_stores_every_row_or_none(
    loaded_engine: Engine, tmp_path: Path, picks: list[tuple[int, str | None]]
) -> None:
    rows = [dict(VALID_POOL[index], **SPOILERS.get(spoil or "", {})) for index, spoil in picks]
    bad_rows = {position + 2 for position, (_, spoil) in enumerate(picks) if spoil}
    path = write_csv(tmp_path / "mix.csv", rows)
    before = count_updates(loaded_engine)
    try:
        result = do_import(loaded_engine, path)
    except ImportRejectedError as exc:
        assert bad_rows, "a file of valid rows was refused"
        assert {p.row for p in exc.problems} == bad_rows  # every bad row named, no good one
        assert count_updates(loaded_engine) == before
        return
    assert not bad_rows
    assert result.stored + result.already_recorded == len(rows)
    assert count_updates(loaded_engine) == before + result.stored


def test_organisations_file_with_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[1] / "tracker" / "data" / "organisations.yaml"
    text = source.read_text(encoding="utf-8")
    first_force = re.search(r"\n  - id: (\w+)\n", text[text.index("forces:") :])
    assert first_force is not None
    path = tmp_path / "organisations.yaml"
    path.write_text(
        text.replace(first_force.group(0), first_force.group(0) + "    id: again\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as info:
        load_directory(path)
    assert f"entry {first_force.group(1)}, field 'id' appears twice" in str(info.value)


def test_cli_refuses_a_huge_workbook_with_a_plain_message(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "huge.xlsx", import_rows(2))
    _claim_dimension(path, "A1:E1048576")
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert "claims 1,048,576 rows" in result.output
    assert isinstance(result.exception, SystemExit)
    assert count_updates(loaded_engine) == 0
