"""The one way the dashboard shows what somebody typed: as text, never as Markdown or HTML.

Narratives, names, reasons and file names go through ``show_text`` (``st.text`` parses
nothing). A link is shown as a link only when it passes ``tracker.text.check_url`` (http or
https, a plain host, nothing after it that Markdown could read), and then its visible text is
the address itself; anything else is shown as text.
"""

import re

import streamlit as st

from tracker.evidence import safe_file_name
from tracker.text import is_safe_url

_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(text: str) -> str:
    """Typed text to put inside a Markdown message (an error quoting what was typed): every
    ASCII punctuation character is backslash-escaped, which Markdown shows as the character
    itself. Escaping ``:`` and ``/`` also stops bare addresses becoming links and ``:red[…]``
    or ``:material/…:`` becoming badges or icons."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", text)


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
    return escape_markdown(safe_file_name(filename))
