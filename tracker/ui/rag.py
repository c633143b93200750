"""RAG as the dashboard shows it: GOV.UK tags (text on tint), always with the words."""

from collections.abc import Hashable
from html import escape

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from tracker.palette import RAG_COLOURS, RAG_FILLS
from tracker.rules import RAG_LABELS, RAG_ORDER, RAG_SHORT, Rag

_TAG_STYLE = (
    "display:inline-block;padding:2px 8px;margin:0 6px 4px 0;font-weight:700;"
    "border-radius:2px;max-width:100%;color:{text};background:{tint}"
)


def rag_tag_html(rag: str | Rag, text: str | None = None) -> str:
    value = Rag(rag)
    fg, tint = RAG_COLOURS[value]
    style = _TAG_STYLE.format(text=fg, tint=tint)
    return f'<span class="rag-tag" style="{style}">{escape(text or RAG_LABELS[value])}</span>'


def show_rag_badge(rag: str | Rag, text: str | None = None) -> None:
    st.markdown(rag_tag_html(rag, text), unsafe_allow_html=True)


def show_rag_legend(*, short_codes: bool = False) -> None:
    """Every rating with its words (and the matrix's letter when ``short_codes``)."""
    tags = "".join(
        rag_tag_html(rag, f"{RAG_SHORT[rag]}  {RAG_LABELS[rag]}" if short_codes else None)
        for rag in RAG_ORDER
    )
    st.markdown(f'<div aria-label="RAG key">{tags}</div>', unsafe_allow_html=True)


def rag_from_label(label: str) -> Rag | None:
    for rag, words in RAG_LABELS.items():
        if words == label:
            return rag
    return None


def _cell_style(value: object) -> str:
    rag = rag_from_label(str(value)) if isinstance(value, str) else None
    if rag is None:
        return ""
    fg, tint = RAG_COLOURS[rag]
    return f"background-color: {tint}; color: {fg}; font-weight: 700"


def style_rag_columns(frame: pd.DataFrame, columns: list[str]) -> Styler | pd.DataFrame:
    """Colour the RAG columns' cells (the words stay in the cell); empty cells stay blank."""
    if frame.empty:
        return frame
    styler = frame.style.format(na_rep="")
    present: list[Hashable] = [c for c in columns if c in frame.columns]
    return styler.map(_cell_style, subset=present) if present else styler


def text_colour_on_fill(rag: str | Rag) -> str:
    """White on the dark fills, near-black on amber and grey, for letters drawn on chart fills."""
    return "#0b0c0c" if Rag(rag) in (Rag.AMBER, Rag.NOT_APPLICABLE) else "#ffffff"


def fill(rag: str | Rag) -> str:
    return RAG_FILLS[Rag(rag)]
