"""`tracker meetings …` and `tracker changes`: the oversight board's commands.

Registered from ``tracker.cli`` (import that module, not this one, first).
"""

import csv
import io
import json
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import typer

from tracker.catalogue import UnknownOrganisationError, UnknownRegionError
from tracker.cli import (
    AsOf,
    AsUser,
    Fmt,
    KnownOn,
    OutputFormat,
    _actor,
    _as_of,
    _engine,
    _fail,
    _known_on,
    _plain_database_errors,
)
from tracker.evidence import error_message, parse_date
from tracker.moments import describe_known_on
from tracker.movement import ChangeKind, uk_day
from tracker.services import changes, meetings, progress, rounds, setup
from tracker.services.access import AccessDeniedError
from tracker.text import safe_cell

meetings_app: typer.Typer = typer.Typer(
    help="Oversight boards' meetings: the default comparison for `tracker changes`.",
    no_args_is_help=True,
)


def _uk_day(moment: object) -> object:
    return uk_day(moment) if isinstance(moment, datetime) else moment


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _date_argument(value: str, name: str) -> date:
    try:
        parsed = parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None
    assert parsed is not None
    return parsed


def _csv(rows: list[dict[str, object]], keys: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(_plain(v, joined=True)) for k, v in row.items()})
    return out.getvalue()


def _plain(value: object, *, joined: bool = False) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if joined else [str(v) for v in value]
    return value


@meetings_app.command("add")
@_plain_database_errors
def meetings_add(
    held_on: Annotated[str, typer.Argument(metavar="DATE", help="The meeting's date, YYYY-MM-DD.")],
    board: Annotated[str, typer.Option("--board", help="Which board met, e.g. 'National board'.")],
    as_user: AsUser = None,
) -> None:
    """Record that a board met (monitors and administrators)."""
    day = _date_argument(held_on, "DATE")
    try:
        meeting = meetings.add_meeting(
            engine=_engine(), actor=_actor(as_user), held_on=day, board=board
        )
    except (AccessDeniedError, meetings.MeetingRefusedError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Recorded: {meeting.board} met on {_long(meeting.held_on)} (meeting {meeting.id}).")


MEETING_KEYS = ("id", "board", "held_on", "recorded_by", "recorded_at")


@meetings_app.command("list")
@_plain_database_errors
def meetings_list(
    board: Annotated[str | None, typer.Option("--board", help="Only this board.")] = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Recorded meetings, most recent first."""
    found = meetings.list_meetings(engine=_engine(), board=board)
    rows: list[dict[str, object]] = [
        {
            "id": m.id,
            "board": m.board,
            "held_on": m.held_on,
            "recorded_by": m.recorded_by_name,
            "recorded_at": m.recorded_at,
        }
        for m in found
    ]
    if fmt == OutputFormat.json:
        typer.echo(json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows], indent=2))
    elif fmt == OutputFormat.csv:
        typer.echo(_csv(rows, MEETING_KEYS), nl=False)
    elif not rows:
        typer.echo(
            "No meetings recorded yet. Record one with `tracker meetings add DATE --board NAME`."
        )
    else:
        for m in found:
            typer.echo(f"{_long(m.held_on):>18}  {m.board}  (recorded by {m.recorded_by_name})")


class Part(StrEnum):
    changes = "changes"
    updates = "updates"
    silent = "silent"
    rounds = "rounds"


def _table(rows: list[dict[str, object]], empty: str) -> str:
    if not rows:
        return empty
    import pandas as pd  # only for a table: `tracker status` and the rest start without it

    frame = pd.DataFrame([{k: _plain(v, joined=True) for k, v in r.items()} for r in rows])
    with pd.option_context("display.max_rows", None, "display.width", 250):
        return frame.fillna("").to_string(index=False)


def changes_command(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Compare with this date (YYYY-MM-DD); default: the last meeting recorded "
            "before the as-of date.",
        ),
    ] = None,
    as_of: AsOf = None,
    known_on: KnownOn = None,
    org: Annotated[
        list[str] | None, typer.Option("--org", help="Organisation name or alias.")
    ] = None,
    region: Annotated[list[str] | None, typer.Option("--region")] = None,
    board: Annotated[
        str | None, typer.Option("--board", help="Use this board's last meeting as the default.")
    ] = None,
    part: Annotated[
        Part,
        typer.Option("--part", help="With --format csv: changes, updates, silent or rounds."),
    ] = Part.changes,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """What changed between two dates: movements with their kinds, the updates recorded in
    between, and the organisations that sent nothing."""
    if org and region:
        raise typer.BadParameter("give --org or --region, not both", param_hint="--org")
    to_date = _as_of(as_of)
    moment = _known_on(known_on)
    engine = _engine()
    if since is None:
        last = meetings.last_meeting(engine=engine, before=to_date, board=board)
        if last is None:
            raise _fail(
                f"No meeting is recorded before {_long(to_date)}: give --since YYYY-MM-DD, or "
                "record the last meeting with `tracker meetings add DATE --board NAME`."
            )
        from_date = last.held_on
        basis = f"since {last.board}'s meeting on {_long(from_date)}"
    else:
        from_date = _date_argument(since, "--since")
        basis = f"since {_long(from_date)}"
    try:
        filters = progress.resolve_filters(
            setup.directory(), organisations=org or [], regions=region or []
        )
        found = changes.changes_between(
            engine=engine, since=from_date, as_of=to_date, known_on=moment, filters=filters
        )
        in_period = rounds.rounds_in_period(
            engine=engine, since=from_date, as_of=to_date, filters=filters
        )
    except changes.ChangesError as exc:
        raise _fail(str(exc)) from None
    except (UnknownOrganisationError, UnknownRegionError, LookupError) as exc:
        raise _fail(error_message(exc)) from None
    moved = [changes.record(m) for m in found.movements]
    sent = [changes.record(u) for u in found.updates]
    silent = [changes.record(s) for s in found.silent]
    ran = [rounds.period_row(r) for r in in_period]
    if fmt == OutputFormat.json:
        document = {
            "since": from_date.isoformat(),
            "as_of": to_date.isoformat(),
            "known_on": moment.isoformat() if moment else None,
            "changes": [{k: _plain(v) for k, v in r.items()} for r in moved],
            "updates": [{k: _plain(v) for k, v in r.items()} for r in sent],
            "silent": [{k: _plain(v) for k, v in r.items()} for r in silent],
            "rounds": ran,
        }
        typer.echo(json.dumps(document, indent=2))
        return
    if fmt == OutputFormat.csv:
        chosen = {
            Part.changes: (moved, changes.MOVEMENT_KEYS),
            Part.updates: (sent, changes.UPDATE_KEYS),
            Part.silent: (silent, changes.SILENT_KEYS),
            Part.rounds: (ran, rounds.ROUND_KEYS),
        }[part]
        typer.echo(_csv(*chosen), nl=False)
        return
    known = f", as known on {describe_known_on(moment)}" if moment else ""
    typer.echo(f"Changes {basis} to {_long(to_date)}{known}.")
    summary = ", ".join(f"{ChangeKind(k).label.lower()} {n}" for k, n in found.counts.items() if n)
    count = f"{len(moved)} assignment{'' if len(moved) == 1 else 's'} moved"
    typer.echo(count + (f" ({summary})." if summary else "."))
    if in_period:
        typer.echo("\nReturn rounds in this period:")
        for item in in_period:
            typer.echo(f"  {item.describe()}")
    typer.echo("")
    typer.echo(
        _table([{k: r[k] for k in changes.MOVEMENT_KEYS[:8]} for r in moved], "Nothing moved.")
    )
    typer.echo(f"\nUpdates recorded in between ({len(sent)}):")
    shown = [
        {
            **{k: r[k] for k in ("update_id", "recommendation", "organisation", "status")},
            "evidence_date": r["evidence_date"],
            "recorded_on": _uk_day(r["recorded_at"]),
            "back_dated": "back-dated" if r["back_dated"] else "",
        }
        for r in sent
    ]
    typer.echo(_table(shown, "None."))
    typer.echo(
        f"\nOrganisations with open assignments that sent nothing in between ({len(silent)}):"
    )
    typer.echo(_table(silent, "None."))
