"""Shared fixtures: a fresh database per test on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started by the test session itself from the installed server binaries
(initdb/pg_ctl), as the ``postgres`` user when the tests run as root, because PostgreSQL refuses
to run as root. Set TRACKER_TEST_POSTGRES_URL to use an existing server instead. If neither is
possible the PostgreSQL tests fail (they are never skipped).
"""

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres import drop_database, new_database, throwaway_server
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from typer.testing import CliRunner

from tracker.cli import app
from tracker.db import engine_for
from tracker.roles import local_operator
from tracker.services import demo, setup

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    external = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    try:
        with throwaway_server(prefix="tracker-test-postgres-") as admin_url:
            yield admin_url
    except SystemExit as missing:  # no server binaries: fail the tests, never skip them
        pytest.fail(f"{missing} (or set TRACKER_TEST_POSTGRES_URL)")


def _drop_pg_database(admin_url: str, url: str) -> None:
    engine_for(url).dispose()
    drop_database(admin_url, url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """An empty database on each backend; TRACKER_DATABASE_URL points at it."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
        monkeypatch.setenv("TRACKER_DATABASE_URL", url)
        yield url
        engine_for(url).dispose()
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    url = new_database(admin_url, prefix="t")
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    try:
        yield url
    finally:
        _drop_pg_database(admin_url, url)


@pytest.fixture
def engine(database_url: str) -> Engine:
    """An empty database (no schema yet)."""
    return engine_for(database_url)


@pytest.fixture(scope="session")
def _templates() -> dict[tuple[str, str], str]:
    """Prepared databases, built once per backend and kind; each test gets its own copy."""
    return {}


def _prepare(url: str, kind: str) -> None:
    engine = engine_for(url)
    setup.initialise(engine=engine)
    if kind == "demo":
        demo.fill_demo(engine=engine, actor=local_operator())
    engine.dispose()


def _copy_of_template(
    kind: str,
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    templates: dict[tuple[str, str], str],
) -> Iterator[Engine]:
    if backend == "sqlite":
        if (backend, kind) not in templates:
            source = Path(tempfile.mkdtemp(prefix=f"tracker-test-{kind}-")) / "template.db"
            _prepare(f"sqlite:///{source}", kind)
            templates[(backend, kind)] = str(source)
        target = tmp_path / f"{kind}.db"
        shutil.copyfile(templates[(backend, kind)], target)
        url = f"sqlite:///{target}"
        monkeypatch.setenv("TRACKER_DATABASE_URL", url)
        yield engine_for(url)
        engine_for(url).dispose()
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    if (backend, kind) not in templates:
        template_url = new_database(admin_url, prefix="t")
        _prepare(template_url, kind)
        templates[(backend, kind)] = str(make_url(template_url).database)
    url = new_database(admin_url, prefix="t", template=templates[(backend, kind)])
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    try:
        yield engine_for(url)
    finally:
        _drop_pg_database(admin_url, url)


@pytest.fixture
def loaded_engine(
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    _templates: dict[tuple[str, str], str],
) -> Iterator[Engine]:
    """Schema created and the catalogue and organisations loaded; no updates."""
    yield from _copy_of_template("loaded", backend, tmp_path, request, monkeypatch, _templates)


@pytest.fixture
def demo_engine(
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    _templates: dict[tuple[str, str], str],
) -> Iterator[Engine]:
    """A database holding the full demonstration data set (a private copy per test)."""
    yield from _copy_of_template("demo", backend, tmp_path, request, monkeypatch, _templates)


@pytest.fixture
def app_engine(loaded_engine: Engine) -> Iterator[Engine]:
    """PostgreSQL: an engine connected as a fresh role granted by `tracker db grant-app-role`
    (the dashboard's restricted role)."""
    role = f"tracker_app_{uuid.uuid4().hex[:8]}"
    with loaded_engine.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    result = CliRunner().invoke(app, ["db", "grant-app-role", role])
    assert result.exit_code == 0, result.output
    url = make_url(str(loaded_engine.url.render_as_string(hide_password=False))).set(username=role)
    app_url = url.render_as_string(hide_password=False)
    try:
        yield engine_for(app_url)
    finally:
        engine_for(app_url).dispose()
        with loaded_engine.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
