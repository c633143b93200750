"""Many users at once on PostgreSQL: readers on the national overview, editors recording updates.

    .venv/bin/python bench/load.py [--readers 20] [--editors 5] [--seconds 60] [--db URL]

Each reader is a session running the dashboard's real script (tracker/app.py, signed in as a
viewer, landing on the national overview) through Streamlit's AppTest, rerunning it again and
again; each editor is its own process recording updates through the service
(``services.updates.record_update``), as the form does. Readers and editors pause between
actions for a random think time (``--reader-pause``, ``--editor-pause``; 0 for flat out).

Without --db it starts a throwaway PostgreSQL server (durable settings) and fills it with the
demonstration data; with --db it uses that database (schema upgraded, demonstration data loaded
if it has none) and adds users named ``load.*``.

Afterwards it proves nothing was lost or doubled: every update an editor was told was stored is
in the history exactly once, the number stored equals the number acknowledged, nothing refused
was stored, each has exactly one audit event, and the audit chain verifies. It prints one JSON
line per figure (name, size, database, value, unit, target) then a table, and exits 1 if any
write was lost or doubled, any action failed, or the chain does not verify.

The readers' sessions are shared among ``--reader-processes`` dashboard processes (one per CPU
by default), as the sessions of a deployment's replicas are: each process renders one session at
a time and its sessions share its caches. ``--reader-processes`` equal to ``--readers`` gives
every reader a process of its own (no shared cache, and more processes than CPUs: the
pessimistic case).
"""

import argparse
import json
import multiprocessing as mp
import os
import queue
import random
import signal
import sys
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

APP = ROOT / "tracker" / "app.py"
VIEWER = "load.viewer"
TARGET_OVERVIEW_P95_MS = 1000.0


@dataclass
class Sample:
    kind: str  # read, write
    worker: int
    started: float
    seconds: float
    ok: bool
    error: str = ""
    update_id: int | None = None
    marker: str = ""


@dataclass
class Outcome:
    samples: list[Sample] = field(default_factory=list)
    startup_error: str = ""


# --- Preparing the database --------------------------------------------------------------------


def prepare(url: str, editors: int) -> list[tuple[str, str]]:
    """Schema, demonstration data if there is none, and the load users: (username, org) pairs."""
    from tracker.catalogue import load_directory
    from tracker.db import engine_for
    from tracker.roles import local_operator
    from tracker.services import demo, setup, users

    engine = engine_for(url)
    operator = local_operator()
    setup.initialise(engine=engine)
    if demo.real_data(engine=engine) is None:
        demo.fill_demo(engine=engine, actor=operator)
    if users.find_user(engine=engine, username=VIEWER) is None:
        users.create_user(engine=engine, actor=operator, username=VIEWER, role="viewer")
    forces = [o.id for o in load_directory().forces]
    pairs = []
    for number in range(editors):
        # Two editors to a force: pairs of them race for the same assignments.
        organisation = forces[(number // 2) % len(forces)]
        username = f"load.editor{number}"
        if users.find_user(engine=engine, username=username) is None:
            users.create_user(
                engine=engine,
                actor=operator,
                username=username,
                role="editor",
                organisation_ids=[organisation],
            )
        pairs.append((username, organisation))
    engine.dispose()
    return pairs


# --- The workers ---------------------------------------------------------------------------------


def _shown(at: Any) -> str:
    """What went wrong with a render, or "" if the overview's figures are there."""
    if at.exception:
        return str(at.exception[0].message)
    if [t.value for t in at.title] != ["National overview"] or not at.metric:
        return "the national overview's figures were not shown"
    return ""


def _reader(
    url: str, sessions: list[int], go: Any, stop_at: Any, pause: float, out: Any, ready: Any
) -> None:
    """One dashboard process serving ``sessions`` (reader numbers), each its own signed-in
    AppTest session; the sessions share the process's cache, as a Streamlit server's do."""
    number = sessions[0]
    outcome = Outcome()
    try:
        os.environ["TRACKER_DATABASE_URL"] = url
        from streamlit import logger
        from streamlit.testing.v1 import AppTest

        # Streamlit's "no runtime" warnings, once per AppTest run, say nothing here.
        logger.set_log_level("error")

        from tracker.db import engine_for
        from tracker.services import users
        from tracker.ui.session import TOKEN_KEY

        engine = engine_for(url)
        engine.dispose(close=False)  # never reuse connections inherited from the parent
        viewer = users.find_user(engine=engine, username=VIEWER)
        assert viewer is not None
        tests = []
        for _ in sessions:
            token = users.start_session(engine=engine, actor=users.actor_for(viewer)).token
            at = AppTest.from_file(str(APP), default_timeout=120)
            at.session_state[TOKEN_KEY] = token
            at.run()  # the first run compiles and imports: not measured
            if _shown(at):
                raise RuntimeError(_shown(at))
            tests.append(at)
    except Exception:
        outcome.startup_error = traceback.format_exc()
        ready.put(number)
        out.put((number, outcome))
        return
    rng = random.Random(number)
    ready.put(number)
    go.wait()
    # Each session asks for a render when its think time is over. One process renders one at a
    # time (as a Streamlit server does, CPU-bound under one interpreter lock), so a request
    # that arrives while another renders waits: latency runs from the request to the end of
    # its render, waiting included.
    due = [time.perf_counter() + rng.uniform(0, pause) for _ in tests]
    while time.time() < stop_at.value:
        index = min(range(len(tests)), key=due.__getitem__)
        wait = due[index] - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        asked = due[index]
        error = ""
        try:
            tests[index].run()
            error = _shown(tests[index])
        except Exception as exc:  # a timeout, a lost connection: counted, never hidden
            error = f"{type(exc).__name__}: {exc}"
        done = time.perf_counter()
        outcome.samples.append(
            Sample("read", sessions[index], asked, done - asked, not error, error[:300])
        )
        due[index] = done + (rng.uniform(0.5 * pause, 1.5 * pause) if pause else 0.0)
    out.put((number, outcome))


def _editor(
    url: str,
    number: int,
    account: tuple[str, str],
    run_id: str,
    go: Any,
    stop_at: Any,
    pause: float,
    out: Any,
    ready: Any,
) -> None:
    outcome = Outcome()
    try:
        os.environ["TRACKER_DATABASE_URL"] = url
        from tracker import store
        from tracker.db import engine_for, read_session
        from tracker.evidence import UpdateDraft
        from tracker.services import updates, users

        engine = engine_for(url)
        engine.dispose(close=False)
        username, organisation = account
        found = users.find_user(engine=engine, username=username)
        assert found is not None
        actor = users.actor_for(found)
        with read_session(engine) as session:
            report = store.report_info(session=session)
            assert report is not None
            codes = sorted(
                {
                    r.recommendation
                    for r in store.assignment_records(session=session, report_id=report.id)
                    if r.organisation_id == organisation
                }
            )
        if not codes:
            raise RuntimeError(f"{organisation} has no assignments")
    except Exception:
        outcome.startup_error = traceback.format_exc()
        ready.put(number)
        out.put((number, outcome))
        return
    rng = random.Random(1000 + number)
    ready.put(number)
    go.wait()
    write = 0
    while time.time() < stop_at.value:
        write += 1
        marker = f"Load test {run_id}: editor {number}, write {write}."
        draft = UpdateDraft(
            status="in_progress",
            evidence_date=date.today(),
            narrative=f"{marker} Training continues; the action plan is on track.",
            on_behalf_of="Head of Public Protection",
        )
        started = time.perf_counter()
        error = ""
        update_id = None
        try:
            done = updates.record_update(
                engine=engine,
                actor=actor,
                recommendation=rng.choice(codes),
                organisation_id=organisation,
                draft=draft,
            )
            update_id = done.update_id
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - started
        outcome.samples.append(
            Sample("write", number, started, seconds, not error, error[:300], update_id, marker)
        )
        if pause:
            time.sleep(rng.uniform(0.5 * pause, 1.5 * pause))
    out.put((number, outcome))


# --- Checking and reporting ----------------------------------------------------------------------


@dataclass
class Proof:
    acknowledged: int
    stored: int
    lost: list[int]
    doubled: list[str]
    stored_though_refused: list[str]
    unknown_ids: list[int]
    audit_events_wrong: list[int]
    audit_events: int
    audit_ok: bool
    audit_message: str


def prove(url: str, run_id: str, writes: list[Sample]) -> Proof:
    """Compare what editors were told with what the database holds."""
    import sqlalchemy as sa

    from tracker.db import engine_for
    from tracker.services import audit

    engine = engine_for(url)
    with engine.connect() as conn:
        stored: list[Any] = list(
            conn.execute(
                sa.text("SELECT id, narrative FROM evidence_update WHERE narrative LIKE :marker"),
                {"marker": f"Load test {run_id}:%"},
            )
        )
        events = Counter(
            int(i)
            for i in conn.execute(
                sa.text("SELECT object_id FROM audit_event WHERE action = 'update_recorded'")
            ).scalars()
        )
    acked = [s for s in writes if s.ok and s.update_id is not None]
    acked_ids = {s.update_id for s in acked if s.update_id is not None}
    stored_ids = [int(i) for i, _ in stored]
    markers = Counter(n.split(" Training", 1)[0] for _, n in stored)
    refused_markers = {s.marker for s in writes if not s.ok}
    verification = audit.verify(engine=engine)
    return Proof(
        acknowledged=len(acked),
        stored=len(stored),
        lost=sorted(i for i in acked_ids if i not in set(stored_ids)),
        doubled=sorted(m for m, n in markers.items() if n > 1),
        stored_though_refused=sorted(m for m in markers if m in refused_markers),
        unknown_ids=sorted(i for i in stored_ids if i not in acked_ids),
        audit_events_wrong=sorted(i for i in acked_ids if events.get(i, 0) != 1),
        audit_events=verification.events_checked,
        audit_ok=verification.ok,
        audit_message="chain intact" if verification.ok else str(verification.broken),
    )


def percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q)) if values else float("nan")


def figures(samples: list[Sample], kind: str, seconds: float) -> dict[str, float]:
    mine = [s for s in samples if s.kind == kind]
    ok = sorted(s.seconds * 1000 for s in mine if s.ok)
    return {
        "count": len(mine),
        "errors": sum(1 for s in mine if not s.ok),
        "per_second": len(ok) / seconds if seconds else 0.0,
        "p50": percentile(ok, 50),
        "p95": percentile(ok, 95),
        "p99": percentile(ok, 99),
        "max": max(ok) if ok else float("nan"),
    }


def run_load(
    *,
    url: str,
    readers: int,
    editors: int,
    seconds: float,
    reader_pause: float,
    editor_pause: float,
    reader_processes: int | None = None,
) -> dict[str, Any]:
    reader_processes = max(1, min(reader_processes or readers, readers))
    run_id = uuid.uuid4().hex[:10]
    accounts = prepare(url, editors)
    # Fresh interpreters: forking a process that has imported Streamlit is not safe.
    context = mp.get_context("spawn")
    go = context.Event()
    stop_at = context.Value("d", 0.0)
    out: Any = context.Queue()
    ready: Any = context.Queue()
    groups = [list(range(readers))[n::reader_processes] for n in range(reader_processes)]
    workers = [
        context.Process(target=_reader, args=(url, group, go, stop_at, reader_pause, out, ready))
        for group in groups
        if group
    ] + [
        context.Process(
            target=_editor,
            args=(url, n, accounts[n], run_id, go, stop_at, editor_pause, out, ready),
        )
        for n in range(editors)
    ]
    for worker in workers:
        worker.start()
    # The clock starts once everyone is signed in and has rendered once.
    waiting = len(workers)
    while waiting:
        try:
            ready.get(timeout=1)
            waiting -= 1
        except queue.Empty:
            dead = [w for w in workers if w.exitcode not in (None, 0)]
            if dead:
                for worker in workers:
                    worker.terminate()
                raise SystemExit(f"{len(dead)} worker(s) died while starting") from None
    started = time.time()
    load_before = os.getloadavg()[0]
    stop_at.value = started + seconds
    go.set()
    outcomes = [out.get(timeout=seconds + 600) for _ in workers]
    elapsed = time.time() - started
    load_after = os.getloadavg()[0]
    for worker in workers:
        worker.join(timeout=60)
    samples = [s for _, o in outcomes for s in o.samples]
    startup_errors = [o.startup_error for _, o in outcomes if o.startup_error]
    proof = prove(url, run_id, [s for s in samples if s.kind == "write"])
    return {
        "readers": readers,
        "reader_processes": reader_processes,
        "editors": editors,
        "seconds": seconds,
        "elapsed": elapsed,
        "cpus": os.cpu_count(),
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "reader_pause": reader_pause,
        "editor_pause": editor_pause,
        "read": figures(samples, "read", seconds),
        "write": figures(samples, "write", seconds),
        "errors": sorted({s.error for s in samples if not s.ok})[:10],
        "startup_errors": startup_errors,
        "proof": proof.__dict__,
    }


def passed(result: dict[str, Any]) -> bool:
    proof = result["proof"]
    return (
        not result["startup_errors"]
        and result["read"]["errors"] == 0
        and result["write"]["errors"] == 0
        and proof["acknowledged"] > 0
        and proof["stored"] == proof["acknowledged"]
        and not proof["lost"]
        and not proof["doubled"]
        and not proof["stored_though_refused"]
        and not proof["unknown_ids"]
        and not proof["audit_events_wrong"]
        and proof["audit_ok"]
    )


def report(result: dict[str, Any]) -> None:
    processes = result["reader_processes"]
    size = (
        f"{result['readers']} readers in {processes} process{'es' if processes != 1 else ''}"
        f" + {result['editors']} editors, {result['seconds']:g} s"
    )
    lines: list[tuple[str, float, str, float | None]] = []
    for kind, label in (("read", "overview"), ("write", "record_update")):
        f = result[kind]
        target = TARGET_OVERVIEW_P95_MS if kind == "read" else None
        lines += [
            (f"load_{label}_per_second", f["per_second"], "1/s", None),
            (f"load_{label}_p50", f["p50"], "ms", None),
            (f"load_{label}_p95", f["p95"], "ms", target),
            (f"load_{label}_p99", f["p99"], "ms", None),
            (f"load_{label}_errors", f["errors"], "count", 0),
        ]
    proof = result["proof"]
    lines += [
        ("load_writes_acknowledged", proof["acknowledged"], "count", None),
        ("load_writes_stored", proof["stored"], "count", proof["acknowledged"]),
        ("load_writes_lost", len(proof["lost"]), "count", 0),
        ("load_writes_doubled", len(proof["doubled"]), "count", 0),
        ("load_audit_chain_ok", int(proof["audit_ok"]), "bool", 1),
    ]
    for name, value, unit, target in lines:
        print(
            json.dumps(
                {
                    "name": name,
                    "size": size,
                    "database": "postgresql",
                    "value": round(value, 2) if isinstance(value, float) else value,
                    "unit": unit,
                    "target": target,
                }
            )
        )
    print()
    pauses = f"{result['reader_pause']:g} s / {result['editor_pause']:g} s"
    print(f"Load test: {size} (think time, readers / editors: {pauses})")
    before, after = result["load_average"]
    print(f"machine: {result['cpus']} CPUs, load average {before} at the start, {after} at the end")
    heads = ("done", "errors", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    print(f"{'':16}" + "".join(f"{h:>9}" for h in heads))
    for kind, label in (("read", "overview"), ("write", "record update")):
        f = result[kind]
        print(
            f"{label:16}{f['count']:>9}{f['errors']:>9}{f['per_second']:>9.1f}"
            f"{f['p50']:>9.0f}{f['p95']:>9.0f}{f['p99']:>9.0f}{f['max']:>9.0f}"
        )
    print(
        f"writes: {proof['acknowledged']} acknowledged, {proof['stored']} stored, "
        f"{len(proof['lost'])} lost, {len(proof['doubled'])} doubled, "
        f"{len(proof['stored_though_refused'])} stored though refused; "
        f"audit trail: {proof['audit_events']} events, {proof['audit_message']}"
    )
    read_p95 = result["read"]["p95"]
    verdict = "met" if read_p95 <= TARGET_OVERVIEW_P95_MS else "NOT met"
    print(f"overview p95 {read_p95:.0f} ms: target {TARGET_OVERVIEW_P95_MS:.0f} ms {verdict}")
    for error in result["startup_errors"] + result["errors"]:
        print("error:", error.strip().splitlines()[-1] if error.strip() else error)
    print("PASS: nothing lost or doubled, no errors" if passed(result) else "FAIL")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--editors", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--db", help="PostgreSQL URL (default: a throwaway server of its own)")
    parser.add_argument("--reader-pause", type=float, default=2.0, help="mean think time, s")
    parser.add_argument("--editor-pause", type=float, default=1.0, help="mean think time, s")
    parser.add_argument(
        "--reader-processes",
        type=int,
        default=os.cpu_count() or 1,
        help="dashboard processes the readers' sessions share, as the replicas of a deployment "
        "do (default: one per CPU; as many as --readers for one process each, no shared cache)",
    )
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    args = parser.parse_args(argv)

    def go(url: str) -> dict[str, Any]:
        result = run_load(
            url=url,
            readers=args.readers,
            editors=args.editors,
            seconds=args.seconds,
            reader_pause=args.reader_pause,
            editor_pause=args.editor_pause,
            reader_processes=args.reader_processes,
        )
        if args.json:
            print(json.dumps(result, default=str))
        else:
            report(result)
        return result

    # Stopped by a signal, still stop the throwaway server on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if args.db:
        result = go(args.db)
    else:
        from postgres import throwaway_server

        # PostgreSQL's durable defaults, so that write latencies are honest.
        with throwaway_server(durable=True, max_connections=200) as url:
            result = go(url)
    return 0 if passed(result) else 1


if __name__ == "__main__":
    sys.exit(main())
