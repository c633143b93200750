"""The layering the project relies on: rules pure, services without Streamlit, pages thin."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, with ``from tracker import store`` counted as tracker.store."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _starts(names: set[str], prefixes: tuple[str, ...]) -> set[str]:
    return {n for n in names if n.split(".")[0] in prefixes or n in prefixes}


@pytest.mark.parametrize(
    "module",
    ["rules.py", "evidence.py", "text.py", "catalogue.py", "palette.py", "roles.py", "audit.py"],
)
def test_domain_modules_import_neither_streamlit_nor_the_database(module: str) -> None:
    names = imported_modules(ROOT / "tracker" / module)
    assert not _starts(names, ("streamlit", "sqlmodel", "sqlalchemy", "alembic"))


def test_services_store_and_cli_never_import_streamlit() -> None:
    paths = [
        *(ROOT / "tracker" / "services").glob("*.py"),
        *(ROOT / "tracker").glob("store*.py"),
        ROOT / "tracker" / "db.py",
        ROOT / "tracker" / "cli.py",
    ]
    offenders = {p.name for p in paths if _starts(imported_modules(p), ("streamlit",))}
    assert offenders == set()


def test_pages_reach_the_data_only_through_the_ui_and_services() -> None:
    pages = sorted((ROOT / "pages").glob("*.py"))
    assert pages, "the dashboard has pages"
    for page in pages:
        ours = {n for n in imported_modules(page) if n.split(".")[0] == "tracker"}
        assert ours, page.name
        strays = {
            n
            for n in ours
            if not n.startswith(("tracker.ui", "tracker.services")) and n != "tracker"
        }
        assert strays == set(), page.name
        assert not _starts(imported_modules(page), ("sqlmodel", "sqlalchemy")), page.name


def test_shared_ui_pieces_use_store_types_but_never_call_the_store() -> None:
    for path in sorted((ROOT / "tracker" / "ui").glob("*.py")):
        names = imported_modules(path)
        assert "tracker.models" not in names and not _starts(names, ("sqlmodel",)), path.name
        calls = {
            node.attr
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "store"
        }
        assert all(attr[0].isupper() for attr in calls), (path.name, calls)
