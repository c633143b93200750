"""Statutory responses: each local policing body's published comments on the report (s.55)."""

import streamlit as st

from tracker.services import responses
from tracker.services.access import Action
from tracker.ui import controls, data, returns, session, tables
from tracker.ui.format import long_date

tracker = data.connect()
actor = session.current_actor()
as_of = controls.show_as_of_picker(tracker.report)
rows = responses.responses_as_of(engine=tracker.engine, as_of=as_of)
summary = responses.summarise(rows, as_of=as_of)

st.title("Statutory responses")
st.caption(
    "Under section 55 of the Police Act 1996 each local policing body publishes its comments on "
    f"an inspection report within {responses.RESPONSE_DAYS} days of its publication and sends "
    f"them to the Home Secretary. For this report that is by {long_date(summary.due)} "
    f"({long_date(tracker.report.published)} plus {responses.RESPONSE_DAYS} days). "
    f"As of {long_date(as_of)}."
)
returns.show_outcome()
figures = (
    ("Force areas", summary.force_areas),
    ("On time", summary.on_time),
    ("Late", summary.late),
    ("Missing", summary.missing),
    ("Not yet due", summary.not_yet_due),
)
with st.container(key="responses_figures", border=True):
    for column, (label, value) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(label, f"{value:,}")
allowed = [
    (r.body_id, f"{r.force_area}: {r.body}")
    for r in rows
    if session.may(Action.RECORD_RESPONSE, r.body_id)
]
returns.show_response_form(tracker, allowed, controls.today())
tables.show_table(returns.responses_frame(rows), key="responses_table")
