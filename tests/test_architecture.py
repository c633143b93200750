"""The layering the project relies on: rules pure, services without Streamlit, pages thin."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _starts(names: set[str], prefixes: tuple[str, ...]) -> set[str]:
    return {n for n in names if n.split(".")[0] in prefixes or n in prefixes}


@pytest.mark.parametrize("module", ["rules.py", "evidence.py", "catalogue.py", "palette.py"])
def test_domain_modules_import_neither_streamlit_nor_the_database(module: str) -> None:
    names = imported_modules(ROOT / "tracker" / module)
    assert not _starts(names, ("streamlit", "sqlmodel", "sqlalchemy", "alembic"))


def test_services_store_and_cli_never_import_streamlit() -> None:
    paths = [
        *(ROOT / "tracker" / "services").glob("*.py"),
        ROOT / "tracker" / "store.py",
        ROOT / "tracker" / "db.py",
        ROOT / "tracker" / "cli.py",
    ]
    offenders = {p.name for p in paths if _starts(imported_modules(p), ("streamlit",))}
    assert offenders == set()


def test_pages_reach_the_data_only_through_services() -> None:
    pages = sorted((ROOT / "pages").glob("*.py"))
    assert pages, "the dashboard has pages"
    for page in pages:
        names = imported_modules(page)
        assert not _starts(names, ("sqlmodel", "sqlalchemy")), page.name
        assert "tracker.store" not in names and "tracker.models" not in names, page.name
