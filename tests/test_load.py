"""The load test's own checks work: a short run on the test PostgreSQL loses and doubles nothing,
and the proof it prints would catch a write that went missing. (Not timed: speed is for
bench/load.py to report.)"""

import importlib.util
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from postgres import drop_database, new_database

from tracker.db import engine_for

ROOT = Path(__file__).resolve().parents[1]
LOAD = ROOT / "bench" / "load.py"


def _load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", LOAD)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def pg_url(postgres_admin_url: str) -> Iterator[str]:
    url = new_database(postgres_admin_url, prefix="load")
    try:
        yield url
    finally:
        engine_for(url).dispose()
        drop_database(postgres_admin_url, url)


def test_readers_and_editors_at_once_lose_and_double_nothing(pg_url: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(LOAD),
            "--db",
            pg_url,
            "--readers",
            "2",
            "--reader-processes",
            "1",  # two sessions sharing one dashboard process's cache
            "--editors",
            "2",
            "--seconds",
            "4",
            "--editor-pause",
            "0.2",
            "--reader-pause",
            "0.5",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(lines[-1])
    proof = result["proof"]
    assert result["startup_errors"] == [] and result["errors"] == []
    assert result["read"]["count"] > 0 and result["read"]["errors"] == 0
    assert proof["acknowledged"] > 0 and proof["stored"] == proof["acknowledged"]
    assert proof["lost"] == [] and proof["doubled"] == [] and proof["unknown_ids"] == []
    assert proof["audit_events_wrong"] == [] and proof["audit_ok"]
    assert done.returncode == 0


def test_the_proof_names_an_acknowledged_write_that_is_not_in_the_history(pg_url: str) -> None:
    load = _load_module()
    load.prepare(pg_url, editors=1)
    missing = load.Sample(
        "write", 0, 0.0, 0.01, True, "", 999_999, "Load test x: editor 0, write 1."
    )
    proof = load.prove(pg_url, "x", [missing])
    assert proof.lost == [999_999] and proof.audit_events_wrong == [999_999]
    assert not load.passed(
        {
            "startup_errors": [],
            "read": {"errors": 0},
            "write": {"errors": 0},
            "proof": proof.__dict__,
        }
    )


def test_the_connection_pool_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DB_POOL_SIZE", "7")
    monkeypatch.setenv("TRACKER_DB_MAX_OVERFLOW", "3")
    monkeypatch.setenv("TRACKER_DB_POOL_TIMEOUT_SECONDS", "4.5")
    engine = engine_for(f"postgresql://nobody@127.0.0.1:1/pool_{uuid.uuid4().hex}")
    pool = engine.pool
    assert isinstance(pool, sa.pool.QueuePool)
    assert (pool.size(), pool._max_overflow, pool._timeout, pool._pre_ping) == (7, 3, 4.5, True)
