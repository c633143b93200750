"""Target-date slippage: each assignment's deadline, every revised target date with its reason
and who gave it, days slipped and revisions, and the roll-up per recommendation.

The rules are in ``tracker.movement`` (``slip``, ``slip_rollup``; threshold
``KEEPS_MOVING_REVISIONS``).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine

from tracker import store_board
from tracker.db import read_session
from tracker.movement import Revision, Slip, SlipRollup, TargetUpdate, slip, slip_rollup
from tracker.rules import utc_moment
from tracker.services import progress
from tracker.services.progress import Filters, Snapshot

EVERYTHING = Filters()


@dataclass(frozen=True)
class AssignmentSlip:
    recommendation: str
    recommendation_number: int
    recommendation_title: str
    organisation: str
    organisation_id: str
    region: str | None
    deadline: date | None
    current_target: date | None  # the deadline when never revised
    days_slipped: int | None  # current target minus deadline; None without a deadline
    revision_count: int
    keeps_moving: bool
    revisions: tuple[Revision, ...]  # oldest first
    assignment_id: int

    @property
    def latest_reason(self) -> str | None:
        return self.revisions[-1].reason if self.revisions else None


@dataclass(frozen=True)
class RecommendationSlip:
    recommendation: str
    recommendation_number: int
    recommendation_title: str
    deadline: date | None
    rollup: SlipRollup

    @property
    def dates_keep_moving(self) -> bool:
        return self.rollup.dates_keep_moving


def slippage_from(
    snapshot: Snapshot,
    targets: dict[int, list[TargetUpdate]],
    *,
    as_of: date,
    known_on: datetime | None = None,
    filters: Filters = EVERYTHING,
) -> list[AssignmentSlip]:
    moment = utc_moment(known_on) if known_on is not None else None
    slips = []
    for rec in snapshot.records:
        if not filters.admits(rec):
            continue
        given = [
            t
            for t in targets.get(rec.assignment_id, [])
            if moment is None or utc_moment(t.recorded_at) <= moment
        ]
        found = slip(rec.deadline, given, as_of)
        slips.append(
            AssignmentSlip(
                recommendation=rec.recommendation,
                recommendation_number=rec.recommendation_number,
                recommendation_title=rec.recommendation_title,
                organisation=rec.organisation,
                organisation_id=rec.organisation_id,
                region=rec.region,
                deadline=rec.deadline,
                current_target=found.current_target,
                days_slipped=found.days_slipped,
                revision_count=found.revision_count,
                keeps_moving=found.keeps_moving,
                revisions=found.revisions,
                assignment_id=rec.assignment_id,
            )
        )
    return slips


def slippage(
    *,
    engine: Engine,
    as_of: date,
    known_on: datetime | None = None,
    filters: Filters = EVERYTHING,
) -> list[AssignmentSlip]:
    """Every assignment the filters admit, with its target-date revisions up to ``as_of`` (as
    recorded by ``known_on`` when given)."""
    snapshot = progress.load_snapshot(engine=engine)
    return slippage_of(snapshot, as_of=as_of, known_on=known_on, filters=filters)


def slippage_of(
    snapshot: Snapshot,
    *,
    as_of: date,
    known_on: datetime | None = None,
    filters: Filters = EVERYTHING,
) -> list[AssignmentSlip]:
    """``slippage`` from a loaded snapshot, reading the revisions of only the assignments the
    filters admit (one force's page reads that force's)."""
    admitted = [r.assignment_id for r in snapshot.records if filters.admits(r)]
    targets = target_updates(engine=snapshot.engine, assignment_ids=admitted)
    return slippage_from(snapshot, targets, as_of=as_of, known_on=known_on, filters=filters)


def target_updates(
    *, engine: Engine, assignment_ids: Sequence[int] | None = None
) -> dict[int, list[TargetUpdate]]:
    """Every update that gave a revised target date, by assignment: of the given assignments,
    or of all."""
    with read_session(engine) as session:
        return store_board.target_updates(session=session, assignment_ids=assignment_ids)


def by_recommendation(slips: Sequence[AssignmentSlip]) -> list[RecommendationSlip]:
    """The roll-up per recommendation, in number order."""
    groups: dict[str, list[AssignmentSlip]] = defaultdict(list)
    for s in slips:
        groups[s.recommendation].append(s)
    result = []
    for items in sorted(groups.values(), key=lambda g: g[0].recommendation_number):
        first = items[0]
        result.append(
            RecommendationSlip(
                recommendation=first.recommendation,
                recommendation_number=first.recommendation_number,
                recommendation_title=first.recommendation_title,
                deadline=first.deadline,
                rollup=slip_rollup([_as_slip(s) for s in items]),
            )
        )
    return result


def _as_slip(item: AssignmentSlip) -> Slip:
    return Slip(item.deadline, item.current_target, item.revisions)
