"""The order of "My actions" (pure), and the "no change" update's rules (through the service)."""

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from utils.factories import KENT_EDITOR, count_updates, record

from tracker.evidence import UpdateRejectedError
from tracker.services import actions, progress
from tracker.services.access import AccessDeniedError
from tracker.services.progress import StatusRow

BASE = StatusRow(
    recommendation="R1",
    recommendation_number=1,
    recommendation_title="Title",
    organisation="Kent Police",
    organisation_id="kent",
    organisation_kind="force",
    region="South East",
    region_id="south_east",
    owner="chief_constables",
    status="in_progress",
    rag="green",
    deadline=date(2024, 12, 31),
    overdue=False,
    days_overdue=0,
    last_update=date(2024, 6, 1),
    stale=False,
    never_reported=False,
    revised_target_date=None,
    verified=True,
    themes=(),
    assignment_id=1,
    last_update_id=1,
)


def row(number: int, **changes: Any) -> StatusRow:
    return replace(BASE, recommendation=f"R{number}", recommendation_number=number, **changes)


def test_each_assignment_takes_the_first_group_it_belongs_to() -> None:
    overdue_and_returned = row(1, overdue=True, days_overdue=3, rag="red", review="returned")
    returned_and_stale = row(2, review="returned", stale=True, rag="amber")
    stale_and_amber = row(3, stale=True, rag="amber")
    assert actions.group_of(overdue_and_returned) == actions.ActionGroup.OVERDUE
    assert actions.group_of(returned_and_stale) == actions.ActionGroup.RETURNED
    assert actions.group_of(stale_and_amber) == actions.ActionGroup.STALE
    assert actions.group_of(row(4, rag="amber")) == actions.ActionGroup.AT_RISK
    assert actions.group_of(row(5)) == actions.ActionGroup.OPEN
    assert actions.group_of(row(6, status="implemented", rag="complete")) is None
    assert actions.group_of(row(7, status="not_applicable", rag="not_applicable")) is None


def test_order_within_groups() -> None:
    rows = [
        row(9, deadline=date(2024, 11, 1)),  # open, later deadline
        row(8, deadline=date(2024, 10, 1)),  # open, sooner
        row(7, rag="amber", deadline=date(2024, 9, 1)),
        row(6, stale=True, rag="amber", last_update=date(2024, 3, 1)),
        row(5, stale=True, rag="amber", last_update=None, never_reported=True),
        row(4, review="returned"),
        row(3, overdue=True, days_overdue=10, rag="red"),
        row(2, overdue=True, days_overdue=40, rag="red"),
        row(1, status="implemented", rag="complete"),
        row(10, overdue=True, days_overdue=10, rag="red"),  # ties go by number
    ]
    found = actions.my_actions(rows)
    assert [i.row.recommendation for i in found.open] == [
        "R2", "R3", "R10", "R4", "R5", "R6", "R7", "R8", "R9",
    ]  # fmt: skip
    assert [r.recommendation for r in found.done] == ["R1"]


def test_no_change_needs_a_note_and_is_not_for_a_claim(loaded_engine: Engine) -> None:
    record(loaded_engine, recommendation="R4", status="implemented", evidence_date=date(2024, 1, 5))
    before = count_updates(loaded_engine)
    with pytest.raises(UpdateRejectedError, match="why nothing has changed"):
        actions.record_no_change(
            engine=loaded_engine,
            actor=KENT_EDITOR,
            organisation_id="kent",
            recommendation="R7",
            note="   ",
            expected_last_update_id=None,
        )
    with pytest.raises(UpdateRejectedError, match="full update"):
        actions.record_no_change(
            engine=loaded_engine,
            actor=KENT_EDITOR,
            organisation_id="kent",
            recommendation="R4",
            note="Nothing new",
            expected_last_update_id=None,
        )
    with pytest.raises(AccessDeniedError):
        actions.record_no_change(
            engine=loaded_engine,
            actor=KENT_EDITOR,
            organisation_id="essex",
            recommendation="R7",
            note="Nothing new",
            expected_last_update_id=None,
        )
    assert count_updates(loaded_engine) == before


def test_no_change_keeps_a_revised_target_date(loaded_engine: Engine) -> None:
    first = record(
        loaded_engine,
        recommendation="R11",
        evidence_date=date(2024, 2, 1),
        revised_target_date=date(2024, 9, 30),
        revision_reason="Procurement delayed",
    )
    actions.record_no_change(
        engine=loaded_engine,
        actor=KENT_EDITOR,
        organisation_id="kent",
        recommendation="R11",
        note="Still waiting for the supplier.",
        expected_last_update_id=first.update_id,
        today=date(2024, 5, 1),
    )
    latest = progress.update_history(
        engine=loaded_engine, organisation_ids=["kent"], recommendation="R11"
    )[0]
    assert (latest.evidence_date, latest.revised_target_date, latest.revision_reason) == (
        date(2024, 5, 1),
        date(2024, 9, 30),
        "Procurement delayed",
    )
