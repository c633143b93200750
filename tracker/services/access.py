"""Who is acting, and what they may do.

Sign-in comes later; until then every caller acts in open demonstration mode, which may record
updates for any organisation. Services call ``require_can_record`` before any write so that the
check lives below the UI from the start.
"""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OPEN_DEMO = "open_demo"  # no sign-in yet: anyone may record, and pages say so
    ADMINISTRATOR = "administrator"
    ORGANISATION_EDITOR = "organisation_editor"
    VIEWER = "viewer"


class AccessDeniedError(PermissionError):
    pass


@dataclass(frozen=True)
class Actor:
    name: str
    role: Role = Role.OPEN_DEMO
    organisation_ids: frozenset[str] = frozenset()


SYSTEM = Actor(name="system", role=Role.ADMINISTRATOR)


def require_can_record(actor: Actor, organisation_id: str) -> None:
    if actor.role in (Role.OPEN_DEMO, Role.ADMINISTRATOR):
        return
    if actor.role == Role.ORGANISATION_EDITOR and organisation_id in actor.organisation_ids:
        return
    raise AccessDeniedError(f"{actor.name} may not record updates for {organisation_id}.")
