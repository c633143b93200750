"""Read-side use cases: status of every assignment as of a date, overdue lists, roll-ups, trend."""

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import cached_property
from typing import NamedTuple

from sqlalchemy.engine import Engine

from tracker import rules, store, store_status
from tracker.catalogue import OWNER_LABELS, Directory, Owner, normalise_recommendation_id
from tracker.db import read_session
from tracker.rules import (
    RAG_ORDER,
    Assessment,
    Rag,
    ReviewState,
    Rollup,
    Status,
    Thresholds,
    UpdateFact,
    assess,
    assess_latest,
    rollup,
    verdict_of,
)
from tracker.settings import get_settings

# Enum members to their stored strings, looked up once (``.value`` is slow in a loop).
_VALUES: dict[Status | Rag | ReviewState, str] = {
    m: m.value for e in (Status, Rag, ReviewState) for m in e
}
_NOT_STARTED = Status.NOT_STARTED.value


class NoCatalogueError(LookupError):
    """The database has no report loaded yet: run ``tracker init``."""


@dataclass(frozen=True)
class Filters:
    """What a user narrowed the view to. Empty means everything."""

    organisation_ids: frozenset[str] = frozenset()
    region_ids: frozenset[str] = frozenset()
    recommendations: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()
    organisation_kinds: frozenset[str] = frozenset()

    def admits(self, record: store.AssignmentRecord) -> bool:
        return (
            (not self.organisation_ids or record.organisation_id in self.organisation_ids)
            and (not self.region_ids or record.region_id in self.region_ids)
            and (not self.recommendations or record.recommendation in self.recommendations)
            and (not self.owners or record.owner in self.owners)
            and (not self.themes or bool(self.themes.intersection(record.themes)))
            and (not self.organisation_kinds or record.organisation_kind in self.organisation_kinds)
        )


_EVERYTHING = Filters()


# Slots and not frozen: one is built for every assignment on every page, and a frozen
# dataclass sets each of its fields through ``object.__setattr__``, which cost as much as
# the query and the rules together. Nothing changes a row once built.
@dataclass(slots=True)
class StatusRow:
    """One assignment as of a date: the row behind `tracker status` and every dashboard table."""

    recommendation: str
    recommendation_number: int
    recommendation_title: str
    organisation: str
    organisation_id: str
    organisation_kind: str
    region: str | None
    region_id: str | None
    owner: str
    status: str
    rag: str
    deadline: date | None
    overdue: bool
    days_overdue: int
    last_update: date | None
    stale: bool
    never_reported: bool
    revised_target_date: date | None
    verified: bool
    themes: tuple[str, ...]
    assignment_id: int
    last_update_id: int | None
    # ``status`` is the validated status (the one the figures count); this is what the
    # organisation said in its latest update, and where that stands with the monitors.
    self_assessed_status: str = Status.NOT_STARTED.value
    review: str = ReviewState.NOT_A_CLAIM.value
    return_reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# Stable keys printed by the CLI (JSON and CSV), in this order.
STATUS_KEYS: tuple[str, ...] = (
    "recommendation",
    "organisation",
    "owner",
    "status",
    "rag",
    "deadline",
    "overdue",
    "days_overdue",
    "last_update",
    "stale",
    "never_reported",
    "region",
    "verified",
    "self_assessed_status",
    "review",
    "return_reason",
)


def status_records(
    rows: Iterable[StatusRow], keys: tuple[str, ...] = STATUS_KEYS
) -> list[dict[str, object]]:
    """Rows as JSON-ready dicts with the stable keys, dates as YYYY-MM-DD (no pandas needed)."""

    def plain(value: object) -> object:
        return value.isoformat() if isinstance(value, date) else value

    return [{key: plain(getattr(row, key)) for key in keys} for row in rows]


def thresholds() -> Thresholds:
    settings = get_settings()
    return Thresholds(
        due_soon_days=settings.due_soon_days,
        stale_after_days=settings.stale_after_days,
        count_claimed_as_complete=settings.count_claimed_as_complete,
    )


def claims_rule() -> str:
    """The line every page with figures shows: which rule for claims is in force."""
    return rules.claims_rule(get_settings().count_claimed_as_complete)


@dataclass(frozen=True)
class Snapshot:
    """The report and its assignments as stored: what every read starts from.

    The status table and the trend do not use the history held here: each fetches only the
    updates that speak for its dates from ``engine``, so its cost does not grow with the
    history. ``facts`` (every update of every assignment) is loaded only when first asked for,
    by the few questions that need whole histories.
    """

    report: store.ReportInfo
    records: tuple[store.AssignmentRecord, ...]
    engine: Engine

    @cached_property
    def row_heads(
        self,
    ) -> dict[int, tuple[str, int, str, str, str, str, str | None, str | None, str]]:
        """What each assignment's status row begins with (the same on every date)."""
        return {
            r.assignment_id: (
                r.recommendation,
                r.recommendation_number,
                r.recommendation_title,
                r.organisation,
                r.organisation_id,
                r.organisation_kind,
                r.region,
                r.region_id,
                r.owner,
            )
            for r in self.records
        }

    @cached_property
    def facts(self) -> dict[int, list[UpdateFact]]:
        with read_session(self.engine) as session:
            return dict(store.update_facts(session=session))

    def assess(
        self,
        record: store.AssignmentRecord,
        as_of: date,
        limits: Thresholds,
        known_on: datetime | None = None,
    ) -> Assessment:
        """One assignment by the rules over its whole history (see ``status_rows_from`` for the
        fast way to assess them all)."""
        return assess(
            updates=self.facts.get(record.assignment_id, []),
            deadline=record.deadline,
            as_of=as_of,
            reporting_from=self.report.published,
            thresholds=limits,
            known_on=known_on,
        )


def load_snapshot(*, engine: Engine, report_id: str | None = None) -> Snapshot:
    with read_session(engine) as session:
        report = store.report_info(session=session, report_id=report_id)
        if report is None:
            raise NoCatalogueError(
                "No recommendations are loaded in this database yet. Run `tracker init` "
                "(and `tracker demo` for demonstration data)."
            )
        records = store.assignment_records(session=session, report_id=report.id)
    return Snapshot(report=report, records=tuple(records), engine=engine)


def _admitted(snapshot: Snapshot, filters: Filters) -> Sequence[store.AssignmentRecord]:
    # The national view (no filters) is the most asked for: no need to test every record.
    if filters == _EVERYTHING:
        return snapshot.records
    return [record for record in snapshot.records if filters.admits(record)]


def assess_speaking(
    snapshot: Snapshot,
    record: store.AssignmentRecord,
    latest: UpdateFact | None,
    as_of: date,
    limits: Thresholds,
    known_on: datetime | None,
) -> Assessment:
    """One assignment by the rules, given the update that speaks for ``as_of`` (as the read side
    found it; None when none does): it alone decides the rules' answer."""
    return assess_latest(
        latest,
        deadline=record.deadline,
        as_of=as_of,
        reporting_from=snapshot.report.published,
        thresholds=limits,
        known_on=known_on,
    )


def status_rows_from(
    snapshot: Snapshot,
    *,
    as_of: date,
    filters: Filters = Filters(),
    limits: Thresholds | None = None,
    known_on: datetime | None = None,
) -> list[StatusRow]:
    """Every assignment the filters admit, as of a date; as the record stood at ``known_on``
    when given (updates recorded and reviews made after it left out)."""
    limits = limits or thresholds()
    admitted = _admitted(snapshot, filters)
    with read_session(snapshot.engine) as session:
        latest = store_status.latest_rows(
            session=session,
            assignment_ids=[r.assignment_id for r in admitted],
            as_of=as_of,
            known_on=known_on,
        )
    published = snapshot.report.published
    heads = snapshot.row_heads
    rows = []
    # Only the update that speaks for ``as_of`` decides the rules' answer, so it is all they
    # get (``rules.verdict`` answers as ``rules.assess`` would over the whole history).
    for record in admitted:
        aid = record.assignment_id
        deadline = record.deadline
        fact = latest.get(aid)
        v = verdict_of(
            fact, deadline=deadline, as_of=as_of, reporting_from=published, thresholds=limits
        )
        if fact is None:
            last = last_id = revised = None
            claimed = _NOT_STARTED
        else:
            last, revised, last_id = fact.evidence_date, fact.revised_target_date, fact.id
            claimed = _VALUES[fact.status]
        rows.append(
            StatusRow(
                *heads[aid],
                _VALUES[v.status],
                _VALUES[v.rag],
                deadline,
                v.overdue,
                v.days_overdue,
                last,
                v.stale,
                fact is None,
                revised,
                record.verified,
                record.themes,
                aid,
                last_id,
                claimed,
                _VALUES[v.review],
                v.return_reason,
            )
        )
    return rows


def status_rows(
    *,
    engine: Engine,
    as_of: date,
    filters: Filters = Filters(),
    known_on: datetime | None = None,
) -> list[StatusRow]:
    return status_rows_from(
        load_snapshot(engine=engine), as_of=as_of, filters=filters, known_on=known_on
    )


def overdue(
    *,
    engine: Engine,
    as_of: date,
    filters: Filters = Filters(),
    known_on: datetime | None = None,
) -> list[StatusRow]:
    """The overdue assignments as of a date (as known on a moment), most overdue first."""
    return overdue_rows(status_rows(engine=engine, as_of=as_of, filters=filters, known_on=known_on))


def overdue_rows(rows: Iterable[StatusRow]) -> list[StatusRow]:
    """The overdue assignments, most overdue first, then by recommendation and organisation."""
    return sorted(
        (r for r in rows if r.overdue),
        key=lambda r: (-r.days_overdue, r.recommendation_number, r.organisation),
    )


# --- Roll-ups ----------------------------------------------------------------------------


def _rollup_rows(rows: Sequence[StatusRow]) -> Rollup:
    # Rebuild the few Assessment fields a roll-up counts, from the flat rows.
    return rollup(
        Assessment(
            as_of=date.min,
            status=Status(r.status),
            rag=Rag(r.rag),
            deadline=r.deadline,
            overdue=r.overdue,
            days_overdue=r.days_overdue,
            stale=r.stale,
            never_reported=r.never_reported,
            last_update=r.last_update,
            last_update_id=r.last_update_id,
            revised_target_date=r.revised_target_date,
            days_since_update=None,
        )
        for r in rows
    )


def rollup_by(
    rows: Iterable[StatusRow], key: Callable[[StatusRow], str | None]
) -> dict[str, Rollup]:
    groups: dict[str, list[StatusRow]] = {}
    for row in rows:
        k = key(row)
        if k is not None:
            groups.setdefault(k, []).append(row)
    return {k: _rollup_rows(v) for k, v in groups.items()}


def national_rollup(rows: Sequence[StatusRow]) -> Rollup:
    return _rollup_rows(rows)


def owner_label(owner: str) -> str:
    return OWNER_LABELS[Owner(owner)]


@dataclass(frozen=True)
class TrendPoint:
    as_of: date
    percent_implemented: float
    overdue: int
    implemented: int
    assignments: int


def month_ends(start: date, end: date) -> list[date]:
    """The last day of each month from ``start``'s month to ``end``, plus ``end`` itself."""
    points: list[date] = []
    year, month = start.year, start.month
    while True:
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        last = date.fromordinal(nxt.toordinal() - 1)
        if last >= end:
            break
        points.append(last)
        year, month = nxt.year, nxt.month
    points.append(end)
    return points


def trend(
    snapshot: Snapshot,
    *,
    until: date,
    filters: Filters = Filters(),
    limits: Thresholds | None = None,
    known_on: datetime | None = None,
) -> list[TrendPoint]:
    """% implemented and number overdue at each month end since publication (as the record
    stood at ``known_on`` when given).

    One statement finds the update that speaks for every assignment at every month end (its id
    and status only), a second the decisions on the claims among them; the rules then give each
    its validated status and whether it is overdue, exactly as ``assess`` does (the two figures
    a trend point counts).
    """
    limits = limits or thresholds()
    admitted = _admitted(snapshot, filters)
    dates = month_ends(snapshot.report.published, until)
    with read_session(snapshot.engine) as session:
        at = store_status.statuses_at(
            session=session,
            assignment_ids=[r.assignment_id for r in admitted],
            points=dates,
            known_on=known_on,
        )
        claims = {uid for day in at.values() for uid, status in day.values() if status.is_closed}
        reviews = store_status.review_facts(session=session, update_ids=claims, known_on=known_on)
    points = []
    for point in dates:
        latest = at.get(point, {})
        implemented = overdue = not_applicable = 0
        for record in admitted:
            found = latest.get(record.assignment_id)
            status = (
                Status.NOT_STARTED
                if found is None
                else rules.claim_standing(
                    found[1],
                    reviews.get(found[0], ()),
                    point,
                    count_claimed_as_complete=limits.count_claimed_as_complete,
                )
            )
            implemented += status == Status.IMPLEMENTED
            not_applicable += status == Status.NOT_APPLICABLE
            overdue += rules.is_overdue(record.deadline, status, point)
        applicable = len(admitted) - not_applicable
        points.append(
            TrendPoint(
                as_of=point,
                percent_implemented=100.0 * implemented / applicable if applicable else 0.0,
                overdue=overdue,
                implemented=implemented,
                assignments=len(admitted),
            )
        )
    return points


class PointStatus(NamedTuple):
    """One assignment at one date of a series: what the trend and the board's chart count."""

    status: Status
    rag: Rag
    overdue: bool


@dataclass(frozen=True)
class SeriesPoint:
    """The counts at one date of a series (a month end, or the as-of date)."""

    as_of: date
    assignments: int
    implemented: int
    not_applicable: int
    overdue: int
    rag_counts: dict[str, int]

    def trend_point(self) -> TrendPoint:
        applicable = self.assignments - self.not_applicable
        return TrendPoint(
            as_of=self.as_of,
            percent_implemented=100.0 * self.implemented / applicable if applicable else 0.0,
            overdue=self.overdue,
            implemented=self.implemented,
            assignments=self.assignments,
        )


def point_statuses(
    snapshot: Snapshot,
    *,
    points: Sequence[date],
    filters: Filters = Filters(),
    limits: Thresholds | None = None,
    known_on: datetime | None = None,
) -> dict[int, tuple[PointStatus, ...]]:
    """Each assignment the filters admit, assessed by the rules at each of ``points`` (in that
    order): one statement finds the update that speaks for every assignment at every date."""
    limits = limits or thresholds()
    admitted = _admitted(snapshot, filters)
    with read_session(snapshot.engine) as session:
        at = store_status.latest_facts_at(
            session=session,
            assignment_ids=[r.assignment_id for r in admitted],
            points=points,
            known_on=known_on,
        )
    found: dict[int, tuple[PointStatus, ...]] = {}
    for record in admitted:
        statuses = []
        for point in points:
            latest = at.get(point, {}).get(record.assignment_id)
            a = assess_speaking(snapshot, record, latest, point, limits, known_on)
            statuses.append(PointStatus(a.status, a.rag, a.overdue))
        found[record.assignment_id] = tuple(statuses)
    return found


def series(points: Sequence[date], statuses: Iterable[Sequence[PointStatus]]) -> list[SeriesPoint]:
    """Count the assignments' statuses at each date (``statuses`` aligned with ``points``)."""
    rags = [Counter[Rag]() for _ in points]
    implemented = [0] * len(points)
    not_applicable = [0] * len(points)
    overdue = [0] * len(points)
    assignments = 0
    for row in statuses:
        assignments += 1
        for i, point in enumerate(row):
            rags[i][point.rag] += 1
            implemented[i] += point.status == Status.IMPLEMENTED
            not_applicable[i] += point.status == Status.NOT_APPLICABLE
            overdue[i] += point.overdue
    return [
        SeriesPoint(
            as_of=day,
            assignments=assignments,
            implemented=implemented[i],
            not_applicable=not_applicable[i],
            overdue=overdue[i],
            rag_counts={rag.value: rags[i].get(rag, 0) for rag in RAG_ORDER},
        )
        for i, day in enumerate(points)
    ]


def resolve_filters(
    directory: Directory,
    *,
    organisations: Sequence[str] = (),
    regions: Sequence[str] = (),
    recommendations: Sequence[str] = (),
    owners: Sequence[str] = (),
    themes: Sequence[str] = (),
    recommendation_codes: Sequence[str] | None = None,
) -> Filters:
    """Turn names a person typed into ids, raising a helpful error for anything unknown.

    ``recommendation_codes`` are the report's recommendations, to check the ones asked for.
    """
    wanted = [normalise_recommendation_id(r) for r in recommendations]
    if recommendation_codes is not None:
        for code in wanted:
            if code not in recommendation_codes:
                raise LookupError(
                    f"Unknown recommendation {code}; this report has "
                    f"{', '.join(sorted(recommendation_codes, key=lambda c: int(c[1:])))}."
                )
    return Filters(
        organisation_ids=frozenset(directory.resolve(o).id for o in organisations),
        region_ids=frozenset(directory.resolve_region(r).id for r in regions),
        recommendations=frozenset(wanted),
        owners=frozenset(Owner(o).value for o in owners),
        themes=frozenset(themes),
    )


def data_version(*, engine: Engine) -> store.DataVersion:
    """Changes whenever an update is recorded or the catalogue's assignments change."""
    with read_session(engine) as session:
        return store.data_version(session=session)


def update_history(
    *,
    engine: Engine,
    organisation_ids: Sequence[str] | None = None,
    recommendation: str | None = None,
) -> list[store.UpdateRecord]:
    """Every update (newest evidence first), optionally for some organisations or one
    recommendation."""
    with read_session(engine) as session:
        report = store.report_info(session=session)
        if report is None:
            raise NoCatalogueError("No recommendations are loaded yet: run `tracker init`.")
        return store.update_history(
            session=session,
            report_id=report.id,
            organisation_ids=organisation_ids,
            recommendation=recommendation,
        )


def recommendations(*, engine: Engine) -> list[store.RecommendationInfo]:
    """The catalogue as stored, in number order."""
    with read_session(engine) as session:
        report = store.report_info(session=session)
        if report is None:
            raise NoCatalogueError("No recommendations are loaded yet: run `tracker init`.")
        return store.recommendation_infos(session=session, report_id=report.id)


def attachment(*, engine: Engine, attachment_id: int) -> tuple[store.AttachmentInfo, bytes]:
    with read_session(engine) as session:
        return store.attachment_content(session=session, attachment_id=attachment_id)


# --- Comparisons (dashboard) -------------------------------------------------------------


@dataclass(frozen=True)
class PeerGroup:
    """One line of a comparison: an organisation, its region's peers, or all its peers."""

    scope: str  # "organisation", "region" or "national"
    name: str  # the organisation's or the region's name; "England and Wales" nationally
    organisation_kind: str
    organisations: int
    rollup: Rollup


def peer_comparison(rows: Sequence[StatusRow], organisation_id: str) -> list[PeerGroup]:
    """An organisation beside organisations of the same kind in its region and nationally.

    ``rows`` should be every assignment as of one date (unfiltered), so the peers are complete.
    """
    own = [r for r in rows if r.organisation_id == organisation_id]
    if not own:
        return []
    first = own[0]
    peers = [r for r in rows if r.organisation_kind == first.organisation_kind]
    groups = [
        PeerGroup("organisation", first.organisation, first.organisation_kind, 1, _rollup_rows(own))
    ]
    if first.region_id is not None:
        regional = [r for r in peers if r.region_id == first.region_id]
        groups.append(
            PeerGroup(
                "region",
                first.region or first.region_id,
                first.organisation_kind,
                len({r.organisation_id for r in regional}),
                _rollup_rows(regional),
            )
        )
    groups.append(
        PeerGroup(
            "national",
            "England and Wales",
            first.organisation_kind,
            len({r.organisation_id for r in peers}),
            _rollup_rows(peers),
        )
    )
    return groups


# --- Dashboard read helpers --------------------------------------------------------------


def implemented_by(rows: Iterable[StatusRow], kind: str = "force") -> list[StatusRow]:
    """The assignments of organisations of one kind (forces by default) reported implemented:
    the peers others can learn from."""
    return [r for r in rows if r.organisation_kind == kind and r.status == Status.IMPLEMENTED]


@dataclass(frozen=True)
class RegionName:
    id: str
    name: str


def regions(snapshot: Snapshot, *, order: Sequence[str] = ()) -> list[RegionName]:
    """Every region with an assignment, named as the database names it.

    ``order`` gives region ids in the order to show them (the organisations file's); a region it
    does not list comes after, by name.
    """
    names = {r.region_id: r.region or r.region_id for r in snapshot.records if r.region_id}
    rank = {region_id: position for position, region_id in enumerate(order)}
    ordered = sorted(
        names, key=lambda region_id: (rank.get(region_id, len(rank)), names[region_id])
    )
    return [RegionName(region_id, names[region_id]) for region_id in ordered]
