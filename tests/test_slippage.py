"""Target-date slippage and back-dated updates: figures worked out by hand, on SQLite and
PostgreSQL.

R10 (deadline 31 October 2023):
- Kent: target 30 June 2024 (given 1 September 2023), said again 10 January (not a new
  revision), moved to 30 September 2024 (1 April 2024); a later update gives no date.
- Essex: target 31 January 2024 (given 15 October 2023).
- Surrey: target 31 March 2024, for evidence of 20 October 2023 recorded on 1 February 2024.
"""

from datetime import date, datetime

import pytest
from sqlalchemy.engine import Engine
from utils.history import append, utc

from tracker.moments import parse_known_on
from tracker.movement import BACK_DATED_AFTER_DAYS, days_late, is_back_dated
from tracker.rules import Status
from tracker.services import slippage
from tracker.services.progress import Filters

R10 = Filters(recommendations=frozenset({"R10"}))


def _history(engine: Engine) -> None:
    def add(
        org: str,
        evidence: date,
        recorded: datetime,
        target: date | None,
        reason: str | None,
        by: str = "Kent recorder",
    ) -> None:
        append(
            engine,
            recommendation="R10",
            organisation_id=org,
            status=Status.IN_PROGRESS,
            evidence_date=evidence,
            recorded_at=recorded,
            revised_target_date=target,
            revision_reason=reason,
            recorded_by=by,
        )

    add("kent", date(2023, 9, 1), utc(2023, 9, 2), date(2024, 6, 30), "Training contract re-let")
    add("kent", date(2024, 1, 10), utc(2024, 1, 11), date(2024, 6, 30), "Still on plan")
    add(
        "kent",
        date(2024, 4, 1),
        utc(2024, 4, 2),
        date(2024, 9, 30),
        "Trainers not free",
        "Kent PPU lead",
    )
    add("kent", date(2024, 5, 1), utc(2024, 5, 2), None, None)
    add("essex", date(2023, 10, 15), utc(2023, 10, 16), date(2024, 1, 31), "New system delayed")
    add("surrey", date(2023, 10, 20), utc(2024, 2, 1), date(2024, 3, 31), "Late return")


def _by_org(slips: list[slippage.AssignmentSlip]) -> dict[str, tuple[int, int | None, date | None]]:
    return {
        s.organisation_id: (s.revision_count, s.days_slipped, s.current_target)
        for s in slips
        if s.revision_count
    }


def test_each_assignment_keeps_its_deadline_and_every_revision(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    slips = slippage.slippage(engine=loaded_engine, as_of=date(2024, 6, 1), filters=R10)
    assert len(slips) == 43
    assert _by_org(slips) == {
        "kent": (2, 335, date(2024, 9, 30)),
        "essex": (1, 92, date(2024, 1, 31)),
        "surrey": (1, 152, date(2024, 3, 31)),
    }
    kent = next(s for s in slips if s.organisation_id == "kent")
    assert kent.deadline == date(2023, 10, 31) and kent.keeps_moving
    assert [(r.target, r.previous, r.reason, r.recorded_by) for r in kent.revisions] == [
        (date(2024, 6, 30), date(2023, 10, 31), "Training contract re-let", "Kent recorder"),
        (date(2024, 9, 30), date(2024, 6, 30), "Trainers not free", "Kent PPU lead"),
    ]
    never = next(s for s in slips if s.organisation_id == "sussex")
    assert (never.revision_count, never.days_slipped, never.current_target) == (
        0,
        0,
        date(2023, 10, 31),
    )


def test_recommendation_roll_up_and_dates_keep_moving(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    slips = slippage.slippage(engine=loaded_engine, as_of=date(2024, 6, 1), filters=R10)
    (r10,) = slippage.by_recommendation(slips)
    assert r10.recommendation == "R10"
    up = r10.rollup
    assert (up.assignments, up.revised, up.revisions, up.keeps_moving) == (43, 3, 4, 1)
    assert (up.max_days_slipped, up.median_days_slipped) == (335, 152.0)
    assert r10.dates_keep_moving


def test_slippage_as_of_an_earlier_date(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    slips = slippage.slippage(engine=loaded_engine, as_of=date(2024, 3, 1), filters=R10)
    assert _by_org(slips) == {
        "kent": (1, 243, date(2024, 6, 30)),
        "essex": (1, 92, date(2024, 1, 31)),
        "surrey": (1, 152, date(2024, 3, 31)),
    }
    (r10,) = slippage.by_recommendation(slips)
    assert not r10.dates_keep_moving


def test_slippage_as_known_on_a_moment(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    slips = slippage.slippage(
        engine=loaded_engine,
        as_of=date(2024, 6, 1),
        known_on=parse_known_on("2024-01-31"),
        filters=R10,
    )
    # Kent's April move and Surrey's late return had not been recorded by 31 January.
    assert _by_org(slips) == {
        "kent": (1, 243, date(2024, 6, 30)),
        "essex": (1, 92, date(2024, 1, 31)),
    }
    (r10,) = slippage.by_recommendation(slips)
    assert (r10.rollup.max_days_slipped, r10.rollup.median_days_slipped) == (243, 167.5)


@pytest.mark.parametrize(
    ("recorded", "late", "back_dated"),
    [(utc(2024, 1, 31), 30, False), (utc(2024, 2, 1), 31, True)],
)
def test_back_dated_means_recorded_more_than_the_threshold_after_the_evidence_date(
    recorded: datetime, late: int, back_dated: bool
) -> None:
    assert BACK_DATED_AFTER_DAYS == 30
    assert days_late(date(2024, 1, 1), recorded) == late
    assert is_back_dated(date(2024, 1, 1), recorded) is back_dated


def test_back_dated_counts_the_uk_day_of_recording() -> None:
    # 23:30 UTC on 31 May is 00:30 on 1 June in the UK: 31 days after 1 May.
    assert days_late(date(2024, 5, 1), utc(2024, 5, 31, 23, 30)) == 31
