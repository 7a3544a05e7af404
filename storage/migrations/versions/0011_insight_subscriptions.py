"""insight_subscriptions: organizers' opt-in to the monthly community picture by DM

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insight_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("next_send_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_insight_subscriptions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_subscriptions")),
        sa.UniqueConstraint("member_id", name="uq_insight_subscriptions_member"),
    )
    with op.batch_alter_table("insight_subscriptions") as batch:
        batch.create_index("ix_insight_subscriptions_due", ["next_send_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("insight_subscriptions") as batch:
        batch.drop_index("ix_insight_subscriptions_due")
    op.drop_table("insight_subscriptions")
