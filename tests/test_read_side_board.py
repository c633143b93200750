"""The board's views read only what they show, and answer exactly as over the whole history.

"Changes since" finds the update that speaks for each end of the window, the revised target date
in force then, and when a silent organisation last recorded anything, by index; target-date
slippage reads only the revisions of the assignments in view. Here, on random histories (as in
``test_read_side``) and on the demonstration data, on both databases, their answers are compared
with the same questions put to every update of every assignment through the pure rules.
"""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from utils.random_history import PUBLISHED, event, write_events

from tracker import store, store_board
from tracker.db import read_session
from tracker.moments import end_of_uk_day
from tracker.movement import change_kinds, target_in_force
from tracker.rules import (
    Assessment,
    Thresholds,
    UpdateFact,
    assess,
    known_on_moment,
    utc_moment,
)
from tracker.services import changes, progress, slippage, timeline
from tracker.services.progress import Filters

KENT = Filters(organisation_ids=frozenset({"kent"}))


def _whole(
    history: list[UpdateFact],
    record: store.AssignmentRecord,
    published: date,
    day: date,
    known_on: datetime | None,
    limits: Thresholds,
) -> Assessment:
    return assess(
        updates=history,
        deadline=record.deadline,
        as_of=day,
        reporting_from=published,
        thresholds=limits,
        known_on=known_on,
    )


def _check_changes(
    engine: Engine,
    *,
    since: date,
    as_of: date,
    known_on: datetime | None,
    filters: Filters,
    limits: Thresholds,
) -> int:
    """Compares the movements and silent organisations with the same worked out over every
    update of every assignment (the way the changes view once read them); returns how many
    assignments moved."""
    snapshot = progress.load_snapshot(engine=engine)
    with read_session(engine) as session:
        facts = store.update_facts(session=session)
    recorded = changes.recorded_between(engine=engine, since=since, as_of=as_of, known_on=known_on)
    found = changes.changes_from(
        snapshot,
        recorded,
        since=since,
        as_of=as_of,
        known_on=known_on,
        filters=filters,
        limits=limits,
    )

    from_known = end_of_uk_day(since)
    if known_on is not None and utc_moment(known_on) < utc_moment(from_known):
        from_known = known_on
    records = [r for r in snapshot.records if filters.admits(r)]
    owners = {r.assignment_id: r.organisation_id for r in records}
    names = {r.organisation_id: r.organisation for r in records}
    sent = {owners[u.assignment_id] for u in recorded if u.assignment_id in owners}
    moved = []
    open_by_org: dict[str, int] = {}
    last: dict[str, datetime] = {}
    published = snapshot.report.published
    for rec in records:
        history = facts.get(rec.assignment_id, [])
        before = _whole(history, rec, published, since, from_known, limits)
        after = _whole(history, rec, published, as_of, known_on, limits)
        known = known_on_moment(history, known_on) if known_on else history
        for fact in known:
            moment = utc_moment(fact.recorded_at)
            if rec.organisation_id not in last or moment > last[rec.organisation_id]:
                last[rec.organisation_id] = moment
        open_by_org.setdefault(rec.organisation_id, 0)
        if not after.status.is_closed:
            open_by_org[rec.organisation_id] += 1
        target_before = target_in_force(known_on_moment(history, from_known), since)
        target_after = target_in_force(known, as_of)
        kinds = change_kinds(before, after, target_before=target_before, target_after=target_after)
        if kinds:
            moved.append(
                (
                    rec.assignment_id,
                    (before.status.value, before.rag.value, before.review.value),
                    (after.status.value, after.rag.value, after.review.value),
                    (before.days_overdue, after.days_overdue),
                    tuple(k.value for k in kinds),
                    (target_before, target_after),
                )
            )
    silent = sorted(
        (
            (org, count, last.get(org))
            for org, count in open_by_org.items()
            if count > 0 and org not in sent
        ),
        key=lambda s: (s[2] is not None, s[2] or datetime.min.replace(tzinfo=UTC), names[s[0]]),
    )

    assert [
        (
            m.assignment_id,
            (m.from_status, m.from_rag, m.from_review),
            (m.to_status, m.to_rag, m.to_review),
            (m.from_days_overdue, m.to_days_overdue),
            m.change,
            (m.from_target, m.to_target),
        )
        for m in found.movements
    ] == moved, (since, as_of, known_on, filters)
    assert [
        (s.organisation_id, s.open_assignments, s.last_recorded) for s in found.silent
    ] == silent, (since, as_of, known_on, filters)
    return len(moved)


def _reference_slips(
    engine: Engine, *, as_of: date, known_on: datetime | None, filters: Filters
) -> list[slippage.AssignmentSlip]:
    snapshot = progress.load_snapshot(engine=engine)
    with read_session(engine) as session:
        every = store_board.target_updates(session=session)
    return slippage.slippage_from(snapshot, every, as_of=as_of, known_on=known_on, filters=filters)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(event, min_size=1, max_size=8),
    windows=st.lists(st.tuples(st.integers(0, 1300), st.integers(1, 400)), min_size=1, max_size=2),
    known_offsets=st.lists(st.integers(-2, 2), max_size=2),
    claims_count=st.booleans(),
)
def test_changes_and_slippage_by_index_equal_the_whole_history_on_random_histories(
    loaded_engine: Engine,
    events: list[dict[str, object]],
    windows: list[tuple[int, int]],
    known_offsets: list[int],
    claims_count: bool,
) -> None:
    moments = write_events(loaded_engine, events)
    limits = Thresholds(count_claimed_as_complete=claims_count)
    known: list[datetime | None] = [None]
    known += [moments[i % len(moments)] + timedelta(minutes=o) for i, o in enumerate(known_offsets)]
    # Windows: drawn ones, and one ending on an evidence date (the boundary day).
    pairs = {(PUBLISHED + timedelta(days=s), PUBLISHED + timedelta(days=s + n)) for s, n in windows}
    first = PUBLISHED + timedelta(days=int(str(events[0]["evidence"])))
    pairs.add((first - timedelta(days=30), first))
    for since, as_of in sorted(pairs):
        for known_on in known:
            for filters in (Filters(), KENT):
                _check_changes(
                    loaded_engine,
                    since=since,
                    as_of=as_of,
                    known_on=known_on,
                    filters=filters,
                    limits=limits,
                )
                assert slippage.slippage(
                    engine=loaded_engine, as_of=as_of, known_on=known_on, filters=filters
                ) == _reference_slips(
                    loaded_engine, as_of=as_of, known_on=known_on, filters=filters
                ), (as_of, known_on, filters)


def test_changes_and_slippage_on_the_demonstration_history(demo_engine: Engine) -> None:
    limits = progress.thresholds()
    snapshot = progress.load_snapshot(engine=demo_engine)
    published = snapshot.report.published
    moved = 0
    for since, as_of in (
        (published + timedelta(days=90), published + timedelta(days=400)),
        (date(2024, 1, 31), date(2024, 4, 30)),
        (published, date.today()),
    ):
        for known_on in (None, datetime.combine(as_of, time(12), tzinfo=UTC)):
            moved += _check_changes(
                demo_engine,
                since=since,
                as_of=as_of,
                known_on=known_on,
                filters=Filters(),
                limits=limits,
            )
            assert slippage.slippage(
                engine=demo_engine, as_of=as_of, known_on=known_on
            ) == _reference_slips(demo_engine, as_of=as_of, known_on=known_on, filters=Filters())
    # A real test of the demonstration history: plenty moved.
    assert moved > 50


def _whole_timeline(
    engine: Engine, organisation_id: str, as_of: date, per_recommendation: int
) -> tuple[list[int], dict[str, int], int]:
    """What the evidence timeline showed when it read the organisation's whole history."""
    every = progress.update_history(engine=engine, organisation_ids=[organisation_id])
    up_to = [u for u in every if u.evidence_date <= as_of]
    groups: dict[str, list[int]] = {}
    for u in up_to:
        groups.setdefault(u.recommendation, []).append(u.id)
    shown = [uid for ids in groups.values() for uid in ids[:per_recommendation]]
    return (
        sorted(shown),
        {code: len(ids) for code, ids in groups.items()},
        len(every) - len(up_to),
    )


def test_the_evidence_timeline_reads_only_what_it_shows(demo_engine: Engine) -> None:
    snapshot = progress.load_snapshot(engine=demo_engine)
    published = snapshot.report.published
    organisations = sorted({r.organisation_id for r in snapshot.records})
    for organisation_id in [*organisations[::7], "kent"]:
        for as_of in (published + timedelta(days=200), date(2024, 6, 30), date.today()):
            for per in (1, 3, timeline.SHOWN_PER_RECOMMENDATION):
                found = timeline.recent_history(
                    engine=demo_engine,
                    organisation_id=organisation_id,
                    as_of=as_of,
                    per_recommendation=per,
                )
                ids, counts, later = _whole_timeline(demo_engine, organisation_id, as_of, per)
                assert (sorted(u.id for u in found.updates), found.counts, found.later) == (
                    ids,
                    counts,
                    later,
                ), (organisation_id, as_of, per)
                # Newest evidence first, ties to the later id, as the whole history was ordered.
                assert [(u.evidence_date, u.id) for u in found.updates] == sorted(
                    ((u.evidence_date, u.id) for u in found.updates), reverse=True
                )
    kent = timeline.recent_history(
        engine=demo_engine, organisation_id="kent", as_of=date.today(), per_recommendation=1
    )
    assert any(count > 1 for count in kent.counts.values())  # the limit was tested
