"""Spreadsheet returns: the template, filled in as a person would, previewed and stored once,
through the service, the command line and the dashboard; bad files store nothing."""

import shutil
import subprocess
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner
from utils.factories import KENT_EDITOR, TEST_ADMIN, count_rows, count_updates
from utils.session import ensure_user, signed_in

from tracker import return_sheet
from tracker.cli import app
from tracker.roles import Actor, Role
from tracker.rules import Status
from tracker.services import progress, return_sheets
from tracker.services.access import AccessDeniedError

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
ESSEX_EDITOR = Actor(
    username="essex.editor",
    display_name="Essex editor",
    role=Role.EDITOR,
    organisation_ids=frozenset({"essex"}),
)
TODAY = date.today()
H = return_sheet.HEADERS


def open_rows(engine: Engine, organisation_id: str = "kent") -> list[progress.StatusRow]:
    rows = progress.status_rows(
        engine=engine,
        as_of=TODAY,
        filters=progress.Filters(organisation_ids=frozenset({organisation_id})),
    )
    return [r for r in rows if not Status(r.status).is_closed]


def kent_template(engine: Engine, actor: Actor = KENT_EDITOR) -> bytes:
    return return_sheets.template(engine=engine, actor=actor, organisation_id="kent")[1]


def sheet_rows(content: bytes) -> dict[str, dict[str, Any]]:
    """The Return sheet's rows by recommendation, each cell by its header."""
    book = openpyxl.load_workbook(BytesIO(content))
    ws = book[return_sheet.RETURN_SHEET]
    values: list[tuple[Any, ...]] = list(ws.iter_rows(values_only=True))
    header = [str(v) for v in values[0]]
    return {str(row[1]): dict(zip(header, row, strict=True)) for row in values[1:]}


def fill(content: bytes, edits: dict[tuple[str, str], Any]) -> bytes:
    """Type into cells as a person would: (recommendation, column header) -> value."""
    book = openpyxl.load_workbook(BytesIO(content))
    ws = book[return_sheet.RETURN_SHEET]
    header = [c.value for c in ws[1]]
    rows = {ws.cell(row=r, column=2).value: r for r in range(2, ws.max_row + 1)}
    for (recommendation, column), value in edits.items():
        cell = ws.cell(row=rows[recommendation], column=header.index(column) + 1, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # typed as text (in Excel, "=..." typed after an apostrophe)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row_of(content: bytes, recommendation: str) -> int:
    return list(sheet_rows(content)).index(recommendation) + 2


def latest(engine: Engine, recommendation: str, organisation_id: str = "kent") -> Any:
    history = progress.update_history(
        engine=engine, organisation_ids=[organisation_id], recommendation=recommendation
    )
    # The update that speaks for today, as the rules choose it: latest evidence date, then
    # latest recorded (ids need not follow evidence dates).
    return max(history, key=lambda u: (u.evidence_date, u.recorded_at, u.id))


def two_edits(content: bytes, first: str, second: str) -> bytes:
    return fill(
        content,
        {
            (first, H["status"]): "Implemented",
            (first, H["evidence_date"]): TODAY - timedelta(days=3),
            (first, H["narrative"]): "=All response times audited: within target.",
            (first, H["links"]): "https://example.org/audit\nhttps://example.org/plan",
            (second, H["evidence_date"]): (TODAY - timedelta(days=2)).strftime("%d/%m/%Y"),
            (second, H["narrative"]): "No change: pilot continues. <img src=x> :red[late]",
            (second, H["revised_target_date"]): date(2027, 3, 31),
            (second, H["revision_reason"]): "Training capacity",
            (second, H["on_behalf_of"]): "Head of Public Protection",
        },
    )


# --- The template ----------------------------------------------------------------------------


def test_template_has_one_row_per_open_assignment_prefilled_with_its_latest_update(
    demo_engine: Engine,
) -> None:
    content = kent_template(demo_engine)
    rows = sheet_rows(content)
    expected = open_rows(demo_engine)
    assert list(rows) == [r.recommendation for r in expected]
    for status_row in expected:
        row = rows[status_row.recommendation]
        assert return_sheet.parse_key(row[H["key"]]) == (
            status_row.assignment_id,
            status_row.last_update_id,
        )
        if status_row.last_update_id is None:
            assert row[H["status"]] == "Not started" and row[H["narrative"]] is None
            continue
        update = latest(demo_engine, status_row.recommendation)
        assert row[H["status"]] == update.status.label
        assert row[H["evidence_date"]].date() == update.evidence_date
        assert row[H["narrative"]] == update.narrative
        assert row[H["deadline"]].date() == status_row.deadline


def test_template_locks_keys_lists_statuses_formats_dates_and_names_its_organisation(
    demo_engine: Engine,
) -> None:
    book = openpyxl.load_workbook(BytesIO(kent_template(demo_engine)))
    assert book.sheetnames == ["Return", "Instructions", "Key"]
    ws = book["Return"]
    assert ws.protection.sheet
    editable = {c.header for c in return_sheet.COLUMNS if c.editable}
    header = [str(c.value) for c in ws[1]]
    for name, cell in zip(header, ws[2], strict=True):
        assert cell.protection.locked == (name not in editable)
    lists = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    assert lists[0].formula1 == '"Not started,In progress,Implemented,Not applicable"'
    assert "F2" in lists[0].sqref
    assert {v.type for v in ws.data_validations.dataValidation} == {"list", "date"}
    assert ws["G2"].number_format == return_sheet.DATE_FORMAT
    assert ws["D2"].number_format == return_sheet.DATE_FORMAT
    key = book["Key"]
    assert key.sheet_state == "hidden"
    assert [key.cell(row=r, column=2).value for r in (1, 2, 3)] == [
        return_sheet.FORMAT,
        "kent",
        "Kent Police",
    ]
    assert book["Instructions"]["A1"].value == "Return for Kent Police"


def test_typed_text_that_looks_like_a_formula_is_written_as_text(demo_engine: Engine) -> None:
    content = kent_template(demo_engine)
    first = next(iter(sheet_rows(content)))
    filled = two_edits(content, first, list(sheet_rows(content))[1])
    return_sheets.confirm(
        engine=demo_engine,
        actor=KENT_EDITOR,
        content=filled,
        file_name="r.xlsx",
        plan_digest=return_sheets.preview(
            engine=demo_engine, actor=KENT_EDITOR, content=filled, file_name="r.xlsx"
        ).plan_digest,
    )
    book = openpyxl.load_workbook(BytesIO(kent_template(demo_engine)))
    cell = book["Return"]["H2"]
    assert cell.value == "=All response times audited: within target."
    assert cell.data_type == "s"  # text, never a live formula


# --- Round trip -------------------------------------------------------------------------------


def test_round_trip_through_the_cli_stores_exactly_the_intended_updates_once(
    demo_engine: Engine, tmp_path: Path
) -> None:
    ensure_user(KENT_EDITOR)
    out = tmp_path / "kent.xlsx"
    made = CliRunner().invoke(
        app, ["template", "--org", "Kent", "--out", str(out), "--as", "kent.editor"]
    )
    assert made.exit_code == 0, made.output
    content = out.read_bytes()
    first, second, *rest = list(sheet_rows(content))
    filled = tmp_path / "kent-filled.xlsx"
    filled.write_bytes(two_edits(content, first, second))
    before = count_updates(demo_engine)

    result = CliRunner().invoke(app, ["import", str(filled), "--as", "kent.editor"], input="y\n")
    assert result.exit_code == 0, result.output
    assert f"Row {row_of(content, first)} ({first}): Will be stored; status" in result.output
    assert "→ Implemented" in result.output
    for rec in rest:
        assert f"Row {row_of(content, rec)} ({rec}): Left as it was: not stored" in result.output
    assert "Stored 2 update(s) for Kent Police." in result.output
    assert count_updates(demo_engine) == before + 2

    claim = latest(demo_engine, first)
    assert claim.status == Status.IMPLEMENTED
    assert claim.evidence_date == TODAY - timedelta(days=3)
    assert claim.narrative == "=All response times audited: within target."
    assert claim.links == ("https://example.org/audit", "https://example.org/plan")
    assert claim.source == "return" and claim.recorded_by_user == "kent.editor"
    revised = latest(demo_engine, second)
    assert revised.evidence_date == TODAY - timedelta(days=2)
    assert revised.narrative == "No change: pilot continues. <img src=x> :red[late]"
    assert revised.revised_target_date == date(2027, 3, 31)
    assert revised.revision_reason == "Training capacity"
    assert revised.on_behalf_of == "Head of Public Protection"

    again = CliRunner().invoke(app, ["import", str(filled), "--as", "kent.editor", "--yes"])
    assert again.exit_code == 0, again.output
    assert "Nothing to store" in again.output and "already recorded" in again.output
    assert count_updates(demo_engine) == before + 2


def test_declining_the_preview_stores_nothing(demo_engine: Engine, tmp_path: Path) -> None:
    content = kent_template(demo_engine, TEST_ADMIN)
    first, second, *_ = list(sheet_rows(content))
    filled = tmp_path / "kent-filled.xlsx"
    filled.write_bytes(two_edits(content, first, second))
    before = count_updates(demo_engine)
    result = CliRunner().invoke(app, ["import", str(filled)], input="n\n")
    assert result.exit_code == 1
    assert "Nothing was stored." in result.output
    assert count_updates(demo_engine) == before


def test_round_trip_through_the_dashboard_previews_then_stores_once(demo_engine: Engine) -> None:
    content = kent_template(demo_engine)
    first, second, *_ = list(sheet_rows(content))
    filled = two_edits(content, first, second)
    before = count_updates(demo_engine)

    at = signed_in(AppTest.from_file(APP, default_timeout=60), KENT_EDITOR)
    at.run()
    at.switch_page("../pages/returns.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="returns_org").value == "kent"
    at.file_uploader[0].set_value(("kent.xlsx", filled, return_sheets.XLSX_TYPE)).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "2 updates will be stored for Kent Police." in at.info[0].value
    frame = at.dataframe[0].value
    assert list(frame["What happens"][:2]) == ["Will be stored", "Will be stored"]
    assert frame["Status"][0].endswith("→ Implemented")
    assert count_updates(demo_engine) == before  # nothing until confirmed

    at.button(key="returns_confirm").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Stored 2 updates for Kent Police." in at.success[0].value
    assert count_updates(demo_engine) == before + 2
    assert latest(demo_engine, first).status == Status.IMPLEMENTED

    at.file_uploader[0].set_value(("kent.xlsx", filled, return_sheets.XLSX_TYPE)).run()
    assert "Nothing to store" in at.info[0].value
    assert not [b for b in at.button if b.key == "returns_confirm"]
    assert count_updates(demo_engine) == before + 2


# --- Bad files ------------------------------------------------------------------------------


def test_a_file_with_errors_stores_nothing_and_names_the_sheets_rows_and_columns(
    demo_engine: Engine, tmp_path: Path
) -> None:
    content = kent_template(demo_engine)
    first, second, third, *_ = list(sheet_rows(content))
    filled = fill(
        content,
        {
            (first, H["status"]): "Implemented",
            (first, H["evidence_date"]): "31/13/2024",
            (second, H["status"]): "Done",
            (third, H["revised_target_date"]): date(2027, 1, 1),
            (third, H["evidence_date"]): TODAY,
        },
    )
    before = count_updates(demo_engine)
    preview = return_sheets.preview(
        engine=demo_engine, actor=KENT_EDITOR, content=filled, file_name="kent.xlsx"
    )
    shown = [str(p) for p in preview.problems]
    assert (
        f"Row {row_of(content, first)}, column 'Evidence date': '31/13/2024' is not a date"
        in (shown[0])
    )
    assert shown[1].startswith(f"Row {row_of(content, second)}, column 'Status': 'Done'")
    assert shown[2] == (
        f"Row {row_of(content, third)}, column 'Reason for revised date': "
        "give the reason the target date is revised"
    )
    with pytest.raises(return_sheets.ReturnRejectedError):
        return_sheets.confirm(
            engine=demo_engine,
            actor=KENT_EDITOR,
            content=filled,
            file_name="kent.xlsx",
            plan_digest=preview.plan_digest,
        )
    path = tmp_path / "kent.xlsx"
    path.write_bytes(filled)
    result = CliRunner().invoke(app, ["import", str(path), "--yes"])
    assert result.exit_code == 1
    assert "Nothing was stored; 3 problem(s)" in result.output
    assert "column 'Evidence date': '31/13/2024' is not a date" in result.output
    assert count_updates(demo_engine) == before


def test_an_oversized_file_is_refused_before_it_is_read(demo_engine: Engine) -> None:
    too_big = b"PK\x03\x04" + b"\x00" * (return_sheet.MAX_RETURN_BYTES + 1)
    with pytest.raises(return_sheets.ReturnRejectedError, match="at most 5 MB"):
        return_sheets.preview(
            engine=demo_engine, actor=KENT_EDITOR, content=too_big, file_name="big.xlsx"
        )
    # A small file whose sheet claims thousands of rows is refused on its declared size.
    book = openpyxl.load_workbook(BytesIO(kent_template(demo_engine)))
    book["Return"].cell(row=5000, column=1, value="x")
    buffer = BytesIO()
    book.save(buffer)
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(return_sheets.ReturnRejectedError, match="claims 5,000 rows"):
        return_sheets.preview(
            engine=demo_engine, actor=KENT_EDITOR, content=buffer.getvalue(), file_name="x.xlsx"
        )


def test_an_editors_file_for_another_force_is_refused_entirely(demo_engine: Engine) -> None:
    content = kent_template(demo_engine, TEST_ADMIN)
    first, second, *_ = list(sheet_rows(content))
    filled = two_edits(content, first, second)
    before = count_updates(demo_engine)
    refusals = count_rows(demo_engine, "audit_event")
    with pytest.raises(AccessDeniedError, match="Essex Police editors cannot record for Kent"):
        return_sheets.preview(
            engine=demo_engine, actor=ESSEX_EDITOR, content=filled, file_name="kent.xlsx"
        )
    with pytest.raises(AccessDeniedError):
        return_sheets.confirm(
            engine=demo_engine,
            actor=ESSEX_EDITOR,
            content=filled,
            file_name="kent.xlsx",
            plan_digest="anything",
        )
    assert count_updates(demo_engine) == before
    assert count_rows(demo_engine, "audit_event") == refusals + 2


def test_a_kent_row_pasted_into_an_essex_return_refuses_the_whole_file(
    demo_engine: Engine,
) -> None:
    essex = return_sheets.template(engine=demo_engine, actor=TEST_ADMIN, organisation_id="essex")[1]
    kent_key = next(iter(sheet_rows(kent_template(demo_engine)).values()))[H["key"]]
    first = next(iter(sheet_rows(essex)))
    filled = fill(essex, {(first, H["key"]): kent_key})
    with pytest.raises(AccessDeniedError, match="cannot record for Kent Police"):
        return_sheets.preview(
            engine=demo_engine, actor=ESSEX_EDITOR, content=filled, file_name="essex.xlsx"
        )


def test_a_row_changed_after_someone_else_recorded_stores_nothing(demo_engine: Engine) -> None:
    from utils.factories import record

    content = kent_template(demo_engine)
    first, second, *_ = list(sheet_rows(content))
    filled = two_edits(content, first, second)
    record(demo_engine, recommendation=second, narrative="Recorded on the form meanwhile.")
    before = count_updates(demo_engine)
    preview = return_sheets.preview(
        engine=demo_engine, actor=KENT_EDITOR, content=filled, file_name="kent.xlsx"
    )
    assert len(preview.problems) == 1
    assert str(preview.problems[0]).startswith(f"Row {row_of(content, second)}: Test user")
    assert "after this template was made" in str(preview.problems[0])
    assert count_updates(demo_engine) == before


def test_confirming_a_preview_the_record_has_moved_past_stores_nothing(
    demo_engine: Engine,
) -> None:
    from utils.factories import record

    content = kent_template(demo_engine)
    first, second, *_ = list(sheet_rows(content))
    filled = two_edits(content, first, second)
    preview = return_sheets.preview(
        engine=demo_engine, actor=KENT_EDITOR, content=filled, file_name="kent.xlsx"
    )
    record(demo_engine, recommendation=first, narrative="Recorded on the form meanwhile.")
    before = count_updates(demo_engine)
    with pytest.raises(return_sheets.ReturnRejectedError):
        return_sheets.confirm(
            engine=demo_engine,
            actor=KENT_EDITOR,
            content=filled,
            file_name="kent.xlsx",
            plan_digest=preview.plan_digest,
        )
    assert count_updates(demo_engine) == before


def test_a_round_template_holds_the_rounds_recommendations_and_names_the_round(
    demo_engine: Engine, tmp_path: Path
) -> None:
    from tracker.services import rounds

    in_scope = [r.recommendation for r in open_rows(demo_engine)][:2]
    rounds.open_round(
        engine=demo_engine,
        actor=TEST_ADMIN,
        name="Spring return",
        due_date=TODAY + timedelta(days=14),
        recommendations=in_scope,
        organisation_ids=["kent", "essex"],
    )
    out = tmp_path / "kent-round.xlsx"
    made = CliRunner().invoke(
        app, ["template", "--org", "Kent", "--round", "spring return", "--out", str(out)]
    )
    assert made.exit_code == 0, made.output
    content = out.read_bytes()
    rows = sheet_rows(content)
    assert list(rows) == in_scope
    assert all("needed for the Spring return" in str(r[H["standing"]]) for r in rows.values())
    book = openpyxl.load_workbook(BytesIO(content))
    assert book["Key"]["B5"].value == "Spring return"
    due = TODAY + timedelta(days=14)
    assert f"Return round: Spring return, due {due.day} {due:%B %Y}." in [
        c.value for c in book["Instructions"]["A"]
    ]
    missing = CliRunner().invoke(
        app, ["template", "--org", "Kent", "--round", "Autumn", "--out", str(out)]
    )
    assert missing.exit_code == 1
    assert "There is no return round called 'Autumn'" in missing.output


def test_words_redacted_after_the_template_was_made_are_never_brought_back(
    demo_engine: Engine,
) -> None:
    from tracker.services import redaction

    content = kent_template(demo_engine)
    rows = sheet_rows(content)
    first = next(r for r, v in rows.items() if v[H["narrative"]])
    key = return_sheet.parse_key(rows[first][H["key"]])
    assert key is not None and key[1] is not None
    redaction.redact_narrative(
        engine=demo_engine, actor=TEST_ADMIN, update_id=key[1], reason="Names a child"
    )
    filled = fill(content, {(first, H["evidence_date"]): TODAY})
    preview = return_sheets.preview(
        engine=demo_engine, actor=KENT_EDITOR, content=filled, file_name="kent.xlsx"
    )
    assert [str(p) for p in preview.problems] == [
        f"Row {row_of(content, first)}, column 'What has been done (evidence)': the evidence "
        "of this recommendation's latest update was redacted after this template was made; "
        "download a fresh template"
    ]


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    assert found, "LibreOffice is needed (scripts/ensure-system-packages installs it)"
    return found


def test_a_return_saved_again_by_libreoffice_round_trips_exactly(
    demo_engine: Engine, tmp_path: Path
) -> None:
    """Filled in, then opened and saved by LibreOffice Calc as .xlsx (as a person without
    Excel would), the return still gives exactly the intended updates."""
    content = kent_template(demo_engine)
    first, second, *_ = list(sheet_rows(content))
    source = tmp_path / "filled" / "kent.xlsx"
    source.parent.mkdir()
    source.write_bytes(two_edits(content, first, second))
    out = tmp_path / "saved"
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = (out / "kent.xlsx").read_bytes()
    assert saved != source.read_bytes()
    book = openpyxl.load_workbook(BytesIO(saved))
    assert book["Key"].sheet_state == "hidden" and book["Return"].protection.sheet
    before = count_updates(demo_engine)
    preview = return_sheets.preview(
        engine=demo_engine, actor=KENT_EDITOR, content=saved, file_name="kent.xlsx"
    )
    assert preview.problems == ()
    assert [r.recommendation for r in preview.to_store] == [first, second]
    return_sheets.confirm(
        engine=demo_engine,
        actor=KENT_EDITOR,
        content=saved,
        file_name="kent.xlsx",
        plan_digest=preview.plan_digest,
    )
    assert count_updates(demo_engine) == before + 2
    claim, revised = latest(demo_engine, first), latest(demo_engine, second)
    assert claim.status == Status.IMPLEMENTED
    assert claim.evidence_date == TODAY - timedelta(days=3)
    assert claim.narrative == "=All response times audited: within target."
    assert claim.links == ("https://example.org/audit", "https://example.org/plan")
    assert revised.narrative == "No change: pilot continues. <img src=x> :red[late]"
    assert revised.revised_target_date == date(2027, 3, 31)


def open_upload_page(actor: Actor) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), actor)
    at.run()
    at.switch_page("../pages/returns.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_upload_page_refuses_another_forces_file_and_an_oversized_one_unread(
    demo_engine: Engine,
) -> None:
    content = kent_template(demo_engine, TEST_ADMIN)
    first, second, *_ = list(sheet_rows(content))
    before = count_updates(demo_engine)
    at = open_upload_page(ESSEX_EDITOR)
    # An editor is offered only its own organisation's template.
    assert at.selectbox(key="returns_org").options == ["Essex Police"]
    filled = two_edits(content, first, second)
    at.file_uploader[0].set_value(("kent.xlsx", filled, return_sheets.XLSX_TYPE)).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "refused as a whole" in at.error[0].value
    assert any("Essex Police editors cannot record for Kent Police" in t.value for t in at.text)
    assert not [b for b in at.button if b.key == "returns_confirm"]

    too_big = b"PK\x03\x04" + b"\x00" * return_sheet.MAX_RETURN_BYTES
    at.file_uploader[0].set_value(("big.xlsx", too_big, return_sheets.XLSX_TYPE)).run()
    assert any("a return can be at most 5 MB" in e.value for e in at.error)
    assert count_updates(demo_engine) == before


def test_the_upload_page_is_for_those_who_record() -> None:
    from utils.factories import MONITOR, VIEWER

    from tracker.ui import navigation

    def has_page(actor: Actor) -> bool:
        return "returns" in {p.url_path for p in navigation.pages_for(actor)}

    assert has_page(KENT_EDITOR) and has_page(MONITOR) and has_page(TEST_ADMIN)
    assert not has_page(VIEWER)
