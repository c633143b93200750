"""About the data: the report, how the ratings are worked out, and where the wording comes from."""

import streamlit as st

from tracker.ui import about, data, rag, sources, tables

tracker = data.connect()

st.title("About the data")

st.subheader("The report")
about.show_report(tracker.report)

st.subheader("How the ratings are worked out")
rag.show_rag_legend(short_codes=True)
about.show_rules()

st.subheader("What changed, back-dated updates and slipped dates")
about.show_movement_rules()

st.subheader("Where the wording of each recommendation comes from")
st.markdown(
    "Titles and summaries are paraphrases written for this tracker, not quotations from the "
    "report. Where the wording is not yet confirmed against the published report, the "
    "recommendation is marked wherever it appears, and the notes say what is uncertain."
)
tables.show_provenance_table(data.recommendations(tracker))
st.markdown(
    "Each fact about a recommendation rests on a public source: the page, what it confirms, "
    "and when it was read. Anything no source confirms is not confirmed."
)
sources.show_sources_table(data.recommendations(tracker))

st.subheader("Changing the recommendations")
about.show_reload_steps(tracker.url)
