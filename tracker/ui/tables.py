"""Sortable tables with readable column names, dates as dates and RAG cells coloured with words."""

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from tracker import store
from tracker.rules import RAG_LABELS, RAG_ORDER, Rag, Rollup
from tracker.services import export, progress
from tracker.services.progress import PeerGroup, StatusRow
from tracker.ui.format import (
    UNVERIFIED_NOTE,
    UNVERIFIED_SUFFIX,
    kind_label,
    owner_label,
    rag_label,
    review_label,
    status_label,
    titled,
)
from tracker.ui.rag import style_rag_columns

DATE_FORMAT = "D MMM YYYY"
# Rows tall enough for a few lines of narrative (the full text shows when a cell is opened).
EVIDENCE_ROW_HEIGHT = 72

# StatusRow field -> the column name people read.
COLUMN_NAMES: dict[str, str] = {
    "recommendation": "No.",
    "recommendation_title": "Recommendation",
    "organisation": "Organisation",
    "organisation_kind": "Kind of organisation",
    "region": "Region",
    "owner": "Owner group",
    "self_assessed_status": "Self-assessed status",
    "status": "Validated status",
    "review": "Review",
    "rag": "RAG",
    "deadline": "Deadline",
    "days_overdue": "Days overdue",
    "last_update": "Last update",
    "revised_target_date": "Revised target",
    "stale": "Stale",
    "never_reported": "Never reported",
}

ASSIGNMENT_COLUMNS = (
    "recommendation",
    "recommendation_title",
    "self_assessed_status",
    "status",
    "review",
    "rag",
    "deadline",
    "days_overdue",
    "last_update",
    "revised_target_date",
    "stale",
)
OVERDUE_COLUMNS = (
    "organisation",
    "recommendation",
    "recommendation_title",
    "days_overdue",
    "deadline",
    "self_assessed_status",
    "status",
    "review",
    "last_update",
    "stale",
    "never_reported",
    "revised_target_date",
    "region",
    "owner",
)
ORGANISATION_COLUMNS = (
    "organisation",
    "rag",
    "self_assessed_status",
    "status",
    "review",
    "last_update",
    "days_overdue",
    "stale",
    "region",
    "organisation_kind",
)
# Left out of a table when no row has a value (national bodies have no region; few revise dates).
OPTIONAL_COLUMNS = ("Region", "Revised target", "Kind of organisation", "Review")


def _date_column(label: str, help_text: str | None = None) -> Any:
    return st.column_config.DateColumn(label, format=DATE_FORMAT, help=help_text)


COLUMN_CONFIG: dict[str, Any] = {
    # The number sorts as a number (R2 before R10) and reads as the code.
    "No.": st.column_config.NumberColumn("No.", format="R%d", width=50),
    "Recommendation": st.column_config.TextColumn("Recommendation"),
    "RAG": st.column_config.TextColumn("RAG", help="Rating as of the chosen date"),
    "Deadline": _date_column("Deadline", "The date the report set"),
    "Last update": _date_column("Last update", "Evidence date of the latest update"),
    "Revised target": _date_column(
        "Revised target", "A later target date the organisation gave; the deadline is unchanged"
    ),
    "Days overdue": st.column_config.NumberColumn("Days overdue", format="%d"),
    "Stale": st.column_config.CheckboxColumn(
        "Stale", help="Open, with no update for longer than the stale period"
    ),
    "Never reported": st.column_config.CheckboxColumn(
        "Never reported", help="No update has been recorded yet"
    ),
    "% implemented": st.column_config.NumberColumn("% implemented", format="%.0f%%"),
    "Evidence": st.column_config.TextColumn("Evidence", width="large"),
    "Validated status": st.column_config.TextColumn(
        "Validated status",
        help="What the figures count: a claim of implementation counts once a monitor accepts it",
    ),
    "Self-assessed status": st.column_config.TextColumn(
        "Self-assessed status", help="What the organisation said in its latest update"
    ),
    "Review": st.column_config.TextColumn(
        "Review", help="Where a claim stands with the monitors; a returned claim gives the reason"
    ),
    "Links": st.column_config.TextColumn("Links", width="medium"),
}


def status_table_frame(rows: Sequence[StatusRow], columns: Sequence[str]) -> pd.DataFrame:
    """The rows as people read them: labels not codes, titles marked when unverified."""
    records = []
    for row in rows:
        values: dict[str, object] = {
            "recommendation": row.recommendation_number,
            "recommendation_title": titled(row.recommendation_title, row.verified),
            "organisation": row.organisation,
            "organisation_kind": kind_label(row.organisation_kind),
            "region": row.region or "",
            "owner": owner_label(row.owner),
            "self_assessed_status": status_label(row.self_assessed_status),
            "status": status_label(row.status),
            "review": review_label(row.review, row.return_reason),
            "rag": rag_label(row.rag),
            "deadline": row.deadline,
            "days_overdue": row.days_overdue or None,
            "last_update": row.last_update,
            "revised_target_date": row.revised_target_date,
            "stale": row.stale,
            "never_reported": row.never_reported,
        }
        records.append({COLUMN_NAMES[c]: values[c] for c in columns})
    frame = pd.DataFrame(records, columns=[COLUMN_NAMES[c] for c in columns])
    if "Days overdue" in frame.columns:
        frame["Days overdue"] = frame["Days overdue"].astype("Int64")
    return drop_empty_columns(frame)


def drop_empty_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Leave out optional columns that say nothing: all empty, or all the same kind."""
    if frame.empty:
        return frame
    empty = [
        c
        for c in OPTIONAL_COLUMNS
        if c in frame.columns
        and (
            (frame[c].isna() | (frame[c].astype(str) == "")).all()
            or (c == "Kind of organisation" and frame[c].nunique() == 1)
        )
    ]
    return frame.drop(columns=empty)


def show_table(
    frame: pd.DataFrame,
    *,
    key: str | None = None,
    height: int | str = "auto",
    rag_columns: Sequence[str] = ("RAG",),
    extra_config: dict[str, Any] | None = None,
    row_height: int | None = None,
) -> None:
    """A sortable table: RAG cells coloured (with their words), dates as dates."""
    config = {k: v for k, v in COLUMN_CONFIG.items() if k in frame.columns}
    config.update(extra_config or {})
    st.dataframe(
        style_rag_columns(frame, list(rag_columns)),
        hide_index=True,
        column_config=config,
        height=height,  # type: ignore[arg-type]
        key=key,
        row_height=row_height,
        placeholder="–",
    )
    if any(
        frame[c].astype(str).str.endswith(UNVERIFIED_SUFFIX).any() for c in _text_columns(frame)
    ):
        show_unverified_note()


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in ("Recommendation", "Title") if c in frame.columns]


def show_status_table(
    rows: Sequence[StatusRow],
    *,
    columns: Sequence[str] = ASSIGNMENT_COLUMNS,
    key: str | None = None,
    height: int | str = "auto",
) -> None:
    show_table(status_table_frame(rows, columns), key=key, height=height)


def show_unverified_note() -> None:
    st.caption(UNVERIFIED_NOTE)


# Beside a roll-up's RAG, how many of its assignments are in each rating: one column a rating,
# headed with its words (the cells are plain numbers, so nothing is told by colour alone).
RAG_COUNT_COLUMNS: dict[Rag, str] = {rag: RAG_LABELS[rag] for rag in RAG_ORDER}


def rag_counts(rollup: Rollup) -> dict[str, int]:
    return {column: rollup.counts.get(rag, 0) for rag, column in RAG_COUNT_COLUMNS.items()}


def _rag_count_config() -> dict[str, Any]:
    return {
        column: st.column_config.NumberColumn(
            column, format="%d", help=f"Assignments rated {column}"
        )
        for column in RAG_COUNT_COLUMNS.values()
    }


ROLLUP_CONFIG: dict[str, Any] = {
    "Never reported": st.column_config.NumberColumn("Never reported"),
    "Stale": st.column_config.NumberColumn("Stale"),
}


def rollup_frame(rollups: dict[str, Rollup], *, first_column: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                first_column: name,
                "Assignments": r.assignments,
                "% implemented": r.percent_implemented,
                "Overdue": r.overdue,
                "Stale": r.stale,
                "Never reported": r.never_reported,
                "RAG": rag_label(r.rag),
                **rag_counts(r),
            }
            for name, r in rollups.items()
        ],
        columns=[
            first_column,
            "Assignments",
            "% implemented",
            "Overdue",
            "Stale",
            "Never reported",
            "RAG",
            *RAG_COUNT_COLUMNS.values(),
        ],
    )


def show_region_table(rows: Sequence[StatusRow], regions: Sequence[progress.RegionName]) -> None:
    """One line a region, in the order given: assignments, % implemented, overdue, stale, the
    roll-up RAG and how many assignments are in each rating."""
    rollups = progress.rollup_by(rows, key=lambda r: r.region_id)
    names = {r.region_id: r.region or r.region_id for r in rows if r.region_id}
    order = [r.id for r in regions if r.id in rollups]
    order += sorted((i for i in rollups if i not in order), key=lambda i: names[i])
    frame = rollup_frame({names[i]: rollups[i] for i in order}, first_column="Region")
    show_table(frame, key="region_table", extra_config={**ROLLUP_CONFIG, **_rag_count_config()})


def show_comparison_table(groups: Sequence[PeerGroup]) -> None:
    """An organisation beside its region's and the nation's organisations of the same kind."""
    if not groups:
        return
    kind = kind_label(groups[0].organisation_kind).lower()
    records = []
    for g in groups:
        if g.scope == "organisation":
            name = g.name
        elif g.scope == "region":
            name = f"{g.name}: {g.organisations} {kind}s"
        else:
            name = f"{g.name}: all {g.organisations} {kind}s"
        records.append(
            {
                "Compared with": name,
                "Assignments": g.rollup.assignments,
                "% implemented": g.rollup.percent_implemented,
                "Overdue": g.rollup.overdue,
                "Overdue per organisation": g.rollup.overdue / max(g.organisations, 1),
                "Stale": g.rollup.stale,
                "RAG": rag_label(g.rollup.rag),
                **rag_counts(g.rollup),
            }
        )
    show_table(
        pd.DataFrame(records),
        key="comparison_table",
        extra_config={
            "Overdue per organisation": st.column_config.NumberColumn(
                "Overdue per organisation", format="%.1f"
            ),
            "Stale": st.column_config.NumberColumn("Stale"),
            **_rag_count_config(),
        },
    )


def show_downloads(
    rows: Sequence[StatusRow], *, name: str, key: str, about: pd.DataFrame | None = None
) -> None:
    """The rows for people (words, titles, the as-of date and filters inside the file) as CSV,
    and as a workbook that also keeps the codes the CLI prints, for other programs."""
    readable = export.readable_status_frame(list(rows))
    coded = export.status_frame(list(rows))
    if about is not None:
        facts = dict(about.itertuples(index=False, name=None))
        readable = readable.assign(
            **{"Figures as of": facts.get("Figures as of"), "Filters": facts.get("Filters")}
        )
    row = st.container(horizontal=True, key=f"{key}_buttons")
    row.download_button(
        "Download CSV",
        data=export.csv_bytes(readable),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    sheets = {name: readable, **({"About": about} if about is not None else {}), "codes": coded}
    row.download_button(
        "Download Excel (XLSX)",
        data=lambda: export.xlsx_bytes(sheets),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )


def show_organisation_rollups(rows: Sequence[StatusRow], *, key: str) -> None:
    """One line an organisation (by name): how far it has got, with its counts by rating."""
    rollups = progress.rollup_by(rows, key=lambda r: r.organisation)
    frame = rollup_frame(dict(sorted(rollups.items())), first_column="Organisation")
    show_table(frame, key=key, extra_config={**ROLLUP_CONFIG, **_rag_count_config()})


def _by_id(updates: Sequence[store.UpdateRecord]) -> dict[int, store.UpdateRecord]:
    return {u.id: u for u in updates}


def show_latest_evidence(
    rows: Sequence[StatusRow], updates: Sequence[store.UpdateRecord], *, key: str
) -> None:
    """Each accountable organisation with its status and the evidence behind it."""
    latest = _by_id(updates)
    frame = status_table_frame(rows, ORGANISATION_COLUMNS)
    frame.insert(
        min(4, len(frame.columns)),
        "Latest evidence",
        [latest[r.last_update_id].narrative if r.last_update_id in latest else "" for r in rows],
    )
    show_table(
        frame,
        key=key,
        extra_config={
            "Latest evidence": st.column_config.TextColumn("Latest evidence", width="large")
        },
        row_height=EVIDENCE_ROW_HEIGHT,
    )


def show_peer_learning(
    rows: Sequence[StatusRow], updates: Sequence[store.UpdateRecord], *, key: str
) -> int:
    """The forces that implemented the recommendation and the evidence they gave (the update
    that said so); answers how many."""
    latest = _by_id(updates)
    done = [
        (r, latest[r.last_update_id])
        for r in progress.implemented_by(rows, kind="force")
        if r.last_update_id in latest
    ]
    done.sort(key=lambda pair: pair[1].evidence_date, reverse=True)
    if not done:
        return 0
    frame = pd.DataFrame(
        [
            {
                "Force": r.organisation,
                "Region": r.region or "",
                "Implemented": u.evidence_date,
                "Evidence": u.narrative,
                "Links": " ".join(u.links),
                "Recorded by": u.recorded_by,
            }
            for r, u in done
        ]
    )
    show_table(
        frame,
        key=key,
        extra_config={
            "Implemented": _date_column("Implemented", "Evidence date of the update saying so")
        },
        row_height=EVIDENCE_ROW_HEIGHT,
    )
    return len(frame)


def show_provenance_table(recommendations: Sequence[store.RecommendationInfo]) -> None:
    """Each recommendation's wording: confirmed against the report or not, and what is unsure."""
    frame = pd.DataFrame(
        [
            {
                "Recommendation": r.code,
                "Wording confirmed": "Yes" if r.verified else "No",
                "Title": titled(r.title, r.verified),
                "Notes": " ".join((r.notes or "").split()),
                "Owner group": owner_label(r.owner),
                "Deadline": r.deadline,
            }
            for r in recommendations
        ]
    )
    show_table(
        frame,
        key="provenance_table",
        extra_config={
            "Recommendation": st.column_config.TextColumn("Recommendation", width=110),
            "Wording confirmed": st.column_config.TextColumn("Wording confirmed", width=130),
            "Title": st.column_config.TextColumn("Title", width="medium"),
            "Notes": st.column_config.TextColumn("Notes", width="large"),
        },
        row_height=EVIDENCE_ROW_HEIGHT,
        height=EVIDENCE_ROW_HEIGHT * 8,
    )
