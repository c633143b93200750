"""Tables for export and download: catalogue, assignments with status, update history."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from tracker import store
from tracker.db import read_session
from tracker.services.progress import STATUS_KEYS, StatusRow, status_rows
from tracker.text import safe_cell


@dataclass(frozen=True)
class ExportTables:
    catalogue: pd.DataFrame
    assignments: pd.DataFrame
    updates: pd.DataFrame


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
    assignments = status_frame(status_rows(engine=engine, as_of=as_of))
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
    return ExportTables(catalogue=catalogue, assignments=assignments, updates=updates)


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


def write_export(tables: ExportTables, *, fmt: str, out: Path) -> list[Path]:
    """Write the export; CSV is three files side by side (one per table)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    sheets = {
        "catalogue": tables.catalogue,
        "assignments": tables.assignments,
        "updates": tables.updates,
    }
    if fmt == "xlsx":
        out.write_bytes(xlsx_bytes(sheets))
        return [out]
    if fmt == "json":
        payload = {name: json_records(frame) for name, frame in sheets.items()}
        out.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
        return [out]
    if fmt == "csv":
        paths = []
        for name, frame in sheets.items():
            path = out.with_name(f"{out.stem}-{name}.csv")
            path.write_bytes(csv_bytes(frame))
            paths.append(path)
        return paths
    raise ValueError(f"Unknown export format {fmt!r}; use csv, xlsx or json.")
