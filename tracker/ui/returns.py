"""Pieces of the "Return rounds" and "Statutory responses" pages: tables and the two forms."""

from collections.abc import Sequence
from datetime import date

import pandas as pd
import streamlit as st

from tracker.services import export, responses, rounds
from tracker.services.access import AccessDeniedError
from tracker.ui import data, session, tables
from tracker.ui.format import long_date
from tracker.ui.text import escape_markdown

OPEN_FORM = "round_open_form"
ROUND_NAME_KEY = "round_name"
ROUND_DUE_KEY = "round_due"
ROUND_RECS_KEY = "round_recs"
ROUND_ORGS_KEY = "round_orgs"
CLOSE_CONFIRM_KEY = "round_close_confirm"
RESPONSE_FORM = "response_form"
RESPONSE_BODY_KEY = "response_body"
RESPONSE_DATE_KEY = "response_published"
RESPONSE_URL_KEY = "response_url"
_OUTCOME = "_returns_outcome"


def show_outcome() -> None:
    outcome = st.session_state.pop(_OUTCOME, None)
    if not outcome:
        return
    kind, message = outcome
    text = escape_markdown(message)
    if kind == "done":
        st.success(text, icon=":material/check_circle:")
    else:
        st.error(text, icon=":material/error:")


# --- Return rounds ------------------------------------------------------------------------


def returns_frame(rows: Sequence[rounds.OrganisationReturn]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Organisation": r.organisation,
                "Region": r.region or rounds.NO_REGION,
                "Return": r.state.label,
                "Returned on": r.returned_on,
                "Days late": r.days_late or None,
                "Updated": f"{r.updated} of {r.asked}",
                "Still to update": ", ".join(r.outstanding),
            }
            for r in rows
        ],
        columns=[
            "Organisation",
            "Region",
            "Return",
            "Returned on",
            "Days late",
            "Updated",
            "Still to update",
        ],
    )


def summary_frame(summaries: Sequence[rounds.ReturnsSummary]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Area": s.area,
                "Asked": s.asked,
                "Returned": s.returned,
                "of which late": s.returned_late,
                "Late (not returned)": s.late,
                "Not yet due": s.not_yet_due,
            }
            for s in summaries
        ]
    )


def show_round(result: rounds.RoundReturns, *, key: str) -> None:
    info, national = result.round, result.national
    st.header(escape_markdown(info.name))
    closed = (
        f" Closed on {long_date(info.closed_on)} by {info.closed_by}."
        if info.closed_on and info.closed_on <= result.as_of
        else ""
    )
    st.caption(
        f"Due {long_date(info.due_date)}. Recommendations: {', '.join(info.recommendations)}. "
        f"Opened on {long_date(info.opened_on)} by {info.opened_by}.{closed} An organisation "
        "has returned when every assignment the round asks about has an update recorded since "
        f"the round opened. As known on {long_date(result.as_of)}."
    )
    figures = (
        ("Asked", national.asked),
        ("Returned", national.returned),
        ("Returned late", national.returned_late),
        ("Late", national.late),
        ("Not yet due", national.not_yet_due),
    )
    with st.container(key=f"{key}_figures", border=True):
        for column, (label, value) in zip(st.columns(len(figures)), figures, strict=True):
            column.metric(label, f"{value:,}")
    by_organisation, by_region = st.tabs(["By organisation", "By region"])
    frame = returns_frame(result.organisations)
    with by_organisation:
        tables.show_table(frame, key=f"{key}_organisations")
        st.download_button(
            "Download CSV",
            data=export.csv_bytes(
                pd.DataFrame(
                    [rounds.return_row(r) for r in result.organisations],
                    columns=list(rounds.RETURN_KEYS),
                )
            ),
            file_name=f"round-{info.id}-{result.as_of.isoformat()}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            icon=":material/download:",
            on_click="ignore",
        )
    with by_region:
        tables.show_table(summary_frame([*result.regions, national]), key=f"{key}_regions")


def _open_round(tracker: data.Tracker) -> None:
    state = st.session_state
    actor = session.live_actor(
        tracker.engine, keep=(ROUND_NAME_KEY, ROUND_DUE_KEY, ROUND_RECS_KEY, ROUND_ORGS_KEY)
    )
    if actor is None:
        return
    due = state.get(ROUND_DUE_KEY)
    if not isinstance(due, date):
        state[_OUTCOME] = ("error", "Due date: choose the date returns are due by.")
        return
    try:
        opened = rounds.open_round(
            engine=tracker.engine,
            actor=actor,
            name=str(state.get(ROUND_NAME_KEY) or ""),
            due_date=due,
            recommendations=list(state.get(ROUND_RECS_KEY) or []),
            organisation_ids=list(state.get(ROUND_ORGS_KEY) or []),
        )
    except (rounds.RoundError, AccessDeniedError) as exc:
        state[_OUTCOME] = ("error", str(exc))
        return
    state[_OUTCOME] = (
        "done",
        f"Round {opened.name} opened: {len(opened.organisation_ids)} organisations asked for "
        f"{opened.assignments} returns, due {long_date(opened.due_date)}.",
    )
    state["rounds_choice"] = opened.id
    for key in (ROUND_NAME_KEY, ROUND_RECS_KEY, ROUND_ORGS_KEY):
        state.pop(key, None)


def show_open_form(tracker: data.Tracker, today: date) -> None:
    with (
        st.expander("Open a return round", icon=":material/add:"),
        st.form(OPEN_FORM, clear_on_submit=False),
    ):
        st.text_input("Name", key=ROUND_NAME_KEY, max_chars=rounds.MAX_ROUND_NAME)
        st.date_input("Returns due by", key=ROUND_DUE_KEY, min_value=today, format="DD/MM/YYYY")
        recs = {r.code: f"{r.code} {r.title}" for r in data.recommendations(tracker)}
        st.multiselect(
            "Recommendations in scope",
            options=list(recs),
            format_func=lambda c: recs.get(c, c),
            key=ROUND_RECS_KEY,
            placeholder="All recommendations",
        )
        orgs = {o.id: o.name for o in data.organisations(tracker)}
        st.multiselect(
            "Organisations asked",
            options=list(orgs),
            format_func=lambda o: orgs.get(o, o),
            key=ROUND_ORGS_KEY,
            placeholder="Every organisation with an open assignment in scope",
        )
        st.form_submit_button("Open the round", on_click=_open_round, args=(tracker,))


def _close_round(tracker: data.Tracker, name: str) -> None:
    state = st.session_state
    actor = session.live_actor(tracker.engine)
    if actor is None:
        return
    if not state.get(CLOSE_CONFIRM_KEY):
        state[_OUTCOME] = ("error", "Tick the box to confirm closing the round.")
        return
    try:
        closed = rounds.close_round(engine=tracker.engine, actor=actor, name=name)
    except (rounds.RoundError, AccessDeniedError) as exc:
        state[_OUTCOME] = ("error", str(exc))
        return
    state[_OUTCOME] = ("done", f"Round {closed.name} closed on {long_date(closed.closed_on)}.")
    state[CLOSE_CONFIRM_KEY] = False


def show_close_form(tracker: data.Tracker, info: rounds.RoundInfo) -> None:
    if info.closed_at is not None:
        return
    with st.expander("Close this round", icon=":material/lock:"):
        st.caption("Updates recorded after the round closes no longer count as returns for it.")
        st.checkbox("Close this round now", key=CLOSE_CONFIRM_KEY)
        st.button(
            "Close the round", key="round_close", on_click=_close_round, args=(tracker, info.name)
        )


# --- Statutory responses ------------------------------------------------------------------


def responses_frame(rows: Sequence[responses.ResponseStatus]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Force area": r.force_area,
                "Local policing body": r.body,
                "Response": r.state.label,
                "Days late": r.days_late or None,
                "Published": r.published,
                "Link": r.url or "",
                "Corrections": r.corrections or None,
            }
            for r in rows
        ],
        columns=[
            "Force area",
            "Local policing body",
            "Response",
            "Days late",
            "Published",
            "Link",
            "Corrections",
        ],
    )


def _add_response(tracker: data.Tracker) -> None:
    state = st.session_state
    actor = session.live_actor(tracker.engine, keep=(RESPONSE_URL_KEY, RESPONSE_DATE_KEY))
    if actor is None:
        return
    published = state.get(RESPONSE_DATE_KEY)
    if not isinstance(published, date):
        state[_OUTCOME] = ("error", "Published: choose the date the response was published.")
        return
    body = str(state.get(RESPONSE_BODY_KEY) or "")
    try:
        responses.add_response(
            engine=tracker.engine,
            actor=actor,
            organisation_id=body,
            published=published,
            url=str(state.get(RESPONSE_URL_KEY) or ""),
        )
    except (responses.ResponseError, AccessDeniedError) as exc:
        state[_OUTCOME] = ("error", str(exc))
        return
    state[_OUTCOME] = ("done", f"Response recorded, published {long_date(published)}.")
    state[RESPONSE_URL_KEY] = ""


def show_response_form(
    tracker: data.Tracker, bodies: Sequence[tuple[str, str]], today: date
) -> None:
    """``bodies``: (id, "force area: body") the user may record for."""
    if not bodies:
        return
    names = dict(bodies)
    with (
        st.expander("Record a published response", icon=":material/add:"),
        st.form(RESPONSE_FORM),
    ):
        st.selectbox(
            "Force area",
            options=list(names),
            format_func=lambda b: names.get(b, b),
            key=RESPONSE_BODY_KEY,
        )
        st.date_input(
            "Published on",
            key=RESPONSE_DATE_KEY,
            max_value=today,
            format="DD/MM/YYYY",
            value=None,
        )
        st.text_input(
            "Link to the published response", key=RESPONSE_URL_KEY, placeholder="https://…"
        )
        st.caption("A correction is simply another entry: the latest recorded is the one shown.")
        st.form_submit_button("Record the response", on_click=_add_response, args=(tracker,))
