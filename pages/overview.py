"""National overview: the board summary first, then RAG by recommendation, the force matrix,
regions and the trend."""

import streamlit as st

from tracker.services import progress
from tracker.services.board import BoardView
from tracker.ui import board_pack, charts, controls, data, messages, panels, summary, tables
from tracker.ui.text import escape_markdown

tracker = data.connect()
as_of = controls.show_as_of_picker(tracker.report, in_url=True)
known_on = controls.show_known_on_picker(in_url=True)
since_default, since_note = summary.since_default(tracker, as_of)
since = controls.show_since_picker(
    default=since_default, as_of=as_of, lowest=tracker.report.published, note=since_note
)
filters = controls.show_filters(tracker, in_url=True)

rows = data.status_rows(tracker, as_of=as_of, filters=filters, known_on=known_on)
recommendations = data.recommendations(tracker)
figures = summary.summary(tracker, BoardView(as_of, since, known_on, filters))

st.title(
    "National overview" if not figures.filtered else f"Overview: {escape_markdown(figures.scope)}"
)
# The tracker's own words and dates: nothing typed by anyone.
st.caption(
    f"{summary.dates_line(figures)} {summary.known_on_words(known_on)}  \n{figures.claims_rule}"
)
messages.show_no_updates_yet(has_updates=tracker.has_updates)
if not rows:
    messages.show_nothing_matches()
    st.stop()

summary.show_board_summary(figures)
board_pack.show_pack_downloads(tracker, figures)

st.subheader("Headline figures")
panels.show_headline_metrics(
    progress.national_rollup(rows),
    recommendations=len({r.recommendation for r in rows}),
)

st.subheader("Progress on each recommendation")
charts.show_rag_by_recommendation(rows, recommendations)
tables.show_unverified_note()

st.subheader("Forces and the recommendations for chief constables")
matrix, detail = st.columns([7, 4], gap="medium")
with matrix:
    cell = charts.show_force_matrix(rows)
with detail:
    panels.show_drilldown(cell, rows)

st.subheader("Regions")
tables.show_region_table(rows, data.regions(tracker))

st.subheader("Over time")
st.caption("At the end of each month since the report was published, and on the as-of date.")
charts.show_trend(data.trend(tracker, until=as_of, filters=filters, known_on=known_on))
