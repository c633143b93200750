"""Recording an update through the form in AppTest: stored when valid, problems shown beside
their fields with nothing typed lost, conflicts caught, and every page sees the change at once."""

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.factories import TEST_ADMIN, count_rows
from utils.session import signed_in

from tracker.evidence import UpdateDraft
from tracker.roles import Actor, Role, local_operator
from tracker.services import progress, updates, users
from tracker.ui.session import SIGNED_OUT_UNSAVED, TOKEN_KEY

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
NAME = "Jane Smith, Head of Public Protection"


def open_form(organisation: str = "kent", recommendation: str = "R6") -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.run()
    at.switch_page("../pages/record.py")
    at.session_state["record_org"] = organisation
    at.session_state["record_rec"] = recommendation
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def history(engine: Engine, organisation: str = "kent", recommendation: str = "R6") -> list[str]:
    return [
        u.narrative
        for u in progress.update_history(
            engine=engine, organisation_ids=[organisation], recommendation=recommendation
        )
    ]


def test_form_for_a_signed_in_user_has_no_open_mode_notice(demo_engine: Engine) -> None:
    at = open_form()
    assert not any("demonstration mode" in i.value.lower() for i in at.info)
    labels = {w.label for w in (*at.text_area, *at.text_input, *at.date_input, *at.radio)}
    assert labels == {
        "What has been done (evidence)",
        "Links (optional)",
        "Reason for revised date (optional)",
        "On behalf of (optional)",
        "Evidence date",
        "Revised target date (optional)",
        "Status",
    }
    # Hints are shown as text under their fields, not hidden behind help icons.
    assert not [w.label for w in (*at.text_area, *at.text_input, *at.date_input) if w.help]
    hints = " ".join(c.value for c in at.caption)
    assert "starting http:// or https://" in hints and "today or earlier" in hints
    assert at.selectbox(key="record_org").label == "Organisation"
    assert at.selectbox(key="record_rec").label == "Recommendation"
    # Only the recommendations Kent Police is accountable for are offered.
    assert at.selectbox(key="record_rec").options[0].startswith("R3 ")
    assert not any(o.startswith("R1 ") for o in at.selectbox(key="record_rec").options)


def test_a_valid_update_is_stored_and_confirmed_with_its_new_rating(demo_engine: Engine) -> None:
    at = open_form()
    before = len(history(demo_engine))

    at.radio(key="record_status").set_value("implemented")
    at.date_input(key="record_evidence_date").set_value(date.today())
    at.text_area(key="record_narrative").input("Response times audited: all within target.")
    at.text_area(key="record_links").input("https://example.org/audit\nhttps://example.org/plan")
    at.text_input(key="record_on_behalf_of").input(NAME)
    at.button(key="record_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]

    stored = progress.update_history(
        engine=demo_engine, organisation_ids=["kent"], recommendation="R6"
    )
    assert len(stored) == before + 1
    newest = max(stored, key=lambda u: u.id)
    assert newest.narrative == "Response times audited: all within target."
    assert newest.links == ("https://example.org/audit", "https://example.org/plan")
    assert newest.on_behalf_of == NAME and newest.source == "form"
    assert newest.status.value == "implemented"
    confirmation = " ".join(s.value for s in at.success)
    assert "Update recorded" in confirmation and "Implemented" in confirmation
    # A claim: R6 was due in April 2023, so until a monitor accepts it the rating stays red.
    assert "until it is accepted the figures count it as in progress" in confirmation
    assert "Red – overdue" in confirmation
    # The form is ready for the next update; the name is kept.
    assert at.text_area(key="record_narrative").value == ""
    assert at.text_input(key="record_on_behalf_of").value == NAME


def test_an_invalid_update_is_rejected_beside_its_fields_and_nothing_typed_is_lost(
    demo_engine: Engine,
) -> None:
    at = open_form()
    before = history(demo_engine)

    at.radio(key="record_status").set_value("in_progress")
    at.text_area(key="record_narrative").input("   ")
    at.text_area(key="record_links").input("not a web address")
    at.text_input(key="record_on_behalf_of").input(NAME)
    at.text_input(key="record_revision_reason").input("Waiting for the new system")
    at.button(key="record_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]

    errors = [e.value for e in at.error]
    assert any("not recorded" in e for e in errors)
    assert "Describe the evidence of progress" in errors
    assert any("not a web address" in e and "http" in e for e in errors)
    assert any("revision reason needs a revised target date" in e for e in errors)
    assert history(demo_engine) == before
    # Everything typed is still there.
    assert at.text_area(key="record_links").value == "not a web address"
    assert at.text_input(key="record_on_behalf_of").value == NAME
    assert at.text_input(key="record_revision_reason").value == "Waiting for the new system"
    assert at.radio(key="record_status").value == "in_progress"


def test_an_update_recorded_meanwhile_is_not_silently_buried(demo_engine: Engine) -> None:
    at = open_form()
    updates.record_update(
        engine=demo_engine,
        actor=Actor(username="someone.else", display_name="Someone else", role=Role.ADMIN),
        recommendation="R6",
        organisation_id="kent",
        draft=UpdateDraft(
            status="in_progress",
            evidence_date=date.today(),
            narrative="Recorded from another desk while the form was open.",
        ),
    )
    at.text_area(key="record_narrative").input("My update, written at the same time.")
    at.text_input(key="record_on_behalf_of").input(NAME)
    at.button(key="record_submit").click().run()
    assert not at.exception

    assert any("Another update" in w.value for w in at.warning)
    assert "My update, written at the same time." not in history(demo_engine)
    assert at.text_area(key="record_narrative").value == "My update, written at the same time."
    assert any("Recorded from another desk" in t.value for t in at.text)

    # Having seen the newer update, the person can submit again.
    at.button(key="record_submit").click().run()
    assert "My update, written at the same time." in history(demo_engine)


def test_recording_changes_the_overdue_list_and_the_force_page_at_once(
    demo_engine: Engine,
) -> None:
    today = date.today()
    overdue_before = len(
        progress.overdue_rows(progress.status_rows(engine=demo_engine, as_of=today))
    )
    at = open_form()
    at.switch_page("../pages/overdue.py").run()
    shown_before = int(next(m.value for m in at.metric if m.label == "Overdue assignments"))
    assert shown_before == overdue_before

    at.switch_page("../pages/record.py").run()
    at.radio(key="record_status").set_value("implemented")
    at.text_area(key="record_narrative").input("Done: audited and embedded.")
    at.text_input(key="record_on_behalf_of").input(NAME)
    at.button(key="record_submit").click().run()
    assert not at.exception

    # A claim of implementation stays on the overdue list until a monitor accepts it.
    at.switch_page("../pages/overdue.py").run()
    shown_after = int(next(m.value for m in at.metric if m.label == "Overdue assignments"))
    assert shown_after == overdue_before
    listed = at.dataframe[0].value
    kent = listed[(listed["Organisation"] == "Kent Police") & (listed["No."] == 6)].iloc[0]
    assert kent["Review"] == "Claimed – awaiting review"

    at.session_state["force_org"] = "kent"
    at.switch_page("../pages/force.py").run()
    assignments = at.dataframe[0].value
    r6 = assignments[assignments["No."] == 6].iloc[0]
    assert (r6["Self-assessed status"], r6["Validated status"]) == ("Implemented", "In progress")
    assert r6["Review"] == "Claimed – awaiting review" and r6["RAG"] == "Red – overdue"


def test_a_user_signed_out_elsewhere_records_nothing_and_gets_the_words_back(
    demo_engine: Engine,
) -> None:
    at = open_form()
    stored = count_rows(demo_engine, "evidence_update")
    typed = "Written before signing out in another tab."
    at.text_area(key="record_narrative").input(typed)
    at.text_input(key="record_on_behalf_of").input(NAME)
    users.end_session(engine=demo_engine, token=at.session_state[TOKEN_KEY])
    at.button(key="record_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]

    assert count_rows(demo_engine, "evidence_update") == stored
    assert SIGNED_OUT_UNSAVED in [i.value for i in at.info]
    assert at.text_input(key="sign_in_username").label == "Username"

    # Signed in again, the form holds what was typed.
    signed_in(at).run()
    at.switch_page("../pages/record.py").run()
    assert at.text_area(key="record_narrative").value == typed
    assert at.text_input(key="record_on_behalf_of").value == NAME
    at.button(key="record_submit").click().run()
    assert typed in history(demo_engine)


def test_a_user_disabled_while_the_form_is_open_records_nothing(demo_engine: Engine) -> None:
    at = open_form()
    stored = count_rows(demo_engine, "evidence_update")
    at.text_area(key="record_narrative").input("Written by someone who has just left.")
    users.set_active(
        engine=demo_engine, actor=local_operator(), username=TEST_ADMIN.username, active=False
    )
    at.button(key="record_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]

    assert count_rows(demo_engine, "evidence_update") == stored
    assert SIGNED_OUT_UNSAVED in [i.value for i in at.info]
