"""The dashboard's data: the only module that caches, and the pages' one way to the services.

Every rerun asks the database one cheap question, ``progress.data_version``; every cached function
takes that version as an argument, so any write (from the form, the CLI or another process)
invalidates the caches at once. Cached functions return plain dataclasses, never ORM objects.
"""

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError

from tracker import moments, store
from tracker.catalogue import CatalogueError, Directory
from tracker.db import DatabaseUnavailableError, get_engine
from tracker.evidence import UpdateDraft
from tracker.services import board, export, live, progress, reviews, setup, updates
from tracker.services.access import Actor
from tracker.services.updates import RecordedUpdate
from tracker.settings import get_settings
from tracker.ui import messages

Version = store.DataVersion
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    DBAPIError,
    DatabaseUnavailableError,
    ArgumentError,
    OSError,
)


@dataclass(frozen=True)
class Tracker:
    """The database a page reads, at the version this rerun saw."""

    url: str
    version: Version
    report: store.ReportInfo

    @property
    def engine(self) -> Engine:
        return get_engine(self.url)

    @property
    def has_updates(self) -> bool:
        return self.version.has_updates


@dataclass(frozen=True)
class OrganisationOption:
    id: str
    name: str
    kind: str
    region_id: str | None
    region: str | None


def connect(*, announce_problems: bool = True) -> Tracker:
    """Open the database for this rerun, or explain plainly why not and stop the page.

    A broken recommendations file over a loaded database is reported, not fatal: the page goes
    on with what the database holds (``announce_problems=False`` leaves the telling to the page).
    """
    url = get_settings().database_url
    catalogue_problem = _catalogue_problem(*_catalogue_file_key())
    try:
        version = progress.data_version(engine=get_engine(url))
        report = _catalogue_snapshot(url, version.reference, version.active_assignments).report
    except progress.NoCatalogueError:
        messages.show_no_catalogue(catalogue_problem)
        st.stop()
    except DATABASE_ERRORS as exc:
        messages.show_database_unreachable(url, exc)
        st.stop()
    if catalogue_problem and announce_problems:
        messages.show_catalogue_problem(catalogue_problem)
    return Tracker(url=url, version=version, report=report)


def _catalogue_file_key() -> tuple[str, float]:
    path = setup.catalogue_path()
    try:
        return str(path), path.stat().st_mtime
    except OSError:
        return str(path), 0.0


@st.cache_data(show_spinner=False, max_entries=4)
def _catalogue_problem(path: str, modified: float) -> str | None:
    """What is wrong with the recommendations file, read (never loaded into the database: only
    `tracker init` does that, as an administrator, on the audit trail). Keyed on the file's
    modification time, so a corrected file is read again."""
    try:
        setup.check_files(Path(path))
    except CatalogueError as exc:
        return str(exc)
    return None


@st.cache_resource(show_spinner=False, max_entries=8)
def _directory(url: str, reference: str) -> Directory:
    # Keyed on the reference part of the data version only: `tracker init` after an edit to the
    # organisations file changes it, so the next rerun reads the file again (no restart
    # needed), while recording evidence, which changes the rest of the version, does not.
    return setup.directory()


def directory(tracker: Tracker) -> Directory:
    """The organisations and regions files describe (for names the database does not hold,
    such as a recommendation's addressees)."""
    return _directory(tracker.url, tracker.version.reference)


@st.cache_data(show_spinner=False, max_entries=8)
def _regions(url: str, reference: str, active: int) -> list[progress.RegionName]:
    try:
        order = [r.id for r in _directory(url, reference).regions]
    except CatalogueError:  # a broken organisations file: still show what the database holds
        order = []
    return progress.regions(_catalogue_snapshot(url, reference, active), order=order)


def regions(tracker: Tracker) -> list[progress.RegionName]:
    """Every region with an assignment, named as the database names it, in the organisations
    file's order."""
    return _regions(tracker.url, *_catalogue_key(tracker))


def _catalogue_key(tracker: Tracker) -> tuple[str, int]:
    """The part of the data version the catalogue's answers depend on (recording evidence
    leaves it unchanged)."""
    return tracker.version.reference, tracker.version.active_assignments


@st.cache_resource(show_spinner=False, max_entries=8)
def _catalogue_snapshot(url: str, reference: str, active: int) -> progress.Snapshot:
    # The report and its assignments change only with the catalogue (the reference digest and
    # the number of active assignments), not with each update recorded. Shared, not copied: a
    # Snapshot is never changed after it is loaded.
    return progress.load_snapshot(engine=get_engine(url))


@st.cache_resource(show_spinner=False, max_entries=8)
def _snapshot(url: str, version: Version) -> progress.Snapshot:
    # A copy for each version, so whole histories read through it (``Snapshot.facts``) are
    # read at that version.
    return replace(_catalogue_snapshot(url, version.reference, version.active_assignments))


@st.cache_resource(show_spinner=False)
def _kept_views() -> live.KeptViews:
    # One per process, shared by its sessions: each view is brought up to date from the
    # writes since it was last asked for (``tracker.services.live``).
    return live.KeptViews()


def snapshot(tracker: Tracker) -> progress.Snapshot:
    return _snapshot(tracker.url, tracker.version)


def _filters_key(filters: progress.Filters) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(sorted(getattr(filters, f.name))) for f in fields(filters))


_FILTERS_HASH: dict[str | type[Any], Callable[[Any], Any]] = {progress.Filters: _filters_key}


def status_rows(
    tracker: Tracker,
    *,
    as_of: date,
    filters: progress.Filters | None = None,
    known_on: datetime | None = None,
) -> list[progress.StatusRow]:
    """Every assignment (that the filters admit) as of a date, as known on a moment if given."""
    return _kept_views().status_rows(
        snapshot(tracker),
        tracker.version,
        as_of=as_of,
        filters=filters or progress.Filters(),
        limits=progress.thresholds(),
        known_on=known_on,
    )


def month_series(
    tracker: Tracker,
    *,
    until: date,
    filters: progress.Filters | None = None,
    known_on: datetime | None = None,
) -> list[progress.SeriesPoint]:
    """The counts at each month end since publication, then on ``until``."""
    filters = filters or progress.Filters()
    return _kept_views().month_series(
        snapshot(tracker),
        tracker.version,
        until=until,
        latest=date.today(),  # the as-of picker's today
        filters=filters,
        limits=progress.thresholds(),
        known_on=known_on,
        rows_at_until=status_rows(tracker, as_of=until, filters=filters, known_on=known_on),
    )


def trend(
    tracker: Tracker,
    *,
    until: date,
    filters: progress.Filters | None = None,
    known_on: datetime | None = None,
) -> list[progress.TrendPoint]:
    """% implemented and number overdue at each month end since publication, then on ``until``."""
    found = month_series(tracker, until=until, filters=filters, known_on=known_on)
    return [point.trend_point() for point in found]


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=_FILTERS_HASH)
def _last_return(
    url: str, version: Version, view: board.BoardView, _rows: list[progress.StatusRow]
) -> board.LastReturn | None:
    # ``_rows`` are the status rows of ``view`` at ``version``: the key already says which.
    return board.last_return(get_engine(url), _rows, view=view)


def board_summary(tracker: Tracker, view: board.BoardView) -> board.BoardSummary:
    """The board summary for one view: what ``board.summary_from`` answers, from the kept
    status rows and month series."""
    filters, known_on = view.filters, view.known_on
    rows = status_rows(tracker, as_of=view.as_of, filters=filters, known_on=known_on)
    inputs = board.SummaryInputs(
        rows=rows,
        before=status_rows(
            tracker, as_of=view.since, filters=filters, known_on=board.since_moment(view)
        ),
        trend=month_series(tracker, until=view.as_of, filters=filters, known_on=known_on),
        last_return=_last_return(tracker.url, tracker.version, view, rows),
    )
    return board.summary_of(snapshot(tracker), view, inputs, limits=progress.thresholds())


@st.cache_data(show_spinner=False, max_entries=64)
def _history(
    url: str, version: Version, organisation_ids: tuple[str, ...] | None, recommendation: str | None
) -> list[store.UpdateRecord]:
    return progress.update_history(
        engine=get_engine(url),
        organisation_ids=list(organisation_ids) if organisation_ids is not None else None,
        recommendation=recommendation,
    )


def history(
    tracker: Tracker,
    *,
    organisation_ids: tuple[str, ...] | None = None,
    recommendation: str | None = None,
) -> list[store.UpdateRecord]:
    """Updates, newest evidence first, for some organisations and/or one recommendation."""
    return _history(tracker.url, tracker.version, organisation_ids, recommendation)


@st.cache_data(show_spinner=False, max_entries=8)
def _recommendations(url: str, reference: str, active: int) -> list[store.RecommendationInfo]:
    return progress.recommendations(engine=get_engine(url))


def recommendations(tracker: Tracker) -> list[store.RecommendationInfo]:
    """The catalogue as stored, R1 first."""
    return _recommendations(tracker.url, *_catalogue_key(tracker))


def recommendation(tracker: Tracker, code: str) -> store.RecommendationInfo:
    for info in recommendations(tracker):
        if info.code == code:
            return info
    raise LookupError(f"No recommendation {code} in this report.")


@st.cache_data(show_spinner=False, max_entries=8)
def _organisations(url: str, reference: str, active: int) -> list[OrganisationOption]:
    seen: dict[str, OrganisationOption] = {}
    for record in _catalogue_snapshot(url, reference, active).records:
        seen.setdefault(
            record.organisation_id,
            OrganisationOption(
                id=record.organisation_id,
                name=record.organisation,
                kind=record.organisation_kind,
                region_id=record.region_id,
                region=record.region,
            ),
        )
    return sorted(seen.values(), key=lambda o: (_KIND_ORDER.get(o.kind, 9), o.name))


_KIND_ORDER = {"force": 0, "local_policing_body": 1, "rocu": 2, "policing_body": 3, "government": 4}


def organisations(tracker: Tracker) -> list[OrganisationOption]:
    """Every organisation with at least one assignment: forces first, then by name."""
    return _organisations(tracker.url, *_catalogue_key(tracker))


def organisation(tracker: Tracker, organisation_id: str) -> OrganisationOption:
    for option in organisations(tracker):
        if option.id == organisation_id:
            return option
    raise LookupError(f"No organisation {organisation_id!r} has assignments.")


def attachment_loader(tracker: Tracker, attachment_id: int) -> Callable[[], bytes]:
    """Fetch a file only when someone asks to download it."""

    def load() -> bytes:
        _, content = progress.attachment(engine=tracker.engine, attachment_id=attachment_id)
        return content

    return load


# --- Writing -----------------------------------------------------------------------------


def record_update(
    tracker: Tracker,
    *,
    actor: Actor,
    recommendation: str,
    organisation_id: str,
    draft: UpdateDraft,
    expected_last_update_id: int | None,
) -> RecordedUpdate:
    """Append one update through the service (which checks it). No cache needs clearing: the
    data version changes, so the next rerun reads afresh."""
    return updates.record_update(
        engine=tracker.engine,
        actor=actor,
        recommendation=recommendation,
        organisation_id=organisation_id,
        draft=draft,
        expected_last_update_id=expected_last_update_id,
    )


def latest_recorded(
    tracker: Tracker, *, organisation_id: str, recommendation: str
) -> store.UpdateRecord | None:
    """The update most recently recorded for one assignment (what a new update follows on from).

    The highest id, as ``store.latest_recorded_update_id`` answers when the update is checked;
    taken from the cached history (no services function returns the update itself), so it costs
    no query of its own.
    """
    found = history(tracker, organisation_ids=(organisation_id,), recommendation=recommendation)
    return max(found, key=lambda u: u.id, default=None)


def assigned_recommendations(
    tracker: Tracker, organisation_id: str
) -> list[store.RecommendationInfo]:
    """The recommendations an organisation is accountable for, R1 first."""
    records = snapshot(tracker).records
    codes = {r.recommendation for r in records if r.organisation_id == organisation_id}
    return [r for r in recommendations(tracker) if r.code in codes]


# --- Review ------------------------------------------------------------------------------


def review_queue(tracker: Tracker, *, actor: Actor) -> list[store.UpdateRecord]:
    """Claims waiting for review, oldest first (not cached: it must show the latest decisions,
    and a queue is short)."""
    return reviews.queue(engine=tracker.engine, actor=actor)


def accept_claim(tracker: Tracker, *, actor: Actor, update_id: int, note: str) -> int:
    return reviews.accept(engine=tracker.engine, actor=actor, update_id=update_id, note=note)


def return_claim(tracker: Tracker, *, actor: Actor, update_id: int, reason: str) -> int:
    return reviews.return_claim(
        engine=tracker.engine, actor=actor, update_id=update_id, reason=reason
    )


def export_about(
    tracker: Tracker, *, as_of: date, filters: progress.Filters, known_on: datetime | None = None
) -> pd.DataFrame:
    """What a download answers for (the as-of date, the filters in words, the rule in force)."""
    return export.about_frame(
        as_of=as_of,
        filters=board.describe_filters(filters, snapshot(tracker)),
        known_on=moments.describe_known_on(known_on) if known_on else None,
    )
