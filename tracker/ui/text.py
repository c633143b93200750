"""The one way the dashboard shows what somebody typed: as text, never as Markdown or HTML.

Narratives, names, reasons and file names go through ``show_text`` (``st.text`` parses
nothing). A link is shown as a link only when it passes ``tracker.text.check_url`` (http or
https, a plain host, nothing after it that Markdown could read), and then its visible text is
the address itself; anything else is shown as text.
"""

import streamlit as st

from tracker.evidence import safe_file_name
from tracker.text import is_safe_url


def show_text(value: str) -> None:
    """Typed text exactly as typed: no Markdown, HTML, badges, icons or autolinks."""
    st.text(value, width="stretch")


def show_link(link: str) -> None:
    if is_safe_url(link):
        # An autolink: the visible text is the address, and the checked address has no
        # characters that could end it early or start anything else.
        st.markdown(f"<{link}>")
    else:
        show_text(link)


def show_links(links: tuple[str, ...] | list[str]) -> None:
    if not links:
        return
    st.caption("Links")
    for link in links:
        show_link(link)


def file_label(filename: str) -> str:
    """A stored file's name as a button label (labels are Markdown): only safe characters."""
    return safe_file_name(filename).replace("_", "\\_")
