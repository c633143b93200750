"""A believable demonstration data set: every assignment, a 2023–2026 history.

Generated from fixed seeds and fixed dates, so running it twice adds nothing the second time
(updates are stored once per fingerprint) and every machine gets the same picture.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.engine import Engine

from tracker import store, store_reviews, store_users
from tracker.db import read_session, write_session
from tracker.evidence import CheckedUpdate, fingerprint
from tracker.roles import Action, Actor, Role
from tracker.rules import Decision, Status
from tracker.services import audit as audit_trail
from tracker.services import users
from tracker.services.access import authorise

DEMO_UNTIL = date(2026, 10, 30)  # the last date any demonstration update speaks for

# (profile, weight). Weights give roughly: most implemented by 2026, a stubborn minority
# in progress (overdue), some gone quiet (stale), a few never reported at all.
PROFILES: tuple[tuple[str, int], ...] = (
    ("implemented_on_time", 40),
    ("implemented_late", 27),
    ("in_progress", 9),
    ("gone_quiet", 8),
    ("revised_target", 6),
    ("never_reported", 4),
    ("reported_not_started", 3),
    ("not_applicable", 3),
)

OPENINGS = (
    "Gap analysis against the recommendation completed and an action plan agreed at chief "
    "officer group.",
    "Named senior lead appointed and a working group set up with safeguarding partners.",
    "Baseline audit of current practice carried out; findings reported to the force executive.",
)
PROGRESS = (
    "Revised procedure drafted and consulted on; training for relevant teams is being scheduled.",
    "Pilot running in two local policing areas; early dip sample of cases shows improvement.",
    "New process live for referrals received since the start of the quarter; monitoring through "
    "the performance board.",
    "Training delivered to around two thirds of the staff in scope; remainder booked.",
)
DONE = (
    "Changes embedded in business as usual and confirmed by an internal audit of recent cases.",
    "Policy published, training complete for all staff in scope, and compliance reported monthly "
    "to the force performance board.",
    "Independent review by the force's audit team found the new arrangements working as intended.",
)
NOT_APPLICABLE = (
    "The force does not carry out this function: it is delivered for us by the regional unit, "
    "which reports on it separately.",
)
ROLES = (
    "Detective Superintendent",
    "Head of Public Protection",
    "Performance lead",
    "Chief of staff",
)


# The sample monitor who reviews the demonstration claims.
DEMO_MONITOR = "demo.monitor"
RETURN_REASONS = (
    "Please attach the internal audit or dip sample that shows the change is working.",
    "The update describes a plan, not a change in practice: say what is now done differently.",
    "Training figures cover only some of the staff in scope: confirm when the rest are trained.",
)


def plan_review(
    record: store.AssignmentRecord, update: store.NewUpdate
) -> tuple[Decision, datetime, str] | None:
    """The sample monitor's decision on a demonstration claim: most accepted, some returned with
    a reason, a few still waiting (None). Fixed by the assignment, so every run agrees."""
    rng = random.Random(f"review:{record.recommendation}:{record.organisation_id}")
    roll = rng.random()
    reviewed_at = update.recorded_at + timedelta(days=rng.randint(5, 40))
    if roll < 0.10 or reviewed_at.date() > DEMO_UNTIL:
        return None
    if roll < 0.18:
        return Decision.RETURNED, reviewed_at, rng.choice(RETURN_REASONS)
    return Decision.ACCEPTED, reviewed_at, ""


def _profile(rng: random.Random) -> str:
    names = [p for p, _ in PROFILES]
    weights = [w for _, w in PROFILES]
    return rng.choices(names, weights=weights, k=1)[0]


def _on_or_before(day: date, limit: date) -> date:
    return min(day, limit)


def plan_updates(
    record: store.AssignmentRecord, published: date
) -> list[tuple[Status, date, str, date | None, str | None]]:
    """The demonstration history of one assignment: (status, evidence date, narrative, revised
    target, reason)."""
    rng = random.Random(f"demo:{record.recommendation}:{record.organisation_id}")
    profile = _profile(rng)
    if record.organisation_kind != "force" and profile == "not_applicable":
        profile = "in_progress"
    deadline = record.deadline or date(2024, 10, 31)
    start = published + timedelta(days=rng.randint(20, 120))
    history: list[tuple[Status, date, str, date | None, str | None]] = []
    if profile == "never_reported":
        return history
    if profile == "not_applicable":
        return [(Status.NOT_APPLICABLE, start, rng.choice(NOT_APPLICABLE), None, None)]
    if profile == "reported_not_started":
        return [
            (
                Status.NOT_STARTED,
                start,
                "Recommendation received and logged; work has not yet begun because of competing "
                "priorities.",
                None,
                None,
            )
        ]
    history.append((Status.IN_PROGRESS, start, rng.choice(OPENINGS), None, None))
    day = start
    if profile == "implemented_on_time":
        for _ in range(rng.randint(0, 2)):
            day = day + timedelta(days=rng.randint(45, 100))
            history.append((Status.IN_PROGRESS, day, rng.choice(PROGRESS), None, None))
        done = max(day + timedelta(days=14), deadline - timedelta(days=rng.randint(0, 60)))
        history.append(
            (Status.IMPLEMENTED, _on_or_before(done, DEMO_UNTIL), rng.choice(DONE), None, None)
        )
        return history
    # The others keep reporting in progress at a steady cadence.
    quiet_after = DEMO_UNTIL - timedelta(days=rng.randint(150, 420))
    finish = deadline + timedelta(days=rng.randint(60, 700))
    revised = None
    reason = None
    while True:
        day = day + timedelta(days=rng.randint(60, 120))
        if day > DEMO_UNTIL or (profile == "gone_quiet" and day > quiet_after):
            break
        if profile == "implemented_late" and day >= finish:
            history.append((Status.IMPLEMENTED, day, rng.choice(DONE), None, None))
            break
        if profile == "revised_target" and revised is None and day > deadline - timedelta(days=40):
            revised = deadline + timedelta(days=rng.randint(120, 400))
            reason = "Dependent on a national system change that has been delayed."
            history.append((Status.IN_PROGRESS, day, rng.choice(PROGRESS), revised, reason))
            continue
        history.append((Status.IN_PROGRESS, day, rng.choice(PROGRESS), None, None))
    return history


# Sample users of each role for demonstration mode's switch. They have no password, so nobody
# can sign in as one; only `tracker serve --demo` acts as them.
VIEWER_SAMPLE = "demo.viewer"
SAMPLE_USERS: dict[str, str] = {
    VIEWER_SAMPLE: "Demonstration viewer (board member)",
    "demo.kent": "Kent Police editor",
    "demo.monitor": "National monitor",
    "demo.admin": "Administrator",
}
_SAMPLE_ROLES: dict[str, tuple[Role, tuple[str, ...]]] = {
    VIEWER_SAMPLE: (Role.VIEWER, ()),
    "demo.kent": (Role.EDITOR, ("kent",)),
    "demo.monitor": (Role.MONITOR, ()),
    "demo.admin": (Role.ADMIN, ()),
}


class RealDataError(ValueError):
    """The database holds real data, so demonstration data must not be mixed into it."""


def add_sample_users(*, engine: Engine, actor: Actor) -> int:
    """Create the demonstration's sample users that are missing; returns how many were added."""
    added = 0
    for username, (role, organisations) in _SAMPLE_ROLES.items():
        if users.find_user(engine=engine, username=username) is not None:
            continue
        users.create_user(
            engine=engine,
            actor=actor,
            username=username,
            role=role.value,
            organisation_ids=organisations,
            display_name=SAMPLE_USERS[username],
        )
        added += 1
    return added


def real_data(*, engine: Engine) -> str | None:
    """Why this database must not get demonstration data (None if it holds only demonstration
    data, or nothing)."""
    with read_session(engine) as session:
        if not store.has_schema(session=session):
            return None
        updates = store.count_updates_not_from(session=session, source="demo")
        people = sorted(
            u.username for u in store_users.users(session=session) if u.username not in SAMPLE_USERS
        )
    if updates:
        return (
            f"This database holds {updates} real update(s): demonstration data is never added "
            "to real data. Use a new, empty database for the demonstration."
        )
    if people:
        return (
            f"This database has real tracker users ({', '.join(people[:3])}"
            f"{', ...' if len(people) > 3 else ''}): demonstration data is never added to real "
            "data. Use a new, empty database for the demonstration."
        )
    return None


def check_may_load(*, engine: Engine, actor: Actor) -> None:
    """Raise ``AccessDeniedError`` unless the actor is an administrator, ``RealDataError`` if the
    database holds real data; nothing is written but a refusal's audit event."""
    authorise(engine=engine, actor=actor, action=Action.LOAD_DEMO, object_type="demo")
    problem = real_data(engine=engine)
    if problem:
        raise RealDataError(problem)


def fill_demo(*, engine: Engine, actor: Actor) -> tuple[int, int]:
    """Add the demonstration updates and sample users; returns (updates stored now, already
    there). An administrator's action, refused on a database that holds real data."""
    check_may_load(engine=engine, actor=actor)
    with read_session(engine) as session:
        report = store.report_info(session=session)
        if report is None:
            raise LookupError("Load the catalogue first: run `tracker init`.")
        records = store.assignment_records(session=session, report_id=report.id)
    users_added = add_sample_users(engine=engine, actor=actor)
    pending: list[store.NewUpdate] = []
    by_assignment = {r.assignment_id: r for r in records}
    for record in records:
        rng = random.Random(f"who:{record.organisation_id}")
        who = f"{rng.choice(ROLES)}, {record.organisation}"
        for status, day, narrative, revised, reason in plan_updates(record, report.published):
            checked = CheckedUpdate(
                status=status,
                evidence_date=day,
                narrative=narrative,
                links=(),
                revised_target_date=revised,
                revision_reason=reason,
                on_behalf_of=None,
                attachments=(),
            )
            lag = timedelta(days=rng.randint(0, 6))
            recorded_at = datetime.combine(day + lag, time(10, 0), tzinfo=UTC)
            pending.append(
                store.NewUpdate(
                    assignment_id=record.assignment_id,
                    status=status,
                    evidence_date=day,
                    recorded_at=recorded_at,
                    recorded_by=who,
                    narrative=narrative,
                    links=(),
                    revised_target_date=revised,
                    revision_reason=reason,
                    source="demo",
                    fingerprint=fingerprint(record.assignment_id, checked),
                )
            )
    with write_session(engine) as session:
        existing = store.existing_fingerprints(
            session=session, assignment_ids=[u.assignment_id for u in pending]
        )
        fresh = [u for u in pending if (u.assignment_id, u.fingerprint) not in existing]
        ids = store.append_updates(session=session, updates=fresh)
        reviews_added = 0
        for update_id, update in zip(ids, fresh, strict=True):
            if not update.status.is_closed:
                continue
            review = plan_review(by_assignment[update.assignment_id], update)
            if review is not None:
                decision, reviewed_at, reason = review
                store_reviews.append_review(
                    session=session,
                    update_id=update_id,
                    decision=decision,
                    reason=reason,
                    reviewed_by=DEMO_MONITOR,
                    reviewed_at=reviewed_at,
                )
                reviews_added += 1
        if fresh or users_added:  # a repeat run adds nothing, so it has nothing to record
            audit_trail.record(
                session,
                actor,
                "demo_loaded",
                object_type="demo",
                object_id=report.id,
                after={
                    "updates_added": len(fresh),
                    "reviews_added": reviews_added,
                    "sample_users_added": users_added,
                },
                message=f"Demonstration data loaded: {len(fresh)} updates, {reviews_added} reviews",
            )
    return len(fresh), len(pending) - len(fresh)
