"""Factories for the tests: update drafts, rows of an import file, and the files themselves."""

import csv
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from tracker import store_reviews
from tracker.catalogue import load_directory
from tracker.db import write_session
from tracker.evidence import UpdateDraft
from tracker.models import EvidenceUpdate
from tracker.roles import Actor, Role
from tracker.rules import Decision
from tracker.services.updates import UNCHECKED, RecordedUpdate, record_update

IMPORT_COLUMNS: tuple[str, ...] = (
    "recommendation",
    "organisation",
    "status",
    "evidence_date",
    "narrative",
)
TEST_ADMIN = Actor(username="test.admin", display_name="Test user", role=Role.ADMIN)
KENT_EDITOR = Actor(
    username="kent.editor",
    display_name="Kent editor",
    role=Role.EDITOR,
    organisation_ids=frozenset({"kent"}),
)
MONITOR = Actor(username="monitor", display_name="National monitor", role=Role.MONITOR)
VIEWER = Actor(username="viewer", display_name="Board member", role=Role.VIEWER)

# Chief-constable recommendations addressed to all 43 forces (and nobody else).
FORCE_RECOMMENDATIONS: tuple[str, ...] = ("R4", "R7", "R10", "R12", "R13", "R14")


def draft(**overrides: Any) -> UpdateDraft:
    """A valid update draft; pass any field to change it."""
    values: dict[str, Any] = {
        "status": "in_progress",
        "evidence_date": date(2024, 1, 15),
        "narrative": "Action plan agreed at chief officer group; training under way.",
        "on_behalf_of": "Head of Public Protection",
    }
    values.update(overrides)
    return UpdateDraft(**values)


def force_names() -> list[str]:
    return [org.name for org in load_directory().forces]


def import_rows(count: int = 100) -> list[dict[str, str]]:
    """``count`` valid, distinct update rows, each for a different force × recommendation."""
    forces = force_names()
    if count > len(forces) * len(FORCE_RECOMMENDATIONS):
        raise ValueError("not enough distinct assignments for that many rows")
    rows = []
    for index in range(count):
        rows.append(
            {
                "recommendation": FORCE_RECOMMENDATIONS[index // len(forces)],
                "organisation": forces[index % len(forces)],
                "status": "in_progress",
                "evidence_date": (date(2024, 1, 1) + timedelta(days=index)).isoformat(),
                "narrative": f"Return {index + 1}: action plan agreed and training under way.",
            }
        )
    return rows


def sheet_row(index: int) -> int:
    """The row number a spreadsheet shows for the data row at ``index`` (the header is row 1)."""
    return index + 2


def write_csv(
    path: Path, rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None
) -> Path:
    header = list(columns or (rows[0].keys() if rows else IMPORT_COLUMNS))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _cell(column: str, value: object) -> object:
    """Dates go in as real date cells, as Excel users type them."""
    if column.endswith("date") and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def write_xlsx(
    path: Path, rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None
) -> Path:
    header = list(columns or (rows[0].keys() if rows else IMPORT_COLUMNS))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(c, row.get(c, "")) for c in header])
    book.save(path)
    return path


def count_updates(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(EvidenceUpdate)).scalar_one())


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def record(
    engine: Engine,
    *,
    recommendation: str = "R4",
    organisation_id: str = "kent",
    expected_last_update_id: int | None = UNCHECKED,
    actor: Actor | None = None,
    **draft_fields: Any,
) -> RecordedUpdate:
    """Record one update through the service, as the form does."""
    return record_update(
        engine=engine,
        actor=actor or TEST_ADMIN,
        recommendation=recommendation,
        organisation_id=organisation_id,
        draft=draft(**draft_fields),
        expected_last_update_id=expected_last_update_id,
    )


def review_on(
    engine: Engine,
    update_id: int,
    day: date,
    *,
    decision: Decision = Decision.ACCEPTED,
    reason: str = "",
) -> None:
    """A monitor's decision dated ``day`` (noon UK time), written straight to the store, for
    tests about status as of a date before today (the service always dates a review now)."""
    with write_session(engine) as session:
        store_reviews.append_review(
            session=session,
            update_id=update_id,
            decision=decision,
            reason=reason,
            reviewed_by=MONITOR.username,
            reviewed_at=datetime.combine(day, time(12, 0), tzinfo=UTC),
        )


def record_accepted(engine: Engine, **fields: Any) -> RecordedUpdate:
    """Record a claim and have a monitor accept it on its evidence date."""
    recorded = record(engine, **fields)
    review_on(engine, recorded.update_id, fields.get("evidence_date", date(2024, 1, 15)))
    return recorded
