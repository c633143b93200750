"""`tracker …`: a thin command-line face over the services."""

import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError

from tracker import cli_reminders, cli_returns_sheets, db_roles, moments
from tracker.catalogue import (
    UNVERIFIED_MARKER,
    CatalogueError,
    UnknownOrganisationError,
    UnknownRegionError,
)
from tracker.db import DatabaseUnavailableError, describe_url, get_engine
from tracker.evidence import error_message, parse_date

# pandas, openpyxl and the export module load only in the commands that use them, so a
# command such as `tracker status --format json` starts quickly.
from tracker.services import (
    audit_log,
    demo,
    progress,
    redaction,
    reviews,
    setup,
    updates,
    users,
)
from tracker.services.access import AccessDeniedError, Actor, local_operator
from tracker.settings import get_settings

app = typer.Typer(
    help="Track the 17 recommendations of the HMICFRS online child sexual abuse and exploitation "
    "inspection (2023), by force, region and nationally.",
    no_args_is_help=True,
    add_completion=False,
)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: TRACKER_DATABASE_URL, else a SQLite file)."),
]


@app.callback()
def main(ctx: typer.Context, db: DbOption = None) -> None:
    if db:
        # One place decides the URL: the settings object reads this for every later call.
        os.environ["TRACKER_DATABASE_URL"] = db


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


P = ParamSpec("P")
R = TypeVar("R")


def _plain_database_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Say which database could not be used and why, instead of a traceback."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        url = describe_url(get_settings().database_url)
        try:
            return command(*args, **kwargs)
        except ArgumentError:
            # The driver's own message can repeat the URL, password and all: not shown.
            raise _fail(
                f"{url} is not a database URL this tracker can use; write it as "
                "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/NAME"
            ) from None
        except DatabaseUnavailableError as exc:
            raise _fail(f"Cannot use the database {url}: {exc}") from None
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise _fail(f"Cannot use the database {url}: {reason}") from None

    return run


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        result = parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--as-of") from None
    assert result is not None
    return result


def _known_on(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return moments.parse_known_on(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--known-on") from None


def _print_rows(rows: list[progress.StatusRow], fmt: OutputFormat) -> None:
    if fmt == OutputFormat.json:
        typer.echo(json.dumps(progress.status_records(rows), indent=2))
        return
    import pandas as pd

    from tracker.services import export

    frame = export.status_frame(rows)
    if fmt == OutputFormat.csv:
        typer.echo(export.csv_bytes(frame).decode("utf-8"), nl=False)
    else:
        if frame.empty:
            typer.echo("No assignments match.")
            return
        shown = frame.assign(
            recommendation=frame["recommendation"] + frame["verified"].map({True: "", False: " ⚠"}),
            overdue=frame["overdue"].map({True: "yes", False: ""}),
            stale=frame["stale"].map({True: "stale", False: ""}),
            days_overdue=frame["days_overdue"].where(frame["days_overdue"] > 0, ""),
        ).drop(columns=["never_reported", "verified", "return_reason"])
        with pd.option_context("display.max_rows", None, "display.width", 200):
            typer.echo(shown.fillna("").to_string(index=False))
        if not frame["verified"].all():
            typer.echo(f"\n⚠ {UNVERIFIED_MARKER}.")


def _engine() -> Engine:
    return get_engine()


AsUser = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this tracker user (their role and organisations apply). Without it you act "
        "as the local operator, an administrator, named on the audit trail by your OS account.",
    ),
]


def _actor(as_user: str | None) -> Actor:
    """The tracker user a command acts as; the local operator when none is named."""
    if as_user is None:
        return local_operator()
    found = users.find_user(engine=_engine(), username=as_user)
    if found is None or not found.active:
        raise _fail(f"There is no active tracker user {as_user!r} (see `tracker users list`).")
    return users.actor_for(found)


def _load_rows(
    *,
    as_of: date,
    orgs: list[str],
    regions: list[str],
    recommendations: list[str],
    known_on: datetime | None = None,
) -> list[progress.StatusRow]:
    try:
        filters = progress.resolve_filters(
            setup.directory(),
            organisations=orgs,
            regions=regions,
            recommendations=recommendations,
            recommendation_codes=[r.code for r in progress.recommendations(engine=_engine())],
        )
        return progress.status_rows(
            engine=_engine(), as_of=as_of, filters=filters, known_on=known_on
        )
    except (UnknownOrganisationError, UnknownRegionError, LookupError) as exc:
        raise _fail(error_message(exc)) from None


@app.command()
@_plain_database_errors
def init(as_user: AsUser = None) -> None:
    """Create or upgrade the database and load the catalogue and organisations (safe to repeat)."""
    try:
        catalogue, summary = setup.initialise(engine=_engine(), actor=_actor(as_user))
    except CatalogueError as exc:
        raise _fail(str(exc)) from None
    except AccessDeniedError as exc:
        raise _fail(str(exc)) from None
    unverified = sum(1 for r in catalogue.recommendations if not r.verified)
    typer.echo(
        f"Database ready at {describe_url(get_settings().database_url)}\n"
        f"Loaded {summary.recommendations} recommendations, {summary.organisations} organisations, "
        f"{summary.assignments_active} assignments "
        f"({summary.assignments_added} new, {summary.assignments_withdrawn} withdrawn)."
    )
    if unverified:
        typer.echo(
            f"{unverified} recommendation(s) are marked verified: false: wording to be confirmed "
            "against the published report."
        )


@app.command("demo")
@_plain_database_errors
def demo_command(as_user: AsUser = None) -> None:
    """Fill demonstration updates for every assignment, 2023 to 2026 (safe to repeat; refused
    on a database that holds real data)."""
    actor = _actor(as_user)
    try:
        demo.check_may_load(engine=_engine(), actor=actor)  # before the catalogue is loaded
        setup.initialise(engine=_engine(), actor=actor)
        stored, existing = demo.fill_demo(engine=_engine(), actor=actor)
    except (CatalogueError, LookupError, AccessDeniedError, demo.RealDataError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Demonstration data: {stored} updates added, {existing} already there.")


AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Answer as of this date (YYYY-MM-DD); default today.")
]
KnownOn = Annotated[
    str | None,
    typer.Option(
        "--known-on",
        help="Answer as the record stood at this moment (UK time): YYYY-MM-DD means the end of "
        "that day, YYYY-MM-DDTHH:MM a time. Updates recorded and reviews made later are left "
        "out. Default: everything recorded so far.",
    ),
]
Fmt = Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")]
Org = Annotated[
    list[str] | None, typer.Option("--org", help="Organisation name or alias, e.g. Kent, GMP.")
]


@app.command()
@_plain_database_errors
def status(
    org: Org = None,
    recommendation: Annotated[
        list[str] | None, typer.Option("--recommendation", help="R5 or 5.")
    ] = None,
    region: Annotated[list[str] | None, typer.Option("--region")] = None,
    as_of: AsOf = None,
    known_on: KnownOn = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """One row per assignment: status, RAG, deadline, overdue and stale as of a date."""
    rows = _load_rows(
        as_of=_as_of(as_of),
        orgs=org or [],
        regions=region or [],
        recommendations=recommendation or [],
        known_on=_known_on(known_on),
    )
    _print_rows(rows, fmt)


@app.command()
@_plain_database_errors
def overdue(
    org: Org = None,
    region: Annotated[list[str] | None, typer.Option("--region")] = None,
    recommendation: Annotated[list[str] | None, typer.Option("--recommendation")] = None,
    as_of: AsOf = None,
    known_on: KnownOn = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """The overdue assignments as of a date, most overdue first."""
    rows = _load_rows(
        as_of=_as_of(as_of),
        orgs=org or [],
        regions=region or [],
        recommendations=recommendation or [],
        known_on=_known_on(known_on),
    )
    _print_rows(progress.overdue_rows(rows), fmt)


@app.command("import")
@_plain_database_errors
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX of updates.")],
    as_user: AsUser = None,
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="The worksheet to read, when a workbook has several."),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", help="A return template: store without asking after the preview."),
    ] = False,
) -> None:
    """Import updates from a file: all rows or none; importing the same file again adds nothing.

    A return template (`tracker template`) is previewed row by row before anything is stored.
    """
    if cli_returns_sheets.is_return_file(file):
        cli_returns_sheets.import_return(file, as_user, yes=yes)
        return
    try:
        result = updates.import_file(
            engine=_engine(),
            actor=_actor(as_user),
            path=file,
            directory=setup.directory(),
            sheet=sheet,
        )
    except AccessDeniedError as exc:
        raise _fail(str(exc)) from None
    except updates.ImportRejectedError as exc:
        raise _fail(str(exc)) from None
    except LookupError as exc:
        raise _fail(error_message(exc)) from None
    typer.echo(
        f"{file}: {result.rows} rows read, {result.stored} updates stored, "
        f"{result.already_recorded} already recorded."
    )
    if result.went_back:
        rows = ", ".join(str(n) for n in result.went_back)
        typer.echo(
            f"Row(s) {rows} said again what an earlier update said after a later update had "
            "changed it: they were stored as new updates, so those statuses went back."
        )


@app.command("export")
@_plain_database_errors
def export_command(
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.xlsx,
    as_of: AsOf = None,
    labels: Annotated[
        bool,
        typer.Option(
            "--labels",
            help="Also write the tables for people: words for codes, recommendation titles, "
            "and what the file answers for (XLSX sheets, CSV files, or JSON 'about' and "
            "'labels'). The coded tables stay as they are.",
        ),
    ] = False,
) -> None:
    """Export the catalogue, every assignment with its status, and the full update history."""
    from tracker.services import export

    try:
        tables = export.export_tables(engine=_engine(), as_of=_as_of(as_of))
    except LookupError as exc:
        raise _fail(error_message(exc)) from None
    for path in export.write_export(tables, fmt=fmt.value, out=out, labels=labels):
        typer.echo(f"Wrote {path}")


@app.command()
@_plain_database_errors
def serve(
    port: Annotated[int, typer.Option("--port")] = 8501,
    address: Annotated[str, typer.Option("--address")] = "localhost",
    with_demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Load the demonstration data and open without sign-in, as a demonstration "
            "viewer who can switch to a sample user of each role. Never for real data.",
        ),
    ] = False,
) -> None:
    """Start the dashboard (headless) on the configured database."""
    actor = local_operator()  # whoever starts the server has the database in hand
    try:
        if with_demo:
            demo.check_may_load(engine=_engine(), actor=actor)  # before anything is written
        setup.initialise(engine=_engine(), actor=actor)
        if with_demo:
            stored, _ = demo.fill_demo(engine=_engine(), actor=actor)
            typer.echo(f"Demonstration data ready ({stored} updates added).")
    except (CatalogueError, LookupError, AccessDeniedError, demo.RealDataError) as exc:
        raise _fail(str(exc)) from None
    settings = get_settings()
    if (
        not with_demo
        and settings.sign_in == "local"
        and not users.has_active_administrator(engine=_engine())
    ):
        raise _fail(
            "Nobody can sign in: there is no active administrator. Create one with\n"
            "  tracker users add USERNAME --role admin --password-stdin\n"
            "(type the password, then press Ctrl-D), then run `tracker serve` again."
        )
    # Demonstration mode reaches the server only through its environment, which no browser can
    # set; without --demo it is switched off even if the caller's environment had it on.
    if with_demo:
        os.environ["TRACKER_DEMO"] = "1"
    else:
        os.environ.pop("TRACKER_DEMO", None)
    app_file = Path(__file__).resolve().parent / "server.py"  # app.py with security headers
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_file),
        "--server.headless=true",
        f"--server.port={port}",
        f"--server.address={address}",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
        # A table's own CSV download would copy typed text as it is, formulas included: every
        # download goes through the tracker's buttons, which neutralise them.
        "--client.disableDataExport=true",
    ]
    typer.echo(f"Dashboard on http://{address}:{port}", nl=True)
    sys.stdout.flush()
    # Become the Streamlit server, so signals (Ctrl-C, a service manager's stop) reach it.
    os.execv(sys.executable, command)


# --- tracker users ... ------------------------------------------------------------------------

users_app = typer.Typer(
    help="Tracker users: who may sign in, with which role and for which organisations.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")

RoleOption = Annotated[str, typer.Option("--role", help="admin, monitor, editor or viewer.")]
OrgOption = Annotated[
    list[str] | None,
    typer.Option("--org", help="An organisation an editor records for (repeat for more)."),
]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise _fail("No password was given on standard input.")
    return password


def _user_line(user: users.UserRecord) -> str:
    orgs = ", ".join(user.organisation_ids) if user.organisation_ids else "-"
    state = "active" if user.active else "disabled"
    until = user.locked_until
    if until is not None and until.replace(tzinfo=until.tzinfo or UTC) > datetime.now(UTC):
        state += f", locked until {until:%H:%M} UTC"
    return (
        f"{user.username}\t{user.role}\t{orgs}\t{user.email or '-'}\t{state}\t{user.display_name}"
    )


P2 = ParamSpec("P2")


def _plain_user_errors(command: Callable[P2, None]) -> Callable[P2, None]:
    """A refused or impossible change is a plain message, never a traceback."""

    @wraps(command)
    def run(*args: P2.args, **kwargs: P2.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except (AccessDeniedError, users.UserError) as exc:
            raise _fail(str(exc)) from None

    return run


@users_app.command("add")
@_plain_database_errors
@_plain_user_errors
def users_add(
    username: Annotated[str, typer.Argument(help="Lower-case, e.g. jane.smith")],
    role: RoleOption,
    org: OrgOption = None,
    email: Annotated[
        str | None, typer.Option("--email", help="Used to match single sign-on identities.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    password_stdin: PasswordStdin = False,
    as_user: AsUser = None,
) -> None:
    """Add a user. Without --password-stdin they can only sign in through single sign-on."""
    password = _password_from_stdin() if password_stdin else None
    user = users.create_user(
        engine=_engine(),
        actor=_actor(as_user),
        username=username,
        role=role,
        organisation_ids=org or [],
        display_name=name,
        email=email,
        password=password,
    )
    typer.echo(f"Added {user.username} ({user.role}).")


@users_app.command("list")
@_plain_database_errors
@_plain_user_errors
def users_list(as_user: AsUser = None) -> None:
    """List every user: username, role, organisations, email, state, display name."""
    found = users.list_users(engine=_engine(), actor=_actor(as_user))
    if not found:
        typer.echo("No users yet: add the first administrator with `tracker users add`.")
        return
    typer.echo("username\trole\torganisations\temail\tstate\tname")
    for user in found:
        typer.echo(_user_line(user))


@users_app.command("disable")
@_plain_database_errors
@_plain_user_errors
def users_disable(username: str, as_user: AsUser = None) -> None:
    """Stop a user signing in (and end their sessions); their history stays."""
    users.set_active(engine=_engine(), actor=_actor(as_user), username=username, active=False)
    typer.echo(f"Disabled {username}.")


@users_app.command("enable")
@_plain_database_errors
@_plain_user_errors
def users_enable(username: str, as_user: AsUser = None) -> None:
    """Let a disabled user sign in again (and lift any lock-out)."""
    users.set_active(engine=_engine(), actor=_actor(as_user), username=username, active=True)
    typer.echo(f"Enabled {username}.")


@users_app.command("set-role")
@_plain_database_errors
@_plain_user_errors
def users_set_role(
    username: str, role: RoleOption, org: OrgOption = None, as_user: AsUser = None
) -> None:
    """Change a user's role (an editor keeps their organisations unless --org is given)."""
    user = users.set_role(
        engine=_engine(),
        actor=_actor(as_user),
        username=username,
        role=role,
        organisation_ids=org,
    )
    typer.echo(f"{user.username} is now {user.role}.")


@users_app.command("set-orgs")
@_plain_database_errors
@_plain_user_errors
def users_set_orgs(
    username: str,
    org: Annotated[list[str], typer.Option("--org", help="Repeat for each organisation.")],
    as_user: AsUser = None,
) -> None:
    """Replace the organisations an editor records for."""
    user = users.set_organisations(
        engine=_engine(), actor=_actor(as_user), username=username, organisation_ids=org
    )
    typer.echo(f"{user.username} records for {', '.join(user.organisation_ids)}.")


@users_app.command("reset-password")
@_plain_database_errors
@_plain_user_errors
def users_reset_password(
    username: str, password_stdin: PasswordStdin = False, as_user: AsUser = None
) -> None:
    """Set a new password (read from standard input) and lift any lock-out."""
    if not password_stdin:
        raise _fail("Give the new password on standard input with --password-stdin.")
    users.reset_password(
        engine=_engine(),
        actor=_actor(as_user),
        username=username,
        password=_password_from_stdin(),
    )
    typer.echo(f"New password set for {username}; they are signed out everywhere.")


# --- review ---------------------------------------------------------------------------------

review_app = typer.Typer(
    help="Review claimed implementation: list the claims waiting, accept one, or return it.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")


@review_app.command("list")
@_plain_database_errors
def review_list(
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    as_user: AsUser = None,
) -> None:
    """Claims waiting for review, oldest first."""
    import pandas as pd

    from tracker.services import export

    try:
        waiting = reviews.queue(engine=_engine(), actor=_actor(as_user))
    except (AccessDeniedError, LookupError) as exc:
        raise _fail(error_message(exc)) from None
    frame = pd.DataFrame(reviews.queue_records(waiting), columns=list(reviews.QUEUE_KEYS))
    if fmt == OutputFormat.json:
        typer.echo(json.dumps(export.json_records(frame), indent=2))
    elif fmt == OutputFormat.csv:
        typer.echo(reviews.queue_csv(waiting), nl=False)
    elif frame.empty:
        typer.echo("No claims are waiting for review.")
    else:
        shown = frame.drop(columns=["narrative", "links", "recorded_at"])
        with pd.option_context("display.max_rows", None, "display.width", 200):
            typer.echo(shown.to_string(index=False))


def _review(decide: Callable[[], int], update_id: int, done: str) -> None:
    try:
        decide()
    except (AccessDeniedError, reviews.ReviewRefusedError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Update {update_id} {done}.")


@review_app.command("accept")
@_plain_database_errors
def review_accept(
    update_id: Annotated[int, typer.Argument(help="The update's id (see `tracker review list`).")],
    note: Annotated[str, typer.Option("--note", help="A note kept with the decision.")] = "",
    as_user: AsUser = None,
) -> None:
    """Accept a claim: it counts as complete from today."""
    actor = _actor(as_user)
    _review(
        lambda: reviews.accept(engine=_engine(), actor=actor, update_id=update_id, note=note),
        update_id,
        "accepted",
    )


@review_app.command("return")
@_plain_database_errors
def review_return(
    update_id: Annotated[int, typer.Argument(help="The update's id (see `tracker review list`).")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why: the organisation sees this and answers it.")
    ],
    as_user: AsUser = None,
) -> None:
    """Return a claim to the organisation with the reason it must answer."""
    actor = _actor(as_user)
    _review(
        lambda: reviews.return_claim(
            engine=_engine(), actor=actor, update_id=update_id, reason=reason
        ),
        update_id,
        "returned to the organisation",
    )


# --- Audit trail, redaction, database roles ---------------------------------------------------

audit_app = typer.Typer(
    help="The tamper-evident audit trail: check it, list it.", no_args_is_help=True
)
redact_app = typer.Typer(
    help="Blank personal data uploaded by mistake (administrators only; kept on the audit trail).",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database administration (PostgreSQL roles).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(redact_app, name="redact")
app.add_typer(db_app, name="db")


def _day(value: str | None, hint: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from None


@audit_app.command("verify")
@_plain_database_errors
def audit_verify(as_user: AsUser = None) -> None:
    """Walk the hash chain: exit 0 if every event is intact, 1 naming the first broken one."""
    try:
        result = audit_log.verify(engine=_engine(), actor=_actor(as_user))
    except AccessDeniedError as exc:
        raise _fail(str(exc)) from None
    if not result.ok:
        raise _fail(audit_log.describe_break(result))
    typer.echo(audit_log.describe_ok(result))


@audit_app.command("list")
@_plain_database_errors
def audit_list(
    since: Annotated[
        str | None, typer.Option("--since", help="From this date (YYYY-MM-DD).")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Only this username.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action, e.g. update_recorded.")
    ] = None,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="done, refused or failed.")
    ] = None,
    fmt: Fmt = OutputFormat.table,
    as_user: AsUser = None,
) -> None:
    """The audit trail, newest first (administrators and monitors)."""
    filters = audit_log.Filters(
        since=_day(since, "--since"), user=user, action=action, outcome=outcome
    )
    try:
        rows = audit_log.list_events(engine=_engine(), actor=_actor(as_user), filters=filters)
    except AccessDeniedError as exc:
        raise _fail(str(exc)) from None
    if fmt == OutputFormat.json:
        typer.echo(json.dumps([r.values() for r in rows], indent=2, ensure_ascii=False))
    elif fmt == OutputFormat.csv:
        typer.echo(audit_log.csv_text(rows), nl=False)
    elif not rows:
        typer.echo("No audit events match.")
    else:
        import pandas as pd

        frame = pd.DataFrame(
            [
                {
                    "id": r.id,
                    "when": audit_log.when(r.occurred_at),
                    "actor": r.actor,
                    "action": r.action,
                    "outcome": r.outcome,
                    "object": f"{r.object_type} {r.object_id}".strip(),
                    "message": r.message,
                }
                for r in rows
            ]
        )
        with pd.option_context("display.max_rows", None, "display.width", 200):
            typer.echo(frame.to_string(index=False))


Reason = Annotated[
    str, typer.Option("--reason", help="Why (kept on the audit trail; the content is not).")
]


@redact_app.command("attachment")
@_plain_database_errors
def redact_attachment(
    attachment_id: Annotated[int, typer.Argument(help="The attachment's id.")],
    reason: Reason,
    as_user: AsUser = None,
) -> None:
    """Blank an attachment's content; its row, name and SHA-256 stay."""
    try:
        done = redaction.redact_attachment(
            engine=_engine(), actor=_actor(as_user), attachment_id=attachment_id, reason=reason
        )
    except (AccessDeniedError, LookupError, ValueError) as exc:
        raise _fail(error_message(exc)) from None
    typer.echo(
        f"Attachment {done.object_id} redacted (content SHA-256 was {done.sha256_before}); "
        "the reason is on the audit trail."
    )


@redact_app.command("narrative")
@_plain_database_errors
def redact_narrative(
    update_id: Annotated[int, typer.Argument(help="The update's id.")],
    reason: Reason,
    as_user: AsUser = None,
) -> None:
    """Replace an update's narrative by a fixed redaction note; the row and fingerprint stay."""
    try:
        done = redaction.redact_narrative(
            engine=_engine(), actor=_actor(as_user), update_id=update_id, reason=reason
        )
    except (AccessDeniedError, LookupError, ValueError) as exc:
        raise _fail(error_message(exc)) from None
    typer.echo(
        f"Narrative of update {done.object_id} redacted (its SHA-256 was {done.sha256_before}); "
        "the reason is on the audit trail."
    )


@db_app.command("grant-app-role")
@_plain_database_errors
def grant_app_role(
    role: Annotated[str, typer.Argument(help="An existing PostgreSQL role for the dashboard.")],
) -> None:
    """Let ROLE read everything and append to the record, and nothing more (run as the owner)."""
    try:
        statements = db_roles.grant_app_role(engine=_engine(), role=role)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    for statement in statements:
        typer.echo(f"{statement};")
    typer.echo(f"The dashboard may now run as {role}: point TRACKER_DATABASE_URL at that role.")


# --- Backups (tracker/cli_backup.py) ------------------------------------------------------------
from tracker import cli_backup  # noqa: E402

app.command("backup")(_plain_database_errors(cli_backup.backup_command))
app.command("restore")(_plain_database_errors(cli_backup.restore_command))

cli_returns_sheets.register(app)
cli_reminders.register(app)

# Return rounds, the statutory response clock and the board's commands live in their own
# modules (which import the helpers above).
if __name__ == "__main__":
    # `python -m tracker.cli`: run the importable module's app, on which those modules register
    # (importing them from here would import this file a second time, half made).
    from tracker.cli import app as registered

    registered()
else:
    from tracker import cli_board, cli_report
    from tracker.cli_returns import responses_app, rounds_app

    app.add_typer(rounds_app, name="rounds")
    app.add_typer(responses_app, name="responses")
    app.add_typer(cli_board.meetings_app, name="meetings")
    app.command("changes")(cli_board.changes_command)
    app.command("report")(cli_report.report_command)  # type: ignore[has-type]
