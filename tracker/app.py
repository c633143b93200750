"""The dashboard's entry point: `streamlit run tracker/app.py` (or `tracker serve`).

Sets the page up, registers every page in pages/ with st.navigation, names the report and the
as-of date in the sidebar, then runs the chosen page.
"""

from pathlib import Path

import streamlit as st

from tracker.ui import controls, data, navigation, panels

FAVICON = Path(__file__).resolve().parent / "ui" / "favicon.png"

st.set_page_config(
    page_title="Recommendation tracker – online child sexual abuse and exploitation",
    page_icon=str(FAVICON),
    layout="wide",
    initial_sidebar_state="expanded",
)

page = st.navigation(navigation.build_pages())
tracker = data.connect(announce_problems=False)  # stops with a clear message if unreachable
panels.show_report_line(
    tracker.report,
    controls.current_as_of() if navigation.uses_as_of(page) else None,
)
page.run()
