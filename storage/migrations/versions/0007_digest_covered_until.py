"""communities.digest_covered_until: a missed thanks digest folds into the next

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("digest_covered_until", storage.types.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("digest_covered_until")
