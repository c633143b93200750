"""Return rounds: for a fixed history, who has returned and who is late, as known on several
dates, equals what was worked out by hand. On SQLite and PostgreSQL; through the CLI too."""

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result
from utils.factories import KENT_EDITOR, MONITOR, VIEWER, count_rows, review_on
from utils.session import ensure_user

from tracker import store
from tracker.cli import app
from tracker.db import write_session
from tracker.rules import Status
from tracker.services import audit as audit_trail
from tracker.services import progress, rounds
from tracker.services.access import AccessDeniedError

OPENED = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
DUE = date(2024, 3, 31)
CLOSED = datetime(2024, 4, 12, 12, 0, tzinfo=UTC)


def at(day: int, month: int, hour: int = 12) -> datetime:
    return datetime(2024, month, day, hour, 0, tzinfo=UTC)


def recorded(
    engine: Engine,
    organisation_id: str,
    recommendation: str,
    moment: datetime,
    status: Status = Status.IN_PROGRESS,
) -> int:
    """An update recorded at a given moment, straight through the store (the service always
    records "now"; a round is about when returns were recorded)."""
    records = progress.load_snapshot(engine=engine).records
    assignment = next(
        r.assignment_id
        for r in records
        if r.organisation_id == organisation_id and r.recommendation == recommendation
    )
    with write_session(engine) as session:
        (update_id,) = store.append_updates(
            session=session,
            updates=[
                store.NewUpdate(
                    assignment_id=assignment,
                    status=status,
                    evidence_date=moment.date(),
                    recorded_at=moment,
                    recorded_by="Test",
                    narrative=f"Return of {moment.isoformat()}",
                    links=(),
                    revised_target_date=None,
                    revision_reason=None,
                    source="form",
                    fingerprint=hashlib.sha256(
                        f"{assignment}{moment.isoformat()}".encode()
                    ).hexdigest(),
                )
            ],
        )
    return update_id


def history(engine: Engine) -> rounds.RoundInfo:
    """The round "Spring 2024": R4 and R7, Kent, Essex and Surrey, opened 1 March 2024 10:00,
    due 31 March. Surrey's R7 was accepted as implemented before, so only its R4 is asked.

    Kent: R4 on 10 March, R7 on 20 March: returned 20 March, on time.
    Essex: R4 on 20 February (before the round: does not count), R7 on 3 April, R4 on 5 April:
    returned 5 April, late by 5 days.
    Surrey: R4 at 09:00 on 1 March (an hour before the round opened: does not count), and on
    15 April, after the round closed on 12 April: never returned; late by 12 days at most.
    """
    surrey_done = recorded(engine, "surrey", "R7", at(1, 2), Status.IMPLEMENTED)
    review_on(engine, surrey_done, date(2024, 2, 2))
    recorded(engine, "essex", "R4", at(20, 2))
    recorded(engine, "surrey", "R4", datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    opened = rounds.open_round(
        engine=engine,
        actor=MONITOR,
        name="Spring 2024",
        due_date=DUE,
        recommendations=["R7", "4"],
        organisation_ids=["kent", "essex", "surrey"],
        at=OPENED,
    )
    recorded(engine, "kent", "R4", at(10, 3))
    recorded(engine, "kent", "R7", at(20, 3))
    recorded(engine, "essex", "R7", at(3, 4))
    recorded(engine, "essex", "R4", at(5, 4))
    rounds.close_round(engine=engine, actor=MONITOR, name="spring 2024", at=CLOSED)
    recorded(engine, "surrey", "R4", at(15, 4))
    return opened


def states(engine: Engine, round_id: int, as_of: date) -> dict[str, tuple[str, int, int]]:
    result = rounds.round_returns(engine=engine, round_id=round_id, as_of=as_of)
    return {
        r.organisation_id: (r.state.value, r.days_late, r.updated) for r in result.organisations
    }


# (as of, {organisation: (state, days late, assignments updated)}), worked out by hand.
EXPECTED = [
    (
        date(2024, 3, 1),
        {
            "kent": ("not_yet_due", 0, 0),
            "essex": ("not_yet_due", 0, 0),
            "surrey": ("not_yet_due", 0, 0),
        },
    ),
    (
        date(2024, 3, 15),
        {
            "kent": ("not_yet_due", 0, 1),
            "essex": ("not_yet_due", 0, 0),
            "surrey": ("not_yet_due", 0, 0),
        },
    ),
    (
        date(2024, 3, 31),
        {
            "kent": ("returned", 0, 2),
            "essex": ("not_yet_due", 0, 0),
            "surrey": ("not_yet_due", 0, 0),
        },
    ),
    (
        date(2024, 4, 1),
        {"kent": ("returned", 0, 2), "essex": ("late", 1, 0), "surrey": ("late", 1, 0)},
    ),
    (
        date(2024, 4, 4),
        {"kent": ("returned", 0, 2), "essex": ("late", 4, 1), "surrey": ("late", 4, 0)},
    ),
    (
        date(2024, 4, 10),
        {"kent": ("returned", 0, 2), "essex": ("returned_late", 5, 2), "surrey": ("late", 10, 0)},
    ),
    (
        date(2024, 4, 11),
        {"kent": ("returned", 0, 2), "essex": ("returned_late", 5, 2), "surrey": ("late", 11, 0)},
    ),
    (
        date(2024, 4, 20),
        {"kent": ("returned", 0, 2), "essex": ("returned_late", 5, 2), "surrey": ("late", 12, 0)},
    ),
]


def test_who_returned_and_who_is_late_as_of_each_date(loaded_engine: Engine) -> None:
    opened = history(loaded_engine)
    assert opened.recommendations == ("R4", "R7")
    assert opened.assignments == 5  # Kent 2, Essex 2, Surrey 1 (its R7 is implemented)
    for as_of, expected in EXPECTED:
        assert states(loaded_engine, opened.id, as_of) == expected, as_of


def test_returned_on_outstanding_and_summaries(loaded_engine: Engine) -> None:
    opened = history(loaded_engine)
    result = rounds.round_returns(engine=loaded_engine, round_id=opened.id, as_of=date(2024, 4, 4))
    by_org = {r.organisation_id: r for r in result.organisations}
    assert by_org["essex"].outstanding == ("R4",)
    assert by_org["surrey"].outstanding == ("R4",)
    assert by_org["kent"].returned_on == date(2024, 3, 20)
    # Late first (most late first), then not yet due, returned late, returned.
    assert [r.organisation_id for r in result.organisations] == ["essex", "surrey", "kent"]
    assert result.national == rounds.ReturnsSummary(
        "England and Wales", asked=3, returned=1, returned_late=0, late=2, not_yet_due=0
    )
    later = rounds.round_returns(engine=loaded_engine, round_id=opened.id, as_of=date(2024, 4, 10))
    assert by_area(later) == {
        "Eastern": (1, 1, 1, 0),
        "South East": (2, 1, 0, 1),
    }
    assert {r.organisation_id: r.returned_on for r in later.organisations} == {
        "kent": date(2024, 3, 20),
        "essex": date(2024, 4, 5),
        "surrey": None,
    }


def by_area(result: rounds.RoundReturns) -> dict[str, tuple[int, int, int, int]]:
    return {s.area: (s.asked, s.returned, s.returned_late, s.late) for s in result.regions}


def test_default_asks_every_organisation_with_an_open_assignment(loaded_engine: Engine) -> None:
    surrey_done = recorded(loaded_engine, "surrey", "R7", at(1, 2), Status.IMPLEMENTED)
    review_on(loaded_engine, surrey_done, date(2024, 2, 2))
    opened = rounds.open_round(
        engine=loaded_engine,
        actor=MONITOR,
        name="R7 only",
        due_date=DUE,
        recommendations=["R7"],
        at=OPENED,
    )
    # R7 is addressed to the 43 forces; Surrey's is implemented, so 42 are asked.
    assert len(opened.organisation_ids) == 42 and "surrey" not in opened.organisation_ids
    assert rounds.list_rounds(engine=loaded_engine)[0].name == "R7 only"


def test_bad_rounds_are_refused_and_store_nothing(loaded_engine: Engine) -> None:
    history(loaded_engine)
    before = count_rows(loaded_engine, "return_round")
    attempts: list[tuple[dict[str, Any], str]] = [
        ({"name": "SPRING 2024"}, "already a round called"),
        ({"name": "  "}, "give the round a name"),
        ({"name": "Bad\x07name"}, "control character"),
        ({"recommendations": ["R99"]}, "R99 is not in this report"),
        ({"due_date": date(2024, 2, 1)}, "is before today"),
        ({"organisation_ids": ["surrey"], "recommendations": ["R7"]}, "no open assignment"),
    ]
    for change, message in attempts:
        fields: dict[str, Any] = {
            "name": "Another",
            "due_date": DUE,
            "recommendations": ["R4"],
            "organisation_ids": [],
        } | change
        with pytest.raises(rounds.RoundError, match=message):
            rounds.open_round(engine=loaded_engine, actor=MONITOR, at=OPENED, **fields)
    assert count_rows(loaded_engine, "return_round") == before
    with pytest.raises(rounds.RoundError, match="already closed"):
        rounds.close_round(engine=loaded_engine, actor=MONITOR, name="Spring 2024")
    assert count_rows(loaded_engine, "return_round_closure") == 1


@pytest.mark.parametrize("actor", [VIEWER, KENT_EDITOR], ids=["viewer", "editor"])
def test_only_monitors_and_administrators_open_or_close_rounds(
    loaded_engine: Engine, actor: Any
) -> None:
    history(loaded_engine)
    events = count_rows(loaded_engine, "audit_event")
    with pytest.raises(AccessDeniedError, match="cannot open or close return rounds"):
        rounds.open_round(engine=loaded_engine, actor=actor, name="Mine", due_date=date(2030, 1, 1))
    with pytest.raises(AccessDeniedError):
        rounds.close_round(engine=loaded_engine, actor=actor, name="Spring 2024")
    assert count_rows(loaded_engine, "return_round") == 1
    assert count_rows(loaded_engine, "audit_event") == events + 2  # both refusals kept
    assert audit_trail.verify(engine=loaded_engine).ok


def test_opening_and_closing_are_on_the_audit_trail(loaded_engine: Engine) -> None:
    history(loaded_engine)
    with loaded_engine.connect() as conn:
        from sqlalchemy import text

        actions = [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT action, actor, outcome FROM audit_event "
                    "WHERE object_type = 'return_round' ORDER BY id"
                )
            )
        ]
    assert actions == [("round_opened", "monitor", "done"), ("round_closed", "monitor", "done")]


def test_round_record_is_append_only(loaded_engine: Engine) -> None:
    history(loaded_engine)
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    replace = (
        "TRUNCATE return_round CASCADE"
        if loaded_engine.dialect.name == "postgresql"
        else "REPLACE INTO return_round_closure SELECT * FROM return_round_closure"
    )
    for statement in (
        "UPDATE return_round SET due_date = '2025-01-01'",
        "DELETE FROM return_round_closure",
        "DELETE FROM return_round_scope",
        replace,
    ):
        with pytest.raises(DBAPIError, match="append-only"), loaded_engine.begin() as conn:
            conn.execute(text(statement))
    assert count_rows(loaded_engine, "return_round_closure") == 1


# --- CLI --------------------------------------------------------------------------------------


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_cli_opens_shows_and_closes_a_round(loaded_engine: Engine) -> None:
    ensure_user(MONITOR)
    ensure_user(VIEWER)
    refused = run("rounds", "open", "Winter", "--due", "2099-01-31", "--as", "viewer")
    assert refused.exit_code == 1 and "cannot open or close return rounds" in refused.output
    opened = run(
        "rounds", "open", "Winter", "--due", "2099-01-31", "--rec", "R4", "--rec", "R7",
        "--org", "Kent", "--org", "Essex Police", "--as", "monitor",
    )  # fmt: skip
    assert opened.exit_code == 0, opened.output
    assert "2 organisations asked for 4 returns on R4, R7, due 31 January 2099" in opened.output
    bad = run("rounds", "open", "Other", "--due", "31/01/2099", "--as", "monitor")
    assert bad.exit_code != 0 and "not a date" in bad.output
    unknown = run("rounds", "open", "Other", "--due", "2099-01-31", "--org", "Kentt")
    assert unknown.exit_code == 1 and "Kent" in unknown.output

    listed = json.loads(run("rounds", "list", "--format", "json").stdout)
    assert [(r["name"], r["organisations"], r["recommendations"]) for r in listed] == [
        ("Winter", 2, "R4 R7")
    ]
    shown = json.loads(run("rounds", "show", "winter", "--format", "json").stdout)
    assert {(r["organisation"], r["state"], r["updated"], r["outstanding"]) for r in shown} == {
        ("Kent Police", "not_yet_due", 0, "R4 R7"),
        ("Essex Police", "not_yet_due", 0, "R4 R7"),
    }
    assert run("rounds", "show", "Nope").exit_code == 1
    closed = run("rounds", "close", "Winter", "--as", "monitor")
    assert closed.exit_code == 0 and "closed on" in closed.output
    again = run("rounds", "close", "Winter", "--as", "monitor")
    assert again.exit_code == 1 and "already closed" in again.output


def test_cli_show_matches_the_hand_computed_returns(loaded_engine: Engine) -> None:
    history(loaded_engine)
    result = run("rounds", "show", "Spring 2024", "--as-of", "2024-04-10", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["organisation"]: r for r in json.loads(result.stdout)}
    assert {k: (v["state"], v["days_late"], v["returned_on"]) for k, v in rows.items()} == {
        "Kent Police": ("returned", 0, "2024-03-20"),
        "Essex Police": ("returned_late", 5, "2024-04-05"),
        "Surrey Police": ("late", 10, None),
    }
    table = run("rounds", "show", "Spring 2024", "--as-of", "2024-04-10")
    assert "1 of 3 organisations returned" not in table.output
    assert "2 of 3 organisations returned (1 late), 1 late, 0 not yet due" in table.output
    early = run("rounds", "show", "Spring 2024", "--as-of", "2024-02-01")
    assert early.exit_code == 1 and "opened on 1 March 2024" in early.output
