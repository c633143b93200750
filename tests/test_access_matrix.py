"""Every role against every action, through the service functions (below the UI).

For each allowed pair the action takes effect; for each refused pair ``AccessDeniedError`` (or,
for a file import, the whole file's rejection) is raised, nothing stored changes, and exactly one
refused event is added to the audit trail. On SQLite and PostgreSQL.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from utils.factories import KENT_EDITOR, MONITOR, TEST_ADMIN, VIEWER, draft, write_csv

from tracker.catalogue import load_directory
from tracker.roles import Actor
from tracker.services import audit as audit_trail
from tracker.services import progress, reviews, updates, users
from tracker.services.access import AccessDeniedError

ACTORS: dict[str, Actor] = {
    "admin": TEST_ADMIN,
    "monitor": MONITOR,
    "kent_editor": KENT_EDITOR,
    "viewer": VIEWER,
}
# Tables whose rows a refused action must leave exactly as they were.
WATCHED = ("evidence_update", "attachment", "review", "tracker_user", "sign_in_session")


def _record(recommendation: str, organisation_id: str) -> Callable[[Engine, Actor, Path], None]:
    def act(engine: Engine, actor: Actor, _tmp: Path) -> None:
        updates.record_update(
            engine=engine,
            actor=actor,
            recommendation=recommendation,
            organisation_id=organisation_id,
            draft=draft(evidence_date=date(2024, 2, 1)),
        )

    return act


def _import(organisations: tuple[str, ...]) -> Callable[[Engine, Actor, Path], None]:
    def act(engine: Engine, actor: Actor, tmp: Path) -> None:
        rows = [
            {
                "recommendation": "R4",
                "organisation": org,
                "status": "in_progress",
                "evidence_date": "2024-02-01",
                "narrative": f"Return for {org}.",
            }
            for org in organisations
        ]
        updates.import_file(
            engine=engine,
            actor=actor,
            path=write_csv(tmp / "returns.csv", rows),
            directory=load_directory(),
        )

    return act


def _add_user(engine: Engine, actor: Actor, _tmp: Path) -> None:
    users.create_user(
        engine=engine, actor=actor, username="new.viewer", role="viewer", password="x" * 16
    )


def _with_target_user(change: Callable[[Engine, Actor], object]) -> Callable[..., None]:
    def act(engine: Engine, actor: Actor, _tmp: Path) -> None:
        change(engine, actor)

    return act


def _claim_id(engine: Engine) -> int:
    """The claim every matrix database holds (Kent Police says R7 is implemented)."""
    (claim,) = progress.update_history(
        engine=engine, organisation_ids=["kent"], recommendation="R7"
    )
    return claim.id


def _accept(engine: Engine, actor: Actor, _tmp: Path) -> None:
    reviews.accept(engine=engine, actor=actor, update_id=_claim_id(engine))


def _return(engine: Engine, actor: Actor, _tmp: Path) -> None:
    reviews.return_claim(
        engine=engine, actor=actor, update_id=_claim_id(engine), reason="Attach the audit."
    )


def _review_queue(engine: Engine, actor: Actor, _tmp: Path) -> None:
    reviews.queue(engine=engine, actor=actor)


@dataclass(frozen=True)
class Case:
    name: str
    act: Callable[[Engine, Actor, Path], None]
    allowed: frozenset[str]
    writes: bool = True


CASES = (
    Case("record for own force", _record("R4", "kent"), frozenset({"admin", "kent_editor"})),
    Case("record for another force", _record("R4", "essex"), frozenset({"admin"})),
    Case("record for a national body", _record("R1", "npcc"), frozenset({"admin", "monitor"})),
    Case("import own force's rows", _import(("Kent",)), frozenset({"admin", "kent_editor"})),
    Case("import with one foreign row", _import(("Kent", "Essex")), frozenset({"admin"})),
    Case("accept a claim", _accept, frozenset({"admin", "monitor"})),
    Case("return a claim", _return, frozenset({"admin", "monitor"})),
    Case("read the review queue", _review_queue, frozenset({"admin", "monitor"}), writes=False),
    Case("create a user", _add_user, frozenset({"admin"})),
    Case(
        "list users",
        _with_target_user(lambda e, a: users.list_users(engine=e, actor=a)),
        frozenset({"admin"}),
        writes=False,
    ),
    Case(
        "disable a user",
        _with_target_user(
            lambda e, a: users.set_active(engine=e, actor=a, username="target", active=False)
        ),
        frozenset({"admin"}),
    ),
    Case(
        "change a role",
        _with_target_user(
            lambda e, a: users.set_role(engine=e, actor=a, username="target", role="monitor")
        ),
        frozenset({"admin"}),
    ),
    Case(
        "reset a password",
        _with_target_user(
            lambda e, a: users.reset_password(
                engine=e, actor=a, username="target", password="y" * 16
            )
        ),
        frozenset({"admin"}),
    ),
)


def _state(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            table: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in WATCHED
        }


def _refused_events(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            (r.actor, r.message)
            for r in conn.execute(
                text("SELECT actor, message FROM audit_event WHERE outcome = 'refused'")
            )
        ]


@pytest.fixture
def matrix_engine(loaded_engine: Engine) -> Engine:
    users.create_user(
        engine=loaded_engine,
        actor=TEST_ADMIN,
        username="target",
        role="viewer",
        password="z" * 16,
    )
    updates.record_update(
        engine=loaded_engine,
        actor=KENT_EDITOR,  # the force makes the claim; reviewers are always someone else
        recommendation="R7",
        organisation_id="kent",
        draft=draft(status="implemented", evidence_date=date(2024, 2, 1)),
    )
    return loaded_engine


@pytest.mark.parametrize("role", sorted(ACTORS))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_role_may_do_only_what_its_role_allows(
    matrix_engine: Engine, tmp_path: Path, case: Case, role: str
) -> None:
    actor = ACTORS[role]
    before = _state(matrix_engine)
    refused_before = _refused_events(matrix_engine)
    if role in case.allowed:
        case.act(matrix_engine, actor, tmp_path)
        if case.writes:
            assert _state(matrix_engine) != before, "an allowed write takes effect"
        assert _refused_events(matrix_engine) == refused_before
        return
    with pytest.raises((AccessDeniedError, updates.ImportRejectedError)) as info:
        case.act(matrix_engine, actor, tmp_path)
    assert _state(matrix_engine) == before, "a refused action changes nothing"
    new_events = _refused_events(matrix_engine)[len(refused_before) :]
    assert len(new_events) == 1, new_events
    who, message = new_events[0]
    assert who == actor.username
    assert message and message.split(":")[0] in str(info.value)
    assert audit_trail.verify(engine=matrix_engine).ok


def test_refusal_names_both_organisations(loaded_engine: Engine) -> None:
    with pytest.raises(AccessDeniedError) as info:
        _record("R4", "essex")(loaded_engine, KENT_EDITOR, Path())
    assert str(info.value) == "Kent Police editors cannot record for Essex Police"


def test_every_write_is_on_the_audit_trail_and_the_chain_verifies(
    matrix_engine: Engine, tmp_path: Path
) -> None:
    _record("R4", "kent")(matrix_engine, KENT_EDITOR, tmp_path)
    _import(("Essex",))(matrix_engine, TEST_ADMIN, tmp_path)
    users.set_role(engine=matrix_engine, actor=TEST_ADMIN, username="target", role="monitor")
    with pytest.raises(AccessDeniedError):
        _record("R4", "essex")(matrix_engine, VIEWER, tmp_path)
    _accept(matrix_engine, MONITOR, tmp_path)
    with matrix_engine.connect() as conn:
        actions = [
            (r.actor, r.action, r.outcome)
            for r in conn.execute(
                text("SELECT actor, action, outcome FROM audit_event ORDER BY id")
            )
        ]
    assert actions == [
        ("test.admin", "user_created", "done"),
        ("kent.editor", "update_recorded", "done"),  # the fixture's claim
        ("kent.editor", "update_recorded", "done"),
        ("test.admin", "updates_imported", "done"),
        ("test.admin", "user_role_changed", "done"),
        ("viewer", "record", "refused"),
        ("monitor", "claim_accepted", "done"),
    ]
    result = audit_trail.verify(engine=matrix_engine)
    assert result.ok and result.events_checked == 7
