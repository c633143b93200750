"""Upload a return: download an organisation's pre-filled spreadsheet, upload it filled in,
see exactly what will change, then confirm."""

import streamlit as st

from tracker.ui import data, return_upload, session

tracker = data.connect()
actor = session.current_actor()

st.title("Upload a return")
st.caption(
    "A whole return in one spreadsheet: every recommendation your organisation has not "
    "finished, in one file."
)
return_upload.show_template_download(tracker, actor)
return_upload.show_upload(tracker, actor)
