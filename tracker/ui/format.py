"""Words and dates as the dashboard shows them: one place, so every page says it the same way."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tracker.catalogue import (
    ADDRESSEE_GROUPS,
    OWNER_LABELS,
    UNVERIFIED_MARKER,
    Directory,
    OrganisationKind,
    Owner,
    UnknownOrganisationError,
)
from tracker.rules import RAG_LABELS, RAG_SHORT, Rag, ReviewState, Status

# Shown after a recommendation's title when its wording is not yet checked; always explained by
# ``UNVERIFIED_NOTE`` nearby.
UNVERIFIED_SUFFIX = " ⚠"
UNVERIFIED_NOTE = f"⚠ {UNVERIFIED_MARKER}."
NO_DATE = "–"
# Recorded times are stored in UTC and shown as clocks in the UK read them (GMT or BST).
UK_TIME = ZoneInfo("Europe/London")

ADDRESSEE_GROUP_LABELS: dict[str, str] = {
    "all_forces": "All police forces in England and Wales",
    "all_local_policing_bodies": "All local policing bodies",
    "all_rocus": "All regional organised crime units",
}


def long_date(value: date | None) -> str:
    """31 October 2023, as prose shows dates."""
    if value is None:
        return NO_DATE
    return f"{value.day} {value:%B %Y}"


def uk_time(moment: datetime) -> datetime:
    """A stored moment as UK clocks showed it; a moment without a zone is UTC, as stored."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UK_TIME)


def recorded_on(moment: datetime) -> str:
    """The UK date on which something was recorded, as prose shows dates (31 October 2023)."""
    return long_date(uk_time(moment).date())


def status_label(status: str | Status) -> str:
    return Status(status).label


def review_label(review: str | ReviewState, reason: str | None = None) -> str:
    """Where a claim stands; a returned claim carries its reason (shown as text in tables)."""
    label = ReviewState(review).label
    return f"{label}: {reason}" if reason else label


def rag_label(rag: str | Rag) -> str:
    return RAG_LABELS[Rag(rag)]


def rag_short(rag: str | Rag) -> str:
    return RAG_SHORT[Rag(rag)]


def owner_label(owner: str | Owner) -> str:
    return OWNER_LABELS[Owner(owner)]


def kind_label(kind: str) -> str:
    return OrganisationKind(kind).label


def theme_label(theme: str) -> str:
    return theme.replace("_", " ").capitalize()


def titled(title: str, verified: bool) -> str:
    """A recommendation's title, with the unverified marker when its wording is unchecked."""
    return title if verified else f"{title}{UNVERIFIED_SUFFIX}"


def addressee_label(addressee: str, directory: Directory) -> str:
    if addressee in ADDRESSEE_GROUPS:
        return ADDRESSEE_GROUP_LABELS.get(addressee, addressee.replace("_", " ").capitalize())
    try:
        return directory.by_id(addressee).name
    except UnknownOrganisationError:
        return addressee


def percent(value: float) -> str:
    return f"{value:.0f}%"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"
