"""Signing in, in a real headless Chromium against `tracker serve` (no --demo) on a free port.

Local accounts: users are created with `tracker users add` first, as an operator would. Single
sign-on: a real OpenID Connect provider (oidc-provider-mock) runs on another free port and the
dashboard reads its secrets.toml from the server's working directory.
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote

import httpx
import oidc_provider_mock  # type: ignore[import-untyped]
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text
from test_browser import (
    OVERDUE_FIGURE,
    READY,
    _free_port,
    browser,
    cli_overdue,
    metric,
    open_page,
    screenshot,
    serving,
)
from typer.testing import CliRunner

from tracker.cli import app as cli
from tracker.db import engine_for
from tracker.roles import Actor, Role
from tracker.services import progress, reviews

__all__ = ["browser"]  # the shared Chromium fixture

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long enough password"
ADMIN, EDITOR, VIEWER_USER = "ops.admin", "kent.editor", "board.member"
MONITOR_USER = "national.lead"


def cli_ok(db_url: str, *args: str, stdin: str | None = None) -> None:
    result = CliRunner().invoke(cli, ["--db", db_url, *args], input=stdin)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Demonstration data, an administrator, a Kent Police editor and a viewer; local sign-in."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('signin') / 'tracker.db'}"
    cli_ok(db_url, "demo")
    cli_ok(db_url, "users", "add", ADMIN, "--role", "admin", "--password-stdin", stdin=PASSWORD)
    for username, role, orgs in (
        (EDITOR, "editor", ["--org", "Kent"]),
        (VIEWER_USER, "viewer", []),
        (MONITOR_USER, "monitor", []),
    ):
        cli_ok(
            db_url,
            "users",
            "add",
            username,
            "--role",
            role,
            *orgs,
            "--password-stdin",
            "--as",
            ADMIN,
            stdin=PASSWORD,
        )
    # TRACKER_DEMO is set to show that only `--demo` can turn demonstration mode on.
    env = {"TRACKER_MAX_FAILED_SIGN_INS": "3", "TRACKER_DEMO": "1"}
    with serving(db_url, tmp_path_factory.mktemp("signin-cwd"), env=env) as base:
        yield base, db_url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    open_page(page, base + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in_panel(page: Page) -> None:
    expect(page.locator(".st-key-signed_in")).to_be_visible(timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)


def nav_links(page: Page) -> list[str]:
    """The page titles in the sidebar (each link's last line; the first is its icon's name)."""
    links = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    return [text.strip().splitlines()[-1] for text in links]


def test_without_demo_the_dashboard_asks_for_sign_in_even_with_the_variable_set(
    local: tuple[str, str], page: Page
) -> None:
    base, _ = local
    open_page(page, base + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page).to_have_title("Sign in — Recommendation tracker")
    expect(page.locator("[data-testid='stMetric']")).to_have_count(0)
    expect(page.locator(".st-key-demo_acting_as")).to_have_count(0)
    open_page(page, base + "/record")
    expect(page.locator(".st-key-record_submit")).to_have_count(0)


def test_kent_editor_is_offered_only_kent_and_records_an_update(
    local: tuple[str, str], page: Page
) -> None:
    base, db_url = local
    sign_in(page, base, EDITOR)
    signed_in_panel(page)
    expect(page.locator(".st-key-signed_in")).to_contain_text("Editor for Kent Police")
    assert "Record an update" in nav_links(page)

    open_page(page, base + "/record")
    picker = page.locator(".st-key-record_org")
    expect(picker.get_by_role("combobox", name="Organisation")).to_have_value("Kent Police")
    picker.get_by_role("button", name="Open").click()
    options = page.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Kent Police")
    page.keyboard.press("Escape")

    narrative = "Browser test: Kent Police training complete for all staff."
    page.locator(".st-key-record_narrative textarea").fill(narrative)
    page.get_by_role("button", name="Record update").click()
    expect(page.locator(".st-key-record_confirmation")).to_be_visible(timeout=30_000)
    screenshot(page, "signin-editor-recorded")
    stored = progress.update_history(engine=engine_for(db_url), organisation_ids=["kent"])
    newest = max(stored, key=lambda u: u.id)
    assert newest.narrative == narrative
    assert newest.recorded_by_user == EDITOR


def test_viewer_has_no_record_page_and_no_write_control_anywhere(
    local: tuple[str, str], page: Page
) -> None:
    base, _ = local
    sign_in(page, base, VIEWER_USER)
    signed_in_panel(page)
    links = nav_links(page)
    assert "National overview" in links and "Record an update" not in links
    for path in ("/", "/force?org=kent", "/recommendation", "/overdue", "/about", "/record"):
        open_page(page, base + path)
        main = page.locator("[data-testid='stMain']")
        expect(main.locator(".st-key-record_submit")).to_have_count(0)
        expect(main.get_by_text("Record an update")).to_have_count(0)
        expect(main.locator("textarea")).to_have_count(0)
        expect(main.locator("[data-testid='stFileUploader']")).to_have_count(0)
    screenshot(page, "signin-viewer")


def test_reload_keeps_the_session_and_sign_out_ends_it(local: tuple[str, str], page: Page) -> None:
    base, _ = local
    sign_in(page, base, ADMIN)
    signed_in_panel(page)
    page.reload()
    page.wait_for_selector(READY, timeout=60_000)
    signed_in_panel(page)
    expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)
    cookie = next(c for c in page.context.cookies() if c["name"] == "tracker_session")
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"

    page.locator(".st-key-signed_in").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_function("!document.cookie.includes('tracker_session=')")  # forgotten
    page.reload()
    page.wait_for_selector(READY, timeout=60_000)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator(".st-key-signed_in")).to_have_count(0)


def test_lock_out_after_repeated_failures_says_when_it_lifts(
    local: tuple[str, str], page: Page
) -> None:
    base, _ = local
    cli_ok(
        local[1],
        "users",
        "add",
        "often.wrong",
        "--role",
        "viewer",
        "--password-stdin",
        stdin=PASSWORD,
    )
    problem = page.locator(".st-key-sign_in_problem")
    for attempt in range(3):
        sign_in(page, base, "often.wrong", f"wrong password {attempt}")
        expect(problem).to_be_visible(timeout=30_000)
    expect(problem).to_contain_text("locked until")
    expect(problem).to_contain_text("UTC")
    sign_in(page, base, "often.wrong")  # the right password, too late
    expect(problem).to_contain_text("locked", timeout=30_000)
    expect(page.locator(".st-key-signed_in")).to_have_count(0)
    expect(page.get_by_label("Username")).to_be_visible()  # the form stays for another try
    page.wait_for_selector(READY, timeout=60_000)
    screenshot(page, "signin-locked")


# --- Single sign-on ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oidc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A mock OpenID provider and `tracker serve` with TRACKER_SIGN_IN=oidc; yields the URLs."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('oidc') / 'tracker.db'}"
    cli_ok(db_url, "init")
    cli_ok(
        db_url,
        "users",
        "add",
        "alice",
        "--role",
        "monitor",
        "--email",
        "alice@example.org",
        "--name",
        "Alice Example",
    )
    with oidc_provider_mock.run_server_in_thread() as provider:
        issuer = f"http://localhost:{provider.server_port}"
        port = _free_port()
        workdir = tmp_path_factory.mktemp("oidc-cwd")
        (workdir / ".streamlit").mkdir()
        (workdir / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "a test secret that is only used by this test"\n'
            'client_id = "tracker"\n'
            'client_secret = "tracker-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        env = {"TRACKER_SIGN_IN": "oidc"}
        with serving(db_url, workdir, env=env, port=port) as base:
            yield base, issuer, db_url


def audit_rows(db_url: str) -> list[tuple[str, str, str, str]]:
    with engine_for(db_url).connect() as conn:
        rows = conn.execute(text("SELECT actor, action, outcome, object_id FROM audit_event"))
        return [(r.actor, r.action, r.outcome, r.object_id) for r in rows]


def sign_in_with_provider(page: Page, base: str, issuer: str, email: str) -> None:
    response = httpx.put(f"{issuer}/users/{quote(email)}", json={"email": email, "name": email})
    assert response.status_code == 204
    open_page(page, base + "/")
    page.get_by_role("button", name="Sign in with your organisation account").click()
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base}/**")
    page.wait_for_selector(READY, timeout=60_000)


def test_single_sign_on_lets_a_known_user_in_with_their_role(
    oidc: tuple[str, str, str], page: Page
) -> None:
    base, issuer, db_url = oidc
    sign_in_with_provider(page, base, issuer, "alice@example.org")
    signed_in_panel(page)
    expect(page.locator(".st-key-signed_in")).to_contain_text("Alice Example")
    expect(page.locator(".st-key-signed_in")).to_contain_text("Monitor")
    assert "Record an update" in nav_links(page)
    screenshot(page, "signin-oidc-known")
    assert ("alice", "sign_in", "done", "alice") in audit_rows(db_url)


def test_single_sign_on_identity_with_no_tracker_user_gets_no_access(
    oidc: tuple[str, str, str], page: Page
) -> None:
    base, issuer, db_url = oidc
    sign_in_with_provider(page, base, issuer, "mallory@example.org")
    no_access = page.locator(".st-key-no_access")
    expect(no_access).to_be_visible(timeout=30_000)
    expect(no_access).to_contain_text("Ask your administrator")
    expect(page.locator(".st-key-signed_in")).to_have_count(0)
    expect(page.locator("[data-testid='stMetric']")).to_have_count(0)
    assert nav_links(page) == []
    refused = ("(single sign-on)", "sign_in", "refused", "mallory@example.org")
    assert audit_rows(db_url).count(refused) == 1  # once, however many reruns the page had
    open_page(page, base + "/overview")
    expect(page.locator(".st-key-headline_figures")).to_have_count(0)


def test_monitor_accepts_a_claimed_implementation_and_the_national_figure_changes(
    local: tuple[str, str], page: Page
) -> None:
    base, db_url = local
    engine = engine_for(db_url)
    today = date.today()
    monitor = Actor(username=MONITOR_USER, display_name=MONITOR_USER, role=Role.MONITOR)
    overdue_now = {(r["recommendation"], r["organisation"]) for r in cli_overdue(db_url, today)}
    # A waiting claim on an overdue assignment: it stays red until a monitor accepts it.
    claim = next(
        c
        for c in reviews.queue(engine=engine, actor=monitor)
        if (c.recommendation, c.organisation) in overdue_now
    )
    overdue_before = len(overdue_now)

    sign_in(page, base, MONITOR_USER)
    signed_in_panel(page)
    assert "Review queue" in nav_links(page)
    open_page(page, base + "/")
    expect(metric(page, "headline_figures", OVERDUE_FIGURE)).to_have_text(f"{overdue_before:,}")

    open_page(page, base + "/review")
    card = page.locator(f".st-key-claim_{claim.id}")
    expect(card).to_contain_text(claim.organisation)
    card.locator(f".st-key-accept_{claim.id} button").click()
    expect(page.locator(".st-key-review_outcome")).to_contain_text(
        f"Update {claim.id} accepted.", timeout=30_000
    )
    expect(page.locator(f".st-key-claim_{claim.id}")).to_have_count(0)  # left the queue
    page.wait_for_selector(READY, timeout=60_000)
    screenshot(page, "signin-monitor-accepted")

    assert len(cli_overdue(db_url, today)) == overdue_before - 1
    open_page(page, base + "/")
    expect(metric(page, "headline_figures", OVERDUE_FIGURE)).to_have_text(f"{overdue_before - 1:,}")
    with engine.connect() as conn:
        decided_by = conn.execute(
            text("SELECT reviewed_by FROM review WHERE update_id = :id"), {"id": claim.id}
        ).scalar_one()
    assert decided_by == MONITOR_USER
