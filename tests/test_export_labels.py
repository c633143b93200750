"""Exports people can read: `tracker export --labels` and the dashboard's downloads add words,
recommendation titles, the as-of date and the filters, and leave the codes for machines as
they were (SQLite and PostgreSQL)."""

import json
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from typer.testing import CliRunner
from utils.factories import record

from tracker.cli import app
from tracker.services import export, progress

AS_OF = "2024-06-01"


@pytest.fixture
def engine_with_updates(loaded_engine: Engine) -> Engine:
    record(
        loaded_engine, status="in_progress", evidence_date=date(2023, 9, 1), narrative="=SUM(A1)"
    )
    return loaded_engine


def run_export(fmt: str, out: Path, *extra: str) -> None:
    result = CliRunner().invoke(
        app, ["export", "--format", fmt, "--out", str(out), "--as-of", AS_OF, *extra]
    )
    assert result.exit_code == 0, result.output


def sheet(book: Any, name: str) -> list[dict[str, Any]]:
    values = list(book[name].iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_xlsx_with_labels_adds_readable_sheets_and_keeps_the_coded_ones(
    engine_with_updates: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "export.xlsx"
    run_export("xlsx", out, "--labels")
    book = load_workbook(out)
    assert book.sheetnames == [
        "catalogue",
        "assignments",
        "updates",
        "About",
        "Recommendations (readable)",
        "Assignments (readable)",
        "Updates (readable)",
    ]
    coded = sheet(book, "assignments")
    assert {r["status"] for r in coded} >= {"in_progress", "not_started"}
    readable = sheet(book, "Assignments (readable)")
    assert len(readable) == len(coded) == 487
    kent_r1 = next(
        r for r in readable if r["Organisation"] == "Kent Police" and r["Recommendation"] == "R3"
    )
    assert kent_r1["Title"] == "Understand demand and resource to meet it"
    assert kent_r1["Owner group"] == "Chief constables"
    assert {r["Status"] for r in readable} >= {"In progress", "Not started"}
    assert {r["Overdue"] for r in readable} <= {"Yes", "No"}
    about = {r["Item"]: r["Value"] for r in sheet(book, "About")}
    assert about["Figures as of"] == "1 June 2024"
    assert about["Rule in force"].startswith("Rule in force:")
    updates = sheet(book, "Updates (readable)")
    assert updates[0]["What they said"] == "'=SUM(A1)"  # text, never a formula
    for ws in book.worksheets:
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row), ws.title


def test_without_labels_the_export_is_as_before(
    engine_with_updates: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "export.xlsx"
    run_export("xlsx", out)
    assert load_workbook(out, read_only=True).sheetnames == ["catalogue", "assignments", "updates"]


def test_json_with_labels_adds_about_labels_and_titles_beside_the_same_keys(
    engine_with_updates: Engine, tmp_path: Path
) -> None:
    plain, labelled = tmp_path / "plain.json", tmp_path / "labelled.json"
    run_export("json", plain)
    run_export("json", labelled, "--labels")
    before = json.loads(plain.read_text(encoding="utf-8"))
    after = json.loads(labelled.read_text(encoding="utf-8"))
    assert {k: after[k] for k in before} == before  # keys and codes unchanged for machines
    assert after["about"]["Figures as of"] == "1 June 2024"
    assert after["labels"]["status"]["in_progress"] == "In progress"
    assert after["labels"]["owner"]["chief_constables"] == "Chief constables"
    assert after["titles"]["R3"] == "Understand demand and resource to meet it"


def test_csv_with_labels_writes_readable_files_that_carry_the_date(
    engine_with_updates: Engine, tmp_path: Path
) -> None:
    run_export("csv", tmp_path / "export.csv", "--labels")
    readable = (tmp_path / "export-assignments-readable.csv").read_text(encoding="utf-8")
    header = readable.splitlines()[0]
    assert header.startswith("Recommendation,Title,Organisation,Region,Owner group,Status,Rating")
    assert header.endswith("Figures as of")
    assert ",2024-06-01" in readable.splitlines()[1]
    assert (
        (tmp_path / "export-assignments.csv")
        .read_text(encoding="utf-8")
        .startswith("as_of,recommendation,organisation")
    )


def test_the_dashboard_download_is_readable_and_names_its_date_and_filters(
    engine_with_updates: Engine,
) -> None:
    rows = progress.overdue_rows(
        progress.status_rows(
            engine=engine_with_updates,
            as_of=date(2024, 6, 1),
            filters=progress.Filters(region_ids=frozenset({"south_east"})),
        )
    )
    about = export.about_frame(as_of=date(2024, 6, 1), filters="South East")
    readable = export.readable_status_frame(rows)
    book = load_workbook(
        BytesIO(
            export.xlsx_bytes(
                {"overdue": readable, "About": about, "codes": export.status_frame(rows)}
            )
        )
    )
    first = sheet(book, "overdue")[0]
    assert first["Rating"] == "Red – overdue" and first["Overdue"] == "Yes"
    assert first["Title"]
    assert {r["Item"]: r["Value"] for r in sheet(book, "About")}["Filters"] == "South East"
    assert sheet(book, "codes")[0]["rag"] == "red"
