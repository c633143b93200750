"""Upload a return: download an organisation's pre-filled spreadsheet, upload it filled in,
see exactly what will change, then confirm."""

import streamlit as st

from tracker.ui import data, returns, session

tracker = data.connect()
actor = session.current_actor()

st.title("Upload a return")
st.caption(
    "A whole return in one spreadsheet: every recommendation your organisation has not "
    "finished, in one file."
)
returns.show_template_download(tracker, actor)
returns.show_upload(tracker, actor)
