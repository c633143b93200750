"""Return rounds and statutory responses (issue 8: forces' returns).

Revision ID: 0006
Revises: 0005

Four append-only tables: a return round (opened once), the assignments it asks about (fixed
when it opens), its closure, and the local policing bodies' published responses under s.55 of
the Police Act 1996 (a correction is a new row). The triggers follow 0001 and 0003: UPDATE,
DELETE, REPLACE and TRUNCATE are refused on both databases.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

APPEND_ONLY = ("return_round", "return_round_scope", "return_round_closure", "statutory_response")


def upgrade() -> None:
    op.create_table(
        "return_round",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False, unique=True),
        sa.Column("report_id", sa.String(length=64), sa.ForeignKey("report.id"), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("recommendations", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
    )
    op.create_table(
        "return_round_scope",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("return_round.id"), nullable=False),
        sa.Column("assignment_id", sa.Integer(), sa.ForeignKey("assignment.id"), nullable=False),
        sa.Column(
            "organisation_id",
            sa.String(length=64),
            sa.ForeignKey("organisation.id"),
            nullable=False,
        ),
        sa.UniqueConstraint("round_id", "assignment_id"),
    )
    op.create_index("ix_return_round_scope_round_id", "return_round_scope", ["round_id"])
    op.create_table(
        "return_round_closure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "round_id", sa.Integer(), sa.ForeignKey("return_round.id"), nullable=False, unique=True
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
    )
    op.create_table(
        "statutory_response",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.String(length=64),
            sa.ForeignKey("organisation.id"),
            nullable=False,
        ),
        sa.Column("report_id", sa.String(length=64), sa.ForeignKey("report.id"), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
    )
    op.create_index(
        "ix_statutory_response_organisation_id", "statutory_response", ["organisation_id"]
    )
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            # tracker_forbid_change() was created by the first migration.
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tracker_forbid_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION tracker_forbid_change()"
            )
        elif dialect == "sqlite":
            message = f"The {table} record is append-only"
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
            # REPLACE deletes the old row without firing DELETE triggers: stop it first.
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in reversed(APPEND_ONLY):
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        elif dialect == "sqlite":
            for action in ("update", "delete", "replace"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        op.drop_table(table)
