"""The board pack, PDF and XLSX, for a fixed history on SQLite and PostgreSQL: it opens, holds the
expected headings and figures, every page renders, no cell is a formula, hostile words stay
words, and a pack for a past date made again later with --known-on is the same."""

import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from typer.testing import CliRunner
from utils.factories import VIEWER
from utils.history import append, review, utc
from utils.session import ensure_user

from tracker import moments
from tracker.catalogue import load_catalogue
from tracker.cli import app
from tracker.reports import pdf, workbook
from tracker.rules import Status
from tracker.services import progress, report, responses, rounds
from tracker.services.access import local_operator
from tracker.services.board import BoardView

AS_OF = date(2024, 6, 30)
SINCE = date(2024, 3, 31)
# The pack is made on 20 June for the end of June; returns keep arriving after it is made.
KNOWN_ON = moments.parse_known_on("2024-06-20T09:00")
GENERATED = datetime(2024, 6, 20, 9, 30, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script> =SUM(A1) <img src=x onerror=alert(1)>'


@pytest.fixture
def history(loaded_engine: Engine) -> Engine:
    """A small history: Kent implements R3 (accepted), reports R4 in progress with a hostile
    narrative and a revised target, Essex reports R6; one return arrives late (after the
    known-on moment) for an evidence date before the as-of date."""
    r3 = append(
        loaded_engine,
        recommendation="R3",
        organisation_id="kent",
        status=Status.IMPLEMENTED,
        evidence_date=date(2023, 9, 1),
        recorded_at=utc(2023, 9, 2),
    )
    review(loaded_engine, r3, utc(2023, 9, 10))
    append(
        loaded_engine,
        recommendation="R4",
        organisation_id="kent",
        status=Status.IN_PROGRESS,
        evidence_date=date(2024, 4, 20),
        recorded_at=utc(2024, 4, 22),
        narrative=HOSTILE,
        revised_target_date=date(2024, 12, 31),
        revision_reason="Waiting for the <b>national</b> system",
    )
    append(
        loaded_engine,
        recommendation="R6",
        organisation_id="essex",
        status=Status.IN_PROGRESS,
        evidence_date=date(2024, 5, 1),
        recorded_at=utc(2024, 5, 2),
    )
    return loaded_engine


def late_return(engine: Engine) -> None:
    """Recorded (and accepted) after the known-on moment, for an evidence date before it."""
    uid = append(
        engine,
        recommendation="R6",
        organisation_id="kent",
        status=Status.IMPLEMENTED,
        evidence_date=date(2024, 6, 1),
        recorded_at=utc(2024, 6, 25),
    )
    review(engine, uid, utc(2024, 6, 26))


def expected_overdue() -> tuple[int, int]:
    """Worked out from the catalogue by hand: every assignment whose deadline is before the
    as-of date is overdue, except Kent's R3 (implemented and accepted)."""
    catalogue = load_catalogue()
    due = sum(
        len(r.accountable) for r in catalogue.recommendations if r.deadline and r.deadline < AS_OF
    )
    return due - 1, due


SOUTH_EAST = progress.Filters(region_ids=frozenset({"south_east"}))
EVERYTHING = progress.Filters()


def pack_for(
    engine: Engine,
    *,
    known_on: datetime | None = KNOWN_ON,
    generated: datetime = GENERATED,
    filters: progress.Filters = EVERYTHING,
) -> report.PackContent:
    view = BoardView(AS_OF, SINCE, known_on, filters)
    return report.board_pack(
        engine=engine, actor=local_operator(), view=view, generated_at=generated
    )


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


def without_generated_line(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "Generated" not in line)


def test_the_pdf_holds_the_headings_and_figures_and_every_page_renders(
    history: Engine, tmp_path: Path
) -> None:
    data = pdf.pdf_bytes(pack_for(history))
    pages = len(PdfReader(BytesIO(data)).pages)
    assert pages >= 8
    text = pdf_text(data, tmp_path)
    flat = " ".join(text.split())

    for heading in (
        "Board summary",
        "Ratings by recommendation and owner group",
        "Forces and the recommendations for chief constables",
        "Changes since 31 March 2024",
        "Updates recorded in between (2)",
        "Slipped dates",
        "The recommendations and where their wording comes from",
    ):
        assert heading in flat, heading
    overdue, due = expected_overdue()
    assert f"{overdue} of {due}" in flat
    assert f"Overdue assignments ({overdue})" in flat
    assert "0 of 17" in flat  # no recommendation is fully implemented
    assert "Figures as of 30 June 2024" in flat and "Changes since 31 December" not in flat
    assert "As recorded by 20 June 2024 at 09:00 (UK time)" in flat
    assert "Rule in force: an implementation counts as complete only once" in flat
    assert "Generated 20 June 2024 at 10:30 (UK time) by Local operator" in flat
    # Hostile words are printed as the characters typed, never run as markup.
    assert HOSTILE in flat
    assert "Waiting for the <b>national</b> system" in flat
    # Running header and page numbers on the pages after the cover.
    assert f"Page 2 of {pages}" in flat and "Board pack · as of 30 June 2024" in flat
    # Provenance: R1's wording is confirmed; the 16 others carry the marker, with sources.
    provenance = flat[flat.index("The recommendations and where their wording comes from") :]
    assert provenance.count("⚠") >= 16
    assert "surrey-pcc.gov.uk" in provenance and "westmercia-pcc.gov.uk" in provenance

    # The matrix prints a letter in every coloured cell (readable in black and white).
    kent = next(line for line in text.splitlines() if line.strip().startswith("Kent Police"))
    letters = kent.split()[2:]
    assert len(letters) == 9 and set(letters) <= {"R", "A", "N", "G", "B", "–"}
    assert letters[0] == "B"  # R3, implemented and accepted

    rendered = tmp_path / "pages"
    rendered.mkdir()
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(tmp_path / "pack.pdf"), str(rendered / "p")],
        check=True,
        capture_output=True,
    )
    images = sorted(rendered.glob("p-*.png"))
    assert len(images) == pages
    assert all(image.stat().st_size > 2_000 for image in images)


def test_the_workbook_has_a_sheet_per_table_labelled_ratings_and_no_formula(
    history: Engine,
) -> None:
    book = load_workbook(BytesIO(workbook.xlsx_bytes(pack_for(history))))
    assert book.sheetnames == [name for name, _ in workbook.SHEETS]
    overdue, _ = expected_overdue()
    for ws in book.worksheets:
        # Every sheet says which view it answers for.
        assert "Figures as of 30 June 2024" in str(ws["A3"].value), ws.title
        assert "Filters:" in str(ws["A4"].value), ws.title
        header = ws.freeze_panes
        assert header == "A7", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A6:"), ws.title
        assert all(cell.font.bold for cell in ws[6] if cell.value is not None), ws.title
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), (ws.title, cell.value)

    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows(min_row=7)}
    assert summary["Assignments overdue"] == overdue
    assert summary["Recommendations fully implemented"] == 0
    overdue_sheet = book["Overdue"]
    assert overdue_sheet.max_row - 6 == overdue
    rag = next(c for c in overdue_sheet[7] if isinstance(c.value, str) and "overdue" in c.value)
    assert rag.value == "R Red – overdue" and rag.fill.fgColor.rgb.upper().endswith("F4D7D7")
    updates = [c.value for row in book["Updates in between"].iter_rows(min_row=7) for c in row]
    assert "'" + HOSTILE not in updates and HOSTILE in updates  # text as typed, not a formula
    slipped = book["Slipped dates"]
    assert [c.value for c in slipped[7]][:6] == [
        "R4",
        "Kent Police",
        datetime(2023, 10, 31),
        datetime(2024, 12, 31),
        427,
        1,
    ]


def test_a_pack_for_a_past_date_made_again_later_with_known_on_is_the_same(
    history: Engine, tmp_path: Path
) -> None:
    first = pack_for(history, filters=SOUTH_EAST)
    first_pdf = pdf_text(pdf.pdf_bytes(first), tmp_path)
    first_book = load_workbook(BytesIO(workbook.xlsx_bytes(first)))

    late_return(history)  # the record moves on after the meeting
    later = pack_for(
        history, generated=datetime(2025, 1, 15, 14, 0, tzinfo=UTC), filters=SOUTH_EAST
    )
    assert without_generated_line(pdf_text(pdf.pdf_bytes(later), tmp_path)) == (
        without_generated_line(first_pdf)
    )
    later_book = load_workbook(BytesIO(workbook.xlsx_bytes(later)))
    for ws in first_book.worksheets:
        again = later_book[ws.title]
        for a, b in zip(
            ws.iter_rows(values_only=True), again.iter_rows(values_only=True), strict=True
        ):
            if a[0] == "Generated":
                continue
            assert a == b, ws.title

    # Without the known-on moment the late return counts: the test can tell the difference.
    now = pack_for(
        history,
        known_on=None,
        generated=datetime(2025, 1, 15, 14, 0, tzinfo=UTC),
        filters=SOUTH_EAST,
    )
    assert now.summary.overdue == first.summary.overdue - 1


def test_the_summary_matches_tracker_overdue_for_the_same_dates(history: Engine) -> None:
    pack = pack_for(history)
    rows = progress.status_rows(engine=history, as_of=AS_OF, known_on=KNOWN_ON)
    assert pack.summary.overdue == len(progress.overdue_rows(rows))
    assert pack.summary.assignments == len(rows)


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_tracker_report_writes_both_formats_for_a_viewer_and_names_the_figures(
    history: Engine, tmp_path: Path
) -> None:
    database_url = url_of(history)
    ensure_user(VIEWER)
    out = tmp_path / "pack.xlsx"
    result = CliRunner().invoke(
        app,
        [
            "--db",
            database_url,
            "report",
            "--out",
            str(out),
            "--as-of",
            AS_OF.isoformat(),
            "--since",
            SINCE.isoformat(),
            "--known-on",
            "2024-06-20T09:00",
            "--region",
            "South East",
            "--as",
            VIEWER.username,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "South East — filtered" in result.output
    book = load_workbook(out)
    assert "Filters: South East" in str(book["About"]["A4"].value)
    forces = {row[0] for row in book["Force matrix"].iter_rows(min_row=7, values_only=True)}
    assert "Kent Police" in forces and "Essex Police" not in forces

    pdf_out = tmp_path / "pack.pdf"
    result = CliRunner().invoke(
        app,
        [
            *("--db", database_url, "report", "--out", str(pdf_out)),
            *("--as-of", AS_OF.isoformat(), "--org", "Kent"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert pdf_out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "pack.docx"], "written as .pdf or .xlsx"),
        (["--out", "pack.pdf", "--as-of", "2024-02-30"], "--as-of"),
        (["--out", "pack.pdf", "--known-on", "yesterday"], "--known-on"),
        (["--out", "pack.pdf", "--region", "Atlantis"], "Atlantis"),
        (["--out", "pack.pdf", "--as", "nobody"], "no active tracker user"),
    ],
)
def test_tracker_report_refuses_bad_input_plainly(
    loaded_engine: Engine, tmp_path: Path, args: list[str], message: str
) -> None:
    database_url = url_of(loaded_engine)
    args = [str(tmp_path / a) if a.startswith("pack.") else a for a in args]
    result = CliRunner().invoke(app, ["--db", database_url, "report", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert not list(tmp_path.glob("pack.*"))
    assert "Traceback" not in result.output and not re.search(r"File \"", result.output)


def just_after_now() -> datetime:
    # A pack's moment is whole seconds: one second on, it surely knows what was just recorded.
    return datetime.now(UTC) + timedelta(seconds=1)


def appendix_history(engine: Engine) -> None:
    """A round asking Kent and Essex for R4 (Kent returns on 22 April, Essex never does), and
    two statutory responses: Kent's on time, Essex's ten days after the 31 May 2023 deadline."""
    operator = local_operator()
    rounds.open_round(
        engine=engine,
        actor=operator,
        name="Spring 2024 return",
        due_date=date(2024, 5, 31),
        recommendations=["R4"],
        organisation_ids=["kent", "essex"],
        at=utc(2024, 4, 1),
    )
    for body, published in (("lpb_kent", date(2023, 5, 20)), ("lpb_essex", date(2023, 6, 10))):
        responses.add_response(
            engine=engine,
            actor=operator,
            organisation_id=body,
            published=published,
            url=f"https://example.org/{body}/response",
            today=AS_OF,
        )


def test_the_appendix_names_the_round_and_the_statutory_responses(
    history: Engine, tmp_path: Path
) -> None:
    appendix_history(history)
    # Made now, so the responses just recorded are known; the round is counted as of 30 June.
    pack = pack_for(history, known_on=None, generated=just_after_now())
    assert [
        (r.round.name, r.summary.asked, r.summary.returned, r.summary.late) for r in pack.rounds
    ] == [("Spring 2024 return", 2, 1, 1)]
    summary = pack.responses_summary
    assert summary is not None
    assert (summary.force_areas, summary.on_time, summary.late, summary.missing) == (43, 1, 1, 41)

    text = " ".join(pdf_text(pdf.pdf_bytes(pack), tmp_path).split())
    assert "Appendix: return rounds and statutory responses" in text
    assert "Spring 2024 return" in text
    assert (
        "by 31 May 2023. As of 30 June 2024, of 43 force areas: 1 on time, 1 late, 41 missing"
        in text
    )

    book = load_workbook(BytesIO(workbook.xlsx_bytes(pack)))
    round_row = [c.value for c in book["Return rounds"][7]]
    assert round_row[:2] == ["Spring 2024 return", datetime(2024, 4, 1)]
    assert round_row[4:8] == [2, 1, 0, 1]
    sheet = book["Statutory responses"]
    by_area = {row[0].value: [c.value for c in row] for row in sheet.iter_rows(min_row=7)}
    assert by_area["Kent Police"][3:5] == ["On time", None]
    assert by_area["Essex Police"][3:5] == ["Late", 10]


def test_the_appendix_follows_the_view_and_the_known_on_moment(history: Engine) -> None:
    appendix_history(history)
    # The South East pack covers Kent's area only; Essex is in the Eastern region.
    south_east = pack_for(history, known_on=None, generated=just_after_now(), filters=SOUTH_EAST)
    states = {r.body_id: r.state for r in south_east.responses}
    assert states["lpb_kent"] == responses.ResponseState.ON_TIME
    assert "lpb_essex" not in states
    # Made for a moment before the responses were recorded, the pack cannot know of them.
    earlier = pack_for(history)
    summary = earlier.responses_summary
    assert summary is not None and (summary.on_time, summary.late) == (0, 0)
