"""Presentation mode (``?present=1`` or the sidebar button): for a screen on the wall.

The sidebar is hidden and the type is larger (see ``tracker.ui.style``), so a header at the top of
every page names the inspection, the date the figures answer for and any filter in force.
"""

from collections.abc import Sequence

import streamlit as st

from tracker import store
from tracker.ui import controls, data
from tracker.ui.format import owner_label, theme_label
from tracker.ui.text import escape_markdown

PRESENT_PARAM = "present"
_PRESENTING = "_presenting"


def presenting() -> bool:
    """Is the dashboard in presentation mode (``?present=1``)? Kept while moving between pages."""
    wanted = st.query_params.get(PRESENT_PARAM)
    if wanted is not None:
        st.session_state[_PRESENTING] = wanted == "1"
    elif st.session_state.get(_PRESENTING):
        st.query_params[PRESENT_PARAM] = "1"
    return bool(st.session_state.get(_PRESENTING))


def _start_presenting() -> None:
    st.session_state[_PRESENTING] = True
    st.query_params[PRESENT_PARAM] = "1"


def _stop_presenting() -> None:
    st.session_state[_PRESENTING] = False
    st.query_params.pop(PRESENT_PARAM, None)


def show_present_button() -> None:
    """In the sidebar: switch to presentation mode (for a screen on the wall)."""
    st.sidebar.button(
        "Presentation mode",
        key="present_start",
        icon=":material/present_to_all:",
        on_click=_start_presenting,
        help="Hides the sidebar, enlarges the text and names the inspection and date at the top.",
    )


def show_presentation_header(
    *, report_title: str, as_of: str | None, filters: Sequence[str]
) -> None:
    """At the top of every page in presentation mode: the inspection, the date, any filter."""
    with st.container(key="present_header", border=True):
        words, leave = st.columns([3, 1], vertical_alignment="center")
        with words:
            st.markdown(f"**{escape_markdown(report_title)}**")
            parts = [f"Figures as of {as_of}"] if as_of else []
            parts.append("Filtered to " + "; ".join(filters) if filters else "No filters")
            st.markdown(escape_markdown(". ".join(parts) + "."))
        with leave:
            st.button(
                "Leave presentation mode",
                key="present_stop",
                icon=":material/close_fullscreen:",
                on_click=_stop_presenting,
            )


def filter_words(tracker: data.Tracker) -> list[str]:
    """The filters in force, in words ("Region: Wales, South East"), from the sidebar's state."""
    state = st.session_state
    regions = {r.id: r.name for r in data.regions(tracker)}
    organisations = {o.id: o.name for o in data.organisations(tracker)}
    named = (
        ("Owner group", controls.OWNERS_KEY, owner_label),
        ("Region", controls.REGIONS_KEY, lambda r: regions.get(r, r)),
        ("Organisation", controls.ORGANISATIONS_KEY, lambda o: organisations.get(o, o)),
        ("Theme", controls.THEMES_KEY, theme_label),
        ("Recommendation", controls.RECOMMENDATIONS_KEY, str),
    )
    words = []
    for label, key, name in named:
        chosen = state.get(key) or []
        if chosen:
            words.append(f"{label}: {', '.join(str(name(c)) for c in chosen)}")
    return words


def show_header(tracker: data.Tracker, report: store.ReportInfo, *, as_of: str | None) -> None:
    show_presentation_header(report_title=report.title, as_of=as_of, filters=filter_words(tracker))
