"""Checking an update draft before it is stored: every problem named by its field, all at once."""

from datetime import date

import pytest
from utils.factories import draft

from tracker.evidence import (
    CheckedUpdate,
    FileUpload,
    UpdateDraft,
    UpdateRejectedError,
    check_draft,
    fingerprint,
)
from tracker.rules import Status
from tracker.settings import get_settings

TODAY = date(2024, 6, 1)
PUBLISHED = date(2023, 4, 5)
DEADLINE = date(2023, 10, 31)


def check(d: UpdateDraft, *, deadline: date | None = DEADLINE) -> CheckedUpdate:
    settings = get_settings()
    return check_draft(
        d,
        today=TODAY,
        reporting_from=PUBLISHED,
        deadline=deadline,
        max_attachment_bytes=settings.max_attachment_bytes,
        allowed_attachment_types=settings.allowed_attachment_types,
    )


def problems_of(d: UpdateDraft, *, deadline: date | None = DEADLINE) -> dict[str, str]:
    with pytest.raises(UpdateRejectedError) as info:
        check(d, deadline=deadline)
    return info.value.problems


def test_valid_draft_is_accepted_and_tidied() -> None:
    checked = check(
        draft(
            status="In progress",
            evidence_date="2024-05-31",
            narrative="  Training delivered.  ",
            links="https://example.org/a, https://example.org/b",
        )
    )
    assert checked.status == Status.IN_PROGRESS
    assert checked.evidence_date == date(2024, 5, 31)
    assert checked.narrative == "Training delivered."
    assert checked.links == ("https://example.org/a", "https://example.org/b")


@pytest.mark.parametrize("status", ["done", "complete", "", "in-progresss"])
def test_unknown_status_is_rejected_on_the_status_field(status: str) -> None:
    problems = problems_of(draft(status=status))
    assert set(problems) == {"status"}
    assert "not_started" in problems["status"]


@pytest.mark.parametrize("typed", ["31/10/2023", "2023-10-1", "20231031", "next week"])
def test_date_not_in_iso_form_is_rejected_with_a_hint(typed: str) -> None:
    problems = problems_of(draft(evidence_date=typed))
    assert set(problems) == {"evidence_date"}
    assert "YYYY-MM-DD" in problems["evidence_date"]


def test_missing_evidence_date_is_rejected() -> None:
    assert set(problems_of(draft(evidence_date=None))) == {"evidence_date"}


def test_evidence_date_in_the_future_is_rejected() -> None:
    problems = problems_of(draft(evidence_date=date(2024, 6, 2)))
    assert set(problems) == {"evidence_date"}
    assert "future" in problems["evidence_date"]


def test_evidence_dated_today_is_accepted() -> None:
    assert check(draft(evidence_date=TODAY)).evidence_date == TODAY


def test_evidence_before_publication_is_rejected() -> None:
    problems = problems_of(draft(evidence_date=date(2023, 4, 4)))
    assert set(problems) == {"evidence_date"}
    assert "before the report was published" in problems["evidence_date"]


def test_evidence_on_publication_day_is_accepted() -> None:
    assert check(draft(evidence_date=PUBLISHED)).evidence_date == PUBLISHED


@pytest.mark.parametrize("narrative", ["", "   \n  "])
def test_empty_narrative_is_rejected(narrative: str) -> None:
    assert set(problems_of(draft(narrative=narrative))) == {"narrative"}


def test_not_applicable_without_a_reason_asks_why_it_does_not_apply() -> None:
    problems = problems_of(draft(status="not_applicable", narrative=""))
    assert "does not apply" in problems["narrative"]


def test_revised_target_date_without_a_reason_is_rejected() -> None:
    problems = problems_of(draft(revised_target_date="2024-12-31"))
    assert set(problems) == {"revision_reason"}


def test_revision_reason_without_a_revised_date_is_rejected() -> None:
    problems = problems_of(draft(revision_reason="Waiting on a national system."))
    assert set(problems) == {"revised_target_date"}


def test_revised_target_date_on_or_before_the_deadline_is_rejected() -> None:
    problems = problems_of(draft(revised_target_date=DEADLINE, revision_reason="Delayed."))
    assert set(problems) == {"revised_target_date"}


def test_revised_target_date_with_a_reason_is_accepted() -> None:
    checked = check(draft(revised_target_date="2024-12-31", revision_reason="Delayed."))
    assert checked.revised_target_date == date(2024, 12, 31)
    assert checked.revision_reason == "Delayed."


@pytest.mark.parametrize(
    "link", ["ftp://example.org/plan.pdf", "www.example.org", "javascript:alert(1)", "https://"]
)
def test_link_that_is_not_http_is_rejected(link: str) -> None:
    problems = problems_of(draft(links=("https://example.org/ok", link)))
    assert set(problems) == {"links"}


def test_on_behalf_of_is_optional_but_limited_in_length() -> None:
    assert check(draft(on_behalf_of="  ")).on_behalf_of is None
    assert set(problems_of(draft(on_behalf_of="x" * 201))) == {"on_behalf_of"}


def test_attachment_over_the_configured_limit_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_MAX_ATTACHMENT_BYTES", "100")
    assert get_settings().max_attachment_bytes == 100
    upload = FileUpload("plan.pdf", b"x" * 101)
    problems = problems_of(draft(attachments=(upload,)))
    assert set(problems) == {"attachments"}
    assert "plan.pdf" in problems["attachments"]


def test_attachment_exactly_at_the_limit_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_MAX_ATTACHMENT_BYTES", "100")
    upload = FileUpload("plan.pdf", b"%PDF-1.4" + b"x" * 92)
    assert check(draft(attachments=(upload,))).attachments == (upload,)


@pytest.mark.parametrize("filename", ["run.exe", "macro.docm", "page.html", "no_extension"])
def test_attachment_of_a_type_not_allowed_is_rejected(filename: str) -> None:
    problems = problems_of(draft(attachments=(FileUpload(filename, b"content"),)))
    assert set(problems) == {"attachments"}
    assert filename in problems["attachments"]


def test_attachment_type_is_matched_whatever_the_case() -> None:
    upload = FileUpload("PLAN.PDF", b"%PDF-1.4")
    assert check(draft(attachments=(upload,))).attachments == (upload,)


def test_empty_attachment_is_rejected() -> None:
    assert set(problems_of(draft(attachments=(FileUpload("plan.pdf", b""),)))) == {"attachments"}


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_MAX_ATTACHMENT_BYTES", "10")
    problems = problems_of(
        UpdateDraft(
            status="finished",
            evidence_date="31/10/2023",
            narrative="",
            links=("file:///c:/plan.pdf",),
            revised_target_date="2024-12-31",
            revision_reason=None,
            on_behalf_of="x" * 500,
            attachments=(FileUpload("big.pdf", b"x" * 11), FileUpload("run.exe", b"x")),
        )
    )
    assert set(problems) == {
        "status",
        "evidence_date",
        "narrative",
        "links",
        "revision_reason",
        "on_behalf_of",
        "attachments",
    }
    assert "big.pdf" in problems["attachments"] and "run.exe" in problems["attachments"]


def test_rejection_message_names_each_field() -> None:
    with pytest.raises(UpdateRejectedError) as info:
        check(draft(status="finished", narrative=""))
    assert "status:" in str(info.value) and "narrative:" in str(info.value)


def test_fingerprint_ignores_who_sent_the_update() -> None:
    a = check(draft(on_behalf_of="Alice"))
    b = check(draft(on_behalf_of="Bob"))
    assert fingerprint(1, a) == fingerprint(1, b)


def test_fingerprint_differs_by_assignment_and_content() -> None:
    a = check(draft())
    assert fingerprint(1, a) != fingerprint(2, a)
    assert fingerprint(1, a) != fingerprint(1, check(draft(narrative="Something else.")))
    with_file = check(draft(attachments=(FileUpload("a.pdf", b"%PDF-one"),)))
    other_file = check(draft(attachments=(FileUpload("a.pdf", b"%PDF-two"),)))
    assert fingerprint(1, with_file) != fingerprint(1, other_file)
