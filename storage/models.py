"""Tables. Every schema change here comes with an Alembic migration in storage/migrations/."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
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
    # Private DM to the author of a new introduction that reads as a pitch (opt-in).
    intro_nudges: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Weekly thanks digest: weekday (0 = Monday) and hour in the community's time zone.
    digest_weekday: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    digest_hour: Mapped[int] = mapped_column(Integer, default=9, server_default="9")
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Thanks up to here are in a digest (or had none to show). A digest missed while the bot
    # was down folds its thanks into the next one, which covers from here.
    digest_covered_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Event nudges and debriefs for members who have not chosen (`/events notify`).
    events_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
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
    thanks_dms: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
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
        # Channel posts are claimed first (storage.courier.claim_due): found without walking
        # past the DMs due before them.
        Index(
            "ix_outbox_posts_due",
            "state",
            "due_at",
            sqlite_where=text("member_id IS NULL"),
            postgresql_where=text("member_id IS NULL"),
        ),
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


class ReflectionSubscription(Base):
    """A member's opt-in to daily reflection prompts, and where their schedule stands."""

    __tablename__ = "reflection_subscriptions"
    __table_args__ = (
        UniqueConstraint("member_id", name="uq_reflection_subscriptions_member"),
        Index("ix_reflection_subscriptions_due", "active", "next_send_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    time_of_day: Mapped[str] = mapped_column(String(5))
    days: Mapped[int] = mapped_column(Integer, default=0b1111111)
    cadence: Mapped[str] = mapped_column(String(10), default="daily")
    paused_until: Mapped[date | None] = mapped_column(Date)
    next_send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_send_on: Mapped[date | None] = mapped_column(Date)
    last_sent_on: Mapped[date | None] = mapped_column(Date)
    prompts_sent: Mapped[int] = mapped_column(Integer, default=0)
    unanswered: Mapped[int] = mapped_column(Integer, default=0)
    # None, "asked" (the write-less-often question went out) or "settled" (don't ask again
    # until the member answers something).
    backoff_state: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReflectionEntry(Base):
    """One prompt a member received, and their private answer: the journal."""

    __tablename__ = "reflection_entries"
    __table_args__ = (Index("ix_reflection_entries_member_sent", "member_id", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # "daily", "now" or "backoff"
    local_date: Mapped[date] = mapped_column(Date)
    prompt_key: Mapped[str] = mapped_column(String(80))
    prompt_text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)


class QuietDay(Base):
    """A date on which the community wants no prompts (an event day, a holiday)."""

    __tablename__ = "quiet_days"
    __table_args__ = (UniqueConstraint("guild_id", "day", name="uq_quiet_days_guild_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("communities.guild_id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)


class CommunityPrompt(Base):
    """A reflection prompt an organizer wrote for their community; joins the rotation."""

    __tablename__ = "community_prompts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("communities.guild_id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    # The organizer who wrote it; cleared if they delete their data (the prompt stays).
    author_user_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PitchCheck(Base):
    """One self-check a member ran (their own text, or their behaviour at an event)."""

    __tablename__ = "pitch_checks"
    __table_args__ = (Index("ix_pitch_checks_member_created", "member_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # "text", "message", "event", "nudge"
    label: Mapped[str | None] = mapped_column(String(100))  # event name
    score: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(12))
    # The start of what was checked, so the member recognises it in their history.
    excerpt: Mapped[str | None] = mapped_column(String(120))
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PitchPreference(Base):
    """A member's choices about the introductions nudge."""

    __tablename__ = "pitch_preferences"
    __table_args__ = (UniqueConstraint("member_id", name="uq_pitch_preferences_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    nudges: Mapped[bool] = mapped_column(Boolean, default=True)
    last_nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Thanks(Base):
    """A public thank-you from one member to another, and what came of a referral."""

    __tablename__ = "thanks"
    __table_args__ = (
        Index("ix_thanks_giver_created", "giver_member_id", "created_at"),
        Index("ix_thanks_receiver_created", "receiver_member_id", "created_at"),
        Index("ix_thanks_guild_created", "guild_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("communities.guild_id", ondelete="CASCADE")
    )
    giver_member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE")
    )
    # Cleared when the thanked member deletes their data: the thanks stays, anonymised.
    receiver_member_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20))
    story: Mapped[str] = mapped_column(Text)
    story_key: Mapped[str] = mapped_column(String(64))  # normalised story, to refuse repeats
    source_url: Mapped[str | None] = mapped_column(String(200))  # the message that helped
    channel_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(20))  # referrals: met, client, not_fit
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A thank-you for an introduction Kindred carried (`meet_introductions`), if any.
    introduction_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("meet_introductions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RolodexEntry(Base):
    """A person a member knows, in their private Rolodex."""

    __tablename__ = "rolodex_entries"
    __table_args__ = (
        UniqueConstraint("owner_member_id", "name_key", name="uq_rolodex_entries_owner_name"),
        Index("ix_rolodex_entries_touch_due", "touch_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    owner_member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    # The server member this entry is about, if any (cleared if they delete their data).
    person_user_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))  # casefolded, for uniqueness
    how_met: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(String(300), default="")  # comma-separated, lower case
    know: Mapped[bool] = mapped_column(Boolean, default=False)
    like: Mapped[bool] = mapped_column(Boolean, default=False)
    trust: Mapped[bool] = mapped_column(Boolean, default=False)
    cadence_days: Mapped[int | None] = mapped_column(Integer)
    last_touch_on: Mapped[date | None] = mapped_column(Date)
    # When the stay-in-touch reminder is due; None when no cadence or already reminded.
    touch_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Touchpoint(Base):
    """A call, coffee, message or event with someone in the Rolodex."""

    __tablename__ = "rolodex_touchpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("rolodex_entries.id", ondelete="CASCADE"), index=True
    )
    owner_member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    happened_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUp(Base):
    """A reminder to follow up with someone, sent by DM on the day."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("rolodex_entries.id", ondelete="SET NULL")
    )
    person: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending/done/cancelled
    snoozes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InsightSubscription(Base):
    """An organizer's opt-in to the monthly community picture by DM (`/setup insights_dm`)."""

    __tablename__ = "insight_subscriptions"
    __table_args__ = (
        UniqueConstraint("member_id", name="uq_insight_subscriptions_member"),
        Index("ix_insight_subscriptions_due", "next_send_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    next_send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Event(Base):
    """A Discord scheduled event Kindred follows, and what is due for it."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("discord_event_id", name="uq_events_discord_event_id"),
        Index("ix_events_debrief_due_at", "debrief_due_at"),
        Index("ix_events_report_due_at", "report_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("communities.guild_id", ondelete="CASCADE"), index=True
    )
    discord_event_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(100))
    # Who made it on Discord: the organizer who gets its anonymous picture afterwards.
    creator_user_id: Mapped[int | None] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # scheduled, active, completed, canceled, deleted (coaching.events.Status)
    status: Mapped[str] = mapped_column(String(10))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the debriefs are due (None: planned already, or the event was called off).
    debrief_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    debriefed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventAttendee(Base):
    """A member who marked an event Interested, and her own before and after: private."""

    __tablename__ = "event_attendees"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id", name="uq_event_attendees_event_member"),
        Index("ix_event_attendees_nudge_due_at", "nudge_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    # Her name in the server, for the "Who did you meet?" list of other attendees.
    display_name: Mapped[str | None] = mapped_column(String(100))
    interested: Mapped[bool] = mapped_column(Boolean, default=True)
    nudge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    intention: Mapped[str | None] = mapped_column(String(20))
    # She looked back (the eight questions) or noted whom she met.
    debriefed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_score: Mapped[int | None] = mapped_column(Integer)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)  # "I couldn't make it"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventConnection(Base):
    """Someone a member met at an event, noted in her Rolodex ("Who did you meet?")."""

    __tablename__ = "event_connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    attendee_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("event_attendees.id", ondelete="CASCADE"), index=True
    )
    owner_member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("rolodex_entries.id", ondelete="SET NULL")
    )
    # The member she met, if a member (cleared if that member deletes their data).
    person_user_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    new_entry: Mapped[bool] = mapped_column(Boolean)  # added to her Rolodex by this
    followup_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("followups.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventPreference(Base):
    """A member's own choice about event nudges and debriefs (else her server's default)."""

    __tablename__ = "event_preferences"
    __table_args__ = (UniqueConstraint("member_id", name="uq_event_preferences_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    notify: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- members meet members (coffee pairing, introductions) ---------------------------------


class MeetSettings(Base):
    """A community's coffee pairing: whether it runs, its rhythm, where the next round is."""

    __tablename__ = "meet_settings"
    __table_args__ = (Index("ix_meet_settings_due", "enabled", "next_round_at"),)

    guild_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("communities.guild_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    rhythm: Mapped[str] = mapped_column(String(10), default="biweekly")
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday
    hour: Mapped[int] = mapped_column(Integer, default=10)  # community time
    group_size: Mapped[int] = mapped_column(Integer, default=2)  # 2 pairs, 3 trios
    # Where Kindred may open a private thread for each pair (optional).
    thread_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    next_round_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_round_on: Mapped[date | None] = mapped_column(Date)  # community's local date
    next_slot_on: Mapped[date | None] = mapped_column(Date)  # the rhythm's date it stands for
    last_slot_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetProfile(Base):
    """A member's "get to know me" card, in her own words; shown only to the people Kindred
    pairs or introduces her to."""

    __tablename__ = "meet_profiles"
    __table_args__ = (UniqueConstraint("member_id", name="uq_meet_profiles_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    curious: Mapped[str] = mapped_column(Text, default="")
    offers: Mapped[str] = mapped_column(Text, default="")  # what I can help with
    wants: Mapped[str] = mapped_column(Text, default="")  # what I'd love help with
    beyond: Mapped[str] = mapped_column(Text, default="")  # life beyond work
    region: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetParticipant(Base):
    """A member's opt-in to coffee pairing, and her pauses."""

    __tablename__ = "meet_participants"
    __table_args__ = (
        UniqueConstraint("member_id", name="uq_meet_participants_member"),
        Index("ix_meet_participants_guild_active", "guild_id", "active"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    skip_round_on: Mapped[date | None] = mapped_column(Date)  # sits out the round that day
    paused_until: Mapped[date | None] = mapped_column(Date)  # back for rounds from this date
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetNotWith(Base):
    """Someone a member would rather not be paired or introduced with. Private to her:
    nobody else ever learns of it, not the person on it."""

    __tablename__ = "meet_not_with"
    __table_args__ = (
        UniqueConstraint("member_id", "other_user_id", name="uq_meet_not_with_member_other"),
        Index("ix_meet_not_with_guild", "guild_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(BigInteger)
    # A Discord user id, not a member row: the choice holds even if she deletes her data.
    other_user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetRound(Base):
    """One coffee-pairing round of a community. Unique per day: a round runs once."""

    __tablename__ = "meet_rounds"
    __table_args__ = (UniqueConstraint("guild_id", "round_on", name="uq_meet_rounds_guild_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("communities.guild_id", ondelete="CASCADE")
    )
    round_on: Mapped[date] = mapped_column(Date)
    slot_on: Mapped[date] = mapped_column(Date)
    group_size: Mapped[int] = mapped_column(Integer)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetIntroduction(Base):
    """A member connecting two others; it happens only when both say yes."""

    __tablename__ = "meet_introductions"
    __table_args__ = (
        Index("ix_meet_introductions_pair", "guild_id", "pair_key"),
        Index("ix_meet_introductions_open", "state", "expires_at"),
        Index("ix_meet_introductions_introducer", "introducer_member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("communities.guild_id", ondelete="CASCADE")
    )
    # Cleared if the introducer deletes her data: the introduction is the two others' too.
    introducer_member_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="SET NULL")
    )
    member_a_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    member_b_id: Mapped[int] = mapped_column(Integer, ForeignKey("members.id", ondelete="CASCADE"))
    pair_key: Mapped[str] = mapped_column(String(50))  # "<lower user id>:<higher user id>"
    why: Mapped[str] = mapped_column(Text)
    # "open" until both accept ("accepted") or it runs out ("closed"): a decline changes
    # nothing anyone can see, so nobody learns who declined.
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MeetIntroAnswer(Base):
    """One side's answer to an introduction, apart from the introduction itself: a member's
    export shows her own answer, never the other's."""

    __tablename__ = "meet_intro_answers"
    __table_args__ = (
        UniqueConstraint("introduction_id", "member_id", name="uq_meet_intro_answers_intro_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    introduction_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("meet_introductions.id", ondelete="CASCADE")
    )
    member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    answer: Mapped[str] = mapped_column(String(10))  # "accepted" or "declined"
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetMatch(Base):
    """Two or three members brought together: by a round, or by an accepted introduction."""

    __tablename__ = "meet_matches"
    __table_args__ = (Index("ix_meet_matches_guild_round", "guild_id", "round_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("communities.guild_id", ondelete="CASCADE")
    )
    round_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("meet_rounds.id", ondelete="CASCADE")
    )
    introduction_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("meet_introductions.id", ondelete="SET NULL")
    )
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # the private thread, once made
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetMatchMember(Base):
    """One member of a match, and her answer to "did you meet?"."""

    __tablename__ = "meet_match_members"
    __table_args__ = (
        UniqueConstraint("match_id", "member_id", name="uq_meet_match_members_match_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("meet_matches.id", ondelete="CASCADE")
    )
    member_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    answer: Mapped[str | None] = mapped_column(String(10))  # met, scheduled, couldnt
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
