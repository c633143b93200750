"""Reading and writing whole tables, generically, for backups and restores.

Every table in ``SQLModel.metadata`` is covered in dependency order, so a table added by a later
migration is backed up and restored with no further work. Rows are turned into one canonical
JSON line each (the same text whichever database they came from), so a table's SHA-256 says
whether two databases hold the same rows.
"""

import base64
import enum
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import tracker.models  # noqa: F401  (registers every table on SQLModel.metadata)

# Sign-in sessions are left out: they are short-lived tokens for browsers that are signed in
# now; after a restore everyone signs in again.
LEFT_OUT = frozenset({"sign_in_session"})
# Any constant: the PostgreSQL advisory lock that keeps two restores from racing.
_RESTORE_LOCK = 7_412_003


class UnsupportedColumnError(TypeError):
    """A column type the backup format does not know how to write."""


def backed_up_tables() -> list[sa.Table]:
    """Every table a backup holds, parents before children (the order a restore inserts)."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in LEFT_OUT]


def all_tables() -> list[sa.Table]:
    return list(SQLModel.metadata.sorted_tables)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _base_type(column: sa.Column[Any]) -> Any:
    """The type underneath any decorator (SQLModel's ``AutoString`` is a ``String``)."""
    kind: Any = column.type
    while isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    return kind


def encode(column: sa.Column[Any], value: Any) -> Any:
    """A stored value as plain JSON, the same whichever database it came from."""
    if value is None:
        return None
    kind = _base_type(column)
    if isinstance(kind, sa.LargeBinary):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(kind, sa.DateTime):
        if kind.timezone:
            # SQLite hands back the UTC wall clock without a zone; PostgreSQL a zoned moment.
            return _utc(value).isoformat()
        naive = value if value.tzinfo is None else _utc(value).replace(tzinfo=None)
        return naive.isoformat()
    if isinstance(kind, sa.Date):
        return value.isoformat()
    if isinstance(kind, sa.Time):
        return value.isoformat()
    if isinstance(kind, sa.JSON):
        return value
    if isinstance(kind, sa.Boolean):
        return bool(value)
    if isinstance(kind, sa.Integer):
        return int(value)
    if isinstance(kind, sa.Float):
        return float(value)
    if isinstance(kind, sa.Numeric):
        return str(value)
    if isinstance(kind, sa.Uuid):
        return str(value)
    if isinstance(kind, sa.Enum) and isinstance(value, enum.Enum):
        return value.name  # what SQLAlchemy stores for a Python enum, and accepts back
    if isinstance(kind, sa.String | sa.Enum):
        return str(value)
    raise UnsupportedColumnError(
        f"{column.table.name}.{column.name} has the type {kind!r}, which backups cannot hold"
    )


def decode(column: sa.Column[Any], value: Any) -> Any:
    """The value to insert for what ``encode`` wrote."""
    if value is None:
        return None
    kind = _base_type(column)
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode(value.encode("ascii"), validate=True)
    if isinstance(kind, sa.DateTime):
        moment = datetime.fromisoformat(value)
        if kind.timezone:
            return _utc(moment)
        return moment if moment.tzinfo is None else _utc(moment).replace(tzinfo=None)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sa.Time):
        return time.fromisoformat(value)
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return Decimal(value)
    if isinstance(kind, sa.Uuid):
        return UUID(value)
    return value


def canonical_line(values: Sequence[Any]) -> bytes:
    """One row as one line of JSON (column order, no spaces), ending in a newline."""
    text = json.dumps(list(values), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8") + b"\n"


def _ordered(connection: Connection, table: sa.Table) -> sa.Select[Any]:
    """All rows in primary-key order; text keys in byte order on both databases."""
    keys: list[Any] = []
    # A table without a primary key is ordered by every column that can be compared.
    plain = [c for c in table.columns if not isinstance(_base_type(c), sa.JSON | sa.LargeBinary)]
    for column in table.primary_key.columns or plain:
        if isinstance(column.type, sa.String) and connection.dialect.name == "postgresql":
            keys.append(column.collate("C"))
        else:
            keys.append(column)
    return sa.select(table).order_by(*keys)


def table_lines(*, connection: Connection, table: sa.Table, batch: int = 2_000) -> Iterator[bytes]:
    """Every row of ``table`` as canonical lines, read in batches (never the whole table)."""
    columns = list(table.columns)
    # Per statement: Connection.execution_options would change the connection for good.
    result = connection.execute(_ordered(connection, table), execution_options={"yield_per": batch})
    for row in result:
        yield canonical_line([encode(c, v) for c, v in zip(columns, row, strict=True)])


def column_names(table: sa.Table) -> list[str]:
    return [c.name for c in table.columns]


def row_counts(*, connection: Connection, tables: Iterable[sa.Table]) -> dict[str, int]:
    """Rows in each table that exists (a table not created yet is left out)."""
    inspector = sa.inspect(connection)
    counts: dict[str, int] = {}
    for table in tables:
        if inspector.has_table(table.name):
            counts[table.name] = int(
                connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
    return counts


def schema_revision(*, connection: Connection) -> str | None:
    """The Alembic revision the database is at (None before the first migration)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    found = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(found)) or None


def begin_snapshot(connection: Connection) -> None:
    """Make every later read on ``connection`` see one moment of the database.

    PostgreSQL: a read-only repeatable-read transaction. SQLite in WAL mode: a deferred
    transaction sees the database as it was at its first read, while writers carry on.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def lock_for_restore(connection: Connection) -> None:
    """Two restores into one PostgreSQL database queue; SQLite already holds its write lock."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _RESTORE_LOCK})


def insert_rows(
    *, connection: Connection, table: sa.Table, columns: Sequence[str], rows: list[list[Any]]
) -> None:
    """Insert decoded rows given as lists in ``columns`` order (ids included, as stored)."""
    if not rows:
        return
    by_name = {c.name: c for c in table.columns}
    picked = [by_name[name] for name in columns]
    connection.execute(
        table.insert(),
        [{c.name: decode(c, v) for c, v in zip(picked, values, strict=True)} for values in rows],
    )


def reset_sequences(*, connection: Connection, tables: Iterable[sa.Table]) -> None:
    """After rows were inserted with their ids, new rows must get ids after them (PostgreSQL;
    SQLite takes the next id from the largest stored one by itself)."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            ).scalar_one()
            if sequence is None:
                continue
            top = connection.execute(sa.select(sa.func.max(column))).scalar_one()
            connection.execute(
                sa.text("SELECT setval(:sequence, :value, :called)"),
                {"sequence": sequence, "value": top or 1, "called": top is not None},
            )
