"""An organisation's evidence timeline as of a date: the newest updates of each recommendation,
with how many there are in all (the rest are in the exports)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine

from tracker import store, store_timeline
from tracker.db import read_session
from tracker.services.progress import NoCatalogueError

# A page showing every update of a long history would take seconds to draw and be no easier to
# read; the full history is in the exports.
SHOWN_PER_RECOMMENDATION = 25


@dataclass(frozen=True)
class Timeline:
    # Newest evidence first (ties to the later id), at most ``shown`` a recommendation.
    updates: tuple[store.UpdateRecord, ...]
    counts: dict[str, int]  # per recommendation: updates with evidence on or before the date
    later: int  # updates with evidence dated after it, not shown
    shown: int = SHOWN_PER_RECOMMENDATION


def recent_history(
    *,
    engine: Engine,
    organisation_id: str,
    as_of: date,
    per_recommendation: int = SHOWN_PER_RECOMMENDATION,
) -> Timeline:
    """The organisation's newest updates up to ``as_of``, ``per_recommendation`` of each."""
    orgs = [organisation_id]
    with read_session(engine) as session:
        report = store.report_info(session=session)
        if report is None:
            raise NoCatalogueError("No recommendations are loaded yet: run `tracker init`.")
        counts = store_timeline.timeline_counts(
            session=session, report_id=report.id, organisation_ids=orgs, as_of=as_of
        )
        ids = store_timeline.newest_update_ids(
            session=session,
            report_id=report.id,
            organisation_ids=orgs,
            as_of=as_of,
            per_recommendation=per_recommendation,
        )
        updates = (
            store.update_history(
                session=session, report_id=report.id, organisation_ids=orgs, update_ids=ids
            )
            if ids
            else []
        )
    return Timeline(
        updates=tuple(updates),
        counts=counts.up_to,
        later=counts.later,
        shown=per_recommendation,
    )
