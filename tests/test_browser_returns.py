"""In a real headless Chromium: an editor lands on "My actions", and one click opens the record
form or the evidence history pre-filled for that assignment; the return rounds and statutory
responses pages render for a monitor."""

import re
from datetime import date

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from test_browser import browser, open_page, screenshot, server

from tracker.db import engine_for
from tracker.roles import local_operator
from tracker.services import actions, progress, rounds

__all__ = ["browser", "server"]  # the shared fixtures: the demo server, and Chromium

pytestmark = pytest.mark.browser


HOSTILE_NAME = "Spring ![x](https://evil.example/p.png) :red[URGENT] <b>now</b>"


def acting_as(browser: Browser, base: str, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_cookies([{"name": "tracker_demo_as", "value": username, "url": base}])
    return context.new_page()


def combobox(page: Page, key: str) -> Locator:
    return page.locator(f".st-key-{key}").get_by_role("combobox")


def starts(code: str) -> re.Pattern[str]:
    return re.compile(rf"^{code} ")


def kent_first_reported(db_url: str) -> progress.StatusRow:
    """The first item on Kent's list that has a history to show."""
    rows = progress.status_rows(
        engine=engine_for(db_url),
        as_of=date.today(),
        filters=progress.Filters(organisation_ids=frozenset({"kent"})),
    )
    return next(i.row for i in actions.my_actions(rows).open if i.row.last_update is not None)


def test_editor_lands_on_my_actions_and_one_click_opens_the_form_or_the_history(
    server: tuple[str, str], browser: Browser
) -> None:
    base, db_url = server
    row = kent_first_reported(db_url)
    page = acting_as(browser, base, "demo.kent")
    try:
        open_page(page, base + "/")
        expect(page).to_have_title("My actions — Recommendation tracker")
        expect(page.locator("[data-testid='stMain'] h2").first).to_have_text("Kent Police")
        card = page.locator(f".st-key-action_kent_{row.recommendation}")
        expect(card).to_be_visible()
        screenshot(page, "my-actions")

        card.get_by_role("link", name="Record an update").click()
        page.wait_for_url(f"**/record?*rec={row.recommendation}*")
        open_page(page, page.url)
        expect(combobox(page, "record_org")).to_have_value("Kent Police")
        expect(combobox(page, "record_rec")).to_have_value(starts(row.recommendation))
        expect(page.locator(".st-key-record_submit")).to_be_visible()
        screenshot(page, "my-actions-record")

        open_page(page, base + "/")
        page.locator(f".st-key-action_kent_{row.recommendation}").get_by_role(
            "link", name="See evidence"
        ).click()
        page.wait_for_url(f"**/force?*rec={row.recommendation}*")
        open_page(page, page.url)
        expect(page.locator("[data-testid='stMain'] h1").first).to_have_text("Kent Police")
        expect(combobox(page, "force_rec")).to_have_value(starts(row.recommendation))
        latest = progress.update_history(
            engine=engine_for(db_url), organisation_ids=["kent"], recommendation=row.recommendation
        )[0]
        expect(page.locator("[data-testid='stMain']")).to_contain_text(latest.narrative[:60])
        screenshot(page, "my-actions-evidence")
    finally:
        page.context.close()


def test_monitor_sees_who_has_returned_and_the_response_clock(
    server: tuple[str, str], browser: Browser
) -> None:
    base, db_url = server
    opened = rounds.open_round(
        engine=engine_for(db_url),
        actor=local_operator(),
        name=HOSTILE_NAME,
        due_date=date(2099, 1, 31),
        recommendations=["R4"],
    )
    page = acting_as(browser, base, "demo.monitor")
    try:
        open_page(page, base + "/rounds")
        expect(page).to_have_title("Return rounds — Recommendation tracker")
        # The typed name is shown exactly as typed: no image fetched, no badge.
        expect(page.locator("[data-testid='stMain'] h2").first).to_have_text(HOSTILE_NAME)
        expect(page.locator("[data-testid='stMain'] img")).to_have_count(0)
        expect(
            page.locator(".st-key-round_figures [data-testid='stMetricValue']").first
        ).to_have_text(
            str(len(opened.organisation_ids))  # "Asked"
        )
        expect(page.get_by_text("Open a return round")).to_be_visible()
        screenshot(page, "return-rounds")

        open_page(page, base + "/responses")
        expect(page).to_have_title("Statutory responses — Recommendation tracker")
        expect(page.locator("[data-testid='stMain']")).to_contain_text("by 31 May 2023")
        expect(page.locator(".st-key-responses_figures")).to_be_visible()
        screenshot(page, "statutory-responses")
    finally:
        page.context.close()
