"""The record refuses every statement that changes or removes a row, except a redaction.

Revision ID: 0003
Revises: 0002

The first two migrations refuse UPDATE and DELETE. This one closes the other ways round:
SQLite's REPLACE / INSERT OR REPLACE (it deletes the old row without firing DELETE triggers) and
PostgreSQL's TRUNCATE. It also adds the one change the record allows: a redaction, which blanks
an attachment's content or an update's narrative, once, and marks who did it, when and why. The
triggers let exactly that UPDATE through and refuse everything else.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

RECORD_TABLES = ("evidence_update", "attachment", "review", "audit_event")
REDACTABLE = ("evidence_update", "attachment")
REDACTION_COLUMNS = ("redacted_at", "redacted_by", "redaction_reason")
# The narrative a redaction leaves: "[redacted on 3 March 2025: reason on the audit trail]".
REDACTED_NARRATIVE_PATTERN = "[redacted on %: reason on the audit trail]"

# Every other column of each redactable table, which a redaction must leave as it was (SQLite
# triggers cannot compare whole rows; PostgreSQL's compare the row minus the redacted columns).
UNCHANGED_IN_REDACTION = {
    "evidence_update": (
        "id",
        "assignment_id",
        "status",
        "evidence_date",
        "recorded_at",
        "recorded_by",
        "links",
        "revised_target_date",
        "revision_reason",
        "source",
        "fingerprint",
        "recorded_by_user",
        "on_behalf_of",
    ),
    "attachment": ("id", "update_id", "filename", "content_type", "size_bytes", "sha256"),
}
BLANKED = {
    "evidence_update": f"NEW.narrative LIKE '{REDACTED_NARRATIVE_PATTERN}'",
    "attachment": "length(NEW.content) = 0",
}


def _message(table: str) -> str:
    return f"The {table} record is append-only: add a new update instead"


def upgrade() -> None:
    # Plain ADD COLUMN (not batch mode): SQLite keeps the table, and so its triggers.
    for table in REDACTABLE:
        op.add_column(table, sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("redacted_by", sa.String(length=64), nullable=True))
        op.add_column(table, sa.Column("redaction_reason", sa.Text(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgresql_upgrade()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_downgrade()
    elif dialect == "postgresql":
        _postgresql_downgrade()
    for table in REDACTABLE:
        for column in REDACTION_COLUMNS:
            op.drop_column(table, column)


def _redaction_condition(table: str, same: str) -> str:
    """SQL that holds only for a first redaction changing nothing but the blanked column."""
    unchanged = " AND ".join(same.format(c=c) for c in UNCHANGED_IN_REDACTION[table])
    return (
        "OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL "
        "AND NEW.redacted_by IS NOT NULL AND length(NEW.redacted_by) > 0 "
        "AND NEW.redaction_reason IS NOT NULL AND length(NEW.redaction_reason) > 0 "
        f"AND {BLANKED[table]} AND {unchanged}"
    )


# --- SQLite -----------------------------------------------------------------------------------


def _sqlite_upgrade() -> None:
    for table in REDACTABLE:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        allowed = _redaction_condition(table, "NEW.{c} IS OLD.{c}")
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN NOT ({allowed}) "
            f"BEGIN SELECT RAISE(ABORT, '{_message(table)}'); END"
        )
    for table in RECORD_TABLES:
        # REPLACE, INSERT OR REPLACE and an upsert on an existing key first pass through here:
        # refuse before SQLite can delete the old row (which fires no DELETE trigger).
        clash = f"EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)"
        if table == "evidence_update":
            clash += (
                " OR EXISTS (SELECT 1 FROM evidence_update WHERE assignment_id = "
                "NEW.assignment_id AND fingerprint = NEW.fingerprint)"
            )
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {clash} "
            f"BEGIN SELECT RAISE(ABORT, '{_message(table)}'); END"
        )


def _sqlite_downgrade() -> None:
    for table in RECORD_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
    for table in REDACTABLE:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{_message(table)}'); END"
        )


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgresql_upgrade() -> None:
    # tracker_forbid_change() was created by the first migration.
    for table in REDACTABLE:
        skipped = ", ".join(f"'{c}'" for c in ("narrative", "content", *REDACTION_COLUMNS))
        allowed = (
            "OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL "
            "AND coalesce(NEW.redacted_by, '') <> '' AND coalesce(NEW.redaction_reason, '') <> '' "
            f"AND {BLANKED[table]} "
            f"AND (to_jsonb(NEW) - ARRAY[{skipped}]) = (to_jsonb(OLD) - ARRAY[{skipped}])"
        )
        op.execute(
            f"""
            CREATE FUNCTION tracker_guard_{table}() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND {allowed} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION '{_message(table)}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION tracker_guard_{table}()"
        )
    for table in RECORD_TABLES:
        # TRUNCATE fires no row triggers; it needs its own, once per statement.
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION tracker_forbid_change()"
        )


def _postgresql_downgrade() -> None:
    for table in RECORD_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    for table in REDACTABLE:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS tracker_guard_{table}()")
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION tracker_forbid_change()"
        )
