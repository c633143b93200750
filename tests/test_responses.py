"""The statutory response clock (s.55 Police Act 1996) around day 56, who may record a
response, and the CLI. On SQLite and PostgreSQL."""

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result
from utils.factories import KENT_EDITOR, MONITOR, VIEWER, count_rows
from utils.session import ensure_user

from tracker.cli import app
from tracker.roles import Actor, Role
from tracker.services import responses
from tracker.services.access import AccessDeniedError

# The report was published on 5 April 2023: comments are due by 31 May 2023 (day 56).
DUE = date(2023, 5, 31)
KENT_PCC = Actor(
    username="kent.pcc",
    display_name="Kent PCC office",
    role=Role.EDITOR,
    organisation_ids=frozenset({"lpb_kent"}),
)
LINK = "https://www.kent-pcc.gov.uk/response-to-hmicfrs"


def add(engine: Engine, body: str, published: date, actor: Actor = MONITOR) -> int:
    return responses.add_response(
        engine=engine,
        actor=actor,
        organisation_id=body,
        published=published,
        url=f"https://{body.replace('_', '-')}.example.org/s55",
    )


def state(engine: Engine, body: str, as_of: date) -> tuple[str, int]:
    found = next(
        r for r in responses.responses_as_of(engine=engine, as_of=as_of) if r.body_id == body
    )
    return found.state.value, found.days_late


def test_on_time_late_and_missing_around_day_56(loaded_engine: Engine) -> None:
    add(loaded_engine, "lpb_kent", DUE)  # day 56 itself: on time
    add(loaded_engine, "lpb_essex", DUE + timedelta(days=1))  # day 57: late by 1
    add(loaded_engine, "lpb_surrey", DUE - timedelta(days=1))  # day 55: on time

    assert state(loaded_engine, "lpb_kent", DUE) == ("on_time", 0)
    assert state(loaded_engine, "lpb_surrey", DUE) == ("on_time", 0)
    # On day 56 Essex's response (published the day after) is not out yet: not yet due.
    assert state(loaded_engine, "lpb_essex", DUE) == ("not_yet_due", 0)
    assert state(loaded_engine, "lpb_sussex", DUE) == ("not_yet_due", 0)
    assert state(loaded_engine, "lpb_sussex", DUE - timedelta(days=30)) == ("not_yet_due", 0)

    day_57 = DUE + timedelta(days=1)
    assert state(loaded_engine, "lpb_essex", day_57) == ("late", 1)
    assert state(loaded_engine, "lpb_sussex", day_57) == ("missing", 1)
    assert state(loaded_engine, "lpb_kent", day_57) == ("on_time", 0)
    assert state(loaded_engine, "lpb_sussex", date(2023, 6, 30)) == ("missing", 30)

    rows = responses.responses_as_of(engine=loaded_engine, as_of=day_57)
    assert len(rows) == 43 and all(r.due == DUE for r in rows)
    assert responses.summarise(rows, as_of=day_57) == responses.ResponsesSummary(
        as_of=day_57, due=DUE, force_areas=43, on_time=2, late=1, missing=40, not_yet_due=0
    )
    kent = next(r for r in rows if r.body_id == "lpb_kent")
    assert (kent.force_area, kent.body) == ("Kent Police", "Kent Police and Crime Commissioner")


def test_a_correction_is_a_new_row_and_the_latest_recorded_wins(loaded_engine: Engine) -> None:
    add(loaded_engine, "lpb_kent", date(2023, 6, 2))
    assert state(loaded_engine, "lpb_kent", date(2023, 7, 1)) == ("late", 2)
    add(loaded_engine, "lpb_kent", DUE)  # the first date was a typing mistake
    assert state(loaded_engine, "lpb_kent", date(2023, 7, 1)) == ("on_time", 0)
    assert count_rows(loaded_engine, "statutory_response") == 2
    kent = next(
        r
        for r in responses.responses_as_of(engine=loaded_engine, as_of=date(2023, 7, 1))
        if r.body_id == "lpb_kent"
    )
    assert kent.corrections == 1
    with pytest.raises(Exception, match="append-only"), loaded_engine.begin() as conn:
        conn.execute(text("UPDATE statutory_response SET published = '2023-05-01'"))


def test_the_deadline_comes_from_the_reports_publication_date(loaded_engine: Engine) -> None:
    with loaded_engine.begin() as conn:
        conn.execute(text("UPDATE report SET published = '2023-05-01'"))
    rows = responses.responses_as_of(engine=loaded_engine, as_of=date(2023, 6, 27))
    assert rows[0].due == date(2023, 6, 26)
    assert rows[0].state == responses.ResponseState.MISSING and rows[0].days_late == 1


def test_who_may_record_a_response(loaded_engine: Engine) -> None:
    events = count_rows(loaded_engine, "audit_event")
    add(loaded_engine, "lpb_kent", DUE, actor=KENT_PCC)  # its own body
    refused: list[tuple[Actor, str]] = [
        (KENT_PCC, "lpb_essex"),  # another area's body
        (KENT_EDITOR, "lpb_kent"),  # the force is not its local policing body
        (VIEWER, "lpb_kent"),
    ]
    for actor, body in refused:
        with pytest.raises(AccessDeniedError, match="cannot record the statutory response"):
            add(loaded_engine, body, DUE, actor=actor)
    assert count_rows(loaded_engine, "statutory_response") == 1
    # One event for the response, one for each refusal.
    assert count_rows(loaded_engine, "audit_event") == events + 1 + len(refused)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"url": "javascript:alert(1)"}, "not a web address"),
        ({"url": "https://example.org/[x](y)"}, "characters a web address should not"),
        ({"published": date(2023, 4, 4)}, "before the report itself"),
        ({"published": date.today() + timedelta(days=1)}, "in the future"),
        ({"organisation_id": "kent"}, "not a local policing body"),
    ],
)
def test_bad_responses_are_refused_and_store_nothing(
    loaded_engine: Engine, change: dict[str, Any], message: str
) -> None:
    fields: dict[str, Any] = {"organisation_id": "lpb_kent", "published": DUE, "url": LINK}
    with pytest.raises(responses.ResponseError, match=message):
        responses.add_response(engine=loaded_engine, actor=MONITOR, **(fields | change))
    assert count_rows(loaded_engine, "statutory_response") == 0


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_cli_adds_and_lists_responses(loaded_engine: Engine) -> None:
    ensure_user(KENT_PCC)
    ensure_user(VIEWER)
    added = run(
        "responses", "add", "Kent", "--published", "2023-06-03", "--url", LINK, "--as", "kent.pcc"
    )
    assert added.exit_code == 0, added.output
    assert "late by 3 days (due 31 May 2023)" in added.output
    refused = run(
        "responses", "add", "Essex", "--published", "2023-05-20", "--url", LINK, "--as", "kent.pcc"
    )
    assert refused.exit_code == 1 and "cannot record the statutory response" in refused.output
    unknown = run("responses", "add", "Narnia", "--published", "2023-05-20", "--url", LINK)
    assert unknown.exit_code == 1 and "no force area" in unknown.output

    listed = json.loads(
        run("responses", "list", "--as-of", "2023-06-10", "--format", "json").stdout
    )
    by_area = {r["force_area"]: r for r in listed}
    assert by_area["Kent Police"] | {} == {
        "force_area": "Kent Police",
        "local_policing_body": "Kent Police and Crime Commissioner",
        "due": "2023-05-31",
        "state": "late",
        "days_late": 3,
        "published": "2023-06-03",
        "url": LINK,
        "recorded_by": "kent.pcc",
    }
    assert by_area["Essex Police"]["state"] == "missing"
    table = run("responses", "list", "--as-of", "2023-05-31")
    assert "0 on time, 0 late, 0 missing, 43 not yet due" in table.output
