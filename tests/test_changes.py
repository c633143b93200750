"""What changed between two dates, in the service and `tracker changes`, on SQLite and
PostgreSQL. The history below is fixed; the expected movements are worked out by hand.

Since 31 January 2024 (the board's last meeting), as of 30 April 2024:

- R4 Kent: in progress and overdue; claimed implemented for 15 February (recorded 16 February),
  accepted 1 March: newly implemented, claim accepted, no longer overdue.
- R5 College of Policing: in progress since 1 December 2023; deadline 31 March 2024 passes:
  newly overdue. The College sends nothing in between: silent.
- R7 Kent: first report on 10 March (recorded 11 March): first report.
- R10 Kent: target revised from 30 June to 30 September 2024 (recorded 2 April).
- R11 Kent: never reported; amber at the since date (stale, deadline near), red after
  31 March: newly overdue.
- R12 Kent: claim recorded 2 December 2023, returned 10 February: claim returned.
- R13 Kent: implemented and accepted in October 2023; in progress again from 1 March:
  reopened, newly overdue.
- R14 Kent: an update for 15 January recorded on 20 February (back-dated): first report.
- R6 Kent: the same status said again on 1 March: listed among the updates, no movement.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner
from utils.factories import MONITOR
from utils.history import board_history as _history
from utils.history import rounds_history, utc

from tracker.cli import app
from tracker.moments import parse_known_on
from tracker.movement import (
    MOVEMENT_TEXT,
    ChangeKind,
    change_kinds,
)
from tracker.rules import Status, UpdateFact, assess
from tracker.services import changes, meetings, rounds
from tracker.services.progress import Filters

SINCE = date(2024, 1, 31)
AS_OF = date(2024, 4, 30)
KENT_AND_COLLEGE = Filters(organisation_ids=frozenset({"kent", "college_of_policing"}))


EXPECTED = {
    ("R4", "kent"): (
        "in_progress",
        "implemented",
        "red",
        "complete",
        "newly_implemented validated no_longer_overdue",
    ),
    ("R5", "college_of_policing"): ("in_progress", "in_progress", "green", "red", "newly_overdue"),
    ("R7", "kent"): ("not_started", "in_progress", "red", "red", "first_report"),
    ("R10", "kent"): ("in_progress", "in_progress", "red", "red", "target_revised"),
    ("R11", "kent"): ("not_started", "not_started", "amber", "red", "newly_overdue"),
    ("R12", "kent"): ("in_progress", "in_progress", "red", "red", "returned"),
    ("R13", "kent"): ("implemented", "in_progress", "complete", "red", "reopened newly_overdue"),
    ("R14", "kent"): ("not_started", "in_progress", "red", "red", "first_report"),
}


def _moved(found: changes.ChangeSet) -> dict[tuple[str, str], tuple[str, ...]]:
    return {
        (m.recommendation, m.organisation_id): (
            m.from_status,
            m.to_status,
            m.from_rag,
            m.to_rag,
            " ".join(m.change),
        )
        for m in found.movements
    }


def test_changes_are_exactly_the_movements_made_in_between(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    found = changes.changes_between(
        engine=loaded_engine, since=SINCE, as_of=AS_OF, filters=KENT_AND_COLLEGE
    )
    assert _moved(found) == EXPECTED
    r4 = next(m for m in found.movements if m.recommendation == "R4")
    assert (r4.from_days_overdue, r4.to_days_overdue) == (92, 0)
    r10 = next(m for m in found.movements if m.recommendation == "R10")
    assert (r10.from_target, r10.to_target) == (date(2024, 6, 30), date(2024, 9, 30))
    assert found.counts["newly_overdue"] == 3 and found.counts["first_report"] == 2


def test_updates_in_between_flag_the_back_dated_one(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    found = changes.changes_between(
        engine=loaded_engine, since=SINCE, as_of=AS_OF, filters=KENT_AND_COLLEGE
    )
    listed = [(u.recommendation, u.evidence_date, u.back_dated) for u in found.updates]
    # In the order recorded: 16 Feb, 20 Feb, 1 Mar, 2 Mar, 11 Mar, 2 Apr.
    assert listed == [
        ("R4", date(2024, 2, 15), False),
        ("R14", date(2024, 1, 15), True),
        ("R6", date(2024, 3, 1), False),
        ("R13", date(2024, 3, 1), False),
        ("R7", date(2024, 3, 10), False),
        ("R10", date(2024, 4, 1), False),
    ]


def test_organisations_that_sent_nothing_in_between_are_silent(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    found = changes.changes_between(
        engine=loaded_engine, since=SINCE, as_of=AS_OF, filters=KENT_AND_COLLEGE
    )
    assert [(s.organisation_id, s.open_assignments) for s in found.silent] == [
        ("college_of_policing", 2)  # R2 and R5, both open
    ]
    assert found.silent[0].last_recorded is not None
    assert found.silent[0].last_recorded.date() == date(2023, 12, 1)


def test_changes_as_known_on_an_earlier_moment(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    found = changes.changes_between(
        engine=loaded_engine,
        since=SINCE,
        as_of=AS_OF,
        known_on=parse_known_on("2024-02-29"),
        filters=KENT_AND_COLLEGE,
    )
    # Known on 29 February: the R4 claim was recorded but not yet accepted; nothing recorded in
    # March or April counts; R5 and R11 still pass their deadline by 30 April.
    assert _moved(found) == {
        ("R4", "kent"): ("in_progress", "in_progress", "red", "red", "claimed"),
        ("R5", "college_of_policing"): EXPECTED[("R5", "college_of_policing")],
        ("R11", "kent"): EXPECTED[("R11", "kent")],
        ("R12", "kent"): EXPECTED[("R12", "kent")],
        ("R14", "kent"): EXPECTED[("R14", "kent")],
    }
    assert [u.recommendation for u in found.updates] == ["R4", "R14"]


def test_since_must_be_before_as_of(loaded_engine: Engine) -> None:
    with pytest.raises(changes.ChangesError, match="must be before"):
        changes.changes_between(engine=loaded_engine, since=AS_OF, as_of=AS_OF)


# --- Change kinds, pure ----------------------------------------------------------------------


def _assess(updates: list[UpdateFact], as_of: date) -> Any:
    return assess(
        updates=updates, deadline=date(2023, 10, 31), as_of=as_of, reporting_from=date(2023, 4, 5)
    )


def test_no_change_when_the_same_status_is_said_again() -> None:
    first = UpdateFact(1, Status.IN_PROGRESS, date(2024, 1, 1), utc(2024, 1, 1))
    again = UpdateFact(2, Status.IN_PROGRESS, date(2024, 2, 1), utc(2024, 2, 1))
    assert (
        change_kinds(
            _assess([first], date(2024, 1, 15)), _assess([first, again], date(2024, 2, 15))
        )
        == ()
    )


def test_rating_change_without_any_other_kind_is_rag_changed() -> None:
    update = UpdateFact(1, Status.IN_PROGRESS, date(2023, 5, 1), utc(2023, 5, 1))
    # Green on 1 June (far from the deadline), amber on 15 October (deadline within 30 days).
    kinds = change_kinds(_assess([update], date(2023, 6, 1)), _assess([update], date(2023, 10, 15)))
    assert kinds == (ChangeKind.RAG_CHANGED,)


def test_the_rules_text_names_every_kind() -> None:
    for kind in ChangeKind:
        assert kind.label.lower() in MOVEMENT_TEXT.lower().replace(
            "claim accepted", "claim accepted"
        )


# --- The command line ------------------------------------------------------------------------


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_cli_changes_since_the_last_meeting_by_default(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    meetings.add_meeting(
        engine=loaded_engine,
        actor=MONITOR,
        held_on=SINCE,
        board="National board",
        today=date(2024, 1, 31),
    )
    result = _run(
        "changes",
        "--as-of",
        "2024-04-30",
        "--org",
        "Kent",
        "--org",
        "College of Policing",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["since"] == "2024-01-31"
    moved = {
        (r["recommendation"], r["organisation"]): (
            r["from_status"],
            r["to_status"],
            r["from_rag"],
            r["to_rag"],
            " ".join(r["change"]),
        )
        for r in document["changes"]
    }
    names = {"kent": "Kent Police", "college_of_policing": "College of Policing"}
    assert moved == {(code, names[org]): v for (code, org), v in EXPECTED.items()}
    assert [s["organisation"] for s in document["silent"]] == ["College of Policing"]
    assert [u["back_dated"] for u in document["updates"]].count(True) == 1

    table = _run("changes", "--as-of", "2024-04-30", "--org", "Kent")
    assert table.exit_code == 0, table.output
    assert "since National board's meeting on 31 January 2024" in table.output
    assert "newly_implemented, validated, no_longer_overdue" in table.output


def test_cli_changes_csv_is_safe_and_has_the_stable_keys(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    result = _run(
        "changes",
        "--since",
        "2024-01-31",
        "--as-of",
        "2024-04-30",
        "--org",
        "Kent",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split(",")[:7] == [
        "recommendation",
        "organisation",
        "from_status",
        "to_status",
        "from_rag",
        "to_rag",
        "change",
    ]
    assert len(lines) == 1 + 7  # Kent's seven movements
    updates = _run(
        "changes",
        "--since",
        "2024-01-31",
        "--as-of",
        "2024-04-30",
        "--org",
        "Kent",
        "--format",
        "csv",
        "--part",
        "updates",
    )
    assert updates.stdout.splitlines()[0].startswith("update_id,recommendation")


def test_cli_changes_known_on(loaded_engine: Engine) -> None:
    _history(loaded_engine)
    result = _run(
        "changes",
        "--since",
        "2024-01-31",
        "--as-of",
        "2024-04-30",
        "--known-on",
        "2024-02-29",
        "--org",
        "Kent",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["changes"]
    assert {r["recommendation"]: r["change"] for r in rows} == {
        "R4": ["claimed"],
        "R11": ["newly_overdue"],
        "R12": ["returned"],
        "R14": ["first_report"],
    }


def test_cli_changes_without_since_or_meeting_says_what_to_do(loaded_engine: Engine) -> None:
    result = _run("changes", "--as-of", "2024-04-30")
    assert result.exit_code == 1
    assert "No meeting is recorded before 30 April 2024" in result.output
    assert "--since" in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--since", "31/01/2024"), "--since"),
        (("--since", "2024-04-30", "--as-of", "2024-04-30"), "must be before"),
        (("--since", "2024-01-31", "--org", "Atlantis"), "Atlantis"),
        (("--since", "2024-01-31", "--known-on", "soon"), "--known-on"),
    ],
)
def test_cli_changes_refuses_bad_input_plainly(
    loaded_engine: Engine, args: tuple[str, ...], words: str
) -> None:
    result = _run("changes", *args)
    assert result.exit_code != 0
    assert words in result.output


def test_readme_states_the_movement_rules_as_the_about_page_does() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- movement:start -->\n") + len("<!-- movement:start -->\n")
    end = readme.index("<!-- movement:end -->")
    assert readme[start:end] == MOVEMENT_TEXT


# --- Return rounds named in the changes view ---------------------------------------------------

SPRING = (
    "Spring 2024 return (opened 1 March 2024, due 31 March 2024, closed 15 April 2024): "
    "1 of 2 organisations returned (0 of them late); 1 late and not returned."
)
SUMMER = (
    "Summer 2024 return (opened 20 April 2024, due 31 May 2024, still open): "
    "1 of 2 organisations returned (0 of them late); 1 not returned, not yet due."
)


def test_the_rounds_open_in_the_period_are_named_with_their_returns(
    loaded_engine: Engine,
) -> None:

    rounds_history(loaded_engine)
    found = rounds.rounds_in_period(engine=loaded_engine, since=SINCE, as_of=AS_OF)
    assert [r.describe() for r in found] == [SPRING, SUMMER]
    # Before the summer round opened, only the spring one ran, and nobody was late yet.
    early = rounds.rounds_in_period(engine=loaded_engine, since=SINCE, as_of=date(2024, 3, 20))
    assert [(r.round.name, r.summary.returned, r.summary.not_yet_due) for r in early] == [
        ("Spring 2024 return", 1, 1)
    ]
    # Narrowed to Kent: Kent's own return only.
    kent = rounds.rounds_in_period(
        engine=loaded_engine, since=SINCE, as_of=AS_OF, filters=Filters(frozenset({"kent"}))
    )
    assert [(r.summary.asked, r.summary.returned, r.summary.not_yet_due) for r in kent] == [
        (1, 1, 0),
        (1, 0, 1),
    ]
    # A period after every round closed and before the next opened names none.
    assert (
        rounds.rounds_in_period(
            engine=loaded_engine, since=date(2024, 1, 16), as_of=date(2024, 2, 28)
        )
        == []
    )


def test_cli_changes_names_the_rounds_in_the_period(loaded_engine: Engine) -> None:
    rounds_history(loaded_engine)
    table = _run("changes", "--since", "2024-01-31", "--as-of", "2024-04-30")
    assert table.exit_code == 0, table.output
    assert "Return rounds in this period:" in table.output
    assert SPRING in table.output and SUMMER in table.output
    assert "Winter 2023 return" not in table.output

    document = json.loads(
        _run("changes", "--since", "2024-01-31", "--as-of", "2024-04-30", "--format", "json").stdout
    )
    assert document["rounds"] == [
        {
            "round": "Spring 2024 return",
            "opened_on": "2024-03-01",
            "due_date": "2024-03-31",
            "closed_on": "2024-04-15",
            "asked": 2,
            "returned": 1,
            "returned_late": 0,
            "late": 1,
            "not_yet_due": 0,
        },
        {
            "round": "Summer 2024 return",
            "opened_on": "2024-04-20",
            "due_date": "2024-05-31",
            "closed_on": None,
            "asked": 2,
            "returned": 1,
            "returned_late": 0,
            "late": 0,
            "not_yet_due": 1,
        },
    ]
    kent = _run(
        "changes",
        "--since",
        "2024-01-31",
        "--as-of",
        "2024-04-30",
        "--org",
        "Kent",
        "--format",
        "csv",
        "--part",
        "rounds",
    )
    assert kent.exit_code == 0, kent.output
    assert kent.stdout.splitlines() == [
        "round,opened_on,due_date,closed_on,asked,returned,returned_late,late,not_yet_due",
        "Spring 2024 return,2024-03-01,2024-03-31,2024-04-15,1,1,0,0,0",
        "Summer 2024 return,2024-04-20,2024-05-31,,1,0,0,0,1",
    ]


def test_cli_changes_without_a_round_in_the_period_says_nothing_of_rounds(
    loaded_engine: Engine,
) -> None:
    _history(loaded_engine)
    table = _run("changes", "--since", "2024-01-31", "--as-of", "2024-04-30")
    assert table.exit_code == 0, table.output
    assert "Return rounds" not in table.output
    document = json.loads(
        _run("changes", "--since", "2024-01-31", "--as-of", "2024-04-30", "--format", "json").stdout
    )
    assert document["rounds"] == []
