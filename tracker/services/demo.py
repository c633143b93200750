"""A believable demonstration data set: every assignment, a 2023–2026 history.

Generated from fixed seeds and fixed dates, so running it twice adds nothing the second time
(updates are stored once per fingerprint) and every machine gets the same picture.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker import store, store_board, store_returns, store_reviews, store_users
from tracker.db import read_session, write_session
from tracker.evidence import CheckedUpdate, fingerprint
from tracker.roles import Action, Actor, Role
from tracker.rules import Decision, Status
from tracker.services import audit as audit_trail
from tracker.services import responses, rounds, users
from tracker.services.access import authorise
from tracker.text import check_url

DEMO_UNTIL = date(2026, 10, 30)  # the last date any demonstration update speaks for
DEMO_RECORDED_UNTIL = DEMO_UNTIL + timedelta(days=6)  # and the last day one is recorded

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


@dataclass(frozen=True)
class Voice:
    """How one kind of organisation speaks of its own work, and who records for it."""

    openings: tuple[str, ...]
    progress: tuple[str, ...]
    done: tuple[str, ...]
    recorders: tuple[str, ...]
    delays: tuple[str, ...]  # reasons for moving a target date


FORCE = Voice(
    openings=(
        "Gap analysis against the recommendation completed and an action plan agreed at chief "
        "officer group.",
        "Named senior lead appointed in public protection and a working group set up with "
        "safeguarding partners.",
        "Baseline audit of current practice carried out; findings reported to the force "
        "executive board.",
    ),
    progress=(
        "Revised procedure drafted and consulted on; training for relevant teams is being "
        "scheduled.",
        "Pilot running in two local policing areas; an early dip sample of cases shows "
        "improvement.",
        "New process live for referrals received since the start of the quarter; monitored "
        "through the force performance board.",
        "Training delivered to around two thirds of the staff in scope; the remainder booked.",
    ),
    done=(
        "Changes embedded in business as usual and confirmed by an internal audit of recent cases.",
        "Policy published, training complete for all staff in scope, and compliance reported "
        "monthly to the force performance board.",
        "Independent review by the force's audit team found the new arrangements working as "
        "intended.",
    ),
    recorders=(
        "Detective Superintendent",
        "Head of Public Protection",
        "Performance lead",
        "Chief of staff",
    ),
    delays=(
        "Digital forensics backlog: the lab's new capacity is not available until the next "
        "financial year.",
        "Training places on the national course are booked for later in the year.",
        "Recruitment to the online child abuse investigation team is taking longer than planned.",
        "Awaiting the regional unit's revised referral process, which our procedure depends on.",
    ),
)
LOCAL_POLICING_BODY = Voice(
    openings=(
        "The report has been discussed with the chief constable, and the office has asked for an "
        "action plan against the recommendation.",
        "The recommendation has been added to the office's scrutiny programme; the force will "
        "report to the accountability board each quarter.",
    ),
    progress=(
        "The accountability board reviewed the force's progress report; the office has asked for "
        "outcome figures at the next meeting.",
        "Commissioning review of support services for children under way with the local "
        "authorities and health partners.",
        "The police and crime panel received a briefing on progress; actions remain open.",
    ),
    done=(
        "The accountability board is satisfied that the force's changes are in place; continuing "
        "scrutiny through the quarterly performance report.",
        "Support services recommissioned and the new contract started; take-up reported to the "
        "panel.",
    ),
    recorders=(
        "Head of Policy and Scrutiny",
        "Chief executive",
        "Performance and scrutiny officer",
    ),
    delays=(
        "The commissioning exercise was extended to bring in the new health partnership.",
        "Waiting for the force's revised action plan before the office can close its scrutiny.",
    ),
)
ROCU = Voice(
    openings=("Regional tasking group agreed the unit's response and a lead officer.",),
    progress=(
        "Regional process drafted with the member forces; go-live planned for next quarter.",
    ),
    done=("Regional arrangements live in every member force and reviewed by the unit's board.",),
    recorders=("Head of the regional unit", "Regional performance lead"),
    delays=("Member forces asked for more time to align their local processes.",),
)
NATIONAL: dict[str, Voice] = {
    "npcc": Voice(
        openings=(
            "The NPCC lead for child protection has set up a national working group with forces, "
            "the College of Policing and the NCA.",
        ),
        progress=(
            "National guidance drafted and shared with chief constables for consultation through "
            "the portfolio.",
            "Chief Constables' Council received a progress paper; forces have been asked to "
            "report their local arrangements.",
        ),
        done=(
            "Guidance agreed at Chief Constables' Council and issued to every force; adoption "
            "is tracked through the portfolio's returns.",
        ),
        recorders=("Staff officer to the NPCC child protection lead", "NPCC portfolio manager"),
        delays=(
            "Consultation with forces extended so that regional units could respond.",
            "Awaiting the College of Policing's updated guidance, which the national "
            "arrangements must match.",
        ),
    ),
    "college_of_policing": Voice(
        openings=(
            "The College has scoped changes to its guidance and learning for investigators of "
            "online child abuse.",
        ),
        progress=(
            "Draft authorised professional practice out for consultation with forces and partners.",
            "New learning module written and being tested with three forces.",
        ),
        done=(
            "Updated guidance published and the learning module available to every force "
            "through the College's learning platform.",
        ),
        recorders=("Head of Public Protection Standards", "Curriculum lead"),
        delays=(
            "Consultation responses asked for more practical examples; publication moved to allow "
            "a second draft.",
        ),
    ),
    "nca": Voice(
        openings=(
            "The agency has reviewed how it triages and packages referrals to forces and agreed "
            "an improvement plan.",
        ),
        progress=(
            "New referral package trialled with two regions; forces report fewer returns for "
            "missing information.",
            "Triage changes live for industry referrals; timeliness reported monthly to the "
            "agency's board.",
        ),
        done=(
            "Improved referral process live for all forces, with timeliness and quality measures "
            "published to policing partners.",
        ),
        recorders=("Head of CSA threat leadership", "NCA programme manager"),
        delays=(
            "The volume of industry referrals rose sharply; the system change was re-planned.",
        ),
    ),
}
GOVERNMENT = Voice(
    openings=(
        "The department has considered the recommendation and is working with policing and "
        "other departments on its response.",
    ),
    progress=(
        "Officials are working through the policy options with ministers; engagement with "
        "industry and regulators under way.",
        "The department set out its approach in its published response and is taking it forward "
        "with partners.",
    ),
    done=("The department's response has been delivered and reported to Parliament.",),
    recorders=("Policy lead, child sexual abuse", "Senior policy adviser"),
    delays=("The timetable depends on parliamentary business and has moved.",),
)
NOT_APPLICABLE = (
    "The force does not carry out this function: it is delivered for us by the regional unit, "
    "which reports on it separately.",
)


def voice(record: store.AssignmentRecord) -> Voice:
    """The voice an organisation's updates speak in: a department never cites "the force"."""
    if record.organisation_id in NATIONAL:
        return NATIONAL[record.organisation_id]
    return {
        "force": FORCE,
        "local_policing_body": LOCAL_POLICING_BODY,
        "rocu": ROCU,
        "government": GOVERNMENT,
    }.get(record.organisation_kind, FORCE)


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


def answer_return(
    record: store.AssignmentRecord, claim: store.NewUpdate, returned_at: datetime
) -> tuple[store.NewUpdate, datetime | None] | None:
    """Most returned claims are answered: the organisation sends the evidence asked for and the
    monitor accepts it (unless that would fall after the demonstration's end). Some stay
    returned. Fixed by the assignment, so every run agrees."""
    rng = random.Random(f"answer:{record.recommendation}:{record.organisation_id}")
    if rng.random() < 0.4:
        return None
    day = returned_at.date() + timedelta(days=rng.randint(14, 45))
    if day > DEMO_UNTIL:
        return None
    narrative = (
        f"{claim.narrative} In answer to the monitor's return: the evidence asked for is now "
        "attached to our records, with the dip sample of recent cases and the training figures "
        "for all staff in scope."
    )
    checked = CheckedUpdate(
        status=claim.status,
        evidence_date=day,
        narrative=narrative,
        links=(),
        revised_target_date=None,
        revision_reason=None,
        on_behalf_of=None,
        attachments=(),
    )
    recorded_at = datetime.combine(day + timedelta(days=rng.randint(0, 3)), time(10, 0), tzinfo=UTC)
    follow_up = store.NewUpdate(
        assignment_id=claim.assignment_id,
        status=claim.status,
        evidence_date=day,
        recorded_at=recorded_at,
        recorded_by=claim.recorded_by,
        narrative=narrative,
        links=(),
        revised_target_date=None,
        revision_reason=None,
        source="demo",
        fingerprint=fingerprint(claim.assignment_id, checked),
    )
    accepted_at = recorded_at + timedelta(days=rng.randint(7, 30))
    return follow_up, (accepted_at if accepted_at.date() <= DEMO_UNTIL else None)


def _profile(rng: random.Random) -> str:
    names = [p for p, _ in PROFILES]
    weights = [w for _, w in PROFILES]
    return rng.choices(names, weights=weights, k=1)[0]


@dataclass(frozen=True)
class PlannedUpdate:
    status: Status
    evidence_date: date
    narrative: str
    revised_target_date: date | None = None
    revision_reason: str | None = None
    # Days from the evidence date to recording: a few for most, over a month for a back-dated
    # return filed late.
    lag_days: int = 0


def plan_updates(record: store.AssignmentRecord, published: date) -> list[PlannedUpdate]:
    """The demonstration history of one assignment, in the voice of its organisation."""
    rng = random.Random(f"demo:{record.recommendation}:{record.organisation_id}")
    words = voice(record)
    profile = _profile(rng)
    if record.organisation_kind != "force" and profile == "not_applicable":
        profile = "in_progress"
    deadline = record.deadline or date(2024, 10, 31)
    start = published + timedelta(days=rng.randint(20, 120))

    def lag() -> int:
        # About one return in fifteen is filed late: recorded a month or more after the date
        # its evidence speaks for (back-dated).
        return rng.randint(35, 110) if rng.random() < 0.07 else rng.randint(0, 6)

    if profile == "never_reported":
        return []
    if profile == "not_applicable":
        return [
            PlannedUpdate(Status.NOT_APPLICABLE, start, rng.choice(NOT_APPLICABLE), lag_days=lag())
        ]
    if profile == "reported_not_started":
        return [
            PlannedUpdate(
                Status.NOT_STARTED,
                start,
                "Recommendation received and logged; work has not yet begun because of competing "
                "priorities.",
                lag_days=lag(),
            )
        ]
    history = [PlannedUpdate(Status.IN_PROGRESS, start, rng.choice(words.openings), lag_days=lag())]
    day = start
    if profile == "implemented_on_time":
        for _ in range(rng.randint(0, 2)):
            day = day + timedelta(days=rng.randint(45, 100))
            history.append(
                PlannedUpdate(Status.IN_PROGRESS, day, rng.choice(words.progress), lag_days=lag())
            )
        done = max(day + timedelta(days=14), deadline - timedelta(days=rng.randint(0, 60)))
        history.append(
            PlannedUpdate(
                Status.IMPLEMENTED, min(done, DEMO_UNTIL), rng.choice(words.done), lag_days=lag()
            )
        )
        return history
    # The others keep reporting in progress at a steady cadence. Those running late give a
    # revised target date with a reason; "revised_target" ones move it again and again.
    quiet_after = DEMO_UNTIL - timedelta(days=rng.randint(150, 420))
    finish = deadline + timedelta(days=rng.randint(60, 1080))
    moves_left = {"revised_target": rng.randint(2, 3), "implemented_late": 1}.get(profile, 0)
    if profile == "in_progress" and rng.random() < 0.5:
        moves_left = 1
    target = deadline
    while True:
        day = day + timedelta(days=rng.randint(60, 120))
        if day > DEMO_UNTIL or (profile == "gone_quiet" and day > quiet_after):
            break
        if profile == "implemented_late" and day >= finish:
            history.append(
                PlannedUpdate(Status.IMPLEMENTED, day, rng.choice(words.done), lag_days=lag())
            )
            break
        if moves_left and day > target - timedelta(days=40):
            target = max(target, day) + timedelta(days=rng.randint(90, 240))
            moves_left -= 1
            history.append(
                PlannedUpdate(
                    Status.IN_PROGRESS,
                    day,
                    rng.choice(words.progress),
                    revised_target_date=target,
                    revision_reason=rng.choice(words.delays),
                    lag_days=lag(),
                )
            )
            continue
        history.append(
            PlannedUpdate(Status.IN_PROGRESS, day, rng.choice(words.progress), lag_days=lag())
        )
    return history


# The demonstration board meets each quarter; its meetings are the default "changes since".
DEMO_BOARD = "National oversight board"
DEMO_MEETINGS: tuple[date, ...] = (
    date(2023, 7, 13),
    date(2023, 10, 19),
    date(2024, 1, 25),
    date(2024, 4, 25),
    date(2024, 7, 18),
    date(2024, 10, 17),
    date(2025, 1, 23),
    date(2025, 4, 24),
    date(2025, 7, 17),
    date(2025, 10, 16),
    date(2026, 1, 22),
    date(2026, 4, 23),
    date(2026, 7, 16),
    date(2026, 10, 15),
)


# Return rounds: the monitors ask every organisation with open work for a return after each
# summer and autumn meeting. The summer round is closed; the autumn one is open, due soon after
# the demonstration's last recorded day. Times are UTC; the round opens before the day's returns.
@dataclass(frozen=True)
class DemoRound:
    name: str
    opened: date
    due: date
    closed: date | None  # None: still open


DEMO_ROUNDS: tuple[DemoRound, ...] = (
    DemoRound("Summer 2026 return", date(2026, 7, 20), date(2026, 9, 4), date(2026, 10, 9)),
    DemoRound("Autumn 2026 return", date(2026, 10, 19), date(2026, 12, 4), None),
)
_ROUND_OPENS_AT = time(9, 0)
_RETURN_RECORDED_AT = time(11, 30)
_ROUND_CLOSES_AT = time(17, 0)
Review = tuple[Decision, datetime, str]


def _latest(history: list[store.NewUpdate], day: date) -> store.NewUpdate | None:
    said = [u for u in history if u.evidence_date <= day]
    return max(said, key=lambda u: (u.evidence_date, u.recorded_at)) if said else None


def plan_round_returns(
    demo_round: DemoRound,
    scope: tuple[tuple[int, str], ...],
    histories: dict[int, list[store.NewUpdate]],
    who: dict[str, str],
    reviews: dict[tuple[int, str], Review | None],
) -> list[tuple[store.NewUpdate, Review | None]]:
    """The updates organisations send for a round, each with the monitor's decision on it if it
    repeats a claim: most organisations return on time, some late (while the round is open and
    before the demonstration ends), some not at all. Each says there is no change since the
    organisation's last update, which is itself evidence. Never-reported assignments get
    nothing, nor a claim the monitor has already decided or leaves waiting (a repeat would only
    read as a new claim), so those organisations have not returned. A repeated claim takes over
    the decision the monitor makes on it later. Fixed by the round and organisation."""
    by_org: dict[str, list[int]] = {}
    for assignment_id, organisation_id in scope:
        by_org.setdefault(organisation_id, []).append(assignment_id)
    last_day = min(demo_round.closed or DEMO_UNTIL, DEMO_UNTIL)
    planned: list[tuple[store.NewUpdate, Review | None]] = []
    for organisation_id, assignment_ids in by_org.items():
        rng = random.Random(f"round:{demo_round.name}:{organisation_id}")
        roll = rng.random()
        if roll < 0.8:
            first, last = demo_round.opened, min(demo_round.due, last_day)
        elif roll < 0.94 and demo_round.due < last_day:
            first, last = demo_round.due + timedelta(days=1), last_day - timedelta(days=1)
        else:
            continue  # sends nothing for this round (beyond what its usual updates say)
        day = first + timedelta(days=rng.randint(0, max((last - first).days, 0)))
        recorded_on = min(day + timedelta(days=rng.randint(0, 2)), DEMO_RECORDED_UNTIL)
        if demo_round.closed is not None:
            recorded_on = min(recorded_on, demo_round.closed - timedelta(days=1))
        recorded_at = datetime.combine(recorded_on, _RETURN_RECORDED_AT, tzinfo=UTC)
        for assignment_id in assignment_ids:
            history = histories.setdefault(assignment_id, [])
            latest = _latest(history, day)
            if latest is None or latest.recorded_at >= recorded_at:
                continue
            review: Review | None = None
            if latest.status.is_closed:
                decided = reviews.get((assignment_id, latest.fingerprint))
                if decided is None or decided[1] <= recorded_at:
                    # Already decided, or left waiting: a repeat would only show as a new claim.
                    continue
                review = decided
            said = f"{latest.evidence_date.day} {latest.evidence_date:%B %Y}"
            narrative = f"{demo_round.name}: no change since our update of {said}." + (
                " That update stands while the monitor reviews it."
                if latest.status.is_closed
                else " The work described there continues as planned."
            )
            checked = CheckedUpdate(
                status=latest.status,
                evidence_date=day,
                narrative=narrative,
                links=(),
                revised_target_date=latest.revised_target_date,
                revision_reason=latest.revision_reason,
                on_behalf_of=None,
                attachments=(),
            )
            update = store.NewUpdate(
                assignment_id=assignment_id,
                status=latest.status,
                evidence_date=day,
                recorded_at=recorded_at,
                recorded_by=who.get(organisation_id, organisation_id),
                narrative=narrative,
                links=(),
                revised_target_date=latest.revised_target_date,
                revision_reason=latest.revision_reason,
                source="demo",
                fingerprint=fingerprint(assignment_id, checked),
            )
            planned.append((update, review))
            history.append(update)
            if review is not None:
                reviews[(assignment_id, update.fingerprint)] = review
    return planned


def _fill_rounds(
    *,
    engine: Engine,
    actor: Actor,
    pending: list[store.NewUpdate],
    who: dict[str, str],
    reviews: dict[tuple[int, str], Review | None],
) -> tuple[int, int, int]:
    """Open (and close) the demonstration rounds through the rounds service, with the returns
    organisations send for them. Returns (rounds opened now, returns stored now, already
    there); updates in ``pending`` are already stored. The rounds are opened and closed as
    whoever loads the demonstration, so the audit trail names who really did it."""
    histories: dict[int, list[store.NewUpdate]] = {}
    for update in pending:
        histories.setdefault(update.assignment_id, []).append(update)
    opened = stored = already = 0
    existing = {r.name: r for r in rounds.list_rounds(engine=engine)}
    for demo_round in DEMO_ROUNDS:
        found = existing.get(demo_round.name)
        if found is None:
            found = rounds.open_round(
                engine=engine,
                actor=actor,
                name=demo_round.name,
                due_date=demo_round.due,
                at=datetime.combine(demo_round.opened, _ROUND_OPENS_AT, tzinfo=UTC),
            )
            opened += 1
        with read_session(engine) as session:
            scope = store_returns.rounds(session=session, round_id=found.id)[0].scope
        planned = plan_round_returns(demo_round, scope, histories, who, reviews)
        with write_session(engine) as session:
            known = store.existing_fingerprints(
                session=session, assignment_ids=[u.assignment_id for u, _ in planned]
            )
            fresh = [(u, r) for u, r in planned if (u.assignment_id, u.fingerprint) not in known]
            ids = store.append_updates(session=session, updates=[u for u, _ in fresh])
            for update_id, (_, review) in zip(ids, fresh, strict=True):
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
        stored += len(fresh)
        already += len(planned) - len(fresh)
        if demo_round.closed is not None and found.closed_at is None:
            rounds.close_round(
                engine=engine,
                actor=actor,
                name=demo_round.name,
                at=datetime.combine(demo_round.closed, _ROUND_CLOSES_AT, tzinfo=UTC),
            )
    return opened, stored, already


# Statutory responses (s.55): most local policing bodies published on time, a few late, a few
# not at all. The links are placeholders: no real body published anything on these dates.
DEMO_RESPONSE_LINK = "https://example.org/demo/statutory-response/"


def plan_response(body_id: str, published: date) -> date | None:
    """When a body published its comments in the demonstration (None: never)."""
    rng = random.Random(f"s55:{body_id}")
    due = responses.due_date(published)
    roll = rng.random()
    if roll < 0.76:
        return due - timedelta(days=min(rng.randint(0, 40), (due - published).days))
    if roll < 0.9:
        return due + timedelta(days=rng.randint(3, 120))
    return None


def _fill_responses(*, session: Session, report: store.ReportInfo) -> int:
    """Record the demonstration's statutory responses that are missing; returns how many."""
    recorded = {
        r.organisation_id for r in store_returns.responses(session=session, report_id=report.id)
    }
    added = 0
    for body in store_returns.local_policing_bodies(session=session):
        published = plan_response(body.id, report.published)
        if published is None or body.id in recorded:
            continue
        rng = random.Random(f"s55-recorded:{body.id}")
        store_returns.add_response(
            session=session,
            organisation_id=body.id,
            report_id=report.id,
            published=published,
            url=check_url(DEMO_RESPONSE_LINK + body.id.replace("_", "-")),
            recorded_at=datetime.combine(
                published + timedelta(days=rng.randint(1, 14)), time(10, 0), tzinfo=UTC
            ),
            recorded_by=DEMO_MONITOR,
        )
        added += 1
    return added


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
    # A monitor's decision on each claim, planned with the history (None: still waiting).
    planned_reviews: dict[tuple[int, str], Review | None] = {}
    speakers: dict[str, str] = {}
    for record in records:
        rng = random.Random(f"who:{record.organisation_id}")
        who = f"{rng.choice(voice(record).recorders)}, {record.organisation}"
        speakers[record.organisation_id] = who
        for planned in plan_updates(record, report.published):
            checked = CheckedUpdate(
                status=planned.status,
                evidence_date=planned.evidence_date,
                narrative=planned.narrative,
                links=(),
                revised_target_date=planned.revised_target_date,
                revision_reason=planned.revision_reason,
                on_behalf_of=None,
                attachments=(),
            )
            # Nothing is recorded after the demonstration's last week, however late it was filed.
            recorded_on = max(
                planned.evidence_date,
                min(planned.evidence_date + timedelta(days=planned.lag_days), DEMO_RECORDED_UNTIL),
            )
            recorded_at = datetime.combine(recorded_on, time(10, 0), tzinfo=UTC)
            pending.append(
                store.NewUpdate(
                    assignment_id=record.assignment_id,
                    status=planned.status,
                    evidence_date=planned.evidence_date,
                    recorded_at=recorded_at,
                    recorded_by=who,
                    narrative=planned.narrative,
                    links=(),
                    revised_target_date=planned.revised_target_date,
                    revision_reason=planned.revision_reason,
                    source="demo",
                    fingerprint=fingerprint(record.assignment_id, checked),
                )
            )
        last = (
            pending[-1] if pending and pending[-1].assignment_id == record.assignment_id else None
        )
        if last is not None and last.status.is_closed:
            review = plan_review(record, last)
            planned_reviews[(last.assignment_id, last.fingerprint)] = review
            answered = (
                answer_return(record, last, review[1])
                if review is not None and review[0] == Decision.RETURNED
                else None
            )
            if answered is not None:
                follow_up, accepted_at = answered
                pending.append(follow_up)
                planned_reviews[(follow_up.assignment_id, follow_up.fingerprint)] = (
                    (Decision.ACCEPTED, accepted_at, "") if accepted_at is not None else None
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
            review = planned_reviews.get((update.assignment_id, update.fingerprint))
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
        meetings_added = 0
        for held_on in DEMO_MEETINGS:
            if store_board.find_meeting(session=session, board=DEMO_BOARD, held_on=held_on):
                continue
            store_board.append_meeting(
                session=session,
                board=DEMO_BOARD,
                held_on=held_on,
                recorded_by=DEMO_MONITOR,
                recorded_by_name=SAMPLE_USERS[DEMO_MONITOR],
                recorded_at=datetime.combine(held_on, time(17, 0), tzinfo=UTC),
            )
            meetings_added += 1
        responses_added = _fill_responses(session=session, report=report)
    # Rounds go through the rounds service, which fixes each round's scope from the stored
    # record, so they come after the updates they ask about.
    rounds_opened, returns_added, returns_there = _fill_rounds(
        engine=engine, actor=actor, pending=pending, who=speakers, reviews=planned_reviews
    )
    stored = len(fresh) + returns_added
    if stored or users_added or meetings_added or responses_added or rounds_opened:
        # A repeat run adds nothing, so it has nothing to record.
        with write_session(engine) as session:
            audit_trail.record(
                session,
                actor,
                "demo_loaded",
                object_type="demo",
                object_id=report.id,
                after={
                    "updates_added": stored,
                    "reviews_added": reviews_added,
                    "sample_users_added": users_added,
                    "meetings_added": meetings_added,
                    "rounds_opened": rounds_opened,
                    "round_returns_added": returns_added,
                    "statutory_responses_added": responses_added,
                },
                message=f"Demonstration data loaded: {stored} updates, {reviews_added} reviews",
            )
    return stored, len(pending) - len(fresh) + returns_there
