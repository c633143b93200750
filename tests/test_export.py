"""Exports: the catalogue, every assignment with its status, and the full update history."""

import csv
import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result
from utils.factories import record, record_accepted

from tracker.cli import app
from tracker.evidence import FileUpload
from tracker.services.export import export_tables

SHEETS = ["catalogue", "assignments", "updates"]
STATUS_KEYS = {
    "recommendation",
    "organisation",
    "owner",
    "status",
    "rag",
    "deadline",
    "overdue",
    "days_overdue",
    "last_update",
    "stale",
}
UPDATE_KEYS = {
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
}
EVIDENCE = b"%PDF-1.4 audit of recent cases"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture
def engine_with_updates(loaded_engine: Engine) -> Engine:
    record(loaded_engine, status="in_progress", evidence_date=date(2023, 9, 1), narrative="Plan.")
    record_accepted(
        loaded_engine,
        status="implemented",
        evidence_date=date(2024, 2, 1),
        narrative="Audit confirms it is embedded.",
        links=("https://example.org/audit",),
        attachments=(FileUpload("audit.pdf", EVIDENCE),),
    )
    record(
        loaded_engine,
        recommendation="R17",
        organisation_id="home_office",
        status="in_progress",
        evidence_date=date(2024, 3, 1),
        narrative="Consultation on legislation.",
    )
    return loaded_engine


def export(fmt: str, out: Path, as_of: str = "2024-06-01") -> Result:
    result = CliRunner().invoke(
        app, ["export", "--format", fmt, "--out", str(out), "--as-of", as_of]
    )
    assert result.exit_code == 0, result.output
    return result


def test_xlsx_export_has_the_three_sheets_with_everything(
    engine_with_updates: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "export.xlsx"
    export("xlsx", out)
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == SHEETS
    sheets: dict[str, list[dict[str, Any]]] = {}
    for name in SHEETS:
        values = list(book[name].iter_rows(values_only=True))
        header = [str(v) for v in values[0]]
        sheets[name] = [dict(zip(header, row, strict=True)) for row in values[1:]]
    assert [r["recommendation"] for r in sheets["catalogue"]] == [f"R{n}" for n in range(1, 18)]
    assert len(sheets["assignments"]) == 487
    assert set(sheets["assignments"][0]) >= STATUS_KEYS
    assert len(sheets["updates"]) == 3
    assert set(sheets["updates"][0]) >= UPDATE_KEYS
    (kent_done,) = [u for u in sheets["updates"] if u["status"] == "implemented"]
    assert hashlib.sha256(EVIDENCE).hexdigest() in kent_done["attachments"]
    assert "audit.pdf" in kent_done["attachments"]


def test_json_export_has_the_three_tables_with_everything(
    engine_with_updates: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "export.json"
    export("json", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == set(SHEETS)
    assert len(data["catalogue"]) == 17
    assert len(data["assignments"]) == 487
    assert set(data["assignments"][0]) >= STATUS_KEYS
    assert len(data["updates"]) == 3
    assert set(data["updates"][0]) >= UPDATE_KEYS
    (r17,) = [
        a
        for a in data["assignments"]
        if a["recommendation"] == "R17" and a["organisation"] == "Home Office"
    ]
    assert r17["status"] == "in_progress" and r17["deadline"] is None


def test_json_export_writes_dates_as_plain_iso_dates(
    engine_with_updates: Engine, tmp_path: Path
) -> None:
    # Dates in the export are dates, written as the import expects them (YYYY-MM-DD).
    out = tmp_path / "export.json"
    export("json", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert ISO_DATE.match(data["catalogue"][0]["deadline"]), data["catalogue"][0]["deadline"]
    kent = next(
        a for a in data["assignments"] if a["organisation"] == "Kent Police" and a["last_update"]
    )
    assert ISO_DATE.match(kent["deadline"]), kent["deadline"]
    assert ISO_DATE.match(kent["last_update"]), kent["last_update"]
    assert all(ISO_DATE.match(u["evidence_date"]) for u in data["updates"]), data["updates"]


def test_csv_export_writes_three_files_side_by_side(
    engine_with_updates: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "export.csv"
    result = export("csv", out)
    paths = {name: tmp_path / f"export-{name}.csv" for name in SHEETS}
    for path in paths.values():
        assert str(path) in result.output
    tables: dict[str, list[dict[str, str]]] = {}
    for name, path in paths.items():
        with path.open(encoding="utf-8", newline="") as handle:
            tables[name] = list(csv.DictReader(handle))
    assert len(tables["catalogue"]) == 17
    assert len(tables["assignments"]) == 487
    assert len(tables["updates"]) == 3
    assert set(tables["updates"][0]) >= UPDATE_KEYS
    assert {u["evidence_date"] for u in tables["updates"]} == {
        "2023-09-01",
        "2024-02-01",
        "2024-03-01",
    }


def test_export_shows_status_as_of_the_date_asked(
    engine_with_updates: Engine, tmp_path: Path
) -> None:
    def kent_r4(as_of: str) -> dict[str, Any]:
        out = tmp_path / f"export-{as_of}.json"
        export("json", out, as_of=as_of)
        data = json.loads(out.read_text(encoding="utf-8"))
        return next(
            a
            for a in data["assignments"]
            if a["organisation"] == "Kent Police" and a["recommendation"] == "R4"
        )

    assert kent_r4("2023-12-01")["status"] == "in_progress"
    assert kent_r4("2023-12-01")["overdue"] is True
    assert kent_r4("2024-02-01")["status"] == "implemented"


def test_export_history_keeps_every_update_not_just_the_latest(
    engine_with_updates: Engine,
) -> None:
    tables = export_tables(engine=engine_with_updates, as_of=date(2024, 6, 1))
    kent = tables.updates[tables.updates["organisation"] == "Kent Police"]
    assert sorted(kent["status"]) == ["implemented", "in_progress"]


def test_export_gives_recorded_at_with_its_time_zone(engine_with_updates: Engine) -> None:
    # recorded_at is an audit time: it must say which clock it was read from.
    tables = export_tables(engine=engine_with_updates, as_of=date(2024, 6, 1))
    for value in tables.updates["recorded_at"]:
        assert datetime.fromisoformat(value).utcoffset() is not None, value


def test_export_of_an_unknown_format_is_refused(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "export.pdf"
    result = CliRunner().invoke(app, ["export", "--format", "pdf", "--out", str(out)])
    assert result.exit_code != 0
    assert not out.exists()
