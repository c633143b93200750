"""The README is part of the product: its rules and commands must match the code."""

from pathlib import Path

from tracker.db_roles import grant_statements
from tracker.rules import rules_text

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_states_the_rules_exactly_as_the_code_applies_them() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- rules:start -->\n") + len("<!-- rules:start -->\n")
    end = text.index("<!-- rules:end -->")
    assert text[start:end] == rules_text()


def test_ci_runs_the_readme_test_command() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make test" in text
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci.splitlines()[-1]


def test_readme_gives_the_app_role_sql_the_command_runs() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- app-role-sql:start -->\n```sql\n") + len(
        "<!-- app-role-sql:start -->\n```sql\n"
    )
    end = text.index("```\n<!-- app-role-sql:end -->")
    assert text[start:end] == "".join(f"{s};\n" for s in grant_statements("tracker_app"))
