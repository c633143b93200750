"""The dashboard's entry point: `streamlit run tracker/app.py` (or `tracker serve`).

Sets the page up, settles who is using it (sign-in, single sign-on or a demonstration user),
registers only the pages in pages/ that user's role may use with st.navigation, names the report
and the as-of date in the sidebar, then runs the chosen page. Until someone is signed in, the
only page registered is the sign-in page (or the "ask your administrator" page).
"""

from pathlib import Path

import streamlit as st

from tracker import memory
from tracker.settings import get_settings
from tracker.ui import controls, data, navigation, panels, present, session, style
from tracker.ui.format import long_date

FAVICON = Path(__file__).resolve().parent / "ui" / "favicon.png"

st.set_page_config(
    page_title="Recommendation tracker – online child sexual abuse and exploitation",
    page_icon=str(FAVICON),
    layout="wide",
    # "auto": open on a wide screen, closed on a narrow one (a phone, or 200% zoom).
    initial_sidebar_state="auto",
)
presenting = present.presenting()
style.apply(present=presenting)

tracker = data.connect(announce_problems=False)  # stops with a clear message if unreachable
actor = session.resolve_actor(tracker.engine)
if actor is None:
    if get_settings().sign_in == "oidc":
        gate = st.Page(session.show_single_sign_on_page, title="Sign in", url_path="sign-in")
    else:

        def sign_in() -> None:
            session.show_sign_in_page(tracker.engine)

        gate = st.Page(sign_in, title="Sign in", url_path="sign-in")
    # The accessibility statement can be read before signing in.
    outside = st.navigation([gate, navigation.statement_page()], position="hidden")
    st.set_page_config(page_title=navigation.tab_title(outside.title))
    outside.run()
    st.stop()

page = st.navigation(navigation.build_pages(actor))
# Each page names itself in the browser tab, so tabs, history and screen readers tell them apart.
st.set_page_config(page_title=navigation.tab_title(page.title))
session.show_signed_in(actor, tracker.engine, {o.id: o.name for o in data.organisations(tracker)})
panels.show_report_line(
    tracker.report,
    controls.current_as_of()
    if navigation.uses_as_of(page, navigation.default_page(actor))
    else None,
)
if presenting:
    present.show_header(
        tracker,
        tracker.report,
        as_of=long_date(controls.current_as_of())
        if navigation.uses_as_of(page, navigation.default_page(actor))
        else None,
    )
else:
    present.show_present_button()
try:
    page.run()
finally:
    memory.freeze_once(page.url_path)  # after a page's first run: see tracker/memory.py
