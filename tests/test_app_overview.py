"""The national overview in AppTest: figures agree with the services, filters change them, and the
force matrix carries what the drill-down needs."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.session import signed_in

from tracker.catalogue import ORGANISATIONS_FILE, load_directory
from tracker.rules import RAG_LABELS, RAG_ORDER
from tracker.services import progress, setup

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
AS_OF = date(2026, 11, 23)


def run_overview(**state: Any) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
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
    matrix_forces = {y for trace in figure(at, 2)["data"][1:] for y in trace["y"]}
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
    heatmap, *cells = figure(at, 2)["data"]
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
    assert letter == {
        "red": "R",
        "amber": "A",
        "no_report": "N",
        "green": "G",
        "complete": "B",
    }.get(kent_r6.rag, "–")
    assert "Kent Police" in hover and "Status:" in hover and "Deadline: 5 April 2023" in hover
    assert "Last update:" in hover
    assert "Wording to be confirmed against the published report" in hover


def test_trend_runs_from_publication_to_the_as_of_date(demo_engine: Engine) -> None:
    at = run_overview()
    implemented, overdue = figure(at, 3)["data"][0], figure(at, 4)["data"][0]
    assert implemented["x"][0] == "2023-04-30"
    assert implemented["x"][-1] == overdue["x"][-1] == AS_OF.isoformat()
    rows = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    assert overdue["y"][-1] == len(progress.overdue_rows(rows))


def test_region_table_counts_each_rating_beside_the_roll_up(demo_engine: Engine) -> None:
    at = run_overview()
    rows = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    rollups = progress.rollup_by(rows, key=lambda r: r.region)
    regions = at.dataframe[0].value.set_index("Region")

    assert set(regions.index) == set(rollups)
    for name, rollup in rollups.items():
        for rag in RAG_ORDER:
            # Headed with the rating's words, so the numbers do not rely on colour.
            assert regions.loc[name, RAG_LABELS[rag]] == rollup.counts.get(rag, 0), (name, rag)
        assert regions.loc[name, [RAG_LABELS[r] for r in RAG_ORDER]].sum() == rollup.assignments


def test_regions_renamed_by_tracker_init_show_without_a_restart(
    demo_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_overview()
    assert "Wales" in set(at.dataframe[0].value["Region"])

    # Someone corrects the organisations file and runs `tracker init`; the dashboard stays up.
    text = ORGANISATIONS_FILE.read_text(encoding="utf-8")
    edited = tmp_path / "organisations.yaml"
    edited.write_text(
        text.replace("{id: wales, name: Wales}", "{id: wales, name: Southern Wales}").replace(
            'name: "National Police Chiefs\' Council"', "name: National Police Chiefs Council"
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(setup, "load_directory", lambda *_: load_directory(edited))
    setup.initialise(engine=demo_engine)
    at.run()
    assert not at.exception, [e.message for e in at.exception]

    regions = at.dataframe[0].value
    assert "Southern Wales" in set(regions["Region"]) and "Wales" not in set(regions["Region"])
    # In the file's order, not moved to the end.
    assert list(regions["Region"])[-2:] == ["London", "Southern Wales"]
    rows = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    assert int(regions["Assignments"].sum()) == sum(r.region_id is not None for r in rows)
    assert "Southern Wales" in at.multiselect(key="filter_regions").options
    # Names only the file holds (a recommendation's addressees) are read again too.
    at.switch_page("../pages/recommendation.py")
    at.query_params = {"rec": "R1"}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Addressed to**  \nNational Police Chiefs Council" in m.value for m in at.markdown)
