"""End to end in a real headless Chromium against `tracker serve` on a free local port.

Uses Debian's Chromium (/usr/bin/chromium); Playwright never downloads a browser here.
Screenshots of each page are saved under test-artifacts/ (git-ignored).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`tracker serve --demo` on a fresh SQLite database; yields (base URL, database URL)."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('served') / 'tracker.db'}"
    port = _free_port()
    log = (tmp_path_factory.mktemp("serve-log") / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tracker.cli",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
        ],
        env={**os.environ, "TRACKER_DATABASE_URL": db_url},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process)
        yield base, db_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/ensure-system-packages")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    yield page
    context.close()


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
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
