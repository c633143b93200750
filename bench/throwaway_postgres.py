"""A PostgreSQL server of its own for a benchmark run, started from the installed binaries.

The same approach as the tests (tests/conftest.py): initdb and pg_ctl refuse to run as root, so
as root they run as the ``postgres`` user. Unlike the tests' server this one keeps PostgreSQL's
durable defaults (fsync and synchronous commit on), so write latencies are honest.
"""

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
        "(apt-get install -y postgresql) or pass --db postgresql://…"
    )


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def throwaway_postgres(max_connections: int = 200) -> Iterator[str]:
    """Yield the URL of a new, empty database on a new server; remove both afterwards."""
    bindir = _bindir()
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-postgres-"))
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
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"
    options += f" -c max_connections={max_connections}"
    pg_ctl = str(bindir / "pg_ctl")
    subprocess.run(
        _as_postgres(
            [pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(base / "log"), "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "stop"]), capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)
