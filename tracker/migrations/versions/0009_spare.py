"""Where each recommendation's wording comes from: a `sources` list on every recommendation.

Revision ID: 0009
Revises: 0008
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Filled by the next catalogue load (`tracker init`); empty until then.
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sources", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_column("sources")
