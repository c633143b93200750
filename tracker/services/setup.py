"""Create or upgrade the database and load the catalogue and organisations into it."""

from pathlib import Path

from sqlalchemy.engine import Engine

from tracker import store
from tracker.catalogue import (
    DEFAULT_CATALOGUE_FILE,
    Catalogue,
    Directory,
    load_catalogue,
    load_directory,
)
from tracker.db import upgrade_schema, write_session


def catalogue_path() -> Path:
    import os

    return Path(os.environ.get("TRACKER_CATALOGUE", str(DEFAULT_CATALOGUE_FILE)))


def initialise(
    *, engine: Engine, catalogue_file: Path | None = None
) -> tuple[Catalogue, store.SyncSummary]:
    """Upgrade the schema and (re)load the catalogue: safe to run again at any time.

    The files are read and checked before the database is touched, so a malformed file
    changes nothing.
    """
    directory = load_directory()
    catalogue = load_catalogue(catalogue_file or catalogue_path(), directory)
    upgrade_schema(engine)
    with write_session(engine) as session:
        summary = store.sync_reference_data(
            session=session, catalogue=catalogue, directory=directory
        )
    return catalogue, summary


def directory() -> Directory:
    return load_directory()
