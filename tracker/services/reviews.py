"""Review of claimed implementation: a monitor accepts a claim, or returns it with a reason.

Reviews are appended, never edited. Each decision is checked against the role rule first and
kept on the audit trail in the same transaction as the review itself.
"""

import csv
import io
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from tracker import store, store_reviews
from tracker.db import read_session, write_session
from tracker.rules import Decision
from tracker.services import audit as audit_trail
from tracker.services.access import Action, Actor, authorise, refuse
from tracker.services.progress import NoCatalogueError
from tracker.text import safe_cell

MAX_REASON_LENGTH = 2000
MAX_NOTE_LENGTH = 2000


class ReviewRefusedError(ValueError):
    """The update cannot be reviewed (not a claim, already reviewed, superseded). Nothing
    changed."""


class ReviewTextError(ReviewRefusedError):
    """The note or reason cannot be kept as typed (missing, too long, control characters): the
    reviewer corrects that field."""


def _now() -> datetime:
    return datetime.now(UTC)


def _clean(text: str, *, field: str, limit: int) -> str:
    value = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any((ord(c) < 32 and c not in "\t\n") or ord(c) == 127 for c in value):
        raise ReviewTextError(
            f"The {field} contains control characters: type or paste it again as plain text."
        )
    if len(value) > limit:
        raise ReviewTextError(f"The {field} is too long: at most {limit:,} characters.")
    return value


def accept(*, engine: Engine, actor: Actor, update_id: int, note: str = "") -> int:
    """Accept a claim; returns the review's id."""
    return _decide(
        engine=engine, actor=actor, update_id=update_id, decision=Decision.ACCEPTED, text=note
    )


def return_claim(*, engine: Engine, actor: Actor, update_id: int, reason: str) -> int:
    """Return a claim to the organisation with the reason it must answer; returns the review's
    id."""
    return _decide(
        engine=engine, actor=actor, update_id=update_id, decision=Decision.RETURNED, text=reason
    )


def _decide(*, engine: Engine, actor: Actor, update_id: int, decision: Decision, text: str) -> int:
    authorise(
        engine=engine,
        actor=actor,
        action=Action.REVIEW,
        object_type="evidence_update",
        object_id=str(update_id),
    )
    if decision == Decision.RETURNED:
        reason = _clean(text, field="reason", limit=MAX_REASON_LENGTH)
        if not reason:
            raise ReviewTextError("Say why the claim is returned: the organisation will see it.")
    else:
        reason = _clean(text, field="note", limit=MAX_NOTE_LENGTH)
    with read_session(engine) as session:
        claim = store_reviews.review_target(session=session, update_id=update_id)
    if claim is not None and claim.recorded_by_user == actor.username:
        # Validation means a second pair of eyes: nobody reviews a claim they made themselves.
        refuse(
            engine,
            actor,
            Action.REVIEW,
            f"{actor.display_name} recorded update {update_id} and so cannot review it: "
            "another monitor must",
            object_type="evidence_update",
            object_id=str(update_id),
        )
    with write_session(engine) as session:
        target = store_reviews.review_target(session=session, update_id=update_id)
        if target is None:
            raise ReviewRefusedError(f"There is no update {update_id}.")
        # Two monitors deciding on one claim queue here; the second then sees the first's review.
        store.lock_assignment(session=session, assignment_id=target.assignment_id)
        where = f"update {update_id} ({target.organisation} on {target.recommendation})"
        if not target.status.is_closed:
            raise ReviewRefusedError(
                f"{where} says {target.status.label.lower()}: only a claim that a recommendation "
                "is implemented or not applicable is reviewed."
            )
        earlier = store_reviews.reviews_of(session=session, update_ids=[update_id]).get(
            update_id, []
        )
        if earlier:
            first = earlier[0]
            raise ReviewRefusedError(
                f"{where} has already been {first.decision.value} by {first.reviewed_by}."
            )
        latest = store_reviews.latest_update_id(session=session, assignment_id=target.assignment_id)
        if latest != update_id:
            raise ReviewRefusedError(
                f"{where} is no longer the latest update: the organisation has recorded update "
                f"{latest} since. Review that one instead."
            )
        review_id = store_reviews.append_review(
            session=session,
            update_id=update_id,
            decision=decision,
            reason=reason,
            reviewed_by=actor.username,
            reviewed_at=_now(),
        )
        audit_trail.record(
            session,
            actor,
            "claim_accepted" if decision == Decision.ACCEPTED else "claim_returned",
            object_type="evidence_update",
            object_id=str(update_id),
            before={"review": "awaiting_review", "status": target.status.value},
            after={
                "review": decision.value,
                "review_id": review_id,
                "status": target.status.value,
                "recommendation": target.recommendation,
                "organisation": target.organisation_id,
                "reason": reason,
            },
        )
    return review_id


def queue(*, engine: Engine, actor: Actor) -> list[store.UpdateRecord]:
    """Claims waiting for review, oldest first."""
    authorise(engine=engine, actor=actor, action=Action.REVIEW)
    with read_session(engine) as session:
        report = store.report_info(session=session)
        if report is None:
            raise NoCatalogueError("No recommendations are loaded yet: run `tracker init`.")
        return store_reviews.review_queue(session=session, report_id=report.id)


def reviews_of(
    *, engine: Engine, update_ids: list[int]
) -> dict[int, list[store_reviews.ReviewInfo]]:
    """The decisions on some updates (for showing them beside the evidence)."""
    with read_session(engine) as session:
        return dict(store_reviews.reviews_of(session=session, update_ids=update_ids))


# Stable keys printed by `tracker review list` (JSON and CSV), in this order.
QUEUE_KEYS: tuple[str, ...] = (
    "update_id",
    "recommendation",
    "organisation",
    "claimed_status",
    "evidence_date",
    "recorded_at",
    "recorded_by",
    "attachments",
    "links",
    "narrative",
)


def queue_records(items: list[store.UpdateRecord]) -> list[dict[str, object]]:
    """The queue as plain rows (for the CLI's table, CSV and JSON)."""
    return [
        {
            "update_id": u.id,
            "recommendation": u.recommendation,
            "organisation": u.organisation,
            "claimed_status": u.status.value,
            "evidence_date": u.evidence_date,
            "recorded_at": u.recorded_at,
            "recorded_by": u.recorded_by,
            "attachments": len(u.attachments),
            "links": " ".join(u.links),
            "narrative": u.narrative,
        }
        for u in items
    ]


def queue_csv(items: list[store.UpdateRecord]) -> str:
    """The queue as CSV, every cell safe to open in a spreadsheet (narratives are typed text)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=QUEUE_KEYS, lineterminator="\n")
    writer.writeheader()
    for row in queue_records(items):
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()
