"""Benchmark the tracker at national scale, against the SQL floor and the targets of issue 10.

    python bench/run.py --quick                       # S on SQLite and a throwaway PostgreSQL
    python bench/run.py --sizes S,M,L                 # the full run (L takes a while to load)
    python bench/run.py --db URL --sizes M            # one database you give (empty, or built
                                                      # before by bench/generate.py)

For each database and size, in a process of its own (so no size is measured among what an
earlier one left in memory), it builds a history with bench/generate.py, then measures the read
side (status of every assignment of the report as of today and as of a past date, the overdue
list, the monthly trend), the floor (one hand-written SQL statement with one index lookup per
assignment), the national overview, force and "Changes since" pages' whole script in Streamlit's
AppTest (cold, after a write, and warm; and changing the as-of date), what moved in a month (the
changes service), recording one update through the service
(p50/p95), `tracker status --format json` as a whole process, and the peak memory of the
dashboard and the CLI.

Output: one JSON line per figure (name, size, database, value, unit, target; target null where
none applies), then a readable table saying which targets are met.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

from tracker.db import engine_for  # noqa: E402

APP = ROOT / "tracker" / "app.py"
FORCE_PAGE = "../pages/force.py"  # relative to tracker/app.py
CHANGES_PAGE = "../pages/changes.py"
PAST = date(2024, 6, 30)
BENCH_ADMIN = "bench.admin"


@dataclass
class Figure:
    name: str
    size: str
    database: str
    value: float
    unit: str
    target: float | None = None

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.value <= self.target

    def line(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "size": self.size,
                "database": self.database,
                "value": round(self.value, 3),
                "unit": self.unit,
                "target": self.target,
            }
        )


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    return timed(fn, repeat)[0]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall-clock and processor time of ``fn`` in milliseconds. On a shared machine
    the processor time (this process's threads, SQLite included; not a PostgreSQL server)
    says what the work costs when the machine is not busy with other things."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, start = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


# --- The floor: one hand-written statement, one index lookup per assignment ----------------

FLOOR_SQLITE = """
SELECT a.id, u.id, u.status, u.evidence_date, u.revised_target_date
FROM assignment a JOIN recommendation r ON r.id = a.recommendation_id
LEFT JOIN evidence_update u ON u.id = (
    SELECT l.id FROM evidence_update l
    WHERE l.assignment_id = a.id AND l.evidence_date <= :as_of
    ORDER BY l.evidence_date DESC, l.recorded_at DESC, l.id DESC LIMIT 1)
WHERE r.report_id = :report AND a.active
"""
FLOOR_POSTGRESQL = """
SELECT a.id, u.id, u.status, u.evidence_date, u.revised_target_date
FROM assignment a JOIN recommendation r ON r.id = a.recommendation_id
LEFT JOIN LATERAL (
    SELECT l.id, l.status, l.evidence_date, l.revised_target_date FROM evidence_update l
    WHERE l.assignment_id = a.id AND l.evidence_date <= :as_of
    ORDER BY l.evidence_date DESC, l.recorded_at DESC, l.id DESC LIMIT 1) u ON true
WHERE r.report_id = :report AND a.active
"""


def floor_query(url: str, report_id: str, as_of: date) -> Callable[[], object]:
    engine = engine_for(url)
    postgres = engine.dialect.name == "postgresql"
    statement = sa.text(FLOOR_POSTGRESQL if postgres else FLOOR_SQLITE)
    value: object = as_of if postgres else as_of.isoformat()

    def run() -> object:
        with engine.connect() as conn:
            return conn.execute(statement, {"as_of": value, "report": report_id}).fetchall()

    return run


# --- Dashboard pages in AppTest ------------------------------------------------------------


def _admin() -> object:
    from tracker.roles import Actor, Role

    return Actor(username=BENCH_ADMIN, display_name="Benchmark administrator", role=Role.ADMIN)


def _sign_in(at: object) -> None:
    from tracker import store_users
    from tracker.db import get_engine, write_session
    from tracker.services import users
    from tracker.ui.session import TOKEN_KEY

    actor = _admin()
    engine = get_engine()
    if users.find_user(engine=engine, username=BENCH_ADMIN) is None:
        with write_session(engine) as session:
            store_users.add_user(
                session=session,
                username=BENCH_ADMIN,
                display_name="Benchmark administrator",
                email=None,
                role="admin",
                organisation_ids=[],
                password_hash=None,
                created_at=datetime.now(UTC),
            )
    signed = users.start_session(engine=engine, actor=actor)  # type: ignore[arg-type]
    at.session_state[TOKEN_KEY] = signed.token  # type: ignore[attr-defined]


def _page(force: bool | str, as_of: date) -> object:
    """The overview (False), the force page (True) or the page at a path (relative to the app)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    _sign_in(at)
    at.session_state["as_of"] = as_of
    if force:
        at.switch_page(FORCE_PAGE if force is True else str(force))
    return at


def _run(at: object) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    at.run()  # type: ignore[attr-defined]
    elapsed = (time.perf_counter() - start) * 1000
    _CPU.append((time.process_time() - cpu) * 1000)
    problems = [e.message for e in at.exception]  # type: ignore[attr-defined]
    if problems:
        raise RuntimeError(f"the page failed: {problems}")
    return elapsed


def one_write(url: str, n: int) -> None:
    """Record one update through the service (so every cache keyed on the data version misses)."""
    from tracker.evidence import UpdateDraft
    from tracker.services import updates

    records = _records(url)
    record = records[n % len(records)]
    updates.record_update(
        engine=engine_for(url),
        actor=_admin(),  # type: ignore[arg-type]
        recommendation=record.recommendation,
        organisation_id=record.organisation_id,
        draft=UpdateDraft(
            status="in_progress",
            evidence_date=date.today(),
            narrative=f"Benchmark update {n} ({os.getpid()}, {time.time_ns()}): work continues.",
        ),
        source="cli",
    )


_RECORDS: dict[str, list[object]] = {}


def _records(url: str) -> list:  # type: ignore[type-arg]
    if url not in _RECORDS:
        from tracker.services import progress

        _RECORDS[url] = list(progress.load_snapshot(engine=engine_for(url)).records)
    return _RECORDS[url]


_CPU: list[float] = []  # processor time of each page run, in step with the wall-clock times


def page_figures(url: str, today: date) -> dict[str, float]:
    os.environ["TRACKER_DATABASE_URL"] = url
    out: dict[str, float] = {}
    pages: tuple[tuple[bool | str, str], ...] = (
        (False, "overview"),
        (True, "force"),
        (CHANGES_PAGE, "changes"),
    )
    for n, (force, name) in enumerate(pages):
        # Once first, so "cold" is what a running server meets after a write (its modules are
        # loaded; the data caches are stale), not the interpreter's first import of Streamlit.
        _run(_page(force, today))
        one_write(url, 10_000 + n)
        at = _page(force, today)
        out[f"{name}_cold"] = _run(at)
        out[f"{name}_cold_cpu"] = _CPU[-1]
        out[f"{name}_warm"] = statistics.median(_run(at) for _ in range(5))
        out[f"{name}_warm_cpu"] = statistics.median(_CPU[-5:])
        if not force:
            changes = []
            for month in (1, 3, 5):
                at.session_state["as_of"] = date(2025, month, 15)  # type: ignore[attr-defined]
                changes.append(_run(at))
            out["overview_as_of_change"] = statistics.median(changes)
    return out


def record_figures(url: str, count: int) -> tuple[float, float, float]:
    """p50 and p95 wall-clock, and p95 processor time, of recording one update."""
    times, cpus = [], []
    for n in range(count):
        start, cpu = time.perf_counter(), time.process_time()
        one_write(url, n)
        times.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    times.sort()
    cpus.sort()
    p95 = int(0.95 * (len(times) - 1))
    return statistics.median(times), times[p95], cpus[p95]


# --- Whole processes: the CLI and the dashboard's memory ------------------------------------


def _child(args: list[str], url: str) -> tuple[float, float, float]:
    """Run a child process; returns (seconds, processor seconds, peak resident memory in MB).

    The peak comes from GNU time, which starts the child itself: a process forked straight
    from this one would be charged with this process's memory at the fork.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRACKER_DATABASE_URL": url}
    if not Path("/usr/bin/time").exists():
        raise SystemExit("The benchmark needs GNU time (/usr/bin/time): apt-get install time")
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as peak:
        timed_args = ["/usr/bin/time", "-f", "%U %S %M", "-o", peak.name, *args]
        start = time.perf_counter()
        done = subprocess.run(
            timed_args,
            env=env,
            stdout=subprocess.DEVNULL,
            capture_output=False,
            stderr=subprocess.PIPE,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.decode()[-2000:]}")
        user, system, kilobytes = peak.read().split()[-3:]
    return seconds, float(user) + float(system), int(kilobytes) / 1024


# As the installed `tracker` command starts (its entry point is tracker.__main__:main).
TRACKER = [sys.executable, "-m", "tracker"]


def cli_figures(url: str) -> tuple[float, float, float]:
    runs = [_child([*TRACKER, "--db", url, "status", "--format", "json"], url) for _ in range(3)]
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        max(r[2] for r in runs),
    )


def dashboard_memory(url: str) -> float:
    """Peak memory of a process that serves the overview and force pages (AppTest runs the same
    script the server does) from cold, and changes the as-of date."""
    _, _, peak = _child([sys.executable, str(Path(__file__)), "--dashboard-probe", url], url)
    return peak


def _probe(url: str) -> None:
    page_figures(url, date.today())


# --- One database at one size --------------------------------------------------------------


def measure(url: str, size: str, database: str, *, quick: bool) -> list[Figure]:
    from tracker.services import changes, progress

    engine = engine_for(url)
    today = date.today()
    figures: list[Figure] = []

    def add(name: str, value: float, unit: str, target: float | None = None) -> None:
        figure = Figure(name, size, database, value, unit, target)
        figures.append(figure)
        print(figure.line(), flush=True)

    # The machine is shared: say how busy it was, since every figure below is wall-clock time.
    add("load_average_1min", os.getloadavg()[0], "load")
    snapshot = progress.load_snapshot(engine=engine)
    report = snapshot.report.id
    repeat = 7
    progress.status_rows_from(snapshot, as_of=today)  # first query on a new connection
    # A few milliseconds each: many runs, so the median is not one stray pause on a shared host.
    quick_repeat = 31
    for label, day in (("today", today), ("past", PAST)):
        floor, floor_cpu = timed(floor_query(url, report, day), quick_repeat)
        ours, ours_cpu = timed(
            lambda d=day: progress.status_rows_from(snapshot, as_of=d),  # type: ignore[misc]
            quick_repeat,
        )
        add(f"status_{label}", ours, "ms", 50)
        add(f"status_{label}_cpu", ours_cpu, "ms")
        add(f"floor_{label}", floor, "ms")
        add(f"floor_{label}_cpu", floor_cpu, "ms")
        add(f"status_{label}_vs_floor", ours / floor, "ratio", 3)
    add("snapshot_load", median_ms(lambda: progress.load_snapshot(engine=engine), repeat), "ms")
    add("data_version", median_ms(lambda: progress.data_version(engine=engine), repeat), "ms")
    add(
        "overdue_list",
        median_ms(lambda: progress.overdue(engine=engine, as_of=today), repeat),
        "ms",
    )
    trend, trend_cpu = timed(lambda: progress.trend(snapshot, until=today), 3)
    add("trend", trend, "ms", 300)
    add("trend_cpu", trend_cpu, "ms")

    pages = page_figures(url, today)
    small = size == "S"
    add("overview_cold", pages["overview_cold"], "ms", 600 if small else 800)
    add("overview_cold_cpu", pages["overview_cold_cpu"], "ms")
    add("overview_warm", pages["overview_warm"], "ms", 250 if small else 400)
    add("overview_warm_cpu", pages["overview_warm_cpu"], "ms")
    add("overview_as_of_change", pages["overview_as_of_change"], "ms", 600)
    add("force_cold", pages["force_cold"], "ms")
    add("force_warm", pages["force_warm"], "ms")
    add("changes_page_cold", pages["changes_cold"], "ms")
    add("changes_page_warm", pages["changes_warm"], "ms")
    # "What moved" in the month to the past date, over the whole report (snapshot loaded too).
    since = PAST - timedelta(days=30)
    add(
        "changes_month",
        median_ms(lambda: changes.changes_between(engine=engine, since=since, as_of=PAST), repeat),
        "ms",
    )

    p50, p95, p95_cpu = record_figures(url, 100 if quick else 300)
    add("record_update_p50", p50, "ms")
    add("record_update_p95", p95, "ms", 50 if database == "postgresql" else 30)
    add("record_update_p95_cpu", p95_cpu, "ms")

    seconds, cpu_seconds, cli_peak = cli_figures(url)
    add("cli_status_json", seconds, "s", 0.8)
    add("cli_status_json_cpu", cpu_seconds, "s")
    add("cli_peak_memory", cli_peak, "MB", 300)
    add("dashboard_peak_memory", dashboard_memory(url), "MB", 300)
    return figures


@contextmanager
def databases(kinds: list[str], given: str | None) -> Iterator[Callable[[str, str], str]]:
    """Yields a function (kind, size) -> URL of a fresh database of that kind."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tracker-bench-")))
        admin: list[str] = []

        def fresh(kind: str, size: str) -> str:
            if given:
                return given
            if kind == "sqlite":
                return f"sqlite:///{folder / f'bench-{size}.db'}"
            if not admin:
                from postgres import throwaway_server

                admin.append(stack.enter_context(throwaway_server()))
            from postgres import new_database

            return new_database(admin[0], prefix=f"bench_{size.lower()}")

        yield fresh


def _already_loaded(url: str) -> bool:
    engine = engine_for(url)
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("audit_event"):
            return False
        found = conn.execute(
            sa.text("SELECT count(*) FROM audit_event WHERE action = 'bench_loaded'")
        )
        return bool(found.scalar_one())


def table(figures: list[Figure]) -> str:
    lines = [
        f"{'size':<5}{'database':<12}{'figure':<28}{'value':>12}  {'unit':<6}{'target':>8}  met"
    ]
    for f in figures:
        target = "" if f.target is None else f"{f.target:g}"
        met = "" if f.met is None else ("yes" if f.met else "NO")
        where = f"{f.size:<5}{f.database:<12}{f.name:<28}"
        lines.append(f"{where}{f.value:>12.2f}  {f.unit:<6}{target:>8}  {met}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="S only, SQLite and PostgreSQL")
    parser.add_argument("--db", help="one database URL to use instead of fresh ones")
    parser.add_argument("--sizes", default="S", help="comma-separated: S, M, L")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dashboard-probe", help=argparse.SUPPRESS)
    parser.add_argument("--measure-one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dashboard_probe:
        _probe(args.dashboard_probe)
        return
    if args.measure_one:
        load_and_measure(args.measure_one, args.sizes, args.databases, args.seed, args.quick)
        return
    from generate import SIZES

    sizes = ["S"] if args.quick else [s.strip().upper() for s in args.sizes.split(",")]
    if any(s not in SIZES for s in sizes):
        parser.error(f"sizes are {', '.join(SIZES)}")
    kinds = [k.strip() for k in args.databases.split(",")]
    if args.db:
        kinds = ["postgresql" if args.db.startswith("postgresql") else "sqlite"]
        if len(sizes) != 1:
            parser.error("with --db give one size")
    started = time.perf_counter()
    figures: list[Figure] = []
    with databases(kinds, args.db) as fresh:
        for size in sizes:
            for kind in kinds:
                figures += measure_apart(fresh(kind, size), size, kind, args.seed, args.quick)
    flat = _flatness(figures)
    for figure in flat:
        print(figure.line())
    print()
    print(table(figures + flat))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"\nWhole run: {time.perf_counter() - started:.0f} s; "
        f"the largest process peaked at {peak:.0f} MB."
    )


def measure_apart(url: str, size: str, kind: str, seed: int, quick: bool) -> list[Figure]:
    """Load and measure one database at one size in a process of its own, as a dashboard or a
    command has: the figures do not depend on what earlier sizes left in this process's memory
    (the garbage collector walking a larger data set's leftovers slowed later figures)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--measure-one", url]
    command += ["--sizes", size, "--databases", kind, "--seed", str(seed)]
    command += ["--quick"] if quick else []
    figures = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        for line in child.stdout:
            print(line, end="", flush=True)
            if line.startswith("{"):
                figures.append(Figure(**json.loads(line)))
    if child.returncode != 0:
        raise SystemExit(f"measuring {size} on {kind} failed (exit code {child.returncode})")
    return figures


def load_and_measure(url: str, size: str, kind: str, seed: int, quick: bool) -> None:
    """In the child: fill the database if it is empty, then print its figures."""
    from generate import generate

    if not _already_loaded(url):
        load = time.perf_counter()
        generate(url=url, size=size, seed=seed, quiet=True)
        print(Figure("load", size, kind, time.perf_counter() - load, "s").line(), flush=True)
    measure(url, size, kind, quick=quick)
    engine_for(url).dispose()


def _flatness(figures: list[Figure]) -> list[Figure]:
    """Status at L against status at S, per database: the target is flat (at most 1.3x)."""
    out = []
    for db in {f.database for f in figures}:
        for label in ("today", "past"):
            found = {
                f.size: f.value for f in figures if f.database == db and f.name == f"status_{label}"
            }
            if "S" in found and "L" in found:
                out.append(
                    Figure(f"status_{label}_L_vs_S", "L", db, found["L"] / found["S"], "ratio", 1.3)
                )
    return out


if __name__ == "__main__":
    main()
