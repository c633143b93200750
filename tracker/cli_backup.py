"""`tracker backup` and `tracker restore`: a thin face over ``services.backup``."""

from pathlib import Path
from typing import Annotated

import typer

from tracker.services.access import AccessDeniedError, local_operator

AsUser = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this tracker user (an administrator). Without it you act as the local "
        "operator, named on the audit trail by your OS account.",
    ),
]


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def backup_command(
    out: Annotated[Path, typer.Option("--out", help="The backup file to write (a .zip).")],
    as_user: AsUser = None,
) -> None:
    """Copy everything out to one file while the dashboard keeps running (administrators)."""
    from tracker.cli import _actor, _engine  # the CLI's own look-up of --as
    from tracker.services import backup  # loaded only when used: other commands start faster

    actor = _actor(as_user)
    try:
        done = backup.take_backup(
            engine=_engine(),
            actor=actor,
            out=out,
            on_table=lambda name, rows: typer.echo(f"  {name}: {rows} rows"),
        )
    except (AccessDeniedError, backup.BackupError) as exc:
        raise _fail(str(exc)) from None
    left_out = ", ".join(done.manifest.left_out)
    typer.echo(
        f"Backup written to {done.path} (schema revision {done.manifest.schema_revision}, "
        f"SHA-256 {done.file_sha256}). Left out: {left_out} (everyone signs in again after a "
        "restore). The file holds password hashes and the whole record: keep it safe."
    )


def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup written by `tracker backup`.")],
    as_user: AsUser = None,
) -> None:
    """Restore a backup into an empty database (SQLite or PostgreSQL): all of it or nothing."""
    from tracker.cli import _engine
    from tracker.services import backup

    try:
        actor = (
            local_operator()
            if as_user is None
            else backup.actor_in_backup(source=file, username=as_user)
        )
        done = backup.restore_backup(engine=_engine(), source=file, actor=actor)
    except (AccessDeniedError, backup.BackupError) as exc:
        raise _fail(str(exc)) from None
    for table in done.manifest.tables:
        typer.echo(f"  {table.name}: {table.rows} rows")
    typer.echo(
        f"Restored {file} (taken {done.manifest.taken_at} from {done.manifest.source_database}); "
        f"every table matches its SHA-256. The restore is audit event {done.event_id}."
    )
