"""What changed between two dates: the board's "what has moved since last time?".

Two pictures are compared: as of the *since* date, as the record stood at the end of that day
(what a board saw at its meeting then), and as of the *as-of* date, as known on the *known-on*
moment (everything recorded so far when not given). See ``tracker.movement`` for the kinds of
change and ``MOVEMENT_TEXT`` for the rules in words.
"""

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from tracker import store, store_board, store_status
from tracker.db import read_session
from tracker.moments import end_of_uk_day
from tracker.movement import ChangeKind, change_kinds
from tracker.rules import Status, Thresholds, UpdateFact, utc_moment
from tracker.services import progress
from tracker.services.progress import Filters, Snapshot

EVERYTHING = Filters()


class ChangesError(ValueError):
    """The dates asked for cannot be compared; the message says why."""


@dataclass(frozen=True)
class Movement:
    """One assignment whose picture differs between the two dates."""

    recommendation: str
    recommendation_number: int
    recommendation_title: str
    organisation: str
    organisation_id: str
    region: str | None
    from_status: str
    to_status: str
    from_rag: str
    to_rag: str
    change: tuple[str, ...]  # ChangeKind values, in ChangeKind order
    from_review: str
    to_review: str
    from_days_overdue: int
    to_days_overdue: int
    deadline: date | None
    from_target: date | None
    to_target: date | None
    verified: bool
    assignment_id: int


@dataclass(frozen=True)
class UpdateInBetween:
    """An update recorded between the two dates."""

    update_id: int
    recommendation: str
    recommendation_number: int
    organisation: str
    organisation_id: str
    status: str
    evidence_date: date
    recorded_at: datetime
    recorded_by: str
    revised_target_date: date | None
    # Its evidence speaks for the since date or earlier: it changes a picture already seen.
    back_dated: bool


@dataclass(frozen=True)
class SilentOrganisation:
    """Accountable, with something still open, and nothing recorded in between."""

    organisation: str
    organisation_id: str
    organisation_kind: str
    region: str | None
    open_assignments: int
    last_recorded: datetime | None  # the latest update it had recorded by the as-of picture


@dataclass(frozen=True)
class ChangeSet:
    since: date
    as_of: date
    known_on: datetime | None
    from_known_on: datetime  # the moment the "since" picture is read at
    movements: tuple[Movement, ...]
    updates: tuple[UpdateInBetween, ...]
    silent: tuple[SilentOrganisation, ...]
    counts: dict[str, int] = field(default_factory=dict)  # movements per change kind


# Stable keys printed by `tracker changes` (JSON and CSV), in this order.
MOVEMENT_KEYS: tuple[str, ...] = (
    "recommendation",
    "organisation",
    "from_status",
    "to_status",
    "from_rag",
    "to_rag",
    "change",
    "region",
    "from_review",
    "to_review",
    "from_days_overdue",
    "to_days_overdue",
    "deadline",
    "from_target",
    "to_target",
)
UPDATE_KEYS: tuple[str, ...] = (
    "update_id",
    "recommendation",
    "organisation",
    "status",
    "evidence_date",
    "recorded_at",
    "recorded_by",
    "revised_target_date",
    "back_dated",
)
SILENT_KEYS: tuple[str, ...] = (
    "organisation",
    "organisation_kind",
    "region",
    "open_assignments",
    "last_recorded",
)


def record(item: Movement | UpdateInBetween | SilentOrganisation) -> dict[str, object]:
    values = asdict(item)
    keys = (
        MOVEMENT_KEYS
        if isinstance(item, Movement)
        else UPDATE_KEYS
        if isinstance(item, UpdateInBetween)
        else SILENT_KEYS
    )
    return {k: (list(values[k]) if k == "change" else values[k]) for k in keys}


def check_dates(since: date, as_of: date) -> None:
    if since >= as_of:
        raise ChangesError(
            f"The since date ({since:%-d %B %Y}) must be before the as-of date ({as_of:%-d %B %Y})."
        )


def changes_from(
    snapshot: Snapshot,
    recorded: list[store_board.RecordedUpdate],
    *,
    since: date,
    as_of: date,
    known_on: datetime | None = None,
    filters: Filters = EVERYTHING,
    limits: Thresholds | None = None,
) -> ChangeSet:
    """The change set from a loaded snapshot and the updates recorded in the window."""
    check_dates(since, as_of)
    limits = limits or progress.thresholds()
    from_known = end_of_uk_day(since)
    if known_on is not None and utc_moment(known_on) < utc_moment(from_known):
        from_known = known_on
    records = [r for r in snapshot.records if filters.admits(r)]
    by_assignment = {r.assignment_id: r for r in records}
    ends = _ends(
        snapshot, records, since=since, as_of=as_of, known_on=known_on, from_known=from_known
    )

    movements = []
    open_by_org: dict[str, int] = {}
    for rec in records:
        aid = rec.assignment_id
        speaking = progress.assess_speaking
        before = speaking(snapshot, rec, ends.before.get(aid), since, limits, from_known)
        after = speaking(snapshot, rec, ends.after.get(aid), as_of, limits, known_on)
        if not after.status.is_closed:
            open_by_org[rec.organisation_id] = open_by_org.get(rec.organisation_id, 0) + 1
        else:
            open_by_org.setdefault(rec.organisation_id, 0)
        target_before = ends.target_before.get(aid)
        target_after = ends.target_after.get(aid)
        kinds = change_kinds(before, after, target_before=target_before, target_after=target_after)
        if not kinds:
            continue
        movements.append(
            Movement(
                recommendation=rec.recommendation,
                recommendation_number=rec.recommendation_number,
                recommendation_title=rec.recommendation_title,
                organisation=rec.organisation,
                organisation_id=rec.organisation_id,
                region=rec.region,
                from_status=before.status.value,
                to_status=after.status.value,
                from_rag=before.rag.value,
                to_rag=after.rag.value,
                change=tuple(k.value for k in kinds),
                from_review=before.review.value,
                to_review=after.review.value,
                from_days_overdue=before.days_overdue,
                to_days_overdue=after.days_overdue,
                deadline=rec.deadline,
                from_target=target_before,
                to_target=target_after,
                verified=rec.verified,
                assignment_id=rec.assignment_id,
            )
        )

    updates = []
    sent: set[str] = set()
    for u in recorded:
        owner = by_assignment.get(u.assignment_id)
        if owner is None:
            continue
        sent.add(owner.organisation_id)
        updates.append(
            UpdateInBetween(
                update_id=u.id,
                recommendation=owner.recommendation,
                recommendation_number=owner.recommendation_number,
                organisation=owner.organisation,
                organisation_id=owner.organisation_id,
                status=Status(u.status).value,
                evidence_date=u.evidence_date,
                recorded_at=u.recorded_at,
                recorded_by=u.recorded_by,
                revised_target_date=u.revised_target_date,
                back_dated=u.evidence_date <= since,
            )
        )

    silent = _silent(snapshot, records, open_by_org, sent, known_on)
    counts = {kind.value: 0 for kind in ChangeKind}
    for movement in movements:
        for kind in movement.change:
            counts[kind] += 1
    return ChangeSet(
        since=since,
        as_of=as_of,
        known_on=known_on,
        from_known_on=from_known,
        movements=tuple(movements),
        updates=tuple(updates),
        silent=silent,
        counts=counts,
    )


@dataclass(frozen=True)
class _Ends:
    """What the two pictures need from the history, fetched by index for the assignments in
    view: the update that speaks for each date and the revised target date in force on it."""

    before: dict[int, UpdateFact]
    after: dict[int, UpdateFact]
    target_before: dict[int, date]
    target_after: dict[int, date]


def _ends(
    snapshot: Snapshot,
    records: list[store.AssignmentRecord],
    *,
    since: date,
    as_of: date,
    known_on: datetime | None,
    from_known: datetime,
) -> _Ends:
    ids = [r.assignment_id for r in records]
    with read_session(snapshot.engine) as session:
        return _Ends(
            before=store_status.latest_facts(
                session=session, assignment_ids=ids, as_of=since, known_on=from_known
            ),
            after=store_status.latest_facts(
                session=session, assignment_ids=ids, as_of=as_of, known_on=known_on
            ),
            target_before=store_board.targets_in_force(
                session=session, assignment_ids=ids, as_of=since, known_on=from_known
            ),
            target_after=store_board.targets_in_force(
                session=session, assignment_ids=ids, as_of=as_of, known_on=known_on
            ),
        )


def _silent(
    snapshot: Snapshot,
    records: list[store.AssignmentRecord],
    open_by_org: dict[str, int],
    sent: set[str],
    known_on: datetime | None,
) -> tuple[SilentOrganisation, ...]:
    first: dict[str, store.AssignmentRecord] = {}
    for rec in records:
        first.setdefault(rec.organisation_id, rec)
    quiet = {org for org in first if open_by_org.get(org, 0) > 0 and org not in sent}
    # When each silent organisation last recorded anything (as known on ``known_on``): asked
    # only of their assignments.
    with read_session(snapshot.engine) as session:
        recorded = store_board.last_recorded_by_assignment(
            session=session,
            assignment_ids=[r.assignment_id for r in records if r.organisation_id in quiet],
            known_on=known_on,
        )
    last: dict[str, datetime] = {}
    for rec in records:
        moment = recorded.get(rec.assignment_id)
        if moment is not None and (
            rec.organisation_id not in last or moment > last[rec.organisation_id]
        ):
            last[rec.organisation_id] = moment
    silent = [
        SilentOrganisation(
            organisation=rec.organisation,
            organisation_id=org_id,
            organisation_kind=rec.organisation_kind,
            region=rec.region,
            open_assignments=open_by_org[org_id],
            last_recorded=last.get(org_id),
        )
        for org_id, rec in first.items()
        if org_id in quiet
    ]
    # Longest silent first; never heard from at all before anyone.
    return tuple(
        sorted(
            silent,
            key=lambda s: (
                s.last_recorded is not None,
                s.last_recorded or datetime.min.replace(tzinfo=UTC),
                s.organisation,
            ),
        )
    )


def window(since: date, as_of: date, known_on: datetime | None) -> tuple[datetime, datetime]:
    """The recording window, in UTC: after the end of the since day, up to the end of the as-of
    day (or the known-on moment, if earlier)."""
    start = utc_moment(end_of_uk_day(since))
    end = utc_moment(end_of_uk_day(as_of))
    if known_on is not None:
        end = min(end, utc_moment(known_on))
    return start, end


def recorded_between(
    *, engine: Engine, since: date, as_of: date, known_on: datetime | None = None
) -> list[store_board.RecordedUpdate]:
    """The updates recorded in the window the changes view lists (see ``window``)."""
    start, end = window(since, as_of, known_on)
    with read_session(engine) as session:
        return store_board.updates_recorded_between(session=session, after=start, until=end)


def changes_between(
    *,
    engine: Engine,
    since: date,
    as_of: date,
    known_on: datetime | None = None,
    filters: Filters = EVERYTHING,
) -> ChangeSet:
    """Per assignment whose picture differs between ``since`` and ``as_of``, the movement and
    its kinds; the updates recorded in between; the organisations silent in between."""
    check_dates(since, as_of)
    snapshot = progress.load_snapshot(engine=engine)
    recorded = recorded_between(engine=engine, since=since, as_of=as_of, known_on=known_on)
    return changes_from(
        snapshot, recorded, since=since, as_of=as_of, known_on=known_on, filters=filters
    )
