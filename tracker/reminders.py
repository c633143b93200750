"""Reminders: what an organisation should be told on a date, and the digest email saying it.

Plain Python, no database and no network. Every reminder has a **trigger key** naming what it
is about and which occasion it is (the 7-day warning for one deadline, the third four-week
reminder that something is overdue), so the services can send each one once and never again.
"""

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import StrEnum

# An overdue or stale assignment is reminded about again every this many days.
REPEAT_DAYS = 28
# A late return for a round is chased every this many days.
ROUND_REPEAT_DAYS = 7
# A round's due date is announced this many days ahead.
ROUND_NOTICE_DAYS = 7


class Kind(StrEnum):
    ROUND_LATE = "round_late"
    ROUND_DUE = "round_due"
    RETURNED = "returned"
    OVERDUE = "overdue"
    DUE_1 = "due_1"
    DUE_7 = "due_7"
    DUE_30 = "due_30"
    STALE = "stale"

    @property
    def heading(self) -> str:
        return HEADINGS[self]


HEADINGS: dict[Kind, str] = {
    Kind.ROUND_LATE: "Return rounds: your return is late",
    Kind.ROUND_DUE: "Return rounds: your return is due soon",
    Kind.RETURNED: "Returned for more evidence",
    Kind.OVERDUE: "Overdue",
    Kind.DUE_1: "Due within a day",
    Kind.DUE_7: "Due within 7 days",
    Kind.DUE_30: "Due within 30 days",
    Kind.STALE: "No update for a long time",
}
# (most days left, kind): the tightest band an assignment is in decides its warning.
DUE_BANDS: tuple[tuple[int, Kind], ...] = ((1, Kind.DUE_1), (7, Kind.DUE_7), (30, Kind.DUE_30))


@dataclass(frozen=True)
class AssignmentFacts:
    """One open assignment of an organisation, as of the reminder date."""

    assignment_id: int
    recommendation: str
    title: str
    deadline: date | None
    overdue: bool
    days_overdue: int
    stale: bool
    last_update: date | None
    last_update_id: int | None
    returned: bool  # its latest claim was returned by a monitor
    return_reason: str | None = None


@dataclass(frozen=True)
class RoundFacts:
    """A return round asking this organisation, which has not returned yet."""

    round_id: int
    name: str
    due: date
    late: bool
    days_late: int
    outstanding: tuple[str, ...]


@dataclass(frozen=True)
class Reminder:
    kind: Kind
    key: str  # unique per organisation and occasion
    line: str  # what the digest says, in words


def _long(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "no date"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def reminders_for(
    assignments: Sequence[AssignmentFacts],
    rounds: Sequence[RoundFacts],
    *,
    as_of: date,
    stale_after_days: int,
) -> list[Reminder]:
    """Every reminder that applies on ``as_of``, most pressing first. Whether one was already
    sent is the caller's question (by its key)."""
    found: list[Reminder] = []
    for r in rounds:
        outstanding = ", ".join(r.outstanding) or "every recommendation asked"
        if r.late:
            cycle = max(r.days_late - 1, 0) // ROUND_REPEAT_DAYS
            found.append(
                Reminder(
                    Kind.ROUND_LATE,
                    f"round_late:{r.round_id}:{cycle}",
                    f"{r.name}: the return was due on {_long(r.due)} and is "
                    f"{_days(r.days_late)} late. Still to update: {outstanding}.",
                )
            )
        elif (r.due - as_of).days <= ROUND_NOTICE_DAYS:
            found.append(
                Reminder(
                    Kind.ROUND_DUE,
                    f"round_due:{r.round_id}",
                    f"{r.name}: the return is due on {_long(r.due)}. Still to update: "
                    f"{outstanding}.",
                )
            )
    for a in assignments:
        what = f"{a.recommendation} – {a.title}"
        if a.returned and a.last_update_id is not None:
            reason = f" Reason given: {a.return_reason}" if a.return_reason else ""
            found.append(
                Reminder(
                    Kind.RETURNED,
                    f"returned:{a.last_update_id}",
                    f"{what}: your claim was returned for more evidence.{reason}",
                )
            )
        if a.overdue and a.deadline is not None:
            cycle = max(a.days_overdue - 1, 0) // REPEAT_DAYS
            found.append(
                Reminder(
                    Kind.OVERDUE,
                    f"overdue:{a.assignment_id}:{a.deadline.isoformat()}:{cycle}",
                    f"{what}: the deadline was {_long(a.deadline)}; overdue by "
                    f"{_days(a.days_overdue)}.",
                )
            )
        elif a.deadline is not None and a.deadline >= as_of:
            left = (a.deadline - as_of).days
            band = next((kind for most, kind in DUE_BANDS if left <= most), None)
            if band is not None:
                when = "today" if left == 0 else f"in {_days(left)}"
                found.append(
                    Reminder(
                        band,
                        f"{band.value}:{a.assignment_id}:{a.deadline.isoformat()}",
                        f"{what}: due {when}, on {_long(a.deadline)}.",
                    )
                )
        if a.stale and not a.overdue:
            since = (as_of - a.last_update).days if a.last_update else None
            cycle = max((since or stale_after_days) - stale_after_days - 1, 0) // REPEAT_DAYS
            words = (
                f"the last update was on {_long(a.last_update)}, {_days(since)} ago"
                if a.last_update and since is not None
                else "nothing has been reported yet"
            )
            found.append(
                Reminder(
                    Kind.STALE,
                    f"stale:{a.assignment_id}:{a.last_update_id or 0}:{cycle}",
                    f"{what}: {words}.",
                )
            )
    order = list(Kind)
    return sorted(found, key=lambda r: order.index(r.kind))


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str


def compose(organisation: str, reminders: Sequence[Reminder], *, as_of: date, link: str) -> Digest:
    """The digest's words, as plain text and as HTML (every value escaped; no images)."""
    count = len(reminders)
    subject = (
        f"{organisation}: {count} reminder{'s' if count != 1 else ''} from the "
        f"recommendation tracker ({_long(as_of)})"
    )
    intro = (
        f"This is a reminder from the recommendation tracker for {organisation}, as of "
        f"{_long(as_of)}."
    )
    sections: dict[Kind, list[Reminder]] = {}
    for reminder in reminders:
        sections.setdefault(reminder.kind, []).append(reminder)
    text = [intro, ""]
    parts = [f"<p>{html.escape(intro)}</p>"]
    for kind, items in sections.items():
        text.append(kind.heading)
        text += [f"- {r.line}" for r in items]
        text.append("")
        parts.append(f"<h2>{html.escape(kind.heading)}</h2>")
        parts.append("<ul>" + "".join(f"<li>{html.escape(r.line)}</li>" for r in items) + "</ul>")
    closing = "See and update your organisation's page:"
    text += [closing, link, "", _FOOTER]
    parts.append(
        f'<p>{html.escape(closing)} <a href="{html.escape(link, quote=True)}">'
        f"{html.escape(link)}</a></p>"
    )
    parts.append(f"<p>{html.escape(_FOOTER)}</p>")
    body = "\n".join(parts)
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body>\n{body}\n</body></html>\n"
    )
    return Digest(subject=subject, text="\n".join(text), html=document)


_FOOTER = (
    "You receive this because you record updates for this organisation. Each reminder is "
    "sent once; overdue and stale items are mentioned again every four weeks."
)


def message(
    digest: Digest, *, sender: str, recipients: Sequence[str], sent_at: datetime
) -> EmailMessage:
    """The email: a plain-text part and an HTML alternative, and nothing else."""
    email = EmailMessage()
    email["Subject"] = digest.subject
    email["From"] = sender
    email["To"] = ", ".join(recipients)
    email["Date"] = format_datetime(sent_at)
    domain = sender.rpartition("@")[2].strip(">") or "tracker.invalid"
    email["Message-ID"] = make_msgid(domain=domain)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    email.set_content(digest.text)
    email.add_alternative(digest.html, subtype="html")
    return email
