"""Review of claimed implementation through the service, on SQLite and PostgreSQL."""

import threading
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from utils.factories import KENT_EDITOR, MONITOR, TEST_ADMIN, VIEWER, count_rows, record

from tracker.roles import Actor, Role
from tracker.services import progress, reviews
from tracker.services.access import AccessDeniedError
from tracker.services.reviews import ReviewRefusedError

TODAY = date.today()


def kent_r4(engine: Engine) -> progress.StatusRow:
    (row,) = progress.status_rows(
        engine=engine,
        as_of=TODAY,
        filters=progress.Filters(
            organisation_ids=frozenset({"kent"}), recommendations=frozenset({"R4"})
        ),
    )
    return row


# Records the claims below; reviewers are always someone else (nobody reviews their own claim).
CLAIMANT = Actor(username="claimant", display_name="Performance lead", role=Role.ADMIN)


def claim(
    engine: Engine,
    *,
    organisation_id: str = "kent",
    narrative: str = "Policy published; all staff in scope trained.",
) -> int:
    return record(
        engine,
        organisation_id=organisation_id,
        actor=CLAIMANT,
        status="implemented",
        evidence_date=date(2024, 2, 1),
        narrative=narrative,
    ).update_id


def audit_actions(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return [
            (a, o, i)
            for a, o, i in conn.execute(
                text("SELECT action, outcome, object_id FROM audit_event ORDER BY id")
            )
        ]


def test_accepted_claim_becomes_the_validated_status(loaded_engine: Engine) -> None:
    update_id = claim(loaded_engine)
    waiting = kent_r4(loaded_engine)
    assert (waiting.status, waiting.self_assessed_status) == ("in_progress", "implemented")
    assert waiting.review == "awaiting_review"

    reviews.accept(engine=loaded_engine, actor=MONITOR, update_id=update_id, note="Audit seen.")

    done = kent_r4(loaded_engine)
    assert (done.status, done.rag, done.review) == ("implemented", "complete", "accepted")
    assert audit_actions(loaded_engine)[-1] == ("claim_accepted", "done", str(update_id))


def test_returned_claim_carries_its_reason_to_the_organisation(loaded_engine: Engine) -> None:
    update_id = claim(loaded_engine)
    reviews.return_claim(
        engine=loaded_engine,
        actor=TEST_ADMIN,
        update_id=update_id,
        reason="Attach the audit that shows it working.",
    )
    row = kent_r4(loaded_engine)
    assert (row.status, row.review) == ("in_progress", "returned")
    assert row.return_reason == "Attach the audit that shows it working."
    assert audit_actions(loaded_engine)[-1] == ("claim_returned", "done", str(update_id))
    assert reviews.queue(engine=loaded_engine, actor=MONITOR) == []


def test_organisation_answers_a_returned_claim_with_a_new_update(loaded_engine: Engine) -> None:
    first = claim(loaded_engine)
    reviews.return_claim(engine=loaded_engine, actor=MONITOR, update_id=first, reason="Why?")
    second = claim(loaded_engine, narrative="Audit of 40 cases attached.")
    row = kent_r4(loaded_engine)
    assert (row.review, row.return_reason) == ("awaiting_review", None)
    assert [u.id for u in reviews.queue(engine=loaded_engine, actor=MONITOR)] == [second]


@pytest.mark.parametrize("actor", [VIEWER, KENT_EDITOR], ids=["viewer", "editor"])
def test_only_monitors_and_admins_review(loaded_engine: Engine, actor: Actor) -> None:
    update_id = claim(loaded_engine)
    events = count_rows(loaded_engine, "audit_event")
    attempts: list[Callable[[], int]] = [
        lambda: reviews.accept(engine=loaded_engine, actor=actor, update_id=update_id),
        lambda: reviews.return_claim(
            engine=loaded_engine, actor=actor, update_id=update_id, reason="No."
        ),
    ]
    for attempt in attempts:
        with pytest.raises(AccessDeniedError, match="cannot review updates"):
            attempt()
        assert count_rows(loaded_engine, "review") == 0
        events += 1
        assert count_rows(loaded_engine, "audit_event") == events  # exactly one refusal each
        assert audit_actions(loaded_engine)[-1] == ("review", "refused", str(update_id))
    with pytest.raises(AccessDeniedError):
        reviews.queue(engine=loaded_engine, actor=actor)
    assert kent_r4(loaded_engine).review == "awaiting_review"


def test_a_claim_is_reviewed_once(loaded_engine: Engine) -> None:
    update_id = claim(loaded_engine)
    reviews.accept(engine=loaded_engine, actor=MONITOR, update_id=update_id)
    with pytest.raises(ReviewRefusedError, match="already been accepted by monitor"):
        reviews.return_claim(
            engine=loaded_engine, actor=TEST_ADMIN, update_id=update_id, reason="Late doubt."
        )
    assert count_rows(loaded_engine, "review") == 1
    assert kent_r4(loaded_engine).review == "accepted"


def test_superseded_claim_cannot_be_reviewed(loaded_engine: Engine) -> None:
    old = claim(loaded_engine)
    record(loaded_engine, status="in_progress", evidence_date=date(2024, 3, 1), narrative="Redo.")
    with pytest.raises(ReviewRefusedError, match="no longer the latest update"):
        reviews.accept(engine=loaded_engine, actor=MONITOR, update_id=old)
    assert count_rows(loaded_engine, "review") == 0


def test_only_claims_are_reviewed(loaded_engine: Engine) -> None:
    update_id = record(loaded_engine, status="in_progress").update_id
    with pytest.raises(ReviewRefusedError, match="only a claim"):
        reviews.accept(engine=loaded_engine, actor=MONITOR, update_id=update_id)
    with pytest.raises(ReviewRefusedError, match="no update 999999"):
        reviews.accept(engine=loaded_engine, actor=MONITOR, update_id=999999)
    assert count_rows(loaded_engine, "review") == 0


def test_a_return_needs_a_reason_of_sensible_length(loaded_engine: Engine) -> None:
    update_id = claim(loaded_engine)
    with pytest.raises(ReviewRefusedError, match="Say why"):
        reviews.return_claim(engine=loaded_engine, actor=MONITOR, update_id=update_id, reason="  ")
    with pytest.raises(ReviewRefusedError, match="too long"):
        reviews.return_claim(
            engine=loaded_engine,
            actor=MONITOR,
            update_id=update_id,
            reason="x" * (reviews.MAX_REASON_LENGTH + 1),
        )
    with pytest.raises(ReviewRefusedError, match="control characters"):
        reviews.return_claim(
            engine=loaded_engine, actor=MONITOR, update_id=update_id, reason="Bad\x1b[31m text"
        )
    assert count_rows(loaded_engine, "review") == 0


def test_queue_lists_waiting_claims_oldest_first(loaded_engine: Engine) -> None:
    kent = claim(loaded_engine)
    essex = claim(loaded_engine, organisation_id="essex")
    record(loaded_engine, organisation_id="surrey", status="in_progress")
    queued = reviews.queue(engine=loaded_engine, actor=MONITOR)
    assert [u.id for u in queued] == [kent, essex]
    assert queued[0].narrative == "Policy published; all staff in scope trained."
    reviews.accept(engine=loaded_engine, actor=MONITOR, update_id=kent)
    assert [u.id for u in reviews.queue(engine=loaded_engine, actor=MONITOR)] == [essex]


def test_two_monitors_reviewing_one_claim_at_once_cannot_both_succeed(
    loaded_engine: Engine,
) -> None:
    update_id = claim(loaded_engine)
    other = Actor(username="second.monitor", display_name="Second", role=MONITOR.role)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def review(actor: Actor) -> None:
        start.wait()
        try:
            reviews.accept(engine=loaded_engine, actor=actor, update_id=update_id)
            outcomes.append("accepted")
        except ReviewRefusedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=review, args=(a,)) for a in (MONITOR, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "refused"]
    assert count_rows(loaded_engine, "review") == 1
    assert [a for a, *_ in audit_actions(loaded_engine)].count("claim_accepted") == 1


def test_national_figures_count_a_claim_once_accepted(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    update_id = claim(loaded_engine)

    def implemented() -> int:
        rows = progress.status_rows(engine=loaded_engine, as_of=TODAY)
        return progress.national_rollup(rows).implemented

    assert implemented() == 0
    monkeypatch.setenv("TRACKER_COUNT_CLAIMED_AS_COMPLETE", "true")
    assert implemented() == 1
    monkeypatch.delenv("TRACKER_COUNT_CLAIMED_AS_COMPLETE")
    reviews.accept(engine=loaded_engine, actor=MONITOR, update_id=update_id)
    assert implemented() == 1


def test_nobody_reviews_a_claim_they_recorded_themselves(loaded_engine: Engine) -> None:
    update_id = record(
        loaded_engine,
        recommendation="R1",
        organisation_id="npcc",
        status="implemented",
        actor=MONITOR,
    ).update_id
    events = count_rows(loaded_engine, "audit_event")
    with pytest.raises(AccessDeniedError, match="cannot review it: another monitor must"):
        reviews.accept(engine=loaded_engine, actor=MONITOR, update_id=update_id)
    assert count_rows(loaded_engine, "review") == 0
    assert count_rows(loaded_engine, "audit_event") == events + 1
    assert audit_actions(loaded_engine)[-1] == ("review", "refused", str(update_id))
    # Another reviewer may.
    reviews.accept(engine=loaded_engine, actor=TEST_ADMIN, update_id=update_id)
    assert count_rows(loaded_engine, "review") == 1
