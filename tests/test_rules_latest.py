"""The status table's shortcut through the rules gives exactly what ``assess`` gives.

``rules.verdict`` answers from the one update that speaks for the as-of date, without the whole
history. Random updates, reviews, deadlines, dates and thresholds are put to both, and every
field the rules decide must agree (``tests/test_read_side.py`` checks the whole table).
"""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.rules import (
    Decision,
    ReviewFact,
    Status,
    Thresholds,
    UpdateFact,
    Verdict,
    assess,
    assess_latest,
    verdict,
)

PUBLISHED = date(2023, 4, 5)
days = st.integers(-30, 1300).map(lambda d: PUBLISHED + timedelta(days=d))
review = st.builds(
    lambda decision, day, reason: ReviewFact(
        decision, day, reason, datetime.combine(day, time(12), tzinfo=UTC)
    ),
    st.sampled_from(list(Decision)),
    days,
    st.sampled_from(["", "Please attach the audit."]),
)
update = st.builds(
    lambda uid, status, day, revised, reviews: UpdateFact(
        id=uid,
        status=status,
        evidence_date=day,
        recorded_at=datetime.combine(day, time(9), tzinfo=UTC),
        revised_target_date=revised,
        reviews=tuple(reviews),
    ),
    st.integers(1, 10_000),
    st.sampled_from(list(Status)),
    days,
    st.none() | days,
    st.lists(review, max_size=3),
)
thresholds = st.builds(
    Thresholds,
    due_soon_days=st.integers(0, 90),
    stale_after_days=st.integers(1, 200),
    count_claimed_as_complete=st.booleans(),
)


@settings(max_examples=400)
@given(
    latest=st.none() | update,
    deadline=st.none() | days,
    as_of=days,
    limits=thresholds,
)
def test_the_verdict_from_the_latest_update_equals_the_rules(
    latest: UpdateFact | None, deadline: date | None, as_of: date, limits: Thresholds
) -> None:
    reference = assess(
        updates=[latest] if latest is not None else [],
        deadline=deadline,
        as_of=as_of,
        reporting_from=PUBLISHED,
        thresholds=limits,
    )
    if latest is not None and latest.evidence_date <= as_of:
        ours = verdict(
            latest.status,
            latest.evidence_date,
            latest.revised_target_date,
            latest.reviews,
            deadline=deadline,
            as_of=as_of,
            reporting_from=PUBLISHED,
            thresholds=limits,
        )
    else:  # no update speaks for as_of
        ours = verdict(
            None,
            None,
            None,
            (),
            deadline=deadline,
            as_of=as_of,
            reporting_from=PUBLISHED,
            thresholds=limits,
        )
    assert ours == Verdict(
        reference.status,
        reference.rag,
        reference.overdue,
        reference.days_overdue,
        reference.stale,
        reference.review,
        reference.return_reason,
    )


def test_a_claim_returned_then_accepted_counts_from_the_acceptance() -> None:
    returned = ReviewFact(Decision.RETURNED, date(2024, 2, 1), "Please attach the audit.")
    accepted = ReviewFact(Decision.ACCEPTED, date(2024, 3, 1))
    claim = (Status.IMPLEMENTED, date(2024, 1, 15), None, (returned, accepted))
    deadline = date(2024, 1, 31)
    before = verdict(*claim, deadline=deadline, as_of=date(2024, 2, 15), reporting_from=PUBLISHED)
    after = verdict(*claim, deadline=deadline, as_of=date(2024, 3, 1), reporting_from=PUBLISHED)
    assert (before.status, before.review.value, before.return_reason, before.overdue) == (
        Status.IN_PROGRESS,
        "returned",
        "Please attach the audit.",
        True,
    )
    assert (after.status, after.review.value, after.return_reason, after.overdue) == (
        Status.IMPLEMENTED,
        "accepted",
        None,
        False,
    )


moments = days.flatmap(
    lambda day: st.sampled_from([9, 12, 13]).map(
        lambda hour: datetime.combine(day, time(hour), tzinfo=UTC)
    )
)


@settings(max_examples=400)
@given(
    latest=st.none() | update,
    deadline=st.none() | days,
    as_of=days,
    limits=thresholds,
    known_on=st.none() | moments,
)
def test_assessing_from_the_latest_update_equals_the_rules_as_known_on_any_moment(
    latest: UpdateFact | None,
    deadline: date | None,
    as_of: date,
    limits: Thresholds,
    known_on: datetime | None,
) -> None:
    reference = assess(
        updates=[latest] if latest is not None else [],
        deadline=deadline,
        as_of=as_of,
        reporting_from=PUBLISHED,
        thresholds=limits,
        known_on=known_on,
    )
    ours = assess_latest(
        latest,
        deadline=deadline,
        as_of=as_of,
        reporting_from=PUBLISHED,
        thresholds=limits,
        known_on=known_on,
    )
    assert ours == reference
