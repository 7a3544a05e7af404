"""events: scheduled events Kindred follows, who is interested, whom they met, their choice

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 15:31:31
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("discord_event_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("location", sa.String(length=100), nullable=True),
        sa.Column("creator_user_id", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("ended_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("debrief_due_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("debriefed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("report_due_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["communities.guild_id"],
            name=op.f("fk_events_guild_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("discord_event_id", name="uq_events_discord_event_id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_debrief_due_at", ["debrief_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_guild_id"), ["guild_id"], unique=False)
        batch_op.create_index("ix_events_report_due_at", ["report_due_at"], unique=False)

    op.create_table(
        "event_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("interested", sa.Boolean(), nullable=False),
        sa.Column("nudge_due_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("nudged_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("intention", sa.String(length=20), nullable=True),
        sa.Column("debriefed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("check_score", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_attendees_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_event_attendees_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_attendees")),
        sa.UniqueConstraint("event_id", "member_id", name="uq_event_attendees_event_member"),
    )
    with op.batch_alter_table("event_attendees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_attendees_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index("ix_event_attendees_nudge_due_at", ["nudge_due_at"], unique=False)

    op.create_table(
        "event_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_event_preferences_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_preferences")),
        sa.UniqueConstraint("member_id", name="uq_event_preferences_member"),
    )
    op.create_table(
        "event_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("attendee_id", sa.Integer(), nullable=False),
        sa.Column("owner_member_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("person_user_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("new_entry", sa.Boolean(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendee_id"],
            ["event_attendees.id"],
            name=op.f("fk_event_connections_attendee_id_event_attendees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["rolodex_entries.id"],
            name=op.f("fk_event_connections_entry_id_rolodex_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followups.id"],
            name=op.f("fk_event_connections_followup_id_followups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_member_id"],
            ["members.id"],
            name=op.f("fk_event_connections_owner_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_connections")),
    )
    with op.batch_alter_table("event_connections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_connections_attendee_id"), ["attendee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_connections_owner_member_id"), ["owner_member_id"], unique=False
        )

    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("events_default", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("events_default")

    with op.batch_alter_table("event_connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_connections_owner_member_id"))
        batch_op.drop_index(batch_op.f("ix_event_connections_attendee_id"))

    op.drop_table("event_connections")
    op.drop_table("event_preferences")
    with op.batch_alter_table("event_attendees", schema=None) as batch_op:
        batch_op.drop_index("ix_event_attendees_nudge_due_at")
        batch_op.drop_index(batch_op.f("ix_event_attendees_member_id"))

    op.drop_table("event_attendees")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_report_due_at")
        batch_op.drop_index(batch_op.f("ix_events_guild_id"))
        batch_op.drop_index("ix_events_debrief_due_at")

    op.drop_table("events")
