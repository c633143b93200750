"""Engines and sessions from a database URL, and schema upgrades through Alembic.

SQLite (the embedded default) runs in WAL mode with foreign keys on; write sessions take the
write lock at the start (``BEGIN IMMEDIATE``) so two writers cannot interleave a read-check-write.
PostgreSQL writers take an advisory lock on the assignment they check, in the store.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

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


@cache
def engine_for(url: str) -> Engine:
    """One engine per URL per process (engines hold the connection pool)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        _prepare_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    return create_engine(url, pool_pre_ping=True)


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


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine) -> None:
    """Create or upgrade the schema to the latest migration."""
    command.upgrade(alembic_config(engine), "head")


def describe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)
