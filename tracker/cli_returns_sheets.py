"""`tracker template` and spreadsheet returns through `tracker import`: a thin face over
``services/return_sheets``."""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from tracker.catalogue import UnknownOrganisationError
from tracker.evidence import error_message
from tracker.services import setup
from tracker.services.access import AccessDeniedError
from tracker.services.updates import MAX_IMPORT_BYTES


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def template_command(
    org: Annotated[str, typer.Option("--org", help="The organisation, e.g. Kent or GMP.")],
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    round_name: Annotated[
        str | None, typer.Option("--round", help="The return round the file answers.")
    ] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="Act as this tracker user.")] = None,
) -> None:
    """Write an organisation's return template: one row per open assignment, pre-filled."""
    # Loaded here, not at the top: openpyxl is slow to import and other commands do not
    # need it.
    from tracker import cli
    from tracker.services import return_sheets

    if out.suffix.lower() != ".xlsx":
        raise _fail(f"{out}: the template is an Excel workbook; name it FILE.xlsx")
    try:
        organisation = setup.directory().resolve(org)
    except UnknownOrganisationError as exc:
        raise _fail(str(exc)) from None
    try:
        scope = (
            return_sheets.round_scope(
                engine=cli._engine(), name=round_name, organisation_id=organisation.id
            )
            if round_name
            else None
        )
        _name, content = return_sheets.template(
            engine=cli._engine(),
            actor=cli._actor(as_user),
            organisation_id=organisation.id,
            round_scope=scope,
        )
    except (AccessDeniedError, LookupError, ValueError) as exc:
        raise _fail(error_message(exc)) from None
    out.write_bytes(content)
    typer.echo(f"Wrote {out}: the return template for {organisation.name}.")


def is_return_file(path: Path) -> bool:
    """A workbook made by `tracker template` (read only if it is of a size an import allows)."""
    # Loaded here, not at the top: openpyxl is slow to import and other commands do not
    # need it.
    from tracker import return_sheet

    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return False
    if path.stat().st_size > MAX_IMPORT_BYTES:
        return False
    return return_sheet.is_return(path.read_bytes())


def import_return(path: Path, as_user: str | None, *, yes: bool, today: date | None = None) -> None:
    """Preview a filled-in return, ask, then store all of it or none."""
    # Loaded here, not at the top: openpyxl is slow to import and other commands do not
    # need it.
    from tracker import cli, return_sheet
    from tracker.services import return_sheets

    if path.stat().st_size > return_sheet.MAX_RETURN_BYTES:
        raise _fail(
            f"{path}: {path.stat().st_size / 2**20:.1f} MB is more than a return can be "
            f"({return_sheet.MAX_RETURN_BYTES // 2**20} MB); nothing was read or stored."
        )
    content = path.read_bytes()
    engine, actor = cli._engine(), cli._actor(as_user)
    try:
        preview = return_sheets.preview(
            engine=engine, actor=actor, content=content, file_name=path.name, today=today
        )
    except (AccessDeniedError, return_sheets.ReturnRejectedError) as exc:
        raise _fail(str(exc)) from None
    except LookupError as exc:
        raise _fail(error_message(exc)) from None
    round_words = f", round {preview.round_name}" if preview.round_name else ""
    typer.echo(f"{path}: the return for {preview.organisation}{round_words}.")
    if preview.problems:
        lines = [f"Nothing was stored; {len(preview.problems)} problem(s) to fix in the file:"]
        lines += [f"  {p}" for p in preview.problems]
        raise _fail("\n".join(lines))
    for row in preview.rows:
        typer.echo("  " + return_sheets.describe_row(row))
    typer.echo(preview.summary())
    if not preview.to_store:
        return
    count = len(preview.to_store)
    if not yes and not typer.confirm(f"Store these {count} update(s)?", default=False):
        typer.echo("Nothing was stored.")
        raise typer.Exit(code=1)
    try:
        result = return_sheets.confirm(
            engine=engine,
            actor=actor,
            content=content,
            file_name=path.name,
            plan_digest=preview.plan_digest,
            today=today,
        )
    except (
        AccessDeniedError,
        return_sheets.ReturnRejectedError,
        return_sheets.ReturnChangedError,
    ) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Stored {result.stored} update(s) for {result.organisation}.")


def register(app: typer.Typer) -> None:
    from tracker import cli

    app.command("template")(cli._plain_database_errors(template_command))
