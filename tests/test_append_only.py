"""The record (updates, attachments, reviews, audit events) refuses every statement that would
change or remove a row, on both databases, and lets through only a well-formed redaction."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import exc, inspect, text
from sqlalchemy.engine import Engine
from utils.factories import count_rows, record

from tracker.db import alembic_config, upgrade_schema
from tracker.evidence import FileUpload

RECORD_TABLES = ("evidence_update", "attachment", "review", "audit_event")
# The column each statement tries to rewrite.
REWRITTEN = {
    "evidence_update": "narrative",
    "attachment": "filename",
    "review": "reason",
    "audit_event": "message",
}


def _columns(engine: Engine, table: str) -> list[str]:
    return [c["name"] for c in inspect(engine).get_columns(table)]


def _copy_select(engine: Engine, table: str) -> tuple[str, str]:
    """Column list and a SELECT of the row with one column rewritten: the body of a REPLACE."""
    names = _columns(engine, table)
    values = ["'rewritten'" if n == REWRITTEN[table] else n for n in names]
    return ", ".join(names), f"SELECT {', '.join(values)} FROM {table} WHERE id = :id"


def _update(engine: Engine, table: str) -> str:
    return f"UPDATE {table} SET {REWRITTEN[table]} = 'rewritten' WHERE id = :id"


def _delete(engine: Engine, table: str) -> str:
    return f"DELETE FROM {table} WHERE id = :id"


def _replace(engine: Engine, table: str) -> str:
    names, select = _copy_select(engine, table)
    return f"REPLACE INTO {table} ({names}) {select}"


def _insert_or_replace(engine: Engine, table: str) -> str:
    names, select = _copy_select(engine, table)
    return f"INSERT OR REPLACE INTO {table} ({names}) {select}"


def _upsert(engine: Engine, table: str) -> str:
    names, select = _copy_select(engine, table)
    column = REWRITTEN[table]
    return (
        f"INSERT INTO {table} ({names}) {select} "
        f"ON CONFLICT (id) DO UPDATE SET {column} = excluded.{column}"
    )


def _truncate(engine: Engine, table: str) -> str:
    # CASCADE, so the foreign keys between the record tables do not refuse it first.
    return f"TRUNCATE {table} CASCADE"


def _truncate_cascade(engine: Engine, table: str) -> str:
    # Reaches the record through the foreign keys from a reference table.
    return "TRUNCATE assignment CASCADE"


Statement = Callable[[Engine, str], str]
COMMON: dict[str, Statement] = {"update": _update, "delete": _delete, "upsert": _upsert}
SQLITE_ONLY: dict[str, Statement] = {"replace": _replace, "insert or replace": _insert_or_replace}
POSTGRESQL_ONLY: dict[str, Statement] = {
    "truncate": _truncate,
    "truncate cascade": _truncate_cascade,
}


@pytest.fixture
def record_rows(loaded_engine: Engine) -> dict[str, int]:
    """One row in each record table, written the way the tracker writes them."""
    recorded = record(loaded_engine, attachments=(FileUpload("plan.pdf", b"%PDF-1.4 evidence"),))
    with loaded_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO review (update_id, decision, reason, reviewed_by, reviewed_at) "
                "VALUES (:uid, 'accepted', 'Evidence seen.', 'monitor', :at)"
            ),
            {"uid": recorded.update_id, "at": datetime(2024, 2, 1, tzinfo=UTC)},
        )
        ids = {
            table: int(conn.execute(text(f"SELECT MAX(id) FROM {table}")).scalar_one())
            for table in RECORD_TABLES
        }
    return ids


def _snapshot(engine: Engine, table: str, row_id: int) -> tuple[object, ...]:
    with engine.connect() as conn:
        row = conn.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}).one()
    return (tuple(row), count_rows(engine, table))


def _assert_refused(engine: Engine, table: str, row_id: int, build: Statement) -> None:
    before = _snapshot(engine, table, row_id)
    with pytest.raises(exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(build(engine, table)), {"id": row_id})
    assert _snapshot(engine, table, row_id) == before


@pytest.mark.parametrize("table", RECORD_TABLES)
@pytest.mark.parametrize("statement", list(COMMON))
def test_update_delete_and_upsert_of_a_record_row_are_refused(
    loaded_engine: Engine, record_rows: dict[str, int], table: str, statement: str
) -> None:
    _assert_refused(loaded_engine, table, record_rows[table], COMMON[statement])


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("table", RECORD_TABLES)
@pytest.mark.parametrize("statement", list(SQLITE_ONLY))
def test_sqlite_replace_of_a_record_row_is_refused(
    loaded_engine: Engine, record_rows: dict[str, int], table: str, statement: str
) -> None:
    """REPLACE deletes the old row without firing DELETE triggers: an INSERT trigger stops it."""
    _assert_refused(loaded_engine, table, record_rows[table], SQLITE_ONLY[statement])


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.parametrize("table", RECORD_TABLES)
@pytest.mark.parametrize("statement", list(POSTGRESQL_ONLY))
def test_postgresql_truncate_of_a_record_table_is_refused(
    loaded_engine: Engine, record_rows: dict[str, int], table: str, statement: str
) -> None:
    _assert_refused(loaded_engine, table, record_rows[table], POSTGRESQL_ONLY[statement])


def test_replacing_an_update_by_its_fingerprint_is_refused(
    backend: str, loaded_engine: Engine, record_rows: dict[str, int]
) -> None:
    """A new id with the same (assignment, fingerprint) would make SQLite's REPLACE delete the
    original; on PostgreSQL the same conflict as an upsert reaches the UPDATE trigger."""
    row_id = record_rows["evidence_update"]
    before = _snapshot(loaded_engine, "evidence_update", row_id)
    names = [n for n in _columns(loaded_engine, "evidence_update") if n != "id"]
    values = ["'rewritten'" if n == "narrative" else n for n in names]
    verb = "INSERT OR REPLACE" if backend == "sqlite" else "INSERT"
    tail = "" if backend == "sqlite" else " ON CONFLICT (assignment_id, fingerprint) DO UPDATE SET "
    tail += "" if backend == "sqlite" else "narrative = excluded.narrative"
    sql = (
        f"{verb} INTO evidence_update ({', '.join(names)}) SELECT {', '.join(values)} "
        f"FROM evidence_update WHERE id = :id{tail}"
    )
    with pytest.raises(exc.DBAPIError, match="append-only"), loaded_engine.begin() as conn:
        conn.execute(text(sql), {"id": row_id})
    assert _snapshot(loaded_engine, "evidence_update", row_id) == before


def test_new_rows_are_still_appended(loaded_engine: Engine, record_rows: dict[str, int]) -> None:
    second = record(loaded_engine, narrative="A later return.")
    assert second.update_id > record_rows["evidence_update"]


# --- The one change allowed: a redaction, exactly as the tracker makes it --------------------

REDACTED = "[redacted on 1 March 2025: reason on the audit trail]"
MARK = "redacted_at = :at, redacted_by = 'test.admin', redaction_reason = 'Personal data'"
NOT_A_REDACTION = {
    "narrative without the marker": "UPDATE evidence_update SET narrative = :blank WHERE id = :id",
    "marker with other text": (
        f"UPDATE evidence_update SET narrative = 'Nothing happened here', {MARK} WHERE id = :id"
    ),
    "marker and a status change": (
        f"UPDATE evidence_update SET narrative = :blank, status = 'implemented', {MARK} "
        "WHERE id = :id"
    ),
    "marker and a new fingerprint": (
        f"UPDATE evidence_update SET narrative = :blank, fingerprint = 'x', {MARK} WHERE id = :id"
    ),
    "marker without a reason": (
        "UPDATE evidence_update SET narrative = :blank, redacted_at = :at, "
        "redacted_by = 'test.admin' WHERE id = :id"
    ),
}


@pytest.mark.parametrize("statement", list(NOT_A_REDACTION.values()), ids=list(NOT_A_REDACTION))
def test_hand_written_change_that_is_not_a_redaction_is_refused(
    loaded_engine: Engine, record_rows: dict[str, int], statement: str
) -> None:
    row_id = record_rows["evidence_update"]
    before = _snapshot(loaded_engine, "evidence_update", row_id)
    params = {"id": row_id, "blank": REDACTED, "at": datetime(2025, 3, 1, tzinfo=UTC)}
    with pytest.raises(exc.DBAPIError, match="append-only"), loaded_engine.begin() as conn:
        conn.execute(text(statement), params)
    assert _snapshot(loaded_engine, "evidence_update", row_id) == before


def test_attachment_change_beyond_blanking_its_content_is_refused(
    loaded_engine: Engine, record_rows: dict[str, int]
) -> None:
    row_id = record_rows["attachment"]
    before = _snapshot(loaded_engine, "attachment", row_id)
    with pytest.raises(exc.DBAPIError, match="append-only"), loaded_engine.begin() as conn:
        conn.execute(
            text(f"UPDATE attachment SET content = :empty, sha256 = 'x', {MARK} WHERE id = :id"),
            {"id": row_id, "empty": b"", "at": datetime(2025, 3, 1, tzinfo=UTC)},
        )
    assert _snapshot(loaded_engine, "attachment", row_id) == before


def test_a_redaction_happens_once_and_then_the_row_is_fixed_again(
    loaded_engine: Engine, record_rows: dict[str, int]
) -> None:
    row_id = record_rows["evidence_update"]
    params = {"id": row_id, "blank": REDACTED, "at": datetime(2025, 3, 1, tzinfo=UTC)}
    with loaded_engine.begin() as conn:
        conn.execute(
            text(f"UPDATE evidence_update SET narrative = :blank, {MARK} WHERE id = :id"), params
        )
    after = _snapshot(loaded_engine, "evidence_update", row_id)
    with pytest.raises(exc.DBAPIError, match="append-only"), loaded_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE evidence_update SET narrative = :blank, redacted_at = :at, "
                "redacted_by = 'someone.else', redaction_reason = 'Again' WHERE id = :id"
            ),
            params,
        )
    assert _snapshot(loaded_engine, "evidence_update", row_id) == after


def test_migration_0003_downgrades_and_upgrades_again(engine: Engine) -> None:
    upgrade_schema(engine)
    command.downgrade(alembic_config(engine), "0002")
    assert "redacted_at" not in _columns(engine, "evidence_update")
    command.upgrade(alembic_config(engine), "head")
    assert "redacted_at" in _columns(engine, "attachment")
