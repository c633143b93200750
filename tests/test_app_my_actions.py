"""My actions in AppTest: an editor lands on its own organisations' to-do list, in the stated
order, and can say "no change since the last return" in one step (stored as evidence)."""

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.factories import KENT_EDITOR, MONITOR, count_updates, record, review_on
from utils.session import signed_in

from tracker.roles import Actor, Role
from tracker.rules import Decision
from tracker.services import progress

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
AS_OF = date(2023, 9, 1)
KENT_AND_ESSEX = Actor(
    username="kent.essex.editor",
    display_name="Kent and Essex editor",
    role=Role.EDITOR,
    organisation_ids=frozenset({"kent", "essex"}),
)


def kent_history(engine: Engine) -> None:
    """One Kent assignment in each group, as known on 1 September 2023 (stale after 90 days).

    R6 never reported, deadline 5 April 2023: overdue. R4 claimed implemented, returned by a
    monitor: returned for more evidence. R10 never reported (deadline 31 October 2023): stale.
    R7 last said 20 April and R14 1 May: stale. R11 target revised past its deadline: at risk.
    R3 (20 August) and R13 (15 August): open, same deadline. R12 implemented and accepted.
    """
    record(engine, recommendation="R3", evidence_date=date(2023, 8, 20))
    claim = record(
        engine, recommendation="R4", status="implemented", evidence_date=date(2023, 8, 1)
    )
    review_on(
        engine,
        claim.update_id,
        date(2023, 8, 10),
        decision=Decision.RETURNED,
        reason="Send the training completion figures",
    )
    record(engine, recommendation="R7", evidence_date=date(2023, 4, 20))
    record(
        engine,
        recommendation="R11",
        evidence_date=date(2023, 8, 25),
        revised_target_date=date(2024, 6, 30),
        revision_reason="Procurement delayed",
    )
    done = record(
        engine, recommendation="R12", status="implemented", evidence_date=date(2023, 7, 1)
    )
    review_on(engine, done.update_id, date(2023, 7, 5))
    record(engine, recommendation="R13", evidence_date=date(2023, 8, 15))
    record(engine, recommendation="R14", evidence_date=date(2023, 5, 1))


def open_my_actions(actor: Actor, query: dict[str, str] | None = None) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), actor)
    at.session_state["as_of"] = AS_OF
    if query:
        at.query_params = dict(query)
    at.run()
    if actor.role != Role.EDITOR:  # editors land on it; everyone else opens it
        at.switch_page("../pages/my_actions.py")
        if query:
            at.query_params = dict(query)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def listed(at: AppTest) -> list[str]:
    """Recommendation codes in the order the page lists them (to do, then the implemented)."""
    return [m.value[2:].split("**")[0] for m in at.markdown if m.value.startswith("**R")]


def test_editor_lands_on_its_actions_most_urgent_first(loaded_engine: Engine) -> None:
    kent_history(loaded_engine)
    at = open_my_actions(KENT_EDITOR)

    assert at.title[0].value == "My actions"
    assert at.header[0].value == "Kent Police"
    assert listed(at) == ["R6", "R4", "R10", "R7", "R14", "R11", "R3", "R13", "R12"]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Overdue. ") and "overdue by 149 days" in c for c in captions)
    assert any(c.startswith("Returned for more evidence. ") for c in captions)
    assert "Send the training completion figures" in [t.value for t in at.text]
    assert any(c.startswith("At risk. ") and "revised target 30 June 2024" in c for c in captions)
    assert at.expander[0].label == "Implemented or not applicable (1)"


def test_editor_of_several_organisations_chooses_among_its_own_only(
    loaded_engine: Engine,
) -> None:
    kent_history(loaded_engine)
    record(loaded_engine, recommendation="R4", organisation_id="essex", evidence_date=AS_OF)
    at = open_my_actions(KENT_AND_ESSEX)

    picker = at.selectbox(key="my_actions_org")
    assert picker.label == "Your organisation"
    assert picker.options == ["Essex Police", "Kent Police"]
    assert at.header[0].value == "Essex Police"
    # Essex's own list: R4 has a fresh update, so it is open, after the stale ones.
    essex = listed(at)
    assert essex[-1] == "R4" and "R6" in essex and essex[0] == "R6"

    picker.select("kent").run()
    assert at.header[0].value == "Kent Police"
    assert listed(at)[:2] == ["R6", "R4"]


def test_editor_cannot_open_another_organisations_actions_by_address(
    loaded_engine: Engine,
) -> None:
    at = open_my_actions(KENT_EDITOR, {"org": "essex"})
    assert at.header[0].value == "Kent Police"
    assert at.selectbox(key="my_actions_org").options == ["Kent Police"]


def test_monitor_sees_any_organisations_actions(loaded_engine: Engine) -> None:
    kent_history(loaded_engine)
    at = open_my_actions(MONITOR, {"org": "kent"})
    assert at.selectbox(key="my_actions_org").label == "Organisation"
    offered = at.selectbox(key="my_actions_org").options
    assert "Essex Police" in offered and len(offered) > 43  # every organisation, not one
    assert at.header[0].value == "Kent Police"
    assert listed(at)[:3] == ["R6", "R4", "R10"]
    # A monitor records only for national bodies: no "no change" form for a force.
    assert not at.text_area


def test_no_change_carries_the_status_forward_as_new_evidence(loaded_engine: Engine) -> None:
    record(loaded_engine, recommendation="R7", evidence_date=date(2023, 4, 20))
    at = open_my_actions(KENT_EDITOR)
    before = count_updates(loaded_engine)

    # An empty note is refused and stores nothing.
    at.button(key="FormSubmitter:no_change_kent_R7-Record no change").click().run()
    assert count_updates(loaded_engine) == before
    assert any("why nothing has changed" in e.value for e in at.error)

    at.text_area(key="no_change_note_kent_R7").input("Board met; plan unchanged.")
    at.button(key="FormSubmitter:no_change_kent_R7-Record no change").click().run()
    assert not at.exception
    assert count_updates(loaded_engine) == before + 1
    latest = progress.update_history(
        engine=loaded_engine, organisation_ids=["kent"], recommendation="R7"
    )[0]
    assert latest.status == "in_progress"
    assert latest.evidence_date == date.today()
    assert latest.narrative == (
        "No change since the last return (20 April 2023). Board met; plan unchanged."
    )
    assert latest.recorded_by_user == KENT_EDITOR.username
    assert any("no change since the last return" in s.value for s in at.success)
    # As of today, R7 is no longer stale: the note refreshed it.
    row = progress.status_rows(
        engine=loaded_engine,
        as_of=date.today(),
        filters=progress.Filters(
            organisation_ids=frozenset({"kent"}), recommendations=frozenset({"R7"})
        ),
    )[0]
    assert not row.stale and row.last_update == date.today()
