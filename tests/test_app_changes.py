"""The "Changes since" page in AppTest: the same movements as the service, the last meeting as
the default comparison, and the meeting form for monitors only."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.factories import KENT_EDITOR, MONITOR, VIEWER, count_rows
from utils.history import board_history, rounds_history
from utils.session import signed_in
from utils.titles import record_tab_titles

from tracker.roles import Actor
from tracker.services import changes, meetings, rounds
from tracker.ui.errors import error_title

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
AS_OF = date(2024, 4, 30)
SINCE = date(2024, 1, 31)


def open_changes_page(actor: Actor = MONITOR, **state: object) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), actor)
    at.session_state["as_of"] = AS_OF
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("../pages/changes.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label).replace(",", ""))


def test_the_page_shows_the_services_movements_since_the_last_meeting(
    loaded_engine: Engine,
) -> None:
    board_history(loaded_engine)
    meetings.add_meeting(
        engine=loaded_engine, actor=MONITOR, held_on=SINCE, board="National board", today=SINCE
    )
    at = open_changes_page()
    expected = changes.changes_between(engine=loaded_engine, since=SINCE, as_of=AS_OF)
    assert at.date_input(key="changes_since").value == SINCE
    assert any("National board on 31 January 2024" in t.value for t in at.text)
    assert metric(at, "Assignments moved") == len(expected.movements) > 0
    assert metric(at, "Updates recorded") == len(expected.updates) == 6
    assert metric(at, "Silent organisations") == len(expected.silent)
    moved = at.dataframe[0].value
    kent_r4 = moved[(moved["Organisation"] == "Kent Police") & (moved["No."] == 4)]
    assert list(kent_r4["Change"]) == ["Newly implemented; Claim accepted; No longer overdue"]
    assert list(kent_r4["RAG then"]) == ["Red – overdue"]
    updates = at.dataframe[1].value
    assert list(updates["Back-dated"]).count("Back-dated") == 1


def test_a_region_filter_narrows_every_table(loaded_engine: Engine) -> None:
    board_history(loaded_engine)
    at = open_changes_page(filter_regions=["south_east"], changes_since=SINCE)
    moved = at.dataframe[0].value
    assert set(moved["Region"]) == {"South East"}
    assert "Kent Police" in set(moved["Organisation"])
    silent = at.dataframe[2].value
    assert set(silent["Region"]) == {"South East"}
    assert "Kent Police" not in set(silent["Organisation"])


def test_a_monitor_records_a_meeting_on_the_page(loaded_engine: Engine) -> None:
    at = open_changes_page()
    at.date_input(key="meeting_date").set_value(date(2024, 3, 14))
    at.text_input(key="meeting_board").input("Board <b>:red[x]</b>")
    at.button[0].click().run()  # the form's one button
    assert not at.exception
    (meeting,) = meetings.list_meetings(engine=loaded_engine)
    assert (meeting.held_on, meeting.board) == (date(2024, 3, 14), "Board <b>:red[x]</b>")
    assert any("Recorded" in s.value for s in at.success)
    # The typed name is shown as text: escaped in the message, never rendered.
    assert all("<b>" not in s.value or "\\<b\\>" in s.value for s in at.success)
    # The new meeting is now the default comparison.
    assert at.date_input(key="changes_since").value == date(2024, 3, 14)


def test_a_refused_meeting_says_why_and_stores_nothing(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_changes_page()
    titles = record_tab_titles(monkeypatch)
    at.date_input(key="meeting_date").set_value(date(2024, 3, 14))
    at.text_input(key="meeting_board").input("   ")
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    errors = [e.value for e in at.error]
    # The summary at the top links to the board field; the message is also beside the field.
    summary = next(e for e in errors if "There is a problem" in e)
    assert "Board name" in summary and "(#field-meeting_board)" in summary
    assert any("Board name" in e and "There is a problem" not in e for e in errors)
    assert titles[-1] == error_title("Changes since")
    assert count_rows(loaded_engine, "meeting") == 0
    assert at.date_input(key="meeting_date").value == date(2024, 3, 14)  # kept


def test_a_repeated_meeting_is_marked_on_the_board_and_quotes_the_name_as_text(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    meetings.add_meeting(
        engine=loaded_engine, actor=MONITOR, held_on=date(2024, 3, 14), board="Board *one*"
    )
    at = open_changes_page()
    titles = record_tab_titles(monkeypatch)
    at.date_input(key="meeting_date").set_value(date(2024, 3, 14))
    at.text_input(key="meeting_board").input("Board *one*")
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    summary = next(e.value for e in at.error if "There is a problem" in e.value)
    # A repeat is the board's problem; the typed name is escaped, never rendered.
    assert "(#field-meeting_board)" in summary and "Board \\*one\\*" in summary
    assert titles[-1] == error_title("Changes since")
    assert count_rows(loaded_engine, "meeting") == 1
    assert at.text_input(key="meeting_board").value == "Board *one*"


def test_a_meeting_too_far_ahead_is_marked_on_the_date(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_changes_page()
    titles = record_tab_titles(monkeypatch)
    at.date_input(key="meeting_date").set_value(date.today() + timedelta(days=400))
    at.text_input(key="meeting_board").input("National board")
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    summary = next(e.value for e in at.error if "There is a problem" in e.value)
    assert "Meeting date" in summary and "(#field-meeting_date)" in summary
    assert titles[-1] == error_title("Changes since")
    assert count_rows(loaded_engine, "meeting") == 0
    assert at.text_input(key="meeting_board").value == "National board"


def test_the_tab_title_is_plain_when_the_meeting_is_recorded(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_changes_page()
    titles = record_tab_titles(monkeypatch)
    at.text_input(key="meeting_board").input("National board")
    at.button[0].click().run()
    assert not any("There is a problem" in e.value for e in at.error)
    assert not any(t.startswith("Error: ") for t in titles)


def test_viewers_and_editors_read_the_page_but_get_no_meeting_form(loaded_engine: Engine) -> None:
    for actor in (VIEWER, KENT_EDITOR):
        at = open_changes_page(actor)
        assert [t.value for t in at.title] == ["Changes since"]
        assert not at.get("form")
        assert len(at.text_input) == 0


def test_the_page_names_the_rounds_in_the_period_as_the_service_does(
    loaded_engine: Engine,
) -> None:
    rounds_history(loaded_engine)
    at = open_changes_page(changes_since=SINCE)
    expected = [
        r.describe()
        for r in rounds.rounds_in_period(engine=loaded_engine, since=SINCE, as_of=AS_OF)
    ]
    assert [e.split(" (")[0] for e in expected] == ["Spring 2024 return", "Summer 2024 return"]
    shown = [t.value for t in at.text]
    assert [t for t in shown if "return (opened" in t] == expected
    assert any("Return rounds in this period" in m.value for m in at.markdown)

    # Narrowed to Kent, the counts are Kent's own.
    kent = open_changes_page(changes_since=SINCE, filter_organisations=["kent"])
    assert any(
        t.startswith("Spring 2024 return") and "1 of 1 organisation returned" in t
        for t in (x.value for x in kent.text)
    )


def test_the_page_says_when_no_round_was_open(loaded_engine: Engine) -> None:
    board_history(loaded_engine)
    at = open_changes_page(changes_since=SINCE)
    assert any("No return round was open between these dates." in c.value for c in at.caption)


# --- Slippage and back-dated updates on the recommendation and force pages --------------------


def open_page(page: str, query: dict[str, str], **state: object) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.session_state["as_of"] = AS_OF
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(f"../pages/{page}.py")
    at.query_params = dict(query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_recommendation_page_shows_slipped_dates_and_that_they_keep_moving(
    loaded_engine: Engine,
) -> None:
    board_history(loaded_engine)
    at = open_page("recommendation", {"rec": "R10"})
    words = [m.value for m in at.markdown]
    # Kent: deadline 31 October 2023, now 30 September 2024 after two revisions: 335 days.
    assert any(
        "1 organisation of 43 revised the target date (2 revisions in all); the furthest is "
        "335 days after the deadline, the median 335 days" in w
        for w in words
    )
    assert any("Dates keep moving: 1 organisation" in w.value for w in at.warning)
    table = next(d.value for d in at.dataframe if "Days slipped" in d.value.columns)
    assert list(table["Organisation"]) == ["Kent Police"]
    assert list(table["Revisions"]) == [2]
    assert list(table["Latest reason"]) == ["Trainers not available until the summer"]


def test_force_page_lists_every_revision_and_marks_back_dated_evidence(
    loaded_engine: Engine,
) -> None:
    board_history(loaded_engine)
    at = open_page("force", {"org": "kent"})
    revisions = next(d.value for d in at.dataframe if "Given on" in d.value.columns)
    assert [(r["No."], r["From"], r["To"]) for _, r in revisions.iterrows()] == [
        (10, date(2024, 6, 30), date(2024, 9, 30)),
        (10, date(2023, 10, 31), date(2024, 6, 30)),
    ]
    # R14's update for 15 January was recorded on 20 February: 36 days late.
    assert any(
        "Back-dated: recorded 36 days after the date its evidence speaks for" in c.value
        for c in at.caption
    )
