"""Reminders by email: a real SMTP server (aiosmtpd) started by the test receives exactly the
expected digests for a fixed date, once; a second run and a dry run send nothing; a failed
send is tried again next run while the others still go."""

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result
from utils.factories import TEST_ADMIN, count_rows, record, record_accepted, review_on

from tracker import store_users
from tracker.cli import app
from tracker.db import write_session
from tracker.reminders import AssignmentFacts, Kind, reminders_for
from tracker.rules import Decision
from tracker.services import rounds

AS_OF = "2023-10-24"
KENT = ("kent.one@kent.example", "kent.two@kent.example")


@dataclass
class Inbox:
    """What the SMTP server accepted, and the recipients it refuses for now."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TRACKER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRACKER_SMTP_PORT", str(port))
    monkeypatch.setenv("TRACKER_SMTP_STARTTLS", "false")
    monkeypatch.setenv("TRACKER_SMTP_FROM", "Recommendation tracker <tracker@oversight.example>")
    monkeypatch.setenv("TRACKER_BASE_URL", "https://tracker.oversight.example/")
    try:
        yield handler
    finally:
        controller.stop()


def add_user(username: str, email: str, organisation_id: str, *, active: bool = True) -> None:
    from tracker.db import get_engine

    with write_session(get_engine()) as session:
        store_users.add_user(
            session=session,
            username=username,
            display_name=username,
            email=email,
            role="editor",
            organisation_ids=[organisation_id],
            password_hash=None,
            created_at=datetime.now(UTC),
        )
        if not active:
            store_users.change_user(session=session, username=username, active=False)


def kent_history(engine: Engine) -> None:
    """Kent as of 24 October 2023: R3, R4, R13, R14 implemented and accepted; R7 and R11 in
    progress (updated 1 October); R12 claimed and returned; R6 and R10 never reported; a round
    asking for R7 and R10 by 20 October, not returned."""
    for code in ("R3", "R4", "R13", "R14"):
        record_accepted(
            engine, recommendation=code, status="implemented", evidence_date=date(2023, 9, 1)
        )
    for code in ("R7", "R11"):
        record(engine, recommendation=code, evidence_date=date(2023, 10, 1))
    claim = record(
        engine, recommendation="R12", status="implemented", evidence_date=date(2023, 10, 10)
    )
    review_on(
        engine,
        claim.update_id,
        date(2023, 10, 12),
        decision=Decision.RETURNED,
        reason="Send the audit report <b>itself</b>",
    )
    rounds.open_round(
        engine=engine,
        actor=TEST_ADMIN,
        name="Autumn 2023 return",
        due_date=date(2023, 10, 20),
        recommendations=["R7", "R10"],
        organisation_ids=["kent"],
        at=datetime(2023, 10, 2, 9, 0, tzinfo=UTC),
    )
    add_user("kent.one", KENT[0], "kent")
    add_user("kent.two", KENT[1], "kent")
    add_user("kent.gone", "kent.gone@kent.example", "kent", active=False)
    add_user("essex.one", "essex.one@essex.example", "essex")


def plain_text(email: EmailMessage) -> str:
    part = email.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def remind(*args: str) -> Result:
    return CliRunner().invoke(app, ["remind", *args])


def sections(body: str) -> dict[str, list[str]]:
    """The digest's headings, each with the recommendations (or rounds) it lists."""
    found: dict[str, list[str]] = {}
    heading = ""
    for line in body.splitlines():
        if line in {k.heading for k in Kind}:
            heading = line
            found[heading] = []
        elif line.startswith("- ") and heading:
            found[heading].append(line[2:].split(" – ")[0].split(":")[0])
    return found


def test_one_digest_per_organisation_arrives_once_with_exactly_the_expected_reminders(
    loaded_engine: Engine, inbox: Inbox
) -> None:
    kent_history(loaded_engine)
    result = remind("--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "2 digest(s) sent." in result.output

    assert len(inbox.messages) == 2
    (kent,) = inbox.to(KENT[0])
    assert inbox.to(KENT[1]) == [kent]
    assert not inbox.to("kent.gone@kent.example")  # disabled users get nothing
    assert sorted(r for rcpt, m in inbox.messages if m is kent for r in rcpt) == sorted(KENT)
    assert str(kent["Subject"]).strip() == (
        "Kent Police: 7 reminders from the recommendation tracker (24 October 2023)"
    )
    assert kent["From"] == "Recommendation tracker <tracker@oversight.example>"
    plain = kent.get_body(preferencelist=("plain",))
    html = kent.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    body, page = plain.get_content(), html.get_content()
    assert sections(body) == {
        "Return rounds: your return is late": ["Autumn 2023 return"],
        "Returned for more evidence": ["R12"],
        "Overdue": ["R6"],
        "Due within 7 days": ["R7", "R10", "R12"],
        "No update for a long time": ["R10"],
    }
    assert (
        "- Autumn 2023 return: the return was due on 20 October 2023 and is 4 days late. "
        "Still to update: R7, R10."
    ) in body
    assert "the deadline was 5 April 2023; overdue by 202 days." in body
    assert "due in 7 days, on 31 October 2023." in body
    assert "Reason given: Send the audit report <b>itself</b>" in body
    assert "https://tracker.oversight.example/force?org=kent" in body
    # HTML: every value escaped, a link to the organisation's page, no images or pixels.
    assert "Send the audit report &lt;b&gt;itself&lt;/b&gt;" in page
    assert '<a href="https://tracker.oversight.example/force?org=kent">' in page
    assert "<img" not in page.lower() and "src=" not in page.lower()
    assert [p.get_content_type() for p in kent.iter_parts()] == ["text/plain", "text/html"]

    (essex,) = inbox.to("essex.one@essex.example")
    assert str(essex["Subject"]).strip().startswith("Essex Police: ")
    assert "kent" not in plain_text(essex).lower()

    essex_lines = sections(plain_text(essex))
    assert count_rows(loaded_engine, "reminder_sent") == 7 + sum(map(len, essex_lines.values()))
    with loaded_engine.connect() as conn:
        events = conn.execute(
            text("SELECT object_id, outcome FROM audit_event WHERE action = 'reminder_sent'")
        ).all()
    assert sorted(events) == [("essex", "done"), ("kent", "done")]

    again = remind("--as-of", AS_OF)
    assert again.exit_code == 0, again.output
    assert "0 digest(s) sent." in again.output
    assert len(inbox.messages) == 2


def test_a_dry_run_prints_the_digests_and_sends_and_records_nothing(
    loaded_engine: Engine, inbox: Inbox
) -> None:
    kent_history(loaded_engine)
    before = count_rows(loaded_engine, "audit_event")
    result = remind("--as-of", AS_OF, "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"To: {KENT[0]}, {KENT[1]}" in result.output
    assert "Subject: Kent Police: 7 reminders" in result.output
    assert "Dry run: 2 digest(s) would be sent; nothing was sent or recorded." in result.output
    assert inbox.messages == []
    assert count_rows(loaded_engine, "reminder_sent") == 0
    assert count_rows(loaded_engine, "audit_event") == before


def test_a_failed_send_is_retried_next_run_and_the_others_still_go(
    loaded_engine: Engine, inbox: Inbox
) -> None:
    kent_history(loaded_engine)
    inbox.refuse = set(KENT)
    first = remind("--as-of", AS_OF)
    assert first.exit_code == 1
    assert "1 digest(s) could not be sent; they will be tried again:" in first.output
    assert "Kent Police: " in first.output
    assert [rcpt for rcpt, _ in inbox.messages] == [["essex.one@essex.example"]]
    with loaded_engine.connect() as conn:
        kent_rows = conn.execute(
            text("SELECT COUNT(*) FROM reminder_sent WHERE organisation_id = 'kent'")
        ).scalar_one()
        failed = conn.execute(
            text(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'reminder_sent' "
                "AND outcome = 'failed' AND object_id = 'kent'"
            )
        ).scalar_one()
    assert kent_rows == 0 and failed == 1

    inbox.refuse = set()
    second = remind("--as-of", AS_OF)
    assert second.exit_code == 0, second.output
    assert "1 digest(s) sent." in second.output
    assert len(inbox.to(KENT[0])) == 1 and len(inbox.to("essex.one@essex.example")) == 1


def test_a_later_day_sends_only_what_is_new(loaded_engine: Engine, inbox: Inbox) -> None:
    kent_history(loaded_engine)
    assert remind("--as-of", AS_OF).exit_code == 0
    inbox.messages.clear()
    # 30 October: the three 7-day warnings become 1-day warnings, and the late return is
    # chased again (a week on); nothing else is new.
    result = remind("--as-of", "2023-10-30")
    assert result.exit_code == 0, result.output
    (kent,) = inbox.to(KENT[0])
    body = plain_text(kent)
    assert sections(body) == {
        "Return rounds: your return is late": ["Autumn 2023 return"],
        "Due within a day": ["R7", "R10", "R12"],
    }
    assert "is 10 days late" in body


def test_without_an_smtp_server_only_a_dry_run_is_possible(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_SMTP_HOST", raising=False)
    result = remind("--as-of", AS_OF)
    assert result.exit_code == 1
    assert "set TRACKER_SMTP_HOST" in result.output


def test_the_reminders_sent_are_append_only(loaded_engine: Engine, inbox: Inbox) -> None:
    kent_history(loaded_engine)
    assert remind("--as-of", AS_OF).exit_code == 0
    for statement in (
        "UPDATE reminder_sent SET trigger_key = 'x'",
        "DELETE FROM reminder_sent",
    ):
        with (
            pytest.raises(Exception, match="reminder_sent record is append-only"),
            loaded_engine.begin() as conn,
        ):
            conn.execute(text(statement))


# --- The rules for when a reminder is due (pure) ------------------------------------------


def facts(deadline: date, **overrides: Any) -> AssignmentFacts:
    values: dict[str, Any] = {
        "assignment_id": 1,
        "recommendation": "R7",
        "title": "Risk grading",
        "deadline": deadline,
        "overdue": False,
        "days_overdue": 0,
        "stale": False,
        "last_update": date(2024, 1, 1),
        "last_update_id": 5,
        "returned": False,
    }
    values.update(overrides)
    return AssignmentFacts(**values)


@pytest.mark.parametrize(
    ("days_left", "kind"),
    [
        (31, None),
        (30, Kind.DUE_30),
        (8, Kind.DUE_30),
        (7, Kind.DUE_7),
        (2, Kind.DUE_7),
        (1, Kind.DUE_1),
        (0, Kind.DUE_1),
    ],
)
def test_deadline_warnings_come_at_30_7_and_1_days(days_left: int, kind: Kind | None) -> None:
    as_of = date(2024, 3, 1)
    found = reminders_for(
        [facts(date.fromordinal(as_of.toordinal() + days_left))],
        [],
        as_of=as_of,
        stale_after_days=90,
    )
    assert [r.kind for r in found] == ([kind] if kind else [])


def test_an_overdue_reminder_repeats_every_four_weeks() -> None:
    def key(days: int) -> str:
        (found,) = reminders_for(
            [facts(date(2024, 1, 1), overdue=True, days_overdue=days)],
            [],
            as_of=date(2024, 6, 1),
            stale_after_days=90,
        )
        return found.key

    assert key(1) == key(28) != key(29) == key(56) != key(57)


def test_a_claim_waiting_for_review_is_not_reminded_about(
    loaded_engine: Engine, inbox: Inbox
) -> None:
    add_user("kent.one", KENT[0], "kent")
    record(loaded_engine, recommendation="R6", status="implemented", evidence_date=date(2023, 6, 1))
    result = remind("--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    (kent,) = inbox.to(KENT[0])
    assert "R6" not in sections(plain_text(kent)).get("Overdue", [])
    assert "R6 –" not in plain_text(kent)


def test_only_monitors_and_administrators_send_reminders(
    loaded_engine: Engine, inbox: Inbox
) -> None:
    from utils.factories import KENT_EDITOR
    from utils.session import ensure_user

    kent_history(loaded_engine)
    ensure_user(KENT_EDITOR)
    refused = remind("--as-of", AS_OF, "--as", "kent.editor")
    assert refused.exit_code == 1
    assert "Kent Police editors cannot send reminders" in refused.output
    assert inbox.messages == [] and count_rows(loaded_engine, "reminder_sent") == 0
