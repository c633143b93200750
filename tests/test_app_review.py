"""The review queue page in AppTest: a monitor accepts a claim and the national figures follow."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.factories import KENT_EDITOR, MONITOR, VIEWER, count_rows, record
from utils.session import signed_in
from utils.titles import record_tab_titles

from tracker.roles import Actor, local_operator
from tracker.services import users
from tracker.settings import get_settings
from tracker.ui.errors import error_title
from tracker.ui.session import SIGNED_OUT_UNSAVED

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
TODAY = date.today()  # a review is dated the day it is made
HOSTILE = "Done. ![x](https://tracker.invalid/p.png) :red[ok] <b>bold</b>"


def open_as(actor: Actor, page: str) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), actor)
    at.session_state["as_of"] = TODAY
    at.run()
    at.switch_page(f"../pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def claim(engine: Engine, organisation_id: str = "kent", narrative: str = HOSTILE) -> int:
    return record(
        engine,
        organisation_id=organisation_id,
        status="implemented",
        evidence_date=date(2024, 2, 1),
        narrative=narrative,
        links=("https://example.org/audit",),
    ).update_id


def test_monitor_accepts_a_claim_and_the_overview_counts_it(loaded_engine: Engine) -> None:
    update_id = claim(loaded_engine)
    overview = open_as(MONITOR, "overview")
    overdue_before = int(metric(overview, "Overdue"))
    rule = " ".join(c.value for c in overview.caption)
    assert "only once a monitor has accepted" in rule

    at = open_as(MONITOR, "review")
    assert metric(at, "Claims waiting") == "1"
    texts = [t.value for t in at.text]
    assert HOSTILE in texts  # the narrative exactly as typed, as text
    assert not any("tracker.invalid" in m.value for m in at.markdown)
    assert "https://example.org/audit" in texts
    at.text_area(key=f"review_text_{update_id}").input("Audit of 40 cases seen.")
    at.button(key=f"accept_{update_id}").click().run()
    assert not at.exception
    assert f"Update {update_id} accepted." in [s.value for s in at.success]
    assert metric(at, "Claims waiting") == "0"

    at.switch_page("../pages/overview.py").run()
    assert int(metric(at, "Overdue")) == overdue_before - 1


def test_return_without_a_reason_is_refused_on_the_page(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    update_id = claim(loaded_engine, narrative="Done and audited.")
    at = open_as(MONITOR, "review")
    titles = record_tab_titles(monkeypatch)
    at.button(key=f"return_{update_id}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    errors = [e.value for e in at.error]
    # A summary at the top links to the claim's reason field; the message is also beside it.
    summary = next(e for e in errors if "There is a problem" in e)
    assert "Say why the claim is returned" in summary
    assert f"(#field-review_text_{update_id})" in summary
    assert any(
        "Say why the claim is returned" in e and "There is a problem" not in e for e in errors
    )
    assert titles[-1] == error_title("Review queue")
    assert count_rows(loaded_engine, "review") == 0

    at.text_area(key=f"review_text_{update_id}").input("Attach the audit report.")
    at.button(key=f"return_{update_id}").click().run()
    assert count_rows(loaded_engine, "review") == 1

    # The organisation sees the reason on its force page and above the record form.
    at.session_state["force_org"] = "kent"
    at.switch_page("../pages/force.py").run()
    assignments = at.dataframe[0].value
    r4 = assignments[assignments["No."] == 4].iloc[0]
    assert r4["Self-assessed status"] == "Implemented"
    assert r4["Validated status"] == "In progress"
    assert r4["Review"] == "Returned: Attach the audit report."
    # The record form is Kent's own editor's (a monitor records only for national bodies).
    editor = signed_in(AppTest.from_file(APP, default_timeout=60), KENT_EDITOR)
    editor.session_state["as_of"] = TODAY
    editor.session_state["record_rec"] = "R4"
    editor.run()
    editor.switch_page("../pages/record.py").run()
    assert "Attach the audit report." in [t.value for t in editor.text]


def test_viewer_sees_no_queue_and_writes_nothing(loaded_engine: Engine) -> None:
    claim(loaded_engine, narrative="Done and audited.")
    events = count_rows(loaded_engine, "audit_event")
    at = signed_in(AppTest.from_file(APP, default_timeout=60), VIEWER).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../pages/review.py")  # not registered for a viewer: unreachable
    assert not any(b.label in ("Accept", "Return") for b in at.button)
    assert count_rows(loaded_engine, "audit_event") == events


def test_accept_by_a_monitor_disabled_meanwhile_is_not_recorded(loaded_engine: Engine) -> None:
    update_id = claim(loaded_engine, narrative="Done and audited.")
    at = open_as(MONITOR, "review")
    users.set_active(
        engine=loaded_engine, actor=local_operator(), username=MONITOR.username, active=False
    )
    at.button(key=f"accept_{update_id}").click().run()
    assert not at.exception, [e.message for e in at.exception]

    assert count_rows(loaded_engine, "review") == 0
    assert SIGNED_OUT_UNSAVED in [i.value for i in at.info]


def test_return_after_the_session_went_idle_is_not_recorded_and_the_reason_is_kept(
    loaded_engine: Engine,
) -> None:
    update_id = claim(loaded_engine, narrative="Done and audited.")
    at = open_as(MONITOR, "review")
    at.text_area(key=f"review_text_{update_id}").input("Attach the audit report.")
    idle = timedelta(minutes=get_settings().idle_timeout_minutes + 1)
    with loaded_engine.begin() as conn:  # the monitor went for lunch
        conn.execute(
            text("UPDATE sign_in_session SET last_seen_at = :t"),
            {"t": datetime.now(UTC) - idle},
        )
    at.button(key=f"return_{update_id}").click().run()
    assert not at.exception, [e.message for e in at.exception]

    assert count_rows(loaded_engine, "review") == 0
    assert SIGNED_OUT_UNSAVED in [i.value for i in at.info]

    signed_in(at, MONITOR).run()
    at.switch_page("../pages/review.py").run()
    assert at.text_area(key=f"review_text_{update_id}").value == "Attach the audit report."
    at.button(key=f"return_{update_id}").click().run()
    assert count_rows(loaded_engine, "review") == 1


def test_a_reason_with_control_characters_is_marked_and_kept_as_typed(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    update_id = claim(loaded_engine, narrative="Done and audited.")
    at = open_as(MONITOR, "review")
    titles = record_tab_titles(monkeypatch)
    typed = "Attach the *audit*\x07"
    at.text_area(key=f"review_text_{update_id}").input(typed)
    at.button(key=f"return_{update_id}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    summary = next(e.value for e in at.error if "There is a problem" in e.value)
    assert "control characters" in summary and f"(#field-review_text_{update_id})" in summary
    assert titles[-1] == error_title("Review queue")
    assert at.text_area(key=f"review_text_{update_id}").value == typed
    assert count_rows(loaded_engine, "review") == 0
