"""Where each recommendation's facts come from: the catalogue's `sources:` load, are stored on
both databases, and no note claims more than the sources confirm."""

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.session import signed_in

from tracker.catalogue import DEFAULT_CATALOGUE_FILE, CatalogueError, load_catalogue
from tracker.services import progress

SURREY = "https://surrey-pcc.gov.uk/statutory-response/"
WEST_MERCIA = "https://www.westmercia-pcc.gov.uk/"


def _catalogue_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_CATALOGUE_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "recommendations.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_every_recommendation_cites_at_least_the_report_with_the_date_it_was_read() -> None:
    catalogue = load_catalogue()
    for rec in catalogue.recommendations:
        assert rec.sources, rec.id
        assert any("justiceinspectorates.gov.uk" in s.url for s in rec.sources), rec.id
        for source in rec.sources:
            assert source.read is None or date(2023, 4, 5) <= source.read <= date.today()


def test_r1_names_chief_constables_and_rocu_chief_officers_as_partners_of_the_npcc_lead() -> None:
    r1 = load_catalogue().get("R1")
    assert r1.addressees == ("npcc",)
    assert "chief constables" in r1.summary
    assert "regional organised crime units" in r1.summary
    surrey = next(s for s in r1.sources if s.url.startswith(SURREY))
    assert "chief constables" in surrey.confirms and "ROCUs" in surrey.confirms


def test_r2_confirms_only_its_number_and_a_31_october_deadline() -> None:
    r2 = load_catalogue().get("R2")
    assert not r2.verified
    assert r2.notes is not None
    assert "Confirmed: its number and a 31 October deadline" in r2.notes
    assert "College of Policing as an addressee of this recommendation: that is not confirmed" in (
        " ".join(r2.notes.split())
    )


def test_the_west_mercia_conflict_is_recorded_on_both_pcc_recommendations() -> None:
    catalogue = load_catalogue()
    for code in ("R3", "R11"):
        rec = catalogue.get(code)
        west_mercia = [s for s in rec.sources if s.url.startswith(WEST_MERCIA)]
        assert len(west_mercia) == 2, code
        said = " ".join(s.confirms for s in west_mercia)
        assert "2 of those" in said and "three" in said and "conflicts" in said
        assert rec.notes is not None and "conflict" in rec.notes


# Claims nothing read supports: the College, the NCA or a department as the addressee of a
# particular recommendation, and any 31 March 2024 deadline.
_UNSUPPORTED = re.compile(
    r"College of Policing|NCA|Home Office|Department|department|31 March 2024|2024-03-31"
)


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.;:])\s+", " ".join(text.split()))


def test_no_note_says_confirmed_of_what_no_source_confirms() -> None:
    for rec in load_catalogue().recommendations:
        for sentence in _sentences(rec.notes or ""):
            if not _UNSUPPORTED.search(sentence):
                continue
            plain = re.sub(r"not confirmed|to be confirmed|Nothing more is confirmed", "", sentence)
            assert "confirmed" not in plain, (rec.id, sentence)


def test_a_source_that_is_not_a_web_address_is_refused_naming_the_entry(tmp_path: Path) -> None:
    path = _catalogue_with(
        tmp_path,
        '      - url: "https://surrey-pcc.gov.uk/',
        '      - url: "javascript:alert(1)"\n        confirms: x\n        read: not read\n'
        '      - url: "https://surrey-pcc.gov.uk/',
    )
    with pytest.raises(CatalogueError, match=r"entry R1.*sources"):
        load_catalogue(path)


def test_a_source_not_yet_read_says_so(tmp_path: Path) -> None:
    path = _catalogue_with(tmp_path, "        read: 2026-11-23\n", "        read: not read\n")
    first = load_catalogue(path).get("R1").sources[0]
    assert first.read is None and first.read_text == "not read"


def test_an_impossible_read_date_is_refused(tmp_path: Path) -> None:
    path = _catalogue_with(tmp_path, "        read: 2026-11-23\n", "        read: 2026-02-30\n")
    with pytest.raises(CatalogueError, match=r"entry R1.*read"):
        load_catalogue(path)


def test_the_catalogue_load_stores_the_sources(loaded_engine: Engine) -> None:
    stored = {r.code: r for r in progress.recommendations(engine=loaded_engine)}
    expected = {r.id: r.sources for r in load_catalogue().recommendations}
    assert {code: info.sources for code, info in stored.items()} == expected
    assert any(s.url.startswith(SURREY) for s in stored["R1"].sources)


APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"


def _page(path: str, **query: str) -> Any:
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.switch_page(path)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_recommendation_page_lists_its_sources_as_text_and_links(
    loaded_engine: Engine,
) -> None:
    at = _page("../pages/recommendation.py", rec="R1")
    shown = [t.value for t in at.text]
    assert any(
        s.startswith("Surrey PCC's statutory response quotes recommendation 1") for s in shown
    )
    assert any("(read 23 November 2026)" in s for s in shown)
    links = [m.value for m in at.markdown]
    assert f"<{load_catalogue().get('R1').sources[1].url}>" in links


def test_the_about_page_tables_every_source(loaded_engine: Engine) -> None:
    at = _page("../pages/about.py")
    table = next(d.value for d in at.dataframe if "What it confirms" in d.value.columns)
    expected = sum(len(r.sources) for r in load_catalogue().recommendations)
    assert len(table) == expected
    west_mercia = table[table["Source"].str.startswith(WEST_MERCIA)]
    assert set(west_mercia["Recommendation"]) == {"R3", "R11"}
