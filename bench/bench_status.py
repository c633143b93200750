"""Benchmark the read side: how long the dashboard's main computations take.

Prints figures for the demonstration data set and for a larger synthetic history, on SQLite by
default or on the database given by --db. Targets: a full status table as of any date in under
0.5 s at demonstration scale (so a dashboard rerun feels instant), and the monthly trend
(about 45 points) in under 2 s.

    .venv/bin/python bench/bench_status.py [--db URL] [--extra-updates 50000]
"""

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tracker import store
from tracker.db import engine_for, read_session, write_session
from tracker.roles import local_operator
from tracker.rules import Status
from tracker.services import demo, progress, setup

AS_OF = date(2026, 11, 23)


def timed(label: str, fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"  {label:<48} median {median * 1000:8.1f} ms   (best {min(times) * 1000:.1f} ms)")
    return median


def add_synthetic_updates(url: str, count: int) -> None:
    """Append ``count`` in-progress updates spread over every assignment (batches of 5,000)."""
    engine = engine_for(url)
    with read_session(engine) as session:
        report = store.report_info(session=session)
        assert report is not None
        ids = [
            r.assignment_id for r in store.assignment_records(session=session, report_id=report.id)
        ]
    rng = random.Random(1)
    batch: list[store.NewUpdate] = []
    for n in range(count):
        day = date(2023, 5, 1) + timedelta(days=rng.randint(0, 1200))
        batch.append(
            store.NewUpdate(
                assignment_id=rng.choice(ids),
                status=Status.IN_PROGRESS,
                evidence_date=day,
                recorded_at=datetime(2023, 5, 1, tzinfo=UTC) + timedelta(minutes=n),
                recorded_by="benchmark",
                narrative="Synthetic progress update for benchmarking.",
                links=(),
                revised_target_date=None,
                revision_reason=None,
                source="bench",
                fingerprint=f"bench-{n:012d}",
            )
        )
        if len(batch) == 5000:
            with write_session(engine) as session:
                store.append_updates(session=session, updates=batch)
            batch = []
    if batch:
        with write_session(engine) as session:
            store.append_updates(session=session, updates=batch)


def measure(url: str, heading: str) -> None:
    engine = engine_for(url)
    with read_session(engine) as session:
        version = store.data_version(session=session)
        updates, assignments = version.updates, version.active_assignments
    print(f"\n{heading}: {assignments} assignments, {updates} updates")
    snapshot = progress.load_snapshot(engine=engine)
    timed("data_version (cache key, every rerun)", lambda: progress.data_version(engine=engine))
    timed("load_snapshot (two queries)", lambda: progress.load_snapshot(engine=engine))
    timed(
        "status rows as of a date (from snapshot)",
        lambda: progress.status_rows_from(snapshot, as_of=AS_OF),
    )
    timed(
        "status rows end to end (tracker status)",
        lambda: progress.status_rows(engine=engine, as_of=AS_OF),
    )
    timed("monthly trend since publication", lambda: progress.trend(snapshot, until=AS_OF), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--extra-updates", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = engine_for(url)
        setup.initialise(engine=engine)
        start = time.perf_counter()
        demo.fill_demo(engine=engine, actor=local_operator())
        print(f"demo data loaded in {time.perf_counter() - start:.1f} s")
        measure(url, "Demonstration data")
        start = time.perf_counter()
        add_synthetic_updates(url, args.extra_updates)
        elapsed = time.perf_counter() - start
        print(f"\n{args.extra_updates} synthetic updates appended in {elapsed:.1f} s")
        measure(url, "Demonstration data plus synthetic history")
        engine.dispose()


if __name__ == "__main__":
    main()
