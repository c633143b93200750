"""The national overview in AppTest: figures agree with the services, filters change them, and the
force matrix carries what the drill-down needs."""

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from tracker.services import progress

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
AS_OF = date(2026, 11, 23)


def run_overview(**state: Any) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["as_of"] = AS_OF
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def figure(at: AppTest, index: int) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(at.get("plotly_chart")[index].proto.spec)
    return spec


def test_overview_figures_match_the_services_for_the_same_date(demo_engine: Engine) -> None:
    at = run_overview()
    rows = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    summary = progress.national_rollup(rows)

    assert at.title[0].value == "National overview"
    assert int(metric(at, "Overdue")) == len(progress.overdue_rows(rows))
    assert int(metric(at, "Assignments").replace(",", "")) == len(rows)
    assert int(metric(at, "Stale")) == summary.stale
    assert int(metric(at, "Never reported")) == summary.never_reported
    assert metric(at, "Implemented") == f"{summary.percent_implemented:.0f}%"
    assert int(metric(at, "Recommendations")) == 17
    # The sidebar names the report and the date every figure answers for.
    assert any("23 November 2026" in m.value for m in at.sidebar.markdown)


def test_choosing_a_region_narrows_every_figure(demo_engine: Engine) -> None:
    at = run_overview(filter_regions=["wales"])
    wales = progress.status_rows(
        engine=demo_engine,
        as_of=AS_OF,
        filters=progress.Filters(region_ids=frozenset({"wales"})),
    )
    everywhere = progress.status_rows(engine=demo_engine, as_of=AS_OF)

    assert int(metric(at, "Assignments")) == len(wales) < len(everywhere)
    assert int(metric(at, "Overdue")) == len(progress.overdue_rows(wales))
    regions = at.dataframe[0].value
    assert list(regions["Region"]) == ["Wales"]
    matrix_forces = {y for trace in figure(at, 1)["data"][1:] for y in trace["y"]}
    # Regions follow ROCU membership: North Wales Police sits in the North West.
    assert matrix_forces == {r.organisation for r in wales if r.organisation_kind == "force"}
    assert matrix_forces == {"Dyfed-Powys Police", "Gwent Police", "South Wales Police"}


def test_matrix_cells_carry_letter_hover_and_the_link_to_the_evidence(
    demo_engine: Engine,
) -> None:
    at = run_overview()
    rows = [
        r
        for r in progress.status_rows(engine=demo_engine, as_of=AS_OF)
        if r.owner == "chief_constables" and r.organisation_kind == "force"
    ]
    heatmap, *cells = figure(at, 1)["data"]
    assert heatmap["type"] == "heatmap"
    assert len(heatmap["y"]) == 43

    points = {
        tuple(custom): (letter, hover)
        for trace in cells
        for custom, letter, hover in zip(
            trace["customdata"], trace["text"], trace["hovertext"], strict=True
        )
    }
    assert len(points) == len(rows) == 43 * len(heatmap["x"])
    kent_r6 = next(r for r in rows if r.organisation_id == "kent" and r.recommendation == "R6")
    letter, hover = points[("kent", "R6")]
    assert letter == {"red": "R", "amber": "A", "green": "G", "complete": "B"}.get(kent_r6.rag, "–")
    assert "Kent Police" in hover and "Status:" in hover and "Deadline: 5 April 2023" in hover
    assert "Last update:" in hover
    assert "Wording to be confirmed against the published report" in hover


def test_trend_runs_from_publication_to_the_as_of_date(demo_engine: Engine) -> None:
    at = run_overview()
    implemented, overdue = figure(at, 2)["data"][0], figure(at, 3)["data"][0]
    assert implemented["x"][0] == "2023-04-30"
    assert implemented["x"][-1] == overdue["x"][-1] == AS_OF.isoformat()
    rows = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    assert overdue["y"][-1] == len(progress.overdue_rows(rows))
