"""The dashboard's kept views answer exactly what working the answer out whole answers.

``services.live.KeptViews`` brings its status rows and month series up to date from the writes
since it was last asked (only the assignments they name are assessed again). Here random runs of
writes through the services (updates recorded, claims accepted and returned), writes it cannot
follow one by one (an import's batch, rows added with no event of their own) and views of
several dates, filters and "known on" moments are checked after every step, on both databases,
against ``progress.status_rows_from`` and ``progress.point_statuses`` over the whole record.
"""

import uuid
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from utils.factories import MONITOR, TEST_ADMIN
from utils.history import append

from tracker import store, store_audit
from tracker.db import read_session, write_session
from tracker.evidence import UpdateDraft
from tracker.rules import Status, Thresholds
from tracker.services import audit as audit_trail
from tracker.services import live, progress, reviews, updates
from tracker.services.progress import Filters

TOUCHED = (("R3", "kent"), ("R2", "college_of_policing"), ("R10", "kent"), ("R4", "merseyside"))
TODAY = date.today()
LIMITS = Thresholds()

write = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["record", "record", "record", "review", "import", "silent"]),
        "which": st.integers(0, len(TOUCHED) - 1),
        "status": st.sampled_from(["in_progress", "implemented", "not_applicable", "not_started"]),
        "days_ago": st.integers(0, 900),
        "accept": st.booleans(),
    }
)
view = st.fixed_dictionaries(
    {
        "days_ago": st.sampled_from([0, 0, 45, 400]),
        "kent_only": st.booleans(),
        "known_on_days_ago": st.none() | st.integers(0, 3),
    }
)


def _version(engine: Engine) -> store.DataVersion:
    with read_session(engine) as session:
        return store.data_version(session=session)


def _write(engine: Engine, step: dict[str, object]) -> None:
    recommendation, organisation = TOUCHED[int(str(step["which"]))]
    evidence = TODAY - timedelta(days=int(str(step["days_ago"])))
    actor = TEST_ADMIN
    if step["kind"] == "record":
        updates.record_update(
            engine=engine,
            actor=actor,
            recommendation=recommendation,
            organisation_id=organisation,
            draft=UpdateDraft(
                status=str(step["status"]),
                evidence_date=evidence,
                narrative=f"Step {uuid.uuid4().hex}: the plan moves on.",
                links=("https://example.org/evidence",),
            ),
            source="cli",
        )
    elif step["kind"] == "review":
        waiting = reviews.queue(engine=engine, actor=MONITOR)
        if not waiting:
            return
        claim = waiting[int(str(step["which"])) % len(waiting)]
        if step["accept"]:
            reviews.accept(engine=engine, actor=MONITOR, update_id=claim.id)
        else:
            reviews.return_claim(engine=engine, actor=MONITOR, update_id=claim.id, reason="More.")
    elif step["kind"] == "import":
        # A batch with one event for the whole file: the kept views must start again.
        aid = _assignment(engine, recommendation, organisation)
        with write_session(engine) as session:
            store.append_updates(
                session=session,
                updates=[
                    store.NewUpdate(
                        assignment_id=aid,
                        status=Status(str(step["status"])),
                        evidence_date=evidence,
                        recorded_at=datetime.now().astimezone(),
                        recorded_by="Importer",
                        narrative="Imported for the test.",
                        links=(),
                        revised_target_date=None,
                        revision_reason=None,
                        source="import",
                        fingerprint=uuid.uuid4().hex,
                    )
                ],
            )
            audit_trail.record(
                session, actor, "updates_imported", object_type="import", object_id="test.csv"
            )
    else:
        # Rows added with no event at all (as a bulk load does).
        append(
            engine,
            recommendation=recommendation,
            organisation_id=organisation,
            status=Status(str(step["status"])),
            evidence_date=evidence,
            recorded_at=datetime.now().astimezone(),
        )


def _assignment(engine: Engine, recommendation: str, organisation: str) -> int:
    snapshot = progress.load_snapshot(engine=engine)
    return next(
        r.assignment_id
        for r in snapshot.records
        if r.recommendation == recommendation and r.organisation_id == organisation
    )


def _check(engine: Engine, kept: live.KeptViews, chosen: dict[str, object]) -> None:
    snapshot = progress.load_snapshot(engine=engine)
    version = _version(engine)
    as_of = TODAY - timedelta(days=int(str(chosen["days_ago"])))
    filters = Filters(organisation_ids=frozenset({"kent"})) if chosen["kent_only"] else Filters()
    known_on = None
    if chosen["known_on_days_ago"] is not None:
        known_on = datetime.now().astimezone() - timedelta(
            days=int(str(chosen["known_on_days_ago"]))
        )
    whole = progress.status_rows_from(
        snapshot, as_of=as_of, filters=filters, limits=LIMITS, known_on=known_on
    )
    rows = kept.status_rows(
        snapshot, version, as_of=as_of, filters=filters, limits=LIMITS, known_on=known_on
    )
    assert rows == whole
    points = progress.month_ends(snapshot.report.published, as_of)
    expected = progress.series(
        points,
        progress.point_statuses(
            snapshot, points=points, filters=filters, limits=LIMITS, known_on=known_on
        ).values(),
    )
    found = kept.month_series(
        snapshot,
        version,
        until=as_of,
        latest=TODAY,
        filters=filters,
        limits=LIMITS,
        known_on=known_on,
        rows_at_until=rows,
    )
    assert found == expected
    # And the trend the overview draws from it is the trend the rules give.
    trend = progress.trend(snapshot, until=as_of, filters=filters, limits=LIMITS, known_on=known_on)
    assert [p.trend_point() for p in found] == trend


@settings(
    max_examples=10,
    deadline=None,
    # Each example writes through the services on a real database: a failure is reported as
    # found, not shrunk (shrinking would take many minutes).
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(write, view), min_size=1, max_size=6), first=view)
def test_kept_views_equal_the_whole_answer_after_every_write(
    loaded_engine: Engine,
    steps: list[tuple[dict[str, object], dict[str, object]]],
    first: dict[str, object],
) -> None:
    kept = live.KeptViews()
    _check(loaded_engine, kept, first)
    for step, chosen in steps:
        _write(loaded_engine, step)
        _check(loaded_engine, kept, chosen)
        _check(loaded_engine, kept, first)


def test_a_write_to_one_assignment_is_caught_up_without_working_out_the_rest(
    loaded_engine: Engine,
) -> None:
    """Between two versions only the assignment written to is assessed again."""
    kept = live.KeptViews()
    snapshot = progress.load_snapshot(engine=loaded_engine)
    before = _version(loaded_engine)
    first = kept.status_rows(snapshot, before, as_of=TODAY, filters=Filters(), limits=LIMITS)
    _write(
        loaded_engine,
        {"kind": "record", "which": 0, "status": "in_progress", "days_ago": 0, "accept": True},
    )
    after = _version(loaded_engine)
    with read_session(loaded_engine) as session:
        changed = store_audit.assignments_changed(
            session=session,
            after=before.audit_event,
            upto=after.audit_event,
            updates_after=before.last_update_id,
            reviews_after=before.last_review_id,
        )
    assert changed == {_assignment(loaded_engine, "R3", "kent")}
    second = kept.status_rows(snapshot, after, as_of=TODAY, filters=Filters(), limits=LIMITS)
    moved = [a for a, b in zip(first, second, strict=True) if a != b]
    assert [r.assignment_id for r in moved] == [_assignment(loaded_engine, "R3", "kent")]
    # Rows of the assignments not written to are the very objects kept before.
    assert all(a is b for a, b in zip(first, second, strict=True) if a.assignment_id not in changed)


def test_writes_it_cannot_follow_one_by_one_start_the_view_again(loaded_engine: Engine) -> None:
    before = _version(loaded_engine)
    _write(
        loaded_engine,
        {"kind": "import", "which": 1, "status": "in_progress", "days_ago": 3, "accept": True},
    )
    after = _version(loaded_engine)
    with read_session(loaded_engine) as session:
        assert (
            store_audit.assignments_changed(
                session=session,
                after=before.audit_event,
                upto=after.audit_event,
                updates_after=before.last_update_id,
                reviews_after=before.last_review_id,
            )
            is None
        )


def test_rows_added_with_no_event_are_caught_up_too(loaded_engine: Engine) -> None:
    """A view kept before a recorded update and a row added with no event of its own (as a bulk
    load adds them) catches up with both."""
    kept = live.KeptViews()
    national: dict[str, object] = {"days_ago": 0, "kent_only": False, "known_on_days_ago": None}
    _check(loaded_engine, kept, national)
    _write(
        loaded_engine,
        {"kind": "record", "which": 3, "status": "in_progress", "days_ago": 10, "accept": True},
    )
    _write(
        loaded_engine,
        {"kind": "silent", "which": 2, "status": "not_started", "days_ago": 5, "accept": True},
    )
    _check(loaded_engine, kept, national)
