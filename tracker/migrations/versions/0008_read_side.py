"""Indexes and counters for a read side that stays fast (issue 10: scale).

Revision ID: 0008
Revises: 0007

The status of an assignment as of a date is the update with the latest evidence date on or
before it, ties to the one recorded last (then the higher id). One index in exactly that order
lets the database find it with one backward step per assignment, whatever the length of the
history; it replaces the older index on (assignment_id, evidence_date), which it extends.

No counter table is needed for the data version the dashboard keys its caches on: every write
appends an audit event in the same transaction, so the highest audit event id already is one.
Plain CREATE INDEX / DROP INDEX (not batch mode): SQLite keeps the table, and so its triggers.
"""

from typing import Sequence, Union

from alembic import op

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LATEST = "ix_evidence_update_latest"
OLD = "ix_evidence_update_assignment_evidence"


def upgrade() -> None:
    op.create_index(
        LATEST, "evidence_update", ["assignment_id", "evidence_date", "recorded_at", "id"]
    )
    op.drop_index(OLD, table_name="evidence_update")


def downgrade() -> None:
    op.create_index(OLD, "evidence_update", ["assignment_id", "evidence_date"])
    op.drop_index(LATEST, table_name="evidence_update")
