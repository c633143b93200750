"""When the database is empty, broken or out of reach the dashboard explains, never a traceback."""

import socket
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest
from utils.session import signed_in

APP = Path(__file__).resolve().parents[1] / "tracker" / "app.py"
PAGES = ("force", "recommendation", "overdue", "changes", "record", "about")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the socket is


def test_a_database_with_no_updates_shows_guidance_on_every_page(loaded_engine: Engine) -> None:
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.session_state["as_of"] = date(2026, 11, 23)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("No updates have been recorded yet" in i.value for i in at.info)
    assert next(m.value for m in at.metric if m.label == "Never reported") == "487"
    for page in PAGES:
        at.switch_page(f"../pages/{page}.py").run()
        assert not at.exception, (page, [e.message for e in at.exception])
        assert at.title, page


def test_an_empty_database_shows_guidance_and_the_dashboard_creates_nothing(
    engine: Engine,
) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()

    assert not at.exception, [e.message for e in at.exception]
    assert any("No recommendations are loaded" in w.value for w in at.warning)
    assert any("tracker init" in w.value for w in at.warning)
    assert sa.inspect(engine).get_table_names() == []  # no schema, no catalogue


def test_an_unreachable_database_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"postgresql+psycopg://tracker:s3cret@127.0.0.1:{closed_port()}/tracker"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60).run()

    assert not at.exception, [e.message for e in at.exception]
    message = " ".join(e.value for e in at.error)
    assert "cannot reach its database" in message
    assert "127.0.0.1" in message and "tracker:***@" in message
    assert "s3cret" not in message and "s3cret" not in " ".join(c.value for c in at.code)


def test_a_sqlite_file_that_cannot_be_created_gets_the_same_clear_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite:////proc/no-such-dir/tracker.db")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("cannot reach its database" in e.value for e in at.error)


def test_a_broken_recommendations_file_on_an_empty_database_shows_guidance(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "recommendations.yaml"
    broken.write_text("report: {id: x}\nrecommendations: []\n", encoding="utf-8")
    monkeypatch.setenv("TRACKER_CATALOGUE", str(broken))
    at = AppTest.from_file(APP, default_timeout=60).run()

    assert not at.exception, [e.message for e in at.exception]
    assert any("No recommendations are loaded" in w.value for w in at.warning)
    assert any("tracker init" in w.value for w in at.warning)
    assert any("could not be loaded" in e.value for e in at.error)


def test_a_broken_recommendations_file_over_a_loaded_database_is_reported_once(
    loaded_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "recommendations.yaml"
    broken.write_text("report: [not, a, mapping]\n", encoding="utf-8")
    monkeypatch.setenv("TRACKER_CATALOGUE", str(broken))
    at = signed_in(AppTest.from_file(APP, default_timeout=60)).run()

    assert not at.exception, [e.message for e in at.exception]
    assert len([e for e in at.error if "could not be loaded" in e.value]) == 1
    assert at.title[0].value == "National overview"  # the stored catalogue still serves
