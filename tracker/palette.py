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
# Government Analysis Function categorical palette, for charts that are not RAG.
CHART_COLOURS: tuple[str, ...] = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")

__all__ = ["CHART_COLOURS", "RAG_COLOURS", "RAG_FILLS", "RAG_LABELS", "RAG_SHORT", "Rag"]
