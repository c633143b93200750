"""The catalogue and organisation files: the real ones load, broken copies fail clearly."""

import re
from collections import Counter
from pathlib import Path

import pytest

from tracker.catalogue import (
    DEFAULT_CATALOGUE_FILE,
    ORGANISATIONS_FILE,
    CatalogueError,
    Directory,
    OrganisationKind,
    Owner,
    UnknownOrganisationError,
    load_catalogue,
    load_directory,
    normalise_recommendation_id,
)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


# --- The real files -------------------------------------------------------------------------


def test_real_catalogue_has_17_recommendations_in_order(directory: Directory) -> None:
    catalogue = load_catalogue(DEFAULT_CATALOGUE_FILE, directory)
    assert [r.id for r in catalogue.recommendations] == [f"R{n}" for n in range(1, 18)]
    assert catalogue.report.published.isoformat() == "2023-04-05"


def test_real_catalogue_has_9_chief_constable_recommendations(directory: Directory) -> None:
    catalogue = load_catalogue(DEFAULT_CATALOGUE_FILE, directory)
    owners = Counter(r.owner for r in catalogue.recommendations)
    assert owners[Owner.CHIEF_CONSTABLES] == 9


def test_every_chief_constable_recommendation_is_owed_by_all_43_forces(
    directory: Directory,
) -> None:
    catalogue = load_catalogue(DEFAULT_CATALOGUE_FILE, directory)
    force_ids = {o.id for o in directory.forces}
    for rec in catalogue.recommendations:
        if rec.owner == Owner.CHIEF_CONSTABLES:
            assert force_ids <= set(rec.accountable), rec.id


def test_real_catalogue_gives_487_assignments(directory: Directory) -> None:
    catalogue = load_catalogue(DEFAULT_CATALOGUE_FILE, directory)
    assert sum(len(r.accountable) for r in catalogue.recommendations) == 487


def test_catalogue_lists_each_accountable_organisation_once(directory: Directory) -> None:
    catalogue = load_catalogue(DEFAULT_CATALOGUE_FILE, directory)
    for rec in catalogue.recommendations:
        assert len(rec.accountable) == len(set(rec.accountable)), rec.id


def test_there_are_43_forces_in_10_regions(directory: Directory) -> None:
    forces = directory.forces
    assert len(forces) == 43
    assert len(directory.regions) == 10
    assert {f.region_id for f in forces} == {r.id for r in directory.regions}
    assert Counter(f.country for f in forces) == {"England": 39, "Wales": 4}


def test_each_force_has_its_own_local_policing_body(directory: Directory) -> None:
    bodies = directory.of_kind(OrganisationKind.LOCAL_POLICING_BODY)
    assert sorted(b.force_id or "" for b in bodies) == sorted(f.id for f in directory.forces)


# --- Name matching --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "org_id"),
    [
        ("Kent", "kent"),
        ("kent police", "kent"),
        ("KENT", "kent"),
        ("GMP", "greater_manchester"),
        ("gmp", "greater_manchester"),
        ("the Met", "metropolitan"),
        ("Met", "metropolitan"),
        ("  Metropolitan Police Service ", "metropolitan"),
        ("NPCC", "npcc"),
    ],
)
def test_names_and_aliases_resolve_case_insensitively(
    directory: Directory, typed: str, org_id: str
) -> None:
    assert directory.resolve(typed).id == org_id


def test_unknown_name_raises_with_suggestions(directory: Directory) -> None:
    with pytest.raises(UnknownOrganisationError) as info:
        directory.resolve("Kentt")
    assert "Kent Police" in info.value.suggestions
    assert "Did you mean: Kent Police" in str(info.value)


def test_unknown_name_with_nothing_close_still_raises(directory: Directory) -> None:
    with pytest.raises(UnknownOrganisationError) as info:
        directory.resolve("Zzzzzz Qqqq")
    assert "Zzzzzz Qqqq" in str(info.value)


@pytest.mark.parametrize("typed", ["R5", "r5", "5", " 5 ", "R05"])
def test_recommendation_may_be_given_with_or_without_r(typed: str) -> None:
    assert normalise_recommendation_id(typed) == "R5"


def test_recommendation_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(LookupError, match="not a recommendation number"):
        normalise_recommendation_id("five")


# --- Broken copies --------------------------------------------------------------------------

CATALOGUE_TEXT = DEFAULT_CATALOGUE_FILE.read_text(encoding="utf-8")


def _entry_span(text: str, rec_id: str) -> tuple[int, int]:
    start = text.index(f"  - id: {rec_id}\n")
    following = re.search(r"\n  - id: R\d+\n", text[start + 1 :])
    end = start + 1 + following.start() + 1 if following else len(text)
    return start, end


def broken_catalogue(tmp_path: Path, rec_id: str, old: str, new: str) -> Path:
    """A copy of the real catalogue with one line of one entry changed."""
    start, end = _entry_span(CATALOGUE_TEXT, rec_id)
    entry = CATALOGUE_TEXT[start:end]
    assert old in entry, f"{old!r} not in {rec_id}"
    text = CATALOGUE_TEXT[:start] + entry.replace(old, new, 1) + CATALOGUE_TEXT[end:]
    path = tmp_path / "recommendations.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_catalogue_yaml_syntax_error_names_the_file_and_line(
    tmp_path: Path, directory: Directory
) -> None:
    path = broken_catalogue(tmp_path, "R4", "    owner: chief_constables\n", "    owner: [oops\n")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, directory)
    message = str(info.value)
    assert str(path) in message
    assert "not valid YAML" in message
    assert re.search(r"line \d+", message)


@pytest.mark.parametrize(
    ("rec_id", "old", "new", "field"),
    [
        ("R1", "owner: policing_bodies", "owner: police", "owner"),
        ("R9", "deadline: 2023-10-31", "deadline: 31/10/2023", "deadline"),
        ("R12", "number: 12", "number: twelve", "number"),
        ("R3", "verified: false", "verified: perhaps", "verified"),
        ("R6", "themes: [", "themes: [Not A Slug, ", "themes"),
        (
            "R17",
            "addressees: [home_office, dsit]",
            "addressees: [home_office, dsitt]",
            "addressees",
        ),
    ],
)
def test_bad_field_names_the_file_the_entry_and_the_field(
    tmp_path: Path, directory: Directory, rec_id: str, old: str, new: str, field: str
) -> None:
    path = broken_catalogue(tmp_path, rec_id, old, new)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, directory)
    message = str(info.value)
    assert str(path) in message
    assert f"entry {rec_id} " in message
    assert f"field '{field}'" in message


def test_missing_summary_names_the_entry_and_the_field(
    tmp_path: Path, directory: Directory
) -> None:
    start, end = _entry_span(CATALOGUE_TEXT, "R7")
    entry = CATALOGUE_TEXT[start:end]
    summary_start = entry.index("    summary:")
    summary_end = entry.index("    owner:")
    text = (
        CATALOGUE_TEXT[:start] + entry[:summary_start] + entry[summary_end:] + CATALOGUE_TEXT[end:]
    )
    path = tmp_path / "recommendations.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, directory)
    message = str(info.value)
    assert str(path) in message
    assert "entry R7 " in message and "field 'summary'" in message


def test_unknown_addressee_suggests_the_nearest_organisation(
    tmp_path: Path, directory: Directory
) -> None:
    path = broken_catalogue(tmp_path, "R9", "addressees: [nca]", "addressees: [ncaa]")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, directory)
    assert "'ncaa'" in str(info.value)
    assert "National Crime Agency" in str(info.value)


def test_unverified_entry_without_notes_is_refused(tmp_path: Path, directory: Directory) -> None:
    start, end = _entry_span(CATALOGUE_TEXT, "R4")
    entry = CATALOGUE_TEXT[start:end]
    notes_at = entry.index("    notes:")
    text = CATALOGUE_TEXT[:start] + entry[:notes_at] + "\n" + CATALOGUE_TEXT[end:]
    path = tmp_path / "recommendations.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"entry R4 .*unverified"):
        load_catalogue(path, directory)


def test_every_problem_in_a_catalogue_is_reported_at_once(
    tmp_path: Path, directory: Directory
) -> None:
    first = broken_catalogue(tmp_path, "R1", "owner: policing_bodies", "owner: police")
    text = first.read_text(encoding="utf-8").replace(
        "    addressees: [nca]\n    deadline: 2023-10-31",
        "    addressees: [nca]\n    deadline: soon",
    )
    first.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(first, directory)
    message = str(info.value)
    assert "entry R1 " in message and "field 'owner'" in message
    assert "entry R9 " in message and "field 'deadline'" in message


def test_missing_catalogue_file_is_a_catalogue_error(tmp_path: Path, directory: Directory) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(CatalogueError, match="file not found"):
        load_catalogue(path, directory)


ORGANISATIONS_TEXT = ORGANISATIONS_FILE.read_text(encoding="utf-8")


def test_organisations_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "organisations.yaml"
    path.write_text(ORGANISATIONS_TEXT.replace("regions:\n", "regions: [\n", 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_directory(path)
    assert str(path) in str(info.value)
    assert "not valid YAML" in str(info.value)


def test_bad_force_field_names_the_file_the_force_and_the_field(tmp_path: Path) -> None:
    old = "  - id: kent\n    name: Kent Police\n    region: south_east\n    country: England\n"
    assert old in ORGANISATIONS_TEXT
    path = tmp_path / "organisations.yaml"
    path.write_text(
        ORGANISATIONS_TEXT.replace(old, old.replace("country: England", "country: Scotland")),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as info:
        load_directory(path)
    message = str(info.value)
    assert str(path) in message
    assert "field 'country'" in message
    assert "kent" in message


def test_force_in_an_unknown_region_is_refused(tmp_path: Path) -> None:
    old = "  - id: kent\n    name: Kent Police\n    region: south_east\n"
    assert old in ORGANISATIONS_TEXT
    path = tmp_path / "organisations.yaml"
    path.write_text(
        ORGANISATIONS_TEXT.replace(old, old.replace("south_east", "south_east_england")),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as info:
        load_directory(path)
    assert str(path) in str(info.value)
    assert "kent" in str(info.value) and "south_east_england" in str(info.value)


def test_alias_used_by_two_organisations_names_the_file_and_both(tmp_path: Path) -> None:
    old = "    aliases: [Surrey]\n"
    assert ORGANISATIONS_TEXT.count(old) == 1
    path = tmp_path / "organisations-edited.yaml"
    path.write_text(
        ORGANISATIONS_TEXT.replace(old, "    aliases: [Surrey, Kent]\n"), encoding="utf-8"
    )
    with pytest.raises(CatalogueError) as info:
        load_directory(path)
    message = str(info.value)
    assert "'kent'" in message and "'surrey'" in message
    assert str(path) in message


def test_recommendation_number_must_be_plain_digits() -> None:
    from tracker.catalogue import normalise_recommendation_id

    assert normalise_recommendation_id(" r7 ") == "R7"
    with pytest.raises(LookupError):
        normalise_recommendation_id("²")
