"""The audit trail page in AppTest: chain status at the top, filters, download, refusals."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.factories import KENT_EDITOR, MONITOR, TEST_ADMIN, VIEWER, count_rows, record
from utils.session import signed_in

from tracker.evidence import FileUpload
from tracker.roles import Actor
from tracker.services import audit_log, redaction
from tracker.services.access import AccessDeniedError

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"


def open_audit(actor: Actor = TEST_ADMIN) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), actor)
    at.run()
    at.switch_page("../pages/audit.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _some_events(engine: Engine) -> None:
    record(engine, narrative="First return.", actor=KENT_EDITOR)
    with pytest.raises(AccessDeniedError):
        record(engine, organisation_id="essex", narrative="Not ours.", actor=KENT_EDITOR)


def test_monitor_sees_the_chain_intact_and_every_event(loaded_engine: Engine) -> None:
    _some_events(loaded_engine)
    at = open_audit(MONITOR)
    events = count_rows(loaded_engine, "audit_event")
    assert at.success[0].value.startswith(f"Chain intact: {events} events")
    table = at.dataframe[0].value
    assert len(table) == events
    assert list(table["Outcome"]) == ["refused", "done"]
    assert at.get("download_button")


def test_filter_by_outcome_shows_only_refusals(loaded_engine: Engine) -> None:
    _some_events(loaded_engine)
    at = open_audit(MONITOR)
    at.selectbox(key="audit_outcome").set_value("Refused").run()
    table = at.dataframe[0].value
    assert list(table["Outcome"]) == ["refused"]
    assert "Essex Police" in table["Message"].iloc[0]


def test_viewer_has_no_audit_page_and_the_service_refuses_and_records(
    loaded_engine: Engine,
) -> None:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), VIEWER).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../pages/audit.py")  # not registered for a viewer: unreachable
    before = count_rows(loaded_engine, "audit_event")
    with pytest.raises(AccessDeniedError, match="Viewers cannot read the audit trail"):
        audit_log.verify(engine=loaded_engine, actor=VIEWER)
    assert count_rows(loaded_engine, "audit_event") == before + 1


def test_tampered_trail_is_named_at_the_top(loaded_engine: Engine) -> None:
    _some_events(loaded_engine)
    with loaded_engine.begin() as conn:
        if loaded_engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER ALL"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
        first = conn.execute(text("SELECT MIN(id) FROM audit_event")).scalar_one()
        conn.execute(text("UPDATE audit_event SET actor = 'someone' WHERE id = :id"), {"id": first})
    at = open_audit(MONITOR)
    assert not at.success
    assert f"broken at event {first}" in at.error[0].value


def test_force_page_shows_a_redacted_narrative_and_file_as_redacted(loaded_engine: Engine) -> None:
    done = record(
        loaded_engine,
        narrative="Names a child.",
        attachments=(FileUpload("statement.pdf", b"%PDF-1.4 names"),),
    )
    redaction.redact_narrative(
        engine=loaded_engine, actor=TEST_ADMIN, update_id=done.update_id, reason="Personal data"
    )
    with loaded_engine.connect() as conn:
        file_id = conn.execute(text("SELECT id FROM attachment")).scalar_one()
    redaction.redact_attachment(
        engine=loaded_engine, actor=TEST_ADMIN, attachment_id=file_id, reason="Witness statement"
    )
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.session_state["as_of"] = date(2026, 11, 23)
    at.session_state["force_org"] = "kent"
    at.run()
    at.switch_page("../pages/force.py")
    at.query_params = {"org": "kent", "rec": "R4"}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    shown = " ".join(m.value for m in (*at.markdown, *at.caption, *at.text))
    assert "Names a child" not in shown
    assert "redacted on" in shown and "reason on the audit trail" in shown
    assert "Narrative redacted on" in shown and "test.admin: Personal data" in shown
    assert "statement.pdf redacted on" in shown and "Witness statement" in shown
    assert not at.get("download_button")
