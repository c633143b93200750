"""Engines and sessions from a database URL, and schema upgrades through Alembic.

SQLite (the embedded default) runs in WAL mode with foreign keys on; write sessions take the
write lock at the start (``BEGIN IMMEDIATE``) so two writers cannot interleave a read-check-write.
PostgreSQL writers take an advisory lock on the assignment they check, in the store.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

from tracker.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_IMMEDIATE = "tracker_begin_immediate"


class DatabaseUnavailableError(RuntimeError):
    """The database cannot be reached or opened; the message says which and why."""


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _create_private_file(path: Path) -> None:
    """Create the SQLite file readable only by its owner, in a folder only its owner can open
    (folders that already exist are left as they are). SQLite gives its -wal and -shm files the
    database file's permissions."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


@cache
def engine_for(url: str) -> Engine:
    """One engine per URL per process (engines hold the connection pool).

    A URL that cannot be read or names another kind of database raises ``ArgumentError``; a
    SQLite file that cannot be created raises ``DatabaseUnavailableError``. Neither message
    holds the password.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ArgumentError("the database URL cannot be read") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ArgumentError(f"{parsed.get_backend_name()!r} databases are not supported")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                _create_private_file(Path(parsed.database).expanduser())
            except OSError as exc:
                raise DatabaseUnavailableError(
                    f"cannot create the SQLite file {parsed.database}: {exc.strerror}"
                ) from None
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        _prepare_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    settings = get_settings()
    # Checked before use (pre-ping): a connection the server or a load balancer dropped is
    # replaced instead of failing the page. Recycled so none outlives a failover for long.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_recycle=settings.db_pool_recycle_seconds,
    )


def get_engine(url: str | None = None) -> Engine:
    return engine_for(url or get_settings().database_url)


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with Session(engine) as session:
        if is_sqlite(engine):
            session.connection(execution_options={_IMMEDIATE: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(engine: Engine) -> "Config":
    from alembic.config import Config  # only to migrate: alembic is slow to load

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine) -> None:
    """Create or upgrade the schema to the latest migration."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def describe_url(url: str) -> str:
    """The URL without its password, for messages (a URL that cannot be parsed is not shown
    at all: any part of it could be the password)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # sqlalchemy raises ArgumentError, and ValueError for a bad port
        return "(the database URL given, which cannot be read)"
