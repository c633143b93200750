"""PostgreSQL roles: the dashboard runs as a role that cannot change or remove the record.

The owner role (which runs `tracker init`, migrations and redaction) owns the tables; only an
owner can disable or drop triggers. The application role may read everything, append to the
record and keep users and sign-in sessions up to date, and nothing more.
"""

import re

from sqlalchemy import text
from sqlalchemy.engine import Engine

RECORD_TABLES = (
    "evidence_update",
    "attachment",
    "review",
    "audit_event",
    "return_round",
    "return_round_scope",
    "return_round_closure",
    "statutory_response",
    "reminder_sent",
    "meeting",
)
# Sign-in counts failures, locks accounts and ends sessions: the only columns the dashboard may
# change. Roles, organisations and passwords are changed by the owner (`tracker users …`), so a
# compromised web process cannot make itself an administrator.
ACCOUNT_GRANTS = (
    "UPDATE (failed_sign_ins, locked_until) ON tracker_user",
    "INSERT, UPDATE (last_seen_at, ended_at) ON sign_in_session",
)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_statements(role: str) -> list[str]:
    """The SQL that makes ``role`` the dashboard's role (run by the owner; safe to repeat)."""
    if not _ROLE_NAME.match(role):
        raise ValueError(
            f"{role!r} is not a role name this command accepts: lower-case letters, digits and "
            "underscores, starting with a letter or underscore."
        )
    who = f'"{role}"'
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}",
        f"GRANT USAGE ON SCHEMA public TO {who}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {who}",
        f"GRANT INSERT ON {', '.join(RECORD_TABLES)} TO {who}",
        *(f"GRANT {grant} TO {who}" for grant in ACCOUNT_GRANTS),
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {who}",
    ]


def grant_app_role(*, engine: Engine, role: str) -> list[str]:
    """Grant ``role`` exactly what the dashboard needs; the role must already exist."""
    if engine.dialect.name != "postgresql":
        raise ValueError("Database roles are a PostgreSQL feature; SQLite has none.")
    statements = grant_statements(role)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    return statements
