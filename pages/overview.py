"""National overview: headline figures, RAG by recommendation, the force matrix, regions, trend."""

import streamlit as st

from tracker.services import progress
from tracker.ui import charts, controls, data, messages, panels, tables
from tracker.ui.format import long_date

tracker = data.connect()
as_of = controls.show_as_of_picker(tracker.report)
filters = controls.show_filters(tracker)

rows = data.status_rows(tracker, as_of=as_of, filters=filters)
recommendations = data.recommendations(tracker)

st.title("National overview")
st.caption(
    "How far forces, policing bodies and Government have carried out the report's "
    f"recommendations, as of {long_date(as_of)}."
)
messages.show_no_updates_yet(has_updates=tracker.has_updates)
if not rows:
    messages.show_nothing_matches()
    st.stop()

panels.show_headline_metrics(
    progress.national_rollup(rows),
    recommendations=len({r.recommendation for r in rows}),
)

st.header("Progress on each recommendation")
charts.show_rag_by_recommendation(rows, recommendations)
tables.show_unverified_note()

st.header("Forces and the recommendations for chief constables")
matrix, detail = st.columns([7, 4], gap="medium")
with matrix:
    cell = charts.show_force_matrix(rows)
with detail:
    panels.show_drilldown(cell, rows)

st.header("Regions")
tables.show_region_table(rows, data.regions(tracker))

st.header("Over time")
st.caption("At the end of each month since the report was published, and on the as-of date.")
charts.show_trend(data.trend(tracker, until=as_of, filters=filters))
