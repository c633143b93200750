"""PostgreSQL: the dashboard runs as a role that may read and append, never change the record;
the owner role (which runs `tracker init`) owns the tables and so alone could touch triggers."""

from datetime import date

import pytest
from sqlalchemy import exc, text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner
from utils.factories import count_updates, record

from tracker.cli import app
from tracker.services import audit, progress
from tracker.services.progress import Filters

ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])


@ON_POSTGRESQL
def test_app_role_records_updates_and_reads_figures(
    loaded_engine: Engine, app_engine: Engine
) -> None:
    record(app_engine, narrative="Recorded through the dashboard's role.")
    rows = progress.status_rows(engine=app_engine, as_of=date(2024, 6, 1), filters=Filters())
    assert any(r.status == "in_progress" for r in rows)
    assert count_updates(loaded_engine) == 1
    assert audit.verify(engine=app_engine).ok


RECORD_TABLES = ("evidence_update", "attachment", "review", "audit_event")
REFUSED = {
    "update": "UPDATE {t} SET id = id",
    "delete": "DELETE FROM {t}",
    "truncate": "TRUNCATE {t} CASCADE",
    "disable triggers": "ALTER TABLE {t} DISABLE TRIGGER ALL",
    "drop trigger": "DROP TRIGGER {t}_append_only ON {t}",
}


@ON_POSTGRESQL
@pytest.mark.parametrize("table", RECORD_TABLES)
@pytest.mark.parametrize("statement", list(REFUSED))
def test_app_role_cannot_change_the_record_or_its_triggers(
    loaded_engine: Engine, app_engine: Engine, table: str, statement: str
) -> None:
    record(app_engine, narrative="Something to protect.")
    with app_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO review (update_id, decision, reason, reviewed_by, reviewed_at) "
                "SELECT MAX(id), 'accepted', 'Seen.', 'monitor', now() FROM evidence_update"
            )
        )
    with loaded_engine.connect() as conn:
        before = conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
    with (
        pytest.raises(exc.DBAPIError, match=r"permission denied|must be owner|append-only"),
        app_engine.begin() as conn,
    ):
        conn.execute(text(REFUSED[statement].format(t=table)))
    with loaded_engine.connect() as conn:
        assert conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() == before
        triggers = conn.execute(
            text(
                "SELECT tgname, tgenabled FROM pg_trigger "
                "WHERE tgrelid = CAST(:t AS regclass) AND NOT tgisinternal"
            ),
            {"t": table},
        ).all()
    assert f"{table}_no_truncate" in {name for name, _ in triggers}
    assert {enabled for _, enabled in triggers} == {"O"}  # every trigger still enabled


@ON_POSTGRESQL
def test_app_role_cannot_change_reference_data(app_engine: Engine) -> None:
    with (
        pytest.raises(exc.DBAPIError, match="permission denied"),
        app_engine.begin() as conn,
    ):
        conn.execute(text("UPDATE organisation SET name = 'Renamed' WHERE id = 'kent'"))


@ON_POSTGRESQL
def test_app_role_may_count_failed_sign_ins_but_not_make_anyone_an_administrator(
    loaded_engine: Engine, app_engine: Engine
) -> None:
    """Sign-in counts failures and locks accounts; roles, organisations and passwords are the
    owner's to change, so a compromised dashboard cannot promote itself."""
    with loaded_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tracker_user (username, display_name, role, organisation_ids, "
                "active, failed_sign_ins, created_at) "
                "VALUES ('a', 'A', 'viewer', '[]', true, 0, now())"
            )
        )
    with app_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE tracker_user SET failed_sign_ins = 1, locked_until = now() "
                "WHERE username = 'a'"
            )
        )
    for statement in (
        "UPDATE tracker_user SET role = 'admin' WHERE username = 'a'",
        "UPDATE tracker_user SET password_hash = 'x' WHERE username = 'a'",
        "INSERT INTO tracker_user (username, display_name, role, organisation_ids, active, "
        "failed_sign_ins, created_at) VALUES ('b', 'B', 'admin', '[]', true, 0, now())",
    ):
        denied = pytest.raises(exc.ProgrammingError, match="permission denied")
        with denied, app_engine.begin() as conn:
            conn.execute(text(statement))
    with loaded_engine.connect() as conn:
        assert conn.execute(text("SELECT role FROM tracker_user")).scalars().all() == ["viewer"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_grant_app_role_on_sqlite_says_roles_are_postgresql_only(loaded_engine: Engine) -> None:
    result = CliRunner().invoke(app, ["db", "grant-app-role", "tracker_app"])
    assert result.exit_code == 1
    assert "PostgreSQL" in result.stderr


@ON_POSTGRESQL
def test_grant_app_role_refuses_a_name_that_is_not_a_plain_identifier(
    loaded_engine: Engine,
) -> None:
    result = CliRunner().invoke(app, ["db", "grant-app-role", 'x"; DROP TABLE review; --'])
    assert result.exit_code == 1
    assert "is not a role name" in result.stderr
