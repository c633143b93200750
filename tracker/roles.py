"""Who may do what: the tracker's roles and the one rule that decides every action.

Plain Python with no database and no Streamlit, so the dashboard, the CLI and any later API all
obey the same check. The services call ``refusal`` (through ``services.access.authorise``) before
every read or write; a page or command never decides access on its own.
"""

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from tracker.catalogue import OrganisationKind


class Role(StrEnum):
    ADMIN = "admin"  # users, catalogue reload, redaction, everything
    MONITOR = "monitor"  # national lead or inspectorate liaison: reads all, reviews, records for
    # national bodies
    EDITOR = "editor"  # records for its own organisations only
    VIEWER = "viewer"  # board member: reads and downloads, never writes

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.MONITOR: "Monitor",
    Role.EDITOR: "Editor",
    Role.VIEWER: "Viewer",
}


class Action(StrEnum):
    READ = "read"  # figures, histories, evidence files, downloads
    RECORD = "record"  # record (or import) an update for one organisation
    REVIEW = "review"  # accept or return a claimed implementation
    READ_AUDIT = "read_audit"  # see the audit trail
    MANAGE_USERS = "manage_users"
    RELOAD_CATALOGUE = "reload_catalogue"
    REDACT = "redact"  # blank personal data uploaded by mistake
    LOAD_DEMO = "load_demo"  # fill a database with demonstration data
    BACKUP = "backup"  # copy everything out, password hashes and the audit trail included
    RESTORE = "restore"  # load a backup into an empty database
    MANAGE_ROUNDS = "manage_rounds"  # open and close return rounds
    RECORD_RESPONSE = "record_response"  # a local policing body's s.55 response
    SEND_REMINDERS = "send_reminders"  # email organisations what they owe
    RECORD_MEETING = "record_meeting"  # record that an oversight board met

    @property
    def phrase(self) -> str:
        """The verb phrase used in refusal messages ("cannot record for Essex Police")."""
        return ACTION_PHRASES[self]


ACTION_PHRASES: dict[Action, str] = {
    Action.READ: "read the tracker",
    Action.RECORD: "record",
    Action.REVIEW: "review updates",
    Action.READ_AUDIT: "read the audit trail",
    Action.MANAGE_USERS: "manage users",
    Action.RELOAD_CATALOGUE: "reload the catalogue",
    Action.REDACT: "redact evidence",
    Action.LOAD_DEMO: "load demonstration data",
    Action.BACKUP: "take a backup",
    Action.RESTORE: "restore a backup",
    Action.MANAGE_ROUNDS: "open or close return rounds",
    Action.RECORD_RESPONSE: "record a statutory response",
    Action.SEND_REMINDERS: "send reminders",
    Action.RECORD_MEETING: "record board meetings",
}

# Organisations a monitor may record for: the national policing bodies and Government.
NATIONAL_KINDS: frozenset[str] = frozenset(
    {OrganisationKind.POLICING_BODY.value, OrganisationKind.GOVERNMENT.value}
)


@dataclass(frozen=True)
class Actor:
    """Whoever is acting: a signed-in user, the local operator, or a demonstration user."""

    username: str
    display_name: str
    role: Role
    organisation_ids: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.display_name


@dataclass(frozen=True)
class Target:
    """The organisation an action is about."""

    id: str
    name: str
    kind: str


def local_operator() -> Actor:
    """Someone running the CLI with the database in hand: an administrator anyway, named by the
    operating-system account so the audit trail says who it was."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        account = "unknown"
    return Actor(
        username=f"local:{account}", display_name=f"Local operator ({account})", role=Role.ADMIN
    )


def permits(actor: Actor, action: Action, target: Target | None = None) -> bool:
    if actor.role == Role.ADMIN:
        return True
    if action == Action.READ:
        return True
    if actor.role == Role.MONITOR:
        if action in (
            Action.REVIEW,
            Action.READ_AUDIT,
            Action.MANAGE_ROUNDS,
            Action.SEND_REMINDERS,
            Action.RECORD_MEETING,
        ):
            return True
        if action == Action.RECORD_RESPONSE:
            return target is not None
        if action == Action.RECORD:
            return target is not None and target.kind in NATIONAL_KINDS
        return False
    if actor.role == Role.EDITOR and action in (Action.RECORD, Action.RECORD_RESPONSE):
        # A local policing body's own editors may record its statutory response.
        return target is not None and target.id in actor.organisation_ids
    return False


def refusal(
    actor: Actor,
    action: Action,
    target: Target | None = None,
    *,
    organisation_names: Mapping[str, str] | None = None,
) -> str | None:
    """None if the actor may do this; otherwise the plain message that says why not."""
    if permits(actor, action, target):
        return None
    who = _who(actor, organisation_names or {})
    if action == Action.RECORD_RESPONSE and target is not None:
        return f"{who} cannot record the statutory response of {target.name}"
    if action == Action.RECORD and target is not None:
        if actor.role == Role.MONITOR:
            return f"{who} cannot record for {target.name}: monitors record for national bodies"
        return f"{who} cannot record for {target.name}"
    return f"{who} cannot {action.phrase}"


def _who(actor: Actor, names: Mapping[str, str]) -> str:
    if actor.role == Role.EDITOR and actor.organisation_ids:
        orgs = sorted(names.get(o, o) for o in actor.organisation_ids)
        return f"{' and '.join(orgs)} editors"
    if actor.role == Role.EDITOR:
        return "Editors with no organisation"
    return f"{actor.role.label}s"


def may_ever(actor: Actor, action: Action) -> bool:
    """Could this actor do this action for at least one organisation? (What a page offers.)"""
    if action in (Action.RECORD, Action.RECORD_RESPONSE):
        if actor.role == Role.EDITOR:
            return bool(actor.organisation_ids)
        return actor.role in (Role.ADMIN, Role.MONITOR)
    return permits(actor, action)


def may_record_for(actor: Actor, target: Target) -> bool:
    return permits(actor, Action.RECORD, target)
