"""Members meet members: coffee-pairing rounds, the "get to know me" card, introductions.

Everything here is pure. The matching is `match`: everyone opted in is placed exactly once
(in a group, or sitting the round out when ruled-out partners leave no place for her; in a
round of up to EXACT_UP_TO people, only when no arrangement at all could), groups are
pairs with one trio only when the count is odd (or trios, with pairs only to make the count
work), a "not with" choice is never crossed, nobody meets a partner of the last few rounds
again, and among the rest people a few hours apart and with overlapping interests are
preferred.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from coaching.reflections import send_instant, zone

# -- organizer settings -------------------------------------------------------------------

RHYTHMS = ("weekly", "biweekly", "monthly")
PAIRS, TRIOS = 2, 3
DEFAULT_HOUR = 10  # community time; late enough not to land at breakfast
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# -- a member's choices ---------------------------------------------------------------------

NOT_WITH_MAX = 50
PAUSE_MAX = timedelta(days=366)

# -- rounds and check-ins -----------------------------------------------------------------

# "Several rounds": a pair (or two of a trio) is not matched again within this many rounds.
REPEAT_WINDOW = 4
CHECKIN_AFTER = timedelta(days=4)
SECOND_CHECKIN_AFTER = timedelta(days=5)  # after "We've scheduled it"
ANSWERS = ("met", "scheduled", "couldnt")

# -- introductions ------------------------------------------------------------------------

INTRO_EXPIRES_AFTER = timedelta(days=7)
INTROS_PER_DAY = 3
INTRO_PAIR_COOLDOWN = timedelta(days=90)
WHY_MIN, WHY_MAX = 10, 500
DAY = timedelta(hours=24)

# -- organizer counts ---------------------------------------------------------------------

SMALL_NUMBERS = 5  # nothing is shown about fewer members than this


# ========================================================================= the card


CARD_FIELDS = ("curious", "offers", "wants", "beyond", "region")
CARD_LIMITS = {"curious": 300, "offers": 300, "wants": 300, "beyond": 300, "region": 80}


class InvalidCard(ValueError):
    """`field` is too long (prompts/errors/meet_card_long)."""

    def __init__(self, field: str, limit: int, length: int) -> None:
        super().__init__(field)
        self.field = field
        self.limit = limit
        self.length = length


def clean_card(values: dict[str, str | None]) -> dict[str, str]:
    """The card's fields, trimmed; an over-long field raises InvalidCard. Empty is fine:
    every field is optional."""
    cleaned: dict[str, str] = {}
    for name in CARD_FIELDS:
        text = " ".join((values.get(name) or "").split()) if name == "region" else None
        if text is None:
            text = (values.get(name) or "").strip()
        if len(text) > CARD_LIMITS[name]:
            raise InvalidCard(name, CARD_LIMITS[name], len(text))
        cleaned[name] = text
    return cleaned


def card_is_empty(card: dict[str, str]) -> bool:
    return not any(card.get(name) for name in CARD_FIELDS)


_WORD = re.compile(r"[^\W\d_]{3,}")
_STOPWORDS = frozenset(
    """
    about after also always and anything any are around been being but can could does doing
    everything for from get getting good great have having help helping how into its just
    keen kind like lately learn learning less lot lots love loving make making more most much
    need new not now off one other our out over people really some something stuff such than
    that the their them then there these they thing things this those through too very want
    way what when where which while who why will with work working would year years you your
    mine myself lately currently especially maybe
    """.split()
)


def keywords(text: str | None) -> frozenset[str]:
    """The words of a card field that say something, folded to a short stem ("designing"
    and "designer" meet at "design")."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return frozenset(
        word[:6] for word in _WORD.findall(folded) if word not in _STOPWORDS and len(word) >= 3
    )


# ========================================================================= matching


@dataclass(frozen=True, slots=True)
class Candidate:
    """One member in a round, as the matching sees her."""

    id: int
    offset: int = 0  # minutes from UTC at the round's time
    topics: frozenset[str] = frozenset()  # what she is curious about, life beyond work, where
    offers: frozenset[str] = frozenset()  # what she can help with
    wants: frozenset[str] = frozenset()  # what she would love help with


def candidate_from_card(member_id: int, offset: int, card: dict[str, str] | None) -> Candidate:
    if not card:
        return Candidate(member_id, offset)
    return Candidate(
        member_id,
        offset,
        topics=keywords(card.get("curious"))
        | keywords(card.get("beyond"))
        | keywords(card.get("region")),
        offers=keywords(card.get("offers")),
        wants=keywords(card.get("wants")),
    )


@dataclass
class MatchPlan:
    groups: list[tuple[int, ...]] = field(default_factory=list)
    unmatched: list[int] = field(default_factory=list)  # nobody left she may meet


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def pairs_of(group: Sequence[int]) -> list[tuple[int, int]]:
    """Every two people of a group (one pair for a pair, three for a trio)."""
    return [
        pair_key(group[i], group[j]) for i in range(len(group)) for j in range(i + 1, len(group))
    ]


COMFORTABLE_HOURS = 3.0  # "a few hours' difference": no cost up to here
WINDOW = 10  # neighbours in time-zone order each member is compared with
TOKEN_FANOUT = 4  # of the members sharing a word, how many each is compared with


def _clock_distance(a: int, b: int) -> int:
    """Minutes between two UTC offsets on the clock: +13 and -11 share the time of day."""
    diff = abs(a - b) % 1440
    return min(diff, 1440 - diff)


def _mix(seed: int, a: int, b: int) -> int:
    # A fixed 64-bit mix (not hash(), which may differ between processes for other types):
    # the same round plans the same way after a restart.
    value = (seed * 0x9E3779B97F4A7C15 + a * 0xBF58476D1CE4E5B9 + b * 0x94D049BB133111EB) & (
        (1 << 64) - 1
    )
    value ^= value >> 31
    value = (value * 0xD6E8FEB86659FD93) & ((1 << 64) - 1)
    return value ^ (value >> 32)


def affinity(a: Candidate, b: Candidate) -> float:
    """How good a match two people are: hours apart beyond a few cost a point each; shared
    interests, and one offering what the other would love help with, earn."""
    hours = _clock_distance(a.offset, b.offset) / 60
    score = -(hours - COMFORTABLE_HOURS) if hours > COMFORTABLE_HOURS else 0.0
    shared = len(a.topics & b.topics) + 2 * (len(a.offers & b.wants) + len(b.offers & a.wants))
    return score + 0.75 * min(shared, 6)


def match(
    candidates: Sequence[Candidate],
    *,
    group_size: int = PAIRS,
    avoid: Collection[tuple[int, int]] = (),
    recent: Collection[tuple[int, int]] = (),
    seed: int = 0,
) -> MatchPlan:
    """Groups for one round. `avoid` ("not with", either way) and `recent` (partners of the
    last REPEAT_WINDOW rounds) are pairs as `pair_key` makes them, never matched. `seed`
    (the round) varies the choice between equally good matches, and replays it exactly."""
    people = {c.id: c for c in candidates}
    if len(people) != len(candidates):
        raise ValueError("a member can be in a round once")
    forbidden = {pair_key(a, b) for a, b in (*avoid, *recent)}
    if len(people) < 2:
        return MatchPlan(unmatched=list(people))
    # Time-zone order, ties broken by the seed: neighbours are the natural partners.
    order = sorted(people.values(), key=lambda c: (c.offset, _mix(seed, c.id, 0)))
    count = len(order)
    if group_size != TRIOS:
        best = _match_round(order, people, forbidden, seed, [])
    else:
        pairs_needed = {0: 0, 1: 2, 2: 1}[count % 3]
        trios = (count - 2 * pairs_needed) // 3
        # Every third member, around the clock, joins a pair made of her neighbours. When
        # ruled-out partners leave someone out, the other two choices of thirds are tried.
        best = MatchPlan(unmatched=list(people))
        first = _mix(seed, 1, 1) % 3
        for attempt in range(3):
            rotation = (first + attempt) % 3
            extras = [order[i].id for i in range(count) if i % 3 == rotation][:trios]
            plan = _match_round(order, people, forbidden, seed, extras)
            if len(plan.unmatched) < len(best.unmatched):
                best = plan
            if not best.unmatched:
                break
    if best.unmatched and count <= EXACT_UP_TO:
        # A small round with many ruled-out partners: the quick way may leave someone out
        # who could have been placed. Few people, so every arrangement is tried.
        exact = _exact(order, forbidden, group_size)
        if len(exact.unmatched) < len(best.unmatched):
            return exact
    return best


EXACT_UP_TO = 12


def _exact(order: list[Candidate], forbidden: set[tuple[int, int]], group_size: int) -> MatchPlan:
    """The arrangement placing the most people (then, for trios, the most trios; then the
    closest in time), found by trying them all: for rounds of up to EXACT_UP_TO people."""
    people = list(order)
    count = len(people)
    allowed = [
        [_allowed(people[i].id, people[j].id, forbidden) for j in range(count)]
        for i in range(count)
    ]
    score = [[affinity(people[i], people[j]) for j in range(count)] for i in range(count)]
    max_trios = 1 if group_size != TRIOS else count

    @functools.cache
    def best(left: int, trios: int) -> tuple[tuple[int, int, float], tuple[tuple[int, ...], ...]]:
        if not left:
            return (0, 0, 0.0), ()
        a = (left & -left).bit_length() - 1
        rest = left & ~(1 << a)
        options = [best(rest, trios)]  # `a` sits this round out
        for b in range(a + 1, count):
            if not rest >> b & 1 or not allowed[a][b]:
                continue
            after_pair = rest & ~(1 << b)
            (placed, made, total), groups = best(after_pair, trios)
            options.append(((placed + 2, made, total + score[a][b]), ((a, b), *groups)))
            if trios >= max_trios:
                continue
            for c in range(b + 1, count):
                if not after_pair >> c & 1 or not (allowed[a][c] and allowed[b][c]):
                    continue
                (placed, made, total), groups = best(after_pair & ~(1 << c), trios + 1)
                gain = score[a][b] + score[a][c] + score[b][c]
                options.append(((placed + 3, made + 1, total + gain), ((a, b, c), *groups)))
        return max(options, key=lambda option: option[0])

    _, chosen = best((1 << count) - 1, 0)
    placed = {i for group in chosen for i in group}
    groups = [[people[i].id for i in group] for group in chosen]
    return _plan(
        {pair_key(group[0], group[1]): group for group in groups},
        [people[i].id for i in range(count) if i not in placed],
    )


def _match_round(
    order: list[Candidate],
    people: dict[int, Candidate],
    forbidden: set[tuple[int, int]],
    seed: int,
    extras: list[int],
) -> MatchPlan:
    """One way of matching: pairs among everyone but `extras`, who then join pairs."""
    extra_set = set(extras)
    rest = [c for c in order if c.id not in extra_set]
    # Good matches first; those left (their neighbours taken) then meet each other's
    # neighbours among the rest, before anyone is matched across the world.
    partner = _greedy_pairs(_candidate_edges(rest, forbidden, seed), minimum=0.0)
    left = [c for c in rest if c.id not in partner]
    partner.update(_greedy_pairs(_candidate_edges(left, forbidden, seed)))
    free = [c.id for c in left if c.id not in partner]
    _repair(free, partner, people, forbidden)
    groups = {pair_key(a, b): [a, b] for a, b in partner.items() if a < b}
    singles = [*extras, *(i for i in free if i not in partner)]
    if not extras:
        # Pairs: the odd one out joins a pair (one trio at most); anyone else left over
        # could not be matched with anyone at all this round.
        return _plan(groups, _attach(singles, groups, people, forbidden, seed, max_trios=1))
    unmatched = _attach(singles, groups, people, forbidden, seed, max_trios=len(groups))
    # Trios: whoever could not join a pair tries to pair up with another such member.
    if len(unmatched) >= 2:
        stranded = [people[i] for i in unmatched]
        partner2 = _greedy_pairs(_candidate_edges(stranded, forbidden, seed))
        for a, b in partner2.items():
            if a < b:
                groups[pair_key(a, b)] = [a, b]
        unmatched = [i for i in unmatched if i not in partner2]
    return _plan(groups, unmatched)


def _plan(groups: dict[tuple[int, int], list[int]], unmatched: list[int]) -> MatchPlan:
    ordered = sorted(tuple(sorted(group)) for group in groups.values())
    return MatchPlan(groups=ordered, unmatched=sorted(unmatched))


def _candidate_edges(
    order: Sequence[Candidate],
    forbidden: set[tuple[int, int]],
    seed: int,
) -> list[tuple[float, int, int]]:
    """Scored pairs worth considering: each member's neighbours in time-zone order (around
    the clock), and some of those sharing a word with her. Everything else is far away or
    no better than a neighbour, and comparing all pairs would be quadratic. (A hot path: a
    round of 2,000 scores some 60,000 pairs, so `affinity` is written out here.)"""
    seen: set[tuple[int, int]] = set()
    edges: list[tuple[float, int, int]] = []
    count = len(order)
    comfortable = COMFORTABLE_HOURS * 60
    salt = (seed * 0x9E3779B1) & 0xFFFFFFFF

    def consider(a: Candidate, b: Candidate) -> None:
        ida, idb = a.id, b.id
        key = (ida, idb) if ida < idb else (idb, ida)
        if key in seen or key in forbidden or ida == idb:
            return
        seen.add(key)
        diff = abs(a.offset - b.offset) % 1440
        minutes = min(diff, 1440 - diff)
        score = (comfortable - minutes) / 60 if minutes > comfortable else 0.0
        if a.topics or a.offers or a.wants:
            shared = len(a.topics & b.topics) + 2 * (
                len(a.offers & b.wants) + len(b.offers & a.wants)
            )
            score += 0.75 * min(shared, 6)
        # A small, fixed tie-break per pair and round: equally good matches vary by round.
        jitter = ((key[0] * 2654435761 ^ key[1] * 40503 ^ salt) & 0xFFFF) / 0xFFFF * 0.5
        edges.append((score + jitter, key[0], key[1]))

    reach = min(WINDOW, count - 1)
    for index, person in enumerate(order):
        for step in range(1, reach + 1):
            consider(person, order[(index + step) % count])
    by_word: dict[str, list[Candidate]] = {}
    for person in order:
        for word in person.topics | person.offers | person.wants:
            by_word.setdefault(word, []).append(person)
    for sharing in by_word.values():
        if len(sharing) < 2:
            continue
        fanout = min(TOKEN_FANOUT, len(sharing) - 1)
        for index, person in enumerate(sharing):
            for step in range(1, fanout + 1):
                consider(person, sharing[(index + step) % len(sharing)])
    edges.sort(key=_score_of, reverse=True)  # by the float alone: tuples compare slowly
    return edges


def _score_of(edge: tuple[float, int, int]) -> float:
    return edge[0]


def _greedy_pairs(
    edges: Iterable[tuple[float, int, int]], minimum: float | None = None
) -> dict[int, int]:
    """Best pairs first (edges come sorted); with `minimum`, only pairs scoring that much."""
    partner: dict[int, int] = {}
    for score, a, b in edges:
        if minimum is not None and score < minimum:
            break
        if a not in partner and b not in partner:
            partner[a] = b
            partner[b] = a
    return partner


def _allowed(a: int, b: int, forbidden: set[tuple[int, int]]) -> bool:
    return a != b and pair_key(a, b) not in forbidden


def _repair(
    free: list[int],
    partner: dict[int, int],
    people: dict[int, Candidate],
    forbidden: set[tuple[int, int]],
) -> None:
    """Match the members greedy matching left over: with each other when they may meet,
    else by swapping with a matched pair ((x, y) + u, v -> (u, x), (y, v)). The first that
    works is taken: they are few, and a neighbour was already tried."""
    for u in free:
        if u in partner:
            continue
        others = [v for v in free if v != u and v not in partner]
        best = max(
            (v for v in others if _allowed(u, v, forbidden)),
            key=lambda v: affinity(people[u], people[v]),
            default=None,
        )
        if best is not None:
            partner[u], partner[best] = best, u
            continue
        for x, y in list(partner.items()):
            if not others:
                break
            if not _allowed(u, x, forbidden):
                continue
            v = next((v for v in others if _allowed(y, v, forbidden)), None)
            if v is not None:
                partner[u], partner[x] = x, u
                partner[y], partner[v] = v, y
                break


def _attach(
    singles: list[int],
    groups: dict[tuple[int, int], list[int]],
    people: dict[int, Candidate],
    forbidden: set[tuple[int, int]],
    seed: int,
    *,
    max_trios: int,
) -> list[int]:
    """Each single joins a pair she may meet both of, best first; at most `max_trios` pairs
    become trios. Returns those who could join none. A single looks at the pairs of her
    neighbours in time-zone order first, and at every pair only when none of those fits."""
    if not singles or not groups:
        return list(singles)
    pairs = [key for key, group in groups.items() if len(group) == 2]
    by_offset = sorted(pairs, key=lambda key: people[key[0]].offset + people[key[1]].offset)
    midpoints = [people[a].offset + people[b].offset for a, b in by_offset]
    options: list[tuple[float, int, tuple[int, int]]] = []
    for s in singles:
        person = people[s]
        near = bisect.bisect_left(midpoints, 2 * person.offset)
        nearby = by_offset[max(0, near - 4 * WINDOW) : near + 4 * WINDOW]
        for candidates in (nearby, by_offset):
            found = [
                (
                    sum(affinity(person, people[m]) for m in key)
                    + (_mix(seed, s, key[0]) & 0xFF) / 0xFF * 0.25,
                    s,
                    key,
                )
                for key in candidates
                if _allowed(s, key[0], forbidden) and _allowed(s, key[1], forbidden)
            ]
            if found:
                options += found
                break
    options.sort(reverse=True)
    placed: set[int] = set()
    grown: set[tuple[int, int]] = set()
    for _score, s, key in options:
        if s in placed or key in grown or len(grown) >= max_trios:
            continue
        groups[key].append(s)
        placed.add(s)
        grown.add(key)
    left = [s for s in singles if s not in placed]
    if left and len(grown) < max_trios and len(left) < len(singles):
        # The nearby pairs she fitted went to others: look again at every pair.
        return _attach(left, groups, people, forbidden, seed, max_trios=max_trios - len(grown))
    return [s for s in left if not _make_room(s, groups, forbidden)]


def _make_room(
    single: int, groups: dict[tuple[int, int], list[int]], forbidden: set[tuple[int, int]]
) -> bool:
    """A single no pair takes: she takes the place of a trio's third, who moves on to a pair
    that fits her. True when that worked."""
    free_pairs = [key for key, group in groups.items() if len(group) == 2]
    for key, group in groups.items():
        if len(group) != 3 or not all(_allowed(single, m, forbidden) for m in key):
            continue
        third = group[2]
        home = next((p for p in free_pairs if all(_allowed(third, m, forbidden) for m in p)), None)
        if home is not None:
            group[2] = single
            groups[home].append(third)
            return True
    return False


# ========================================================================= round dates


def utc_offset_minutes(timezone: str, instant: datetime) -> int:
    offset = instant.astimezone(zone(timezone)).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _first_weekday_of_month(year: int, month: int, weekday: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def next_slot(rhythm: str, weekday: int, earliest: date) -> date:
    """The rhythm's first date on or after `earliest`: that weekday, or for monthly the
    first such weekday of a month."""
    if rhythm == "monthly":
        slot = _first_weekday_of_month(earliest.year, earliest.month, weekday)
        if slot < earliest:
            start = _next_month(earliest)
            slot = _first_weekday_of_month(start.year, start.month, weekday)
        return slot
    return earliest + timedelta(days=(weekday - earliest.weekday()) % 7)


def earliest_after(rhythm: str, last_slot: date) -> date:
    """After a round, the next may not come before this (weekly a week on, every two weeks
    two weeks on, monthly the next month), even when the weekday changes in between."""
    if rhythm == "monthly":
        return _next_month(last_slot)
    return last_slot + timedelta(days=(7 if rhythm == "weekly" else 14) // 2 + 1)


@dataclass(frozen=True)
class RoundTime:
    slot: date  # the rhythm's date
    day: date  # the date it runs: the slot, or the first day after it that is not quiet
    at: datetime  # UTC


def plan_round(
    *,
    rhythm: str,
    weekday: int,
    hour: int,
    timezone: str,
    after: datetime,
    last_slot: date | None,
    quiet_days: Collection[date] = (),
    slot: date | None = None,
) -> RoundTime | None:
    """The next round strictly after `after`, in the community's zone, moved off quiet days
    (to the first day after its slot that is not quiet, within the week; a slot with a
    whole quiet week is skipped). `slot`: plan this slot (already past, perhaps) rather
    than the next. None if nothing within a year (every day quiet)."""
    tz = zone(timezone)
    today = after.astimezone(tz).date()
    earliest = today if last_slot is None else max(today, earliest_after(rhythm, last_slot))
    if slot is not None:
        earliest = slot
    for _ in range(60):
        slot = next_slot(rhythm, weekday, earliest)
        day = slot
        while day in quiet_days and (day - slot).days < 6:
            day += timedelta(days=1)
        if day not in quiet_days:
            at = send_instant(day, time(hour), tz)
            if at > after:
                return RoundTime(slot, day, at)
        earliest = slot + timedelta(days=1)
    return None


def checkin_at(
    start: datetime, timezone: str, quiet_days: Collection[date], *, after: timedelta
) -> datetime:
    """When to ask "did you meet?": `after` from `start`, moved off quiet days."""
    at = start + after
    tz = zone(timezone)
    for _ in range(7):
        if at.astimezone(tz).date() not in quiet_days:
            break
        at += DAY
    return at


# ========================================================================= introductions


class IntroRefused(ValueError):
    """Why an introduction can't be made; `reason` names prompts/errors/meet_intro_<reason>."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True, slots=True)
class IntroParty:
    user_id: int
    is_bot: bool
    in_server: bool
    reachable: bool  # Kindred's DMs reach her (as far as Kindred knows)


def check_introduction(
    *,
    introducer_id: int,
    a: IntroParty,
    b: IntroParty,
    why: str,
    now: datetime,
    introducer_recent: Sequence[datetime],
    pair_last: datetime | None,
) -> str:
    """Raise IntroRefused, or return the cleaned "why". `introducer_recent`: when the
    introducer's introductions of the last day were made; `pair_last`: when these two were
    last introduced (by anyone)."""
    if a.user_id == b.user_id:
        raise IntroRefused("same_person")
    if introducer_id in (a.user_id, b.user_id):
        raise IntroRefused("self")
    for party in (a, b):
        if party.is_bot:
            raise IntroRefused("bot")
        if not party.in_server:
            raise IntroRefused("not_member", user_id=party.user_id)
        if not party.reachable:
            raise IntroRefused("unreachable", user_id=party.user_id)
    cleaned = (why or "").strip()
    if len(cleaned) < WHY_MIN:
        raise IntroRefused("why_short", minimum=WHY_MIN)
    if len(cleaned) > WHY_MAX:
        raise IntroRefused("why_long", maximum=WHY_MAX, length=len(cleaned))
    if pair_last is not None and now - pair_last < INTRO_PAIR_COOLDOWN:
        raise IntroRefused("pair_recent", again_at=pair_last + INTRO_PAIR_COOLDOWN)
    today = sorted(at for at in introducer_recent if now - at < DAY)
    if len(today) >= INTROS_PER_DAY:
        raise IntroRefused("daily_cap", cap=INTROS_PER_DAY, again_at=today[0] + DAY)
    return cleaned


# ========================================================================= starters


def starter_kinds(card: dict[str, str] | None) -> list[str]:
    """Which kinds of starter question fit someone's card (`open` always does)."""
    kinds = [name for name in CARD_FIELDS if card and card.get(name)]
    return [*kinds, "open"]


def choose_starter(keys: Sequence[str], card: dict[str, str] | None, seed: int) -> str:
    """A starter question from the pack (`<kind>__NN`) that fits the card, varied by `seed`
    (the round and the member asking). Questions about what she wrote come first."""
    kinds = starter_kinds(card)
    fitting = [key for key in keys if key.split("__", 1)[0] in kinds[:-1]]
    pool = fitting or [key for key in keys if key.startswith("open__")] or list(keys)
    if not pool:
        raise ValueError("the starter pack is empty")
    return sorted(pool)[_mix(seed, len(pool), 7) % len(pool)]


# ========================================================================= organizer counts


@dataclass(frozen=True)
class Counts:
    """What the organizer view is made from; members_* count distinct people."""

    opted_in: int = 0
    rounds: int = 0
    pairs_made: int = 0
    members_paired: int = 0
    pairs_answered: int = 0
    pairs_met: int = 0
    members_answering: int = 0
    intros_made: int = 0
    intros_accepted: int = 0
    members_introduced: int = 0


@dataclass(frozen=True)
class Summary:
    """The counts an organizer may see: None where fewer than SMALL_NUMBERS members stand
    behind a figure."""

    opted_in: int | None
    rounds: int | None
    pairs_made: int | None
    met_share: int | None  # percent of answered pairs in which someone said "We met"
    intros_made: int | None
    intros_accepted: int | None


def organizer_summary(counts: Counts) -> Summary:
    paired = counts.members_paired >= SMALL_NUMBERS
    answered = counts.members_answering >= SMALL_NUMBERS and counts.pairs_answered > 0
    introduced = counts.members_introduced >= SMALL_NUMBERS
    return Summary(
        opted_in=counts.opted_in if counts.opted_in >= SMALL_NUMBERS else None,
        rounds=counts.rounds if paired else None,
        pairs_made=counts.pairs_made if paired else None,
        met_share=round(100 * counts.pairs_met / counts.pairs_answered) if answered else None,
        intros_made=counts.intros_made if introduced else None,
        intros_accepted=counts.intros_accepted if introduced else None,
    )
