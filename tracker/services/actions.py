"""An organisation's to-do list ("My actions"), and the quick "no change since the last return".

The order is one rule, shown on the page and in the README:

1. **Overdue**: most days overdue first.
2. **Returned for more evidence**: a monitor has asked the organisation to say more.
3. **Stale**: no update for longer than the stale period; never reported first, then the
   longest silent.
4. **At risk** (amber): the deadline is close or the target date has slipped; nearest
   deadline first.
5. **Open**: everything else not yet implemented (including claims waiting for review);
   nearest deadline first.

An assignment takes the first group it belongs to. Within a group, ties go by recommendation
number. Implemented and not applicable assignments come after all of these.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from sqlalchemy.engine import Engine

from tracker import store
from tracker.evidence import UpdateDraft, UpdateRejectedError
from tracker.rules import Rag, ReviewState, Status
from tracker.services import progress, updates
from tracker.services.access import Actor
from tracker.services.progress import StatusRow
from tracker.services.updates import RecordedUpdate

MAX_NO_CHANGE_NOTE = 2_000
NO_CHANGE_PREFIX = "No change since the last return"


class ActionGroup(IntEnum):
    OVERDUE = 1
    RETURNED = 2
    STALE = 3
    AT_RISK = 4
    OPEN = 5

    @property
    def label(self) -> str:
        return GROUP_LABELS[self]


GROUP_LABELS: dict[ActionGroup, str] = {
    ActionGroup.OVERDUE: "Overdue",
    ActionGroup.RETURNED: "Returned for more evidence",
    ActionGroup.STALE: "Stale",
    ActionGroup.AT_RISK: "At risk",
    ActionGroup.OPEN: "Open",
}

ORDER_TEXT = (
    "Overdue first (most overdue first), then returned for more evidence, then stale (never "
    "reported, then the longest silent), then at risk (nearest deadline first), then the rest "
    "still open (nearest deadline first); implemented ones after."
)


@dataclass(frozen=True)
class ActionItem:
    row: StatusRow
    group: ActionGroup


@dataclass(frozen=True)
class ActionList:
    open: tuple[ActionItem, ...]
    done: tuple[StatusRow, ...]


def group_of(row: StatusRow) -> ActionGroup | None:
    """The group an assignment is listed under; None once implemented or not applicable."""
    if Status(row.status).is_closed:
        return None
    if row.overdue:
        return ActionGroup.OVERDUE
    if row.review == ReviewState.RETURNED.value:
        return ActionGroup.RETURNED
    if row.stale:
        return ActionGroup.STALE
    if row.rag == Rag.AMBER.value:
        return ActionGroup.AT_RISK
    return ActionGroup.OPEN


_FAR = date.max


def _key(item: ActionItem) -> tuple[object, ...]:
    row, group = item.row, item.group
    deadline = row.deadline or _FAR
    if group == ActionGroup.OVERDUE:
        within: tuple[object, ...] = (-row.days_overdue,)
    elif group == ActionGroup.STALE:
        within = (row.last_update is not None, row.last_update or date.min)
    else:
        within = (deadline,)
    return (group, *within, row.recommendation_number)


def my_actions(rows: Sequence[StatusRow]) -> ActionList:
    """One organisation's assignments in the order above."""
    items = [ActionItem(r, g) for r in rows if (g := group_of(r)) is not None]
    done = sorted((r for r in rows if group_of(r) is None), key=lambda r: r.recommendation_number)
    return ActionList(open=tuple(sorted(items, key=_key)), done=tuple(done))


def no_change_narrative(note: str, last_evidence: date | None) -> str:
    since = f" ({last_evidence.day} {last_evidence:%B %Y})" if last_evidence else ""
    return f"{NO_CHANGE_PREFIX}{since}. {note.strip()}"


def record_no_change(
    *,
    engine: Engine,
    actor: Actor,
    organisation_id: str,
    recommendation: str,
    note: str,
    expected_last_update_id: int | None,
    today: date | None = None,
) -> RecordedUpdate:
    """Record that nothing has changed: the current status carried forward, dated today, with
    the person's short note. It is evidence in its own right and refreshes staleness.

    It goes through ``updates.record_update`` (access check, conflict check, audit trail). A
    claim of implementation (waiting for review, or returned) needs a full update instead.
    """
    if not note.strip():
        raise UpdateRejectedError({"narrative": "say briefly why nothing has changed"})
    if len(note) > MAX_NO_CHANGE_NOTE:
        raise UpdateRejectedError(
            {"narrative": f"keep the note under {MAX_NO_CHANGE_NOTE:,} characters"}
        )
    found = progress.update_history(
        engine=engine, organisation_ids=[organisation_id], recommendation=recommendation
    )
    latest: store.UpdateRecord | None = max(found, key=lambda u: u.id, default=None)
    status = latest.status if latest else Status.NOT_STARTED
    if status.is_closed:
        raise UpdateRejectedError(
            {
                "status": "the latest update claims this is "
                f"{status.value.replace('_', ' ')}: record a full update with the evidence "
                "instead"
            }
        )
    return updates.record_update(
        engine=engine,
        actor=actor,
        recommendation=recommendation,
        organisation_id=organisation_id,
        draft=UpdateDraft(
            status=status.value,
            evidence_date=today or date.today(),
            narrative=no_change_narrative(note, latest.evidence_date if latest else None),
            revised_target_date=latest.revised_target_date if latest else None,
            revision_reason=latest.revision_reason if latest else None,
        ),
        expected_last_update_id=expected_last_update_id,
        today=today,
    )
