"""The second clock: "as known on" a moment, in the rules, the services and the CLI.

Evidence speaks for a date; it is recorded at a moment. Asked as known on T, only updates
recorded by T, and reviews made by T, count. The expectations are worked out by hand from the
fixed history below.
"""

import json
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner
from utils.history import append, review, utc

from tracker.cli import app
from tracker.moments import describe_known_on, end_of_uk_day, parse_known_on
from tracker.rules import (
    Decision,
    Rag,
    ReviewFact,
    ReviewState,
    Status,
    UpdateFact,
    assess,
    known_on_moment,
)
from tracker.services import progress

UK = ZoneInfo("Europe/London")
PUBLISHED = date(2023, 4, 5)
DEADLINE = date(2023, 10, 31)

# --- The rules ----------------------------------------------------------------------------

# In progress on 1 September (recorded the next day); a claim of implementation for 20 October
# recorded a month late, on 20 November at 14:00 UTC; accepted on 5 December at noon UTC.
PROGRESS = UpdateFact(1, Status.IN_PROGRESS, date(2023, 9, 1), datetime(2023, 9, 2, 10, tzinfo=UTC))
CLAIM = UpdateFact(
    2,
    Status.IMPLEMENTED,
    date(2023, 10, 20),
    datetime(2023, 11, 20, 14, tzinfo=UTC),
    reviews=(
        ReviewFact(Decision.ACCEPTED, date(2023, 12, 5), "", datetime(2023, 12, 5, 12, tzinfo=UTC)),
    ),
)
HISTORY = [PROGRESS, CLAIM]


def on(as_of: date, known_on: datetime | None) -> Any:
    return assess(
        updates=HISTORY,
        deadline=DEADLINE,
        as_of=as_of,
        reporting_from=PUBLISHED,
        known_on=known_on,
    )


def test_without_known_on_every_recorded_update_counts() -> None:
    result = on(date(2023, 12, 31), None)
    assert result.status == Status.IMPLEMENTED and result.rag == Rag.COMPLETE
    assert not result.overdue


def test_an_update_recorded_after_the_moment_does_not_count() -> None:
    # Known on 19 November: only the September update exists; 61 days past 31 October.
    result = on(date(2023, 12, 31), datetime(2023, 11, 19, 23, 59, tzinfo=UTC))
    assert result.status == Status.IN_PROGRESS and result.self_assessed_status == Status.IN_PROGRESS
    assert result.last_update == date(2023, 9, 1) and result.last_update_id == 1
    assert result.overdue and result.days_overdue == 61 and result.rag == Rag.RED


def test_the_moment_of_recording_itself_counts() -> None:
    just_before = on(date(2023, 12, 31), datetime(2023, 11, 20, 13, 59, 59, tzinfo=UTC))
    assert just_before.last_update_id == 1
    at = on(date(2023, 12, 31), datetime(2023, 11, 20, 14, 0, tzinfo=UTC))
    assert at.last_update_id == 2


def test_a_claim_accepted_later_is_still_a_claim_as_known_before_the_review() -> None:
    result = on(date(2023, 12, 31), datetime(2023, 12, 4, 18, tzinfo=UTC))
    assert result.self_assessed_status == Status.IMPLEMENTED
    assert result.review == ReviewState.AWAITING
    assert result.status == Status.IN_PROGRESS
    assert result.overdue and result.days_overdue == 61 and result.rag == Rag.RED
    accepted = on(date(2023, 12, 31), datetime(2023, 12, 5, 12, tzinfo=UTC))
    assert accepted.status == Status.IMPLEMENTED and accepted.review == ReviewState.ACCEPTED


def test_as_of_and_known_on_combine() -> None:
    # As of 15 November, known today: the claim speaks for 20 October but was not accepted by
    # 15 November, so the validated status is in progress, 15 days overdue.
    result = on(date(2023, 11, 15), None)
    assert result.review == ReviewState.AWAITING and result.days_overdue == 15
    # As of 15 November, known on 15 November: the claim had not been recorded yet.
    known = on(date(2023, 11, 15), datetime(2023, 11, 15, 23, tzinfo=UTC))
    assert known.review == ReviewState.NOT_A_CLAIM and known.last_update_id == 1
    assert known.days_overdue == 15


def test_nothing_recorded_by_the_moment_is_never_reported() -> None:
    result = on(date(2023, 12, 31), datetime(2023, 9, 1, 23, tzinfo=UTC))
    assert result.never_reported and result.status == Status.NOT_STARTED


def test_naive_recording_moments_are_read_as_utc() -> None:
    # SQLite hands moments back without a zone; they were stored in UTC.
    naive = UpdateFact(1, Status.IN_PROGRESS, date(2023, 6, 1), datetime(2023, 6, 10, 23, 30))
    assert known_on_moment([naive], datetime(2023, 6, 11, 0, 29, tzinfo=UK)) == []
    assert known_on_moment([naive], datetime(2023, 6, 11, 0, 30, tzinfo=UK)) == [naive]


def test_a_review_without_its_time_counts_from_its_date() -> None:
    claim = UpdateFact(
        1,
        Status.IMPLEMENTED,
        date(2023, 9, 1),
        datetime(2023, 9, 1, 9, tzinfo=UTC),
        reviews=(ReviewFact(Decision.ACCEPTED, date(2023, 9, 5)),),
    )
    (before,) = known_on_moment([claim], datetime(2023, 9, 4, 20, tzinfo=UTC))
    assert before.reviews == ()
    (after,) = known_on_moment([claim], datetime(2023, 9, 5, 8, tzinfo=UTC))
    assert after.reviews == claim.reviews


# --- Reading the moment people type -------------------------------------------------------


def test_a_bare_date_means_the_end_of_that_day_in_the_uk() -> None:
    moment = parse_known_on("2024-03-01")
    assert moment == datetime.combine(date(2024, 3, 1), time.max, tzinfo=UK)
    assert moment == end_of_uk_day(date(2024, 3, 1))
    # In summer the UK is an hour ahead of UTC: the end of 1 July is 22:59:59 UTC.
    summer = parse_known_on("2024-07-01").astimezone(UTC)
    assert (summer.hour, summer.minute) == (22, 59)


@pytest.mark.parametrize("text", ["2024-07-01T17:00", "2024-07-01 17:00", " 2024-07-01T17:00:00 "])
def test_a_date_and_time_is_uk_time(text: str) -> None:
    assert parse_known_on(text).astimezone(UTC) == datetime(2024, 7, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["1/3/2024", "2024-02-30", "2024-03-01T25:00", "yesterday", ""])
def test_anything_else_is_refused_with_the_forms_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DDTHH:MM"):
        parse_known_on(text)


def test_the_moment_is_described_in_uk_time() -> None:
    assert describe_known_on(parse_known_on("2024-03-01")) == "end of 1 March 2024"
    assert describe_known_on(datetime(2024, 7, 1, 16, 5, tzinfo=UTC)) == "1 July 2024 at 17:05"


# --- Services and the command line, on SQLite and PostgreSQL ------------------------------


def _history(engine: Engine) -> dict[str, int]:
    """R4 × Kent as in the rules tests above; R7 × Kent: one update recorded at 23:30 UTC on
    10 June 2023, which is 00:30 on 11 June in the UK (summer time)."""
    progress_id = append(
        engine,
        recommendation="R4",
        organisation_id="kent",
        status=Status.IN_PROGRESS,
        evidence_date=date(2023, 9, 1),
        recorded_at=utc(2023, 9, 2, 10),
    )
    claim_id = append(
        engine,
        recommendation="R4",
        organisation_id="kent",
        status=Status.IMPLEMENTED,
        evidence_date=date(2023, 10, 20),
        recorded_at=utc(2023, 11, 20, 14),
    )
    review(engine, claim_id, utc(2023, 12, 5, 12))
    late_night = append(
        engine,
        recommendation="R7",
        organisation_id="kent",
        status=Status.IN_PROGRESS,
        evidence_date=date(2023, 6, 1),
        recorded_at=utc(2023, 6, 10, 23, 30),
    )
    return {"progress": progress_id, "claim": claim_id, "late_night": late_night}


def _kent(rows: list[progress.StatusRow], code: str) -> progress.StatusRow:
    (row,) = [r for r in rows if r.recommendation == code and r.organisation_id == "kent"]
    return row


# (known on as typed, R4 status, R4 rag, R4 review, R4 days overdue) as of 31 December 2023.
EXPECTED_R4 = [
    (None, "implemented", "complete", "accepted", 0),
    ("2023-11-19", "in_progress", "red", "not_a_claim", 61),
    ("2023-11-20T13:59", "in_progress", "red", "not_a_claim", 61),
    ("2023-11-20T14:00", "in_progress", "red", "awaiting_review", 61),
    ("2023-12-04", "in_progress", "red", "awaiting_review", 61),
    ("2023-12-05 12:00", "implemented", "complete", "accepted", 0),
]


def test_status_rows_as_known_on_several_moments(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    kent = progress.Filters(organisation_ids=frozenset({"kent"}))
    for typed, status, rag, state, days in EXPECTED_R4:
        known_on = parse_known_on(typed) if typed else None
        rows = progress.status_rows(
            engine=loaded_engine, as_of=date(2023, 12, 31), filters=kent, known_on=known_on
        )
        row = _kent(rows, "R4")
        assert (row.status, row.rag, row.review, row.days_overdue) == (status, rag, state, days), (
            typed
        )
    # As of 15 November the claim, known today, is awaiting review; known then, it did not exist.
    today = _kent(progress.status_rows(engine=loaded_engine, as_of=date(2023, 11, 15)), "R4")
    then = _kent(
        progress.status_rows(
            engine=loaded_engine,
            as_of=date(2023, 11, 15),
            known_on=parse_known_on("2023-11-15"),
        ),
        "R4",
    )
    assert (today.review, today.last_update) == ("awaiting_review", date(2023, 10, 20))
    assert (then.review, then.last_update) == ("not_a_claim", date(2023, 9, 1))


def test_known_on_a_uk_date_follows_summer_time(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    as_of = date(2023, 7, 1)
    on_the_10th = progress.status_rows(
        engine=loaded_engine, as_of=as_of, known_on=parse_known_on("2023-06-10")
    )
    on_the_11th = progress.status_rows(
        engine=loaded_engine, as_of=as_of, known_on=parse_known_on("2023-06-11T00:30")
    )
    assert _kent(on_the_10th, "R7").never_reported
    assert _kent(on_the_11th, "R7").status == "in_progress"


def test_overdue_and_trend_honour_known_on(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    kent = progress.Filters(organisation_ids=frozenset({"kent"}))
    as_of = date(2023, 12, 31)
    now = progress.overdue(engine=loaded_engine, as_of=as_of, filters=kent)
    before = progress.overdue(
        engine=loaded_engine, as_of=as_of, filters=kent, known_on=parse_known_on("2023-12-04")
    )
    assert "R4" not in {r.recommendation for r in now}
    assert "R4" in {r.recommendation for r in before}
    assert len(before) == len(now) + 1

    snapshot = progress.load_snapshot(engine=loaded_engine)
    today = progress.trend(snapshot, until=as_of, filters=kent)
    then = progress.trend(
        snapshot, until=as_of, filters=kent, known_on=parse_known_on("2023-12-04")
    )
    # The claim was accepted on 5 December: implemented from the December point on, today only.
    assert [p.implemented for p in today][-1] == 1
    assert [p.implemented for p in then][-1] == 0
    assert [p.as_of for p in today] == [p.as_of for p in then]


def _cli(*args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_cli_status_and_overdue_take_known_on(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    for typed, status, rag, state, days in EXPECTED_R4:
        extra = ["--known-on", typed] if typed else []
        rows = _cli(
            "status", "--org", "Kent", "--recommendation", "R4", "--as-of", "2023-12-31", *extra
        )
        assert [(r["status"], r["rag"], r["review"], r["days_overdue"]) for r in rows] == [
            (status, rag, state, days)
        ], typed
        overdue = _cli(
            "overdue", "--org", "Kent", "--recommendation", "R4", "--as-of", "2023-12-31", *extra
        )
        assert len(overdue) == (1 if days else 0), typed


def test_cli_refuses_a_known_on_it_cannot_read(loaded_engine: Engine) -> None:
    for command in ("status", "overdue"):
        result = CliRunner().invoke(app, [command, "--known-on", "01/03/2024"])
        assert result.exit_code == 2
        assert "--known-on" in result.output and "YYYY-MM-DD" in result.output
