"""The review queue: each waiting claim with its evidence, and the controls to decide on it."""

from collections.abc import Sequence

import streamlit as st

from tracker import store
from tracker.services.access import AccessDeniedError, Action, Actor, refusal_for
from tracker.services.reviews import ReviewRefusedError, ReviewTextError
from tracker.ui import data, session
from tracker.ui.errors import show_error_summary
from tracker.ui.format import long_date, plural, recorded_on, status_label
from tracker.ui.text import escape_markdown

OUTCOME_KEY = "review_outcome"


def text_key(update_id: int) -> str:
    return f"review_text_{update_id}"


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _decide(tracker: data.Tracker, update_id: int, accept: bool) -> None:
    """Button callback: decide as the user signed in now, then say what happened next run."""
    actor = session.live_actor(tracker.engine, keep=(text_key(update_id),))
    if actor is None:
        return
    text = str(st.session_state.get(text_key(update_id)) or "")
    try:
        if accept:
            data.accept_claim(tracker, actor=actor, update_id=update_id, note=text)
        else:
            data.return_claim(tracker, actor=actor, update_id=update_id, reason=text)
    except ReviewTextError as exc:
        # The note or reason is at fault: marked on that claim's field, and in the summary.
        st.session_state[OUTCOME_KEY] = ("field", str(exc), update_id)
        return
    except (ReviewRefusedError, AccessDeniedError) as exc:
        st.session_state[OUTCOME_KEY] = ("error", str(exc), update_id)
        return
    done = "accepted" if accept else "returned to the organisation with your reason"
    st.session_state[OUTCOME_KEY] = ("success", f"Update {update_id} {done}.", update_id)
    st.session_state.pop(text_key(update_id), None)


Outcome = tuple[str, str, int]


def show_outcome(outcome: Outcome | None) -> None:
    """What the last decision did: a summary linking to the field at fault, or a message."""
    if outcome is None:
        return
    kind, message, update_id = outcome
    if kind == "field":
        show_error_summary(
            [(text_key(update_id), f"Update {update_id}: {message}")],
            page_title="Review queue",
            lead="The decision was not recorded. Correct what is marked, then decide again.",
        )
        return
    with st.container(key="review_outcome"):
        if kind == "error":
            # May name an organisation or reviewer: escaped, so shown as stored.
            st.error(escape_markdown(message), icon=":material/error:")
        else:
            st.success(message, icon=":material/check_circle:")


def show_claim(
    tracker: data.Tracker, claim: store.UpdateRecord, problem: str | None = None
) -> None:
    """One claim: what was claimed, the evidence as typed (text, never markdown), the files,
    and Accept / Return; ``problem`` is what was wrong with its note or reason last time."""
    with st.container(border=True, key=f"claim_{claim.id}"):
        st.markdown(
            f"**{claim.recommendation} · {claim.organisation}** claims "
            f"**{status_label(claim.status).lower()}**, evidence dated "
            f"{long_date(claim.evidence_date)} (update {claim.id})"
        )
        st.text(claim.narrative)
        if claim.on_behalf_of:
            st.text(f"On behalf of: {claim.on_behalf_of}")
        if claim.links:
            st.caption("Links (check each before opening)")
            st.text("\n".join(claim.links))
        for attachment in claim.attachments:
            st.text(f"File: {attachment.filename} ({_size(attachment.size_bytes)})")
            st.download_button(
                "Download the file above",
                data=data.attachment_loader(tracker, attachment.id),
                file_name=attachment.filename,
                mime="application/octet-stream",
                key=f"review_file_{attachment.id}",
                icon=":material/attach_file:",
                on_click="ignore",
            )
        st.caption(f"Recorded on {recorded_on(claim.recorded_at)} by")
        st.text(claim.recorded_by)
        st.text_area(
            "Note, or the reason for returning it",
            key=text_key(claim.id),
            height=80,
            help="A note is optional when you accept. To return the claim, say what the "
            "organisation must answer: it is shown to them.",
        )
        if problem:
            st.error(escape_markdown(problem), icon=":material/error:")
        accept, send_back = st.columns(2)
        accept.button(
            "Accept",
            key=f"accept_{claim.id}",
            type="primary",
            icon=":material/check:",
            on_click=_decide,
            args=(tracker, claim.id, True),
        )
        send_back.button(
            "Return with reason",
            key=f"return_{claim.id}",
            icon=":material/undo:",
            on_click=_decide,
            args=(tracker, claim.id, False),
        )


def show_review_queue(tracker: data.Tracker, *, actor: Actor) -> None:
    """Every waiting claim, oldest first; or why this user cannot review."""
    refusal = refusal_for(actor, Action.REVIEW)
    if refusal is not None:
        st.info(f"{refusal}: only monitors and administrators review claims.")
        return
    outcome = st.session_state.pop(OUTCOME_KEY, None)
    show_outcome(outcome)
    problem_for = outcome[2] if outcome and outcome[0] == "field" else None
    claims: Sequence[store.UpdateRecord] = data.review_queue(tracker, actor=actor)
    with st.container(key="review_queue_count"):
        st.metric("Claims waiting", f"{len(claims):,}", border=True)
    if not claims:
        st.success("No claims are waiting for review.")
        return
    st.caption(f"{plural(len(claims), 'claim')}, oldest first.")
    for claim in claims:
        show_claim(tracker, claim, outcome[1] if outcome and claim.id == problem_for else None)
