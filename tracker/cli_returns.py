"""`tracker rounds …` and `tracker responses …`: return rounds and the s.55 response clock."""

import json
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
from sqlalchemy.engine import Engine

from tracker.catalogue import UnknownOrganisationError
from tracker.db import get_engine
from tracker.evidence import error_message, parse_date
from tracker.services import responses, rounds, setup, users
from tracker.services.access import AccessDeniedError, Actor, local_operator

if TYPE_CHECKING:
    import pandas as pd

# This module is imported by tracker.cli (which registers these commands), so it takes nothing
# from tracker.cli at import time: `python -m tracker.cli` would import it half-made.

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


AsUser = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this tracker user (their role and organisations apply). Without it you act "
        "as the local operator, an administrator, named on the audit trail by your OS account.",
    ),
]


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def _engine() -> Engine:
    return get_engine()


def _actor(as_user: str | None) -> Actor:
    if as_user is None:
        return local_operator()
    found = users.find_user(engine=_engine(), username=as_user)
    if found is None or not found.active:
        raise _fail(f"There is no active tracker user {as_user!r} (see `tracker users list`).")
    return users.actor_for(found)


def _as_of(value: str | None) -> date:
    return date.today() if value is None else _date(value, "--as-of")


def _plain_database_errors(command: Callable[P, R]) -> Callable[P, R]:
    """The main CLI's plain messages for database problems (looked up when the command runs)."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from tracker import cli

        return cli._plain_database_errors(command)(*args, **kwargs)

    return run


rounds_app = typer.Typer(
    help="Return rounds: ask the accountable organisations for a return by a date, and see who "
    "has returned and who is late.",
    no_args_is_help=True,
)
responses_app = typer.Typer(
    help="The statutory response clock: each local policing body publishes its comments on the "
    "report within 56 days (s.55 Police Act 1996).",
    no_args_is_help=True,
)

FormatOption = Annotated[OutputFormat, typer.Option("--format")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; today if not given.")]


def _date(value: str, hint: str) -> date:
    try:
        result = parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from None
    assert result is not None
    return result


def _long(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def _print(frame: "pd.DataFrame", fmt: OutputFormat, empty: str) -> None:
    from tracker.services import export  # loads pandas: only when something is printed

    if fmt == OutputFormat.json:
        typer.echo(json.dumps(export.json_records(frame), indent=2))
    elif fmt == OutputFormat.csv:
        typer.echo(export.csv_bytes(frame).decode("utf-8"), nl=False)
    elif frame.empty:
        typer.echo(empty)
    else:
        import pandas as pd  # only when printing a table: it is slow to load

        with pd.option_context("display.max_rows", None, "display.width", 200):
            typer.echo(frame.fillna("").to_string(index=False))


# --- rounds -----------------------------------------------------------------------------------


@rounds_app.command("open")
@_plain_database_errors
def rounds_open(
    name: Annotated[str, typer.Argument(help='The round\'s name, e.g. "Spring 2024 return".')],
    due: Annotated[str, typer.Option("--due", help="Returns due by (YYYY-MM-DD).")],
    rec: Annotated[
        list[str] | None,
        typer.Option("--rec", help="A recommendation in scope (repeat); all if not given."),
    ] = None,
    org: Annotated[
        list[str] | None,
        typer.Option(
            "--org",
            help="An organisation asked (repeat); every organisation with an open assignment "
            "in scope if not given.",
        ),
    ] = None,
    as_user: AsUser = None,
) -> None:
    """Open a return round (monitors and administrators)."""
    due_date = _date(due, "--due")
    actor = _actor(as_user)
    try:
        directory = setup.directory()
        organisation_ids = [directory.resolve(o).id for o in org or []]
        opened = rounds.open_round(
            engine=_engine(),
            actor=actor,
            name=name,
            due_date=due_date,
            recommendations=rec or [],
            organisation_ids=organisation_ids,
        )
    except (AccessDeniedError, rounds.RoundError, UnknownOrganisationError) as exc:
        raise _fail(error_message(exc)) from None
    typer.echo(
        f"Round {opened.name!r} opened: {len(opened.organisation_ids)} organisations asked for "
        f"{opened.assignments} returns on {', '.join(opened.recommendations)}, due "
        f"{_long(opened.due_date)}."
    )


@rounds_app.command("close")
@_plain_database_errors
def rounds_close(
    name: Annotated[str, typer.Argument(help="The round's name.")],
    as_user: AsUser = None,
) -> None:
    """Close a round: returns recorded after this no longer count for it."""
    try:
        closed = rounds.close_round(engine=_engine(), actor=_actor(as_user), name=name)
    except (AccessDeniedError, rounds.RoundError) as exc:
        raise _fail(error_message(exc)) from None
    typer.echo(f"Round {closed.name!r} closed on {_long(closed.closed_on)}.")


@rounds_app.command("list")
@_plain_database_errors
def rounds_list(fmt: FormatOption = OutputFormat.table, as_of: AsOfOption = None) -> None:
    """Every round, newest first, with how many organisations have returned."""
    day = _as_of(as_of)
    records = []
    for info in rounds.list_rounds(engine=_engine()):
        summary = (
            rounds.round_returns(engine=_engine(), round_id=info.id, as_of=day).national
            if day >= info.opened_on
            else None
        )
        records.append(
            {
                "name": info.name,
                "due": info.due_date,
                "recommendations": " ".join(info.recommendations),
                "organisations": len(info.organisation_ids),
                "returned": summary.returned if summary else 0,
                "late": summary.late if summary else 0,
                "opened": info.opened_on,
                "opened_by": info.opened_by,
                "closed": info.closed_on,
                "closed_by": info.closed_by,
            }
        )
    columns = [
        "name",
        "due",
        "recommendations",
        "organisations",
        "returned",
        "late",
        "opened",
        "opened_by",
        "closed",
        "closed_by",
    ]
    import pandas as pd  # only when printing a table: it is slow to load

    _print(pd.DataFrame(records, columns=columns), fmt, "No return rounds yet.")


@rounds_app.command("show")
@_plain_database_errors
def rounds_show(
    name: Annotated[str, typer.Argument(help="The round's name.")],
    as_of: AsOfOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Who has returned for a round, who is late and by how long, by organisation."""
    day = _as_of(as_of)
    try:
        info = rounds.find_round(engine=_engine(), name=name)
        result = rounds.round_returns(engine=_engine(), round_id=info.id, as_of=day)
    except rounds.RoundError as exc:
        raise _fail(str(exc)) from None
    import pandas as pd  # only when printing a table: it is slow to load

    frame = pd.DataFrame(
        [rounds.return_row(r) for r in result.organisations], columns=list(rounds.RETURN_KEYS)
    )
    if fmt != OutputFormat.table:
        _print(frame, fmt, "")
        return
    national = result.national
    typer.echo(
        f"{info.name}: due {_long(info.due_date)}; as of {_long(day)}, {national.returned} of "
        f"{national.asked} organisations returned ({national.returned_late} late), "
        f"{national.late} late, {national.not_yet_due} not yet due."
        + (f" Closed {_long(info.closed_on)}." if info.closed_on and info.closed_on <= day else "")
    )
    shown = frame.assign(
        state=[r.state.label for r in result.organisations],
        days_late=frame["days_late"].where(frame["days_late"] > 0, ""),
    )
    _print(shown, fmt, "")


# --- responses --------------------------------------------------------------------------------


@responses_app.command("list")
@_plain_database_errors
def responses_list(as_of: AsOfOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Every force area's statutory response: on time, late, missing or not yet due."""
    day = _as_of(as_of)
    try:
        rows = responses.responses_as_of(engine=_engine(), as_of=day)
    except LookupError as exc:
        raise _fail(str(exc)) from None
    import pandas as pd  # only when printing a table: it is slow to load

    frame = pd.DataFrame(
        [responses.response_row(r) for r in rows], columns=list(responses.RESPONSE_KEYS)
    )
    if fmt != OutputFormat.table:
        _print(frame, fmt, "")
        return
    summary = responses.summarise(rows, as_of=day)
    typer.echo(
        f"Due {_long(summary.due)}; as of {_long(day)}: {summary.on_time} on time, "
        f"{summary.late} late, {summary.missing} missing, {summary.not_yet_due} not yet due "
        f"({summary.force_areas} force areas)."
    )
    _print(
        frame.assign(
            state=[r.state.label for r in rows],
            days_late=frame["days_late"].where(frame["days_late"] > 0, ""),
        ).drop(columns=["due"]),
        fmt,
        "",
    )


@responses_app.command("add")
@_plain_database_errors
def responses_add(
    area: Annotated[
        str, typer.Argument(help='The force area ("Kent") or the local policing body\'s name.')
    ],
    published: Annotated[str, typer.Option("--published", help="YYYY-MM-DD")],
    url: Annotated[str, typer.Option("--url", help="Where the response is published.")],
    as_user: AsUser = None,
) -> None:
    """Record a local policing body's published response (a correction is another `add`)."""
    day = _date(published, "--published")
    actor = _actor(as_user)
    try:
        body = responses.find_body(engine=_engine(), name=area)
        responses.add_response(
            engine=_engine(), actor=actor, organisation_id=body.id, published=day, url=url
        )
        rows = responses.responses_as_of(engine=_engine(), as_of=max(day, date.today()))
    except (AccessDeniedError, responses.ResponseError, LookupError) as exc:
        raise _fail(error_message(exc)) from None
    now = next(r for r in rows if r.body_id == body.id)
    typer.echo(
        f"Response of {body.name} recorded: published {_long(day)}, "
        f"{now.state.label.lower()}"
        + (f" by {now.days_late} days" if now.days_late else "")
        + f" (due {_long(now.due)})."
    )
