"""Return rounds: monitors ask the accountable organisations for a return by a due date.

An organisation has **returned** for a round when, for every assignment the round asks it
about, an update has been recorded since the round opened (an update may say "no change": it
is evidence in its own right). The date it returned is the day the last of those updates was
recorded. Everything is answered "as known at" a date: only updates recorded (UK date) on or
before it count, so the board can see who had returned by the day of its meeting.

A round's scope is fixed when it opens: the assignments, for the recommendations in scope and
the organisations asked, that were still open (neither implemented nor not applicable) that
day. Closing a round appends a closure; updates recorded after it no longer count for the
round, and an organisation that had not returned stays late by the days up to the closure.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from tracker import store, store_returns
from tracker.catalogue import normalise_recommendation_id
from tracker.db import read_session, write_session
from tracker.services import audit as audit_trail
from tracker.services import progress
from tracker.services.access import Action, Actor, authorise
from tracker.text import TextError, clean_text

MAX_ROUND_NAME = 200


class RoundError(ValueError):
    """A round cannot be opened, closed or found as asked; the message says why. Nothing changed."""


class ReturnState(StrEnum):
    RETURNED = "returned"  # every assignment updated, by the due date
    RETURNED_LATE = "returned_late"  # every assignment updated, after the due date
    LATE = "late"  # not returned, and the due date has passed
    NOT_YET_DUE = "not_yet_due"  # not returned, but the due date has not passed

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def has_returned(self) -> bool:
        return self in (ReturnState.RETURNED, ReturnState.RETURNED_LATE)


STATE_LABELS: dict[ReturnState, str] = {
    ReturnState.RETURNED: "Returned",
    ReturnState.RETURNED_LATE: "Returned late",
    ReturnState.LATE: "Late",
    ReturnState.NOT_YET_DUE: "Not yet due",
}


@dataclass(frozen=True)
class RoundInfo:
    id: int
    name: str
    due_date: date
    recommendations: tuple[str, ...]
    organisation_ids: tuple[str, ...]
    assignments: int
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None

    @property
    def opened_on(self) -> date:
        return store.uk_date(self.opened_at)

    @property
    def closed_on(self) -> date | None:
        return store.uk_date(self.closed_at) if self.closed_at else None

    def is_open(self, as_of: date | None = None) -> bool:
        """Open on ``as_of`` (today if not given): opened by then and not closed by then."""
        if as_of is None:
            return self.closed_at is None
        closed = self.closed_on
        return self.opened_on <= as_of and (closed is None or closed > as_of)


@dataclass(frozen=True)
class OrganisationReturn:
    """One organisation's return for a round, as known at a date."""

    organisation_id: str
    organisation: str
    organisation_kind: str
    region_id: str | None
    region: str | None
    asked: int  # assignments the round asks about
    updated: int  # of those, how many have an update recorded since the round opened
    outstanding: tuple[str, ...]  # recommendations still without one
    returned_on: date | None
    state: ReturnState
    days_late: int  # returned late by, or late by as of the date (up to the closure)


@dataclass(frozen=True)
class ReturnsSummary:
    """Counts of organisations for one area (England and Wales, or a region)."""

    area: str
    asked: int
    returned: int  # on time or late
    returned_late: int
    late: int  # not returned, due date passed
    not_yet_due: int

    @property
    def outstanding(self) -> int:
        return self.late + self.not_yet_due


@dataclass(frozen=True)
class RoundReturns:
    round: RoundInfo
    as_of: date
    organisations: tuple[OrganisationReturn, ...]
    national: ReturnsSummary
    regions: tuple[ReturnsSummary, ...]


NATIONAL = "England and Wales"
NO_REGION = "National bodies"

# Keys printed by `tracker rounds show` (CSV and JSON), in this order.
RETURN_KEYS: tuple[str, ...] = (
    "organisation",
    "region",
    "state",
    "returned_on",
    "days_late",
    "asked",
    "updated",
    "outstanding",
)


def _long(value: date | None) -> str:
    """31 May 2023, as prose shows dates."""
    return f"{value.day} {value:%B %Y}" if value else ""


def _now() -> datetime:
    return datetime.now(UTC)


def _info(stored: store_returns.StoredRound) -> RoundInfo:
    return RoundInfo(
        id=stored.id,
        name=stored.name,
        due_date=stored.due_date,
        recommendations=stored.recommendations,
        organisation_ids=tuple(dict.fromkeys(org for _, org in stored.scope)),
        assignments=len(stored.scope),
        opened_at=stored.opened_at,
        opened_by=stored.opened_by,
        closed_at=stored.closed_at,
        closed_by=stored.closed_by,
    )


def list_rounds(*, engine: Engine) -> list[RoundInfo]:
    """Every round, newest opened first."""
    with read_session(engine) as session:
        return [_info(r) for r in store_returns.rounds(session=session)]


def find_round(*, engine: Engine, name: str) -> RoundInfo:
    """The round with this name (case does not matter), or ``RoundError`` naming the rounds."""
    rounds = list_rounds(engine=engine)
    for found in rounds:
        if found.name.casefold() == name.strip().casefold():
            return found
    known = ", ".join(r.name for r in rounds) or "none yet"
    raise RoundError(f"There is no return round called {name!r}. Rounds: {known}.")


def get_round(*, engine: Engine, round_id: int) -> RoundInfo:
    with read_session(engine) as session:
        found = store_returns.rounds(session=session, round_id=round_id)
    if not found:
        raise RoundError(f"There is no return round with id {round_id}.")
    return _info(found[0])


def _clean_name(name: str) -> str:
    try:
        cleaned = clean_text(name, max_length=MAX_ROUND_NAME, multiline=False)
    except TextError as exc:
        raise RoundError(f"Round name: {exc}.") from None
    if not cleaned:
        raise RoundError('Round name: give the round a name, such as "Spring 2024 return".')
    return cleaned


def _codes(recommendations: Iterable[str], known: Sequence[str]) -> list[str]:
    codes: list[str] = []
    for value in recommendations:
        try:
            code = normalise_recommendation_id(value)
        except LookupError as exc:
            raise RoundError(f"Recommendations in scope: {exc}") from None
        if code not in known:
            raise RoundError(
                f"Recommendations in scope: {code} is not in this report (R1 to R{len(known)})."
            )
        if code not in codes:
            codes.append(code)
    return sorted(codes, key=known.index)


def open_round(
    *,
    engine: Engine,
    actor: Actor,
    name: str,
    due_date: date,
    recommendations: Sequence[str] = (),
    organisation_ids: Sequence[str] = (),
    at: datetime | None = None,
) -> RoundInfo:
    """Open a round asking for returns by ``due_date``.

    No recommendations means all of them; no organisations means every organisation with an
    open assignment among the recommendations in scope. The scope is fixed now: the asked
    organisations' assignments on those recommendations that are open today.
    """
    authorise(engine=engine, actor=actor, action=Action.MANAGE_ROUNDS, object_type="return_round")
    opened_at = at or _now()
    opened_on = store.uk_date(opened_at)
    cleaned = _clean_name(name)
    if due_date < opened_on:
        raise RoundError(
            f"Due date: {_long(due_date)} is before today ({_long(opened_on)}); "
            "a round asks for returns by a date still to come."
        )
    snapshot = progress.load_snapshot(engine=engine)
    known = sorted(
        {r.recommendation for r in snapshot.records}, key=lambda c: int(c.removeprefix("R"))
    )
    codes = _codes(recommendations, known) if recommendations else list(known)
    asked = list(dict.fromkeys(organisation_ids))
    in_scope = [r for r in snapshot.records if r.recommendation in codes]
    names = {r.organisation_id: r.organisation for r in snapshot.records}
    unknown = [o for o in asked if o not in names]
    if unknown:
        raise RoundError(f"Organisations asked: {', '.join(unknown)} have no assignments.")
    limits = progress.thresholds()
    scope = [
        (r.assignment_id, r.organisation_id)
        for r in in_scope
        if (not asked or r.organisation_id in asked)
        and not snapshot.assess(r, opened_on, limits).status.is_closed
    ]
    if asked:
        nothing = [names[o] for o in asked if all(org != o for _, org in scope)]
        if nothing:
            raise RoundError(
                f"Organisations asked: {', '.join(nothing)} "
                f"{'has' if len(nothing) == 1 else 'have'} no open assignment among "
                f"{', '.join(codes)}, so there is nothing to return."
            )
    if not scope:
        raise RoundError(
            f"No organisation has an open assignment among {', '.join(codes)}: "
            "there is nothing to ask for."
        )
    try:
        with write_session(engine) as session:
            if store_returns.round_name_taken(session=session, name=cleaned):
                raise RoundError(f"Round name: there is already a round called {cleaned!r}.")
            round_id = store_returns.add_round(
                session=session,
                name=cleaned,
                report_id=snapshot.report.id,
                due_date=due_date,
                recommendations=codes,
                opened_at=opened_at,
                opened_by=actor.username,
                scope=scope,
            )
            audit_trail.record(
                session,
                actor,
                "round_opened",
                object_type="return_round",
                object_id=str(round_id),
                after={
                    "name": cleaned,
                    "due_date": due_date.isoformat(),
                    "recommendations": codes,
                    "organisations": sorted({org for _, org in scope}),
                    "assignments": len(scope),
                },
                message=f"Return round {cleaned} opened, due {_long(due_date)}",
                at=opened_at,
            )
    except IntegrityError:  # another monitor opened a round of this name at the same moment
        raise RoundError(f"Round name: there is already a round called {cleaned!r}.") from None
    return get_round(engine=engine, round_id=round_id)


def close_round(
    *, engine: Engine, actor: Actor, name: str, at: datetime | None = None
) -> RoundInfo:
    """Close a round: returns recorded from now on no longer count for it."""
    authorise(engine=engine, actor=actor, action=Action.MANAGE_ROUNDS, object_type="return_round")
    found = find_round(engine=engine, name=name)
    closed_at = at or _now()
    if found.closed_at is not None:
        raise RoundError(
            f"The round {found.name!r} was already closed on "
            f"{_long(found.closed_on)} by {found.closed_by}."
        )
    if closed_at < found.opened_at:
        raise RoundError(f"The round {found.name!r} cannot close before it opened.")
    try:
        with write_session(engine) as session:
            store_returns.add_closure(
                session=session, round_id=found.id, closed_at=closed_at, closed_by=actor.username
            )
            audit_trail.record(
                session,
                actor,
                "round_closed",
                object_type="return_round",
                object_id=str(found.id),
                before={"closed_at": None},
                after={"closed_at": closed_at.isoformat()},
                message=f"Return round {found.name} closed",
                at=closed_at,
            )
    except IntegrityError:  # closed by someone else at the same moment
        raise RoundError(f"The round {found.name!r} was already closed.") from None
    return get_round(engine=engine, round_id=found.id)


def round_returns(*, engine: Engine, round_id: int, as_of: date) -> RoundReturns:
    """Who has returned for a round, and who is late and by how long, as known at ``as_of``."""
    found = get_round(engine=engine, round_id=round_id)
    if as_of < found.opened_on:
        raise RoundError(
            f"The round {found.name!r} opened on {_long(found.opened_on)}; "
            "choose a date on or after that."
        )
    with read_session(engine) as session:
        stored = store_returns.rounds(session=session, round_id=round_id)[0]
        report = store.report_info(session=session, report_id=stored.report_id)
        assert report is not None
        records = {
            r.assignment_id: r
            for r in store.assignment_records(session=session, report_id=report.id)
        }
        times = store_returns.recorded_times(
            session=session,
            assignment_ids=[aid for aid, _ in stored.scope],
            since=found.opened_at,
        )
    closed = found.closed_at if found.closed_on is not None and found.closed_on <= as_of else None
    scope_by_org: dict[str, list[int]] = {}
    for aid, org in stored.scope:
        scope_by_org.setdefault(org, []).append(aid)
    rows = []
    for org, assignment_ids in scope_by_org.items():
        first_counted: dict[int, date] = {}
        for aid in assignment_ids:
            for moment in times.get(aid, ()):
                day = store.uk_date(moment)
                if day <= as_of and (closed is None or moment <= closed):
                    first_counted[aid] = day
                    break
        described = records.get(assignment_ids[0])
        rows.append(
            _organisation_return(
                org,
                described,
                assignment_ids,
                first_counted,
                records,
                due=found.due_date,
                until=min(as_of, store.uk_date(closed)) if closed else as_of,
            )
        )
    rows.sort(key=lambda r: (_STATE_ORDER[r.state], -r.days_late, r.organisation))
    return RoundReturns(
        round=found,
        as_of=as_of,
        organisations=tuple(rows),
        national=summarise(NATIONAL, rows),
        regions=tuple(_by_region(rows)),
    )


_STATE_ORDER = {
    ReturnState.LATE: 0,
    ReturnState.NOT_YET_DUE: 1,
    ReturnState.RETURNED_LATE: 2,
    ReturnState.RETURNED: 3,
}


def _organisation_return(
    organisation_id: str,
    described: store.AssignmentRecord | None,
    assignment_ids: list[int],
    first_counted: dict[int, date],
    records: dict[int, store.AssignmentRecord],
    *,
    due: date,
    until: date,
) -> OrganisationReturn:
    outstanding = tuple(
        records[aid].recommendation if aid in records else f"assignment {aid}"
        for aid in assignment_ids
        if aid not in first_counted
    )
    returned_on = max(first_counted.values()) if not outstanding else None
    if returned_on is not None:
        late = (returned_on - due).days
        state = ReturnState.RETURNED_LATE if late > 0 else ReturnState.RETURNED
        days_late = max(late, 0)
    elif until > due:
        state, days_late = ReturnState.LATE, (until - due).days
    else:
        state, days_late = ReturnState.NOT_YET_DUE, 0
    return OrganisationReturn(
        organisation_id=organisation_id,
        organisation=described.organisation if described else organisation_id,
        organisation_kind=described.organisation_kind if described else "",
        region_id=described.region_id if described else None,
        region=described.region if described else None,
        asked=len(assignment_ids),
        updated=len(first_counted),
        outstanding=outstanding,
        returned_on=returned_on,
        state=state,
        days_late=days_late,
    )


def summarise(area: str, rows: Sequence[OrganisationReturn]) -> ReturnsSummary:
    return ReturnsSummary(
        area=area,
        asked=len(rows),
        returned=sum(r.state.has_returned for r in rows),
        returned_late=sum(r.state == ReturnState.RETURNED_LATE for r in rows),
        late=sum(r.state == ReturnState.LATE for r in rows),
        not_yet_due=sum(r.state == ReturnState.NOT_YET_DUE for r in rows),
    )


def _by_region(rows: Sequence[OrganisationReturn]) -> list[ReturnsSummary]:
    groups: dict[str, list[OrganisationReturn]] = {}
    for row in rows:
        groups.setdefault(row.region or NO_REGION, []).append(row)
    ordered = sorted(groups, key=lambda area: (area == NO_REGION, area))
    return [summarise(area, groups[area]) for area in ordered]


def return_row(row: OrganisationReturn) -> dict[str, object]:
    """One organisation's return with the stable keys of ``RETURN_KEYS`` (for CSV and JSON)."""
    return {
        "organisation": row.organisation,
        "region": row.region or NO_REGION,
        "state": row.state.value,
        "returned_on": row.returned_on.isoformat() if row.returned_on else None,
        "days_late": row.days_late,
        "asked": row.asked,
        "updated": row.updated,
        "outstanding": " ".join(row.outstanding),
    }


def rounds_for(
    *, engine: Engine, organisation_id: str, as_of: date
) -> list[tuple[RoundInfo, OrganisationReturn]]:
    """The rounds open on ``as_of`` that ask this organisation, with where its return stands
    (for its "My actions" page and its reminders)."""
    found = []
    for info in list_rounds(engine=engine):
        if organisation_id not in info.organisation_ids or not info.is_open(as_of):
            continue
        returns = round_returns(engine=engine, round_id=info.id, as_of=as_of)
        for row in returns.organisations:
            if row.organisation_id == organisation_id:
                found.append((info, row))
    return found


@dataclass(frozen=True)
class RoundInPeriod:
    """A round open at some time in a period, with where its returns stand at the period's end
    (for the organisations a view is narrowed to)."""

    round: RoundInfo
    as_of: date
    summary: ReturnsSummary

    @property
    def closed_by_then(self) -> bool:
        closed = self.round.closed_on
        return closed is not None and closed <= self.as_of

    def describe(self) -> str:
        """One sentence for the changes view: when it ran, then who returned and who is late."""
        info, up = self.round, self.summary
        when = f"opened {_long(info.opened_on)}, due {_long(info.due_date)}, " + (
            f"closed {_long(info.closed_on)}" if self.closed_by_then else "still open"
        )
        whom = "organisation" if up.asked == 1 else "organisations"
        counts = f"{up.returned} of {up.asked} {whom} returned ({up.returned_late} of them late)"
        if up.late:
            counts += f"; {up.late} late and not returned"
        if up.not_yet_due:
            counts += f"; {up.not_yet_due} not returned, not yet due"
        return f"{info.name} ({when}): {counts}."


# Keys of a round in `tracker changes` (CSV and JSON), in this order.
ROUND_KEYS: tuple[str, ...] = (
    "round",
    "opened_on",
    "due_date",
    "closed_on",
    "asked",
    "returned",
    "returned_late",
    "late",
    "not_yet_due",
)


def rounds_in_period(
    *,
    engine: Engine,
    since: date,
    as_of: date,
    filters: progress.Filters | None = None,
) -> list[RoundInPeriod]:
    """The rounds open at any time after ``since`` up to ``as_of`` (opened, closed or running
    in between), oldest opened first, with their returns as of ``as_of``. Filters narrow the
    counts to the organisations (and regions and kinds) a view shows."""
    chosen = filters or progress.Filters()
    found = []
    for info in sorted(list_rounds(engine=engine), key=lambda r: (r.opened_at, r.id)):
        closed = info.closed_on
        if info.opened_on > as_of or (closed is not None and closed <= since):
            continue
        returns = round_returns(engine=engine, round_id=info.id, as_of=as_of)
        rows = [
            r
            for r in returns.organisations
            if (not chosen.organisation_ids or r.organisation_id in chosen.organisation_ids)
            and (not chosen.region_ids or r.region_id in chosen.region_ids)
            and (not chosen.organisation_kinds or r.organisation_kind in chosen.organisation_kinds)
        ]
        if not rows:
            continue  # the round asked none of the organisations in view
        found.append(RoundInPeriod(round=info, as_of=as_of, summary=summarise(NATIONAL, rows)))
    return found


def period_row(item: RoundInPeriod) -> dict[str, object]:
    """One round in a period with the stable keys of ``ROUND_KEYS``."""
    up, closed = item.summary, item.round.closed_on
    return {
        "round": item.round.name,
        "opened_on": item.round.opened_on.isoformat(),
        "due_date": item.round.due_date.isoformat(),
        "closed_on": closed.isoformat() if closed and item.closed_by_then else None,
        "asked": up.asked,
        "returned": up.returned,
        "returned_late": up.returned_late,
        "late": up.late,
        "not_yet_due": up.not_yet_due,
    }
