"""A throwaway PostgreSQL server started from the installed binaries, for the benchmarks and
the tests (tests/conftest.py).

initdb and pg_ctl refuse to run as root, so as root they run as the ``postgres`` user. The
server listens on 127.0.0.1 on a free port. By default durability is off (fsync, synchronous
commit and full-page writes), because the server is thrown away; ``durable=True`` keeps
PostgreSQL's defaults so that measured write latencies are honest.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def _bindir() -> Path:
    configured = os.environ.get("TRACKER_TEST_PG_BINDIR")
    candidates = [Path(configured)] if configured else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise SystemExit(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found: install them "
        "(apt-get install -y postgresql) or give the URL of an existing server"
    )


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def throwaway_server(
    *, durable: bool = False, max_connections: int = 100, prefix: str = "tracker-bench-postgres-"
) -> Iterator[str]:
    """Start a server; yields its admin URL; stops it and removes its files afterwards."""
    bindir = _bindir()
    # Under /tmp, not pytest's numbered temp folders: pytest prunes old ones, and a concurrent
    # run pruning this one would pull the data directory from under the running server.
    base = Path(tempfile.mkdtemp(prefix=prefix))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
        base.chmod(0o755)
    port = _free_port()
    initdb = [
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
    ]
    subprocess.run(_as_postgres(initdb), check=True, capture_output=True)
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c timezone=UTC"
    options += f" -c max_connections={max_connections}"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    pg_ctl = str(bindir / "pg_ctl")
    start = [pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(base / "log"), "start"]
    subprocess.run(_as_postgres(start), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop = [pg_ctl, "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(_as_postgres(stop), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def new_database(admin_url: str, prefix: str = "bench", template: str | None = None) -> str:
    """Create a database on the server (empty, or a copy of ``template``); returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    clause = f" TEMPLATE {template}" if template else ""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}{clause}"))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by new_database, disconnecting anyone still connected to it."""
    name = make_url(url).database
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()
