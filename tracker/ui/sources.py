"""Where each recommendation's wording comes from: the sources the catalogue cites."""

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from tracker import store
from tracker.catalogue import Source
from tracker.ui import tables
from tracker.ui.format import long_date
from tracker.ui.text import show_link, show_text


def read_label(source: Source) -> str:
    return f"read {long_date(source.read)}" if source.read else "not read"


def show_sources(info: store.RecommendationInfo) -> None:
    """Each source under its address: what it confirms and when it was read. Anything the
    sources do not confirm is not confirmed."""
    if not info.sources:
        st.caption("No source is recorded for this recommendation yet.")
        return
    with st.container(key="recommendation_sources"):
        for source in info.sources:
            show_link(source.url)
            show_text(f"{source.confirms} ({read_label(source)})")
        st.caption("Anything the sources above do not confirm is not confirmed.")


def show_sources_table(recommendations: Sequence[store.RecommendationInfo]) -> None:
    """Every source of every recommendation, one row each (the About page)."""
    frame = pd.DataFrame(
        [
            {
                "Recommendation": r.code,
                "Source": s.url,
                "What it confirms": s.confirms,
                "Read": long_date(s.read) if s.read else "not read",
            }
            for r in recommendations
            for s in r.sources
        ],
        columns=["Recommendation", "Source", "What it confirms", "Read"],
    )
    tables.show_table(
        frame,
        key="sources_table",
        extra_config={
            "Recommendation": st.column_config.TextColumn("Recommendation", width=110),
            "Source": st.column_config.LinkColumn("Source", width="medium"),
            "What it confirms": st.column_config.TextColumn("What it confirms", width="large"),
            "Read": st.column_config.TextColumn("Read", width=130),
        },
        row_height=tables.EVIDENCE_ROW_HEIGHT,
        height=tables.EVIDENCE_ROW_HEIGHT * 8,
    )
