"""Pieces of the "My actions" page: one card an assignment, and the quick "no change" form."""

from datetime import date

import streamlit as st

from tracker.evidence import ConflictError, UpdateRejectedError
from tracker.services import actions, rounds
from tracker.services.access import AccessDeniedError
from tracker.services.progress import StatusRow
from tracker.ui import data, navigation, session
from tracker.ui.format import long_date, plural, review_label, status_label
from tracker.ui.rag import rag_tag_html
from tracker.ui.text import escape_markdown, show_text

NOTE_KEY_PREFIX = "no_change_note"
_OUTCOME = "_no_change_outcome"


def _note_key(organisation_id: str, recommendation: str) -> str:
    return f"{NOTE_KEY_PREFIX}_{organisation_id}_{recommendation}"


def _facts(row: StatusRow, today: date) -> str:
    parts = [f"Status: {status_label(row.status)}"]
    if row.overdue:
        parts.append(f"overdue by {plural(row.days_overdue, 'day')}")
    parts.append(f"deadline {long_date(row.deadline)}")
    if row.revised_target_date:
        parts.append(f"revised target {long_date(row.revised_target_date)}")
    if row.last_update:
        parts.append(f"last update {long_date(row.last_update)}")
    else:
        parts.append("never reported")
    if row.stale and row.last_update:
        parts.append(f"no update for {plural((today - row.last_update).days, 'day')}")
    return " · ".join(parts)


def _record_no_change(
    tracker: data.Tracker, organisation_id: str, organisation: str, recommendation: str
) -> None:
    state = st.session_state
    key = _note_key(organisation_id, recommendation)
    actor = session.live_actor(tracker.engine, keep=(key,))
    if actor is None:
        return
    latest = data.latest_recorded(
        tracker, organisation_id=organisation_id, recommendation=recommendation
    )
    try:
        actions.record_no_change(
            engine=tracker.engine,
            actor=actor,
            organisation_id=organisation_id,
            recommendation=recommendation,
            note=str(state.get(key) or ""),
            expected_last_update_id=latest.id if latest else None,
        )
    except UpdateRejectedError as exc:
        state[_OUTCOME] = (recommendation, "error", "; ".join(exc.problems.values()))
        return
    except (ConflictError, AccessDeniedError) as exc:
        state[_OUTCOME] = (recommendation, "error", str(exc))
        return
    state[_OUTCOME] = (
        recommendation,
        "done",
        f"Recorded for {organisation} on {recommendation}: no change since the last return.",
    )
    state[key] = ""


def show_outcome() -> None:
    """What the last "no change" did, once."""
    outcome = st.session_state.pop(_OUTCOME, None)
    if not outcome:
        return
    _, kind, message = outcome
    if kind == "done":
        st.success(escape_markdown(message), icon=":material/check_circle:")
    else:
        st.error(escape_markdown(message[:1].upper() + message[1:]), icon=":material/error:")


def show_item(
    tracker: data.Tracker,
    item: actions.ActionItem,
    *,
    organisation_name: str,
    may_record: bool,
    today: date,
) -> None:
    row = item.row
    with st.container(border=True, key=f"action_{row.organisation_id}_{row.recommendation}"):
        text, buttons = st.columns([3, 2])
        with text:
            st.markdown(
                f"**{row.recommendation}** {escape_markdown(row.recommendation_title)}",
            )
            st.markdown(rag_tag_html(row.rag), unsafe_allow_html=True)
            st.caption(f"{item.group.label}. {_facts(row, today)}")
            if row.return_reason:
                st.caption(review_label(row.review))
                show_text(row.return_reason)
        with buttons:
            if may_record:
                navigation.show_page_link(
                    "record", "Record an update", org=row.organisation_id, rec=row.recommendation
                )
            navigation.show_page_link(
                "force", "See evidence", org=row.organisation_id, rec=row.recommendation
            )
            if may_record and row.self_assessed_status in ("not_started", "in_progress"):
                form_key = f"no_change_{row.organisation_id}_{row.recommendation}"
                with (
                    st.popover("No change since the last return"),
                    st.form(form_key),
                ):
                    st.text_area(
                        "Why nothing has changed",
                        key=_note_key(row.organisation_id, row.recommendation),
                        max_chars=actions.MAX_NO_CHANGE_NOTE,
                        help="Kept as evidence with the current status, dated today.",
                    )
                    st.form_submit_button(
                        "Record no change",
                        on_click=_record_no_change,
                        args=(tracker, row.organisation_id, organisation_name, row.recommendation),
                    )


def show_done(rows: tuple[StatusRow, ...]) -> None:
    if not rows:
        return
    with st.expander(f"Implemented or not applicable ({len(rows)})", expanded=False):
        for row in rows:
            st.markdown(
                f"**{row.recommendation}** {escape_markdown(row.recommendation_title)}: "
                f"{status_label(row.status)}"
                + (f", last update {long_date(row.last_update)}" if row.last_update else "")
            )
            navigation.show_page_link(
                "force",
                f"See evidence for {row.recommendation}",
                org=row.organisation_id,
                rec=row.recommendation,
            )


def show_rounds(tracker: data.Tracker, organisation_id: str, today: date) -> None:
    """The return rounds open today that ask this organisation, and where its return stands."""
    for info, mine in rounds.rounds_for(
        engine=tracker.engine, organisation_id=organisation_id, as_of=today
    ):
        name = escape_markdown(info.name)
        if mine.state.has_returned:
            st.success(
                f"Return round **{name}**: returned on {long_date(mine.returned_on)}.",
                icon=":material/check_circle:",
            )
            continue
        outstanding = ", ".join(mine.outstanding)
        when = (
            f"late by {plural(mine.days_late, 'day')}"
            if mine.state == rounds.ReturnState.LATE
            else f"due {long_date(info.due_date)}"
        )
        st.warning(
            f"Return round **{name}** ({when}): {mine.updated} of {mine.asked} returned; "
            f"still to update: {outstanding}.",
            icon=":material/assignment_return:",
        )
