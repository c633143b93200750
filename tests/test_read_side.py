"""The read side answers exactly as the rules do, on random histories, on both databases.

The status table and the trend find the update that speaks for a date in SQL (one index lookup
per assignment) and hand only that update to ``rules.assess``. Here random histories (updates in
any order, back-dated evidence, corrections on the same evidence date, recording times that tie,
claims accepted or returned, revised target dates) are written straight to the store with the
moments chosen, and for many as-of dates and "known on" moments the answer is compared with
``rules.assess`` over each assignment's whole history, for every assignment of the report.
"""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from utils.history import append
from utils.random_history import PUBLISHED, event, write_events

from tracker import store
from tracker.db import read_session
from tracker.rules import Status, Thresholds, assess, rollup
from tracker.services import progress


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _reference(
    engine: Engine, as_of: date, known_on: datetime | None, limits: Thresholds
) -> dict[int, tuple[object, ...]]:
    """Every assignment assessed by the pure rules over its whole history."""
    with read_session(engine) as session:
        report = store.report_info(session=session)
        assert report is not None
        records = store.assignment_records(session=session, report_id=report.id)
        facts = store.update_facts(session=session)
    out: dict[int, tuple[object, ...]] = {}
    for r in records:
        a = assess(
            updates=facts.get(r.assignment_id, []),
            deadline=r.deadline,
            as_of=as_of,
            reporting_from=report.published,
            thresholds=limits,
            known_on=known_on,
        )
        out[r.assignment_id] = (
            a.status.value,
            a.rag.value,
            a.overdue,
            a.days_overdue,
            a.last_update,
            a.last_update_id,
            a.stale,
            a.never_reported,
            a.revised_target_date,
            a.claimed_status.value,
            a.review.value,
            a.return_reason,
        )
    return out


def _ours(
    engine: Engine, as_of: date, known_on: datetime | None, limits: Thresholds
) -> dict[int, tuple[object, ...]]:
    snapshot = progress.load_snapshot(engine=engine)
    rows = progress.status_rows_from(snapshot, as_of=as_of, limits=limits, known_on=known_on)
    return {
        r.assignment_id: (
            r.status,
            r.rag,
            r.overdue,
            r.days_overdue,
            r.last_update,
            r.last_update_id,
            r.stale,
            r.never_reported,
            r.revised_target_date,
            r.self_assessed_status,
            r.review,
            r.return_reason,
        )
        for r in rows
    }


def _reference_trend(
    engine: Engine, until: date, known_on: datetime | None, limits: Thresholds
) -> list[tuple[date, float, int, int]]:
    with read_session(engine) as session:
        report = store.report_info(session=session)
        assert report is not None
        records = store.assignment_records(session=session, report_id=report.id)
        facts = store.update_facts(session=session)
    points = []
    for point in progress.month_ends(report.published, until):
        summary = rollup(
            assess(
                updates=facts.get(r.assignment_id, []),
                deadline=r.deadline,
                as_of=point,
                reporting_from=report.published,
                thresholds=limits,
                known_on=known_on,
            )
            for r in records
        )
        points.append((point, summary.percent_implemented, summary.overdue, summary.implemented))
    return points


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(event, min_size=1, max_size=8),
    as_of_days=st.lists(st.integers(-10, 1400), min_size=1, max_size=3),
    known_offsets=st.lists(st.integers(-2, 2), max_size=2),
    claims_count=st.booleans(),
)
def test_status_and_trend_from_sql_equal_the_rules_on_random_histories(
    loaded_engine: Engine,
    events: list[dict[str, object]],
    as_of_days: list[int],
    known_offsets: list[int],
    claims_count: bool,
) -> None:
    # The database keeps what earlier examples wrote: histories only grow, as in real use.
    moments = write_events(loaded_engine, events)
    limits = Thresholds(count_claimed_as_complete=claims_count)
    # As-of dates: drawn ones and the evidence dates themselves (the boundary day).
    days = {PUBLISHED + timedelta(days=d) for d in as_of_days}
    days |= {PUBLISHED + timedelta(days=int(str(e["evidence"]))) for e in events[:2]}
    # Known-on moments: none, exactly a recording or review moment, and a minute either side.
    known: list[datetime | None] = [None]
    known += [moments[i % len(moments)] + timedelta(minutes=o) for i, o in enumerate(known_offsets)]
    for as_of in sorted(days):
        for known_on in known:
            assert _ours(loaded_engine, as_of, known_on, limits) == _reference(
                loaded_engine, as_of, known_on, limits
            ), (as_of, known_on)
    until = max(days)
    snapshot = progress.load_snapshot(engine=loaded_engine)
    for known_on in known[:2]:
        trend = progress.trend(snapshot, until=until, limits=limits, known_on=known_on)
        assert [
            (p.as_of, p.percent_implemented, p.overdue, p.implemented) for p in trend
        ] == _reference_trend(loaded_engine, until, known_on, limits)


def test_the_review_queue_and_the_latest_update_follow_the_index_order(
    loaded_engine: Engine,
) -> None:
    # Same evidence date: the one recorded later speaks, so only its claim waits for review.
    first = append(
        loaded_engine,
        recommendation="R3",
        organisation_id="kent",
        status=Status.IMPLEMENTED,
        evidence_date=date(2024, 3, 1),
        recorded_at=_moment(date(2024, 3, 2), 9),
    )
    second = append(
        loaded_engine,
        recommendation="R3",
        organisation_id="kent",
        status=Status.NOT_APPLICABLE,
        evidence_date=date(2024, 3, 1),
        recorded_at=_moment(date(2024, 3, 2), 12),
        narrative="Not applicable: no such unit here.",
    )
    # An older evidence date recorded afterwards does not speak for now.
    append(
        loaded_engine,
        recommendation="R3",
        organisation_id="kent",
        status=Status.IN_PROGRESS,
        evidence_date=date(2024, 1, 1),
        recorded_at=_moment(date(2024, 3, 5), 9),
    )
    from tracker import store_reviews

    with read_session(loaded_engine) as session:
        report = store.report_info(session=session)
        assert report is not None
        queue = store_reviews.review_queue(session=session, report_id=report.id)
        (row,) = [
            r
            for r in progress.status_rows(engine=loaded_engine, as_of=date(2024, 6, 1))
            if r.organisation_id == "kent" and r.recommendation == "R3"
        ]
    assert [u.id for u in queue] == [second]
    assert first != second and row.last_update_id == second
