"""The audit trail's surfaces: `tracker audit verify` and `list`, tampering detected on both
databases, the catalogue reload recorded, and reading the trail kept to admins and monitors."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner, Result
from utils.factories import KENT_EDITOR, MONITOR, TEST_ADMIN, VIEWER, count_rows, record

from tracker import audit, store_audit
from tracker.cli import app
from tracker.db import read_session
from tracker.roles import Actor
from tracker.services import audit_log, users
from tracker.services.access import AccessDeniedError


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _some_events(engine: Engine) -> None:
    """Writes through the services, each leaving an event: two updates and a refusal."""
    record(engine, narrative="First return.")
    record(engine, narrative="Second return.", actor=KENT_EDITOR)
    with pytest.raises(AccessDeniedError):
        record(engine, organisation_id="essex", narrative="Not ours.", actor=KENT_EDITOR)


def _event_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [
            int(i) for i in conn.execute(text("SELECT id FROM audit_event ORDER BY id")).scalars()
        ]


def _drop_audit_triggers(engine: Engine) -> None:
    """What an intruder with the database in hand would do first."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER ALL"))
        else:
            names = conn.execute(
                text(
                    "SELECT name FROM sqlite_master "
                    "WHERE type = 'trigger' AND tbl_name = 'audit_event'"
                )
            ).scalars()
            for name in list(names):
                conn.execute(text(f"DROP TRIGGER {name}"))


def test_clean_database_verifies(loaded_engine: Engine) -> None:
    _some_events(loaded_engine)
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.splitlines()[0]
        == f"{count_rows(loaded_engine, 'audit_event')} events, chain intact"
    )


def test_changed_event_is_named_by_verify(loaded_engine: Engine) -> None:
    _some_events(loaded_engine)
    ids = _event_ids(loaded_engine)
    changed = ids[1]
    _drop_audit_triggers(loaded_engine)
    with loaded_engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_event SET message = 'Nothing to see' WHERE id = :id"),
            {"id": changed},
        )
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert f"broken at event {changed} (" in result.stderr
    assert "update_recorded by kent.editor" in result.stderr
    assert "does not match its hash" in result.stderr


def test_deleted_event_is_named_by_the_one_after_it(loaded_engine: Engine) -> None:
    _some_events(loaded_engine)
    ids = _event_ids(loaded_engine)
    _drop_audit_triggers(loaded_engine)
    with loaded_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[0]})
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert f"broken at event {ids[1]} (" in result.stderr
    assert "removed" in result.stderr


def test_rehashing_a_changed_event_still_breaks_the_link_to_the_next(loaded_engine: Engine) -> None:
    """An intruder who recomputes the changed event's own hash is caught by the next event."""
    _some_events(loaded_engine)
    ids = _event_ids(loaded_engine)
    with read_session(loaded_engine) as session:
        first = next(store_audit.all_events(session=session))
    forged = audit.EventContent(**{**first.content.__dict__, "message": "Forged"})
    _drop_audit_triggers(loaded_engine)
    with loaded_engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_event SET message = 'Forged', hash = :h WHERE id = :id"),
            {"h": audit.event_hash(first.previous_hash, forged), "id": ids[0]},
        )
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert f"broken at event {ids[1]} (" in result.stderr


def test_init_records_the_catalogue_reload_with_its_summary(engine: Engine) -> None:
    result = run("init")
    assert result.exit_code == 0, result.output
    result = run("init")
    assert result.exit_code == 0, result.output
    listed = json.loads(run("audit", "list", "--format", "json").stdout)
    assert [e["action"] for e in listed] == ["catalogue_reloaded", "catalogue_reloaded"]
    first = json.loads(listed[-1]["after"])
    assert first["assignments_added"] == 487 and first["recommendations"] == 17
    assert json.loads(listed[0]["after"])["assignments_added"] == 0
    assert listed[0]["actor"].startswith("local:")


def test_init_as_a_non_administrator_is_refused_and_recorded(loaded_engine: Engine) -> None:
    users.create_user(
        engine=loaded_engine,
        actor=TEST_ADMIN,
        username="kent.ed",
        role="editor",
        organisation_ids=["kent"],
    )
    before = count_rows(loaded_engine, "audit_event")
    result = run("init", "--as", "kent.ed")
    assert result.exit_code == 1
    assert "cannot reload the catalogue" in result.stderr
    listed = audit_log.list_events(engine=loaded_engine, actor=TEST_ADMIN)
    assert count_rows(loaded_engine, "audit_event") == before + 1
    assert (listed[0].action, listed[0].outcome) == ("reload_catalogue", "refused")


@pytest.mark.parametrize("actor", [TEST_ADMIN, MONITOR], ids=["admin", "monitor"])
def test_admins_and_monitors_read_the_trail(loaded_engine: Engine, actor: Actor) -> None:
    _some_events(loaded_engine)
    rows = audit_log.list_events(engine=loaded_engine, actor=actor)
    assert [r.outcome for r in rows][:1] == ["refused"]
    assert len(rows) == count_rows(loaded_engine, "audit_event")


@pytest.mark.parametrize("actor", [KENT_EDITOR, VIEWER], ids=["editor", "viewer"])
def test_editors_and_viewers_cannot_read_the_trail(loaded_engine: Engine, actor: Actor) -> None:
    before = count_rows(loaded_engine, "audit_event")
    with pytest.raises(AccessDeniedError, match="cannot read the audit trail"):
        audit_log.list_events(engine=loaded_engine, actor=actor)
    assert count_rows(loaded_engine, "audit_event") == before + 1


def test_cli_list_as_a_viewer_is_refused(loaded_engine: Engine) -> None:
    users.create_user(engine=loaded_engine, actor=TEST_ADMIN, username="board", role="viewer")
    result = run("audit", "list", "--as", "board")
    assert result.exit_code == 1
    assert "Viewers cannot read the audit trail" in result.stderr


def test_list_filters_by_user_action_outcome_and_date(loaded_engine: Engine) -> None:
    _some_events(loaded_engine)
    by_kent = json.loads(run("audit", "list", "--user", "kent.editor", "--format", "json").stdout)
    assert {e["actor"] for e in by_kent} == {"kent.editor"} and len(by_kent) == 2
    refused = json.loads(run("audit", "list", "--action", "record", "--format", "json").stdout)
    assert [e["outcome"] for e in refused] == ["refused"]
    assert "Essex Police" in refused[0]["message"]
    today = datetime.now(UTC).date().isoformat()
    assert len(json.loads(run("audit", "list", "--since", today, "--format", "json").stdout)) == 3
    later = json.loads(run("audit", "list", "--since", "2999-01-01", "--format", "json").stdout)
    assert later == []
    rows = audit_log.list_events(
        engine=loaded_engine, actor=MONITOR, filters=audit_log.Filters(outcome="done")
    )
    assert {r.action for r in rows} == {"update_recorded"}


def test_csv_download_holds_no_live_formula(loaded_engine: Engine) -> None:
    record(loaded_engine, narrative="Formula follows.", actor=KENT_EDITOR)
    with pytest.raises(AccessDeniedError):
        # The refusal message carries the organisation; a username reaches the CSV as typed.
        audit_log.list_events(
            engine=loaded_engine,
            actor=Actor(username='=HYPERLINK("http://x")', display_name="x", role=VIEWER.role),
        )
    text_out = run("audit", "list", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text_out)))
    actors = [r["actor"] for r in rows]
    assert '\'=HYPERLINK("http://x")' in actors
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_the_database_refuses_a_second_event_after_the_same_predecessor(
    loaded_engine: Engine,
) -> None:
    _some_events(loaded_engine)
    with loaded_engine.connect() as conn:
        last = conn.execute(
            text("SELECT previous_hash, hash FROM audit_event ORDER BY id DESC LIMIT 1")
        ).one()
    fork = audit.EventContent(
        occurred_at=datetime.now(UTC),
        actor="intruder",
        actor_role="admin",
        action="update_recorded",
        outcome="done",
        object_type="evidence_update",
        object_id="1",
        before=None,
        after=None,
        message="",
    )
    with pytest.raises(IntegrityError), loaded_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_event (occurred_at, actor, actor_role, action, outcome, "
                "object_type, object_id, message, previous_hash, hash) VALUES (:at, :actor, "
                ":role, :action, :outcome, :type, :id, :message, :previous, :hash)"
            ),
            {
                "at": fork.occurred_at,
                "actor": fork.actor,
                "role": fork.actor_role,
                "action": fork.action,
                "outcome": fork.outcome,
                "type": fork.object_type,
                "id": fork.object_id,
                "message": fork.message,
                "previous": last.previous_hash,
                "hash": audit.event_hash(last.previous_hash, fork),
            },
        )


def test_verify_reports_the_head_of_the_chain(loaded_engine: Engine) -> None:
    _some_events(loaded_engine)
    with loaded_engine.connect() as conn:
        head = conn.execute(text("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1")).one()
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"Head of the chain: {head.hash}" in result.output
