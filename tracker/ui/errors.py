"""The GOV.UK error-summary pattern for forms.

A summary at the top ("There is a problem") with a link to each field that has one, the field
marked ``aria-invalid`` (by the script in ``tracker.ui.style``), keyboard focus moved to the
summary, and "Error: " in front of the page's title while the errors show.
"""

import re
from collections.abc import Sequence

import streamlit as st

from tracker.ui.navigation import tab_title
from tracker.ui.text import escape_markdown

SUMMARY_KEY = "error_summary"
_WIDGET_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def error_title(page_title: str) -> str:
    """The browser tab's title while a form shows errors: "Error: Sign in — Recommendation …"."""
    return f"Error: {tab_title(page_title)}"


def show_error_summary(
    problems: Sequence[tuple[str, str]], *, page_title: str, lead: str | None = None
) -> None:
    """``problems`` are (widget key, message) pairs, in the order of the fields on the form.

    Messages may quote what was typed (a refused link), so they are escaped: shown as typed.
    """
    if not problems:
        return
    keys = [key for key, _ in problems]
    if not all(_WIDGET_KEY.match(key) for key in keys):
        raise ValueError(f"Not a widget key: {keys!r}")
    st.set_page_config(page_title=error_title(page_title))
    links = "\n".join(
        f"- [{escape_markdown(_sentence(message))}](#field-{key})" for key, message in problems
    )
    body = "## There is a problem\n\n" + (f"{escape_markdown(lead)}\n\n" if lead else "") + links
    with st.container(key=SUMMARY_KEY):
        st.error(body)
        # Which fields the script marks aria-invalid: our own widget keys, checked above.
        st.html(f'<div class="tracker-invalid-fields" data-fields="{" ".join(keys)}"></div>')


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]
