"""A fixed history written straight to the store, with chosen recording moments.

The services always record "now"; questions about what was known on a past moment need updates
and reviews recorded at moments the test chooses.
"""

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from tracker import store, store_reviews
from tracker.db import write_session
from tracker.models import Assignment, Recommendation
from tracker.rules import Decision, Status
from tracker.services import rounds
from utils.factories import MONITOR


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def assignment_id(engine: Engine, recommendation: str, organisation_id: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(col(Assignment.id))
            .join(Recommendation, col(Recommendation.id) == col(Assignment.recommendation_id))
            .where(
                col(Recommendation.code) == recommendation,
                col(Assignment.organisation_id) == organisation_id,
            )
        ).scalar_one()
    assert found is not None
    return found


def append(
    engine: Engine,
    *,
    recommendation: str,
    organisation_id: str,
    status: Status,
    evidence_date: date,
    recorded_at: datetime,
    narrative: str = "Progress recorded for the test history.",
    revised_target_date: date | None = None,
    revision_reason: str | None = None,
    recorded_by: str = "Test recorder",
) -> int:
    """Append one update recorded at ``recorded_at``; returns its id."""
    aid = assignment_id(engine, recommendation, organisation_id)
    new = store.NewUpdate(
        assignment_id=aid,
        status=status,
        evidence_date=evidence_date,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        narrative=narrative,
        links=(),
        revised_target_date=revised_target_date,
        revision_reason=revision_reason,
        source="cli",
        fingerprint=f"{aid}-{status.value}-{evidence_date}-{recorded_at.isoformat()}",
    )
    with write_session(engine) as session:
        (uid,) = store.append_updates(session=session, updates=[new])
    return uid


def review(
    engine: Engine,
    update_id: int,
    reviewed_at: datetime,
    decision: Decision = Decision.ACCEPTED,
    reason: str = "",
) -> None:
    with write_session(engine) as session:
        store_reviews.append_review(
            session=session,
            update_id=update_id,
            decision=decision,
            reason=reason,
            reviewed_by="monitor",
            reviewed_at=reviewed_at,
        )


def board_history(engine: Engine) -> None:
    """The fixed history of tests/test_changes.py (see its docstring for what moved)."""

    def add(code: str, org: str, status: Status, evidence: date, recorded: Any, **kw: Any) -> int:
        return append(
            engine,
            recommendation=code,
            organisation_id=org,
            status=status,
            evidence_date=evidence,
            recorded_at=recorded,
            **kw,
        )

    add("R4", "kent", Status.IN_PROGRESS, date(2023, 9, 1), utc(2023, 9, 2))
    claim = add("R4", "kent", Status.IMPLEMENTED, date(2024, 2, 15), utc(2024, 2, 16))
    review(engine, claim, utc(2024, 3, 1))
    add("R5", "college_of_policing", Status.IN_PROGRESS, date(2023, 12, 1), utc(2023, 12, 1))
    add("R7", "kent", Status.IN_PROGRESS, date(2024, 3, 10), utc(2024, 3, 11))
    add(
        "R10",
        "kent",
        Status.IN_PROGRESS,
        date(2023, 9, 1),
        utc(2023, 9, 2),
        revised_target_date=date(2024, 6, 30),
        revision_reason="Training contract re-let",
    )
    add(
        "R10",
        "kent",
        Status.IN_PROGRESS,
        date(2024, 4, 1),
        utc(2024, 4, 2),
        revised_target_date=date(2024, 9, 30),
        revision_reason="Trainers not available until the summer",
    )
    returned = add("R12", "kent", Status.IMPLEMENTED, date(2023, 12, 1), utc(2023, 12, 2))
    review(engine, returned, utc(2024, 2, 10), Decision.RETURNED, "No audit evidence")
    done = add("R13", "kent", Status.IMPLEMENTED, date(2023, 10, 1), utc(2023, 10, 2))
    review(engine, done, utc(2023, 10, 10))
    add("R13", "kent", Status.IN_PROGRESS, date(2024, 3, 1), utc(2024, 3, 2))
    add("R14", "kent", Status.IN_PROGRESS, date(2024, 1, 15), utc(2024, 2, 20))
    add("R6", "kent", Status.IN_PROGRESS, date(2023, 6, 1), utc(2023, 6, 2))
    add("R6", "kent", Status.IN_PROGRESS, date(2024, 3, 1), utc(2024, 3, 1), narrative="Again.")


def rounds_history(engine: Engine) -> None:
    """The board history, and three rounds asking Kent and Essex about R7:

    - Winter 2023 (1 December to 15 January): closed before the since date, so not named.
    - Spring 2024 (opened 1 March, due 31 March, closed 15 April): Kent's R7 first report,
      recorded 11 March, returns it on time; Essex sends nothing by the closure: late.
    - Summer 2024 (opened 20 April, due 31 May, open): Essex records R7 on 25 April (after the
      spring round closed, so it does not count there): returned; Kent not yet due.
    """

    board_history(engine)
    asked = ("kent", "essex")
    for name, opened, due, closed in (
        ("Winter 2023 return", utc(2023, 12, 1, 9), date(2023, 12, 20), utc(2024, 1, 15)),
        ("Spring 2024 return", utc(2024, 3, 1, 9), date(2024, 3, 31), utc(2024, 4, 15)),
        ("Summer 2024 return", utc(2024, 4, 20, 9), date(2024, 5, 31), None),
    ):
        rounds.open_round(
            engine=engine,
            actor=MONITOR,
            name=name,
            due_date=due,
            recommendations=["R7"],
            organisation_ids=asked,
            at=opened,
        )
        if name.startswith("Summer"):
            append(
                engine,
                recommendation="R7",
                organisation_id="essex",
                status=Status.IN_PROGRESS,
                evidence_date=date(2024, 4, 25),
                recorded_at=utc(2024, 4, 25),
            )
        if closed is not None:
            rounds.close_round(engine=engine, actor=MONITOR, name=name, at=closed)
