"""How the sandbox shows what Discord's client would show a member.

Mentions read as names, `<t:...>` times in the viewer's own zone (and relative ones in
words), buttons and menus with their state, and forms with every field: text inputs and
select menus, with what is already filled in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from testing.sandbox_input import SandboxError

# Discord's component types.
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
SELECTS = (3, 5, 6, 7, 8)
LABEL, TEXT_DISPLAY = 18, 10
LINK = 5  # a button style: opens a URL, no custom id

_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_CHANNEL = re.compile(r"<#(\d+)>")
_SLASH = re.compile(r"</([\w -]+):\d+>")
_EMOJI = re.compile(r"<a?:(\w+):\d+>")
_MESSAGE_LINK = re.compile(
    r"https://(?:\w+\.)?discord(?:app)?\.com/channels/(?:\d+|@me)/(\d+)/(\d+)"
)
# What fakediscord's refusals name things by: its reprs and raw snowflakes.
_MESSAGE_REPR = re.compile(r"<Message id=\d+ [^>]*?content='((?:[^'\\]|\\.)*)'>")
_NAMED_REPR = re.compile(r"<(?:User|Channel|Guild|Role) [^>]*?name='([^']*)'[^>]*>")
_ANY_REPR = re.compile(r"<(?:Message|Channel|User|Guild|Interaction)[^>]*>")
_SNOWFLAKE = re.compile(r"\b\d{15,20}\b")
_CUSTOM_ID = re.compile(r" ?'[0-9a-f]{32}'|'[\w-]+:[^' ]*'")  # discord.py's and Kindred's

MINUTE, HOUR, DAY = 60, 3600, 86400


def relative_words(delta: timedelta) -> str:
    """`<t:...:R>` as a person says it: "in 2 weeks", "3 days ago", "in a few seconds"."""
    seconds = delta.total_seconds()
    size = abs(seconds)
    words = "a few seconds"
    if size >= 45:
        for limit, unit, one, many in (
            (45 * MINUTE, MINUTE, "a minute", "minutes"),
            (22 * HOUR, HOUR, "an hour", "hours"),
            (6.5 * DAY, DAY, "a day", "days"),
            (26 * DAY, 7 * DAY, "a week", "weeks"),
            (320 * DAY, 30.44 * DAY, "a month", "months"),
            (float("inf"), 365.25 * DAY, "a year", "years"),
        ):
            if size < limit:
                count = max(1, round(size / unit))
                words = one if count == 1 else f"{count} {many}"
                break
    return f"in {words}" if seconds >= 0 else f"{words} ago"


def discord_time(instant: datetime, style: str | None, zone: ZoneInfo, now: datetime) -> str:
    """A `<t:...:style>` tag as Discord's client shows it (English, 24-hour clock)."""
    if style == "R":
        return relative_words(instant - now)
    local = instant.astimezone(zone)
    day = f"{local.day} {local:%B %Y}"
    return {
        "t": f"{local:%H:%M}",
        "T": f"{local:%H:%M:%S}",
        "d": f"{local:%d/%m/%Y}",
        "D": day,
        "F": f"{local:%A}, {day} {local:%H:%M}",
    }.get(style or "f", f"{day} {local:%H:%M}")


@dataclass
class Names:
    """Who and what ids stand for, and the zone each member's Discord shows times in."""

    users: Callable[[int], str | None]
    channels: Callable[[int], str | None]
    roles: Callable[[int], str | None] = lambda _: None
    messages: Callable[[int], str | None] = lambda _: None  # message id -> "m3"
    zones: dict[int, ZoneInfo] = field(default_factory=dict)  # user id -> zone

    def zone(self, user_id: int | None) -> ZoneInfo:
        return self.zones.get(user_id or 0, ZoneInfo("UTC"))

    def text(self, text: str, viewer: int | None, now: datetime) -> str:
        """`text` with mentions as names and times in `viewer`'s zone."""
        zone = self.zone(viewer)

        def when(match: re.Match[str]) -> str:
            instant = datetime.fromtimestamp(int(match.group(1)), UTC)
            return discord_time(instant, match.group(2), zone, now)

        text = _TIMESTAMP.sub(when, text)
        text = _USER.sub(lambda m: f"@{self.users(int(m.group(1))) or 'unknown-user'}", text)
        text = _ROLE.sub(lambda m: f"@{self.roles(int(m.group(1))) or 'unknown-role'}", text)
        text = _CHANNEL.sub(lambda m: f"#{self.channels(int(m.group(1))) or 'unknown'}", text)
        text = _SLASH.sub(r"/\1", text)
        text = _MESSAGE_LINK.sub(self._message_link, text)
        return _EMOJI.sub(r":\1:", text)

    def _message_link(self, match: re.Match[str]) -> str:
        """A link to a message, as the reference the transcript gives it (m3)."""
        number = self.messages(int(match.group(2)))
        channel = self.channels(int(match.group(1)))
        return number or (f"a message in #{channel}" if channel else "a message")

    def plain(self, error: str) -> str:
        """A refusal from fakediscord with names where it had ids and reprs."""
        error = _MESSAGE_REPR.sub(
            lambda m: f"the message “{m.group(1)[:40]}”" if m.group(1) else "that message", error
        )
        error = _NAMED_REPR.sub(lambda m: m.group(1), error)
        error = _ANY_REPR.sub("that", error)
        error = _CUSTOM_ID.sub("", error)

        def named(match: re.Match[str]) -> str:
            snowflake = int(match.group())
            user, channel = self.users(snowflake), self.channels(snowflake)
            return f"@{user}" if user else f"#{channel}" if channel else "…"

        return _SNOWFLAKE.sub(named, error)


# -- components -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Control:
    """A button or a menu on a message."""

    custom_id: str | None
    label: str
    kind: str  # "button", "link" or "menu"
    disabled: bool
    component: dict[str, Any]


def controls(components: list[dict[str, Any]] | None) -> Iterator[Control]:
    for row in components or []:
        for item in row.get("components", []) if row.get("type") == ACTION_ROW else [row]:
            kind = item.get("type")
            if kind == BUTTON:
                label = item.get("label") or item.get("emoji", {}).get("name", "?")
                link = item.get("style") == LINK
                yield Control(
                    item.get("custom_id"),
                    label,
                    "link" if link else "button",
                    bool(item.get("disabled")),
                    item,
                )
            elif kind in SELECTS:
                label = item.get("placeholder") or "Choose"
                yield Control(
                    item.get("custom_id"), label, "menu", bool(item.get("disabled")), item
                )


def show_controls(components: list[dict[str, Any]] | None) -> list[str]:
    """Lines for a message's buttons and menus, as a person sees them."""
    buttons: list[str] = []
    lines: list[str] = []
    for control in controls(components):
        greyed = " (greyed out)" if control.disabled else ""
        if control.kind == "link":
            buttons.append(f"[{control.label} ↗ {control.component.get('url', '')}]")
        elif control.kind == "button":
            buttons.append(f"[{control.label}{greyed}]")
        else:
            options = control.component.get("options") or []
            listed = (
                " · ".join(f"{n}. {o['label']}" for n, o in enumerate(options, start=1))
                or "members, roles or channels"
            )
            lines.append(f"[menu: {control.label} ▾{greyed}] {listed}")
    return (["  ".join(buttons)] if buttons else []) + lines


def option_matches(options: list[dict[str, Any]], typed: str) -> dict[str, Any]:
    """The option of a menu a person means by `typed`: its number, label or value, or the
    one label it starts."""
    wanted = typed.strip().lower()
    if wanted.isdigit() and 1 <= int(wanted) <= len(options):
        return options[int(wanted) - 1]
    for option in options:
        if wanted in (option["label"].lower(), str(option["value"]).lower()):
            return option
    starting = [o for o in options if o["label"].lower().startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    listed = ", ".join(o["label"] for o in options)
    raise SandboxError(f"{typed.strip()!r} is not one of: {listed}.")


def check_choices(menu: dict[str, Any], label: str, values: list[Any]) -> None:
    """Refuse as many choices as the menu would not take."""
    low, high = menu.get("min_values", 1), menu.get("max_values", 1)
    if not low <= len(values) <= high:
        many = f"{low} to {high}" if low != high else str(low)
        raise SandboxError(f"“{label}” takes {many} choice(s).")


@dataclass
class Seen:
    """What has been printed already, so each message shows once (and again when edited)."""

    versions: dict[int, tuple[str, str]]

    def change(self, message: Any) -> str | None:
        """None (nothing new), "new", "edited", or "controls" (only its buttons changed)."""
        body = repr((message.content, message.embeds, message.attachments))
        parts = repr(message.components)
        before = self.versions.get(int(message.id))
        self.versions[int(message.id)] = (body, parts)
        if before is None:
            return "new"
        if before == (body, parts):
            return None
        return "controls" if before[0] == body else "edited"


def embed_title(message: Any) -> str:
    return next((e.get("title") or e.get("description") or "" for e in message.embeds), "")


def label_matches(label: str, target: str) -> bool:
    wanted = target.strip().lower()
    return label.strip().lower() == wanted or wanted in label.lower()


def menu_has(control: Control, typed: str) -> bool:
    options = control.component.get("options") or []
    try:
        for part in typed.split(","):
            option_matches(options, part)
    except SandboxError:
        return False
    return bool(options)


# -- forms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One input of a form: a text box or a select menu, with the label a person sees."""

    label: str
    component: dict[str, Any]

    @property
    def is_menu(self) -> bool:
        return self.component.get("type") in SELECTS

    @property
    def custom_id(self) -> str:
        return str(self.component["custom_id"])

    @property
    def required(self) -> bool:
        if self.is_menu:
            return bool(self.component.get("required", True)) and (
                self.component.get("min_values", 1) > 0
            )
        return bool(self.component.get("required", True))

    @property
    def options(self) -> list[dict[str, Any]]:
        return list(self.component.get("options") or [])

    def prefilled(self) -> Any:
        """What is submitted when a person leaves it as it is."""
        if self.is_menu:
            return [o["value"] for o in self.options if o.get("default")]
        return self.component.get("value") or ""

    def describe(self, number: int) -> str:
        optional = "" if self.required or "optional" in self.label.lower() else " (optional)"
        line = f"  {number}. {self.label}{optional}"
        if self.is_menu:
            low, high = self.component.get("min_values", 1), self.component.get("max_values", 1)
            count = len(self.options)
            how = (
                "choose one of"
                if high == 1
                else "choose any of"
                if high >= count
                else f"choose up to {high} of"
                if low <= 1
                else f"choose {low} to {high} of"
            )
            listed = ", ".join(o["label"] for o in self.options) or "(members, channels)"
            line += f": {how} {listed}"
            chosen = [o["label"] for o in self.options if o.get("default")]
            return f"{line} · now: {', '.join(chosen)}" if chosen else line
        value = self.component.get("value")
        if value:
            return f'{line} · now: "{value}"'
        hint = self.component.get("placeholder")
        return f"{line} · hint: {hint}" if hint else line

    def answer(self, typed: str) -> Any:
        """The value to submit for what was typed in :fill ("" keeps it, "-" clears it)."""
        if typed == "":
            value = self.prefilled()
        elif typed == "-":
            value = [] if self.is_menu else ""
        elif self.is_menu:
            value = [option_matches(self.options, part)["value"] for part in typed.split(",")]
        else:
            value = typed
        self._check(value)
        return value

    def _check(self, value: Any) -> None:
        c = self.component
        if self.is_menu:
            check_choices(c, self.label, value)
            return
        if self.required and not value:
            raise SandboxError(f"“{self.label}” needs an answer.")
        high, low = c.get("max_length"), c.get("min_length")
        if high is not None and len(value) > high:
            raise SandboxError(f"“{self.label}” takes at most {high} characters.")
        if value and low is not None and len(value) < low:
            raise SandboxError(f"“{self.label}” takes at least {low} characters.")


def form_fields(modal: dict[str, Any]) -> list[Field]:
    """Every input of a form, in order: text inputs and select menus."""
    fields: list[Field] = []
    for row in modal.get("components", []):
        if row.get("type") == LABEL and isinstance(row.get("component"), dict):
            # A label component carries the label and wraps one input (text or menu).
            child = row["component"]
            if child.get("type") == TEXT_INPUT or child.get("type") in SELECTS:
                label = row.get("label") or child.get("label") or child["custom_id"]
                fields.append(Field(label, child))
            continue
        for child in row.get("components", []):  # classic forms: one input per action row
            if child.get("type") == TEXT_INPUT or child.get("type") in SELECTS:
                fields.append(Field(child.get("label") or child["custom_id"], child))
    return fields


def show_form(modal: dict[str, Any]) -> list[str]:
    lines = [f"[form] {modal.get('title', '')}"]
    for row in modal.get("components", []):
        if row.get("type") == TEXT_DISPLAY and row.get("content"):
            lines.append(f"  {row['content']}")
    fields = form_fields(modal)
    lines += [f.describe(n) for n, f in enumerate(fields, start=1)]
    lines.append(
        "  (fill it with  :fill answer 1 | answer 2 | ...  a blank keeps what is there, - clears it"
    )
    if any(f.is_menu for f in fields):
        lines[-1] += ";\n   a menu takes its choices by name or number, with commas: 1, 3"
    lines[-1] += ")"
    return lines
