"""The "About the data" page's text: the report, the rules, where the wording comes from."""

import streamlit as st

from tracker import store
from tracker.movement import MOVEMENT_TEXT
from tracker.rules import rules_text
from tracker.services import progress, setup
from tracker.ui.format import long_date
from tracker.ui.messages import describe_url_safely


def show_report(report: store.ReportInfo) -> None:
    st.markdown(
        f"**{report.title}**  \n"
        f"{report.publisher}, published {long_date(report.published)}.  \n"
        f"[Read the report on the inspectorate's website]({report.url})"
    )


def show_rules() -> None:
    """The same text the README gives, from the same source (``rules.RULES_TEXT``)."""
    st.markdown(rules_text(progress.thresholds()))


def show_movement_rules() -> None:
    """Changes, back-dated updates and slipped dates: the README's text, from the same source."""
    st.markdown(MOVEMENT_TEXT)


def show_reload_steps(database_url: str) -> None:
    st.markdown(
        f"The recommendations live in `{setup.catalogue_path().name}` at the top of the "
        "repository (or the file `TRACKER_CATALOGUE` names). It is reviewed like code: every "
        "change goes through a pull request with a second reviewer.\n\n"
        "1. Edit the entry. When its wording has been checked against the published report, "
        "set `verified: true` and shorten its `notes`.\n"
        "2. Run `tracker init`. It checks the whole file first and changes nothing if any entry "
        "is wrong, naming the entry and the field.\n"
        "3. Assignments the file no longer names are withdrawn, never deleted, so their "
        "evidence history is kept.\n\n"
        "The dashboard needs no restart: once `tracker init` has run, every page shows the "
        "change (new or withdrawn assignments, corrected wording, renamed organisations or "
        "regions) the next time it is drawn, on any click or a reload.\n\n"
        f"This dashboard reads the database `{describe_url_safely(database_url)}`."
    )
