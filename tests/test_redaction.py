"""Redaction of personal data uploaded by mistake: administrators only, once, leaving the row,
its hashes and fingerprint, with who, when and why on the audit trail (never the content)."""

import hashlib
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result
from utils.factories import KENT_EDITOR, MONITOR, TEST_ADMIN, VIEWER, count_rows, record

from tracker import store
from tracker.cli import app
from tracker.db import read_session
from tracker.evidence import FileUpload
from tracker.roles import Actor
from tracker.services import audit, audit_log, progress, redaction, users
from tracker.services.access import AccessDeniedError

SECRET = "Victim named: Jane Example, 12 Any Street"
FILE = b"%PDF-1.4 statement naming Jane Example"
REDACTION_COLUMNS = ("redacted_at", "redacted_by", "redaction_reason")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _recorded(engine: Engine) -> tuple[int, int]:
    done = record(engine, narrative=SECRET, attachments=(FileUpload("statement.pdf", FILE),))
    with engine.connect() as conn:
        attachment_id = conn.execute(
            text("SELECT id FROM attachment WHERE update_id = :u"), {"u": done.update_id}
        ).scalar_one()
    return done.update_id, int(attachment_id)


def _row(engine: Engine, table: str, row_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id})
        return dict(found.mappings().one())


def _trail_text(engine: Engine) -> str:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT message, before, after FROM audit_event")).all()
    return "\n".join(str(value) for row in rows for value in row)


def test_redacting_a_narrative_keeps_the_row_and_its_fingerprint(loaded_engine: Engine) -> None:
    update_id, _ = _recorded(loaded_engine)
    before = _row(loaded_engine, "evidence_update", update_id)
    done = redaction.redact_narrative(
        engine=loaded_engine, actor=TEST_ADMIN, update_id=update_id, reason="Names a victim"
    )
    after = _row(loaded_engine, "evidence_update", update_id)
    assert str(after["narrative"]).startswith("[redacted on ")
    assert str(after["narrative"]).endswith(": reason on the audit trail]")
    assert (after["redacted_by"], after["redaction_reason"]) == ("test.admin", "Names a victim")
    unchanged = {k for k in before if k not in ("narrative", *REDACTION_COLUMNS)}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert done.sha256_before == hashlib.sha256(SECRET.encode()).hexdigest()


def test_redacting_an_attachment_blanks_it_and_keeps_its_stored_sha256(
    loaded_engine: Engine,
) -> None:
    _, attachment_id = _recorded(loaded_engine)
    before = _row(loaded_engine, "attachment", attachment_id)
    redaction.redact_attachment(
        engine=loaded_engine, actor=TEST_ADMIN, attachment_id=attachment_id, reason="Statement"
    )
    after = _row(loaded_engine, "attachment", attachment_id)
    assert bytes(after["content"]) == b""
    assert after["sha256"] == before["sha256"] == hashlib.sha256(FILE).hexdigest()
    assert (after["filename"], after["size_bytes"]) == (before["filename"], before["size_bytes"])


def test_audit_trail_records_who_why_and_hashes_never_the_content(loaded_engine: Engine) -> None:
    update_id, attachment_id = _recorded(loaded_engine)
    redaction.redact_narrative(
        engine=loaded_engine, actor=TEST_ADMIN, update_id=update_id, reason="Names a victim"
    )
    redaction.redact_attachment(
        engine=loaded_engine, actor=TEST_ADMIN, attachment_id=attachment_id, reason="Statement"
    )
    events = audit_log.list_events(engine=loaded_engine, actor=TEST_ADMIN)
    attachment_event, narrative_event = events[0], events[1]
    assert (narrative_event.action, narrative_event.actor) == ("narrative_redacted", "test.admin")
    assert (narrative_event.object_type, narrative_event.object_id) == ("update", str(update_id))
    assert narrative_event.message == "Names a victim"
    assert hashlib.sha256(SECRET.encode()).hexdigest() in str(narrative_event.before)
    assert attachment_event.action == "attachment_redacted"
    assert hashlib.sha256(FILE).hexdigest() in str(attachment_event.before)
    assert hashlib.sha256(b"").hexdigest() in str(attachment_event.after)
    # The update's own "update_recorded" event never held the narrative either.
    assert "Jane Example" not in _trail_text(loaded_engine)
    assert audit.verify(engine=loaded_engine).ok


@pytest.mark.parametrize(
    "actor", [MONITOR, KENT_EDITOR, VIEWER], ids=["monitor", "editor", "viewer"]
)
def test_only_administrators_redact(loaded_engine: Engine, actor: Actor) -> None:
    update_id, attachment_id = _recorded(loaded_engine)
    before = (
        _row(loaded_engine, "evidence_update", update_id),
        _row(loaded_engine, "attachment", attachment_id),
    )
    events = count_rows(loaded_engine, "audit_event")
    with pytest.raises(AccessDeniedError, match="cannot redact evidence"):
        redaction.redact_narrative(
            engine=loaded_engine, actor=actor, update_id=update_id, reason="Try"
        )
    with pytest.raises(AccessDeniedError, match="cannot redact evidence"):
        redaction.redact_attachment(
            engine=loaded_engine, actor=actor, attachment_id=attachment_id, reason="Try"
        )
    after = (
        _row(loaded_engine, "evidence_update", update_id),
        _row(loaded_engine, "attachment", attachment_id),
    )
    assert after == before
    assert count_rows(loaded_engine, "audit_event") == events + 2


def test_a_second_redaction_is_refused(loaded_engine: Engine) -> None:
    update_id, _ = _recorded(loaded_engine)
    redaction.redact_narrative(
        engine=loaded_engine, actor=TEST_ADMIN, update_id=update_id, reason="First"
    )
    with pytest.raises(redaction.AlreadyRedactedError, match="already redacted"):
        redaction.redact_narrative(
            engine=loaded_engine, actor=TEST_ADMIN, update_id=update_id, reason="Second"
        )
    assert _row(loaded_engine, "evidence_update", update_id)["redaction_reason"] == "First"


def test_a_redaction_needs_a_reason(loaded_engine: Engine) -> None:
    update_id, _ = _recorded(loaded_engine)
    with pytest.raises(ValueError, match="reason"):
        redaction.redact_narrative(
            engine=loaded_engine, actor=TEST_ADMIN, update_id=update_id, reason="  "
        )
    assert _row(loaded_engine, "evidence_update", update_id)["narrative"] == SECRET


def test_history_shows_the_redaction_instead_of_the_content(loaded_engine: Engine) -> None:
    update_id, attachment_id = _recorded(loaded_engine)
    redaction.redact_narrative(
        engine=loaded_engine, actor=TEST_ADMIN, update_id=update_id, reason="Names a victim"
    )
    redaction.redact_attachment(
        engine=loaded_engine, actor=TEST_ADMIN, attachment_id=attachment_id, reason="Statement"
    )
    with read_session(loaded_engine) as session:
        (shown,) = store.update_history(
            session=session, report_id="oscae-2023", organisation_ids=["kent"]
        )
    assert shown.redaction is not None and shown.redaction.reason == "Names a victim"
    assert shown.redaction.redacted_by == "test.admin"
    assert shown.attachments[0].redaction is not None
    assert shown.attachments[0].redaction.reason == "Statement"


def test_cli_redacts_as_the_local_operator_and_refuses_a_monitor(loaded_engine: Engine) -> None:
    update_id, attachment_id = _recorded(loaded_engine)
    users.create_user(engine=loaded_engine, actor=TEST_ADMIN, username="lead", role="monitor")
    refused = run("redact", "narrative", str(update_id), "--reason", "Names", "--as", "lead")
    assert refused.exit_code == 1
    assert "Monitors cannot redact evidence" in refused.stderr
    done = run("redact", "attachment", str(attachment_id), "--reason", "Names a victim")
    assert done.exit_code == 0, done.output
    assert f"Attachment {attachment_id} redacted" in done.stdout
    done = run("redact", "narrative", str(update_id), "--reason", "Names a victim")
    assert done.exit_code == 0, done.output
    missing = run("redact", "narrative", "99999", "--reason", "Names a victim")
    assert missing.exit_code == 1
    assert "No update with id 99999" in missing.stderr
    assert run("audit", "verify").exit_code == 0


def test_a_redaction_changes_the_data_version_so_no_cached_page_shows_the_old_text(
    loaded_engine: Engine,
) -> None:
    update_id, attachment_id = _recorded(loaded_engine)
    versions = [progress.data_version(engine=loaded_engine)]
    redaction.redact_narrative(
        engine=loaded_engine, actor=TEST_ADMIN, update_id=update_id, reason="Names a victim"
    )
    versions.append(progress.data_version(engine=loaded_engine))
    redaction.redact_attachment(
        engine=loaded_engine, actor=TEST_ADMIN, attachment_id=attachment_id, reason="Statement"
    )
    versions.append(progress.data_version(engine=loaded_engine))
    assert len(set(versions)) == 3
