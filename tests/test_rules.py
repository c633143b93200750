"""The tracker's rules, as pure functions: no database, no clock."""

import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest

from tracker.rules import (
    RULES_TEXT,
    Assessment,
    Decision,
    Rag,
    ReviewFact,
    ReviewState,
    Status,
    Thresholds,
    UpdateFact,
    assess,
    claims_rule,
    days_overdue,
    is_overdue,
    latest_update,
    rollup,
    rollup_rag,
    status_as_of,
)

PUBLISHED = date(2023, 4, 5)
DEADLINE = date(2023, 10, 31)
DEFAULTS = Thresholds()


def fact(
    uid: int,
    status: Status,
    evidence: date,
    recorded: datetime | None = None,
    revised: date | None = None,
    reviews: tuple[ReviewFact, ...] | None = None,
) -> UpdateFact:
    """An update; a claim (implemented, not applicable) is accepted the same day unless
    ``reviews`` says otherwise."""
    if reviews is None:
        reviews = (ReviewFact(Decision.ACCEPTED, evidence),) if status.is_closed else ()
    return UpdateFact(
        id=uid,
        status=status,
        evidence_date=evidence,
        recorded_at=recorded or datetime.combine(evidence, datetime.min.time()),
        revised_target_date=revised,
        reviews=reviews,
    )


def assess_on(
    as_of: date,
    updates: list[UpdateFact] | None = None,
    deadline: date | None = DEADLINE,
    thresholds: Thresholds = DEFAULTS,
) -> Assessment:
    return assess(
        updates=updates or [],
        deadline=deadline,
        as_of=as_of,
        reporting_from=PUBLISHED,
        thresholds=thresholds,
    )


# --- Status as of a date ------------------------------------------------------------------


def test_status_is_the_latest_evidence_on_or_before_the_date() -> None:
    updates = [
        fact(1, Status.IN_PROGRESS, date(2023, 6, 1)),
        fact(2, Status.IMPLEMENTED, date(2023, 9, 1)),
    ]
    assert status_as_of(updates, date(2023, 8, 31)) == Status.IN_PROGRESS
    assert status_as_of(updates, date(2023, 9, 1)) == Status.IMPLEMENTED


def test_status_ignores_updates_whose_evidence_is_after_the_date() -> None:
    updates = [fact(1, Status.IMPLEMENTED, date(2024, 1, 10))]
    assert status_as_of(updates, date(2024, 1, 9)) == Status.NOT_STARTED


def test_status_is_not_started_without_updates() -> None:
    assert status_as_of([], date(2024, 1, 1)) == Status.NOT_STARTED


def test_status_follows_evidence_date_not_the_order_of_recording() -> None:
    # An older piece of evidence recorded late does not override newer evidence.
    updates = [
        fact(1, Status.IMPLEMENTED, date(2023, 9, 1), recorded=datetime(2023, 9, 2, 9)),
        fact(2, Status.IN_PROGRESS, date(2023, 7, 1), recorded=datetime(2023, 12, 1, 9)),
    ]
    assert status_as_of(updates, date(2023, 12, 31)) == Status.IMPLEMENTED


def test_same_evidence_date_goes_to_the_update_recorded_last() -> None:
    day = date(2023, 9, 1)
    first = fact(7, Status.IMPLEMENTED, day, recorded=datetime(2023, 9, 2, 9))
    correction = fact(3, Status.IN_PROGRESS, day, recorded=datetime(2023, 9, 3, 9))
    assert status_as_of([first, correction], day) == Status.IN_PROGRESS
    assert status_as_of([correction, first], day) == Status.IN_PROGRESS
    latest = latest_update([first, correction], day)
    assert latest is not None and latest.id == 3


# --- Overdue ------------------------------------------------------------------------------


def test_deadline_day_itself_is_not_overdue() -> None:
    assert not is_overdue(DEADLINE, Status.IN_PROGRESS, DEADLINE)
    assert days_overdue(DEADLINE, Status.IN_PROGRESS, DEADLINE) == 0


def test_day_after_deadline_is_overdue_by_one_day() -> None:
    day_after = DEADLINE + timedelta(days=1)
    assert is_overdue(DEADLINE, Status.IN_PROGRESS, day_after)
    assert days_overdue(DEADLINE, Status.IN_PROGRESS, day_after) == 1


def test_days_overdue_count_from_the_deadline() -> None:
    assert days_overdue(DEADLINE, Status.NOT_STARTED, date(2024, 10, 31)) == 366


@pytest.mark.parametrize("status", [Status.IMPLEMENTED, Status.NOT_APPLICABLE])
def test_closed_assignments_are_never_overdue(status: Status) -> None:
    long_after = date(2026, 11, 23)
    assert not is_overdue(DEADLINE, status, long_after)
    assert days_overdue(DEADLINE, status, long_after) == 0


def test_no_deadline_is_never_overdue() -> None:
    a = assess_on(date(2030, 1, 1), deadline=None)
    assert not a.overdue
    assert a.days_overdue == 0
    assert a.rag != Rag.RED


def test_assessment_counts_days_overdue_from_latest_status() -> None:
    updates = [fact(1, Status.IN_PROGRESS, date(2023, 10, 1))]
    a = assess_on(date(2023, 11, 10), updates)
    assert a.overdue and a.days_overdue == 10 and a.rag == Rag.RED


def test_implementation_after_the_deadline_clears_overdue_from_that_day() -> None:
    updates = [
        fact(1, Status.IN_PROGRESS, date(2023, 10, 1)),
        fact(2, Status.IMPLEMENTED, date(2023, 12, 1)),
    ]
    assert assess_on(date(2023, 11, 30), updates).overdue
    assert not assess_on(date(2023, 12, 1), updates).overdue


# --- RAG ----------------------------------------------------------------------------------


def test_implemented_is_complete_even_when_late() -> None:
    updates = [fact(1, Status.IMPLEMENTED, date(2024, 6, 1))]
    assert assess_on(date(2024, 6, 2), updates).rag == Rag.COMPLETE


def test_not_applicable_is_rated_not_applicable() -> None:
    updates = [fact(1, Status.NOT_APPLICABLE, date(2023, 5, 1))]
    assert assess_on(date(2024, 6, 2), updates).rag == Rag.NOT_APPLICABLE


def test_overdue_is_red() -> None:
    updates = [fact(1, Status.IN_PROGRESS, date(2023, 10, 20))]
    assert assess_on(date(2023, 11, 1), updates).rag == Rag.RED


def test_deadline_within_due_soon_days_is_amber() -> None:
    updates = [fact(1, Status.IN_PROGRESS, date(2023, 9, 20))]
    assert assess_on(DEADLINE - timedelta(days=30), updates).rag == Rag.AMBER
    assert assess_on(DEADLINE, updates).rag == Rag.AMBER


def test_deadline_further_than_due_soon_days_is_green() -> None:
    updates = [fact(1, Status.IN_PROGRESS, date(2023, 9, 20))]
    assert assess_on(DEADLINE - timedelta(days=31), updates).rag == Rag.GREEN


def test_due_soon_threshold_is_honoured() -> None:
    updates = [fact(1, Status.IN_PROGRESS, date(2023, 9, 20))]
    as_of = DEADLINE - timedelta(days=20)
    assert assess_on(as_of, updates, thresholds=Thresholds(due_soon_days=30)).rag == Rag.AMBER
    assert assess_on(as_of, updates, thresholds=Thresholds(due_soon_days=19)).rag == Rag.GREEN


def test_revised_target_beyond_the_deadline_is_amber_before_the_deadline() -> None:
    updates = [fact(1, Status.IN_PROGRESS, date(2023, 5, 1), revised=date(2024, 6, 30))]
    a = assess_on(date(2023, 6, 1), updates)
    assert a.rag == Rag.AMBER
    assert a.revised_target_date == date(2024, 6, 30)


def test_revised_target_does_not_move_the_deadline() -> None:
    updates = [fact(1, Status.IN_PROGRESS, date(2023, 10, 1), revised=date(2024, 6, 30))]
    a = assess_on(date(2023, 11, 1), updates)
    assert a.overdue and a.days_overdue == 1 and a.rag == Rag.RED


def test_stale_open_assignment_is_amber() -> None:
    updates = [fact(1, Status.IN_PROGRESS, date(2023, 5, 1))]
    a = assess_on(date(2023, 5, 1) + timedelta(days=91), updates, deadline=date(2025, 1, 1))
    assert a.stale and a.rag == Rag.AMBER


def test_recent_open_assignment_far_from_deadline_is_green() -> None:
    updates = [fact(1, Status.IN_PROGRESS, date(2023, 5, 1))]
    a = assess_on(date(2023, 6, 1), updates, deadline=date(2025, 1, 1))
    assert not a.stale and not a.overdue and a.rag == Rag.GREEN


def test_never_reported_before_the_deadline_is_no_report_yet_not_green() -> None:
    # 1 June 2023: 57 days after publication (not stale), 152 days before the deadline.
    a = assess_on(date(2023, 6, 1))
    assert a.never_reported and not a.stale and not a.overdue
    assert a.rag == Rag.NO_REPORT and a.rag.label == "Grey – no report yet, not yet due"


def test_never_reported_near_the_deadline_or_stale_is_amber_and_after_it_red() -> None:
    assert assess_on(DEADLINE - timedelta(days=30)).rag == Rag.AMBER  # due soon (and stale)
    assert assess_on(PUBLISHED + timedelta(days=91), deadline=date(2025, 1, 1)).rag == Rag.AMBER
    assert assess_on(DEADLINE + timedelta(days=1)).rag == Rag.RED


def test_never_reported_without_a_deadline_is_no_report_until_stale() -> None:
    assert assess_on(PUBLISHED + timedelta(days=90), deadline=None).rag == Rag.NO_REPORT
    assert assess_on(PUBLISHED + timedelta(days=91), deadline=None).rag == Rag.AMBER


# --- Stale --------------------------------------------------------------------------------


def test_stale_only_after_more_than_the_stale_period() -> None:
    last = date(2023, 6, 1)
    updates = [fact(1, Status.IN_PROGRESS, last)]
    assert not assess_on(last + timedelta(days=90), updates).stale
    assert assess_on(last + timedelta(days=91), updates).stale


def test_stale_threshold_is_honoured() -> None:
    last = date(2023, 6, 1)
    updates = [fact(1, Status.IN_PROGRESS, last)]
    limits = Thresholds(stale_after_days=10)
    assert not assess_on(last + timedelta(days=10), updates, thresholds=limits).stale
    assert assess_on(last + timedelta(days=11), updates, thresholds=limits).stale


def test_never_reported_is_stale_counting_from_publication() -> None:
    assert not assess_on(PUBLISHED + timedelta(days=90)).stale
    a = assess_on(PUBLISHED + timedelta(days=91))
    assert a.stale and a.never_reported and a.last_update is None


@pytest.mark.parametrize("status", [Status.IMPLEMENTED, Status.NOT_APPLICABLE])
def test_closed_assignment_is_never_stale(status: Status) -> None:
    updates = [fact(1, status, date(2023, 5, 1))]
    assert not assess_on(date(2026, 11, 23), updates).stale


def test_assessment_reports_the_update_it_rests_on() -> None:
    updates = [
        fact(1, Status.IN_PROGRESS, date(2023, 6, 1)),
        fact(2, Status.IN_PROGRESS, date(2023, 8, 1)),
        fact(3, Status.IMPLEMENTED, date(2024, 1, 1)),
    ]
    a = assess_on(date(2023, 9, 1), updates)
    assert a.last_update == date(2023, 8, 1)
    assert a.last_update_id == 2
    assert a.days_since_update == 31
    assert not a.never_reported


# --- Roll-ups -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rags", "expected"),
    [
        ([Rag.GREEN, Rag.COMPLETE, Rag.RED, Rag.AMBER], Rag.RED),
        ([Rag.GREEN, Rag.AMBER, Rag.COMPLETE], Rag.AMBER),
        ([Rag.COMPLETE, Rag.GREEN, Rag.NOT_APPLICABLE], Rag.GREEN),
        ([Rag.GREEN, Rag.NO_REPORT, Rag.COMPLETE], Rag.NO_REPORT),
        ([Rag.NO_REPORT, Rag.AMBER], Rag.AMBER),
        ([Rag.COMPLETE, Rag.NOT_APPLICABLE, Rag.COMPLETE], Rag.COMPLETE),
        ([Rag.NOT_APPLICABLE], Rag.NOT_APPLICABLE),
    ],
)
def test_group_is_rated_by_its_worst_assignment(rags: list[Rag], expected: Rag) -> None:
    assert rollup_rag(rags) == expected


def _assessment(status: Status, as_of: date = date(2024, 6, 1)) -> Assessment:
    updates = [fact(1, status, date(2024, 5, 1))]
    return assess_on(as_of, updates)


def test_rollup_counts_each_rating_and_overdue() -> None:
    items = [
        _assessment(Status.IMPLEMENTED),
        _assessment(Status.IMPLEMENTED),
        _assessment(Status.IN_PROGRESS),  # overdue: red
        _assessment(Status.NOT_APPLICABLE),
        assess_on(date(2024, 6, 1)),  # never reported: red and stale
    ]
    r = rollup(items)
    assert r.assignments == 5
    assert r.counts[Rag.COMPLETE] == 2
    assert r.counts[Rag.RED] == 2
    assert r.counts[Rag.NOT_APPLICABLE] == 1
    assert r.counts[Rag.AMBER] == 0 and r.counts[Rag.GREEN] == 0
    assert r.implemented == 2
    assert r.overdue == 2
    assert r.stale == 1
    assert r.never_reported == 1
    assert r.rag == Rag.RED


def test_percent_implemented_leaves_out_not_applicable() -> None:
    items = [
        _assessment(Status.IMPLEMENTED),
        _assessment(Status.IN_PROGRESS),
        _assessment(Status.NOT_APPLICABLE),
        _assessment(Status.NOT_APPLICABLE),
    ]
    assert rollup(items).percent_implemented == pytest.approx(50.0)


def test_empty_group_has_no_assignments_and_nothing_implemented() -> None:
    r = rollup([])
    assert r.assignments == 0
    assert r.percent_implemented == 0.0
    assert r.share(Rag.RED) == 0.0
    assert all(count == 0 for count in r.counts.values())
    assert r.rag not in (Rag.RED, Rag.AMBER, Rag.NO_REPORT, Rag.GREEN)


# --- No heavy imports ----------------------------------------------------------------------


@pytest.mark.parametrize("module", ["tracker.rules", "tracker.evidence"])
def test_pure_module_imports_no_streamlit_or_database_library(module: str) -> None:
    code = (
        f"import {module}, sys; "
        "bad = sorted(m for m in sys.modules "
        "if m.startswith(('streamlit', 'sqlmodel', 'sqlalchemy'))); "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- Claims and review ---------------------------------------------------------------------

CLAIMED_ON = date(2023, 9, 1)


def test_unreviewed_claim_counts_as_in_progress_and_is_flagged() -> None:
    updates = [fact(1, Status.IMPLEMENTED, CLAIMED_ON, reviews=())]
    result = assess_on(date(2023, 10, 10), updates)
    assert result.status == Status.IN_PROGRESS
    assert result.claimed_status == Status.IMPLEMENTED
    assert result.review == ReviewState.AWAITING
    assert result.rag == Rag.AMBER  # deadline within 30 days, as work in progress would be


def test_unreviewed_claim_past_the_deadline_is_overdue() -> None:
    updates = [fact(1, Status.IMPLEMENTED, CLAIMED_ON, reviews=())]
    result = assess_on(date(2023, 11, 5), updates)
    assert result.overdue and result.rag == Rag.RED and result.days_overdue == 5


def test_accepted_claim_counts_from_the_day_of_the_review_not_before() -> None:
    accepted = (ReviewFact(Decision.ACCEPTED, date(2023, 11, 10)),)
    updates = [fact(1, Status.IMPLEMENTED, CLAIMED_ON, reviews=accepted)]
    before = assess_on(date(2023, 11, 9), updates)
    assert before.status == Status.IN_PROGRESS and before.review == ReviewState.AWAITING
    assert before.overdue
    on_the_day = assess_on(date(2023, 11, 10), updates)
    assert on_the_day.status == Status.IMPLEMENTED and on_the_day.rag == Rag.COMPLETE
    assert on_the_day.review == ReviewState.ACCEPTED and not on_the_day.overdue


def test_returned_claim_shows_the_reason_and_stays_in_progress() -> None:
    returned = (ReviewFact(Decision.RETURNED, date(2023, 9, 20), "No audit evidence attached"),)
    updates = [fact(1, Status.IMPLEMENTED, CLAIMED_ON, reviews=returned)]
    result = assess_on(date(2023, 9, 25), updates)
    assert result.status == Status.IN_PROGRESS
    assert result.review == ReviewState.RETURNED
    assert result.return_reason == "No audit evidence attached"
    assert assess_on(date(2023, 9, 19), updates).return_reason is None


def test_returned_then_claimed_again_then_accepted() -> None:
    updates = [
        fact(
            1,
            Status.IMPLEMENTED,
            CLAIMED_ON,
            reviews=(ReviewFact(Decision.RETURNED, date(2023, 9, 5), "Say what changed"),),
        ),
        fact(
            2,
            Status.IMPLEMENTED,
            date(2023, 9, 12),
            reviews=(ReviewFact(Decision.ACCEPTED, date(2023, 9, 20)),),
        ),
    ]
    again = assess_on(date(2023, 9, 15), updates)
    assert again.review == ReviewState.AWAITING and again.return_reason is None
    assert again.status == Status.IN_PROGRESS
    assert assess_on(date(2023, 9, 20), updates).status == Status.IMPLEMENTED


def test_not_applicable_is_a_claim_too() -> None:
    updates = [fact(1, Status.NOT_APPLICABLE, CLAIMED_ON, reviews=())]
    result = assess_on(date(2023, 9, 10), updates)
    assert result.status == Status.IN_PROGRESS and result.rag != Rag.NOT_APPLICABLE


def test_open_statuses_need_no_review() -> None:
    result = assess_on(date(2023, 9, 10), [fact(1, Status.IN_PROGRESS, CLAIMED_ON)])
    assert result.review == ReviewState.NOT_A_CLAIM and result.status == Status.IN_PROGRESS


def test_setting_counts_a_claim_as_soon_as_it_is_made() -> None:
    updates = [fact(1, Status.IMPLEMENTED, CLAIMED_ON, reviews=())]
    result = assess_on(
        date(2023, 11, 5), updates, thresholds=Thresholds(count_claimed_as_complete=True)
    )
    assert result.status == Status.IMPLEMENTED and result.rag == Rag.COMPLETE
    assert not result.overdue
    assert result.review == ReviewState.AWAITING  # still shown as awaiting review


def test_rollup_counts_only_accepted_claims_as_implemented() -> None:
    claimed = [fact(1, Status.IMPLEMENTED, CLAIMED_ON, reviews=())]
    accepted = [fact(2, Status.IMPLEMENTED, CLAIMED_ON)]
    on = date(2023, 9, 10)
    assert rollup([assess_on(on, claimed), assess_on(on, accepted)]).implemented == 1
    counted = Thresholds(count_claimed_as_complete=True)
    both = [assess_on(on, claimed, thresholds=counted), assess_on(on, accepted, thresholds=counted)]
    assert rollup(both).implemented == 2


def test_rules_text_and_the_rule_in_force_line_name_the_setting() -> None:
    assert "TRACKER_COUNT_CLAIMED_AS_COMPLETE" in RULES_TEXT
    assert claims_rule(False) != claims_rule(True)
    assert "accepted" in claims_rule(False)
