"""The board summary end to end in headless Chromium at 1280×720: above the fold, its figures
equal the CLI's for the same dates, a link reproduces the view, and the board pack downloads."""

import json
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, ROOT, open_page, serving
from typer.testing import CliRunner

from tracker.cli import app

pytestmark = pytest.mark.browser

AS_OF = date(2025, 3, 31)
SINCE = date(2024, 12, 31)
VIEW = f"/?as_of={AS_OF.isoformat()}&since={SINCE.isoformat()}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('board') / 'tracker.db'}"
    with serving(db_url, ROOT, demo=True, log_dir=tmp_path_factory.mktemp("board-log")) as base:
        yield base, db_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: tuple[str, str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    context.add_cookies([{"name": "tracker_demo_as", "value": "demo.admin", "url": server[0]}])
    page = context.new_page()
    yield page
    context.close()


def cli_json(db_url: str, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(app, ["--db", db_url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.output)
    return rows


def figure(page: Page, label: str) -> Locator:
    """The value of one summary figure; assert with ``expect``, which waits for it to be drawn."""
    metric = page.locator(".st-key-board_summary [data-testid='stMetric']").filter(has_text=label)
    return metric.locator("[data-testid='stMetricValue']")


def test_the_summary_is_above_the_fold_and_its_figures_equal_the_cli(
    page: Page, server: tuple[str, str]
) -> None:
    base, db_url = server
    open_page(page, base + VIEW)
    page.wait_for_selector(".st-key-board_summary .js-plotly-plot .main-svg .barlayer")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "board-summary-1280x720.png"))

    status = cli_json(db_url, "status", "--as-of", AS_OF.isoformat())
    overdue = cli_json(db_url, "overdue", "--as-of", AS_OF.isoformat())
    due = [r for r in status if r["deadline"] and str(r["deadline"]) < AS_OF.isoformat()]
    expect(figure(page, "Assignments overdue")).to_have_text(f"{len(overdue):,} of {len(due):,}")
    by_rec: dict[str, set[str]] = defaultdict(set)
    for row in status:
        by_rec[str(row["recommendation"])].add(str(row["status"]))
    done = sum(
        1
        for statuses in by_rec.values()
        if statuses <= {"implemented", "not_applicable"} and "implemented" in statuses
    )
    expect(figure(page, "Recommendations implemented")).to_have_text(f"{done} of 17")

    # Above the fold at 1280×720: the figures, the trend and the rankings.
    for selector in (".st-key-board_summary [data-testid='stMetric']", ".st-key-force_rankings"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 720, selector
    trend = page.locator(".st-key-board_summary .js-plotly-plot").first.bounding_box()
    assert trend is not None and trend["y"] + trend["height"] * 0.75 <= 720


def test_a_link_with_dates_and_filters_reproduces_the_view(
    page: Page, server: tuple[str, str]
) -> None:
    base, db_url = server
    open_page(page, base + VIEW + "&regions=south_east&known_on=2025-01-15")
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text(
        "Overview: South East — filtered"
    )
    overdue = cli_json(
        db_url,
        "overdue",
        *("--as-of", AS_OF.isoformat(), "--region", "South East", "--known-on", "2025-01-15"),
    )
    expect(figure(page, "Assignments overdue")).to_have_text(re.compile(rf"^{len(overdue):,} of "))
    caption = page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first
    expect(caption).to_contain_text("as known on end of 15 January 2025")
    # The address still carries the whole view, so it can be passed on.
    for part in (
        "as_of=2025-03-31",
        "since=2024-12-31",
        "regions=south_east",
        "known_on=2025-01-15",
    ):
        assert part in page.url, part

    # A force in the rankings links to its page.
    link = page.locator(".st-key-rank_most_overdue a").first
    name = link.inner_text()
    href = link.get_attribute("href")
    assert href is not None and "force?org=" in href
    open_page(page, base + "/" + href.removeprefix("./").lstrip("/"))
    expect(page.locator("[data-testid='stMain'] h1").first).to_contain_text(name)


def test_the_board_pack_downloads_as_pdf_and_workbook(
    page: Page, server: tuple[str, str], tmp_path: Path
) -> None:
    base, _ = server
    open_page(page, base + VIEW + "&regions=south_east")
    with page.expect_download(timeout=180_000) as xlsx:
        page.get_by_role("button", name="Board pack (Excel)").click()
    book_path = tmp_path / xlsx.value.suggested_filename
    xlsx.value.save_as(book_path)
    assert book_path.name == "board-pack-2025-03-31.xlsx"
    book = load_workbook(book_path)
    assert "Summary" in book.sheetnames and "Force matrix" in book.sheetnames
    assert "South East — filtered" in str(book["About"]["A2"].value)

    with page.expect_download(timeout=240_000) as pdf:
        page.get_by_role("button", name="Board pack (PDF)").click()
    pdf_path = tmp_path / pdf.value.suggested_filename
    pdf.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "South East — filtered" in text and "31 March 2025" in text
