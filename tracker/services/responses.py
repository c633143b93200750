"""The statutory response clock (section 55 of the Police Act 1996).

Each local policing body must publish its comments on an inspection report within 56 days of
the report's publication, and send them to the Home Secretary. For each force area this
records when the body published them and where (a link), and answers, as of any date: on time,
late (by how many days), missing (the deadline has passed and nothing is recorded) or not yet
due. The deadline is computed from the report's publication date as stored, never typed in.

The record is append-only: a correction is a new row and the latest recorded wins. "As of" a
date counts responses published by then, whenever they were recorded (responses are often
recorded after the fact); ``known_on`` narrows that to what had been recorded by a moment.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.engine import Engine

from tracker import store, store_returns
from tracker.db import read_session, write_session
from tracker.services import audit as audit_trail
from tracker.services.access import Action, Actor, authorise
from tracker.text import TextError, check_url

# Section 55(1) Police Act 1996: comments within 56 days of the report's publication.
RESPONSE_DAYS = 56


class ResponseError(ValueError):
    """A response cannot be recorded as given; the message says why. Nothing changed."""


class ResponseState(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # deadline passed, nothing recorded
    NOT_YET_DUE = "not_yet_due"

    @property
    def label(self) -> str:
        return RESPONSE_LABELS[self]


RESPONSE_LABELS: dict[ResponseState, str] = {
    ResponseState.ON_TIME: "On time",
    ResponseState.LATE: "Late",
    ResponseState.MISSING: "Missing (overdue)",
    ResponseState.NOT_YET_DUE: "Not yet due",
}


@dataclass(frozen=True)
class ResponseStatus:
    """One force area's statutory response, as known at a date."""

    force_area: str
    body_id: str
    body: str
    region_id: str | None
    due: date
    state: ResponseState
    days_late: int  # published late by, or overdue by (missing) as of the date
    published: date | None
    url: str | None
    recorded_at: datetime | None
    recorded_by: str | None
    corrections: int  # earlier rows superseded by this one
    force_id: str | None = None  # the force whose area the body oversees


@dataclass(frozen=True)
class ResponsesSummary:
    as_of: date
    due: date
    force_areas: int
    on_time: int
    late: int
    missing: int
    not_yet_due: int


RESPONSE_KEYS: tuple[str, ...] = (
    "force_area",
    "local_policing_body",
    "due",
    "state",
    "days_late",
    "published",
    "url",
    "recorded_by",
)


def _long(value: date | None) -> str:
    """31 May 2023, as prose shows dates."""
    return f"{value.day} {value:%B %Y}" if value else ""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def due_date(published: date) -> date:
    """The last day for the comments: the report's publication plus 56 days."""
    return published + timedelta(days=RESPONSE_DAYS)


def state_of(*, due: date, published: date | None, as_of: date) -> tuple[ResponseState, int]:
    """The clock's rule on its own: on time up to and including the due day."""
    if published is not None:
        late = (published - due).days
        return (ResponseState.LATE, late) if late > 0 else (ResponseState.ON_TIME, 0)
    if as_of > due:
        return ResponseState.MISSING, (as_of - due).days
    return ResponseState.NOT_YET_DUE, 0


def _report(engine: Engine) -> store.ReportInfo:
    with read_session(engine) as session:
        report = store.report_info(session=session)
    if report is None:
        raise LookupError("No report is loaded yet: run `tracker init` first.")
    return report


def bodies(*, engine: Engine) -> list[store_returns.BodyInfo]:
    """Every local policing body, by force area."""
    with read_session(engine) as session:
        return store_returns.local_policing_bodies(session=session)


def find_body(*, engine: Engine, name: str) -> store_returns.BodyInfo:
    """A local policing body by its id, its own name or its force area's name ("Kent")."""
    wanted = name.strip().casefold()
    everything = bodies(engine=engine)
    for body in everything:
        names = {body.id, body.name, body.force_area, body.force_id or ""}
        short = body.force_area.removesuffix(" Police").removesuffix(" Constabulary")
        if wanted in {n.casefold() for n in (*names, short)}:
            return body
    raise ResponseError(
        f"There is no force area or local policing body called {name!r}. "
        'Give the force area (for example "Kent Police") or the body\'s name.'
    )


def add_response(
    *,
    engine: Engine,
    actor: Actor,
    organisation_id: str,
    published: date,
    url: str,
    today: date | None = None,
) -> int:
    """Record a body's published response (a correction is simply another call)."""
    authorise(
        engine=engine,
        actor=actor,
        action=Action.RECORD_RESPONSE,
        organisation_id=organisation_id,
        object_type="statutory_response",
    )
    body = next((b for b in bodies(engine=engine) if b.id == organisation_id), None)
    if body is None:
        raise ResponseError(
            f"{organisation_id!r} is not a local policing body: a statutory response is "
            "published by a police and crime commissioner, mayor or police authority."
        )
    report = _report(engine)
    recorded_at = _now()
    today = today or store.uk_date(recorded_at)
    try:
        link = check_url(url.strip())
    except TextError as exc:
        raise ResponseError(f"Link: {exc}.") from None
    if published < report.published:
        raise ResponseError(
            f"Published: {_long(published)} is before the report itself "
            f"({_long(report.published)})."
        )
    if published > today:
        raise ResponseError(f"Published: {_long(published)} is in the future.")
    with write_session(engine) as session:
        response_id = store_returns.add_response(
            session=session,
            organisation_id=organisation_id,
            report_id=report.id,
            published=published,
            url=link,
            recorded_at=recorded_at,
            recorded_by=actor.username,
        )
        audit_trail.record(
            session,
            actor,
            "statutory_response_recorded",
            object_type="statutory_response",
            object_id=str(response_id),
            after={
                "organisation": organisation_id,
                "published": published.isoformat(),
                "url": link,
            },
            message=f"Statutory response of {body.name} published {_long(published)}",
            at=recorded_at,
        )
    return response_id


def responses_as_of(
    *, engine: Engine, as_of: date, known_on: datetime | None = None
) -> list[ResponseStatus]:
    """Every force area's response as known at ``as_of``, by force area name.

    This is what the board pack's appendix shows (with ``summarise`` for its headline).
    """
    report = _report(engine)
    due = due_date(report.published)
    with read_session(engine) as session:
        everything = store_returns.local_policing_bodies(session=session)
        stored = store_returns.responses(session=session, report_id=report.id)
    known: dict[str, list[store_returns.StoredResponse]] = {}
    for row in stored:
        if row.published <= as_of and (known_on is None or row.recorded_at <= _aware(known_on)):
            known.setdefault(row.organisation_id, []).append(row)
    result = []
    for body in everything:
        rows = known.get(body.id, [])
        latest = rows[-1] if rows else None
        state, days = state_of(due=due, published=latest.published if latest else None, as_of=as_of)
        result.append(
            ResponseStatus(
                force_area=body.force_area,
                body_id=body.id,
                body=body.name,
                region_id=body.region_id,
                due=due,
                state=state,
                days_late=days,
                published=latest.published if latest else None,
                url=latest.url if latest else None,
                recorded_at=latest.recorded_at if latest else None,
                recorded_by=latest.recorded_by if latest else None,
                corrections=max(len(rows) - 1, 0),
                force_id=body.force_id,
            )
        )
    return result


def summarise(rows: Sequence[ResponseStatus], *, as_of: date) -> ResponsesSummary:
    return ResponsesSummary(
        as_of=as_of,
        due=rows[0].due if rows else as_of,
        force_areas=len(rows),
        on_time=sum(r.state == ResponseState.ON_TIME for r in rows),
        late=sum(r.state == ResponseState.LATE for r in rows),
        missing=sum(r.state == ResponseState.MISSING for r in rows),
        not_yet_due=sum(r.state == ResponseState.NOT_YET_DUE for r in rows),
    )


def response_row(row: ResponseStatus) -> dict[str, object]:
    """One force area with the stable keys of ``RESPONSE_KEYS`` (for CSV and JSON)."""
    return {
        "force_area": row.force_area,
        "local_policing_body": row.body,
        "due": row.due.isoformat(),
        "state": row.state.value,
        "days_late": row.days_late,
        "published": row.published.isoformat() if row.published else None,
        "url": row.url,
        "recorded_by": row.recorded_by,
    }
