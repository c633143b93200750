"""End to end in a real headless Chromium against `tracker serve` on a free local port.

Uses Debian's Chromium (/usr/bin/chromium); Playwright never downloads a browser here.
Screenshots of each page are saved under test-artifacts/ (git-ignored).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from tracker.db import engine_for
from tracker.services import progress

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("TRACKER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tracker serve exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)  # polling the health endpoint, not waiting for the page
    raise TimeoutError(f"{url} did not become healthy within {timeout} s")


@contextmanager
def serving(
    db_url: str,
    workdir: Path,
    *,
    env: dict[str, str] | None = None,
    port: int | None = None,
    demo: bool = False,
    log_dir: Path | None = None,
) -> Iterator[str]:
    """`tracker serve` on a free port, run in ``workdir`` (where it reads .streamlit/); yields
    its base URL and stops the whole process group afterwards."""
    port = port or _free_port()
    log = ((log_dir or workdir) / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tracker.cli",
            "serve",
            *(["--demo"] if demo else []),
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
        ],
        env={**os.environ, "TRACKER_DATABASE_URL": db_url, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
        start_new_session=True,  # its own process group, so stopping it stops all of it
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`tracker serve --demo` on a fresh SQLite database; yields (base URL, database URL)."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('served') / 'tracker.db'}"
    log_dir = tmp_path_factory.mktemp("serve-log")
    with serving(db_url, ROOT, demo=True, log_dir=log_dir) as base:
        yield base, db_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/ensure-system-packages")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: tuple[str, str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    # The demonstration's switch remembers its choice in a cookie: act as its administrator.
    context.add_cookies([{"name": "tracker_demo_as", "value": "demo.admin", "url": server[0]}])
    page = context.new_page()
    yield page
    context.close()


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    # "Not running" is also what the app says before its first run has been drawn: wait for the
    # page's heading too, and for nothing left faded from an earlier run.
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)
    page.wait_for_function("() => !document.querySelector(\"[data-stale='true']\")", timeout=60_000)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def wait_for_rerun(page: Page) -> None:
    page.wait_for_selector(READY, timeout=60_000)


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_health_answers_ok_soon_after_start(server: tuple[str, str]) -> None:
    base, _ = server
    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as response:
        assert response.read().decode().strip() == "ok"


def overdue_count(db_url: str, as_of: date) -> int:
    rows = progress.status_rows(engine=engine_for(db_url), as_of=as_of)
    return len(progress.overdue_rows(rows))


# (path, an element only that page has, screenshot name)
PAGES = (
    ("/", ".st-key-headline_figures", "overview", "National overview"),
    ("/force", ".st-key-force_org", "force", "Force"),
    ("/recommendation", ".st-key-recommendation_page", "recommendation", "Recommendation"),
    ("/overdue", ".st-key-overdue_count", "overdue", "Overdue actions"),
    ("/record", ".st-key-record_submit", "record", "Record an update"),
    ("/about", "h2:has-text('Changing the recommendations')", "about", "About the data"),
)


def heading(page: Page) -> str:
    return page.locator("[data-testid='stMain'] h1").first.inner_text()


def metric(page: Page, container_key: str, index: int = 0) -> Locator:
    """One figure of a row of metrics. Assert on it with ``expect(...).to_have_text``, which
    waits: the browser draws a page's figures a moment after the script has finished, and a
    figure read once in between may be its neighbour's."""
    values = page.locator(f".st-key-{container_key} [data-testid='stMetricValue']")
    return values.nth(index)


OVERDUE_FIGURE = 3  # Recommendations, Assignments, Implemented, Overdue, Stale, Never reported


def cli_overdue(db_url: str, as_of: date) -> list[dict[str, object]]:
    import json

    from typer.testing import CliRunner

    from tracker.cli import app

    result = CliRunner().invoke(
        app, ["--db", db_url, "overdue", "--as-of", as_of.isoformat(), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.output)
    return rows


def matrix_letter(page: Page, organisation_id: str, recommendation: str) -> str:
    """The letter drawn in one cell of the force × recommendation matrix."""
    matrix = page.locator(".st-key-force_matrix .js-plotly-plot")
    page.wait_for_function(
        "document.querySelector('.st-key-force_matrix .js-plotly-plot')?._fullLayout !== undefined"
    )
    letter: str = matrix.evaluate(
        """(gd, target) => {
            for (const trace of gd.data) {
                if (!trace.customdata) continue;
                for (let i = 0; i < trace.customdata.length; i++) {
                    const [org, rec] = trace.customdata[i];
                    if (org === target[0] && rec === target[1]) return trace.text[i];
                }
            }
            return null;
        }""",
        [organisation_id, recommendation],
    )
    return letter


def click_matrix_cell(page: Page, organisation: str, recommendation: str) -> None:
    matrix = page.locator(".st-key-force_matrix .js-plotly-plot")
    matrix.scroll_into_view_if_needed()
    page.wait_for_function(
        "document.querySelector('.st-key-force_matrix .js-plotly-plot')?._fullLayout !== undefined"
    )

    def cell_position() -> tuple[float, float]:
        x, y = matrix.evaluate(
            """(gd, target) => {
                const L = gd._fullLayout;
                const xi = L.xaxis._categories.indexOf(target[0]);
                const yi = L.yaxis._categories.indexOf(target[1]);
                const r = gd.getBoundingClientRect();
                return [r.left + L.xaxis._offset + L.xaxis.l2p(xi),
                        r.top + L.yaxis._offset + L.yaxis.l2p(yi)];
            }""",
            [recommendation, organisation],
        )
        return float(x), float(y)

    x, y = cell_position()
    height = (page.viewport_size or {"height": 720})["height"]
    if not 80 < y < height - 20:  # the matrix is taller than the screen: scroll to the cell
        page.evaluate(
            "(dy) => document.querySelector(\"[data-testid='stMain']\").scrollBy(0, dy)",
            y - height / 2,
        )
        x, y = cell_position()
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def red_force_cell(db_url: str, as_of: date) -> progress.StatusRow:
    """An overdue force assignment that has reported at least once (so it has a history)."""
    rows = progress.status_rows(engine=engine_for(db_url), as_of=as_of)
    return next(
        r
        for r in progress.overdue_rows(rows)
        if r.organisation_kind == "force"
        and r.owner == "chief_constables"
        and r.last_update is not None
    )


def latest_narrative(db_url: str, cell: progress.StatusRow) -> str:
    history = progress.update_history(
        engine=engine_for(db_url),
        organisation_ids=[cell.organisation_id],
        recommendation=cell.recommendation,
    )
    return history[0].narrative


def test_every_page_renders_in_the_browser_without_an_error(
    server: tuple[str, str], page: Page
) -> None:
    base, _ = server
    for path, marker, name, title in PAGES:
        open_page(page, base + path)
        expect(page).to_have_title(f"{title} — Recommendation tracker")
        expect(page.locator("[data-testid='stMain'] h1").first).not_to_be_empty()
        expect(page.locator(marker).first).to_be_visible()
        expect(page.locator("[data-testid='stAlertContentError']")).to_have_count(0)
        screenshot(page, name)


def test_overview_and_overdue_page_agree_with_tracker_overdue(
    server: tuple[str, str], page: Page
) -> None:
    base, db_url = server
    today = date.today()
    expected = cli_overdue(db_url, today)
    assert expected, "the demonstration data has overdue assignments today"
    open_page(page, base + "/")
    expect(metric(page, "headline_figures", OVERDUE_FIGURE)).to_have_text(str(len(expected)))
    open_page(page, base + "/overdue")
    expect(metric(page, "overdue_count")).to_have_text(str(len(expected)))
    first_row = page.locator("[data-testid='stMain'] [data-testid='stDataFrame']").first
    expect(first_row).to_be_visible()


def test_red_cell_leads_to_that_forces_evidence_history_in_two_clicks(
    server: tuple[str, str], page: Page
) -> None:
    base, db_url = server
    cell = red_force_cell(db_url, date.today())
    open_page(page, base + "/")
    assert matrix_letter(page, cell.organisation_id, cell.recommendation) == "R"

    click_matrix_cell(page, cell.organisation, cell.recommendation)  # first click: the cell
    open_history = page.locator(".st-key-matrix_open_history button")
    expect(open_history).to_be_visible(timeout=30_000)
    expect(page.locator(".st-key-matrix_drilldown")).to_contain_text(cell.organisation)
    screenshot(page, "overview-cell-selected")

    open_history.click()  # second click: its evidence history
    page.wait_for_url("**/force?**")
    expect(page.locator("[data-testid='stMain'] h1").first).to_contain_text(cell.organisation)
    wait_for_rerun(page)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    main = page.locator("[data-testid='stMain']")
    expect(main).to_contain_text(latest_narrative(db_url, cell))
    screenshot(page, "force-evidence-history")


def test_recording_an_update_changes_the_matrix_force_page_and_overdue_list(
    server: tuple[str, str], page: Page
) -> None:
    base, db_url = server
    today = date.today()
    cell = red_force_cell(db_url, today)
    overdue_before = len(cli_overdue(db_url, today))
    narrative = f"Browser test: {cell.recommendation} implemented and audited by the force."

    open_page(page, f"{base}/record?org={cell.organisation_id}&rec={cell.recommendation}")
    page.locator(".st-key-record_status").get_by_text("Implemented", exact=True).click()
    page.locator(".st-key-record_narrative textarea").fill(narrative)
    page.locator(".st-key-record_on_behalf_of input").fill("Alex Morgan, Head of Public Protection")
    page.get_by_role("button", name="Record update").click()
    confirmation = page.locator(".st-key-record_confirmation")
    expect(confirmation).to_be_visible(timeout=30_000)
    expect(confirmation).to_contain_text("Implemented")
    screenshot(page, "record-confirmed")

    # A claim counts once a monitor accepts it: until then it stays overdue.
    assert len(cli_overdue(db_url, today)) == overdue_before
    claim_id = max(
        u.id
        for u in progress.update_history(
            engine=engine_for(db_url),
            organisation_ids=[cell.organisation_id],
            recommendation=cell.recommendation,
        )
    )
    # Nobody reviews their own claim: the demonstration's monitor does.
    page.context.add_cookies([{"name": "tracker_demo_as", "value": "demo.monitor", "url": base}])
    open_page(page, base + "/review")
    claim = page.locator(f".st-key-claim_{claim_id}")
    expect(claim).to_contain_text(narrative)
    claim.locator(f".st-key-accept_{claim_id} button").click()
    expect(page.locator(".st-key-review_outcome")).to_contain_text(
        f"Update {claim_id} accepted.", timeout=30_000
    )

    # The same running dashboard, no restart: every view reflects the accepted claim.
    assert len(cli_overdue(db_url, today)) == overdue_before - 1
    open_page(page, base + "/")
    expect(metric(page, "headline_figures", OVERDUE_FIGURE)).to_have_text(str(overdue_before - 1))
    assert matrix_letter(page, cell.organisation_id, cell.recommendation) == "B"

    open_page(page, base + "/overdue")
    expect(metric(page, "overdue_count")).to_have_text(str(overdue_before - 1))

    open_page(page, f"{base}/force?org={cell.organisation_id}&rec={cell.recommendation}")
    expect(page.locator("[data-testid='stMain']")).to_contain_text(narrative)


def test_demo_mode_opens_as_a_viewer_with_a_labelled_switch_to_each_role(
    server: tuple[str, str], browser: Browser
) -> None:
    base, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        open_page(page, base + "/")
        expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)
        panel = page.locator(".st-key-signed_in")
        expect(panel).to_contain_text("Demonstration mode: act as")
        expect(panel).to_contain_text("Viewer")
        nav = page.locator("[data-testid='stSidebarNav']")
        expect(nav).not_to_contain_text("Record an update")

        panel.get_by_role("combobox").click()
        page.get_by_role("option", name="Kent Police editor").click()
        wait_for_rerun(page)
        expect(panel).to_contain_text("Editor for Kent Police")
        expect(nav).to_contain_text("Record an update")
        screenshot(page, "demo-switch")
        page.reload()  # the choice is remembered
        wait_for_rerun(page)
        expect(page.locator(".st-key-signed_in")).to_contain_text("Editor for Kent Police")
    finally:
        context.close()


HOSTILE_NARRATIVE = (
    "Audit done ![pixel](https://evil.example/pixel.png) <img src='https://evil.example/i.png'> "
    ":red[URGENT] :material/warning: [official guidance](https://evil.example/phish) "
    "https://evil.example/bare"
)


def test_typed_values_are_shown_as_text_and_nothing_leaves_for_another_host(
    server: tuple[str, str], page: Page, tmp_path: Path
) -> None:
    base, _ = server
    foreign: list[str] = []
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url)
            if not request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    evidence = tmp_path / "audit.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% audit of recent cases\n")

    open_page(page, f"{base}/record?org=kent&rec=R4")
    page.locator(".st-key-record_narrative textarea").fill(HOSTILE_NARRATIVE)
    page.locator(".st-key-record_links textarea").fill("https://evil.example/report")
    page.locator(".st-key-record_on_behalf_of input").fill(
        "![x](https://evil.example/x.png) :red[Chief]"
    )
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(evidence))
    expect(page.get_by_text("audit.pdf")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Record update").click()
    expect(page.locator(".st-key-record_confirmation")).to_be_visible(timeout=30_000)

    open_page(page, f"{base}/force?org=kent&rec=R4")
    main = page.locator("[data-testid='stMain']")
    expect(main).to_contain_text(HOSTILE_NARRATIVE)  # exactly as typed, brackets and all
    expect(main).to_contain_text("on behalf of ![x](https://evil.example/x.png) :red[Chief]")
    screenshot(page, "hostile-text-as-text")
    sources = page.eval_on_selector_all("[data-testid='stMain'] img", "els => els.map(e => e.src)")
    assert not [s for s in sources if "evil.example" in s], sources
    links = page.eval_on_selector_all(
        "[data-testid='stMain'] a[href*='evil.example']",
        "els => els.map(e => [e.getAttribute('href'), e.textContent])",
    )
    # The one checked link is shown as itself; nothing in the narrative became a link.
    assert links == [["https://evil.example/report", "https://evil.example/report"]], links
    expect(main.locator("[data-testid='stMarkdownBadge'], .stMarkdownBadge")).to_have_count(0)

    with page.expect_response(lambda r: "/media/" in r.url) as response_info:
        page.get_by_role("button", name="audit.pdf").first.click()
    headers = response_info.value.headers
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("content-disposition", "").startswith("attachment")
    assert not foreign, foreign


def test_a_file_whose_content_is_not_its_type_blocks_the_update_naming_the_file(
    server: tuple[str, str], page: Page, tmp_path: Path
) -> None:
    base, db_url = server
    foreign: list[str] = []
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url)
            if not request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    link = "https://x.example/a :red[Go] ![p](https://evil.example/p.png)"
    fake = tmp_path / "minutes.pdf"
    fake.write_bytes(b"MZ" + bytes(200))  # a Windows program named .pdf
    before = len(progress.update_history(engine=engine_for(db_url), organisation_ids=["essex"]))

    open_page(page, f"{base}/record?org=essex&rec=R4")
    page.locator(".st-key-record_narrative textarea").fill("Minutes of the board attached.")
    page.locator(".st-key-record_links textarea").fill(link)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(fake))
    expect(page.get_by_text("minutes.pdf")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Record update").click()
    wait_for_rerun(page)
    alerts = page.locator("[data-testid='stAlertContentError']")
    expect(alerts.first).to_contain_text("The update was not recorded", timeout=30_000)
    # Each problem beside its field, and once more in the error summary at the top.
    beside = alerts.filter(has_not_text="There is a problem")
    expect(beside.filter(has_text="minutes.pdf: named .pdf but its content is")).to_have_count(1)
    summary = page.locator(".st-key-error_summary")
    expect(summary).to_contain_text("minutes.pdf: named .pdf but its content is")
    # The refused link is quoted in its message exactly as typed, and fetched from nowhere.
    expect(beside.filter(has_text=link)).to_have_count(1)
    expect(summary).to_contain_text(link)
    sources = page.eval_on_selector_all("[data-testid='stMain'] img", "els => els.map(e => e.src)")
    assert not [s for s in sources if "evil.example" in s], sources
    assert not foreign, foreign
    after = len(progress.update_history(engine=engine_for(db_url), organisation_ids=["essex"]))
    assert after == before
