"""The "Record an update" form: each problem shown beside its field, nothing typed is lost.

Submitting runs ``_submit`` as the form's callback, before the page is drawn again, so the
outcome (problems, a conflict or a confirmation) is in session state when the widgets are drawn
and can be shown next to them.
"""

import math
from dataclasses import dataclass
from typing import Any

import streamlit as st

from tracker import store
from tracker.evidence import ConflictError, FileUpload, UpdateDraft, UpdateRejectedError
from tracker.rules import ReviewState, Status
from tracker.services import progress
from tracker.services.access import AccessDeniedError
from tracker.settings import get_settings
from tracker.ui import controls, data, session
from tracker.ui.errors import show_error_summary
from tracker.ui.format import long_date, rag_label, status_label
from tracker.ui.history import recorded_line
from tracker.ui.rag import rag_tag_html
from tracker.ui.text import escape_markdown, show_text

ORG_KEY = "record_org"
REC_KEY = "record_rec"
FORM_KEY = "record_form"
STATUS_KEY = "record_status"
EVIDENCE_DATE_KEY = "record_evidence_date"
NARRATIVE_KEY = "record_narrative"
LINKS_KEY = "record_links"
FILES_KEY_PREFIX = "record_files"
REVISED_DATE_KEY = "record_revised_date"
REASON_KEY = "record_revision_reason"
BY_KEY = "record_on_behalf_of"
SUBMIT_KEY = "record_submit"

_PROBLEMS = "_record_problems"
_CONFLICT = "_record_conflict"
_DONE = "_record_done"
_TARGET = "_record_target"
_FILES_ROUND = "_record_files_round"

# Widgets cleared after a successful update (the name is kept for the next one).
_CLEARED_AFTER_SUCCESS: dict[str, Any] = {
    NARRATIVE_KEY: "",
    LINKS_KEY: "",
    REVISED_DATE_KEY: None,
    REASON_KEY: "",
}

# What a signed-out user had typed, given back when they sign in again (files cannot be).
_KEPT_WHILE_SIGNED_OUT = (
    STATUS_KEY,
    EVIDENCE_DATE_KEY,
    NARRATIVE_KEY,
    LINKS_KEY,
    REVISED_DATE_KEY,
    REASON_KEY,
    BY_KEY,
)


@dataclass(frozen=True)
class Recorded:
    organisation: str
    organisation_id: str
    recommendation: str
    update_id: int
    status: str


def files_key() -> str:
    """The uploader's key; it changes after a success, which is how an uploader is emptied."""
    return f"{FILES_KEY_PREFIX}_{st.session_state.get(_FILES_ROUND, 0)}"


def show_open_mode_notice() -> None:
    """Only in demonstration mode: say that nobody signed in and anyone can act as anyone."""
    if not get_settings().demo:
        return
    st.info(
        "**Demonstration mode.** Nobody signs in here: anyone using this dashboard can act as "
        "any of the sample users (switch in the sidebar). Every update is kept, and nothing "
        "recorded can be changed or deleted: a correction is a new update.",
        icon=":material/lock_open:",
    )


def _starting_over(organisation_id: str, recommendation: str, current: str) -> None:
    """A different assignment was chosen: start its form from what it currently says."""
    target = (organisation_id, recommendation)
    if st.session_state.get(_TARGET) == target:
        return
    st.session_state[_TARGET] = target
    st.session_state[STATUS_KEY] = current
    st.session_state.pop(_PROBLEMS, None)
    st.session_state.pop(_CONFLICT, None)
    st.session_state.pop(_DONE, None)


def _links(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def _submit(
    tracker: data.Tracker,
    organisation_id: str,
    organisation: str,
    recommendation: str,
    seen_update_id: int | None,
) -> None:
    state = st.session_state
    state.pop(_PROBLEMS, None)
    state.pop(_CONFLICT, None)
    state.pop(_DONE, None)
    actor = session.live_actor(tracker.engine, keep=_KEPT_WHILE_SIGNED_OUT)
    if actor is None:
        return
    uploads = state.get(files_key()) or []
    draft = UpdateDraft(
        status=state.get(STATUS_KEY) or "",
        evidence_date=state.get(EVIDENCE_DATE_KEY),
        narrative=state.get(NARRATIVE_KEY) or "",
        links=_links(state.get(LINKS_KEY) or ""),
        revised_target_date=state.get(REVISED_DATE_KEY),
        revision_reason=(state.get(REASON_KEY) or "").strip() or None,
        on_behalf_of=state.get(BY_KEY) or "",
        attachments=tuple(
            FileUpload(filename=f.name, content=f.getvalue(), content_type=f.type) for f in uploads
        ),
    )
    try:
        result = data.record_update(
            tracker,
            actor=actor,
            recommendation=recommendation,
            organisation_id=organisation_id,
            draft=draft,
            expected_last_update_id=seen_update_id,
        )
    except UpdateRejectedError as exc:
        state[_PROBLEMS] = exc.problems
        return
    except ConflictError as exc:
        state[_CONFLICT] = str(exc)
        return
    except AccessDeniedError as exc:
        state[_PROBLEMS] = {"organisation": str(exc)}
        return
    state[_DONE] = Recorded(
        organisation=organisation,
        organisation_id=organisation_id,
        recommendation=recommendation,
        update_id=result.update_id,
        status=str(state.get(STATUS_KEY)),
    )
    for key, empty in _CLEARED_AFTER_SUCCESS.items():
        state[key] = empty
    state[_FILES_ROUND] = state.get(_FILES_ROUND, 0) + 1


# Each problem's field (as the checks name it) and the widget the summary links to, in form order.
_FIELD_WIDGETS: dict[str, str] = {
    "organisation": ORG_KEY,
    "recommendation": REC_KEY,
    "status": STATUS_KEY,
    "evidence_date": EVIDENCE_DATE_KEY,
    "narrative": NARRATIVE_KEY,
    "links": LINKS_KEY,
    "attachments": FILES_KEY_PREFIX,
    "revised_target_date": REVISED_DATE_KEY,
    "revision_reason": REASON_KEY,
    "on_behalf_of": BY_KEY,
}


# How the summary names each field, so a link says where the problem is.
_FIELD_NAMES: dict[str, str] = {
    "organisation": "Organisation",
    "recommendation": "Recommendation",
    "status": "Status",
    "evidence_date": "Evidence date",
    "narrative": "What has been done",
    "links": "Links",
    "attachments": "Evidence files",
    "revised_target_date": "Revised target date",
    "revision_reason": "Reason for revised date",
    "on_behalf_of": "On behalf of",
}


def _summary_line(field: str, message: str) -> str:
    name = _FIELD_NAMES.get(field)
    return f"{name}: {message}" if name else message


def _widget_for(field: str) -> str:
    widget = _FIELD_WIDGETS.get(field, SUBMIT_KEY)
    return files_key() if widget == FILES_KEY_PREFIX else widget


def problems() -> dict[str, str]:
    found = st.session_state.get(_PROBLEMS)
    return dict(found) if isinstance(found, dict) else {}


def _show_problem(field: str) -> None:
    message = problems().get(field)
    if message:
        # Messages can quote what was typed (a refused link): escaped, so shown as typed.
        st.error(escape_markdown(message[:1].upper() + message[1:]), icon=":material/error:")


def _hint(words: str) -> None:
    """A field's hint, shown under it as text rather than hidden behind a help icon."""
    st.caption(words)


def show_confirmation(tracker: data.Tracker) -> None:
    """After a success: the new status, and the assignment's RAG as of today."""
    done = st.session_state.get(_DONE)
    if not isinstance(done, Recorded):
        return
    today = controls.today()
    rows = data.status_rows(
        tracker,
        as_of=today,
        filters=progress.Filters(
            organisation_ids=frozenset({done.organisation_id}),
            recommendations=frozenset({done.recommendation}),
        ),
    )
    rag = rows[0].rag if rows else None
    waiting = bool(rows) and rows[0].review == ReviewState.AWAITING
    counted = bool(rows) and rows[0].status == done.status
    claim = (
        " A monitor will review the claim; until it is accepted the figures count it as in "
        "progress."
        if waiting and not counted
        else ""
    )
    with st.container(key="record_confirmation"):
        st.success(
            f"**Update recorded** for {done.organisation} on {done.recommendation}. "
            f"Status: {status_label(done.status)}.{claim}"
            + (f" Rating as of today ({long_date(today)}): {rag_label(rag)}." if rag else ""),
            icon=":material/check_circle:",
        )
        if rag:
            st.markdown(rag_tag_html(rag), unsafe_allow_html=True)


def show_last_said(row: progress.StatusRow | None, latest: store.UpdateRecord | None) -> None:
    """What the organisation last said on this recommendation, above the form."""
    with st.container(border=True, key="record_last_said"):
        if latest is None:
            st.markdown("**Nothing has been recorded for this yet.**")
        else:
            st.markdown(
                f"**Last update recorded:** {status_label(latest.status)}, evidence dated "
                f"{long_date(latest.evidence_date)}"
            )
            show_text(latest.narrative)
            show_text(recorded_line(latest))
        if row is not None:
            st.markdown(
                f"Rating today: {rag_tag_html(row.rag)} Deadline: {long_date(row.deadline)}",
                unsafe_allow_html=True,
            )
            show_review_state(row)


def show_review_state(row: progress.StatusRow) -> None:
    """Where the organisation's claim stands with the monitors; a returned claim's reason."""
    if row.review == ReviewState.RETURNED:
        st.warning(
            "A monitor returned this claim. Answer the reason below with a new update.",
            icon=":material/undo:",
        )
        st.text(row.return_reason or "")  # typed by a monitor: shown as text
    elif row.review == ReviewState.AWAITING:
        st.info(
            f"Claimed {status_label(row.self_assessed_status).lower()}, awaiting review by a "
            "monitor. Until it is accepted the figures count it as in progress.",
            icon=":material/hourglass_top:",
        )
    elif row.review == ReviewState.ACCEPTED:
        st.caption("A monitor has accepted this claim.")


def show_record_form(
    tracker: data.Tracker, *, organisation_id: str, organisation: str, recommendation: str
) -> None:
    """What was last said, then the form with its checks beside each field; a confirmation or
    the conflict message when there is one."""
    settings = get_settings()
    today = controls.today()
    rows = data.status_rows(
        tracker,
        as_of=today,
        filters=progress.Filters(
            organisation_ids=frozenset({organisation_id}),
            recommendations=frozenset({recommendation}),
        ),
    )
    current = rows[0] if rows else None
    latest = data.latest_recorded(
        tracker, organisation_id=organisation_id, recommendation=recommendation
    )
    _starting_over(organisation_id, recommendation, current.status if current else "in_progress")
    show_confirmation(tracker)
    show_last_said(current, latest)
    conflict = st.session_state.get(_CONFLICT)
    if conflict:
        st.warning(
            f"{conflict} The newer update is shown above; what you typed is kept below.",
            icon=":material/sync_problem:",
        )
    found = problems()
    if found:
        order = list(_FIELD_WIDGETS)
        fields = sorted(found, key=lambda f: order.index(f) if f in order else len(order))
        show_error_summary(
            [(_widget_for(f), _summary_line(f, found[f])) for f in fields],
            page_title="Record an update",
            lead="The update was not recorded. Correct what is marked below, then record it again.",
        )
        for field in ("organisation", "recommendation"):
            _show_problem(field)
    max_mb = max(1, math.ceil(settings.max_attachment_bytes / (1024 * 1024)))
    types = ", ".join(f".{t}" for t in settings.allowed_attachment_types)
    with st.form(FORM_KEY, enter_to_submit=False, border=True):
        st.radio(
            "Status",
            options=[s.value for s in Status],
            format_func=status_label,
            key=STATUS_KEY,
            horizontal=True,
        )
        _show_problem("status")
        st.date_input(
            "Evidence date",
            min_value=tracker.report.published,
            max_value=today,
            format="DD/MM/YYYY",
            key=EVIDENCE_DATE_KEY,
        )
        _hint("The date the evidence speaks for: today or earlier. For example, 31/10/2023.")
        _show_problem("evidence_date")
        st.text_area(
            "What has been done (evidence)",
            key=NARRATIVE_KEY,
            height=140,
        )
        _hint("What has changed, and how you know. For not applicable, say why.")
        _show_problem("narrative")
        st.text_area(
            "Links (optional)",
            key=LINKS_KEY,
            height=80,
            placeholder="https://…",
        )
        _hint("One web address a line, starting http:// or https://")
        _show_problem("links")
        st.file_uploader(
            "Evidence files (optional)",
            type=list(settings.allowed_attachment_types),
            accept_multiple_files=True,
            max_upload_size=max_mb,
            key=files_key(),
        )
        _hint(f"Up to {max_mb} MB each. Accepted: {types}.")
        _show_problem("attachments")
        left, right = st.columns(2)
        with left:
            st.date_input(
                "Revised target date (optional)",
                value=None,
                format="DD/MM/YYYY",
                key=REVISED_DATE_KEY,
            )
            _hint("Only if the work will finish after the deadline.")
            _show_problem("revised_target_date")
        with right:
            st.text_input("Reason for revised date (optional)", key=REASON_KEY)
            _hint("Needed when you give a revised target date.")
            _show_problem("revision_reason")
        st.text_input(
            "On behalf of (optional)",
            key=BY_KEY,
        )
        _hint(
            "If you are recording this for someone else, their name and role. "
            "The update is recorded under your own name."
        )
        _show_problem("on_behalf_of")
        st.form_submit_button(
            "Record update",
            type="primary",
            key=SUBMIT_KEY,
            on_click=_submit,
            args=(
                tracker,
                organisation_id,
                organisation,
                recommendation,
                latest.id if latest else None,
            ),
        )
