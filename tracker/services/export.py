"""Tables for export and download: catalogue, assignments with status, update history."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from tracker import store
from tracker.catalogue import OWNER_LABELS, Owner
from tracker.db import read_session
from tracker.rules import RAG_LABELS, Rag, ReviewState, Status, claims_rule
from tracker.services.progress import STATUS_KEYS, StatusRow, status_rows
from tracker.settings import get_settings
from tracker.text import safe_cell


@dataclass(frozen=True)
class ExportTables:
    catalogue: pd.DataFrame
    assignments: pd.DataFrame
    updates: pd.DataFrame
    as_of: date = date.min
    rows: list[StatusRow] = field(default_factory=list)


def status_frame(rows: list[StatusRow], keys: tuple[str, ...] = STATUS_KEYS) -> pd.DataFrame:
    frame = pd.DataFrame([r.as_dict() for r in rows], columns=list(StatusRow.__dataclass_fields__))
    return frame[list(keys)]


def export_tables(*, engine: Engine, as_of: date) -> ExportTables:
    with read_session(engine) as session:
        report = store.report_info(session=session)
        if report is None:
            raise LookupError("No recommendations are loaded yet: run `tracker init` first.")
        recs = store.recommendation_infos(session=session, report_id=report.id)
        history = store.update_history(session=session, report_id=report.id)
    catalogue = pd.DataFrame(
        [
            {
                "report": r.report_id,
                "recommendation": r.code,
                "number": r.number,
                "title": r.title,
                "summary": r.summary,
                "owner": r.owner,
                "addressees": " ".join(r.addressees),
                "deadline": r.deadline,
                "deadline_note": r.deadline_note,
                "themes": " ".join(r.themes),
                "verified": r.verified,
                "notes": r.notes,
            }
            for r in recs
        ]
    )
    rows = status_rows(engine=engine, as_of=as_of)
    assignments = status_frame(rows)
    assignments.insert(0, "as_of", as_of)
    updates = pd.DataFrame(
        [
            {
                "update_id": u.id,
                "recommendation": u.recommendation,
                "organisation": u.organisation,
                "status": u.status.value,
                "evidence_date": u.evidence_date,
                "recorded_at": u.recorded_at.isoformat(),
                "recorded_by": u.recorded_by,
                "narrative": u.narrative,
                "links": " ".join(u.links),
                "revised_target_date": u.revised_target_date,
                "revision_reason": u.revision_reason,
                "source": u.source,
                "attachments": " ".join(f"{a.filename} (sha256 {a.sha256})" for a in u.attachments),
            }
            for u in history
        ],
        columns=[
            "update_id",
            "recommendation",
            "organisation",
            "status",
            "evidence_date",
            "recorded_at",
            "recorded_by",
            "narrative",
            "links",
            "revised_target_date",
            "revision_reason",
            "source",
            "attachments",
        ],
    )
    return ExportTables(
        catalogue=catalogue, assignments=assignments, updates=updates, as_of=as_of, rows=rows
    )


# --- Readable tables: human column names and words, for people (the codes stay for machines) --

READABLE_STATUS_COLUMNS: dict[str, str] = {
    "recommendation": "Recommendation",
    "recommendation_title": "Title",
    "organisation": "Organisation",
    "region": "Region",
    "owner": "Owner group",
    "status": "Status",
    "rag": "Rating",
    "deadline": "Deadline",
    "overdue": "Overdue",
    "days_overdue": "Days overdue",
    "last_update": "Last update",
    "stale": "Stale",
    "never_reported": "Never reported",
    "revised_target_date": "Revised target",
    "verified": "Wording confirmed",
    "self_assessed_status": "Organisation says",
    "review": "Review",
    "return_reason": "Reason returned",
}


def _yes_no(value: object) -> str:
    return "Yes" if value else "No"


def _word(labels: Callable[[str], str]) -> Callable[[object], object]:
    return lambda value: labels(str(value)) if isinstance(value, str) and value else value


_READABLE_VALUES: dict[str, Callable[[object], object]] = {
    "owner": _word(lambda v: OWNER_LABELS[Owner(v)]),
    "status": _word(lambda v: Status(v).label),
    "self_assessed_status": _word(lambda v: Status(v).label),
    "rag": _word(lambda v: RAG_LABELS[Rag(v)]),
    "review": _word(lambda v: ReviewState(v).label),
    "overdue": _yes_no,
    "stale": _yes_no,
    "never_reported": _yes_no,
    "verified": _yes_no,
}


def readable_status_frame(rows: list[StatusRow]) -> pd.DataFrame:
    """The assignments with human column names, words for codes and the recommendation's title."""
    frame = pd.DataFrame([r.as_dict() for r in rows], columns=list(StatusRow.__dataclass_fields__))[
        list(READABLE_STATUS_COLUMNS)
    ]
    for column, readable in _READABLE_VALUES.items():
        frame[column] = frame[column].map(readable).astype(object)
    return frame.rename(columns=READABLE_STATUS_COLUMNS)


def readable_catalogue_frame(catalogue: pd.DataFrame) -> pd.DataFrame:
    frame = catalogue.copy()
    frame["owner"] = frame["owner"].map(_word(lambda v: OWNER_LABELS[Owner(v)])).astype(object)
    frame["verified"] = frame["verified"].map(_yes_no).astype(object)
    return frame.rename(
        columns={
            "report": "Report",
            "recommendation": "Recommendation",
            "number": "Number",
            "title": "Title",
            "summary": "Summary (our words)",
            "owner": "Owner group",
            "addressees": "Addressed to",
            "deadline": "Deadline",
            "deadline_note": "Deadline note",
            "themes": "Themes",
            "verified": "Wording confirmed",
            "notes": "What is uncertain",
        }
    )


def readable_updates_frame(updates: pd.DataFrame, titles: dict[str, str]) -> pd.DataFrame:
    frame = updates.copy()
    frame.insert(2, "title", frame["recommendation"].map(titles).astype(object))
    frame["status"] = frame["status"].map(_word(lambda v: Status(v).label)).astype(object)
    return frame.rename(
        columns={
            "update_id": "Update",
            "recommendation": "Recommendation",
            "title": "Title",
            "organisation": "Organisation",
            "status": "Status",
            "evidence_date": "Evidence date",
            "recorded_at": "Recorded at (UTC)",
            "recorded_by": "Recorded by",
            "narrative": "What they said",
            "links": "Links",
            "revised_target_date": "Revised target",
            "revision_reason": "Why the target moved",
            "source": "How it came in",
            "attachments": "Files",
        }
    )


def about_frame(*, as_of: date, filters: str, known_on: str | None = None) -> pd.DataFrame:
    """What a file answers for, as its first sheet: the date, the filters, the rule in force."""
    items = [
        ("Figures as of", f"{as_of.day} {as_of:%B %Y}"),
        ("Filters", filters or "None (everything)"),
        ("Record as known", known_on or "Everything recorded when the file was made"),
        ("Rule in force", claims_rule(get_settings().count_claimed_as_complete)),
        ("Codes", "The sheets named in lower case hold the codes, for other programs."),
    ]
    return pd.DataFrame(items, columns=["Item", "Value"])


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (``tracker.text.safe_cell``)."""
    safe = frame.copy()
    safe.columns = [str(safe_cell(str(c))) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(safe_cell).astype(object)
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for download or export, with every text cell made safe to open in a spreadsheet."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8")


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook whose text cells are stored as text: none can become a formula."""
    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame = safe_frame(frame)
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            for row in writer.sheets[name[:31]].iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"  # openpyxl would otherwise read "=..." as a formula
    return buffer.getvalue()


def json_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as JSON-ready dicts with dates as plain YYYY-MM-DD (the form the importer reads)."""

    def plain(value: object) -> object:
        if isinstance(value, date | datetime):
            return value.isoformat()
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return None
        if hasattr(value, "item"):  # numpy scalars
            return value.item()
        return value

    return [{str(k): plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def readable_sheets(tables: ExportTables) -> dict[str, pd.DataFrame]:
    """The same tables for people: an About sheet first, then human names and words."""
    titles = dict(zip(tables.catalogue["recommendation"], tables.catalogue["title"], strict=True))
    return {
        "About": about_frame(as_of=tables.as_of, filters=""),
        "Recommendations (readable)": readable_catalogue_frame(tables.catalogue),
        "Assignments (readable)": readable_status_frame(tables.rows),
        "Updates (readable)": readable_updates_frame(tables.updates, titles),
    }


def label_lists() -> dict[str, dict[str, str]]:
    """Every code the JSON uses, with its words (for programs that show them to people)."""
    return {
        "status": {s.value: s.label for s in Status},
        "rag": {r.value: RAG_LABELS[r] for r in Rag},
        "owner": {o.value: OWNER_LABELS[o] for o in Owner},
        "review": {r.value: r.label for r in ReviewState},
    }


def write_export(tables: ExportTables, *, fmt: str, out: Path, labels: bool = False) -> list[Path]:
    """Write the export; CSV is three files side by side (one per table). ``labels`` adds the
    readable tables (XLSX sheets, CSV files) or, in JSON, an ``about`` and a ``labels`` key;
    the coded tables are unchanged."""
    out.parent.mkdir(parents=True, exist_ok=True)
    sheets = {
        "catalogue": tables.catalogue,
        "assignments": tables.assignments,
        "updates": tables.updates,
    }
    readable = readable_sheets(tables) if labels else {}
    if fmt == "xlsx":
        out.write_bytes(xlsx_bytes({**sheets, **readable}))
        return [out]
    if fmt == "json":
        payload: dict[str, object] = {name: json_records(frame) for name, frame in sheets.items()}
        if labels:
            payload["about"] = dict(readable["About"].itertuples(index=False, name=None))
            payload["labels"] = label_lists()
            payload["titles"] = dict(
                zip(tables.catalogue["recommendation"], tables.catalogue["title"], strict=True)
            )
        out.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
        return [out]
    if fmt == "csv":
        paths = []
        files = {name: frame for name, frame in sheets.items()}
        files.update(
            {
                name.split(" ")[0].lower() + "-readable": frame
                for name, frame in readable.items()
                if name != "About"
            }
        )
        for name, frame in files.items():
            if name.endswith("-readable"):
                frame = frame.assign(**{"Figures as of": tables.as_of})
            path = out.with_name(f"{out.stem}-{name}.csv")
            path.write_bytes(csv_bytes(frame))
            paths.append(path)
        return paths
    raise ValueError(f"Unknown export format {fmt!r}; use csv, xlsx or json.")
