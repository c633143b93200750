"""Alembic environment: the engine is handed in by ``tracker.db.upgrade_schema``."""

from alembic import context
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import tracker.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from tracker.db import get_engine

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine: Engine = context.config.attributes.get("engine") or get_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
