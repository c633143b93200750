"""The audit chain cannot fork: no two events may follow the same event.

Appends already queue on a lock; this makes the database itself refuse a second event linked to
the same predecessor (for example under a stricter isolation level than the default), so the
writer gets an error instead of a silently forked trail.

Revision ID: 0004
Revises: 0003
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index(
        "ux_audit_event_previous_hash", "audit_event", ["previous_hash"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_audit_event_previous_hash", table_name="audit_event")
