"""Plotly figures the board summary and the board pack share (no Streamlit: the pack draws
them with kaleido, the dashboard with ``st.plotly_chart``).

Colour is never the only signal: each RAG band carries its words in the legend and a fill
pattern, so the chart reads printed in black and white.
"""

import math
from datetime import UTC, date, datetime

import plotly.graph_objects as go

from tracker.palette import RAG_FILLS
from tracker.rules import RAG_LABELS, RAG_ORDER, Rag
from tracker.services.board import BoardSummary, Deadline

FONT = {"family": "sans-serif", "color": "#0b0c0c", "size": 13}
# Fill patterns per rating, for greyscale print and colour-blind readers.
RAG_PATTERNS: dict[Rag, str] = {
    Rag.RED: "x",
    Rag.AMBER: "/",
    Rag.GREEN: "",
    Rag.COMPLETE: ".",
    Rag.NOT_APPLICABLE: "-",
    Rag.NO_REPORT: "|",
}


def _pattern(rag: Rag) -> dict[str, object]:
    # A light pattern over the fill: the colour still reads, and so does greyscale print.
    ink = "#0b0c0c" if rag in (Rag.AMBER, Rag.NOT_APPLICABLE) else "#ffffff"
    return {
        "shape": RAG_PATTERNS.get(rag, ""),
        "fgcolor": ink,
        "bgcolor": RAG_FILLS[rag],
        "fillmode": "replace",
        "size": 7,
        "solidity": 0.25,
    }


def deadline_label(deadline: Deadline) -> str:
    codes = deadline.recommendations
    if len(codes) <= 2:
        return ", ".join(codes) + " due"
    return f"{len(codes)} due"


def whole_number_step(biggest: int, ticks: int = 5) -> int:
    """A round whole-number tick step (1, 2, 5, 10, 20, 50, …) giving about ``ticks`` ticks."""
    rough = max(1.0, biggest / ticks)
    magnitude = 10 ** math.floor(math.log10(rough))
    for step in (1, 2, 5, 10):
        if step * magnitude >= rough:
            return int(step * magnitude)
    return int(10 * magnitude)


def board_trend_figure(summary: BoardSummary, *, height: int = 300) -> go.Figure:
    """Assignments by RAG at each month end, stacked, with the deadlines marked."""
    points = summary.trend
    dates = [p.as_of for p in points]
    fig = go.Figure()
    for rag in RAG_ORDER:
        values = [p.counts.get(rag.value, 0) for p in points]
        if not any(values):
            continue
        fig.add_trace(
            go.Bar(
                x=dates,
                y=values,
                name=RAG_LABELS[rag],
                marker={
                    "color": RAG_FILLS[rag],
                    "line": {"color": "#ffffff", "width": 0.5},
                    "pattern": _pattern(rag),
                },
                hovertemplate="%{x|%d %B %Y}: %{y:,d} " + RAG_LABELS[rag] + "<extra></extra>",
            )
        )
    biggest = max((sum(p.counts.values()) for p in points), default=0)
    for index, deadline in enumerate(summary.deadlines):
        fig.add_vline(
            x=_epoch_ms(deadline.day),
            line={"color": "#0b0c0c", "width": 1.5, "dash": "dash"},
            layer="above",
        )
        # Staggered, so labels of deadlines close together do not overprint.
        fig.add_annotation(
            x=_epoch_ms(deadline.day),
            y=1.0 + 0.09 * (index % 3),
            yref="paper",
            text=deadline_label(deadline),
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"size": 11, "color": "#0b0c0c"},
            bgcolor="#ffffff",
        )
    fig.update_layout(
        barmode="stack",
        bargap=0.1,
        height=height,
        font=FONT,
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        dragmode=False,
        margin={"l": 10, "r": 10, "t": 10 + 22 * min(3, len(summary.deadlines)), "b": 10},
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.45,
            "x": 0,
            "font": {"size": 11},
            "traceorder": "normal",
        },
        hoverlabel={"bgcolor": "#ffffff", "font": {"color": "#0b0c0c", "size": 13}},
    )
    fig.update_xaxes(
        title_text="Month end",
        automargin=True,
        tickformat="%b %Y",
        fixedrange=True,
        tickfont_color=FONT["color"],
        title_font_color=FONT["color"],
    )
    fig.update_yaxes(
        title_text="Assignments",
        automargin=True,
        title_standoff=8,
        tickformat=",d",
        tick0=0,
        dtick=whole_number_step(biggest),
        rangemode="tozero",
        range=[0, biggest * 1.12 if biggest else 1],
        gridcolor="#e5e5e5",
        fixedrange=True,
        tickfont_color=FONT["color"],
        title_font_color=FONT["color"],
    )
    return fig


def _epoch_ms(day: date) -> float:
    # add_vline on a date axis wants a number (milliseconds since the epoch) to place its label.
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000
