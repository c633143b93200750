"""Writing updates: one at a time through the service, and whole files through the importer."""

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from utils.factories import (
    TEST_ADMIN,
    count_rows,
    count_updates,
    import_rows,
    record,
    sheet_row,
    write_csv,
    write_xlsx,
)

from tracker.catalogue import Directory, load_directory
from tracker.evidence import FileUpload, UpdateRejectedError
from tracker.roles import Actor, Role
from tracker.services import progress
from tracker.services.progress import Filters
from tracker.services.updates import (
    ImportRejectedError,
    ImportResult,
    import_file,
    import_updates,
)

Writer = Callable[[Path, Sequence[Mapping[str, object]]], Path]
WRITERS: dict[str, Writer] = {"csv": write_csv, "xlsx": write_xlsx}
TODAY = date(2026, 11, 23)
BAD_INDEX = 41  # the 42nd data row: spreadsheet row 43


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


@pytest.fixture(params=sorted(WRITERS))
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


IMPORTER = Actor(username="importer", display_name="Importer", role=Role.ADMIN)


def do_import(engine: Engine, path: Path, directory: Directory) -> ImportResult:
    return import_file(engine=engine, actor=IMPORTER, path=path, directory=directory, today=TODAY)


def rejected(engine: Engine, path: Path, directory: Directory) -> ImportRejectedError:
    with pytest.raises(ImportRejectedError) as info:
        do_import(engine, path, directory)
    return info.value


def with_row(rows: list[dict[str, str]], index: int, **changes: str) -> list[dict[str, str]]:
    changed = [dict(r) for r in rows]
    changed[index].update(changes)
    return changed


# --- Recording one update -------------------------------------------------------------------


def test_update_for_an_organisation_not_accountable_is_rejected(loaded_engine: Engine) -> None:
    with pytest.raises(UpdateRejectedError) as info:
        record(loaded_engine, recommendation="R1", organisation_id="kent")
    assert set(info.value.problems) == {"recommendation"}
    assert count_updates(loaded_engine) == 0


def test_rejected_draft_stores_nothing(loaded_engine: Engine) -> None:
    with pytest.raises(UpdateRejectedError) as info:
        record(loaded_engine, evidence_date="31/10/2023", narrative="")
    assert set(info.value.problems) == {"evidence_date", "narrative"}
    assert count_updates(loaded_engine) == 0


def test_recommendation_may_be_given_as_a_number_when_recording(loaded_engine: Engine) -> None:
    recorded = record(loaded_engine, recommendation="4")
    (row,) = progress.status_rows(
        engine=loaded_engine,
        as_of=date(2024, 2, 1),
        filters=Filters(organisation_ids=frozenset({"kent"}), recommendations=frozenset({"R4"})),
    )
    assert row.last_update_id == recorded.update_id


def test_attachment_over_the_configured_limit_is_refused_and_nothing_stored(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_MAX_ATTACHMENT_BYTES", "1000")
    with pytest.raises(UpdateRejectedError) as info:
        record(loaded_engine, attachments=(FileUpload("plan.pdf", b"x" * 1001),))
    assert set(info.value.problems) == {"attachments"}
    assert count_updates(loaded_engine) == 0
    assert count_rows(loaded_engine, "attachment") == 0


# --- Importing a file -----------------------------------------------------------------------


def test_file_with_100_valid_rows_stores_100(
    loaded_engine: Engine, tmp_path: Path, directory: Directory, fmt: str
) -> None:
    path = WRITERS[fmt](tmp_path / f"returns.{fmt}", import_rows(100))
    result = do_import(loaded_engine, path, directory)
    assert (result.rows, result.stored, result.already_recorded) == (100, 100, 0)
    assert count_updates(loaded_engine) == 100


def test_imported_updates_count_towards_status(
    loaded_engine: Engine, tmp_path: Path, directory: Directory, fmt: str
) -> None:
    rows = [
        {
            "recommendation": "R4",
            "organisation": "Kent Police",
            "status": "implemented",
            "evidence_date": "2023-10-30",
            "narrative": "Policy published and training complete.",
        }
    ]
    do_import(loaded_engine, WRITERS[fmt](tmp_path / f"one.{fmt}", rows), directory)
    (row,) = progress.status_rows(
        engine=loaded_engine,
        as_of=date(2023, 11, 1),
        filters=Filters(organisation_ids=frozenset({"kent"}), recommendations=frozenset({"R4"})),
    )
    # A claim: the organisation's word is shown, the figures wait for a monitor.
    assert (row.self_assessed_status, row.review) == ("implemented", "awaiting_review")
    assert (row.status, row.last_update) == ("in_progress", date(2023, 10, 30))
    (update,) = progress.update_history(engine=loaded_engine, organisation_ids=["kent"])
    assert update.source == "import"
    assert (update.recorded_by, update.recorded_by_user) == ("Importer", "importer")


@pytest.mark.parametrize(
    ("column", "bad_value"),
    [("organisation", "Kentt"), ("evidence_date", "31/10/2023")],
)
def test_import_with_one_bad_row_stores_nothing_and_names_the_row(
    loaded_engine: Engine,
    tmp_path: Path,
    directory: Directory,
    fmt: str,
    column: str,
    bad_value: str,
) -> None:
    rows = with_row(import_rows(100), BAD_INDEX, **{column: bad_value})
    error = rejected(loaded_engine, WRITERS[fmt](tmp_path / f"returns.{fmt}", rows), directory)
    assert [(p.row, p.column) for p in error.problems] == [(sheet_row(BAD_INDEX), column)]
    assert f"row {sheet_row(BAD_INDEX)}, column '{column}'" in str(error)
    assert "nothing was imported" in str(error)
    assert count_updates(loaded_engine) == 0


def test_unknown_organisation_in_an_import_suggests_the_right_one(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows = with_row(import_rows(3), 1, organisation="Kentt")
    error = rejected(loaded_engine, write_csv(tmp_path / "returns.csv", rows), directory)
    assert "Did you mean: Kent Police" in str(error)


def test_fixed_file_stores_all_rows_after_a_rejection(
    loaded_engine: Engine, tmp_path: Path, directory: Directory, fmt: str
) -> None:
    path = tmp_path / f"returns.{fmt}"
    good = import_rows(100)
    WRITERS[fmt](path, with_row(good, BAD_INDEX, organisation="Kentt"))
    rejected(loaded_engine, path, directory)
    WRITERS[fmt](path, good)
    assert do_import(loaded_engine, path, directory).stored == 100
    assert count_updates(loaded_engine) == 100


def test_importing_the_same_file_again_stores_nothing_new(
    loaded_engine: Engine, tmp_path: Path, directory: Directory, fmt: str
) -> None:
    path = WRITERS[fmt](tmp_path / f"returns.{fmt}", import_rows(100))
    do_import(loaded_engine, path, directory)
    again = do_import(loaded_engine, path, directory)
    assert (again.rows, again.stored, again.already_recorded) == (100, 0, 100)
    assert count_updates(loaded_engine) == 100


def test_file_overlapping_an_earlier_import_stores_only_the_new_rows(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows = import_rows(60)
    do_import(loaded_engine, write_csv(tmp_path / "first.csv", rows[:40]), directory)
    result = do_import(loaded_engine, write_csv(tmp_path / "second.csv", rows), directory)
    assert (result.stored, result.already_recorded) == (20, 40)
    assert count_updates(loaded_engine) == 60


def test_duplicate_rows_within_a_file_are_rejected(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows = import_rows(10)
    rows.append(dict(rows[3]))
    error = rejected(loaded_engine, write_csv(tmp_path / "returns.csv", rows), directory)
    assert [p.row for p in error.problems] == [sheet_row(10)]
    assert f"repeats row {sheet_row(3)}" in str(error)
    assert count_updates(loaded_engine) == 0


def test_every_bad_row_is_listed(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows = with_row(import_rows(20), 2, organisation="Nowhere Constabulary")
    rows = with_row(rows, 15, evidence_date="2023-02-30", narrative="")
    error = rejected(loaded_engine, write_csv(tmp_path / "returns.csv", rows), directory)
    assert {(p.row, p.column) for p in error.problems} == {
        (sheet_row(2), "organisation"),
        (sheet_row(15), "evidence_date"),
        (sheet_row(15), "narrative"),
    }


def test_missing_required_column_is_rejected(
    loaded_engine: Engine, tmp_path: Path, directory: Directory, fmt: str
) -> None:
    columns = ["recommendation", "organisation", "status", "evidence_date"]
    rows = [{c: r[c] for c in columns} for r in import_rows(5)]
    path = WRITERS[fmt](tmp_path / f"returns.{fmt}", rows)
    error = rejected(loaded_engine, path, directory)
    assert [(p.row, p.column) for p in error.problems] == [(1, "narrative")]
    assert "required column missing" in str(error)
    assert count_updates(loaded_engine) == 0


def test_unknown_column_is_rejected(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows = [{**r, "comments": "n/a"} for r in import_rows(5)]
    error = rejected(loaded_engine, write_csv(tmp_path / "returns.csv", rows), directory)
    assert [(p.row, p.column) for p in error.problems] == [(1, "comments")]
    assert count_updates(loaded_engine) == 0


def test_header_names_are_matched_whatever_their_case_and_spacing(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows = [{f" {k.title()} ": v for k, v in r.items()} for r in import_rows(5)]
    result = do_import(loaded_engine, write_csv(tmp_path / "returns.csv", rows), directory)
    assert result.stored == 5


@pytest.mark.parametrize("name", ["returns.txt", "returns.json"])
def test_file_that_is_not_csv_or_xlsx_is_rejected(
    loaded_engine: Engine, tmp_path: Path, directory: Directory, name: str
) -> None:
    path = tmp_path / name
    path.write_text("recommendation,organisation\nR4,Kent\n", encoding="utf-8")
    error = rejected(loaded_engine, path, directory)
    assert "use a .csv or .xlsx file" in str(error)
    assert count_updates(loaded_engine) == 0


def test_missing_file_is_rejected(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    assert "file not found" in str(rejected(loaded_engine, tmp_path / "nope.csv", directory))


def test_file_with_a_header_but_no_rows_says_it_has_no_rows(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    path = write_csv(tmp_path / "returns.csv", [])
    error = rejected(loaded_engine, path, directory)
    assert "no rows" in str(error)
    # The header is there and correct: the file must not be said to lack its columns.
    assert "required column missing" not in str(error)


def test_recommendation_given_with_or_without_r_is_accepted(
    loaded_engine: Engine, tmp_path: Path, directory: Directory, fmt: str
) -> None:
    given = (("5", "NPCC"), ("R5", "College of Policing"), ("r8", "NCA"))
    rows = [
        {
            "recommendation": recommendation,
            "organisation": organisation,
            "status": "in_progress",
            "evidence_date": "2024-02-01",
            "narrative": "Working group set up.",
        }
        for recommendation, organisation in given
    ]
    do_import(loaded_engine, WRITERS[fmt](tmp_path / f"returns.{fmt}", rows), directory)
    history = progress.update_history(engine=loaded_engine)
    stored = {(u.recommendation, u.organisation_id) for u in history}
    assert stored == {("R5", "npcc"), ("R5", "college_of_policing"), ("R8", "nca")}


def test_recommendation_typed_as_a_number_in_excel_is_accepted(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows: list[dict[str, object]] = [
        {
            "recommendation": 4,
            "organisation": "Kent",
            "status": "in_progress",
            "evidence_date": "2024-02-01",
            "narrative": "Working group set up.",
        }
    ]
    do_import(loaded_engine, write_xlsx(tmp_path / "returns.xlsx", rows), directory)
    (update,) = progress.update_history(engine=loaded_engine)
    assert (update.recommendation, update.organisation_id) == ("R4", "kent")


def test_unknown_recommendation_is_rejected(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows = with_row(import_rows(3), 0, recommendation="R18")
    error = rejected(loaded_engine, write_csv(tmp_path / "returns.csv", rows), directory)
    assert [(p.row, p.column) for p in error.problems] == [(2, "recommendation")]


@pytest.mark.parametrize(
    ("alias", "org_id"),
    [
        ("Kent", "kent"),
        ("GMP", "greater_manchester"),
        ("the Met", "metropolitan"),
        ("MPS", "metropolitan"),
    ],
)
def test_organisation_aliases_are_accepted(
    loaded_engine: Engine, tmp_path: Path, directory: Directory, alias: str, org_id: str
) -> None:
    rows = [
        {
            "recommendation": "R7",
            "organisation": alias,
            "status": "in_progress",
            "evidence_date": "2024-02-01",
            "narrative": "Referral process revised.",
        }
    ]
    do_import(loaded_engine, write_csv(tmp_path / "returns.csv", rows), directory)
    (update,) = progress.update_history(engine=loaded_engine)
    assert update.organisation_id == org_id


def test_organisation_not_accountable_for_the_recommendation_is_rejected(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows = with_row(import_rows(5), 2, recommendation="R1")  # R1 is for the NPCC alone
    error = rejected(loaded_engine, write_csv(tmp_path / "returns.csv", rows), directory)
    (problem,) = error.problems
    assert (problem.row, problem.column) == (sheet_row(2), "organisation")
    assert "is not accountable for R1" in problem.message
    assert count_updates(loaded_engine) == 0


def test_optional_columns_are_stored(
    loaded_engine: Engine, tmp_path: Path, directory: Directory, fmt: str
) -> None:
    rows = [
        {
            "recommendation": "R4",
            "organisation": "Kent",
            "status": "in_progress",
            "evidence_date": "2023-10-01",
            "narrative": "Delayed by a national system change.",
            "links": "https://example.org/a; https://example.org/b",
            "revised_target_date": "2024-06-30",
            "revision_reason": "National system change delayed.",
            "on_behalf_of": "Performance lead, Kent Police",
        }
    ]
    do_import(loaded_engine, WRITERS[fmt](tmp_path / f"returns.{fmt}", rows), directory)
    (update,) = progress.update_history(engine=loaded_engine)
    assert update.links == ("https://example.org/a", "https://example.org/b")
    assert update.revised_target_date == date(2024, 6, 30)
    assert update.revision_reason == "National system change delayed."
    assert update.on_behalf_of == "Performance lead, Kent Police"
    assert update.recorded_by == "Importer"


def test_evidence_dated_after_today_is_rejected_on_import(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows = with_row(import_rows(3), 1, evidence_date="2026-11-24")
    error = rejected(loaded_engine, write_csv(tmp_path / "returns.csv", rows), directory)
    assert [(p.row, p.column) for p in error.problems] == [(3, "evidence_date")]


def test_csv_row_numbers_count_blank_lines_as_a_spreadsheet_does(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    rows = with_row(import_rows(5), 3, organisation="Kentt")
    path = write_csv(tmp_path / "returns.csv", rows)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, "\n")  # a blank line after the first data row: spreadsheet row 3
    path.write_text("".join(lines), encoding="utf-8")
    error = rejected(loaded_engine, path, directory)
    # The bad row is the 6th line of the file, which a spreadsheet shows as row 6.
    assert [(p.row, p.column) for p in error.problems] == [(6, "organisation")]


def test_import_of_rows_without_a_file_checks_the_same_way(
    loaded_engine: Engine, directory: Directory
) -> None:
    rows: list[dict[str, object]] = [dict(r) for r in import_rows(3)]
    rows[2]["organisation"] = "Kentt"
    with pytest.raises(ImportRejectedError) as info:
        import_updates(
            engine=loaded_engine,
            actor=TEST_ADMIN,
            rows=rows,
            directory=directory,
            source_name="pasted rows",
            today=TODAY,
        )
    assert str(info.value).startswith("pasted rows: nothing was imported")
    assert count_updates(loaded_engine) == 0


def test_going_back_to_an_earlier_statement_is_recorded_and_becomes_the_status(
    loaded_engine: Engine,
) -> None:
    # A, then B by mistake, then A again: the correction must be stored, not refused.
    said: dict[str, Any] = {
        "evidence_date": date(2024, 3, 1),
        "narrative": "Plan agreed; training under way.",
    }
    first = record(loaded_engine, status="in_progress", **said)
    record(
        loaded_engine,
        status="implemented",
        expected_last_update_id=first.update_id,
        **said,
    )
    latest = progress.update_history(engine=loaded_engine, organisation_ids=["kent"])[0]
    again = record(loaded_engine, status="in_progress", expected_last_update_id=latest.id, **said)
    assert again.update_id > latest.id
    (row,) = progress.status_rows(
        engine=loaded_engine,
        as_of=date(2024, 3, 2),
        filters=Filters(organisation_ids=frozenset({"kent"}), recommendations=frozenset({"R4"})),
    )
    assert row.status == "in_progress"
    assert count_updates(loaded_engine) == 3


def test_repeating_the_latest_update_word_for_word_is_refused(loaded_engine: Engine) -> None:
    first = record(loaded_engine)
    with pytest.raises(UpdateRejectedError) as info:
        record(loaded_engine, expected_last_update_id=first.update_id)
    assert "latest update" in info.value.problems["narrative"]
    assert count_updates(loaded_engine) == 1


def test_csv_row_with_a_stray_comma_is_named_not_shifted(
    loaded_engine: Engine, tmp_path: Path, directory: Directory
) -> None:
    path = write_csv(tmp_path / "returns.csv", import_rows(3))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\r\n") + ",extra\n"  # spreadsheet row 3 gains a value
    path.write_text("".join(lines), encoding="utf-8")
    error = rejected(loaded_engine, path, directory)
    assert [(p.row, p.column) for p in error.problems] == [(3, "(row)")]
    assert "6 values but the header has 5 columns" in str(error)
    assert count_updates(loaded_engine) == 0
