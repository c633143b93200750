"""What the dashboard says when something is missing or wrong: plain words, never a traceback."""

import streamlit as st

from tracker.db import describe_url


def show_database_unreachable(url: str, error: BaseException) -> None:
    detail = getattr(error, "orig", None) or error
    st.error(
        f"**The tracker cannot reach its database** `{describe_url_safely(url)}`.\n\n"
        "Check that the database server is running and that `TRACKER_DATABASE_URL` points at "
        "it, then reload this page.",
        icon=":material/database:",
    )
    with st.expander("Technical detail"):
        st.code(brief(str(detail)), language=None)


def show_no_catalogue(problem: str | None = None) -> None:
    st.warning(
        "**No recommendations are loaded in this database yet.**\n\n"
        "Run `tracker init` to load the recommendations and organisations, and `tracker demo` "
        "if you want demonstration data. Then reload this page.",
        icon=":material/info:",
    )
    if problem:
        show_catalogue_problem(problem)


def show_catalogue_problem(problem: str) -> None:
    st.error(
        "**The recommendations file could not be loaded.** The dashboard shows what the database "
        "already holds. Correct the file, then run `tracker init`.",
        icon=":material/error:",
    )
    with st.expander("What is wrong with the file"):
        st.code(problem, language=None)


def show_no_updates_yet(*, has_updates: bool) -> None:
    """Guidance for a database with the catalogue loaded but nothing recorded yet."""
    if has_updates:
        return
    st.info(
        "**No updates have been recorded yet.** Every assignment shows as not started and never "
        "reported. Record one on the *Record an update* page, import a file with "
        "`tracker import`, or load demonstration data with `tracker demo`.",
        icon=":material/info:",
    )


def show_nothing_matches() -> None:
    st.info("Nothing matches the filters. Clear a filter in the sidebar to see more.")


def describe_url_safely(url: str) -> str:
    try:
        return describe_url(url)
    except Exception:  # a malformed URL: show no part of it that could hold a password
        return "(the configured database URL)"


def brief(text: str, lines: int = 6) -> str:
    """The first few lines of a driver's message (enough to say what failed)."""
    return "\n".join(text.strip().splitlines()[:lines])
