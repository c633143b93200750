"""The recommendation and "About the data" pages in AppTest."""

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.session import signed_in

from tracker.catalogue import UNVERIFIED_MARKER
from tracker.rules import rules_text
from tracker.services import progress

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
AS_OF = date(2026, 11, 23)


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.session_state["as_of"] = AS_OF
    at.run()
    at.switch_page(f"../pages/{page}.py")
    if query:
        at.query_params = dict(query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_recommendation_page_shows_it_in_full_with_its_organisations(
    demo_engine: Engine,
) -> None:
    at = open_page("recommendation", {"rec": "R6"})
    rows = progress.status_rows(
        engine=demo_engine,
        as_of=AS_OF,
        filters=progress.Filters(recommendations=frozenset({"R6"})),
    )

    assert at.title[0].value == "R6 Meet recommended response timescales"
    assert any(UNVERIFIED_MARKER in w.value for w in at.warning)
    details = " ".join(m.value for m in at.markdown)
    assert "**Owner group**  \nChief constables" in details
    assert "**Deadline**  \n5 April 2023" in details
    assert "All police forces in England and Wales" in details
    citation = " ".join(c.value for c in at.caption)
    assert "Recommendation 6 of His Majesty's Inspectorate of Constabulary" in citation
    assert "published 5 April 2023" in citation
    organisations = at.dataframe[0].value
    assert len(organisations) == len(rows) == 43
    assert organisations["Latest evidence"].str.len().gt(0).sum() == sum(
        not r.never_reported for r in rows
    )
    peers = at.dataframe[1].value
    implemented = [r for r in rows if r.status == "implemented"]
    assert set(peers["Force"]) == {r.organisation for r in implemented}
    assert peers["Evidence"].str.len().gt(0).all()


def test_about_page_gives_the_rules_from_the_readmes_source_and_the_provenance(
    demo_engine: Engine,
) -> None:
    at = open_page("about")
    text = " ".join(m.value for m in at.markdown)

    assert rules_text(progress.thresholds()).strip() in [m.value.strip() for m in at.markdown]
    assert "5 April 2023" in text and "tracker init" in text
    provenance = at.dataframe[0].value
    assert list(provenance["Recommendation"]) == [f"R{n}" for n in range(1, 18)]
    assert set(provenance["Wording confirmed"]) == {"Yes", "No"}


def test_peer_learning_comes_from_the_services_list_of_implemented_forces(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = progress.status_rows(
        engine=demo_engine,
        as_of=AS_OF,
        filters=progress.Filters(recommendations=frozenset({"R6"})),
    )
    forces = progress.implemented_by(rows)
    assert forces and all(r.organisation_kind == "force" for r in forces)
    assert {r.organisation_id for r in forces} == {
        r.organisation_id for r in rows if r.status == "implemented"
    }
    everything = progress.status_rows(engine=demo_engine, as_of=AS_OF)
    bodies = progress.implemented_by(everything, kind="local_policing_body")
    assert {r.organisation_kind for r in bodies} <= {"local_policing_body"}
    assert all(r.status == "implemented" for r in bodies)

    # The page asks the service which forces to list, rather than deciding itself.
    asked: list[str] = []
    real = progress.implemented_by

    def first_only(
        found: Iterable[progress.StatusRow], kind: str = "force"
    ) -> list[progress.StatusRow]:
        asked.append(kind)
        return real(found, kind)[:1]

    monkeypatch.setattr(progress, "implemented_by", first_only)
    at = open_page("recommendation", {"rec": "R6"})
    assert asked == ["force"]
    assert list(at.dataframe[1].value["Force"]) == [forces[0].organisation]
