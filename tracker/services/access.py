"""Authorisation below the UI: every service calls ``authorise`` before it reads or writes.

The rule itself is pure (``tracker.roles``); this adds what a refusal does: one audit event in a
transaction of its own, then ``AccessDeniedError`` with a plain message. Nothing else changes.
"""

from functools import cache
from typing import NoReturn

from sqlalchemy.engine import Engine

from tracker import audit
from tracker.catalogue import Directory, UnknownOrganisationError, load_directory
from tracker.roles import Action, Actor, Role, Target, local_operator, refusal
from tracker.services import audit as audit_trail

__all__ = [
    "AccessDeniedError",
    "Action",
    "Actor",
    "Role",
    "authorise",
    "local_operator",
    "record_refusal",
    "refusal_for",
    "refuse",
]


class AccessDeniedError(PermissionError):
    """The actor may not do this. Nothing was changed; the attempt is on the audit trail."""


@cache
def _directory() -> Directory:
    return load_directory()


def organisation_names() -> dict[str, str]:
    return {o.id: o.name for o in _directory().organisations}


def target(organisation_id: str) -> Target:
    try:
        org = _directory().by_id(organisation_id)
    except UnknownOrganisationError:
        return Target(organisation_id, organisation_id, "unknown")
    return Target(org.id, org.name, org.kind.value)


def refusal_for(actor: Actor, action: Action, organisation_id: str | None = None) -> str | None:
    """None if allowed, else the message; no side effect (the importer checks every row first)."""
    return refusal(
        actor,
        action,
        target(organisation_id) if organisation_id else None,
        organisation_names=organisation_names(),
    )


def record_refusal(
    engine: Engine,
    actor: Actor,
    action: Action,
    message: str,
    *,
    object_type: str = "",
    object_id: str = "",
) -> None:
    """Keep a refused attempt on the audit trail (its own transaction: nothing else changes)."""
    audit_trail.record_alone(
        engine,
        actor,
        action.value,
        object_type=object_type,
        object_id=object_id,
        outcome=audit.Outcome.REFUSED,
        message=message,
    )


def refuse(
    engine: Engine,
    actor: Actor,
    action: Action,
    message: str,
    *,
    object_type: str = "",
    object_id: str = "",
) -> NoReturn:
    record_refusal(engine, actor, action, message, object_type=object_type, object_id=object_id)
    raise AccessDeniedError(message)


def authorise(
    *,
    engine: Engine,
    actor: Actor,
    action: Action,
    organisation_id: str | None = None,
    object_type: str = "",
    object_id: str = "",
) -> None:
    """Return if allowed; otherwise record the refusal and raise ``AccessDeniedError``."""
    message = refusal_for(actor, action, organisation_id)
    if message is None:
        return
    refuse(
        engine,
        actor,
        action,
        message,
        object_type=object_type or ("organisation" if organisation_id else ""),
        object_id=object_id or (organisation_id or ""),
    )
