"""Changes since: what moved between the last meeting (or any date) and the as-of date, the
updates recorded in between and the organisations that sent nothing."""

import streamlit as st

from tracker.services import changes
from tracker.ui import board, controls, data, panels
from tracker.ui.format import long_date
from tracker.ui.text import escape_markdown

tracker = data.connect()
as_of = controls.show_as_of_picker(tracker.report)
filters = controls.show_filters(tracker, themes=False, organisations=True)

st.title("Changes since")
if board.may_record_meetings():
    board.show_meeting_error_summary()
st.caption(
    "Each assignment whose picture differs between the two dates: the since date as the record "
    "stood at the end of that day (what a board saw then), and the as-of date as known now."
)
panels.show_claims_rule()
if as_of <= tracker.report.published:
    st.info(f"Pick an as-of date after {long_date(tracker.report.published)} to compare.")
    st.stop()
since = board.show_since_picker(tracker, as_of)
try:
    found = board.change_set(tracker, since=since, as_of=as_of, filters=filters)
except changes.ChangesError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
st.markdown(f"From **{long_date(since)}** to **{long_date(as_of)}**.")
board.show_rounds_in_period(tracker, since=since, as_of=as_of, filters=filters)
board.show_changes(found)

st.header("Board meetings")
if board.may_record_meetings():
    board.show_meeting_form(tracker)
board.show_meetings(tracker)
