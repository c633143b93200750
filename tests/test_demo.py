"""The demonstration data set: repeatable, complete, and a believable mix."""

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from utils.factories import (
    KENT_EDITOR,
    MONITOR,
    TEST_ADMIN,
    VIEWER,
    count_rows,
    count_updates,
    record,
)

from tracker.catalogue import load_directory
from tracker.db import upgrade_schema
from tracker.roles import Actor
from tracker.services import audit, demo, progress, users
from tracker.services.access import AccessDeniedError
from tracker.services.demo import DEMO_UNTIL

AS_OF = date(2026, 11, 23)
PUBLISHED = date(2023, 4, 5)


def test_filling_the_demo_again_adds_nothing(demo_engine: Engine) -> None:
    before = count_updates(demo_engine)
    stored, already = demo.fill_demo(engine=demo_engine, actor=TEST_ADMIN)
    assert (stored, already) == (0, before)
    assert count_updates(demo_engine) == before


def test_demo_on_a_fresh_database_reports_what_it_stored(loaded_engine: Engine) -> None:
    stored, already = demo.fill_demo(engine=loaded_engine, actor=TEST_ADMIN)
    assert already == 0
    assert stored == count_updates(loaded_engine) > 1000


def test_demo_needs_the_catalogue_loaded_first(engine: Engine) -> None:
    upgrade_schema(engine)
    with pytest.raises(LookupError, match="tracker init"):
        demo.fill_demo(engine=engine, actor=TEST_ADMIN)


def test_every_force_has_a_history_of_updates(demo_engine: Engine) -> None:
    history = progress.update_history(engine=demo_engine)
    reported = {u.organisation_id for u in history}
    assert {f.id for f in load_directory().forces} <= reported


def test_demo_covers_every_assignment(demo_engine: Engine) -> None:
    rows = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    assert len(rows) == 487


def test_demo_mix_has_implemented_in_progress_overdue_and_stale_assignments(
    demo_engine: Engine,
) -> None:
    rows = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    statuses = Counter(r.status for r in rows)
    assert statuses["implemented"] > len(rows) / 2
    assert statuses["in_progress"] > 0
    assert statuses["not_applicable"] > 0
    assert sum(r.overdue for r in rows) > 0
    assert sum(r.stale for r in rows) > 0
    assert sum(r.never_reported for r in rows) > 0
    assert {r.rag for r in rows} >= {"red", "complete"}


def test_demo_history_changes_over_time(demo_engine: Engine) -> None:
    early = progress.national_rollup(
        progress.status_rows(engine=demo_engine, as_of=date(2023, 6, 1))
    )
    late = progress.national_rollup(progress.status_rows(engine=demo_engine, as_of=AS_OF))
    assert early.percent_implemented < late.percent_implemented
    assert early.implemented < late.implemented


def test_demo_updates_would_pass_the_checks_a_person_faces(demo_engine: Engine) -> None:
    history = progress.update_history(engine=demo_engine)
    assert all(PUBLISHED <= u.evidence_date <= DEMO_UNTIL for u in history)
    assert all(u.narrative.strip() and u.recorded_by.strip() for u in history)
    revised = [u for u in history if u.revised_target_date is not None]
    assert revised and all(u.revision_reason for u in revised)
    assert {u.source for u in history} == {"demo"}


def test_demo_claims_are_mostly_accepted_some_returned_with_reasons_some_waiting(
    demo_engine: Engine,
) -> None:
    rows = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    reviews = Counter(r.review for r in rows)
    assert reviews["accepted"] > reviews["returned"] > 0
    assert reviews["awaiting_review"] > 0
    returned = [r for r in rows if r.review == "returned"]
    assert all(r.return_reason and r.status == "in_progress" for r in returned)
    accepted = [r for r in rows if r.review == "accepted"]
    assert all(r.status == r.self_assessed_status for r in accepted)


def test_filling_the_demo_again_adds_no_reviews(demo_engine: Engine) -> None:
    before = count_rows(demo_engine, "review")
    assert before > 0
    demo.fill_demo(engine=demo_engine, actor=TEST_ADMIN)
    assert count_rows(demo_engine, "review") == before


def audit_actions(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, outcome FROM audit_event ORDER BY id")).all()
    return [(str(action), str(outcome)) for action, outcome in rows]


def test_loading_the_demo_keeps_one_event_on_a_chain_that_verifies(loaded_engine: Engine) -> None:
    stored, _ = demo.fill_demo(engine=loaded_engine, actor=TEST_ADMIN)
    loaded = [a for a, _ in audit_actions(loaded_engine) if a == "demo_loaded"]
    assert len(loaded) == 1
    with loaded_engine.connect() as conn:
        after = conn.execute(
            text("SELECT after FROM audit_event WHERE action = 'demo_loaded'")
        ).scalar_one()
    assert str(stored) in str(after)
    assert audit.verify(engine=loaded_engine).ok

    demo.fill_demo(engine=loaded_engine, actor=TEST_ADMIN)  # a repeat adds nothing to record
    assert [a for a, _ in audit_actions(loaded_engine) if a == "demo_loaded"] == loaded


def test_demo_is_refused_on_a_database_with_a_real_update(loaded_engine: Engine) -> None:
    record(loaded_engine, narrative="A real update from Kent.")
    events = count_rows(loaded_engine, "audit_event")
    with pytest.raises(demo.RealDataError, match="1 real update"):
        demo.fill_demo(engine=loaded_engine, actor=TEST_ADMIN)
    assert count_updates(loaded_engine) == 1
    assert count_rows(loaded_engine, "tracker_user") == 0
    assert count_rows(loaded_engine, "audit_event") == events


def test_demo_is_refused_on_a_database_with_a_real_user(loaded_engine: Engine) -> None:
    users.create_user(engine=loaded_engine, actor=TEST_ADMIN, username="chief.admin", role="admin")
    events = count_rows(loaded_engine, "audit_event")
    with pytest.raises(demo.RealDataError, match=r"chief\.admin"):
        demo.fill_demo(engine=loaded_engine, actor=TEST_ADMIN)
    assert count_updates(loaded_engine) == 0
    assert count_rows(loaded_engine, "tracker_user") == 1
    assert count_rows(loaded_engine, "audit_event") == events


@pytest.mark.parametrize("actor", [VIEWER, KENT_EDITOR, MONITOR], ids=lambda a: a.role.value)
def test_only_an_administrator_may_load_the_demo(loaded_engine: Engine, actor: Actor) -> None:
    with pytest.raises(AccessDeniedError, match="cannot load demonstration data"):
        demo.fill_demo(engine=loaded_engine, actor=actor)
    assert count_updates(loaded_engine) == 0
    assert count_rows(loaded_engine, "tracker_user") == 0
    assert audit_actions(loaded_engine) == [("load_demo", "refused")]


# --- A history a board would believe ---------------------------------------------------------


def test_each_kind_of_organisation_speaks_as_itself(demo_engine: Engine) -> None:
    history = progress.update_history(engine=demo_engine)
    kinds = {o.id: o.kind.value for o in load_directory().organisations}
    for update in history:
        words = update.narrative.lower()
        if kinds[update.organisation_id] != "force":
            # Only a force speaks of "the force's audit team" or its own chief officer group.
            assert "force's audit team" not in words and "chief officer group" not in words
        if kinds[update.organisation_id] == "government":
            assert "force" not in words, update.narrative
            assert "force" not in update.recorded_by.lower()
    said_by = {u.organisation_id: u.narrative for u in history}
    assert "NPCC" in said_by["npcc"] or "Chief Constables' Council" in said_by["npcc"]
    assert "College" in said_by["college_of_policing"]
    assert "agency" in said_by["nca"]


def test_the_demo_board_meets_each_quarter_and_loading_again_adds_no_meeting(
    demo_engine: Engine,
) -> None:
    from tracker.services import meetings

    held = [m.held_on for m in meetings.list_meetings(engine=demo_engine)]
    assert held == sorted(demo.DEMO_MEETINGS, reverse=True)
    demo.fill_demo(engine=demo_engine, actor=TEST_ADMIN)
    assert count_rows(demo_engine, "meeting") == len(demo.DEMO_MEETINGS)


def test_some_dates_keep_moving_with_reasons_and_some_returns_are_back_dated(
    demo_engine: Engine,
) -> None:
    from tracker.movement import is_back_dated
    from tracker.services import slippage

    slips = slippage.slippage(engine=demo_engine, as_of=AS_OF)
    assert sum(s.keeps_moving for s in slips) > 5
    assert all(r.reason for s in slips for r in s.revisions)
    dated = [s for s in slips if s.revisions and s.deadline is not None]
    assert dated and all(s.days_slipped is not None and s.days_slipped > 0 for s in dated)
    history = progress.update_history(engine=demo_engine)
    late = [u for u in history if is_back_dated(u.evidence_date, u.recorded_at)]
    assert 0.02 * len(history) < len(late) < 0.15 * len(history)
    assert all(u.recorded_at.date() <= demo.DEMO_RECORDED_UNTIL for u in history)


def test_most_returned_claims_are_answered_and_some_are_still_returned(
    demo_engine: Engine,
) -> None:
    with demo_engine.connect() as conn:
        pairs = conn.execute(
            text(
                "SELECT r.decision, u.assignment_id, u.evidence_date FROM review r "
                "JOIN evidence_update u ON u.id = r.update_id"
            )
        ).all()
    returned = {aid for decision, aid, _ in pairs if decision == "returned"}
    accepted = {aid for decision, aid, _ in pairs if decision == "accepted"}
    answered = returned & accepted  # returned, answered with a new claim, then accepted
    assert len(answered) > len(returned) / 3
    rows = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    assert any(r.review == "returned" for r in rows)


# --- Return rounds and statutory responses ---------------------------------------------------


def test_the_demo_has_a_closed_round_and_an_open_one_with_every_kind_of_return(
    demo_engine: Engine,
) -> None:
    from tracker.services import rounds

    found = rounds.list_rounds(engine=demo_engine)
    closed = [r for r in found if not r.is_open(AS_OF)]
    still_open = [r for r in found if r.is_open(AS_OF)]
    assert closed and still_open
    states: Counter[rounds.ReturnState] = Counter()
    for info in found:
        for day in (AS_OF, info.due_date + timedelta(days=1)):
            returns = rounds.round_returns(engine=demo_engine, round_id=info.id, as_of=day)
            states.update(o.state for o in returns.organisations)
            # The rounds service counts a return only once every assignment asked is updated.
            for row in returns.organisations:
                assert (row.updated == row.asked) == row.state.has_returned
    assert set(states) == set(rounds.ReturnState)
    finished = rounds.round_returns(engine=demo_engine, round_id=closed[0].id, as_of=AS_OF)
    summary = finished.national
    # Many returned on time, a few late, and some never did (a claim still waiting for review
    # or an assignment never reported on holds an organisation's return back).
    on_time = summary.returned - summary.returned_late
    assert on_time > summary.returned_late > 0
    assert summary.late > 0 and on_time > summary.asked / 3
    coming = rounds.round_returns(engine=demo_engine, round_id=still_open[0].id, as_of=AS_OF)
    assert still_open[0].due_date > AS_OF
    assert coming.national.returned > 0 and coming.national.not_yet_due > 0


def test_the_demo_responses_are_mostly_on_time_some_late_some_missing(
    demo_engine: Engine,
) -> None:
    from tracker.services import responses
    from tracker.text import is_safe_url

    rows = responses.responses_as_of(engine=demo_engine, as_of=AS_OF)
    states = Counter(r.state for r in rows)
    assert states[responses.ResponseState.ON_TIME] > len(rows) / 2
    assert states[responses.ResponseState.LATE] > 0
    assert states[responses.ResponseState.MISSING] > 0
    links = [r.url for r in rows if r.url is not None]
    assert (
        len(links) == states[responses.ResponseState.ON_TIME] + states[responses.ResponseState.LATE]
    )
    # Placeholders, never a real body's page.
    assert all(is_safe_url(u) and u.startswith("https://example.org/demo/") for u in links)
    before = responses.responses_as_of(engine=demo_engine, as_of=date(2023, 5, 1))
    assert {r.state for r in before} <= {
        responses.ResponseState.ON_TIME,
        responses.ResponseState.NOT_YET_DUE,
    }


def test_filling_the_demo_again_adds_no_round_return_or_response(demo_engine: Engine) -> None:
    tables = ("return_round", "return_round_closure", "statutory_response", "review")
    before = {t: count_rows(demo_engine, t) for t in tables}
    assert before["return_round"] == len(demo.DEMO_ROUNDS)
    demo.fill_demo(engine=demo_engine, actor=TEST_ADMIN)
    assert {t: count_rows(demo_engine, t) for t in tables} == before
