"""The one RAG palette (GOV.UK Design System tag colours) and chart colours, used everywhere.

Colour is never the only signal: every use shows the label or short code too.
"""

from tracker.rules import RAG_LABELS, RAG_SHORT, Rag

# (text colour, background tint), from the GOV.UK Design System tag component.
RAG_COLOURS: dict[Rag, tuple[str, str]] = {
    Rag.RED: ("#651b1b", "#f4d7d7"),
    Rag.AMBER: ("#7a3c1c", "#fde4d7"),
    # GOV.UK light grey: paler than not applicable's grey, and always with its words.
    Rag.NO_REPORT: ("#0b0c0c", "#f3f2f1"),
    Rag.GREEN: ("#083d29", "#cfe4dc"),
    Rag.COMPLETE: ("#0c2d4a", "#bbd4ea"),
    Rag.NOT_APPLICABLE: ("#0b0c0c", "#cecece"),
}
# Solid fills for charts, where a tint would be too pale to read on a projector.
RAG_FILLS: dict[Rag, str] = {
    Rag.RED: "#d4351c",
    Rag.AMBER: "#f47738",
    Rag.NO_REPORT: "#505a5f",
    Rag.GREEN: "#00703c",
    Rag.COMPLETE: "#1d70b8",
    Rag.NOT_APPLICABLE: "#b1b4b6",
}
# Text, links and the keyboard focus, from the GOV.UK Design System (all 4.5:1 or better on white;
# the focus yellow is drawn around a near-black outline).
TEXT_COLOUR = "#0b0c0c"
SECONDARY_TEXT_COLOUR = "#505a5f"
LINK_COLOUR = "#1d70b8"
LINK_VISITED_COLOUR = "#4c2c92"
FOCUS_COLOUR = "#ffdd00"
ERROR_COLOUR = "#d4351c"
# Never colour alone: each RAG fill in a chart also carries a pattern (plotly pattern shapes), so
# the segments differ in greyscale and for every colour-vision deficiency.
RAG_PATTERNS: dict[Rag, str] = {
    Rag.RED: "x",
    Rag.AMBER: "/",
    Rag.GREEN: "",
    Rag.COMPLETE: ".",
    Rag.NOT_APPLICABLE: "-",
    Rag.NO_REPORT: "|",
}
# Government Analysis Function categorical palette, for charts that are not RAG.
CHART_COLOURS: tuple[str, ...] = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")

__all__ = [
    "CHART_COLOURS",
    "ERROR_COLOUR",
    "FOCUS_COLOUR",
    "LINK_COLOUR",
    "LINK_VISITED_COLOUR",
    "RAG_COLOURS",
    "RAG_FILLS",
    "RAG_LABELS",
    "RAG_PATTERNS",
    "RAG_SHORT",
    "SECONDARY_TEXT_COLOUR",
    "TEXT_COLOUR",
    "Rag",
]
