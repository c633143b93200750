"""Dates on the dashboard: the as-of date follows today unless the user picks one, and recorded
times are shown as UK clocks read them."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.session import signed_in

from tracker.services import progress
from tracker.ui import controls
from tracker.ui.format import long_date, recorded_on, uk_time

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
YESTERDAY, TODAY = date(2025, 3, 31), date(2026, 11, 23)
PICKED = date(2024, 9, 30)


class Clock:
    """Stands in for the dashboard's idea of today."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, day: date) -> None:
        self.day = day
        monkeypatch.setattr(controls, "today", lambda: self.day)


def overdue_as_of(engine: Engine, day: date) -> int:
    return len(progress.overdue_rows(progress.status_rows(engine=engine, as_of=day)))


def shows_figures_for(at: AppTest, engine: Engine, day: date) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert at.date_input(key="as_of").value == day
    assert any(f"Figures as of {long_date(day)}" in m.value for m in at.sidebar.markdown)
    assert any(f"as of {long_date(day)}." in c.value for c in at.caption)
    assert int(next(m.value for m in at.metric if m.label == "Overdue")) == overdue_as_of(
        engine, day
    )


def test_a_screen_left_open_overnight_moves_on_to_the_new_day(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert overdue_as_of(demo_engine, YESTERDAY) != overdue_as_of(demo_engine, TODAY)
    clock = Clock(monkeypatch, YESTERDAY)
    at = signed_in(AppTest.from_file(APP, default_timeout=60)).run()
    shows_figures_for(at, demo_engine, YESTERDAY)

    clock.day = TODAY  # midnight passes; the page reruns (any click, or the next reload)
    at.run()
    shows_figures_for(at, demo_engine, TODAY)

    # Another page that answers for a date follows the same today.
    at.switch_page("../pages/overdue.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.date_input(key="as_of").value == TODAY
    assert int(
        next(m.value for m in at.metric if m.label == "Overdue assignments").replace(",", "")
    ) == overdue_as_of(demo_engine, TODAY)


def test_a_date_the_user_picked_is_kept_from_day_to_day_and_page_to_page(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, YESTERDAY)
    at = signed_in(AppTest.from_file(APP, default_timeout=60)).run()
    at.date_input(key="as_of").set_value(PICKED).run()
    shows_figures_for(at, demo_engine, PICKED)

    clock.day = TODAY
    at.run()
    shows_figures_for(at, demo_engine, PICKED)
    at.switch_page("../pages/about.py").run()  # a page without the picker
    at.switch_page("../pages/overview.py").run()
    shows_figures_for(at, demo_engine, PICKED)


def test_picking_the_day_shown_by_default_still_counts_as_a_choice(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, YESTERDAY)
    at = signed_in(AppTest.from_file(APP, default_timeout=60)).run()
    at.date_input(key="as_of").set_value(PICKED).run()
    at.date_input(key="as_of").set_value(YESTERDAY).run()  # back to the day it showed
    clock.day = TODAY
    at.run()
    shows_figures_for(at, demo_engine, YESTERDAY)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        # British Summer Time: between midnight and 1am in the UK it is still the day before in UTC.
        (datetime(2024, 7, 1, 23, 15), "2 July 2024"),
        (datetime(2024, 7, 1, 23, 15, tzinfo=UTC), "2 July 2024"),
        (datetime(2024, 7, 1, 22, 59), "1 July 2024"),
        # Greenwich Mean Time: UK clocks read UTC.
        (datetime(2024, 1, 15, 23, 30), "15 January 2024"),
        # The night the clocks go forward (01:00 UTC, 31 March 2024) and back (27 October 2024).
        (datetime(2024, 3, 30, 23, 59), "30 March 2024"),
        (datetime(2024, 10, 26, 23, 30), "27 October 2024"),
        (datetime(2024, 10, 27, 23, 30), "27 October 2024"),
    ],
)
def test_recorded_times_are_shown_as_uk_clocks_read_them(stored: datetime, shown: str) -> None:
    assert recorded_on(stored) == shown


def test_uk_time_keeps_the_moment_and_names_the_uk_zone() -> None:
    summer = uk_time(datetime(2024, 7, 1, 23, 15))
    assert (summer.day, summer.hour, summer.tzname()) == (2, 0, "BST")
    assert summer == datetime(2024, 7, 1, 23, 15, tzinfo=UTC)
    winter = uk_time(datetime(2024, 1, 15, 23, 30, tzinfo=UTC))
    assert (winter.day, winter.hour, winter.tzname()) == (15, 23, "GMT")
