"""How an assignment moved: change kinds between two dates, revised target dates, back-dated
returns. Pure functions over plain values, like ``tracker.rules``.

The plain-English text of these rules lives in ``MOVEMENT_TEXT`` (shown in the README and on the
"About the data" page).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from statistics import median
from zoneinfo import ZoneInfo

from tracker.rules import Assessment, ReviewState, Status, UpdateFact, utc_moment

UK_TIME = ZoneInfo("Europe/London")

# An update recorded more than this many days after the date its evidence speaks for is
# back-dated: a return filed late, which may change a picture a board has already seen.
BACK_DATED_AFTER_DAYS = 30
# An assignment whose target date has been revised this many times "keeps moving".
KEEPS_MOVING_REVISIONS = 2


class ChangeKind(StrEnum):
    """One way an assignment moved between two dates. Several can hold at once."""

    FIRST_REPORT = "first_report"
    NEWLY_IMPLEMENTED = "newly_implemented"
    VALIDATED = "validated"
    CLAIMED = "claimed"
    RETURNED = "returned"
    REOPENED = "reopened"
    NEWLY_OVERDUE = "newly_overdue"
    NO_LONGER_OVERDUE = "no_longer_overdue"
    TARGET_REVISED = "target_revised"
    STATUS_CHANGED = "status_changed"
    RAG_CHANGED = "rag_changed"

    @property
    def label(self) -> str:
        return CHANGE_LABELS[self]


CHANGE_LABELS: dict[ChangeKind, str] = {
    ChangeKind.FIRST_REPORT: "First report",
    ChangeKind.NEWLY_IMPLEMENTED: "Newly implemented",
    ChangeKind.VALIDATED: "Claim accepted",
    ChangeKind.CLAIMED: "New claim awaiting review",
    ChangeKind.RETURNED: "Claim returned",
    ChangeKind.REOPENED: "Reopened",
    ChangeKind.NEWLY_OVERDUE: "Newly overdue",
    ChangeKind.NO_LONGER_OVERDUE: "No longer overdue",
    ChangeKind.TARGET_REVISED: "Target date revised",
    ChangeKind.STATUS_CHANGED: "Status changed",
    ChangeKind.RAG_CHANGED: "Rating changed",
}


def uk_day(moment: datetime) -> date:
    """The UK date of a moment (a naive moment is UTC, as SQLite stores it)."""
    return utc_moment(moment).astimezone(UK_TIME).date()


def days_late(evidence_date: date, recorded_at: datetime) -> int:
    """Days from the date the evidence speaks for to the (UK) day it was recorded."""
    return (uk_day(recorded_at) - evidence_date).days


def is_back_dated(evidence_date: date, recorded_at: datetime) -> bool:
    return days_late(evidence_date, recorded_at) > BACK_DATED_AFTER_DAYS


def _in_order(updates: Iterable[UpdateFact], as_of: date) -> list[UpdateFact]:
    return sorted(
        (u for u in updates if u.evidence_date <= as_of),
        key=lambda u: (u.evidence_date, utc_moment(u.recorded_at), u.id),
    )


def target_in_force(updates: Iterable[UpdateFact], as_of: date) -> date | None:
    """The latest revised target date given in an update up to ``as_of`` (None: never revised).

    A later update that gives no revised date leaves the last one in force.
    """
    target = None
    for update in _in_order(updates, as_of):
        if update.revised_target_date is not None:
            target = update.revised_target_date
    return target


def change_kinds(
    before: Assessment,
    after: Assessment,
    *,
    target_before: date | None = None,
    target_after: date | None = None,
) -> tuple[ChangeKind, ...]:
    """Every way an assignment moved from ``before`` to ``after``, in ``ChangeKind`` order.

    ``status_changed`` and ``rag_changed`` are the catch-alls: listed only when no more
    specific kind already says it.
    """
    kinds: list[ChangeKind] = []
    new_latest = after.last_update_id != before.last_update_id
    first_report = before.never_reported and not after.never_reported
    if first_report:
        kinds.append(ChangeKind.FIRST_REPORT)
    implemented = after.status == Status.IMPLEMENTED and before.status != Status.IMPLEMENTED
    if implemented:
        kinds.append(ChangeKind.NEWLY_IMPLEMENTED)
    if after.review == ReviewState.ACCEPTED and (
        before.review != ReviewState.ACCEPTED or new_latest
    ):
        kinds.append(ChangeKind.VALIDATED)
    if after.review == ReviewState.AWAITING and (
        before.review != ReviewState.AWAITING or new_latest
    ):
        kinds.append(ChangeKind.CLAIMED)
    if after.review == ReviewState.RETURNED and (
        before.review != ReviewState.RETURNED or new_latest
    ):
        kinds.append(ChangeKind.RETURNED)
    reopened = before.status.is_closed and not after.status.is_closed
    if reopened:
        kinds.append(ChangeKind.REOPENED)
    if after.overdue and not before.overdue:
        kinds.append(ChangeKind.NEWLY_OVERDUE)
    if before.overdue and not after.overdue:
        kinds.append(ChangeKind.NO_LONGER_OVERDUE)
    if target_after is not None and target_after != target_before:
        kinds.append(ChangeKind.TARGET_REVISED)
    if after.status != before.status and not (implemented or reopened or first_report):
        kinds.append(ChangeKind.STATUS_CHANGED)
    explained = {
        ChangeKind.NEWLY_IMPLEMENTED,
        ChangeKind.REOPENED,
        ChangeKind.NEWLY_OVERDUE,
        ChangeKind.NO_LONGER_OVERDUE,
        ChangeKind.STATUS_CHANGED,
    }
    if after.rag != before.rag and not explained.intersection(kinds):
        kinds.append(ChangeKind.RAG_CHANGED)
    return tuple(kinds)


# --- Target-date slippage ----------------------------------------------------------------


@dataclass(frozen=True)
class TargetUpdate:
    """What slippage needs to know about one update."""

    update_id: int
    evidence_date: date
    recorded_at: datetime
    revised_target_date: date | None
    reason: str | None
    recorded_by: str


@dataclass(frozen=True)
class Revision:
    """One move of an assignment's target date, with why and who."""

    update_id: int
    evidence_date: date
    recorded_at: datetime
    target: date
    previous: date | None  # the date in force before (the deadline for the first revision)
    reason: str | None
    recorded_by: str


@dataclass(frozen=True)
class Slip:
    deadline: date | None
    current_target: date | None  # the deadline when never revised
    revisions: tuple[Revision, ...]

    @property
    def revision_count(self) -> int:
        return len(self.revisions)

    @property
    def days_slipped(self) -> int | None:
        """Current target minus the original deadline (0 if never revised; None: no deadline)."""
        if self.deadline is None or self.current_target is None:
            return None
        return (self.current_target - self.deadline).days

    @property
    def keeps_moving(self) -> bool:
        return self.revision_count >= KEEPS_MOVING_REVISIONS


def slip(deadline: date | None, updates: Iterable[TargetUpdate], as_of: date) -> Slip:
    """The deadline and every revision of the target date up to ``as_of``.

    An update that repeats the date already in force is not a new revision.
    """
    ordered = sorted(
        (u for u in updates if u.evidence_date <= as_of),
        key=lambda u: (u.evidence_date, utc_moment(u.recorded_at), u.update_id),
    )
    current = deadline
    revisions: list[Revision] = []
    for update in ordered:
        target = update.revised_target_date
        if target is None or target == current:
            continue
        revisions.append(
            Revision(
                update_id=update.update_id,
                evidence_date=update.evidence_date,
                recorded_at=update.recorded_at,
                target=target,
                previous=current,
                reason=update.reason,
                recorded_by=update.recorded_by,
            )
        )
        current = target
    return Slip(deadline=deadline, current_target=current, revisions=tuple(revisions))


@dataclass(frozen=True)
class SlipRollup:
    """Target-date slippage across a recommendation's assignments."""

    assignments: int
    revised: int  # assignments whose target moved at least once
    revisions: int
    keeps_moving: int  # assignments revised KEEPS_MOVING_REVISIONS times or more
    max_days_slipped: int | None
    median_days_slipped: float | None  # over the assignments whose target moved

    @property
    def dates_keep_moving(self) -> bool:
        return self.keeps_moving > 0


def slip_rollup(slips: Sequence[Slip]) -> SlipRollup:
    moved = [s.days_slipped for s in slips if s.revisions and s.days_slipped is not None]
    return SlipRollup(
        assignments=len(slips),
        revised=sum(1 for s in slips if s.revisions),
        revisions=sum(s.revision_count for s in slips),
        keeps_moving=sum(1 for s in slips if s.keeps_moving),
        max_days_slipped=max(moved) if moved else None,
        median_days_slipped=float(median(moved)) if moved else None,
    )


MOVEMENT_TEXT = f"""\
**Changes since a date.** The changes view compares two pictures: the one as of the *since* \
date, as the record stood at the end of that day (what a board saw at its meeting), and the one \
as of the *as-of* date, as known on the *known-on* moment (everything recorded so far, unless \
set). Each assignment whose picture differs gets one row listing every kind of change that \
applies: *first report*, *newly implemented*, *claim accepted*, *new claim awaiting review*, \
*claim returned*, *reopened* (was implemented or not applicable, no longer), *newly overdue*, \
*no longer overdue* and *target date revised*; *status changed* and *rating changed* are \
listed only when none of these already says it (a first report, newly implemented or reopened \
says the status changed; newly implemented, reopened, newly overdue, no longer overdue or a \
status change says the rating changed). An update that repeats the same status is not \
a change, but it is listed among the updates recorded in between. An organisation is *silent* \
when it has an open assignment as of the as-of date and recorded nothing in between. The \
default since date is the last meeting recorded before the as-of date.

**Back-dated updates.** In the changes view, an update recorded in between whose evidence \
speaks for the since date or earlier is marked *back-dated*: it changes a picture the board has \
already seen. In an update history, an update recorded more than {BACK_DATED_AFTER_DAYS} days \
after the date its evidence speaks for is marked *back-dated*.

**Target-date slippage.** Each assignment keeps its deadline; every update that gives a new \
revised target date is a revision, with its reason and who gave it (repeating the date already \
in force is not a new revision). Days slipped are the current target date minus the original \
deadline. An assignment revised {KEEPS_MOVING_REVISIONS} times or more *keeps moving*, and a \
recommendation with any such assignment is marked *dates keep moving*.
"""
