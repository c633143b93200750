"""The dashboard's busiest answers kept current from the appended record, not worked out whole.

The record is append-only, and every write appends an audit event in its own transaction. The
events' ids rise in the order their transactions commit (appends to the chain take turns under
one lock), so what changed between two data versions is the events in between: an update
recorded, or a claim accepted or returned, names its assignment, and only those assignments are
assessed again (``store_audit.assignments_changed``), with those of any rows added past the
earlier version's highest ids with no event of their own. Anything else in between (a catalogue
reload, an import, demonstration data, a restore) works the answer out whole again.

Each answer here equals what ``progress.status_rows_from`` and ``progress.point_statuses`` give
over the whole record at the same version; ``tests/test_live.py`` checks it on both databases.
No Streamlit here: the dashboard keeps one ``KeptViews`` per process (``tracker.ui.data``).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from tracker import store, store_audit
from tracker.db import read_session
from tracker.rules import Rag, Status, Thresholds
from tracker.services import progress
from tracker.services.progress import (
    Filters,
    PointStatus,
    SeriesPoint,
    Snapshot,
    StatusRow,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Kept(Generic[T]):
    """One answer, per assignment, as the record stood at one data version."""

    version: store.DataVersion
    by_assignment: Mapping[int, T]


def catch_up(
    previous: Kept[T] | None,
    *,
    snapshot: Snapshot,
    version: store.DataVersion,
    compute: Callable[[Snapshot], Mapping[int, T]],
) -> Kept[T]:
    """The answer at ``version``: ``previous`` with only the assignments written to since
    assessed again, or worked out whole when that cannot be known."""
    if previous is not None and previous.version == version:
        return previous
    changed = None
    if (
        previous is not None
        and previous.version.reference == version.reference
        and previous.version.active_assignments == version.active_assignments
        and previous.version.audit_event <= version.audit_event
    ):
        with read_session(snapshot.engine) as session:
            changed = store_audit.assignments_changed(
                session=session,
                after=previous.version.audit_event,
                upto=version.audit_event,
                updates_after=previous.version.last_update_id,
                reviews_after=previous.version.last_review_id,
            )
    if previous is None or changed is None:
        return Kept(version, dict(compute(snapshot)))
    if not changed:
        return Kept(version, previous.by_assignment)
    touched = tuple(r for r in snapshot.records if r.assignment_id in changed)
    merged = dict(previous.by_assignment)
    merged.update(compute(replace(snapshot, records=touched)))
    return Kept(version, merged)


def _filters_key(filters: Filters) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(sorted(getattr(filters, f.name))) for f in fields(filters))


def point_from_row(row: StatusRow) -> PointStatus:
    """A status row as one point of a series (the same assessment, fewer fields)."""
    return PointStatus(Status(row.status), Rag(row.rag), row.overdue)


class KeptViews:
    """The status rows and month series of the views asked for lately, each kept current.

    Safe to share between the threads of one process: a view is brought up to date under a
    lock, so sessions asking at once wait for one piece of work rather than each doing it.
    """

    def __init__(self, *, limit: int = 64) -> None:
        self._limit = limit
        self._kept: OrderedDict[Hashable, Kept[Any]] = OrderedDict()
        # The counts of a series at one version, as last worked out (shared, never changed).
        self._counted: OrderedDict[Hashable, list[SeriesPoint]] = OrderedDict()
        self._lock = threading.Lock()

    def _current(
        self,
        key: Hashable,
        snapshot: Snapshot,
        version: store.DataVersion,
        compute: Callable[[Snapshot], Mapping[int, T]],
    ) -> Mapping[int, T]:
        with self._lock:
            kept = catch_up(
                self._kept.get(key), snapshot=snapshot, version=version, compute=compute
            )
            self._kept[key] = kept
            self._kept.move_to_end(key)
            while len(self._kept) > self._limit:
                self._kept.popitem(last=False)
            return kept.by_assignment

    def status_rows(
        self,
        snapshot: Snapshot,
        version: store.DataVersion,
        *,
        as_of: date,
        filters: Filters,
        limits: Thresholds,
        known_on: datetime | None = None,
    ) -> list[StatusRow]:
        """What ``progress.status_rows_from`` answers, in the same order."""

        def compute(part: Snapshot) -> dict[int, StatusRow]:
            rows = progress.status_rows_from(
                part, as_of=as_of, filters=filters, limits=limits, known_on=known_on
            )
            return {r.assignment_id: r for r in rows}

        where = (str(snapshot.engine.url), snapshot.report.id)
        key = ("rows", *where, as_of, _filters_key(filters), limits, known_on)
        found = self._current(key, snapshot, version, compute)
        return [found[r.assignment_id] for r in snapshot.records if r.assignment_id in found]

    def month_series(
        self,
        snapshot: Snapshot,
        version: store.DataVersion,
        *,
        until: date,
        latest: date,
        filters: Filters,
        limits: Thresholds,
        known_on: datetime | None = None,
        rows_at_until: Sequence[StatusRow],
    ) -> list[SeriesPoint]:
        """The counts at each month end since publication, then on ``until``: what
        ``progress.series`` gives over ``progress.point_statuses`` for
        ``progress.month_ends(published, until)``.

        The month ends are kept once for every date up to ``latest`` (today, usually), so a new
        as-of date only slices them; its own point comes from ``rows_at_until``, the status
        rows as of ``until`` with the same filters and known-on moment.
        """
        ends = progress.month_ends(snapshot.report.published, until)[:-1]
        longest = progress.month_ends(snapshot.report.published, max(until, latest))[:-1]

        def compute(part: Snapshot) -> dict[int, tuple[PointStatus, ...]]:
            return progress.point_statuses(
                part, points=longest, filters=filters, limits=limits, known_on=known_on
            )

        where = (str(snapshot.engine.url), snapshot.report.id)
        key = ("months", *where, tuple(longest), _filters_key(filters), limits, known_on)
        found = self._current(key, snapshot, version, compute)
        counted = (key, until, version)  # rows_at_until are those of this version
        with self._lock:
            if counted in self._counted:
                return self._counted[counted]
        cut = len(ends)
        statuses = ((*found[row.assignment_id][:cut], point_from_row(row)) for row in rows_at_until)
        result = progress.series([*ends, until], statuses)
        with self._lock:
            self._counted[counted] = result
            while len(self._counted) > self._limit:
                self._counted.popitem(last=False)
        return result
