"""The "Return rounds" and "Statutory responses" pages in AppTest: who sees the forms, and what
the forms store."""

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.factories import KENT_EDITOR, MONITOR, VIEWER, count_rows
from utils.session import signed_in

from tracker.roles import Actor, Role
from tracker.services import rounds

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
KENT_PCC = Actor(
    username="kent.pcc",
    display_name="Kent PCC office",
    role=Role.EDITOR,
    organisation_ids=frozenset({"lpb_kent"}),
)


def open_page(page: str, actor: Actor, as_of: date | None = None) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), actor)
    if as_of:
        at.session_state["as_of"] = as_of
    at.run()
    at.switch_page(f"../pages/{page}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_monitor_opens_and_closes_a_round_on_the_page(loaded_engine: Engine) -> None:
    at = open_page("rounds", MONITOR)
    assert any(i.value == "No return rounds yet." for i in at.info)
    at.text_input(key="round_name").input("Winter 2026 return")
    at.date_input(key="round_due").set_value(date(2099, 1, 31))
    at.multiselect(key="round_recs").select("R4")
    at.multiselect(key="round_orgs").select("kent").select("essex")
    at.button(key="FormSubmitter:round_open_form-Open the round").click().run()
    assert not at.exception
    assert any("Winter 2026 return opened" in s.value for s in at.success), [
        e.value for e in at.error
    ]
    found = rounds.find_round(engine=loaded_engine, name="Winter 2026 return")
    assert found.organisation_ids == ("essex", "kent") and found.recommendations == ("R4",)
    figures = [m.value for m in at.metric]
    assert figures[:2] == ["2", "0"]  # asked, returned
    assert set(at.dataframe[0].value["Organisation"]) == {"Kent Police", "Essex Police"}

    # Closing needs the box ticked.
    at.button(key="round_close").click().run()
    assert any("Tick the box" in e.value for e in at.error)
    assert rounds.find_round(engine=loaded_engine, name="Winter 2026 return").closed_at is None
    at.checkbox(key="round_close_confirm").check().run()
    at.button(key="round_close").click().run()
    assert rounds.find_round(engine=loaded_engine, name="Winter 2026 return").closed_at


def test_a_refused_round_stores_nothing_and_says_why(loaded_engine: Engine) -> None:
    at = open_page("rounds", MONITOR)
    at.text_input(key="round_name").input("   ")
    at.button(key="FormSubmitter:round_open_form-Open the round").click().run()
    assert any("give the round a name" in e.value for e in at.error)
    assert count_rows(loaded_engine, "return_round") == 0


def test_viewers_and_editors_see_rounds_but_no_form(loaded_engine: Engine) -> None:
    rounds.open_round(
        engine=loaded_engine, actor=MONITOR, name="Seen by all", due_date=date(2099, 1, 31)
    )
    for actor in (VIEWER, KENT_EDITOR):
        at = open_page("rounds", actor)
        assert not at.text_input and not at.checkbox
        assert at.header[0].value == "Seen by all"


def test_a_local_policing_body_records_its_own_response(loaded_engine: Engine) -> None:
    at = open_page("responses", KENT_PCC, as_of=date(2023, 6, 10))
    assert at.selectbox(key="response_body").options == [
        "Kent Police: Kent Police and Crime Commissioner"
    ]
    at.date_input(key="response_published").set_value(date(2023, 6, 2))
    at.text_input(key="response_url").input("javascript:alert(1)")
    at.button(key="FormSubmitter:response_form-Record the response").click().run()
    assert any("not a web address" in e.value for e in at.error)
    assert count_rows(loaded_engine, "statutory_response") == 0

    at.text_input(key="response_url").input("https://www.kent-pcc.gov.uk/s55")
    at.button(key="FormSubmitter:response_form-Record the response").click().run()
    assert count_rows(loaded_engine, "statutory_response") == 1
    table = at.dataframe[0].value.set_index("Force area")
    assert table.loc["Kent Police", "Response"] == "Late"
    assert table.loc["Kent Police", "Days late"] == 2
    assert table.loc["Essex Police", "Response"] == "Missing (overdue)"
    assert [m.value for m in at.metric] == ["43", "0", "1", "42", "0"]


def test_forces_and_viewers_get_no_response_form(loaded_engine: Engine) -> None:
    for actor in (KENT_EDITOR, VIEWER):
        at = open_page("responses", actor, as_of=date(2023, 5, 1))
        assert not at.text_input
        assert [m.value for m in at.metric] == ["43", "0", "0", "0", "43"]
