"""Recommendation: one recommendation in full, how each accountable organisation stands, and
what the forces that implemented it did."""

import streamlit as st

from tracker.services import progress
from tracker.ui import board, charts, controls, data, messages, panels, sources, tables
from tracker.ui.format import long_date

tracker = data.connect()
as_of = controls.show_as_of_picker(tracker.report)
filters = controls.show_filters(tracker, owners=False, themes=False, recommendations=False)
recommendations = data.recommendations(tracker)

code = controls.show_recommendation_picker(
    recommendations, key="recommendation_page", note_unverified=False
)
assert code is not None  # no "all" choice on this page
info = data.recommendation(tracker, code)

st.title(f"{info.code} {info.title}")
panels.show_recommendation_summary(info, data.directory(tracker), tracker.report)
with st.expander(f"Sources: where the facts of {info.code} come from"):
    sources.show_sources(info)
messages.show_no_updates_yet(has_updates=tracker.has_updates)

rows = data.status_rows(
    tracker,
    as_of=as_of,
    filters=progress.Filters(region_ids=filters.region_ids, recommendations=frozenset({code})),
)
if not rows:
    messages.show_nothing_matches()
    st.stop()
updates = data.history(tracker, recommendation=code)

st.subheader("Where the organisations stand")
st.caption(f"Every organisation accountable for {code}, as of {long_date(as_of)}.")
chart, figures = st.columns([3, 2], gap="medium")
with chart:
    charts.show_rag_distribution(rows, key="recommendation_rag")
with figures:
    panels.show_compact_metrics(progress.national_rollup(rows))

st.subheader("Each organisation and its latest evidence")
tables.show_latest_evidence(rows, updates, key="recommendation_organisations")

st.subheader("Peer learning: forces that have implemented it")
if not tables.show_peer_learning(rows, updates, key="recommendation_peer_learning"):
    st.info("No force has reported this recommendation implemented yet, as of this date.")

st.subheader("Target dates")
st.caption(
    "Each organisation's revised target dates against the deadline, with the latest reason "
    f"given, as of {long_date(as_of)}. Revised twice or more: the date keeps moving."
)
board.show_recommendation_slippage(
    board.slips(
        tracker,
        as_of=as_of,
        filters=progress.Filters(region_ids=filters.region_ids, recommendations=frozenset({code})),
    ),
    key="recommendation_slippage",
)
