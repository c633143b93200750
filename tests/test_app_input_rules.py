"""Hostile input through the dashboard in AppTest: the form names the field a rule refuses, and
every page shows typed values as text (``st.text``), never as Markdown."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.factories import record
from utils.session import signed_in

from tracker.services import progress

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
AS_OF = date(2026, 11, 23)
HOSTILE = (
    "Done ![p](https://evil.example/p.png) <img src=x> :red[URGENT] "
    ":material/warning: [guidance](https://evil.example/phish)"
)
HOSTILE_NAME = "![x](https://evil.example/x.png) :red[Chief]"


def open_form() -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.run()
    at.switch_page("../pages/record.py")
    at.session_state["record_org"] = "kent"
    at.session_state["record_rec"] = "R6"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def kent_r6(engine: Engine) -> list[str]:
    return [
        u.narrative
        for u in progress.update_history(
            engine=engine, organisation_ids=["kent"], recommendation="R6"
        )
    ]


def test_form_refuses_a_control_character_beside_its_field(demo_engine: Engine) -> None:
    at = open_form()
    before = kent_r6(demo_engine)
    at.text_area(key="record_narrative").input("Plan agreed\x1b[31m in red")
    at.text_input(key="record_on_behalf_of").input("Head of PPU\x07")
    at.button(key="record_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    errors = [e.value for e in at.error]
    # Beside each field, and again in the error summary at the top that links to both.
    beside = [e for e in errors if "There is a problem" not in e]
    assert sum("control character" in e for e in beside) == 2, errors
    summary = next(e for e in errors if "There is a problem" in e)
    assert "(#field-record_narrative)" in summary and "(#field-record_on_behalf_of)" in summary
    assert kent_r6(demo_engine) == before
    assert at.text_area(key="record_narrative").value == "Plan agreed\x1b[31m in red"


def test_form_refuses_a_link_hiding_markdown(demo_engine: Engine) -> None:
    at = open_form()
    at.text_area(key="record_narrative").input("Audit complete.")
    at.text_area(key="record_links").input("https://example.org/a)![](https://evil.example/p.png")
    at.button(key="record_submit").click().run()
    assert any("characters a web address should not" in e.value for e in at.error)


def test_form_refuses_text_over_the_length_limit(demo_engine: Engine) -> None:
    at = open_form()
    at.text_area(key="record_narrative").input("Audit complete.")
    at.text_input(key="record_revision_reason").input("x" * 2_001)
    at.button(key="record_submit").click().run()
    assert any("Keep this under 2" in e.value for e in at.error)


def test_windows_line_endings_make_no_new_update_in_the_form(demo_engine: Engine) -> None:
    record(
        demo_engine,
        recommendation="R6",
        narrative="Line one.\nLine two.",
        evidence_date=date.today(),
        status="in_progress",
    )
    at = open_form()
    at.radio(key="record_status").set_value("in_progress")
    at.date_input(key="record_evidence_date").set_value(date.today())
    at.text_area(key="record_narrative").input("Line one.\r\nLine two.")
    at.text_input(key="record_on_behalf_of").input("Head of Public Protection")
    at.button(key="record_submit").click().run()
    assert any("Already recorded" in e.value for e in at.error)


def test_history_shows_typed_values_as_text_never_as_markdown(demo_engine: Engine) -> None:
    record(
        demo_engine,
        recommendation="R4",
        narrative=HOSTILE,
        on_behalf_of=HOSTILE_NAME,
        links=("https://evil.example/report",),
        revised_target_date=date(2027, 6, 30),
        revision_reason=":red[Delayed] ![r](https://evil.example/r.png)",
        evidence_date=date(2026, 11, 1),
    )
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.session_state["as_of"] = AS_OF
    at.session_state["force_org"] = "kent"
    at.run()
    at.switch_page("../pages/force.py")
    at.query_params = {"org": "kent", "rec": "R4"}
    at.run()
    assert not at.exception, [e.message for e in at.exception]

    texts = [t.value for t in at.text]
    assert HOSTILE in texts
    assert any(HOSTILE_NAME in t for t in texts)
    assert "Reason: :red[Delayed] ![r](https://evil.example/r.png)" in texts
    markdown = [m.value for m in (*at.markdown, *at.caption)]
    # The only Markdown holding the foreign host is the checked link, shown as itself.
    assert [m for m in markdown if "evil.example" in m] == ["<https://evil.example/report>"]
    assert not any(":red[" in m for m in markdown)


def test_dashboard_with_a_bad_database_url_says_so_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for url in ("postgresql://tracker:s3cret-pw@localhost:notaport/db", "mysql://t:s3cret-pw@h/db"):
        monkeypatch.setenv("TRACKER_DATABASE_URL", url)
        at = AppTest.from_file(APP, default_timeout=60)  # no database, so nobody to sign in
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        shown = [e.value for e in (*at.error, *at.code, *at.markdown)]
        assert any("cannot reach its database" in s for s in shown), shown
        assert not any("s3cret-pw" in s for s in shown), shown
