"""The board summary on the national overview (AppTest): its figures are the service's for the
same view, the filter is stated in the heading, and the address carries the whole view."""

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.session import signed_in

from tracker import moments
from tracker.services import board, progress
from tracker.services.board import BoardView

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
AS_OF = date(2025, 3, 31)
SINCE = date(2024, 12, 31)


def run(query: dict[str, str] | None = None, **state: Any) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=90))
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> Any:
    return next(m for m in at.metric if m.label == label)


def summary_for(engine: Engine, view: BoardView) -> board.BoardSummary:
    return board.summary_from(progress.load_snapshot(engine=engine), view)


def test_summary_figures_equal_the_services_for_the_view_in_the_address(
    demo_engine: Engine,
) -> None:
    at = run({"as_of": AS_OF.isoformat(), "since": SINCE.isoformat()})
    expected = summary_for(demo_engine, BoardView(AS_OF, SINCE))

    assert at.title[0].value == "National overview"
    implemented = metric(at, "Recommendations implemented")
    assert implemented.value == f"{expected.recommendations_implemented} of 17"
    overdue = metric(at, "Assignments overdue")
    assert overdue.value == f"{expected.overdue:,} of {expected.due:,}"
    assert expected.overdue_change != 0
    assert overdue.delta == f"{expected.overdue_change:+,} since 31 December 2024"
    assert expected.last_return is not None
    assert metric(at, "Last return").value == (
        f"{expected.last_return.recorded_at.astimezone(moments.UK_TIME).day} "
        f"{expected.last_return.recorded_at.astimezone(moments.UK_TIME):%B %Y}"
    )
    # The page says which dates and which rule the figures follow.
    caption = at.caption[0].value
    assert "31 March 2025" in caption and "31 December 2024" in caption
    assert "Rule in force" in caption


def test_the_forces_ranked_link_to_their_force_pages(demo_engine: Engine) -> None:
    at = run({"as_of": AS_OF.isoformat(), "since": SINCE.isoformat()})
    expected = summary_for(demo_engine, BoardView(AS_OF, SINCE))
    ranking = at.markdown
    text = next(m.value for m in ranking if m.value.startswith("**Most overdue**"))
    worst = expected.most_overdue[0]
    assert f"({'./force?org=' + worst.organisation_id}): {worst.overdue} overdue" in text
    silent = next(m.value for m in ranking if m.value.startswith("**Longest silent**"))
    quietest = expected.longest_silent[0]
    assert f"./force?org={quietest.organisation_id}): {quietest.days_silent:,} days" in silent


def test_a_filter_is_stated_in_the_heading_and_kept_in_the_address(demo_engine: Engine) -> None:
    at = run({"as_of": AS_OF.isoformat(), "since": SINCE.isoformat(), "regions": "south_east"})
    assert at.title[0].value == "Overview: South East — filtered"
    assert at.multiselect(key="filter_regions").value == ["south_east"]
    expected = summary_for(
        demo_engine,
        BoardView(AS_OF, SINCE, filters=progress.Filters(region_ids=frozenset({"south_east"}))),
    )
    assert metric(at, "Assignments overdue").value == f"{expected.overdue:,} of {expected.due:,}"
    assert at.query_params["regions"] == "south_east"
    assert at.query_params["as_of"] == AS_OF.isoformat()
    assert at.query_params["since"] == SINCE.isoformat()


def test_choosing_in_the_sidebar_writes_the_view_into_the_address(demo_engine: Engine) -> None:
    at = run({"as_of": AS_OF.isoformat(), "since": SINCE.isoformat()})
    at.multiselect(key="filter_owners").set_value(["chief_constables"]).run()
    at.date_input(key="known_on").set_value(date(2025, 1, 15)).run()
    assert not at.exception
    assert at.query_params["owners"] == "chief_constables"
    assert at.query_params["known_on"] == "2025-01-15"
    assert at.title[0].value == "Overview: Chief constables — filtered"


def test_known_on_in_the_address_reads_the_record_as_it_stood_then(demo_engine: Engine) -> None:
    known = date(2024, 6, 30)
    at = run(
        {"as_of": AS_OF.isoformat(), "since": SINCE.isoformat(), "known_on": known.isoformat()}
    )
    then = summary_for(demo_engine, BoardView(AS_OF, SINCE, moments.end_of_uk_day(known)))
    now = summary_for(demo_engine, BoardView(AS_OF, SINCE))
    assert then.overdue != now.overdue  # the demonstration data has returns recorded since
    assert metric(at, "Assignments overdue").value == f"{then.overdue:,} of {then.due:,}"
    assert "as known on end of 30 June 2024" in at.caption[0].value


def test_the_board_pack_buttons_name_the_view_date(demo_engine: Engine) -> None:
    at = run({"as_of": AS_OF.isoformat(), "since": SINCE.isoformat()})
    buttons = at.get("download_button")
    labels = {b.proto.label for b in buttons}
    assert {"Board pack (PDF)", "Board pack (Excel)"} <= labels


def test_the_overdue_page_honours_the_known_on_day_too(demo_engine: Engine) -> None:
    known = date(2024, 6, 30)
    at = signed_in(AppTest.from_file(APP, default_timeout=90))
    at.switch_page("../pages/overdue.py")
    at.session_state["as_of"] = AS_OF
    at.session_state["known_on"] = known
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    rows = progress.status_rows(
        engine=demo_engine, as_of=AS_OF, known_on=moments.end_of_uk_day(known)
    )
    everything = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    expected = len(progress.overdue_rows(rows))
    assert expected != len(progress.overdue_rows(everything))
    shown = next(m.value for m in at.metric if m.label == "Overdue assignments")
    assert int(shown.replace(",", "")) == expected
