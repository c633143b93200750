"""Shared fixtures: a fresh database per test on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started by the test session itself from the installed server binaries
(initdb/pg_ctl), as the ``postgres`` user when the tests run as root, because PostgreSQL refuses
to run as root. Set TRACKER_TEST_POSTGRES_URL to use an existing server instead. If neither is
possible the PostgreSQL tests fail (they are never skipped).
"""

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tracker.db import engine_for
from tracker.roles import local_operator
from tracker.services import demo, setup

BACKENDS = ("sqlite", "postgresql")


def _pg_bindir() -> Path:
    configured = os.environ.get("TRACKER_TEST_PG_BINDIR")
    candidates = [Path(configured)] if configured else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them "
        "(apt-get install -y postgresql) or set TRACKER_TEST_POSTGRES_URL."
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and pg_ctl refuse to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    bindir = _pg_bindir()
    # Not under pytest's numbered temp folders: pytest prunes old ones, and a concurrent run
    # pruning this one would pull the data directory from under the running server.
    base = Path(tempfile.mkdtemp(prefix="tracker-test-postgres-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
        base.chmod(0o755)
    port = _free_port()
    subprocess.run(
        _as_postgres(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    options += " -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(base / "log"),
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def _create_pg_database(admin_url: str, template: str | None = None) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        clause = f" TEMPLATE {template}" if template else ""
        conn.execute(text(f"CREATE DATABASE {name}{clause}"))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin_url: str, url: str) -> None:
    engine_for(url).dispose()
    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


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
    url = _create_pg_database(admin_url)
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
        template_url = _create_pg_database(admin_url)
        _prepare(template_url, kind)
        templates[(backend, kind)] = str(make_url(template_url).database)
    url = _create_pg_database(admin_url, template=templates[(backend, kind)])
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
