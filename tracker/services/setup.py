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
from tracker.roles import Action, Actor
from tracker.services import audit as audit_trail
from tracker.services.access import authorise


def catalogue_path() -> Path:
    import os

    return Path(os.environ.get("TRACKER_CATALOGUE", str(DEFAULT_CATALOGUE_FILE)))


def initialise(
    *, engine: Engine, catalogue_file: Path | None = None, actor: Actor | None = None
) -> tuple[Catalogue, store.SyncSummary]:
    """Upgrade the schema and (re)load the catalogue: safe to run again at any time.

    The files are read and checked before the database is touched, so a malformed file
    changes nothing. With an ``actor`` (`tracker init`) the reload is a user's action: checked
    against their role and kept on the audit trail with its summary.
    """
    directory = load_directory()
    path = catalogue_file or catalogue_path()
    catalogue = load_catalogue(path, directory)
    upgrade_schema(engine)
    if actor is not None:
        authorise(
            engine=engine, actor=actor, action=Action.RELOAD_CATALOGUE, object_type="catalogue"
        )
    with write_session(engine) as session:
        summary = store.sync_reference_data(
            session=session, catalogue=catalogue, directory=directory
        )
        if actor is not None:
            audit_trail.record(
                session,
                actor,
                "catalogue_reloaded",
                object_type="catalogue",
                object_id=catalogue.report.id,
                after={
                    "file": path.name,
                    "recommendations": summary.recommendations,
                    "organisations": summary.organisations,
                    "assignments_active": summary.assignments_active,
                    "assignments_added": summary.assignments_added,
                    "assignments_withdrawn": summary.assignments_withdrawn,
                },
                message=f"Catalogue loaded from {path.name}",
            )
    return catalogue, summary


def check_files(catalogue_file: Path | None = None) -> Catalogue:
    """Read and check the organisations and recommendations files; the database is untouched."""
    return load_catalogue(catalogue_file or catalogue_path(), load_directory())


def directory() -> Directory:
    return load_directory()
