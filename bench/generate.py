"""Build a benchmark database: a deterministic, realistic history at national scale.

    python bench/generate.py --db URL --size S|M|L [--seed N]

Sizes:
  S  about 20,000 updates on this report (487 assignments);
  M  about 200,000 updates on this report;
  L  about 1,000,000 updates: 200,000 on this report (depth) and 800,000 across 50 synthetic
     reports, each with 17 recommendations to the 43 forces (breadth).

Each assignment's history runs from its report's publication to 1 November 2026: returns every
few weeks, most in progress, claims of implementation (and a few of not applicable) that a
monitor accepts or returns, corrections recorded later for the same evidence date, returns
back-dated by weeks, revised target dates with reasons, and some organisations that never report.
The same seed gives the same history, byte for byte, on SQLite and PostgreSQL.

The schema and the catalogue are loaded the usual way (`tracker init`: migrations, the catalogue
reload on the audit trail). The history itself is bulk-loaded straight into the tables
(executemany on SQLite, COPY on PostgreSQL) with explicit ids, as the demonstration data is: the
bulk part has no audit event per update, only one "bench_loaded" event that says what was added,
appended through the audit service so the hash chain stays intact (`tracker audit verify` passes).
The database must be empty (or hold only the catalogue): the generator refuses otherwise.
"""

import argparse
import hashlib
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.db import engine_for, write_session
from tracker.models import (
    Assignment,
    EvidenceUpdate,
    Organisation,
    Recommendation,
    Report,
    Review,
)
from tracker.roles import local_operator
from tracker.services import audit as audit_trail
from tracker.services import setup

END = date(2026, 11, 1)  # histories stop here, whatever day the benchmark runs
SIZES: dict[str, tuple[int, int, int]] = {
    # (updates on this report, synthetic reports, updates on each synthetic report)
    "S": (20_000, 0, 0),
    "M": (200_000, 0, 0),
    "L": (200_000, 50, 16_000),
}
NARRATIVES = (
    "Action plan agreed by the chief officer group; lead officer named.",
    "Training for online investigators under way; about half of the team completed it.",
    "Referral triage process revised; dip sample of recent cases taken.",
    "Partnership meeting held with the regional unit; actions carried over.",
    "Policy rewritten and out for consultation with the local safeguarding partnership.",
    "Performance measures added to the monthly public protection report.",
    "Audit of recent referrals found the new process followed in most cases.",
    "Resourcing bid submitted; decision expected next quarter.",
)
CLAIMS = (
    "Changes embedded in business as usual; internal audit confirms the new process works.",
    "Implemented: the new procedure is in force and monitored monthly.",
)
NOT_APPLICABLE = "Not applicable: the force has no unit of this kind (agreed with the region)."
REASONS = (
    "Supplier delay to the new case system.",
    "Waiting for national guidance from the College of Policing.",
    "Recruitment to the team took longer than planned.",
)
RETURNS = (
    "Please attach the audit that shows the change is working.",
    "The evidence describes a plan, not a change in practice.",
)


@dataclass(frozen=True)
class Target:
    assignment_id: int
    published: date
    deadline: date | None
    organisation: str


def _days(start: date, end: date) -> int:
    return max((end - start).days, 1)


def history(target: Target, count: int, rng: random.Random) -> Iterator[dict[str, object]]:
    """One assignment's updates, oldest evidence first (ids and fingerprints added later)."""
    span = _days(target.published, END)
    days = sorted(target.published + timedelta(days=rng.randrange(span)) for _ in range(count))
    claimed = False
    previous: date | None = None
    for i, day in enumerate(days):
        t = (i + 1) / count
        if previous is not None and rng.random() < 0.05:
            day = previous  # a correction: same evidence date, recorded later
        previous = day
        roll = rng.random()
        if i == 0 and roll < 0.2:
            status = "not_started"
        elif roll < 0.02:
            status = "not_applicable"
        elif roll < 0.02 + 0.45 * t * t or (claimed and roll < 0.6):
            status = "implemented"
        else:
            status = "in_progress"
        claimed = status == "implemented"
        # Most returns are recorded within a fortnight; one in ten is back-dated by weeks.
        lag = rng.randint(30, 120) if rng.random() < 0.1 else rng.randint(0, 14)
        recorded = datetime.combine(day, datetime.min.time()) + timedelta(
            days=lag, seconds=rng.randrange(8 * 3600, 18 * 3600)
        )
        recorded = min(recorded, datetime.combine(END, datetime.min.time()) + timedelta(hours=12))
        recorded = recorded.replace(tzinfo=UTC)
        revised = reason = None
        if status == "in_progress" and target.deadline and rng.random() < 0.1:
            revised = target.deadline + timedelta(days=rng.randint(-20, 365))
            reason = rng.choice(REASONS)
        if status == "implemented":
            narrative = rng.choice(CLAIMS)
        elif status == "not_applicable":
            narrative = NOT_APPLICABLE
        else:
            narrative = rng.choice(NARRATIVES)
        yield {
            "assignment_id": target.assignment_id,
            "status": status,
            "evidence_date": day,
            "recorded_at": recorded,
            "recorded_by": f"Performance lead, {target.organisation}",
            "narrative": narrative,
            "links": [],
            "revised_target_date": revised,
            "revision_reason": reason,
            "source": "bench",
            "recorded_by_user": None,
            "on_behalf_of": None,
        }


def review_of(update: dict[str, object], rng: random.Random) -> dict[str, object] | None:
    """A monitor's decision on most claims, days after they were recorded."""
    if update["status"] not in ("implemented", "not_applicable") or rng.random() < 0.3:
        return None
    recorded = update["recorded_at"]
    assert isinstance(recorded, datetime)
    at = recorded + timedelta(days=rng.randint(1, 40), hours=2)
    accepted = rng.random() < 0.6
    return {
        "update_id": update["id"],
        "decision": "accepted" if accepted else "returned",
        "reason": "" if accepted else rng.choice(RETURNS),
        "reviewed_by": "bench-monitor",
        "reviewed_at": at,
    }


def _targets(connection: sa.Connection, report_id: str) -> list[Target]:
    query = (
        sa.select(
            Assignment.__table__.c.id,  # type: ignore[attr-defined]
            Report.__table__.c.published,  # type: ignore[attr-defined]
            Recommendation.__table__.c.deadline,  # type: ignore[attr-defined]
            Organisation.__table__.c.name,  # type: ignore[attr-defined]
        )
        .select_from(Assignment.__table__)  # type: ignore[attr-defined]
        .join(Recommendation.__table__)  # type: ignore[attr-defined]
        .join(Report.__table__)  # type: ignore[attr-defined]
        .join(Organisation.__table__)  # type: ignore[attr-defined]
        .where(Report.__table__.c.id == report_id)  # type: ignore[attr-defined]
        .order_by(Assignment.__table__.c.id)  # type: ignore[attr-defined]
    )
    return [Target(*row) for row in connection.execute(query)]


def _synthetic_reports(connection: sa.Connection, count: int, seed: int) -> list[str]:
    """``count`` further reports, each with 17 recommendations to the 43 forces."""
    rng = random.Random(f"{seed}:reports")
    forces = [
        row[0]
        for row in connection.execute(
            sa.select(Organisation.__table__.c.id)  # type: ignore[attr-defined]
            .where(Organisation.__table__.c.kind == "force")  # type: ignore[attr-defined]
            .order_by(Organisation.__table__.c.id)  # type: ignore[attr-defined]
        )
    ]
    ids = []
    for n in range(1, count + 1):
        report_id = f"bench-report-{n:02d}"
        published = date(2023, 6, 1) + timedelta(days=rng.randrange(900))
        connection.execute(
            sa.insert(Report.__table__),  # type: ignore[attr-defined]
            {
                "id": report_id,
                "title": f"Synthetic inspection report {n} (benchmark data)",
                "short_title": f"Benchmark report {n}",
                "publisher": "Benchmark",
                "published": published,
                "url": f"https://example.org/bench/{n}",
            },
        )
        for number in range(1, 18):
            rec_id = connection.execute(
                sa.insert(Recommendation.__table__).returning(  # type: ignore[attr-defined]
                    Recommendation.__table__.c.id  # type: ignore[attr-defined]
                ),
                {
                    "report_id": report_id,
                    "code": f"R{number}",
                    "number": number,
                    "title": f"Benchmark recommendation {number}",
                    "summary": "Synthetic recommendation for the benchmark.",
                    "owner": "chief_constables",
                    "deadline": published + timedelta(days=rng.choice((0, 180, 365, 540))),
                    "deadline_note": None,
                    "addressees": ["all_forces"],
                    "themes": [],
                    "verified": True,
                    "notes": None,
                },
            ).scalar_one()
            connection.execute(
                sa.insert(Assignment.__table__),  # type: ignore[attr-defined]
                [
                    {"recommendation_id": rec_id, "organisation_id": f, "active": True}
                    for f in forces
                ],
            )
        ids.append(report_id)
    return ids


_UPDATE_COLUMNS = (
    "id",
    "assignment_id",
    "status",
    "evidence_date",
    "recorded_at",
    "recorded_by",
    "narrative",
    "links",
    "revised_target_date",
    "revision_reason",
    "source",
    "fingerprint",
    "recorded_by_user",
    "on_behalf_of",
)
_REVIEW_COLUMNS = ("update_id", "decision", "reason", "reviewed_by", "reviewed_at")


def _bulk_insert(
    connection: sa.Connection,
    table: sa.Table,
    columns: tuple[str, ...],
    rows: list[dict[str, object]],
) -> None:
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                # JSON columns go in as their text ("[]"), not as an array.
                copy.write_row(tuple("[]" if c == "links" else row[c] for c in columns))
        return
    connection.execute(sa.insert(table), [{c: row[c] for c in columns} for row in rows])


def _per_assignment(total: int, targets: list[Target], rng: random.Random) -> list[int]:
    """Share ``total`` updates out unevenly; about one organisation in twenty never reports."""
    weights = [0.0 if rng.random() < 0.05 else rng.uniform(0.3, 1.7) for _ in targets]
    scale = total / (sum(weights) or 1)
    counts = [int(w * scale) for w in weights]
    counts[0] += total - sum(counts)
    return counts


def generate(*, url: str, size: str, seed: int = 1, quiet: bool = False) -> dict[str, int]:
    """Build the benchmark history for ``size`` into the (empty) database at ``url``."""
    main_updates, extra_reports, extra_updates = SIZES[size]
    engine = engine_for(url)
    started = time.perf_counter()
    catalogue, _ = setup.initialise(engine=engine, actor=local_operator())
    update_table: sa.Table = EvidenceUpdate.__table__  # type: ignore[attr-defined]
    review_table: sa.Table = Review.__table__  # type: ignore[attr-defined]
    updates = reviews = 0
    with write_session(engine) as session:
        connection = session.connection()
        existing = connection.execute(sa.select(sa.func.count()).select_from(update_table))
        if existing.scalar_one():
            raise SystemExit("The database already holds updates: give an empty database.")
        plan = [(catalogue.report.id, main_updates)]
        plan += [(r, extra_updates) for r in _synthetic_reports(connection, extra_reports, seed)]
        next_id = 1
        for report_id, total in plan:
            targets = _targets(connection, report_id)
            rng = random.Random(f"{seed}:{report_id}")
            batch: list[dict[str, object]] = []
            decisions: list[dict[str, object]] = []
            for target, count in zip(targets, _per_assignment(total, targets, rng), strict=True):
                own = random.Random(f"{seed}:{target.assignment_id}")
                for row in history(target, count, own):
                    row["id"] = next_id
                    row["fingerprint"] = hashlib.sha256(
                        f"bench:{seed}:{next_id}".encode()
                    ).hexdigest()
                    next_id += 1
                    batch.append(row)
                    review = review_of(row, own)
                    if review is not None:
                        decisions.append(review)
            _bulk_insert(connection, update_table, _UPDATE_COLUMNS, batch)
            _bulk_insert(connection, review_table, _REVIEW_COLUMNS, decisions)
            updates += len(batch)
            reviews += len(decisions)
            if not quiet:
                print(
                    f"  {report_id}: {len(batch):,} updates, {len(decisions):,} reviews", flush=True
                )
        if connection.dialect.name == "postgresql":
            for table in ("evidence_update", "review"):
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        audit_trail.record(
            session,
            local_operator(),
            "bench_loaded",
            object_type="bench",
            object_id=size,
            after={"size": size, "seed": seed, "updates_added": updates, "reviews_added": reviews},
            message=f"Benchmark history loaded in bulk: {updates} updates, {reviews} reviews",
        )
    if connection.dialect.name == "postgresql":
        # As an operator does after a bulk load: otherwise autovacuum sets about the new rows
        # in the middle of the measurements.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM (ANALYZE)"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    seconds = time.perf_counter() - started
    if not quiet:
        print(f"Loaded {updates:,} updates and {reviews:,} reviews in {seconds:.1f} s")
    return {"updates": updates, "reviews": reviews, "seconds": int(seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="database URL (an empty database)")
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(url=args.db, size=args.size, seed=args.seed)


if __name__ == "__main__":
    main()
