"""The board summary at the top of the national overview: the answer in thirty seconds.

Fits above the fold of a 1280×720 projector: the heading names the view (and says when it is
filtered), four figures, the trend by RAG with the deadlines marked, and the forces ranked,
each linking to its force page.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime

import streamlit as st

from tracker import moments
from tracker.db import get_engine
from tracker.reports.figures import board_trend_figure
from tracker.services import board
from tracker.services.board import BoardSummary, ForceRank
from tracker.ui import charts, data
from tracker.ui.charts import PLOT_CONFIG
from tracker.ui.format import long_date, uk_time
from tracker.ui.text import escape_markdown


def summary(tracker: data.Tracker, view: board.BoardView) -> BoardSummary:
    """The board summary for this view, from the dashboard's kept status rows and series."""
    return data.board_summary(tracker, view)


def dates_line(summary: BoardSummary) -> str:
    """The dates the page answers for, in the tracker's own words (no typed text)."""
    view = summary.view
    line = (
        "How far forces, policing bodies and Government have carried out the report's "
        f"recommendations, as of {long_date(view.as_of)}. Compared with {long_date(view.since)}"
    )
    if view.known_on is not None:
        line += f"; as known on {moments.describe_known_on(view.known_on)}"
    return line + "."


def implemented_figure(summary: BoardSummary) -> str:
    return f"{summary.recommendations_implemented} of {summary.recommendations}"


def overdue_figure(summary: BoardSummary) -> str:
    return f"{summary.overdue:,} of {summary.due:,}"


def overdue_delta(summary: BoardSummary) -> str:
    """ "-12 since 31 December 2024": signed, so the arrow points the way the figure moved."""
    change = summary.overdue_change
    if change == 0:
        return f"No change since {long_date(summary.view.since)}"
    return f"{change:+,} since {long_date(summary.view.since)}"


def last_return_figure(summary: BoardSummary) -> tuple[str, str]:
    last = summary.last_return
    if last is None:
        return "None yet", "No update recorded by this date"
    when = uk_time(last.recorded_at)
    return long_date(when.date()), f"From {last.organisation}, on {last.recommendation}"


def show_board_summary(summary: BoardSummary) -> None:
    """The figures, the trend and the rankings, in one screen."""
    with st.container(key="board_summary"):
        figures = st.columns(3, gap="small")
        figures[0].metric(
            "Recommendations implemented",
            implemented_figure(summary),
            help="Recommendations fully implemented: every accountable organisation has "
            "implemented it (or it does not apply), counted under the rule in force.",
            border=True,
        )
        figures[1].metric(
            "Assignments overdue",
            overdue_figure(summary),
            delta=overdue_delta(summary),
            delta_color="inverse" if summary.overdue_change else "off",
            help="Overdue, out of the assignments whose deadline has passed by the as-of date "
            f"({summary.assignments:,} assignments in this view).",
            border=True,
        )
        returned, who = last_return_figure(summary)
        figures[2].metric(
            "Last return", returned, delta=who, delta_color="off", delta_arrow="off", border=True
        )
        trend, ranks = st.columns([3, 2], gap="small")
        with trend:
            content = (
                "board_trend",
                tuple((m.as_of, tuple(m.counts.items())) for m in summary.trend),
                tuple((d.day, d.recommendations) for d in summary.deadlines),
            )
            st.plotly_chart(
                charts.shared_figure(
                    content,
                    lambda: charts.legend_beside(
                        charts.readable(board_trend_figure(summary, height=310))
                    ),
                ),
                config=PLOT_CONFIG,
                key="board_trend",
            )
            charts.show_rag_trend_words(
                [(m.as_of, m.counts) for m in summary.trend], key="board_trend"
            )
        with ranks, st.container(key="force_rankings"):
            show_rankings(summary)


def _force_link(force: ForceRank, value: str) -> str:
    # Force ids are slugs (letters, digits, underscores); names are shown as text.
    return f"[{escape_markdown(force.organisation)}](./force?org={force.organisation_id}): {value}"


RANKINGS: tuple[tuple[str, str, Callable[[ForceRank], str]], ...] = (
    ("Most overdue", "most_overdue", lambda f: f"{f.overdue} overdue"),
    ("Lowest share implemented", "lowest_implemented", lambda f: f"{f.share_implemented:.0f}%"),
    ("Longest silent", "longest_silent", lambda f: f"{f.days_silent:,} days"),
)


def show_rankings(summary: BoardSummary) -> None:
    """Three short rankings of the forces, each force a link to its page."""
    for title, field, value in RANKINGS:
        forces: Sequence[ForceRank] = getattr(summary, field)[:3]
        lines = [_force_link(f, value(f)) for f in forces] or ["None in this view."]
        with st.container(key=f"rank_{field}"):
            st.markdown(f"**{title}**  \n" + "  \n".join(lines))


@st.cache_data(show_spinner=False, max_entries=16, ttl=60)
def _since_default(url: str, version: data.Version, as_of: date) -> tuple[date, str]:
    return board.comparison_date(engine=get_engine(url), as_of=as_of)


def since_default(tracker: data.Tracker, as_of: date) -> tuple[date, str]:
    """The comparison date to open on (the last meeting), and where it comes from."""
    return _since_default(tracker.url, tracker.version, as_of)


def known_on_words(known_on: datetime | None) -> str:
    if known_on is None:
        return "Everything recorded so far counts."
    return f"Only what was recorded by {moments.describe_known_on(known_on)} counts."
