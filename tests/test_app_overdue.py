"""The overdue list in AppTest: the same count as the services, filters, flags and downloads."""

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.session import signed_in

from tracker.services import progress

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
AS_OF = date(2026, 11, 23)


def open_overdue_page(**state: Any) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.session_state["as_of"] = AS_OF
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("../pages/overdue.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def count(at: AppTest) -> int:
    return int(
        next(m.value for m in at.metric if m.label == "Overdue assignments").replace(",", "")
    )


def test_overdue_count_equals_the_services_count_for_the_same_date(demo_engine: Engine) -> None:
    at = open_overdue_page()
    expected = progress.overdue_rows(progress.status_rows(engine=demo_engine, as_of=AS_OF))

    assert count(at) == len(expected) > 0
    table = at.dataframe[0].value
    assert len(table) == len(expected)
    # Most overdue first, exactly as the services order them.
    assert list(table["Organisation"]) == [r.organisation for r in expected]
    assert list(table["Days overdue"]) == [r.days_overdue for r in expected]
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Download CSV", "Download Excel (XLSX)"]


def test_filters_and_flags_narrow_the_list(demo_engine: Engine) -> None:
    at = open_overdue_page(filter_regions=["south_east"], filter_owners=["chief_constables"])
    rows = progress.status_rows(
        engine=demo_engine,
        as_of=AS_OF,
        filters=progress.Filters(
            region_ids=frozenset({"south_east"}), owners=frozenset({"chief_constables"})
        ),
    )
    expected = progress.overdue_rows(rows)
    assert count(at) == len(expected)
    # Region is the sidebar's filter, not a column (the list fits a projector without it).
    assert set(at.dataframe[0].value["Organisation"]) == {r.organisation for r in expected}
    assert {r.region for r in expected} == {"South East"}

    at.checkbox(key="overdue_only_stale").check().run()
    assert not at.exception
    assert count(at) == sum(r.stale for r in expected)

    at.checkbox(key="overdue_only_stale").uncheck()
    at.checkbox(key="overdue_only_never_reported").check().run()
    assert count(at) == sum(r.never_reported for r in expected)
