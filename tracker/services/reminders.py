"""Reminders by email: one digest per organisation, each reminder sent once.

For each organisation with something new to be reminded of (``tracker.reminders``) and at
least one active user with an email address, one digest is composed and sent by SMTP. The
reminders it carried are recorded in ``reminder_sent`` in the same transaction, which commits
only after the server accepted the message: a failed send records nothing, so the next run
tries again, and the others still go. A second run on the same day finds every key recorded and
sends nothing. Safe to run daily.
"""

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from urllib.parse import urlencode

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from tracker import audit, store_reminders, store_users
from tracker.db import read_session, write_session
from tracker.reminders import (
    AssignmentFacts,
    Digest,
    Reminder,
    RoundFacts,
    compose,
    message,
    reminders_for,
)
from tracker.rules import ReviewState, Status
from tracker.services import audit as audit_trail
from tracker.services import progress, rounds
from tracker.services.access import Action, Actor, authorise
from tracker.settings import Settings, get_settings

Send = Callable[[EmailMessage], None]


class ReminderSetupError(RuntimeError):
    """Reminders cannot be sent as configured (no SMTP server or sender)."""


@dataclass(frozen=True)
class OrganisationDigest:
    organisation_id: str
    organisation: str
    recipients: tuple[str, ...]
    reminders: tuple[Reminder, ...]
    digest: Digest


@dataclass(frozen=True)
class Plan:
    """What a run would send, as of a date."""

    as_of: date
    digests: tuple[OrganisationDigest, ...]
    # Organisations with new reminders but nobody to send them to (no active user with an
    # email address): nothing is recorded, so they are reminded once someone is added.
    unaddressed: tuple[str, ...] = ()


@dataclass
class RunResult:
    as_of: date
    sent: list[OrganisationDigest] = field(default_factory=list)
    failed: list[tuple[OrganisationDigest, str]] = field(default_factory=list)
    unaddressed: tuple[str, ...] = ()


def organisation_link(organisation_id: str, settings: Settings | None = None) -> str:
    base = (settings or get_settings()).base_url.rstrip("/")
    return f"{base}/force?{urlencode({'org': organisation_id})}"


def _recipients(users: list[store_users.UserRecord]) -> dict[str, list[str]]:
    by_org: dict[str, list[str]] = {}
    for user in sorted(users, key=lambda u: u.username):
        if not user.active or not user.email:
            continue
        for org in user.organisation_ids:
            by_org.setdefault(org, []).append(user.email)
    return by_org


def _round_facts(engine: Engine, as_of: date) -> dict[str, list[RoundFacts]]:
    """The rounds open on ``as_of``, for each organisation that has not returned yet."""
    found: dict[str, list[RoundFacts]] = {}
    for info in rounds.list_rounds(engine=engine):
        if not info.is_open(as_of):
            continue
        returns = rounds.round_returns(engine=engine, round_id=info.id, as_of=as_of)
        for row in returns.organisations:
            if row.state.has_returned:
                continue
            found.setdefault(row.organisation_id, []).append(
                RoundFacts(
                    round_id=info.id,
                    name=info.name,
                    due=info.due_date,
                    late=row.state == rounds.ReturnState.LATE,
                    days_late=row.days_late,
                    outstanding=row.outstanding,
                )
            )
    return found


def plan(*, engine: Engine, actor: Actor, as_of: date) -> Plan:
    """Every digest that would go out on ``as_of``, leaving out reminders already sent."""
    authorise(engine=engine, actor=actor, action=Action.SEND_REMINDERS)
    settings = get_settings()
    rows = progress.status_rows(engine=engine, as_of=as_of)
    round_facts = _round_facts(engine, as_of)
    with read_session(engine) as session:
        sent = store_reminders.sent_keys(session=session)
        addresses = _recipients(store_users.users(session=session))
    by_org: dict[str, list[progress.StatusRow]] = {}
    names: dict[str, str] = {}
    for row in rows:
        names[row.organisation_id] = row.organisation
        # A claim waiting for review is the monitors' to act on, not the organisation's.
        if not Status(row.status).is_closed and row.review != ReviewState.AWAITING.value:
            by_org.setdefault(row.organisation_id, []).append(row)
    digests: list[OrganisationDigest] = []
    unaddressed: list[str] = []
    for org_id in sorted(set(by_org) | set(round_facts), key=lambda o: names.get(o, o)):
        facts = [
            AssignmentFacts(
                assignment_id=r.assignment_id,
                recommendation=r.recommendation,
                title=r.recommendation_title,
                deadline=r.deadline,
                overdue=r.overdue,
                days_overdue=r.days_overdue,
                stale=r.stale,
                last_update=r.last_update,
                last_update_id=r.last_update_id,
                returned=r.review == ReviewState.RETURNED.value,
                return_reason=r.return_reason,
            )
            for r in sorted(by_org.get(org_id, []), key=lambda r: r.recommendation_number)
        ]
        due = [
            r
            for r in reminders_for(
                facts,
                round_facts.get(org_id, []),
                as_of=as_of,
                stale_after_days=settings.stale_after_days,
            )
            if (org_id, r.key) not in sent
        ]
        if not due:
            continue
        name = names.get(org_id, org_id)
        to = tuple(dict.fromkeys(addresses.get(org_id, [])))
        if not to:
            unaddressed.append(name)
            continue
        digest = compose(name, due, as_of=as_of, link=organisation_link(org_id, settings))
        digests.append(OrganisationDigest(org_id, name, to, tuple(due), digest))
    return Plan(as_of=as_of, digests=tuple(digests), unaddressed=tuple(unaddressed))


def smtp_sender(settings: Settings | None = None) -> Send:
    """Send one message through the SMTP server the settings name (STARTTLS unless off)."""
    settings = settings or get_settings()
    if not settings.smtp_host or not settings.smtp_from:
        raise ReminderSetupError(
            "Reminders need an SMTP server: set TRACKER_SMTP_HOST and TRACKER_SMTP_FROM "
            "(and TRACKER_SMTP_PORT, TRACKER_SMTP_USER, TRACKER_SMTP_PASSWORD if needed), or "
            "use --dry-run to see what would be sent."
        )
    host, port = settings.smtp_host, settings.smtp_port

    def send(email: EmailMessage) -> None:
        with smtplib.SMTP(host, port, timeout=settings.smtp_timeout_seconds) as server:
            if settings.smtp_starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                password = (
                    settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                )
                server.login(settings.smtp_user, password)
            server.send_message(email)

    return send


def send_reminders(
    *,
    engine: Engine,
    actor: Actor,
    as_of: date,
    send: Send | None = None,
) -> RunResult:
    """Send every new digest; each organisation's is recorded only once its send succeeded."""
    settings = get_settings()
    send = send or smtp_sender(settings)
    sender = settings.smtp_from or ""
    result = RunResult(as_of=as_of)
    planned = plan(engine=engine, actor=actor, as_of=as_of)
    result.unaddressed = planned.unaddressed
    for item in planned.digests:
        sent_at = datetime.now(UTC)
        email = message(item.digest, sender=sender, recipients=item.recipients, sent_at=sent_at)
        message_id = str(email["Message-ID"])
        try:
            with write_session(engine) as session:
                # Recorded first, inside the transaction: a second run at the same moment
                # waits here or finds the keys taken, and nothing commits unless the send
                # succeeds.
                taken = store_reminders.sent_keys(
                    session=session, organisation_id=item.organisation_id
                )
                fresh = [r for r in item.reminders if (item.organisation_id, r.key) not in taken]
                if len(fresh) != len(item.reminders):
                    raise _AlreadySent
                store_reminders.add_sent(
                    session=session,
                    reminders=[
                        store_reminders.NewReminder(item.organisation_id, r.key, r.kind.value)
                        for r in item.reminders
                    ],
                    as_of=as_of,
                    sent_at=sent_at,
                    message_id=message_id,
                    recipients=item.recipients,
                )
                send(email)
                audit_trail.record(
                    session,
                    actor,
                    "reminder_sent",
                    object_type="organisation",
                    object_id=item.organisation_id,
                    after={
                        "as_of": as_of.isoformat(),
                        "message_id": message_id,
                        "recipients": list(item.recipients),
                        "subject": item.digest.subject,
                        "reminders": [r.key for r in item.reminders],
                    },
                )
        except (_AlreadySent, IntegrityError):
            continue  # another run sent it a moment ago
        except (OSError, smtplib.SMTPException) as exc:
            reason = _reason(exc)
            result.failed.append((item, reason))
            audit_trail.record_alone(
                engine,
                actor,
                "reminder_sent",
                object_type="organisation",
                object_id=item.organisation_id,
                outcome=audit.Outcome.FAILED,
                message=f"Not sent (will be tried again next run): {reason}",
                after={"as_of": as_of.isoformat(), "reminders": [r.key for r in item.reminders]},
            )
            continue
        result.sent.append(item)
    return result


class _AlreadySent(Exception):
    pass


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return f"the mail server answered {exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the mail server refused every recipient"
    return f"{type(exc).__name__}: {exc}"
