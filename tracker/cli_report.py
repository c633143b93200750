"""`tracker report`: the board pack as a PDF or an XLSX workbook, in one command.

Registered from ``tracker.cli`` (import that module, not this one, first).
"""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from tracker.catalogue import UnknownOrganisationError, UnknownRegionError
from tracker.cli import (
    AsOf,
    AsUser,
    KnownOn,
    _actor,
    _as_of,
    _engine,
    _fail,
    _known_on,
    _plain_database_errors,
)
from tracker.evidence import error_message, parse_date
from tracker.services import board, progress, report, setup
from tracker.services.access import AccessDeniedError
from tracker.services.board import BoardView

FORMATS = {".pdf": "pdf", ".xlsx": "xlsx"}


def _since(value: str | None, as_of: date) -> date:
    if value is None:
        return board.comparison_date(engine=_engine(), as_of=as_of)[0]
    try:
        parsed = parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    assert parsed is not None
    return parsed


def _generated_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date and time such as 2026-11-23T19:00",
            param_hint="--generated-at",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@_plain_database_errors
def report_command(
    out: Annotated[Path, typer.Option("--out", help="The file to write: pack.pdf or pack.xlsx.")],
    as_of: AsOf = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Compare with this date (YYYY-MM-DD); default the last meeting before the "
            "as-of date, else a month before it.",
        ),
    ] = None,
    known_on: KnownOn = None,
    org: Annotated[
        list[str] | None, typer.Option("--org", help="Only this organisation (repeat for more).")
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option("--region", help="Only this region (repeat for more).")
    ] = None,
    as_user: AsUser = None,
    generated_at: Annotated[
        str | None,
        typer.Option(
            "--generated-at",
            hidden=True,
            help="The moment printed as 'generated' (for reproducible files); default now.",
        ),
    ] = None,
) -> None:
    """The board pack for a meeting: summary, ratings, matrix, changes, overdue, slipped dates."""
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise _fail(f"{out}: the board pack is written as .pdf or .xlsx; name the file so.")
    day = _as_of(as_of)
    view = BoardView(
        as_of=day,
        since=_since(since, day),
        known_on=_known_on(known_on),
        filters=_filters(org or [], region or []),
    )
    actor = _actor(as_user)
    try:
        pack = report.board_pack(
            engine=_engine(), actor=actor, view=view, generated_at=_generated_at(generated_at)
        )
    except (AccessDeniedError, LookupError) as exc:
        raise _fail(error_message(exc)) from None
    # Loaded only here: the PDF and workbook libraries are slow to import for every command.
    from tracker.reports import pdf, workbook

    data = pdf.pdf_bytes(pack) if fmt == "pdf" else workbook.xlsx_bytes(pack)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    report.record_generated(engine=_engine(), actor=actor, pack=pack, fmt=fmt)
    s = pack.summary
    typer.echo(
        f"Wrote {out}: {pack.scope}, as of {view.as_of.isoformat()}, since "
        f"{view.since.isoformat()}. {s.recommendations_implemented} of {s.recommendations} "
        f"recommendations fully implemented; {s.overdue} of {s.due} assignments overdue "
        f"({s.overdue_change:+d} since {view.since.isoformat()})."
    )


def _filters(orgs: list[str], regions: list[str]) -> progress.Filters:
    try:
        return progress.resolve_filters(setup.directory(), organisations=orgs, regions=regions)
    except (UnknownOrganisationError, UnknownRegionError, LookupError) as exc:
        raise _fail(error_message(exc)) from None
