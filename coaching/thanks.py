"""Rules for public thanks: who may thank whom, how often, and what counts as a repeat.

Thanks celebrate giving; they are not points. The limits keep the channel sincere (no
floods, no copy-paste), and each refusal is explained privately and changes nothing.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from coaching.reflections import Schedule, next_send, zone
from coaching.text import clean, visible, visible_length

KINDS = ("referral", "introduction", "advice", "support", "other")
OUTCOMES = ("met", "client", "not_fit")
STORY_MIN, STORY_MAX = 10, 1000
PAIR_COOLDOWN = timedelta(hours=12)
DAILY_CAP = 10
# "You can give 2 more today" only from here down: every thank-you counting down from 9
# read like a quota meter.
NEAR_THE_CAP = 3
DAY = timedelta(hours=24)
# The member who thanked someone for a referral received it, and knows what came of it:
# she is asked once, this long after, and the referrer hears her answer.
OUTCOME_ASK_AFTER = timedelta(days=10)


class ThanksRefused(ValueError):
    """Why a thanks can't be given; `reason` names the prompts/errors/thanks_<reason> text."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True, slots=True)
class PastThanks:
    """What the rules need to know about one earlier thanks from the same giver."""

    receiver_user_id: int | None
    story_key: str
    created_at: datetime


def story_key(story: str) -> str:
    """The same story with different spacing, case or punctuation is still the same story."""
    folded = unicodedata.normalize("NFKC", story).casefold()
    words = re.findall(r"\w+", folded)
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def check_person(
    *,
    giver_user_id: int,
    receiver_user_id: int,
    receiver_is_bot: bool,
    receiver_in_server: bool,
) -> None:
    """Raise ThanksRefused when this person can't be thanked here at all."""
    if receiver_user_id == giver_user_id:
        raise ThanksRefused("self")
    if receiver_is_bot:
        raise ThanksRefused("bot")
    if not receiver_in_server:
        raise ThanksRefused("not_member")


def check_limits(*, receiver_user_id: int, now: datetime, recent: Sequence[PastThanks]) -> int:
    """Raise ThanksRefused when the giver thanked this person in the last 12 hours or gave
    her 10 today; else return how many she has left today after this one. Also asked before
    a form opens, so nobody writes a story only to be told to wait."""
    for past in recent:
        if past.receiver_user_id == receiver_user_id and now - past.created_at < PAIR_COOLDOWN:
            raise ThanksRefused("cooldown", again_at=past.created_at + PAIR_COOLDOWN)
    today = [past for past in recent if now - past.created_at < DAY]
    if len(today) >= DAILY_CAP:
        oldest = min(past.created_at for past in today)
        raise ThanksRefused("daily_cap", cap=DAILY_CAP, again_at=oldest + DAY)
    return DAILY_CAP - len(today) - 1


def check_thanks(
    *,
    giver_user_id: int,
    receiver_user_id: int,
    receiver_is_bot: bool,
    receiver_in_server: bool,
    kind: str,
    story: str,
    now: datetime,
    recent: Sequence[PastThanks],
) -> int:
    """Raise ThanksRefused, or return how many thanks the giver has left today after this one.

    `recent` are the giver's thanks of the last 24 hours (any server member), newest first.
    """
    check_person(
        giver_user_id=giver_user_id,
        receiver_user_id=receiver_user_id,
        receiver_is_bot=receiver_is_bot,
        receiver_in_server=receiver_in_server,
    )
    if kind not in KINDS:
        raise ThanksRefused("kind")
    story = clean(story)
    if not visible(story):
        raise ThanksRefused("blank")
    if visible_length(story) < STORY_MIN:
        raise ThanksRefused("too_short", minimum=STORY_MIN)
    length = len(story)
    if length > STORY_MAX:
        raise ThanksRefused("too_long", maximum=STORY_MAX, length=length)
    key = story_key(story)
    if any(past.story_key == key for past in recent):
        raise ThanksRefused("duplicate")
    return check_limits(receiver_user_id=receiver_user_id, now=now, recent=recent)


def remaining_to_say(remaining: int) -> int | None:
    """How many thank-yous are left today, to say only when few are (None: say nothing)."""
    return remaining if remaining <= NEAR_THE_CAP else None


def digest_picks(stories: Sequence[tuple[int, str, int]], limit: int = 3) -> list[int]:
    """Choose a few thanks for the weekly digest. Referral stories, which the channel is
    named for, come first (different givers first); the rest are chosen for variety:
    different kinds and givers.

    `stories` are (thanks id, kind, giver member id), newest first; returns ids.
    """
    chosen: list[int] = []
    kinds: set[str] = set()
    givers: set[int] = set()

    def take(thanks_id: int, kind: str, giver: int) -> bool:
        chosen.append(thanks_id)
        kinds.add(kind)
        givers.add(giver)
        return len(chosen) == limit

    for thanks_id, kind, giver in stories:
        if kind == "referral" and giver not in givers and take(thanks_id, kind, giver):
            return chosen
    for thanks_id, kind, giver in stories:
        if thanks_id in chosen or kind in kinds or giver in givers:
            continue
        if take(thanks_id, kind, giver):
            return chosen
    for thanks_id, kind, giver in stories:  # not enough variety: fill with other givers
        if thanks_id not in chosen and giver not in givers and take(thanks_id, kind, giver):
            break
    return chosen


# -- the weekly digest --------------------------------------------------------------------

DIGEST_WINDOW = timedelta(days=7)
# A digest more than this late (the bot was down at its time) is not posted; the next one
# covers its weeks too, up to DIGEST_MAX_WINDOW.
DIGEST_LATE_AFTER = timedelta(hours=6)
DIGEST_MAX_WINDOW = timedelta(weeks=4)


def digest_since(covered_until: datetime | None, due_at: datetime) -> datetime:
    """Where the digest due at `due_at` starts: after the last digest's end (so missed weeks
    are folded in), a week back for the first one, and never more than four weeks back."""
    start = covered_until if covered_until is not None else due_at - DIGEST_WINDOW
    return max(start, due_at - DIGEST_MAX_WINDOW)


def next_digest_at(timezone: str, weekday: int, hour: int, after: datetime) -> datetime | None:
    """The community's next digest time after `after`: its weekday and hour, in its zone."""
    found = next_send(after, Schedule(timezone=timezone, time_of_day=time(hour), days=1 << weekday))
    return found[0] if found else None


@dataclass(frozen=True)
class DigestPlan:
    post: bool  # False: too late to post (the bot was down); its thanks wait for the next
    since: datetime  # the thanks it shows are from here to its due time
    covered_until: datetime  # what the community's next digest starts after


def plan_digest(due_at: datetime, covered_until: datetime | None, now: datetime) -> DigestPlan:
    """What to do with a digest that fell due at `due_at`."""
    since = digest_since(covered_until, due_at)
    if now - due_at > DIGEST_LATE_AFTER:
        # Not posted at an odd hour: the next digest covers from where this one would have.
        return DigestPlan(post=False, since=since, covered_until=since)
    return DigestPlan(post=True, since=since, covered_until=due_at)


def digest_weeks(due_at: datetime, oldest: datetime) -> int:
    """How many weeks a digest says it covers ("The last 2 weeks" only when it holds thanks
    older than a week)."""
    return max(1, math.ceil((due_at - oldest) / DIGEST_WINDOW))


def post_key(thanks_id: int) -> str:
    """The outbox key of a thank-you's public post: one post per thank-you, ever."""
    return f"thanks_post:{thanks_id}"


def notice_key(thanks_id: int) -> str:
    """The outbox key of the DM telling the thanked member."""
    return f"thanks_notice:{thanks_id}"


def ask_key(thanks_id: int) -> str:
    """The outbox key of the one question to the giver of a referral thank-you: what came of
    it?"""
    return f"thanks_ask:{thanks_id}"


def news_key(thanks_id: int) -> str:
    """The outbox key of the DM telling the referrer what came of her referral: once."""
    return f"thanks_news:{thanks_id}"


def giver_keys(thanks_id: int) -> tuple[str, ...]:
    """Every outbox key of a thank-you: what goes when it is removed or its giver deletes her
    data (each holds a reference to her thank-you)."""
    return (post_key(thanks_id), notice_key(thanks_id), ask_key(thanks_id), news_key(thanks_id))


def digest_key(guild_id: int, due_at: datetime, timezone: str) -> str:
    """The outbox key of a community's digest: one per ISO week, in its zone."""
    return f"thanks_digest:{guild_id}:{due_at.astimezone(zone(timezone)).strftime('%G-W%V')}"
