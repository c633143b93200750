"""Accessibility in a real headless Chromium: axe-core on every page, for every role and in the
states that matter; headings, titles, the error summary, keyboard reach, colour-vision
simulation, screen sizes, presentation mode and printing.

Pages come from the navigation registry, so a page added to the dashboard is checked here too.
Screenshots go to test-artifacts/browser/ (git-ignored).
"""

import io
import itertools
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect
from test_browser import ARTIFACTS, READY, ROOT, browser, serving
from typer.testing import CliRunner

from tracker.cli import app as cli
from tracker.db import engine_for
from tracker.roles import Actor, Role
from tracker.rules import RAG_ORDER, RAG_SHORT
from tracker.services import users
from tracker.services.demo import SAMPLE_USERS
from tracker.ui.navigation import DEFAULT_PAGE, PageSpec, default_page, pages_for, tab_title

__all__ = ["browser"]  # the shared Chromium fixture

pytestmark = pytest.mark.browser

BAD_IMPACTS = ("serious", "critical")
# Streamlit's own markup we cannot change. Each exclusion is one rule on one selector, named in
# the accessibility statement. (None is needed today: keep it that way.)
STREAMLIT_EXCLUSIONS: tuple[tuple[str, str], ...] = ()
PASSWORD = "a long enough password"
ADMIN = "ops.admin"
SIZES = ((1280, 720), (1024, 768), (1920, 1080))
DEFICIENCIES = ("protanopia", "deuteranopia", "tritanopia", "achromatopsia")


# --- Servers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`tracker serve --demo`: demonstration data and a sample user of each role."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'tracker.db'}"
    with serving(db_url, ROOT, demo=True, log_dir=tmp_path_factory.mktemp("a11y-log")) as base:
        yield base, db_url


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tracker serve` on a database with the catalogue and one administrator, nothing else."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('a11y-empty') / 'tracker.db'}"
    runner = CliRunner()
    for args, stdin in (
        (["init"], None),
        (["users", "add", ADMIN, "--role", "admin", "--password-stdin"], PASSWORD),
    ):
        result = runner.invoke(cli, ["--db", db_url, *args], input=stdin)
        assert result.exit_code == 0, result.output
    with serving(db_url, tmp_path_factory.mktemp("a11y-empty-cwd")) as base:
        yield base


def demo_page(
    browser: Browser, base: str, username: str, size: tuple[int, int] = (1280, 720)
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    context.add_cookies([{"name": "tracker_demo_as", "value": username, "url": base}])
    return context, context.new_page()


def actor(db_url: str, username: str) -> Actor:
    found = users.find_user(engine=engine_for(db_url), username=username)
    assert found is not None, username
    return users.actor_for(found)


# --- Helpers ----------------------------------------------------------------------------------


def settle(page: Page) -> None:
    """The script has finished, nothing is faded as stale, and every chart is drawn."""
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)  # the script has run
    page.wait_for_function(
        """() => !document.querySelector("[data-stale='true']")
                 && document.querySelector("[data-test-script-state='notRunning']")""",
        timeout=60_000,
    )
    page.wait_for_function(
        """() => !document.querySelector("[data-testid='stSkeleton']")
                 && [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
                    .every((el) => el.querySelector('.main-svg'))""",
        timeout=30_000,
    )
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def open_path(page: Page, url: str) -> None:
    page.goto(url)
    settle(page)


def axe_problems(page: Page) -> list[str]:
    """Serious and critical axe-core violations, one line each with where they are."""
    response = Axe().run(page).response
    found = []
    for violation in response["violations"]:
        if violation["impact"] not in BAD_IMPACTS:
            continue
        nodes = [
            n
            for n in violation["nodes"]
            if not any(
                violation["id"] == rule and selector in " ".join(map(str, n["target"]))
                for rule, selector in STREAMLIT_EXCLUSIONS
            )
        ]
        if nodes:
            where = "; ".join(" ".join(map(str, n["target"])) for n in nodes[:5])
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} at {where} — "
                + nodes[0].get("failureSummary", "").replace("\n", " ")[:300]
            )
    return found


def heading_levels(page: Page) -> list[int]:
    levels: list[int] = page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6",
        "els => els.filter(e => e.offsetParent !== null).map(e => Number(e.tagName[1]))",
    )
    return levels


def heading_problems(levels: list[int]) -> list[str]:
    problems = []
    if not levels or levels[0] != 1:
        problems.append(f"the first heading is not h1: {levels}")
    for before, after in itertools.pairwise(levels):
        if after > before + 1:
            problems.append(f"h{before} is followed by h{after}: {levels}")
    return problems


def page_url(base: str, spec: PageSpec, home: str = DEFAULT_PAGE) -> str:
    """A page's address; the page a user lands on is at the root."""
    return f"{base}/" if spec.url_path == home else f"{base}/{spec.url_path}"


def check_page(page: Page, spec: PageSpec, where: str) -> list[str]:
    """Everything wrong with the page now open, each line naming it."""
    problems = [f"{where}: {p}" for p in axe_problems(page)]
    problems += [f"{where}: {p}" for p in heading_problems(heading_levels(page))]
    title = page.title()
    if title != tab_title(spec.title):
        problems.append(f"{where}: title {title!r}")
    return problems


def shot(page: Page, name: str, *, full: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if full:
        # Streamlit scrolls inside its main element: grow the viewport to the content first.
        size = page.viewport_size or {"width": 1280, "height": 720}
        height = page.evaluate(
            "document.querySelector(\"[data-testid='stMain']\")?.scrollHeight || 720"
        )
        page.set_viewport_size({"width": size["width"], "height": min(int(height), 12_000)})
        page.screenshot(path=str(path))
        page.set_viewport_size(size)
    else:
        page.screenshot(path=str(path))
    return path


# --- axe-core, headings and titles: every page, every role ----------------------------------


@pytest.mark.parametrize("username", list(SAMPLE_USERS))
def test_every_page_for_each_role_has_no_serious_axe_violations_and_headings_in_order(
    browser: Browser, demo: tuple[str, str], username: str
) -> None:
    base, db_url = demo
    who = actor(db_url, username)
    specs = pages_for(who)
    assert len(specs) >= 5
    context, page = demo_page(browser, base, username)
    problems: list[str] = []
    try:
        for spec in specs:
            open_path(page, page_url(base, spec, default_page(who)))
            problems += check_page(page, spec, f"{username} on {spec.url_path}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/")
    settle(page)
    page.locator(".st-key-sign_in_username input").fill(ADMIN)
    page.locator(".st-key-sign_in_password input").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible(timeout=30_000)
    settle(page)


def test_every_page_on_an_empty_database_has_no_serious_axe_violations(
    browser: Browser, empty: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    problems: list[str] = []
    try:
        # Signed out: the sign-in page and the accessibility statement, linked from it.
        page.goto(empty + "/")
        settle(page)
        problems += [f"sign-in: {p}" for p in axe_problems(page)]
        problems += [f"sign-in: {p}" for p in heading_problems(heading_levels(page))]
        page.get_by_role("link", name="Accessibility statement").click()
        expect(page.get_by_role("heading", name="Accessibility statement", level=1)).to_be_visible()
        settle(page)
        expect(page).to_have_title(tab_title("Accessibility"))
        problems += [f"statement, signed out: {p}" for p in axe_problems(page)]

        sign_in(page, empty)
        admin = Actor(username=ADMIN, display_name=ADMIN, role=Role.ADMIN)
        for spec in pages_for(admin):
            open_path(page, page_url(empty, spec))
            problems += check_page(page, spec, f"empty database, {spec.url_path}")
            shot(page, f"a11y-empty-{spec.url_path}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


# --- Error summaries --------------------------------------------------------------------------


def focused_key(page: Page) -> str | None:
    """The st-key of the widget holding the keyboard focus."""
    key: str | None = page.evaluate(
        """() => {
            let el = document.activeElement;
            while (el && el !== document.body) {
                const k = [...el.classList].find(c => c.startsWith('st-key-'));
                if (k) return k.slice(7);
                el = el.parentElement;
            }
            return null;
        }"""
    )
    return key


def test_sign_in_errors_follow_the_govuk_error_summary_pattern(
    browser: Browser, empty: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(empty + "/")
        settle(page)
        page.locator(".st-key-sign_in_username input").fill(ADMIN)
        page.get_by_role("button", name="Sign in").click()  # no password
        summary = page.locator(".st-key-error_summary")
        expect(summary).to_contain_text("There is a problem", timeout=30_000)
        settle(page)
        expect(page).to_have_title("Error: " + tab_title("Sign in"))
        expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
        password = page.locator(".st-key-sign_in_password input")
        expect(password).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".st-key-sign_in_username input")).not_to_have_attribute(
            "aria-invalid", "true"
        )
        summary.get_by_role("link", name="Enter your password.").click()
        expect(password).to_be_focused()
        problems = axe_problems(page) + heading_problems(heading_levels(page))
        shot(page, "a11y-sign-in-error")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_record_form_errors_link_to_each_field_marked_invalid(
    browser: Browser, demo: tuple[str, str]
) -> None:
    base, _ = demo
    context, page = demo_page(browser, base, "demo.kent")
    try:
        open_path(page, f"{base}/record?org=kent&rec=R4")
        page.locator(".st-key-record_narrative textarea").fill("Audit done\x07 today")
        page.locator(".st-key-record_links textarea").fill("not a web address")
        page.get_by_role("button", name="Record update").click()
        summary = page.locator(".st-key-error_summary")
        expect(summary).to_contain_text("There is a problem", timeout=30_000)
        settle(page)
        expect(page).to_have_title("Error: " + tab_title("Record an update"))
        expect(summary).to_be_focused()  # focus moves to the summary, as GOV.UK's does
        links = summary.locator("a[href^='#field-']")
        expect(links).to_have_count(2)
        # In the order of the fields, each linking to its field.
        hrefs = [links.nth(i).get_attribute("href") for i in range(2)]
        assert hrefs == ["#field-record_narrative", "#field-record_links"], hrefs
        narrative = page.locator(".st-key-record_narrative textarea")
        links_field = page.locator(".st-key-record_links textarea")
        expect(narrative).to_have_attribute("aria-invalid", "true")
        expect(links_field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".st-key-record_on_behalf_of input")).not_to_have_attribute(
            "aria-invalid", "true"
        )
        links.nth(1).click()
        expect(links_field).to_be_focused()
        problems = axe_problems(page) + heading_problems(heading_levels(page))
        shot(page, "a11y-record-errors", full=True)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


# --- Keyboard ---------------------------------------------------------------------------------


def tab_until(page: Page, wanted: str, *, limit: int = 150) -> list[str]:
    """Press Tab until the focus is inside ``.st-key-<wanted>``; answers the keys passed."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        key = focused_key(page) or ""
        if not passed or passed[-1] != key:
            passed.append(key)
        if key == wanted or key.startswith(wanted):
            return passed
    raise AssertionError(f"Tab never reached {wanted}: {passed}")


def test_keyboard_reaches_the_matrix_data_through_its_table(
    browser: Browser, demo: tuple[str, str]
) -> None:
    base, _ = demo
    context, page = demo_page(browser, base, "demo.viewer")
    try:
        open_path(page, base + "/")
        page.locator("[data-testid='stMain'] h1").first.click()  # start from the page's top
        tab_until(page, "force_matrix_as_table")
        expander = page.locator(".st-key-force_matrix_as_table summary")
        expect(expander).to_be_focused()
        expect(expander).to_have_text(re.compile("Show as a table"))
        page.keyboard.press("Enter")
        # A real table (read as one by screen readers), named, one row a force.
        table = page.locator(".st-key-force_matrix_as_table table")
        expect(table).to_be_visible()
        expect(table.locator("thead th").first).to_have_text("Force")
        assert table.locator("tbody tr").count() >= 40
        expect(page.locator(".st-key-force_matrix_as_table")).to_contain_text("R red – overdue")
        letters = table.locator("tbody td:not(:first-child)").all_inner_texts()
        assert set(letters) <= {RAG_SHORT[r] for r in RAG_ORDER} and "R" in letters
        table.locator("tbody tr").last.scroll_into_view_if_needed()  # scrolling reaches the end
        expect(table.locator("tbody tr").last).to_be_in_viewport()
        shot(page, "a11y-matrix-table-keyboard")
    finally:
        context.close()


def test_keyboard_moves_through_the_record_form_in_order(
    browser: Browser, demo: tuple[str, str]
) -> None:
    base, _ = demo
    context, page = demo_page(browser, base, "demo.kent")
    try:
        open_path(page, f"{base}/record?org=kent&rec=R4")
        page.locator("[data-testid='stMain'] h1").first.click()
        passed = tab_until(page, "record_submit")
        # The focus is visible: a 3 px outline with the GOV.UK yellow around it.
        outline = page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                       return [s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; }"""
        )
        assert outline[0] == "solid" and outline[1] >= 3, outline
        assert "255, 221, 0" in outline[2], outline
    finally:
        context.close()
    fields = [
        "record_org",
        "record_rec",
        "record_status",
        "record_evidence_date",
        "record_narrative",
        "record_links",
        "record_files",
        "record_revised_date",
        "record_revision_reason",
        "record_on_behalf_of",
        "record_submit",
    ]
    reached = [next((f for f in fields if k.startswith(f)), None) for k in passed]
    order = [f for f in dict.fromkeys(reached) if f]
    assert order == fields, passed


# --- Never colour alone -----------------------------------------------------------------------


def emulate_vision(page: Page, deficiency: str) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": deficiency})


def segment_boxes(page: Page) -> dict[str, dict[str, float]]:
    """The biggest bar segment of each rating in "Progress on each recommendation" (page px)."""
    boxes: dict[str, dict[str, float]] = page.evaluate(
        """() => {
            const gd = document.querySelector(".st-key-rag_by_recommendation .js-plotly-plot");
            const out = {};
            const area = (r) => r.width * r.height;
            gd.querySelectorAll("g.trace.bars").forEach((trace) => {
                const name = trace.__data__ && trace.__data__[0] && trace.__data__[0].trace.name;
                trace.querySelectorAll("g.point path").forEach((p) => {
                    const r = p.getBoundingClientRect();
                    if (name && area(r) > 0 && (!out[name] || area(r) > area(out[name]))) {
                        out[name] = {x: r.x, y: r.y, width: r.width, height: r.height};
                    }
                });
            });
            return out;
        }"""
    )
    return boxes


def crop(png: bytes, box: dict[str, float]) -> Image.Image:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    size = 24
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    left, top = int(cx - size / 2), int(cy - size / 2)
    return image.crop((left, top, left + size, top + size))


def pixels(image: Image.Image) -> list[tuple[int, ...]]:
    data = image.convert("RGB").tobytes()
    return [tuple(data[i : i + 3]) for i in range(0, len(data), 3)]


def difference(a: Image.Image, b: Image.Image) -> float:
    """How different two patches look: mean colour apart, or texture apart, whichever is more."""
    pa, pb = pixels(a), pixels(b)
    mean_a = [sum(p[i] for p in pa) / len(pa) for i in range(3)]
    mean_b = [sum(p[i] for p in pb) / len(pb) for i in range(3)]
    colour = sum((x - y) ** 2 for x, y in zip(mean_a, mean_b, strict=True)) ** 0.5
    texture = sum(
        abs(x - y) for p, q in zip(pa, pb, strict=True) for x, y in zip(p, q, strict=True)
    ) / (3 * len(pa))
    return float(max(colour, texture))


def test_rag_categories_stay_distinct_under_colour_vision_deficiencies(
    browser: Browser, demo: tuple[str, str]
) -> None:
    base, _ = demo
    # Tall enough that the whole chart is on screen without scrolling.
    context, page = demo_page(browser, base, "demo.viewer", (1280, 2400))
    try:
        open_path(page, base + "/")
        boxes = segment_boxes(page)
        assert len(boxes) >= 3, boxes
        # Every segment wide enough for its text says its rating's letter; none is rotated.
        texts = page.eval_on_selector_all(
            ".st-key-rag_by_recommendation g.trace.bars text",
            "els => els.map(e => [e.textContent, e.getAttribute('transform') || ''])",
        )
        letters = {t.split(" ")[0] for t, _ in texts if t}
        assert letters <= {RAG_SHORT[r] for r in RAG_ORDER} and len(letters) >= 3, texts
        assert not [t for t, transform in texts if "rotate" in transform], texts
        # The matrix: every cell carries its letter.
        cells = page.eval_on_selector_all(
            ".st-key-force_matrix g.textpoint text", "els => els.map(e => e.textContent)"
        )
        assert cells and set(cells) <= {RAG_SHORT[r] for r in RAG_ORDER}, cells[:20]
        too_close: list[str] = []
        for deficiency in DEFICIENCIES:
            emulate_vision(page, deficiency)
            png = page.screenshot()
            (ARTIFACTS / f"a11y-vision-{deficiency}.png").write_bytes(png)
            patches = {name: crop(png, box) for name, box in boxes.items()}
            for (a, pa), (b, pb) in itertools.combinations(patches.items(), 2):
                apart = difference(pa, pb)
                if apart < 20:
                    too_close.append(f"{deficiency}: {a} and {b} differ by only {apart:.1f}")
    finally:
        context.close()
    assert not too_close, "\n".join(too_close)


# --- Charts have words ------------------------------------------------------------------------


def test_every_chart_has_a_summary_sentence_a_table_and_readable_text(
    browser: Browser, demo: tuple[str, str]
) -> None:
    base, _ = demo
    context, page = demo_page(browser, base, "demo.viewer")
    try:
        for path in ("/", "/recommendation"):
            open_path(page, base + path)
            charts = page.locator("[data-testid='stPlotlyChart']")
            expect(charts.first).to_be_visible()
            summaries = page.locator("[class*='_in_words'] [data-testid='stMarkdownContainer']")
            tables = page.locator("[data-testid='stExpander']", has_text="Show as a table")
            # Two trend charts share one sentence and one table.
            counts = (path, charts.count(), summaries.count(), tables.count())
            assert summaries.count() >= charts.count() - (1 if path == "/" else 0), counts
            assert tables.count() == summaries.count(), counts
            for i in range(summaries.count()):
                assert re.search(r"\d", summaries.nth(i).inner_text()), "a sentence with figures"
            sizes = page.eval_on_selector_all(
                "[data-testid='stPlotlyChart'] svg text",
                "els => els.filter(e => e.textContent.trim())"
                ".map(e => parseFloat(getComputedStyle(e).fontSize))",
            )
            assert sizes and min(sizes) >= 14, sorted(set(sizes))
    finally:
        context.close()


# --- Screens: 1280×720, 1024×768 and 1920×1080 ------------------------------------------------


def grid_overflow(page: Page, key: str) -> int:
    """How many pixels the table at ``.st-key-<key>`` would scroll sideways."""
    overflow = page.evaluate(
        """(key) => {
            const s = document.querySelector(`.st-key-${key} .dvn-scroller`);
            return s ? s.scrollWidth - s.clientWidth : -1;
        }""",
        key,
    )
    return int(overflow)


def test_every_page_fits_the_common_screen_sizes(browser: Browser, demo: tuple[str, str]) -> None:
    base, db_url = demo
    specs = pages_for(actor(db_url, "demo.admin"))
    overflows: list[str] = []
    for width, height in SIZES:
        context, page = demo_page(browser, base, "demo.admin", (width, height))
        try:
            for spec in specs:
                open_path(page, page_url(base, spec))
                shot(page, f"a11y-{spec.url_path}-{width}x{height}")
                if (width, height) == (1280, 720):
                    shot(page, f"a11y-{spec.url_path}-{width}-full", full=True)
                # Nothing on the page is wider than the screen.
                wide = page.evaluate(
                    """() => { const m = document.querySelector("[data-testid='stMain']");
                               return m.scrollWidth - m.clientWidth; }"""
                )
                if wide > 0:
                    overflows.append(f"{spec.url_path} at {width}: page scrolls {wide}px")
            if width >= 1280:
                open_path(page, base + "/overdue")
                if (o := grid_overflow(page, "table_overdue_table")) != 0:
                    overflows.append(f"overdue table at {width}: scrolls sideways by {o}px")
                rows = page.locator(".st-key-overdue_count [data-testid='stMetricValue']")
                total = int(rows.inner_text().replace(",", ""))
                shown = page.evaluate(
                    """() => document.querySelector(
                        ".st-key-table_overdue_table [data-testid='stDataFrame']").offsetHeight"""
                )
                # Sized to its rows (35 px each), not a box showing a few of them.
                assert shown >= 35 * min(total, 250), (shown, total)
        finally:
            context.close()
    assert not overflows, "\n".join(overflows)


def test_the_matrix_drilldown_appears_beside_a_low_cell(
    browser: Browser, demo: tuple[str, str]
) -> None:
    base, _ = demo
    context, page = demo_page(browser, base, "demo.viewer")
    try:
        open_path(page, base + "/")
        matrix = page.locator(".st-key-force_matrix .js-plotly-plot")
        matrix.scroll_into_view_if_needed()
        x, y = matrix.evaluate(
            """(gd) => {
                const L = gd._fullLayout;
                const r = gd.getBoundingClientRect();
                const last = L.yaxis._categories.length - 1;
                return [r.left + L.xaxis._offset + L.xaxis.l2p(0),
                        r.top + L.yaxis._offset + L.yaxis.l2p(last)];
            }"""
        )
        # Bring the last force's row to the lower part of the screen, as a user scrolling would.
        page.evaluate(
            "(dy) => document.querySelector(\"[data-testid='stMain']\").scrollBy(0, dy)", y - 600
        )
        x, y = matrix.evaluate(
            """(gd) => {
                const L = gd._fullLayout;
                const r = gd.getBoundingClientRect();
                const last = L.yaxis._categories.length - 1;
                return [r.left + L.xaxis._offset + L.xaxis.l2p(0),
                        r.top + L.yaxis._offset + L.yaxis.l2p(last)];
            }"""
        )
        assert 0 < y < 720, y
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        panel = page.locator(".st-key-matrix_drilldown")
        expect(page.locator(".st-key-matrix_open_history button")).to_be_visible(timeout=30_000)
        settle(page)
        box = panel.bounding_box()
        assert box is not None
        assert box["y"] >= 0 and box["y"] + 60 <= 720, box  # its top part is on screen
        assert box["x"] > x, "beside the matrix, to the right of the click"
        shot(page, "a11y-matrix-drilldown-low-cell")
    finally:
        context.close()


def test_sidebar_folds_away_on_a_narrow_screen_or_at_200_percent_zoom(
    browser: Browser, demo: tuple[str, str]
) -> None:
    base, _ = demo
    context, page = demo_page(browser, base, "demo.viewer", (640, 360))  # 1280×720 at 200%
    try:
        open_path(page, base + "/")
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        expect(page.locator("[data-testid='stMain'] h1").first).to_be_in_viewport()
        shot(page, "a11y-overview-640x360")
    finally:
        context.close()


# --- Presentation mode ------------------------------------------------------------------------


def test_presentation_mode_hides_the_sidebar_and_names_the_inspection_date_and_filter(
    browser: Browser, demo: tuple[str, str]
) -> None:
    base, _ = demo
    context, page = demo_page(browser, base, "demo.viewer")
    try:
        open_path(page, base + "/")
        normal = page.evaluate(
            """() => parseFloat(getComputedStyle(
                   document.querySelector("[data-testid='stMain'] p")).fontSize)"""
        )
        page.get_by_role("button", name="Presentation mode").click()
        header = page.locator(".st-key-present_header")
        expect(header).to_be_visible(timeout=30_000)
        settle(page)
        assert "present=1" in page.url
        expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()
        expect(header).to_contain_text("online sexual abuse and exploitation of children")
        expect(header).to_contain_text("Figures as of")
        expect(header).to_contain_text("No filters")
        bigger = page.evaluate(
            """() => parseFloat(getComputedStyle(
                   document.querySelector("[data-testid='stMain'] p")).fontSize)"""
        )
        assert bigger > normal, (normal, bigger)
        shot(page, "a11y-present-overview")
        problems = axe_problems(page)

        # A link with ?present=1 opens presenting, with the filter named.
        open_path(page, base + "/overdue?present=1")
        expect(page.locator(".st-key-present_header")).to_contain_text("Figures as of")
        expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()
        shot(page, "a11y-present-overdue")
        page.get_by_role("button", name="Leave presentation mode").click()
        expect(page.locator(".st-key-present_header")).to_have_count(0, timeout=30_000)
        expect(page.locator("[data-testid='stSidebar']")).to_be_visible()
    finally:
        context.close()
    assert not problems, "\n".join(problems)


# --- Print ------------------------------------------------------------------------------------


def words_past_the_edge(pdf: Path) -> list[str]:
    """Words whose box runs past the right edge of their page (pdftotext -bbox)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    past = []
    for page_html in html.split("<page ")[1:]:
        width = float(re.search(r'width="([\d.]+)"', page_html).group(1))  # type: ignore[union-attr]
        for x_max, word in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)<', page_html):
            if float(x_max) > width - 1:
                past.append(word)
    return past


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_every_page_prints_on_a4_without_cutting_content_or_showing_controls(
    browser: Browser, demo: tuple[str, str], tmp_path: Path
) -> None:
    base, db_url = demo
    problems: list[str] = []
    context, page = demo_page(browser, base, "demo.admin", (1920, 1080))  # widest screen
    try:
        for spec in pages_for(actor(db_url, "demo.admin")):
            open_path(page, page_url(base, spec))
            page.wait_for_timeout(400)  # the print script measures charts every 300 ms
            # Each chart and table, at the width it was drawn on screen, scaled to fit the paper.
            widest = page.evaluate(
                """() => Math.max(0, ...[...document.querySelectorAll(
                        "[data-testid='stPlotlyChart'], [data-testid='stDataFrame']")]
                     .map(e => e.offsetWidth
                               * parseFloat(e.style.getPropertyValue('--print-zoom') || 1)))"""
            )
            if widest > 1048:
                problems.append(f"{spec.url_path}: an element {widest:.0f}px wide on paper")
            page.emulate_media(media="print")
            shown = page.evaluate(
                """() => [...document.querySelectorAll(
                        "[data-testid='stSidebar'], [data-testid='stMain'] input, "
                        + "[data-testid='stMain'] button:not([role='tab'])")]
                     .filter(e => e.offsetParent !== null).length"""
            )
            page.emulate_media(media="null")  # page.pdf prints with print styles
            if shown:
                problems.append(f"{spec.url_path}: {shown} controls still shown in print")
            pdf = tmp_path / f"{spec.url_path}.pdf"
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
            (ARTIFACTS / f"a11y-print-{spec.url_path}.pdf").write_bytes(pdf.read_bytes())
            if cut := words_past_the_edge(pdf):
                problems.append(f"{spec.url_path}: cut at the right edge: {cut[:10]}")
            text = pdf_text(pdf)
            for control in ("Demonstration mode: act as", "Presentation mode"):
                if control in text:
                    problems.append(f"{spec.url_path}: {control.strip()!r} printed")
            if spec.title not in text and spec.url_path not in ("force", "recommendation"):
                problems.append(f"{spec.url_path}: its heading is not printed")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
