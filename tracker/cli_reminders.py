"""`tracker remind`: email each organisation a digest of what it owes (a thin face over
``services/reminders``)."""

from typing import Annotated

import typer

from tracker.evidence import error_message
from tracker.services import reminders
from tracker.services.access import AccessDeniedError


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def remind_command(
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print what would be sent; send and record nothing."),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Remind as of this date (YYYY-MM-DD); default today."),
    ] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="Act as this tracker user.")] = None,
) -> None:
    """Email each organisation one digest of new reminders: deadlines in 30, 7 and 1 days,
    overdue, stale, returned claims and return rounds. Each reminder goes once; safe to run
    daily."""
    from tracker import cli

    day = cli._as_of(as_of)
    engine, actor = cli._engine(), cli._actor(as_user)
    try:
        if dry_run:
            planned = reminders.plan(engine=engine, actor=actor, as_of=day)
            for item in planned.digests:
                typer.echo(f"To: {', '.join(item.recipients)}")
                typer.echo(f"Subject: {item.digest.subject}")
                typer.echo("")
                typer.echo(item.digest.text)
                typer.echo("-" * 72)
            typer.echo(
                f"Dry run: {len(planned.digests)} digest(s) would be sent; nothing was sent "
                "or recorded."
            )
            _say_unaddressed(planned.unaddressed)
            return
        send = reminders.smtp_sender()
        result = reminders.send_reminders(engine=engine, actor=actor, as_of=day, send=send)
    except (AccessDeniedError, reminders.ReminderSetupError, LookupError) as exc:
        raise _fail(error_message(exc)) from None
    for item in result.sent:
        typer.echo(
            f"Sent to {item.organisation} ({len(item.recipients)} recipient(s)): "
            f"{len(item.reminders)} reminder(s)."
        )
    typer.echo(f"{len(result.sent)} digest(s) sent.")
    _say_unaddressed(result.unaddressed)
    if result.failed:
        lines = [f"{len(result.failed)} digest(s) could not be sent; they will be tried again:"]
        lines += [f"  {item.organisation}: {reason}" for item, reason in result.failed]
        raise _fail("\n".join(lines))


def _say_unaddressed(names: tuple[str, ...]) -> None:
    if names:
        typer.echo(
            f"No one to send to (no active user with an email address) for: {', '.join(names)}."
        )


def register(app: typer.Typer) -> None:
    from tracker import cli

    app.command("remind")(cli._plain_database_errors(remind_command))
