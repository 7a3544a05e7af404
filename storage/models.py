"""Tables. Every schema change here comes with an Alembic migration in storage/migrations/."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

# Explicit constraint names keep migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Community(Base):
    """One Discord server that uses Kindred, and its organizers' choices."""

    __tablename__ = "communities"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100), default="")
    thanks_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    intro_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    prompt_time: Mapped[str] = mapped_column(String(5), default="09:00")
    reflections_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    pitch_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    thanks_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    rolodex_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Member(Base):
    """A person in one community. Everything about a member hangs off this row."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("guild_id", "user_id", name="uq_members_guild_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("communities.guild_id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    dm_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """One message Kindred starts on its own (a DM, or a post such as a digest).

    Features enqueue rows; only the courier sends them. `dedupe_key` is unique, so enqueueing
    the same thing twice (a retry, a second scheduler tick) is a no-op, and the Discord nonce
    derived from it makes a resend after a crash land as the same message.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_state_due", "state", "due_at"),
        Index("ix_outbox_member_state", "member_id", "state"),
        CheckConstraint(
            "(member_id IS NOT NULL) OR (channel_id IS NOT NULL)", name="has_recipient"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("communities.guild_id", ondelete="CASCADE")
    )
    # A DM goes to a member; a post (digest) goes to a channel.
    member_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE")
    )
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
