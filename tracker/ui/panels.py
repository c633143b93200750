"""Small composite pieces: headline figures, the matrix drill-down, a recommendation in full."""

from collections.abc import Sequence
from datetime import date

import streamlit as st

from tracker import store
from tracker.catalogue import UNVERIFIED_MARKER, Directory
from tracker.rules import Rollup
from tracker.services import progress
from tracker.services.progress import StatusRow, thresholds
from tracker.ui import navigation
from tracker.ui.charts import MatrixCell
from tracker.ui.format import (
    addressee_label,
    long_date,
    owner_label,
    percent,
    status_label,
    theme_label,
    titled,
)
from tracker.ui.rag import rag_tag_html, show_rag_legend

OPEN_HISTORY_KEY = "matrix_open_history"


def show_report_line(report: store.ReportInfo, as_of: date | None) -> None:
    """The sidebar line naming the report (and the date the figures answer for)."""
    line = f"**{report.short_title}**"
    if as_of is not None:
        line += f"  \nFigures as of {long_date(as_of)}"
    st.sidebar.markdown(line)
    st.sidebar.caption(progress.claims_rule())


def show_claims_rule() -> None:
    """The one line that says which rule for claimed implementation the figures follow."""
    with st.container(key="claims_rule"):
        st.caption(progress.claims_rule())


def show_headline_metrics(rollup: Rollup, *, recommendations: int) -> None:
    """Six figures in a row (short labels so they fit a projector), explained underneath."""
    figures = (
        ("Recommendations", f"{recommendations:,}"),
        ("Assignments", f"{rollup.assignments:,}"),
        ("Implemented", percent(rollup.percent_implemented)),
        ("Overdue", f"{rollup.overdue:,}"),
        ("Stale", f"{rollup.stale:,}"),
        ("Never reported", f"{rollup.never_reported:,}"),
    )
    with st.container(key="headline_figures", border=True):
        for column, (label, value) in zip(st.columns(len(figures)), figures, strict=True):
            column.metric(label, value)
    st.caption(
        "An assignment is one organisation accountable for one recommendation. Implemented is a "
        "share of the assignments that apply. Overdue: past the deadline and not implemented. "
        f"Stale: open with no update for more than {thresholds().stale_after_days} days."
    )
    show_claims_rule()


def show_drilldown(cell: MatrixCell | None, rows: Sequence[StatusRow]) -> None:
    """Beside the matrix: the selected cell in words, and the way to its evidence history."""
    row = None
    if cell is not None:
        row = next(
            (
                r
                for r in rows
                if r.organisation_id == cell.organisation_id
                and r.recommendation == cell.recommendation
            ),
            None,
        )
    with st.container(border=True, key="matrix_drilldown"):
        if row is None:
            st.markdown("**Select a cell** to see it here, then open that force's evidence.")
            st.caption(
                "Each cell is one force on one recommendation. The letter gives the rating, so "
                "the matrix reads without colour."
            )
            show_rag_legend(short_codes=True)
            return
        st.markdown(f"**{row.organisation}**")
        st.markdown(f"{row.recommendation} {titled(row.recommendation_title, row.verified)}")
        st.markdown(rag_tag_html(row.rag), unsafe_allow_html=True)
        facts = [
            f"Status: {status_label(row.status)}",
            *(
                [f"Organisation says: {status_label(row.self_assessed_status)}"]
                if row.review != "not_a_claim"
                else []
            ),
            f"Deadline: {long_date(row.deadline)}",
            "Last update: " + (long_date(row.last_update) if row.last_update else "never reported"),
        ]
        if row.days_overdue:
            facts.append(f"{row.days_overdue:,} days overdue")
        if row.stale:
            facts.append("Stale: no recent update")
        st.markdown("  \n".join(facts))
        if not row.verified:
            st.caption(f"⚠ {UNVERIFIED_MARKER}")
        if st.button(
            "Open evidence history",
            key=OPEN_HISTORY_KEY,
            type="primary",
            icon=":material/history:",
        ):
            navigation.go_to("force", org=row.organisation_id, rec=row.recommendation)


def show_recommendation_summary(
    info: store.RecommendationInfo, directory: Directory, report: store.ReportInfo
) -> None:
    """A recommendation in full, with who owns it, who must act, by when, and its provenance."""
    if not info.verified:
        st.warning(f"**{UNVERIFIED_MARKER}.** {info.notes or ''}", icon=":material/warning:")
    st.markdown(info.summary)
    st.caption(
        f"Recommendation {info.number} of {report.publisher}, [*{report.title}*]({report.url}), "
        f"published {long_date(report.published)}. Summarised in this tracker's own words."
    )
    deadline = long_date(info.deadline) if info.deadline else "No fixed date"
    if info.deadline_note:
        deadline += f"  \n{info.deadline_note}"
    addressees = "  \n".join(addressee_label(a, directory) for a in info.addressees)
    left, right = st.columns(2)
    left.markdown(
        f"**Owner group**  \n{owner_label(info.owner)}\n\n**Addressed to**  \n{addressees}"
    )
    right.markdown(
        f"**Deadline**  \n{deadline}\n\n**Themes**  \n"
        + (", ".join(theme_label(t) for t in info.themes) or "–")
    )


def show_compact_metrics(rollup: Rollup) -> None:
    """Four figures in two rows, for a narrow column."""
    top, bottom = st.columns(2), st.columns(2)
    top[0].metric("Organisations", rollup.assignments, border=True)
    top[1].metric("Implemented", percent(rollup.percent_implemented), border=True)
    bottom[0].metric("Overdue", rollup.overdue, border=True)
    bottom[1].metric("Stale", rollup.stale, border=True)
    show_claims_rule()


def show_count(label: str, value: int, *, key: str, help_text: str | None = None) -> None:
    """One figure in a container with a stable key (for people and for browser tests)."""
    with st.container(key=key):
        st.metric(label, f"{value:,}", border=True, help=help_text)
