"""The Rolodex: names, tags, marks, stay-in-touch cadence, search ranking, vCard and CSV."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from coaching.text import clean, optional, visible

NAME_MAX, HOW_MET_MAX, NOTES_MAX, TAGS_MAX, WHAT_MAX = 100, 300, 1500, 300, 300
MAX_TAGS = 12
TOUCH_KINDS = ("call", "coffee", "message", "event", "other")
CADENCES = {
    "none": None,
    "every week": 7,
    "every 2 weeks": 14,
    "monthly": 30,
    "every 2 months": 61,
    "quarterly": 91,
    "twice a year": 182,
    "yearly": 365,
}
_CADENCE_SHORT = re.compile(r"^(?:every\s+)?(\d{1,3})\s*(d|days?|w|weeks?|m|months?)$")
_STOPWORDS = frozenset(
    [
        "who",
        "whom",
        "do",
        "does",
        "i",
        "know",
        "for",
        "a",
        "an",
        "the",
        "someone",
        "somebody",
        "anyone",
        "in",
        "on",
        "of",
        "to",
        "with",
        "my",
        "me",
        "is",
        "are",
        "at",
        "good",
        "great",
        "who's",
    ]
)


class InvalidEntry(ValueError):
    """`field` names what is wrong (prompts/errors/rolodex_<field>)."""

    def __init__(self, field: str, **details: object) -> None:
        super().__init__(field)
        self.field = field
        self.details = details


def name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def clean_name(name: str) -> str:
    cleaned = " ".join(clean(name).split())
    if not visible(cleaned):
        raise InvalidEntry("name_empty")
    if len(cleaned) > NAME_MAX:
        raise InvalidEntry("name_long", limit=NAME_MAX)
    return cleaned


def clean_text(value: str | None, field: str, limit: int) -> str:
    """An optional text field as stored ("" when nothing in it is visible)."""
    cleaned = optional(value)
    if len(cleaned) > limit:
        raise InvalidEntry(f"{field}_long", limit=limit, length=len(cleaned))
    return cleaned


def parse_tags(text: str | None) -> str:
    """`"Bookkeeping, #tax , Lisbon"` -> `"bookkeeping,tax,lisbon"` (deduplicated, ordered)."""
    tags: list[str] = []
    for raw in re.split(r"[,;\n]", clean(text)):
        tag = optional(" ".join(raw.strip().lstrip("#").casefold().split()))
        if tag and tag not in tags:
            tags.append(tag[:40])
    if len(tags) > MAX_TAGS:
        raise InvalidEntry("tags_many", limit=MAX_TAGS)
    joined = ",".join(tags)
    if len(joined) > TAGS_MAX:
        raise InvalidEntry("tags_long", limit=TAGS_MAX)
    return joined


def parse_cadence(text: str | None) -> int | None:
    """`monthly`, `every 2 weeks`, `3w`, `45d`, `none` -> days (None: no cadence)."""
    cleaned = " ".join((text or "").strip().casefold().split())
    if not cleaned or cleaned in ("none", "off", "no"):
        return None
    if cleaned in CADENCES:
        return CADENCES[cleaned]
    match = _CADENCE_SHORT.match(cleaned)
    if match:
        amount, unit = int(match.group(1)), match.group(2)[0]
        days = amount * {"d": 1, "w": 7, "m": 30}[unit]
        if 1 <= days <= 730:
            return days
    raise InvalidEntry("cadence", value=text)


def describe_cadence(days: int | None) -> str:
    if days is None:
        return "none"
    for label, value in CADENCES.items():
        if value == days:
            return label
    return f"every {days} days"


def touch_due_on(last_touch: date, cadence_days: int | None) -> date | None:
    return last_touch + timedelta(days=cadence_days) if cadence_days else None


# -- reminders ----------------------------------------------------------------------------

SNOOZE = timedelta(days=3)
DEFAULT_REMINDER_TIME = time(9, 0)


def reminder_zone_and_time(
    *, reflection: tuple[str, str] | None, member_zone: str | None, community_zone: str | None
) -> tuple[str, time]:
    """When a member's reminders go out: at their reflection time (zone, "HH:MM") if they
    get prompts, otherwise at 09:00 in their own zone, their server's, or UTC."""
    if reflection is not None:
        zone, at = reflection
        hour, minute = (int(part) for part in at.split(":"))
        return zone, time(hour, minute)
    return member_zone or community_zone or "UTC", DEFAULT_REMINDER_TIME


def followup_reminder_key(followup_id: int, snoozes: int) -> str:
    """The outbox key of a follow-up's reminder: a snooze makes a new one."""
    return f"followup:{followup_id}:{snoozes}"


def touch_reminder_key(entry_id: int, due: date | None) -> str:
    """The outbox key of a stay-in-touch reminder: one per drift."""
    return f"touch:{entry_id}:{due}"


@dataclass(frozen=True, slots=True)
class Searchable:
    entry_id: int
    name: str
    tags: str
    notes: str
    how_met: str
    know: bool
    like: bool
    trust: bool


# A search looks for this many different words at most: a query is a few words, and each
# is looked for in every entry's fields (a pasted paragraph would make the search crawl).
QUERY_WORDS_MAX = 10


def query_words(query: str) -> list[str]:
    """The words to look for, each once, in the order typed; stop words only when there is
    nothing else ("the who")."""
    words = list(dict.fromkeys(re.findall(r"\w+", unicodedata.normalize("NFKC", query).casefold())))
    meaningful = [w for w in words if w not in _STOPWORDS]
    return (meaningful or words)[:QUERY_WORDS_MAX]


def _stem_match(word: str, text: str) -> bool:
    # "bookkeeper" finds "bookkeeping": a shared stem of 5+ letters counts.
    if word in text:
        return True
    return len(word) >= 6 and word[:5] in text


def search_rank(query: str, entries: Sequence[Searchable]) -> list[int]:
    """Entry ids matching the query, best first: trusted people first, then by relevance."""
    words = query_words(query)
    if not words:
        return []
    ranked: list[tuple[tuple[int, int, int, int], int]] = []
    for entry in entries:
        fields = (
            (entry.name.casefold(), 4),
            (entry.tags.replace(",", " "), 4),
            (entry.notes.casefold(), 2),
            (entry.how_met.casefold(), 1),
        )
        relevance = sum(
            weight for word in words for text, weight in fields if _stem_match(word, text)
        )
        if relevance:
            marks = int(entry.trust), int(entry.like) + int(entry.know)
            ranked.append(((marks[0], relevance, marks[1], -entry.entry_id), entry.entry_id))
    ranked.sort(reverse=True)
    return [entry_id for _, entry_id in ranked]


def _vcard_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def vcards(entries: Sequence[dict[str, object]]) -> str:
    """vCard 3.0 for each entry (name, notes with how-we-met, tags as categories)."""
    cards = []
    for entry in entries:
        name = str(entry["name"])
        note = f"How we met: {entry.get('how_met') or '-'}\n{entry.get('notes') or ''}".strip()
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"FN:{_vcard_escape(name)}",
            f"N:{_vcard_escape(name)};;;;",
            f"NOTE:{_vcard_escape(note)}",
        ]
        if entry.get("tags"):
            lines.append(f"CATEGORIES:{_vcard_escape(str(entry['tags']))}")
        lines.append("END:VCARD")
        cards.append("\r\n".join(lines))
    return "\r\n".join(cards) + ("\r\n" if cards else "")


CSV_COLUMNS = (
    "name", "discord_user_id", "how_met", "notes", "tags", "know", "like", "trust",
    "cadence_days", "last_touch_on",
)  # fmt: skip


def csv_text(entries: Sequence[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry.get("name"),
                entry.get("person_user_id") or "",
                entry.get("how_met") or "",
                entry.get("notes") or "",
                entry.get("tags") or "",
                entry.get("know"),
                entry.get("like"),
                entry.get("trust"),
                entry.get("cadence_days") or "",
                entry.get("last_touch_on") or "",
            ]
        )
    return buffer.getvalue()
