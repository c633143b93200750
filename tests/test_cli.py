"""The `tracker` command line, run in-process on SQLite and PostgreSQL."""

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result
from utils.factories import (
    TEST_ADMIN,
    count_updates,
    import_rows,
    record_accepted,
    sheet_row,
    write_csv,
)

from tracker.catalogue import DEFAULT_CATALOGUE_FILE, load_directory
from tracker.cli import app
from tracker.services import users

ROOT = Path(__file__).resolve().parents[1]
REQUIRED_KEYS = (
    "recommendation",
    "organisation",
    "owner",
    "status",
    "rag",
    "deadline",
    "overdue",
    "days_overdue",
    "last_update",
    "stale",
)
CLOSED = ("implemented", "not_applicable")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def run_json(*args: str) -> list[dict[str, Any]]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


# --- init and status ------------------------------------------------------------------------


def test_init_then_status_lists_487_assignments_with_the_documented_keys(
    database_url: str,
) -> None:
    result = run("--db", database_url, "init")
    assert result.exit_code == 0, result.output
    assert "487 assignments" in result.output

    rows = run_json("--db", database_url, "status", "--as-of", "2023-11-01")
    assert len(rows) == 487
    keys = list(rows[0])
    assert set(REQUIRED_KEYS) <= set(keys)
    assert all(list(row) == keys for row in rows)
    assert run_json("--db", database_url, "status", "--as-of", "2024-01-01")[0].keys() == set(keys)


def test_init_twice_adds_nothing_the_second_time(database_url: str) -> None:
    assert run("--db", database_url, "init").exit_code == 0
    again = run("--db", database_url, "init")
    assert again.exit_code == 0, again.output
    assert "487 assignments (0 new, 0 withdrawn)" in again.output


def test_status_reads_the_database_from_the_environment(loaded_engine: Engine) -> None:
    # TRACKER_DATABASE_URL is set by the fixture; no --db given.
    assert len(run_json("status", "--as-of", "2023-11-01")) == 487


def test_db_option_wins_over_the_environment(
    loaded_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = loaded_engine.url.render_as_string(hide_password=False)
    elsewhere = tmp_path / "elsewhere.db"
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{elsewhere}")
    assert len(run_json("--db", database_url, "status", "--as-of", "2023-11-01")) == 487
    assert not elsewhere.exists()


def test_status_gives_each_chief_constable_recommendation_a_row_for_all_43_forces(
    loaded_engine: Engine,
) -> None:
    forces = {org.name for org in load_directory().forces}
    rows = run_json("status", "--as-of", "2024-01-01")
    per_recommendation: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for row in rows:
        if row["owner"] == "chief_constables" and row["organisation"] in forces:
            per_recommendation[row["recommendation"]].add(row["organisation"])
            counts[row["recommendation"]] += 1
    assert len(per_recommendation) == 9
    assert all(names == forces for names in per_recommendation.values())
    assert set(counts.values()) == {43}


def test_status_reflects_a_recorded_update_as_of_the_date(loaded_engine: Engine) -> None:
    record_accepted(
        loaded_engine, status="implemented", evidence_date=date(2023, 10, 30), narrative="Done."
    )
    (before,) = run_json(
        "status", "--org", "Kent", "--recommendation", "4", "--as-of", "2023-10-29"
    )
    (after,) = run_json(
        "status", "--org", "Kent", "--recommendation", "R4", "--as-of", "2023-11-01"
    )
    assert (before["status"], before["last_update"]) == ("not_started", None)
    assert (after["status"], after["rag"], after["last_update"]) == (
        "implemented",
        "complete",
        "2023-10-30",
    )
    assert after["deadline"] == "2023-10-31" and after["overdue"] is False


def test_status_filters_by_alias_and_recommendation_number(loaded_engine: Engine) -> None:
    rows = run_json("status", "--org", "GMP", "--recommendation", "7", "--as-of", "2024-01-01")
    assert [(r["recommendation"], r["organisation"]) for r in rows] == [
        ("R7", "Greater Manchester Police")
    ]


def test_status_csv_has_a_header_and_one_line_per_assignment(loaded_engine: Engine) -> None:
    result = run("status", "--as-of", "2024-01-01", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split(",")[: len(REQUIRED_KEYS)] == list(REQUIRED_KEYS)
    assert len(lines) == 1 + 487


def test_status_table_is_printed_for_people(loaded_engine: Engine) -> None:
    result = run("status", "--org", "Kent", "--recommendation", "R4", "--as-of", "2023-11-01")
    assert result.exit_code == 0, result.output
    assert "Kent Police" in result.stdout and "R4" in result.stdout


@pytest.mark.parametrize("command", ["status", "overdue"])
def test_unknown_organisation_exits_nonzero_and_suggests_the_right_one(
    loaded_engine: Engine, command: str
) -> None:
    result = run(command, "--org", "Kentt")
    assert result.exit_code != 0
    assert "Did you mean: Kent Police" in result.output
    assert result.stdout == ""


def test_the_tracker_command_as_a_whole_process_answers_as_the_app_does(
    loaded_engine: Engine,
) -> None:
    """`python -m tracker` starts as the installed `tracker` command does (its entry point
    imports with the garbage collector off): same answer, same plain error and exit code."""
    url = loaded_engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tracker", "--db", url]
    whole = subprocess.run(
        [*command, "status", "--as-of", "2024-01-01", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert whole.returncode == 0, whole.stderr
    assert json.loads(whole.stdout) == run_json("--db", url, "status", "--as-of", "2024-01-01")

    wrong = subprocess.run(
        [*command, "overdue", "--as-of", "31/10/2023"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert wrong.returncode == 2
    assert wrong.stdout == ""
    assert "YYYY-MM-DD" in " ".join(wrong.stderr.split())


@pytest.mark.parametrize("command", ["status", "overdue", "export"])
def test_as_of_not_in_iso_form_exits_nonzero_naming_the_option(
    engine: Engine, command: str, tmp_path: Path
) -> None:
    extra = ["--out", str(tmp_path / "x.xlsx")] if command == "export" else []
    result = run(command, *extra, "--as-of", "31/10/2023")
    assert result.exit_code != 0
    assert "--as-of" in result.output
    assert "YYYY-MM-DD" in " ".join(result.output.split())
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize(
    "command",
    [["status"], ["overdue"], ["export", "--out", "x.xlsx"], ["import", "in.csv"]],
    ids=["status", "overdue", "export", "import"],
)
def test_commands_before_init_fail_cleanly_and_say_run_init(
    engine: Engine, tmp_path: Path, command: list[str]
) -> None:
    args = [str(tmp_path / a) if a.endswith((".xlsx", ".csv")) else a for a in command]
    if command[0] == "import":
        write_csv(tmp_path / "in.csv", import_rows(2))
    result = run(*args)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "tracker init" in result.output


def test_init_with_a_broken_catalogue_exits_nonzero_and_names_the_problem(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "recommendations.yaml"
    broken.write_text(
        DEFAULT_CATALOGUE_FILE.read_text(encoding="utf-8").replace(
            "owner: government", "owner: parliament"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("TRACKER_CATALOGUE", str(broken))
    result = run("--db", database_url, "init")
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert str(broken) in result.output
    assert "entry R17 " in result.output and "field 'owner'" in result.output


# --- overdue --------------------------------------------------------------------------------


def _uk_day(moment: Any) -> date:
    when = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(ZoneInfo("Europe/London")).date()


def overdue_by_the_rules(engine: Engine, as_of: date) -> Counter[tuple[str, str, str, int]]:
    """Overdue assignments worked out straight from the tables and the written rules:
    the latest update on or before the date (ties to the one recorded last) gives the status;
    a claim (implemented, not applicable) stands only if accepted on or before the date (UK
    time); overdue when the deadline is before the date and the status is not closed."""
    with engine.connect() as conn:
        assignments = conn.execute(
            text(
                "SELECT a.id, r.code, o.name, r.deadline FROM assignment a "
                "JOIN recommendation r ON r.id = a.recommendation_id "
                "JOIN organisation o ON o.id = a.organisation_id WHERE a.active"
            )
        ).all()
        updates = conn.execute(
            text(
                "SELECT assignment_id, evidence_date, recorded_at, id, status FROM evidence_update"
            )
        ).all()
        accepted = {
            uid: _uk_day(reviewed_at)
            for uid, reviewed_at in conn.execute(
                text("SELECT update_id, reviewed_at FROM review WHERE decision = 'accepted'")
            )
        }
    latest: dict[int, tuple[Any, ...]] = {}
    for aid, evidence, recorded, uid, status in updates:
        evidence_day = date.fromisoformat(str(evidence)[:10])
        if evidence_day > as_of:
            continue
        key = (evidence_day, str(recorded), uid, status)
        if aid not in latest or key > latest[aid]:
            latest[aid] = key
    found: Counter[tuple[str, str, str, int]] = Counter()
    for aid, code, name, deadline in assignments:
        if deadline is None:
            continue
        due = date.fromisoformat(str(deadline)[:10])
        status = latest[aid][3] if aid in latest else "not_started"
        if status in CLOSED and not accepted.get(latest[aid][2], date.max) <= as_of:
            status = "in_progress"
        if due < as_of and status not in CLOSED:
            found[(code, name, status, (as_of - due).days)] += 1
    return found


@pytest.mark.parametrize("as_of", ["2023-11-01", "2026-11-23"])
def test_overdue_lists_what_the_rules_say_most_overdue_first(
    demo_engine: Engine, as_of: str
) -> None:
    rows = run_json("overdue", "--as-of", as_of)
    expected = overdue_by_the_rules(demo_engine, date.fromisoformat(as_of))
    listed = Counter(
        (r["recommendation"], r["organisation"], r["status"], r["days_overdue"]) for r in rows
    )
    assert listed == expected
    assert len(rows) > 0
    assert all(r["overdue"] is True and r["rag"] == "red" for r in rows)
    days = [r["days_overdue"] for r in rows]
    assert days == sorted(days, reverse=True)


def test_overdue_on_the_deadline_day_lists_nothing_due_that_day(loaded_engine: Engine) -> None:
    rows = run_json("overdue", "--as-of", "2023-10-31")
    # Only R6 (due on publication, 5 April 2023) is late on 31 October 2023.
    assert {r["recommendation"] for r in rows} == {"R6"}
    assert {r["days_overdue"] for r in rows} == {209}


def test_overdue_the_day_after_the_deadline_is_one_day_late(loaded_engine: Engine) -> None:
    rows = run_json("overdue", "--as-of", "2023-11-01", "--recommendation", "R4")
    assert len(rows) == 43
    assert {r["days_overdue"] for r in rows} == {1}


def test_implemented_assignment_drops_off_the_overdue_list(loaded_engine: Engine) -> None:
    record_accepted(
        loaded_engine, status="implemented", evidence_date=date(2023, 11, 15), narrative="Done."
    )
    args = ("overdue", "--org", "Kent", "--recommendation", "R4")
    assert len(run_json(*args, "--as-of", "2023-11-14")) == 1
    assert run_json(*args, "--as-of", "2023-11-15") == []


# --- import ---------------------------------------------------------------------------------


def test_import_of_a_good_file_reports_what_was_stored(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "returns.csv", import_rows(100))
    first = run("import", str(path))
    assert first.exit_code == 0, first.output
    assert "100 rows read, 100 updates stored, 0 already recorded" in first.output
    again = run("import", str(path))
    assert "100 rows read, 0 updates stored, 100 already recorded" in again.output
    assert count_updates(loaded_engine) == 100


def test_import_of_a_bad_file_exits_nonzero_lists_the_rows_and_stores_nothing(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    rows = import_rows(100)
    rows[10]["organisation"] = "Kentt"
    rows[70]["evidence_date"] = "31/10/2023"
    path = write_csv(tmp_path / "returns.csv", rows)
    result = run("import", str(path))
    assert result.exit_code != 0
    assert f"row {sheet_row(10)}, column 'organisation'" in result.output
    assert f"row {sheet_row(70)}, column 'evidence_date'" in result.output
    assert "nothing was imported" in result.output
    assert count_updates(loaded_engine) == 0


def test_import_without_as_is_recorded_under_the_local_operator(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "returns.csv", import_rows(1))
    assert run("import", str(path)).exit_code == 0
    with loaded_engine.connect() as conn:
        (who,) = conn.execute(text("SELECT recorded_by_user FROM evidence_update")).scalars()
        actors = set(conn.execute(text("SELECT actor FROM audit_event")).scalars())
    assert who.startswith("local:")
    assert actors == {who}


def test_unknown_recommendation_filter_is_an_error_not_an_empty_list(loaded_engine: Engine) -> None:
    result = run("status", "--recommendation", "R99")
    assert result.exit_code == 1
    assert "Unknown recommendation R99" in result.output


def test_bad_recommendation_message_is_quoted_cleanly(loaded_engine: Engine) -> None:
    result = run("status", "--recommendation", "X")
    assert result.exit_code == 1
    assert result.output.strip().startswith("'X' is not a recommendation number")


@pytest.mark.parametrize("command", [["init"], ["demo"], ["export", "--out", "x.json"]])
def test_unreachable_database_is_named_without_its_password(
    command: list[str], tmp_path: Path
) -> None:
    url = "postgresql://tracker:s3cret@127.0.0.1:1/tracker"
    result = CliRunner().invoke(app, ["--db", url, *command])
    assert result.exit_code == 1
    assert "Cannot use the database postgresql://tracker:***@127.0.0.1:1/tracker" in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output


def test_status_table_marks_unverified_wording(loaded_engine: Engine) -> None:
    unverified = run("status", "--org", "Kent", "--recommendation", "R4", "--as-of", "2023-11-01")
    assert "R4 ⚠" in unverified.stdout
    assert "⚠ Wording to be confirmed against the published report." in unverified.stdout
    verified = run("status", "--org", "NPCC", "--recommendation", "R1", "--as-of", "2023-11-01")
    assert "⚠" not in verified.stdout


# --- acting as a tracker user ----------------------------------------------------------------


def _kent_editor(engine: Engine) -> None:
    users.create_user(
        engine=engine,
        actor=TEST_ADMIN,
        username="kent.editor",
        role="editor",
        organisation_ids=["Kent"],
        password="a long enough password",
    )


def test_import_as_an_editor_applies_that_editors_scope(
    loaded_engine: Engine, tmp_path: Path
) -> None:
    _kent_editor(loaded_engine)
    rows = import_rows(2)  # the first two forces in the list: neither is Kent
    kent_row = {**rows[0], "organisation": "Kent"}
    path = write_csv(tmp_path / "returns.csv", [kent_row, rows[1]])
    result = run("import", str(path), "--as", "kent.editor")
    assert result.exit_code == 1
    assert f"row {sheet_row(1)}, column 'organisation': Kent Police editors cannot record for" in (
        result.output
    )
    assert count_updates(loaded_engine) == 0

    only_kent = write_csv(tmp_path / "kent.csv", [kent_row])
    result = run("import", str(only_kent), "--as", "kent.editor")
    assert result.exit_code == 0, result.output
    with loaded_engine.connect() as conn:
        (who,) = conn.execute(text("SELECT recorded_by_user FROM evidence_update")).scalars()
    assert who == "kent.editor"


def test_acting_as_an_unknown_user_is_a_plain_error(loaded_engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "returns.csv", import_rows(1))
    result = run("import", str(path), "--as", "nobody")
    assert result.exit_code == 1
    assert "There is no active tracker user 'nobody'" in result.output
    assert "Traceback" not in result.output
    assert count_updates(loaded_engine) == 0


# --- demo -------------------------------------------------------------------------------------


def test_demo_on_a_new_database_loads_the_catalogue_and_the_demo_on_the_audit_trail(
    engine: Engine,
) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert count_updates(engine) > 1000
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT action, actor FROM audit_event")).all()
    done = [a for a, _ in actions if a in ("catalogue_reloaded", "demo_loaded")]
    assert done == ["catalogue_reloaded", "demo_loaded"]
    assert all(who.startswith("local:") for _, who in actions)


@pytest.mark.parametrize("command", [["demo"], ["serve", "--demo"]])
def test_demo_on_a_database_with_real_data_is_refused_and_adds_nothing(
    loaded_engine: Engine, command: list[str]
) -> None:
    record_accepted(loaded_engine, narrative="A real update from Kent.")
    with loaded_engine.connect() as conn:
        events = conn.execute(text("SELECT COUNT(*) FROM audit_event")).scalar_one()
    result = run(*command)
    assert result.exit_code == 1
    assert "demonstration data is never added to real data" in result.output
    assert "Traceback" not in result.output
    assert count_updates(loaded_engine) == 1
    with loaded_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_event")).scalar_one() == events


def test_demo_as_a_viewer_is_refused(loaded_engine: Engine) -> None:
    users.create_user(engine=loaded_engine, actor=TEST_ADMIN, username="board", role="viewer")
    result = run("demo", "--as", "board")
    assert result.exit_code == 1
    assert "Viewers cannot load demonstration data" in result.output
    assert count_updates(loaded_engine) == 0
