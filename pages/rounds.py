"""Return rounds: who has returned, who is late and by how long; monitors open and close them."""

import streamlit as st

from tracker.services import rounds
from tracker.services.access import Action
from tracker.ui import controls, data, returns, session
from tracker.ui.format import long_date

tracker = data.connect()
actor = session.current_actor()
as_of = controls.show_as_of_picker(tracker.report)
manages = session.may(Action.MANAGE_ROUNDS)

st.title("Return rounds")
st.caption(
    "A return round asks the accountable organisations for an update on each open assignment "
    "by a due date. An update saying there is no change counts: it is evidence in its own right."
)
returns.show_outcome()
if manages:
    returns.show_open_form(tracker, controls.today())

found = rounds.list_rounds(engine=tracker.engine)
if not found:
    st.info("No return rounds yet.")
    st.stop()
labels = {
    r.id: f"{r.name} (due {long_date(r.due_date)}{', closed' if r.closed_at else ''})"
    for r in found
}
if st.session_state.get("rounds_choice") not in labels:
    st.session_state["rounds_choice"] = found[0].id
chosen = st.selectbox(
    "Round", options=list(labels), format_func=lambda r: labels.get(r, str(r)), key="rounds_choice"
)
info = next(r for r in found if r.id == chosen)
if as_of < info.opened_on:
    st.info(
        f"This round opened on {long_date(info.opened_on)}, after {long_date(as_of)}: "
        "choose a later date in the sidebar."
    )
    st.stop()
returns.show_round(
    rounds.round_returns(engine=tracker.engine, round_id=info.id, as_of=as_of), key="round"
)
if manages:
    returns.show_close_form(tracker, info)
