"""`tracker review list|accept|return`, on SQLite and PostgreSQL."""

import csv
import io
import json
from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result
from utils.factories import TEST_ADMIN, count_rows, record

from tracker.cli import app
from tracker.services import progress, users


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def claim(engine: Engine, organisation_id: str = "kent") -> int:
    return record(
        engine,
        organisation_id=organisation_id,
        status="implemented",
        evidence_date=date(2024, 2, 1),
        narrative="Policy published; all staff trained.",
    ).update_id


def add_user(engine: Engine, username: str, role: str, *orgs: str) -> None:
    users.create_user(
        engine=engine, actor=TEST_ADMIN, username=username, role=role, organisation_ids=orgs
    )


def kent_r4_review(engine: Engine) -> tuple[str, str, str | None]:
    (row,) = progress.status_rows(
        engine=engine,
        as_of=date.today(),
        filters=progress.Filters(
            organisation_ids=frozenset({"kent"}), recommendations=frozenset({"R4"})
        ),
    )
    return row.status, row.review, row.return_reason


def test_review_list_shows_waiting_claims_in_every_format(loaded_engine: Engine) -> None:
    kent, essex = claim(loaded_engine), claim(loaded_engine, "essex")
    listed = run("review", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["update_id"] for r in rows] == [kent, essex]
    assert rows[0]["organisation"] == "Kent Police" and rows[0]["claimed_status"] == "implemented"
    as_csv = list(csv.DictReader(io.StringIO(run("review", "list", "--format", "csv").stdout)))
    assert [int(r["update_id"]) for r in as_csv] == [kent, essex]
    table = run("review", "list")
    assert "Kent Police" in table.stdout and "Essex Police" in table.stdout


def test_review_list_csv_holds_no_live_formula(loaded_engine: Engine) -> None:
    record(
        loaded_engine,
        status="implemented",
        evidence_date=date(2024, 2, 1),
        narrative='=HYPERLINK("https://tracker.invalid","Evidence")',
    )
    (row,) = csv.DictReader(io.StringIO(run("review", "list", "--format", "csv").stdout))
    assert row["narrative"] == '\'=HYPERLINK("https://tracker.invalid","Evidence")'


def test_review_list_says_when_nothing_waits(loaded_engine: Engine) -> None:
    result = run("review", "list")
    assert result.exit_code == 0 and "No claims are waiting for review." in result.stdout


def test_review_accept_as_a_monitor_changes_the_validated_status(loaded_engine: Engine) -> None:
    update_id = claim(loaded_engine)
    add_user(loaded_engine, "nat.lead", "monitor")
    result = run("review", "accept", str(update_id), "--note", "Audit seen", "--as", "nat.lead")
    assert result.exit_code == 0, result.output
    assert f"Update {update_id} accepted." in result.stdout
    assert kent_r4_review(loaded_engine) == ("implemented", "accepted", None)
    with loaded_engine.connect() as conn:
        who = conn.execute(text("SELECT reviewed_by, reason FROM review")).one()
    assert tuple(who) == ("nat.lead", "Audit seen")


def test_review_return_needs_a_reason_and_records_it(loaded_engine: Engine) -> None:
    update_id = claim(loaded_engine)
    missing = run("review", "return", str(update_id))
    assert missing.exit_code != 0 and count_rows(loaded_engine, "review") == 0
    result = run("review", "return", str(update_id), "--reason", "Attach the audit.")
    assert result.exit_code == 0, result.output
    assert kent_r4_review(loaded_engine) == ("in_progress", "returned", "Attach the audit.")


def test_review_by_an_editor_is_refused_plainly_and_changes_nothing(
    loaded_engine: Engine,
) -> None:
    update_id = claim(loaded_engine)
    add_user(loaded_engine, "kent.ed", "editor", "kent")
    result = run("review", "accept", str(update_id), "--as", "kent.ed")
    assert result.exit_code == 1
    assert "Kent Police editors cannot review updates" in result.output
    assert "Traceback" not in result.output
    assert count_rows(loaded_engine, "review") == 0


def test_reviewing_twice_or_a_missing_update_is_a_plain_error(loaded_engine: Engine) -> None:
    update_id = claim(loaded_engine)
    assert run("review", "accept", str(update_id)).exit_code == 0
    again = run("review", "return", str(update_id), "--reason", "Second thoughts")
    assert again.exit_code == 1 and "already been accepted" in again.output
    missing = run("review", "accept", "999999")
    assert missing.exit_code == 1 and "There is no update 999999." in missing.output
    assert count_rows(loaded_engine, "review") == 1
