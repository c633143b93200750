"""Board meetings: recorded by monitors and administrators, on the audit trail, append-only on
both databases, and the default comparison for what changed."""

import json
import re
from datetime import date

import pytest
from sqlalchemy import exc, text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner
from utils.factories import KENT_EDITOR, MONITOR, TEST_ADMIN, VIEWER, count_rows

from tracker.cli import app
from tracker.roles import Actor
from tracker.services import audit_log, meetings
from tracker.services.access import AccessDeniedError

TODAY = date(2024, 6, 1)


def add(
    engine: Engine, held_on: date, board: str = "National board", actor: Actor = MONITOR
) -> int:
    return meetings.add_meeting(
        engine=engine, actor=actor, held_on=held_on, board=board, today=TODAY
    ).id


def test_monitors_and_admins_record_meetings_on_the_audit_trail(loaded_engine: Engine) -> None:
    add(loaded_engine, date(2024, 1, 31))
    add(loaded_engine, date(2024, 4, 30), actor=TEST_ADMIN)
    listed = meetings.list_meetings(engine=loaded_engine)
    assert [(m.held_on, m.board, m.recorded_by) for m in listed] == [
        (date(2024, 4, 30), "National board", "test.admin"),
        (date(2024, 1, 31), "National board", "monitor"),
    ]
    events = audit_log.list_events(
        engine=loaded_engine, actor=TEST_ADMIN, filters=audit_log.Filters(action="meeting_recorded")
    )
    assert len(events) == 2 and all(e.outcome == "done" for e in events)


@pytest.mark.parametrize("actor", [KENT_EDITOR, VIEWER], ids=["editor", "viewer"])
def test_editors_and_viewers_cannot_record_a_meeting(loaded_engine: Engine, actor: Actor) -> None:
    with pytest.raises(AccessDeniedError, match="cannot record board meetings"):
        add(loaded_engine, date(2024, 1, 31), actor=actor)
    assert count_rows(loaded_engine, "meeting") == 0
    refused = audit_log.list_events(
        engine=loaded_engine, actor=TEST_ADMIN, filters=audit_log.Filters(outcome="refused")
    )
    assert [e.action for e in refused] == ["record_meeting"]


def test_last_meeting_is_the_latest_strictly_before_the_date(loaded_engine: Engine) -> None:
    add(loaded_engine, date(2024, 1, 31))
    add(loaded_engine, date(2024, 4, 30))
    add(loaded_engine, date(2024, 3, 15), board="South East regional board")

    def last(before: date, board: str | None = None) -> date | None:
        found = meetings.last_meeting(engine=loaded_engine, before=before, board=board)
        return found.held_on if found else None

    assert last(date(2024, 4, 30)) == date(2024, 3, 15)  # in today's meeting: the one before
    assert last(date(2024, 5, 1)) == date(2024, 4, 30)
    assert last(date(2024, 4, 30), board="National board") == date(2024, 1, 31)
    assert last(date(2024, 1, 31)) is None


@pytest.mark.parametrize(
    ("held_on", "board", "words"),
    [
        (date(2024, 1, 31), "", "Board name: say which board met"),
        (date(2024, 1, 31), "National\nboard", "Board name: keep this on one line"),
        (date(2024, 1, 31), "x" * 201, "Board name: keep this under 200 characters"),
        (date(2024, 1, 31), "Board\x07", "control character"),
        (date(2023, 1, 31), "National board", "before the report was published (5 April 2023)"),
        (date(2025, 7, 1), "National board", "more than a year ahead"),
    ],
)
def test_a_meeting_that_cannot_be_right_is_refused_and_nothing_stored(
    loaded_engine: Engine, held_on: date, board: str, words: str
) -> None:
    with pytest.raises(meetings.MeetingRefusedError, match=re.escape(words)):
        add(loaded_engine, held_on, board)
    assert count_rows(loaded_engine, "meeting") == 0


def test_the_same_meeting_twice_is_refused(loaded_engine: Engine) -> None:
    add(loaded_engine, date(2024, 1, 31))
    with pytest.raises(meetings.MeetingRefusedError, match="already recorded"):
        add(loaded_engine, date(2024, 1, 31), board="  National board ")
    assert count_rows(loaded_engine, "meeting") == 1


# --- Append-only ------------------------------------------------------------------------------

COMMON = {
    "update": "UPDATE meeting SET board = 'rewritten' WHERE id = :id",
    "delete": "DELETE FROM meeting WHERE id = :id",
    "upsert": (
        "INSERT INTO meeting (id, board, held_on, recorded_by, recorded_by_name, recorded_at) "
        "SELECT id, 'rewritten', held_on, recorded_by, recorded_by_name, recorded_at FROM meeting "
        "WHERE id = :id ON CONFLICT (id) DO UPDATE SET board = excluded.board"
    ),
}
SQLITE_ONLY = {
    "replace": (
        "REPLACE INTO meeting (id, board, held_on, recorded_by, recorded_by_name, recorded_at) "
        "SELECT id, 'rewritten', held_on, recorded_by, recorded_by_name, recorded_at FROM meeting "
        "WHERE id = :id"
    ),
    "insert or replace same meeting": (
        "INSERT OR REPLACE INTO meeting (board, held_on, recorded_by, recorded_by_name, "
        "recorded_at) SELECT board, held_on, 'someone', 'Someone', recorded_at FROM meeting "
        "WHERE id = :id"
    ),
}


def _row(engine: Engine, meeting_id: int) -> tuple[object, ...]:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM meeting WHERE id = :id"), {"id": meeting_id}).one()
    return (tuple(row), count_rows(engine, "meeting"))


@pytest.mark.parametrize("statement", list(COMMON))
def test_a_meeting_cannot_be_changed_or_removed(loaded_engine: Engine, statement: str) -> None:
    meeting_id = add(loaded_engine, date(2024, 1, 31))
    before = _row(loaded_engine, meeting_id)
    with pytest.raises(exc.DBAPIError, match="append-only"), loaded_engine.begin() as conn:
        conn.execute(text(COMMON[statement]), {"id": meeting_id})
    assert _row(loaded_engine, meeting_id) == before


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("statement", list(SQLITE_ONLY))
def test_sqlite_replace_of_a_meeting_is_refused(loaded_engine: Engine, statement: str) -> None:
    meeting_id = add(loaded_engine, date(2024, 1, 31))
    before = _row(loaded_engine, meeting_id)
    with pytest.raises(exc.DBAPIError, match="append-only"), loaded_engine.begin() as conn:
        conn.execute(text(SQLITE_ONLY[statement]), {"id": meeting_id})
    assert _row(loaded_engine, meeting_id) == before


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_truncate_of_meetings_is_refused(loaded_engine: Engine) -> None:
    meeting_id = add(loaded_engine, date(2024, 1, 31))
    with pytest.raises(exc.DBAPIError, match="append-only"), loaded_engine.begin() as conn:
        conn.execute(text("TRUNCATE meeting"))
    assert _row(loaded_engine, meeting_id)[1] == 1


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_dashboard_role_records_meetings_but_cannot_delete_them(
    loaded_engine: Engine, app_engine: Engine
) -> None:
    meeting_id = add(app_engine, date(2024, 1, 31))
    with pytest.raises(exc.DBAPIError, match="permission denied"), app_engine.begin() as conn:
        conn.execute(text("DELETE FROM meeting WHERE id = :id"), {"id": meeting_id})
    assert count_rows(loaded_engine, "meeting") == 1


# --- The command line -------------------------------------------------------------------------


def test_cli_meetings_add_and_list(loaded_engine: Engine) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["meetings", "add", "2024-01-31", "--board", "National board"])
    assert added.exit_code == 0, added.output
    assert "National board met on 31 January 2024" in added.output
    runner.invoke(app, ["meetings", "add", "2024-04-30", "--board", "=HYPERLINK(1)"])
    listed = runner.invoke(app, ["meetings", "list", "--format", "json"])
    assert [(m["held_on"], m["board"]) for m in json.loads(listed.stdout)] == [
        ("2024-04-30", "=HYPERLINK(1)"),
        ("2024-01-31", "National board"),
    ]
    as_csv = runner.invoke(app, ["meetings", "list", "--format", "csv"])
    assert "'=HYPERLINK(1)" in as_csv.stdout  # never a live formula
    table = runner.invoke(app, ["meetings", "list"])
    assert "31 January 2024  National board" in table.output


def test_cli_meetings_add_refuses_plainly(loaded_engine: Engine) -> None:
    runner = CliRunner()
    bad_date = runner.invoke(app, ["meetings", "add", "31/01/2024", "--board", "National board"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    users = runner.invoke(
        app,
        ["users", "add", "board.member", "--role", "viewer", "--password-stdin"],
        input="a long enough password\n",
    )
    assert users.exit_code == 0, users.output
    refused = runner.invoke(
        app, ["meetings", "add", "2024-01-31", "--board", "National board", "--as", "board.member"]
    )
    assert refused.exit_code == 1 and "Viewers cannot record board meetings" in refused.output
    assert count_rows(loaded_engine, "meeting") == 0
