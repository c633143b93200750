"""In a real headless Chromium: a Kent editor downloads its return template from the page,
fills it in, uploads it, sees the preview, confirms, and exactly the intended updates are
stored."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from test_browser import browser, open_page, screenshot, server
from test_return_sheets import H, latest, sheet_rows
from utils.factories import count_updates

from tracker.db import engine_for
from tracker.rules import Status

__all__ = ["browser", "server"]  # the shared fixtures: the demo server, and Chromium

pytestmark = pytest.mark.browser


def test_an_editor_downloads_fills_uploads_previews_and_confirms_a_return(
    server: tuple[str, str], browser: Browser, tmp_path: Path
) -> None:
    import openpyxl

    base, db_url = server
    engine = engine_for(db_url)
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    context.add_cookies([{"name": "tracker_demo_as", "value": "demo.kent", "url": base}])
    page = context.new_page()
    try:
        open_page(page, base + "/returns")
        expect(page).to_have_title("Upload a return — Recommendation tracker")
        with page.expect_download() as waiting:
            page.get_by_role("button", name="Download the return template for Kent Police").click()
        template = tmp_path / "kent.xlsx"
        waiting.value.save_as(template)
        rows = sheet_rows(template.read_bytes())
        first = next(iter(rows))

        book = openpyxl.load_workbook(template)
        ws = book["Return"]
        header = [c.value for c in ws[1]]
        ws.cell(row=2, column=header.index(H["status"]) + 1, value="Implemented")
        when = date.today() - timedelta(days=1)
        ws.cell(row=2, column=header.index(H["evidence_date"]) + 1, value=when)
        ws.cell(row=2, column=header.index(H["narrative"]) + 1, value="Audit shows all in time.")
        book.save(template)
        before = count_updates(engine)

        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
            str(template)
        )
        expect(page.get_by_text("1 update will be stored for Kent Police.")).to_be_visible(
            timeout=60_000
        )
        screenshot(page, "upload-a-return-preview")
        assert count_updates(engine) == before
        page.get_by_role("button", name="Confirm: store 1 update(s)").click()
        expect(page.get_by_text("Stored 1 update for Kent Police.")).to_be_visible(timeout=60_000)
        assert count_updates(engine) == before + 1
        stored = latest(engine, first)
        assert stored.status == Status.IMPLEMENTED and stored.evidence_date == when
        assert stored.narrative == "Audit shows all in time." and stored.source == "return"
    finally:
        context.close()
