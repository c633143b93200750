"""Charts: RAG by recommendation, the force × recommendation matrix, trends, RAG distribution.

Colours come only from ``tracker.palette``; every coloured mark also carries its words, letter or
pattern. Every chart has words: a one-sentence summary computed from its data, beside it, and a
"Show as a table" alternative (the way a keyboard or screen-reader user reaches its data).
"""

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from tracker import store
from tracker.catalogue import UNVERIFIED_MARKER, Owner
from tracker.palette import CHART_COLOURS, RAG_FILLS, RAG_PATTERNS, TEXT_COLOUR
from tracker.rules import RAG_LABELS, RAG_ORDER, RAG_SHORT, Rag
from tracker.services.progress import StatusRow, TrendPoint
from tracker.ui.format import long_date, owner_label, status_label, titled
from tracker.ui.rag import style_rag_columns, text_colour_on_fill
from tracker.ui.text import escape_markdown

# Chart text is never under 14 px: readable at the back of a room from a projector.
MIN_FONT = 14
FONT = {"family": "sans-serif", "color": TEXT_COLOUR, "size": MIN_FONT}
# Static charts: no zoom toolbar to get lost in on a projector.
PLOT_CONFIG: dict[str, Any] = {"displayModeBar": False, "scrollZoom": False}
MATRIX_KEY = "force_matrix"


@st.cache_resource(show_spinner=False, max_entries=128)
def _figure(digest: str, _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()


def shared_figure(content: tuple[object, ...], build: Callable[[], go.Figure]) -> go.Figure:
    """The figure ``build`` draws, built once for each ``content`` and shared by every session
    of this process. ``content`` is everything the figure shows, as plain values (strings,
    numbers, dates, tuples of them), whose ``repr`` is its key. Building a Plotly figure costs
    more than the rest of a page, and most writes leave what a chart shows unchanged. The
    figure is never changed after it is built (``st.plotly_chart`` only reads it)."""
    return _figure(hashlib.sha256(repr(content).encode()).hexdigest(), build)


def _base_layout(fig: go.Figure, *, height: int) -> None:
    fig.update_layout(
        height=height,
        font=FONT,
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        hoverlabel={"bgcolor": "#ffffff", "font": {"color": TEXT_COLOUR, "size": MIN_FONT}},
        dragmode=False,
    )
    # Streamlit's chart theme greys axis labels; on a projector they need full contrast.
    # (and shrinks their text to 12 px: never under 14 here).
    axis_text = {"color": TEXT_COLOUR, "size": MIN_FONT}
    fig.update_xaxes(tickfont=axis_text, title_font=axis_text)
    fig.update_yaxes(tickfont=axis_text, title_font=axis_text)


def readable(fig: go.Figure) -> go.Figure:
    """Lift every text in a figure drawn elsewhere (for paper) to the screen's 14 px minimum."""
    fig.update_layout(font_size=MIN_FONT, legend_font_size=MIN_FONT)
    fig.update_xaxes(tickfont_size=MIN_FONT, title_font_size=MIN_FONT)
    fig.update_yaxes(tickfont_size=MIN_FONT, title_font_size=MIN_FONT)
    fig.update_annotations(font_size=MIN_FONT)
    fig.for_each_trace(
        lambda trace: trace.update(textfont_size=MIN_FONT) if "textfont" in trace else None
    )
    return fig


def legend_beside(fig: go.Figure) -> go.Figure:
    """The legend to the right of the plot, one entry a line: below a chart in a narrow column
    it wrapped over the axis and squeezed the bars to a strip (the board summary at 1280×720)."""
    fig.update_layout(
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}
    )
    return fig


def _pattern(rag: Rag) -> dict[str, Any]:
    """A pattern over the fill, so segments differ without colour (greyscale, colour blindness)."""
    return {
        "shape": RAG_PATTERNS[rag],
        "fillmode": "overlay",  # drawn over the fill colour, not instead of it
        "fgcolor": text_colour_on_fill(rag),
        "fgopacity": 0.35,
        "size": 9,
        "solidity": 0.15,
    }


def counts_in_words(counts: dict[Rag, int], *, unit: str = "") -> str:
    """ "12 red – overdue, 3 amber – at risk and 28 green – on track" (ratings with none left
    out)."""
    parts = [f"{n:,}{unit} {RAG_LABELS[rag].lower()}" for rag, n in counts.items() if n]
    if not parts:
        return "none"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def show_summary(sentence: str, *, key: str) -> None:
    """The chart's one sentence, beside it (escaped: shown exactly as written)."""
    with st.container(key=f"{key}_in_words"):
        st.markdown(escape_markdown(sentence))


def show_table_alternative(
    frame: pd.DataFrame,
    *,
    key: str,
    title: str,
    rag_columns: Sequence[str] = ("RAG",),
    note: str | None = None,
) -> None:
    """The chart's data as a plain HTML table, behind "Show as a table": unlike the canvas data
    grid, screen readers read it as a table. Every value in it is ours (counts, catalogue and
    organisation names, ratings), never typed by a user, so Streamlit's table may show it."""
    with st.container(key=f"{key}_as_table"), st.expander("Show as a table"):
        if note:
            st.markdown(escape_markdown(note))
        # Escaped all the same (st.table reads Markdown), so a name is only ever its letters.
        plain = frame.map(lambda v: escape_markdown(v) if isinstance(v, str) else v)
        st.table(style_rag_columns(plain, list(rag_columns)), hide_index=True, alt=title)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label(info: store.RecommendationInfo) -> str:
    """R6 and a shortened title, keeping the unverified marker."""
    return f"{info.code}  {titled(_short(info.title), info.verified)}"


# --- RAG by recommendation ---------------------------------------------------------------


def rag_by_recommendation_figure(
    rows: Sequence[StatusRow], recommendations: Sequence[store.RecommendationInfo]
) -> go.Figure:
    """One 100% bar per recommendation, split by RAG, counts on the bars, grouped by owner."""
    counts: dict[str, dict[Rag, int]] = defaultdict(lambda: dict.fromkeys(RAG_ORDER, 0))
    for row in rows:
        counts[row.recommendation][Rag(row.rag)] += 1
    present = [r for r in recommendations if r.code in counts]
    owners = [o for o in Owner if any(r.owner == o.value for r in present)]
    if not owners:
        return go.Figure()
    sizes = [sum(1 for r in present if r.owner == o.value) for o in owners]
    fig = make_subplots(
        rows=len(owners),
        cols=1,
        shared_xaxes=True,
        row_heights=[s / sum(sizes) for s in sizes],
        vertical_spacing=0.06 if len(owners) > 1 else 0.0,
        subplot_titles=[owner_label(o) for o in owners],
    )
    for index, owner in enumerate(owners, start=1):
        recs = [r for r in present if r.owner == owner.value]
        labels = [_label(r) for r in recs]
        totals = [sum(counts[r.code].values()) for r in recs]
        for rag in RAG_ORDER:
            values = [counts[r.code][rag] for r in recs]
            shares = [100 * v / t if t else 0 for v, t in zip(values, totals, strict=True)]
            fig.add_trace(
                go.Bar(
                    orientation="h",
                    x=shares,
                    y=labels,
                    name=RAG_LABELS[rag],
                    legendgroup=rag.value,
                    showlegend=index == 1,
                    marker={
                        "color": RAG_FILLS[rag],
                        "line": {"color": "#ffffff", "width": 1},
                        "pattern": _pattern(rag),
                    },
                    # The letter with the count, so a segment says its rating without colour.
                    text=[f"{RAG_SHORT[rag]} {v}" if v else "" for v in values],
                    textposition="inside",
                    insidetextanchor="middle",
                    textangle=0,  # never rotated when a bar gets thin: hidden instead
                    textfont={"color": text_colour_on_fill(rag), "size": MIN_FONT},
                    customdata=[
                        [v, t, f"{r.code} {titled(r.title, r.verified)}"]
                        for v, t, r in zip(values, totals, recs, strict=True)
                    ],
                    hovertemplate=(
                        "<b>%{customdata[2]}</b><br>"
                        + RAG_LABELS[rag]
                        + ": %{customdata[0]} of %{customdata[1]} organisations"
                        "<extra></extra>"
                    ),
                ),
                row=index,
                col=1,
            )
        fig.update_yaxes(autorange="reversed", row=index, col=1, fixedrange=True)
    fig.update_xaxes(
        range=[0, 100],
        ticksuffix="%",
        fixedrange=True,
        gridcolor="#e5e5e5",
    )
    fig.update_xaxes(title_text="Share of accountable organisations", row=len(owners), col=1)
    _base_layout(fig, height=max(280, 32 * len(present) + 70 * len(owners) + 60))
    fig.update_layout(
        barmode="stack",
        bargap=0.25,
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.04,
            "x": 0,
            "traceorder": "normal",
            "font": {"size": MIN_FONT, "color": TEXT_COLOUR},
        },
        margin={"l": 10, "r": 10, "t": 70, "b": 40},
        uniformtext={"minsize": MIN_FONT, "mode": "hide"},
    )
    fig.update_annotations(font={"size": 16, "color": TEXT_COLOUR}, xanchor="left", x=0)
    return fig


def _rag_counts(rows: Sequence[StatusRow]) -> dict[Rag, int]:
    return {rag: sum(1 for r in rows if r.rag == rag.value) for rag in RAG_ORDER}


def rag_by_recommendation_summary(rows: Sequence[StatusRow]) -> str:
    """One sentence: the assignments by rating, and the recommendation with the most overdue."""
    codes = {r.recommendation for r in rows}
    sentence = (
        f"Across {len(codes):,} recommendation{'s' if len(codes) != 1 else ''} and "
        f"{len(rows):,} assignments: {counts_in_words(_rag_counts(rows))}."
    )
    overdue: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.rag == Rag.RED.value:
            overdue[r.recommendation] += 1
    if overdue:
        worst = max(overdue, key=lambda c: (overdue[c], -_number(c)))
        total = sum(1 for r in rows if r.recommendation == worst)
        sentence += f" Most overdue: {worst}, with {overdue[worst]:,} of {total:,} red."
    return sentence


def _number(code: str) -> int:
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits) if digits else 0


def rag_by_recommendation_frame(
    rows: Sequence[StatusRow], recommendations: Sequence[store.RecommendationInfo]
) -> pd.DataFrame:
    counts: dict[str, dict[Rag, int]] = defaultdict(lambda: dict.fromkeys(RAG_ORDER, 0))
    for row in rows:
        counts[row.recommendation][Rag(row.rag)] += 1
    return pd.DataFrame(
        [
            {
                "Recommendation": f"{r.code} {titled(r.title, r.verified)}",
                "Owner group": owner_label(r.owner),
                "Assignments": sum(counts[r.code].values()),
                **{RAG_LABELS[rag]: counts[r.code][rag] for rag in RAG_ORDER},
            }
            for r in recommendations
            if r.code in counts
        ]
    )


def show_rag_by_recommendation(
    rows: Sequence[StatusRow], recommendations: Sequence[store.RecommendationInfo]
) -> None:
    show_summary(rag_by_recommendation_summary(rows), key="rag_by_recommendation")
    content = (
        "rag_by_recommendation",
        tuple(sorted(Counter((r.recommendation, r.rag) for r in rows).items())),
        tuple((r.code, r.title, r.owner, r.verified) for r in recommendations),
    )
    fig = shared_figure(content, lambda: rag_by_recommendation_figure(rows, recommendations))
    st.plotly_chart(fig, config=PLOT_CONFIG, key="rag_by_recommendation")
    show_table_alternative(
        rag_by_recommendation_frame(rows, recommendations),
        key="rag_by_recommendation",
        title="Progress on each recommendation: assignments in each rating",
        rag_columns=(),
    )


# --- Force × recommendation matrix -------------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    organisation_id: str
    recommendation: str


def _cell_hover(row: StatusRow) -> str:
    lines = [
        f"<b>{row.organisation}</b>",
        f"{row.recommendation} {titled(row.recommendation_title, row.verified)}",
        f"<b>{RAG_LABELS[Rag(row.rag)]}</b>",
        f"Status: {status_label(row.status)}",
        f"Deadline: {long_date(row.deadline)}",
        f"Last update: {long_date(row.last_update) if row.last_update else 'never reported'}",
    ]
    if row.days_overdue:
        lines.append(f"{row.days_overdue:,} days overdue")
    if row.stale:
        lines.append("Stale: no recent update")
    if not row.verified:
        lines.append(f"<i>⚠ {UNVERIFIED_MARKER}</i>")
    return "<br>".join(lines)


def force_matrix_figure(rows: Sequence[StatusRow]) -> go.Figure | None:
    """Forces down, chief-constable recommendations across; each cell coloured and lettered."""
    cells = _matrix_cells(rows)
    if not cells:
        return None
    forces = sorted({r.organisation for r in cells})
    codes = [c for _, c in sorted({(r.recommendation_number, r.recommendation) for r in cells})]
    position = {rag: i for i, rag in enumerate(RAG_ORDER)}
    grid: list[list[float | None]] = [[None] * len(codes) for _ in forces]
    force_index = {name: i for i, name in enumerate(forces)}
    code_index = {code: i for i, code in enumerate(codes)}
    for r in cells:
        grid[force_index[r.organisation]][code_index[r.recommendation]] = position[Rag(r.rag)]
    steps = len(RAG_ORDER)
    colourscale: list[list[float | str]] = []
    for i, rag in enumerate(RAG_ORDER):
        colourscale += [[i / steps, RAG_FILLS[rag]], [(i + 1) / steps, RAG_FILLS[rag]]]

    fig = go.Figure(
        go.Heatmap(
            z=grid,
            x=codes,
            y=forces,
            zmin=-0.5,
            zmax=steps - 0.5,
            colorscale=colourscale,
            showscale=False,
            xgap=2,
            ygap=2,
            hoverinfo="skip",
        )
    )
    # Heatmap cells cannot be selected in Streamlit, so a scatter of (invisible) squares over the
    # cells carries the letters, the hover text and the click.
    for rag in RAG_ORDER:
        group = [r for r in cells if r.rag == rag.value]
        if not group:
            continue
        colour = text_colour_on_fill(rag)
        fig.add_trace(
            go.Scatter(
                x=[r.recommendation for r in group],
                y=[r.organisation for r in group],
                mode="markers+text",
                name=RAG_LABELS[rag],
                text=[RAG_SHORT[rag]] * len(group),
                textposition="middle center",
                textfont={"color": colour, "size": MIN_FONT},
                marker={"symbol": "square", "size": 20, "color": TEXT_COLOUR, "opacity": 0},
                selected={"marker": {"opacity": 0.5}, "textfont": {"color": "#ffffff"}},
                unselected={"marker": {"opacity": 0}, "textfont": {"color": colour}},
                customdata=[[r.organisation_id, r.recommendation] for r in group],
                hovertext=[_cell_hover(r) for r in group],
                hovertemplate="%{hovertext}<extra></extra>",
                showlegend=False,
            )
        )
    row_height = 22  # room for 14 px letters
    _base_layout(fig, height=row_height * len(forces) + 44)
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        hovermode="closest",
        hoverdistance=40,
        clickmode="event+select",
    )
    fig.update_xaxes(
        side="top",
        fixedrange=True,
        type="category",
        categoryorder="array",
        categoryarray=codes,
        range=[-0.5, len(codes) - 0.5],
        tickfont={"size": MIN_FONT},
        tickangle=0,
        showgrid=False,
    )
    fig.update_yaxes(
        fixedrange=True,
        type="category",
        categoryorder="array",
        categoryarray=forces,
        range=[len(forces) - 0.5, -0.5],  # first force at the top, no padding
        tickfont={"size": MIN_FONT},
        showgrid=False,
    )
    return fig


def _matrix_cells(rows: Sequence[StatusRow]) -> list[StatusRow]:
    chief_constables = Owner.CHIEF_CONSTABLES.value
    return [r for r in rows if r.owner == chief_constables and r.organisation_kind == "force"]


def force_matrix_summary(rows: Sequence[StatusRow]) -> str:
    """One sentence: the cells by rating, and the force with the most red cells."""
    cells = _matrix_cells(rows)
    forces = {r.organisation for r in cells}
    codes = {r.recommendation for r in cells}
    sentence = (
        f"{len(forces):,} forces on {len(codes):,} recommendations for chief constables: "
        f"{counts_in_words(_rag_counts(cells), unit='')}."
    )
    red: dict[str, int] = defaultdict(int)
    for r in cells:
        if r.rag == Rag.RED.value:
            red[r.organisation] += 1
    if red:
        worst = min(red, key=lambda f: (-red[f], f))
        tied = sum(1 for f in red if red[f] == red[worst]) - 1
        sentence += (
            f" Most overdue: {worst}, red on {red[worst]:,} of "
            f"{sum(1 for r in cells if r.organisation == worst):,}"
            + (f" (as are {tied:,} other forces)." if tied else ".")
        )
    return sentence


def force_matrix_frame(rows: Sequence[StatusRow]) -> pd.DataFrame:
    """One row a force, one column a recommendation, each cell the rating's letter (the key is
    above the table), so the table fits beside the matrix's panel."""
    cells = _matrix_cells(rows)
    codes = [c for _, c in sorted({(r.recommendation_number, r.recommendation) for r in cells})]
    by_force: dict[str, dict[str, str]] = defaultdict(dict)
    for r in cells:
        by_force[r.organisation][r.recommendation] = RAG_SHORT[Rag(r.rag)]
    return pd.DataFrame(
        [
            {"Force": force, **{c: by_force[force].get(c, "") for c in codes}}
            for force in sorted(by_force)
        ],
        columns=["Force", *codes],
    )


def show_force_matrix(rows: Sequence[StatusRow]) -> MatrixCell | None:
    """Draw the matrix; answer the cell the user clicked, if any."""
    cells = _matrix_cells(rows)
    content = (
        "force_matrix",
        tuple((r.organisation_id, r.recommendation_number, r.rag, _cell_hover(r)) for r in cells),
    )
    fig = shared_figure(content, lambda: force_matrix_figure(cells)) if cells else None
    if fig is None:
        st.info(
            "The matrix shows recommendations for chief constables; the filters leave none. "
            "Include the chief constables owner group to see it."
        )
        return None
    show_summary(force_matrix_summary(rows), key=MATRIX_KEY)
    event = st.plotly_chart(
        fig,
        key=MATRIX_KEY,
        on_select="rerun",
        selection_mode="points",
        config=PLOT_CONFIG,
    )
    frame = force_matrix_frame(rows)
    show_table_alternative(
        frame,
        key=MATRIX_KEY,
        title="Each force's rating on each recommendation for chief constables",
        rag_columns=(),
        note="Key: "
        + "; ".join(f"{RAG_SHORT[rag]} {RAG_LABELS[rag].lower()}" for rag in RAG_ORDER)
        + ".",
    )
    points = event.selection.points if event is not None else []
    for point in points:
        custom = point.get("customdata")
        if isinstance(custom, list | tuple) and len(custom) == 2:
            return MatrixCell(organisation_id=str(custom[0]), recommendation=str(custom[1]))
    return None


# --- Trend -------------------------------------------------------------------------------


def _trend_line(points: Sequence[TrendPoint], *, value: str, title: str, colour: str) -> go.Figure:
    dates = [p.as_of for p in points]
    if value == "percent":
        ys: list[float] = [p.percent_implemented for p in points]
        hover = [f"{long_date(p.as_of)}: {p.percent_implemented:.0f}% implemented" for p in points]
    else:
        ys = [float(p.overdue) for p in points]
        hover = [f"{long_date(p.as_of)}: {p.overdue:,} overdue" for p in points]
    fig = go.Figure(
        go.Scatter(
            x=dates,
            y=ys,
            mode="lines+markers",
            line={"color": colour, "width": 3},
            marker={"size": 5},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    _base_layout(fig, height=280)
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
        showlegend=False,
    )
    fig.update_xaxes(fixedrange=True, tickformat="%b %Y", gridcolor="#e5e5e5")
    fig.update_yaxes(
        fixedrange=True,
        rangemode="tozero",
        gridcolor="#e5e5e5",
        ticksuffix="%" if value == "percent" else "",
        range=[0, 100] if value == "percent" else None,
    )
    return fig


def trend_summary(points: Sequence[TrendPoint]) -> str:
    """One sentence: where % implemented and the overdue count started and where they are now."""
    if not points:
        return "No figures yet for this period."
    first, last = points[0], points[-1]
    return (
        f"Implemented went from {first.percent_implemented:.0f}% on {long_date(first.as_of)} to "
        f"{last.percent_implemented:.0f}% on {long_date(last.as_of)}; overdue assignments went "
        f"from {first.overdue:,} to {last.overdue:,}."
    )


def trend_frame(points: Sequence[TrendPoint]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Date": long_date(p.as_of),
                "% implemented": f"{p.percent_implemented:.0f}%",
                "Implemented": p.implemented,
                "Overdue": p.overdue,
                "Assignments": p.assignments,
            }
            for p in points
        ],
        columns=["Date", "% implemented", "Implemented", "Overdue", "Assignments"],
    )


def _trend_content(points: Sequence[TrendPoint]) -> tuple[object, ...]:
    return tuple((p.as_of, p.percent_implemented, p.overdue) for p in points)


def show_trend(points: Sequence[TrendPoint]) -> None:
    """% implemented and number overdue at each month end since publication."""
    show_summary(trend_summary(points), key="trend")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(
            shared_figure(
                ("trend_implemented", _trend_content(points)),
                lambda: _trend_line(
                    points, value="percent", title="Implemented", colour=CHART_COLOURS[0]
                ),
            ),
            config=PLOT_CONFIG,
            key="trend_implemented",
        )
    with right:
        st.plotly_chart(
            shared_figure(
                ("trend_overdue", _trend_content(points)),
                lambda: _trend_line(
                    points, value="overdue", title="Overdue assignments", colour=CHART_COLOURS[2]
                ),
            ),
            config=PLOT_CONFIG,
            key="trend_overdue",
        )
    show_table_alternative(
        trend_frame(points),
        key="trend",
        title="Implemented and overdue at the end of each month",
        rag_columns=(),
    )


# --- The board summary's trend (drawn in tracker.reports.figures) -------------------------


def rag_trend_summary(points: Sequence[tuple[date, dict[str, int]]]) -> str:
    """One sentence: assignments by rating at the first month end and on the last date."""
    if not points:
        return "No figures yet for this period."

    def words(counts: dict[str, int]) -> str:
        return counts_in_words({rag: counts.get(rag.value, 0) for rag in RAG_ORDER})

    (first, start), (last, end) = points[0], points[-1]
    return f"On {long_date(first)}: {words(start)}. On {long_date(last)}: {words(end)}."


def show_rag_trend_words(points: Sequence[tuple[date, dict[str, int]]], *, key: str) -> None:
    """The sentence and the table for a chart of assignments by rating over time."""
    show_summary(rag_trend_summary(points), key=key)
    frame = pd.DataFrame(
        [
            {"Date": long_date(day), **{RAG_LABELS[r]: counts.get(r.value, 0) for r in RAG_ORDER}}
            for day, counts in points
        ],
        columns=["Date", *(RAG_LABELS[r] for r in RAG_ORDER)],
    )
    show_table_alternative(
        frame, key=key, title="Assignments in each rating at each month end", rag_columns=()
    )


# --- RAG distribution --------------------------------------------------------------------


def rag_distribution_figure(rows: Sequence[StatusRow]) -> go.Figure:
    counts = {rag: sum(1 for r in rows if r.rag == rag.value) for rag in RAG_ORDER}
    total = sum(counts.values()) or 1
    shown = [rag for rag in RAG_ORDER if counts[rag]]
    fig = go.Figure(
        go.Bar(
            orientation="h",
            x=[counts[rag] for rag in shown],
            y=[RAG_LABELS[rag] for rag in shown],
            marker={
                "color": [RAG_FILLS[rag] for rag in shown],
                "pattern": {
                    "shape": [RAG_PATTERNS[rag] for rag in shown],
                    "fillmode": "overlay",
                    "fgcolor": [text_colour_on_fill(rag) for rag in shown],
                    "fgopacity": 0.35,
                    "size": 9,
                    "solidity": 0.15,
                },
            },
            text=[f"{counts[rag]} ({100 * counts[rag] / total:.0f}%)" for rag in shown],
            textposition="outside",
            textangle=0,
            textfont={"size": MIN_FONT},
            cliponaxis=False,
            hovertemplate="%{y}: %{x} organisations<extra></extra>",
        )
    )
    _base_layout(fig, height=80 + 36 * max(len(shown), 1))
    fig.update_layout(margin={"l": 10, "r": 70, "t": 10, "b": 50}, showlegend=False)
    biggest = max(counts.values(), default=1)
    fig.update_xaxes(
        fixedrange=True,
        gridcolor="#e5e5e5",
        title_text="Organisations",
        tick0=0,
        dtick=max(1, math.ceil(biggest / 5)),
        rangemode="tozero",
    )
    fig.update_yaxes(fixedrange=True, autorange="reversed")
    return fig


def rag_distribution_summary(rows: Sequence[StatusRow]) -> str:
    return f"Of {len(rows):,} accountable organisations: {counts_in_words(_rag_counts(rows))}."


def rag_distribution_frame(rows: Sequence[StatusRow]) -> pd.DataFrame:
    counts = _rag_counts(rows)
    total = sum(counts.values()) or 1
    return pd.DataFrame(
        [
            {"RAG": RAG_LABELS[rag], "Organisations": n, "Share": f"{100 * n / total:.0f}%"}
            for rag, n in counts.items()
        ]
    )


def show_rag_distribution(rows: Sequence[StatusRow], *, key: str) -> None:
    show_summary(rag_distribution_summary(rows), key=key)
    st.plotly_chart(rag_distribution_figure(rows), config=PLOT_CONFIG, key=key)
    show_table_alternative(
        rag_distribution_frame(rows),
        key=key,
        title="Accountable organisations in each rating",
        rag_columns=("RAG",),
    )


def as_of_note(as_of: date) -> str:
    return f"As of {long_date(as_of)}."
