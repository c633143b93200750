"""The board pack as a use case: check the reader, gather the content, note it on the trail."""

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from tracker.reports import content
from tracker.reports.content import PackContent
from tracker.services import audit as audit_trail
from tracker.services import changes, progress, responses, rounds, slippage
from tracker.services.access import Action, Actor, authorise
from tracker.services.board import BoardView

__all__ = ["PackContent", "board_pack", "record_generated"]


def board_pack(
    *, engine: Engine, actor: Actor, view: BoardView, generated_at: datetime | None = None
) -> PackContent:
    """Everything a board pack shows for one view, for someone allowed to read the tracker.

    ``generated_at`` is the one wall-clock value (the cover's "generated" line); pass it to
    make the pack entirely deterministic. Without a known-on moment the record is read as it
    stands at ``generated_at``, which the cover names so the pack can be made again.
    """
    authorise(engine=engine, actor=actor, action=Action.READ)
    generated_at = (generated_at or datetime.now(UTC)).replace(microsecond=0)
    if view.known_on is None:
        # Read the record as it stands now, and say so: the same pack can be made again later
        # with this moment as --known-on.
        view = replace(view, known_on=generated_at)
    snapshot = progress.load_snapshot(engine=engine)
    change_set = (
        changes.changes_between(
            engine=engine,
            since=view.since,
            as_of=view.as_of,
            known_on=view.known_on,
            filters=view.filters,
        )
        if view.since < view.as_of
        else None
    )
    return content.build(
        snapshot,
        view=view,
        recommendations=progress.recommendations(engine=engine),
        generated_at=generated_at,
        generated_by=actor.display_name,
        changes=change_set,
        slips=slippage.slippage(
            engine=engine, as_of=view.as_of, known_on=view.known_on, filters=view.filters
        ),
        history=progress.update_history(engine=engine) if change_set else (),
        rounds=rounds.rounds_in_period(
            engine=engine, since=view.since, as_of=view.as_of, filters=view.filters
        ),
        responses=content.responses_in_view(
            responses.responses_as_of(engine=engine, as_of=view.as_of, known_on=view.known_on),
            view.filters,
        ),
    )


def record_generated(*, engine: Engine, actor: Actor, pack: PackContent, fmt: str) -> None:
    """Keep on the audit trail that a pack was made, by whom, for which view."""
    view = pack.view
    audit_trail.record_alone(
        engine,
        actor,
        "board_pack_generated",
        object_type="board_pack",
        object_id=view.as_of.isoformat(),
        after={
            "format": fmt,
            "as_of": view.as_of.isoformat(),
            "since": view.since.isoformat(),
            "known_on": view.known_on.isoformat() if view.known_on else None,
            "scope": pack.scope,
        },
        message=f"Board pack ({fmt}) as of {view.as_of.isoformat()} for {pack.scope}",
    )
