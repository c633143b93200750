"""The force page in AppTest: the chosen force's assignments, the link the matrix drill-down
follows (?org=…&rec=…) and the region view."""

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.session import signed_in

from tracker.rules import RAG_LABELS, RAG_ORDER, Rag
from tracker.services import progress

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
FORCE_PAGE = "../pages/force.py"  # relative to tracker/app.py
AS_OF = date(2026, 11, 23)


def open_force_page(query: dict[str, str] | None = None, **state: Any) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.session_state["as_of"] = AS_OF
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(FORCE_PAGE)
    if query:
        at.query_params = dict(query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_force_page_lists_the_chosen_forces_assignments(demo_engine: Engine) -> None:
    at = open_force_page(force_org="north_wales")
    rows = progress.status_rows(
        engine=demo_engine,
        as_of=AS_OF,
        filters=progress.Filters(organisation_ids=frozenset({"north_wales"})),
    )

    assert at.title[0].value == "North Wales Police"
    assignments = at.dataframe[0].value
    assert len(assignments) == len(rows) == 9
    assert [f"R{n}" for n in assignments["No."]] == [r.recommendation for r in rows]
    assert list(assignments["RAG"]) == [Rag(r.rag).label for r in rows]
    assert int(next(m.value for m in at.metric if m.label == "Overdue")) == sum(
        r.overdue for r in rows
    )
    # Found by its column: the page has other tables (target dates) between the two.
    comparison = next(d.value for d in at.dataframe if "Compared with" in d.value.columns)
    assert comparison["Compared with"].iloc[0] == "North Wales Police"
    assert comparison["Compared with"].iloc[1].startswith("North West")
    assert comparison["Compared with"].iloc[2].startswith("England and Wales: all 43")
    # Beside each roll-up, how many assignments are in each rating.
    own = progress.national_rollup(rows)
    assert [comparison[RAG_LABELS[rag]].iloc[0] for rag in RAG_ORDER] == [
        own.counts.get(rag, 0) for rag in RAG_ORDER
    ]


def test_drilldown_link_opens_the_force_on_that_recommendations_history(
    demo_engine: Engine,
) -> None:
    # The matrix's "Open evidence history" button switches here with these query parameters.
    at = open_force_page(query={"org": "kent", "rec": "R6"}, force_view="region")
    history = progress.update_history(
        engine=demo_engine, organisation_ids=["kent"], recommendation="R6"
    )

    assert at.title[0].value == "Kent Police"
    assert at.selectbox(key="force_org").value == "kent"
    assert at.selectbox(key="force_rec").value == "R6"
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings == [f"#### R6 Meet recommended response timescales ⚠ · {len(history)} updates"]
    newest = history[0]
    assert any(
        m.value.startswith(f"**{newest.evidence_date.day} {newest.evidence_date:%B %Y}**")
        for m in at.markdown
    )


def test_a_later_choice_in_the_page_wins_over_the_link(demo_engine: Engine) -> None:
    at = open_force_page(query={"org": "kent"})
    at.selectbox(key="force_org").set_value("surrey").run()
    assert not at.exception
    assert at.title[0].value == "Surrey Police"
    assert at.query_params["org"] == "surrey"


def test_region_view_shows_every_organisation_in_the_region(demo_engine: Engine) -> None:
    at = open_force_page(force_view="region", force_region="wales")
    rows = progress.status_rows(
        engine=demo_engine,
        as_of=AS_OF,
        filters=progress.Filters(region_ids=frozenset({"wales"})),
    )
    assert at.title[0].value == "Wales"
    organisations = at.dataframe[0].value
    assert set(organisations["Organisation"]) == {r.organisation for r in rows}
    assert int(organisations["Assignments"].sum()) == len(rows)
    by_organisation = progress.rollup_by(rows, key=lambda r: r.organisation)
    for _, line in organisations.iterrows():
        counts = by_organisation[line["Organisation"]].counts
        assert [line[RAG_LABELS[rag]] for rag in RAG_ORDER] == [
            counts.get(rag, 0) for rag in RAG_ORDER
        ]
