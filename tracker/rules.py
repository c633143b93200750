"""The tracker's rules: status as of a date, overdue, RAG, stale and roll-ups.

Pure functions over plain values: no database, no Streamlit, no clock. Every rule takes the
as-of date it answers for, so the same question asked about last March gives last March's answer.
The plain-English text of these rules lives in ``RULES_TEXT`` and is shown in the README and on the
"About the data" page.
"""

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import NamedTuple, Protocol, TypeVar


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_closed(self) -> bool:
        """Implemented or not applicable: nothing further is expected."""
        return self in (Status.IMPLEMENTED, Status.NOT_APPLICABLE)


class Rag(StrEnum):
    """RAG rating of one assignment, worst first (see ``RAG_ORDER``)."""

    RED = "red"
    AMBER = "amber"
    # Never reported, not overdue and not at risk: nobody has said it is on track, so it is not
    # rated green.
    NO_REPORT = "no_report"
    GREEN = "green"
    COMPLETE = "complete"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return RAG_LABELS[self]


RAG_LABELS: dict[Rag, str] = {
    Rag.RED: "Red – overdue",
    Rag.AMBER: "Amber – at risk",
    Rag.NO_REPORT: "Grey – no report yet, not yet due",
    Rag.GREEN: "Green – on track",
    Rag.COMPLETE: "Blue – implemented",
    Rag.NOT_APPLICABLE: "Grey – not applicable",
}
# Short labels for places with little room (matrix cells); always shown with the colour.
RAG_SHORT: dict[Rag, str] = {
    Rag.RED: "R",
    Rag.AMBER: "A",
    Rag.NO_REPORT: "N",
    Rag.GREEN: "G",
    Rag.COMPLETE: "B",
    Rag.NOT_APPLICABLE: "–",
}
RAG_ORDER: tuple[Rag, ...] = (
    Rag.RED,
    Rag.AMBER,
    Rag.NO_REPORT,
    Rag.GREEN,
    Rag.COMPLETE,
    Rag.NOT_APPLICABLE,
)


@dataclass(frozen=True)
class Thresholds:
    """The numbers and the one switch the rules take from the settings."""

    due_soon_days: int = 30
    stale_after_days: int = 90
    # Off: a claimed implementation counts as complete only once a monitor accepts it.
    count_claimed_as_complete: bool = False


class Decision(StrEnum):
    """A monitor's decision on a claim."""

    ACCEPTED = "accepted"
    RETURNED = "returned"


class ReviewState(StrEnum):
    """Where an update stands with the monitors, as of a date."""

    NOT_A_CLAIM = "not_a_claim"  # an open status: nothing to review
    AWAITING = "awaiting_review"
    ACCEPTED = "accepted"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return REVIEW_LABELS[self]


REVIEW_LABELS: dict[ReviewState, str] = {
    ReviewState.NOT_A_CLAIM: "",
    ReviewState.AWAITING: "Claimed – awaiting review",
    ReviewState.ACCEPTED: "Accepted",
    ReviewState.RETURNED: "Returned",
}


@dataclass(frozen=True)
class ReviewFact:
    """A monitor's decision on one update, on the (UK) date it was made."""

    decision: Decision
    reviewed_on: date
    reason: str = ""
    # The moment it was made, for "as known on" questions (None: only the date is known).
    reviewed_at: datetime | None = None


@dataclass(frozen=True)
class UpdateFact:
    """What the rules need to know about one recorded update."""

    id: int
    status: Status
    evidence_date: date
    recorded_at: datetime
    revised_target_date: date | None = None
    reviews: tuple[ReviewFact, ...] = ()


@dataclass(frozen=True)
class Assessment:
    """The state of one assignment as of a date."""

    as_of: date
    status: Status
    rag: Rag
    deadline: date | None
    overdue: bool
    days_overdue: int
    stale: bool
    never_reported: bool
    last_update: date | None
    last_update_id: int | None
    revised_target_date: date | None
    days_since_update: int | None
    # ``status`` above is the validated status (the one the figures count); this is what the
    # organisation itself said (None: the same as ``status``).
    self_assessed_status: Status | None = None
    review: ReviewState = ReviewState.NOT_A_CLAIM
    return_reason: str | None = None

    @property
    def claimed_status(self) -> Status:
        return self.self_assessed_status or self.status


def utc_moment(moment: datetime) -> datetime:
    """A moment as an aware UTC datetime; a naive one is taken to be UTC (SQLite stores it so)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def known_on_moment(updates: Iterable[UpdateFact], known_on: datetime) -> list[UpdateFact]:
    """What the record held at ``known_on``: the updates recorded at or before it, each with
    only the reviews made at or before it.

    So a claim accepted after ``known_on`` is still a claim awaiting review as known then. A
    review stored without its time counts from its date (compared with ``known_on``'s date).
    """
    moment = utc_moment(known_on)
    known = []
    for update in updates:
        if utc_moment(update.recorded_at) > moment:
            continue
        reviews = tuple(
            r
            for r in update.reviews
            if (
                utc_moment(r.reviewed_at) <= moment
                if r.reviewed_at is not None
                else r.reviewed_on <= known_on.date()
            )
        )
        known.append(update if reviews == update.reviews else replace(update, reviews=reviews))
    return known


def latest_update(updates: Iterable[UpdateFact], as_of: date) -> UpdateFact | None:
    """The update that speaks for ``as_of``: latest evidence date on or before it.

    Ties on evidence date go to the update recorded last (a correction is a new update).
    """
    candidates = [u for u in updates if u.evidence_date <= as_of]
    if not candidates:
        return None
    return max(candidates, key=lambda u: (u.evidence_date, u.recorded_at, u.id))


def status_as_of(updates: Iterable[UpdateFact], as_of: date) -> Status:
    latest = latest_update(updates, as_of)
    return latest.status if latest else Status.NOT_STARTED


def review_as_of(update: UpdateFact, as_of: date) -> ReviewFact | None:
    """The decision on an update known by ``as_of`` (the latest, if ever there were two)."""
    return latest_review(update.reviews, as_of)


def latest_review(reviews: Iterable[ReviewFact], as_of: date) -> ReviewFact | None:
    """The latest of the decisions known by ``as_of``."""
    known = [r for r in reviews if r.reviewed_on <= as_of]
    return max(known, key=lambda r: r.reviewed_on) if known else None


def review_state(update: UpdateFact | None, as_of: date) -> ReviewState:
    if update is None or not update.status.is_closed:
        return ReviewState.NOT_A_CLAIM
    review = review_as_of(update, as_of)
    if review is None:
        return ReviewState.AWAITING
    return ReviewState.ACCEPTED if review.decision == Decision.ACCEPTED else ReviewState.RETURNED


def validated_status(
    update: UpdateFact | None, as_of: date, *, count_claimed_as_complete: bool = False
) -> Status:
    """The status the figures count: a claim (implemented or not applicable) stands only once
    accepted by ``as_of``; until then, or once returned, the work is taken as in progress."""
    if update is None:
        return Status.NOT_STARTED
    return claim_standing(
        update.status, update.reviews, as_of, count_claimed_as_complete=count_claimed_as_complete
    )


def claim_standing(
    status: Status,
    reviews: Iterable[ReviewFact],
    as_of: date,
    *,
    count_claimed_as_complete: bool = False,
) -> Status:
    """``validated_status`` of an update given only its status and the decisions on it."""
    if not status.is_closed or count_claimed_as_complete:
        return status
    decision = latest_review(reviews, as_of)
    if decision is not None and decision.decision == Decision.ACCEPTED:
        return status
    return Status.IN_PROGRESS


def is_overdue(deadline: date | None, status: Status, as_of: date) -> bool:
    """Overdue: the deadline has passed (its own day is not late) and it is not closed."""
    return deadline is not None and deadline < as_of and not status.is_closed


def days_overdue(deadline: date | None, status: Status, as_of: date) -> int:
    if deadline is None or not is_overdue(deadline, status, as_of):
        return 0
    return (as_of - deadline).days


def rag_of(
    status: Status,
    *,
    overdue: bool,
    stale: bool,
    deadline: date | None,
    revised_target_date: date | None,
    as_of: date,
    reported: bool,
    due_soon_days: int,
) -> Rag:
    """The RAG rating of a validated status: closed ones by what they are; otherwise red when
    overdue, amber when due soon, moved past its deadline or stale, grey before any report."""
    if status == Status.IMPLEMENTED:
        return Rag.COMPLETE
    if status == Status.NOT_APPLICABLE:
        return Rag.NOT_APPLICABLE
    if overdue:
        return Rag.RED
    if deadline is not None and (
        (deadline - as_of).days <= due_soon_days
        or (revised_target_date is not None and revised_target_date > deadline)
    ):
        return Rag.AMBER
    if stale:
        return Rag.AMBER
    return Rag.GREEN if reported else Rag.NO_REPORT


def assess(
    *,
    updates: Sequence[UpdateFact],
    deadline: date | None,
    as_of: date,
    reporting_from: date,
    thresholds: Thresholds = Thresholds(),
    known_on: datetime | None = None,
) -> Assessment:
    """Status, RAG, overdue and stale for one assignment as of a date.

    ``reporting_from`` is when returns were first expected (the report's publication): an
    organisation that has never reported is stale once that is more than the stale period ago.
    ``known_on`` answers as the record stood at that moment: updates recorded later, and
    reviews made later, are left out (None: everything recorded so far counts).
    """
    if known_on is not None:
        updates = known_on_moment(updates, known_on)
    latest = latest_update(updates, as_of)
    status = validated_status(
        latest, as_of, count_claimed_as_complete=thresholds.count_claimed_as_complete
    )
    review = review_state(latest, as_of)
    decision = review_as_of(latest, as_of) if latest else None
    overdue = is_overdue(deadline, status, as_of)
    last_update = latest.evidence_date if latest else None
    since = (as_of - (last_update or reporting_from)).days
    stale = not status.is_closed and since > thresholds.stale_after_days
    revised = latest.revised_target_date if latest else None

    rag = rag_of(
        status,
        overdue=overdue,
        stale=stale,
        deadline=deadline,
        revised_target_date=revised,
        as_of=as_of,
        reported=latest is not None,
        due_soon_days=thresholds.due_soon_days,
    )
    return Assessment(
        as_of=as_of,
        status=status,
        rag=rag,
        deadline=deadline,
        overdue=overdue,
        days_overdue=days_overdue(deadline, status, as_of),
        stale=stale,
        never_reported=latest is None,
        last_update=last_update,
        last_update_id=latest.id if latest else None,
        revised_target_date=revised,
        days_since_update=(as_of - last_update).days if last_update else None,
        self_assessed_status=latest.status if latest else Status.NOT_STARTED,
        review=review,
        return_reason=decision.reason if review == ReviewState.RETURNED and decision else None,
    )


class Verdict(NamedTuple):
    """The part of an ``Assessment`` that the rules decide (the rest is what the update says)."""

    status: Status
    rag: Rag
    overdue: bool
    days_overdue: int
    stale: bool
    review: ReviewState
    return_reason: str | None


_CLOSED = frozenset(s for s in Status if s.is_closed)


def verdict(
    claimed: Status | None,
    evidence_date: date | None,
    revised_target_date: date | None,
    reviews: Sequence[ReviewFact],
    *,
    deadline: date | None,
    as_of: date,
    reporting_from: date,
    thresholds: Thresholds = Thresholds(),
) -> Verdict:
    """``assess`` when only the update that speaks for ``as_of`` is given, already as known on
    the moment asked about (``claimed`` is its status; None: no update speaks for ``as_of``).

    The same answer as ``assess`` (tests hold it to that), worked out without building the
    update and the assessment: the status table asks it for every assignment on every page.
    """
    review = ReviewState.NOT_A_CLAIM
    return_reason = None
    if claimed is None:
        status = Status.NOT_STARTED
        since = (as_of - reporting_from).days
    else:
        status = claimed
        assert evidence_date is not None, "an update has an evidence date"
        since = (as_of - evidence_date).days
        if claimed in _CLOSED:
            decision = latest_review(reviews, as_of) if reviews else None
            if decision is None:
                review = ReviewState.AWAITING
            elif decision.decision == Decision.ACCEPTED:
                review = ReviewState.ACCEPTED
            else:
                review = ReviewState.RETURNED
                return_reason = decision.reason
            if review != ReviewState.ACCEPTED and not thresholds.count_claimed_as_complete:
                status = Status.IN_PROGRESS
    closed = status in _CLOSED
    overdue = deadline is not None and deadline < as_of and not closed
    stale = not closed and since > thresholds.stale_after_days
    rag = rag_of(
        status,
        overdue=overdue,
        stale=stale,
        deadline=deadline,
        revised_target_date=revised_target_date,
        as_of=as_of,
        reported=claimed is not None,
        due_soon_days=thresholds.due_soon_days,
    )
    days = (as_of - deadline).days if overdue and deadline is not None else 0
    return Verdict(status, rag, overdue, days, stale, review, return_reason)


class SpeakingUpdate(Protocol):
    """What ``verdict_of`` reads of the update that speaks for the date (an ``UpdateFact``, or a
    row the read side fetched)."""

    @property
    def status(self) -> Status: ...
    @property
    def evidence_date(self) -> date: ...
    @property
    def revised_target_date(self) -> date | None: ...
    @property
    def reviews(self) -> Sequence[ReviewFact]: ...


def verdict_of(
    latest: SpeakingUpdate | None,
    *,
    deadline: date | None,
    as_of: date,
    reporting_from: date,
    thresholds: Thresholds = Thresholds(),
) -> Verdict:
    """``verdict`` for the update that speaks for ``as_of``, or for none."""
    if latest is None:
        return verdict(
            None,
            None,
            None,
            (),
            deadline=deadline,
            as_of=as_of,
            reporting_from=reporting_from,
            thresholds=thresholds,
        )
    return verdict(
        latest.status,
        latest.evidence_date,
        latest.revised_target_date,
        latest.reviews,
        deadline=deadline,
        as_of=as_of,
        reporting_from=reporting_from,
        thresholds=thresholds,
    )


def assess_latest(
    latest: UpdateFact | None,
    *,
    deadline: date | None,
    as_of: date,
    reporting_from: date,
    thresholds: Thresholds = Thresholds(),
    known_on: datetime | None = None,
) -> Assessment:
    """``assess`` of an assignment given only the update that speaks for ``as_of`` (None: none
    does): the same assessment, by way of ``verdict``, for callers that found that update in
    the database and assess many assignments or dates."""
    if latest is not None and known_on is not None:
        known = known_on_moment([latest], known_on)
        latest = known[0] if known else None
    if latest is not None and latest.evidence_date > as_of:
        latest = None
    v = verdict_of(
        latest,
        deadline=deadline,
        as_of=as_of,
        reporting_from=reporting_from,
        thresholds=thresholds,
    )
    last = latest.evidence_date if latest else None
    revised = latest.revised_target_date if latest else None
    last_id = latest.id if latest else None
    since = (as_of - last).days if last else None
    return Assessment(
        as_of=as_of,
        status=v.status,
        rag=v.rag,
        deadline=deadline,
        overdue=v.overdue,
        days_overdue=v.days_overdue,
        stale=v.stale,
        never_reported=latest is None,
        last_update=last,
        last_update_id=last_id,
        revised_target_date=revised,
        days_since_update=since,
        self_assessed_status=latest.status if latest else Status.NOT_STARTED,
        review=v.review,
        return_reason=v.return_reason,
    )


# --- Roll-ups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rollup:
    """Counts for a group of assignments and the group's single RAG."""

    assignments: int
    counts: dict[Rag, int]
    implemented: int
    overdue: int
    stale: int
    never_reported: int
    rag: Rag

    def share(self, rag: Rag) -> float:
        return self.counts.get(rag, 0) / self.assignments if self.assignments else 0.0

    @property
    def percent_implemented(self) -> float:
        """Implemented as a share of the assignments that apply (not applicable left out)."""
        applicable = self.assignments - self.counts.get(Rag.NOT_APPLICABLE, 0)
        return 100.0 * self.implemented / applicable if applicable else 0.0


def rollup_rag(rags: Iterable[Rag]) -> Rag:
    """A group is as bad as its worst assignment: any red makes it red, then any amber, then any
    assignment with no report yet, then any green; complete only when every applicable
    assignment is implemented."""
    present = set(rags)
    for rag in RAG_ORDER:
        if rag in present:
            return rag
    return Rag.NOT_APPLICABLE


def rollup(assessments: Iterable[Assessment]) -> Rollup:
    items = list(assessments)
    counts = Counter(a.rag for a in items)
    return Rollup(
        assignments=len(items),
        counts={rag: counts.get(rag, 0) for rag in RAG_ORDER},
        implemented=sum(1 for a in items if a.status == Status.IMPLEMENTED),
        overdue=sum(1 for a in items if a.overdue),
        stale=sum(1 for a in items if a.stale),
        never_reported=sum(1 for a in items if a.never_reported),
        rag=rollup_rag(counts),
    )


K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def rollup_by(
    items: Iterable[T], key: Callable[[T], K], assessment: Callable[[T], Assessment]
) -> dict[K, Rollup]:
    """Roll up any records (for example rows of a status table) grouped by ``key``."""
    groups: dict[K, list[Assessment]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(assessment(item))
    return {k: rollup(v) for k, v in groups.items()}


RULES_TEXT = """\
**Status as of a date.** An organisation's status on a recommendation, as of a date, is the one \
given in its latest update whose evidence date is on or before that date. If two updates share \
that evidence date, the one recorded later wins, so a correction is simply a new update. With no \
update yet, the status is *not started*. Statuses are *not started*, *in progress*, *implemented* \
and *not applicable* (which needs a reason).

**Overdue.** An assignment is overdue when its deadline is before the as-of date and its status \
is neither implemented nor not applicable. The deadline day itself is not late. Days overdue \
count from the deadline to the as-of date. A revised target date does not move the deadline: \
it is shown beside it.

**Stale.** An open assignment is stale when its latest update is more than {stale} days before \
the as-of date, or, if it has never been reported on, when the report was published more than \
{stale} days before.

**Claims and review.** An update saying *implemented* or *not applicable* is a claim. A monitor \
accepts it, or returns it with a reason; the organisation answers a returned claim with a new \
update. Each assignment shows two statuses side by side: the *self-assessed* status (what the \
organisation said in its latest update) and the *validated* status. The validated status is the \
self-assessed one, except that a claim counts only once a monitor has accepted it on or before \
the as-of date; until then, and once returned, the validated status is *in progress*. The RAG \
rating, the overdue list and the figures for implemented all follow the validated status, so an \
unaccepted claim is rated as work in progress would be (red once past the deadline) and marked \
*claimed – awaiting review* or *returned* beside it. An administrator may switch this off with \
the setting `TRACKER_COUNT_CLAIMED_AS_COMPLETE=true`: then a claim counts as soon as it is made, \
and every page says so.

**RAG.** Each assignment gets one rating:
- **Blue – implemented**: the validated status is implemented.
- **Grey – not applicable**: the validated status is not applicable.
- **Red – overdue**: overdue as above.
- **Amber – at risk**: not overdue, but the deadline is within {soon} days, or the latest update \
revised the target date beyond the deadline, or the assignment is stale.
- **Grey – no report yet, not yet due**: none of the above, and the organisation has not \
reported on it at all. Nobody has said it is on track, so it is not rated green.
- **Green – on track**: everything else.

**Roll-ups.** A recommendation, region, force or owner group is rated by its worst assignment: \
any red makes it red, then any amber, then any assignment with no report yet, then any green; \
it is blue only when every applicable assignment is implemented. The counts beside each \
roll-up show how many assignments are in each rating. Percentage implemented leaves out \
assignments marked not applicable.
"""


def claims_rule(count_claimed_as_complete: bool) -> str:
    """One line saying which rule for claimed implementation the figures follow."""
    if count_claimed_as_complete:
        return (
            "Rule in force: a claimed implementation counts as complete as soon as it is made, "
            "whether or not a monitor has reviewed it."
        )
    return (
        "Rule in force: an implementation counts as complete only once a monitor has accepted "
        "the claim."
    )


def rules_text(thresholds: Thresholds = Thresholds()) -> str:
    return RULES_TEXT.format(stale=thresholds.stale_after_days, soon=thresholds.due_soon_days)
