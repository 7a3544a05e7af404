"""What a person types at the sandbox prompt, read the way Discord's own client would.

A slash command is read against the commands the bot synced (fakediscord keeps them as
Discord's JSON): its words name the command and subcommand, and `name:value` starts an
option only when `name` is one of that command's options, so values may hold colons and
links (`text:Starts Monday: https://...`). Values are converted as Discord's client does
before sending: a choice by its name (`digest_day:Friday`), a member (`@Maya`), a channel
(`#general`), numbers and yes/no.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

# Discord's application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
_TRUE = ("true", "yes", "on", "y")
_FALSE = ("false", "no", "off", "n")

_DURATION = re.compile(r"^\+?(\d+)\s*([mhdw])$")
_WHEN = re.compile(r"^\+?(\d+\s*[mhdw])(?:\s+(\d{1,2}):(\d{2}))?$")
_QUOTED_END = re.compile(r'"(?=\s|$)')


class SandboxError(Exception):
    """A verb the sandbox could not carry out; printed, and the session goes on."""


# One step of sandbox time: a year at most (a typo of many digits would otherwise carry the
# clock past what a date can hold).
LONGEST_STEP = timedelta(weeks=53)


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise SandboxError("Use a duration like +30m, +2h, +1d or +1w.")
    amount, unit = int(match.group(1)), match.group(2)
    minutes = amount * {"m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}[unit]
    if minutes > LONGEST_STEP.total_seconds() // 60:
        raise SandboxError("Time moves a year at most in one step (+52w); repeat it to go on.")
    return timedelta(minutes=minutes)


def parse_when(text: str, now: datetime) -> datetime:
    """`+2d`, `+3d 18:30` (that day, at 18:30 UTC) or `2026-12-03 18:30` (UTC) -> an instant."""
    cleaned = " ".join(text.strip().lower().split())
    match = _WHEN.match(cleaned)
    if match:
        when = now + parse_duration(match.group(1))
        if match.group(2) is not None:
            hour, minute = int(match.group(2)), int(match.group(3))
            if hour > 23 or minute > 59:
                raise SandboxError(f"{text!r} is not a time of day.")
            when = when.replace(hour=hour, minute=minute)
        return when.replace(second=0, microsecond=0)
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise SandboxError("Use a time like +2d, +3d 18:30 or 2026-12-03 18:30 (UTC).") from None
    parsed = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if parsed - now > LONGEST_STEP:
        raise SandboxError("Events here start within a year; move time forward to plan later.")
    return parsed


def _suggest(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f" Did you mean {close[0]}?" if close else ""


def _is_group(option: Mapping[str, Any]) -> bool:
    return option["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)


def parse_slash(
    line: str, commands: Mapping[str, Mapping[str, Any]]
) -> tuple[str, list[dict[str, Any]], dict[str, str]]:
    """`/setup timezone:Europe/Berlin prompt_time:8:30 pm` -> ("setup", option specs, {...}).

    `commands` are the slash commands by name, as Discord's JSON. An option's value runs
    until the next ` name:` of the same command; a value in double quotes is taken as it is.
    """
    body = line.strip().removeprefix("/")
    words = list(re.finditer(r"\S+", body))
    if not words or ":" in words[0].group():
        raise SandboxError("Type a command name after the slash, e.g. /kindred help")
    name = words[0].group().lower()
    spec = commands.get(name)
    if spec is None:
        raise SandboxError(
            f"There is no /{name} command.{_suggest(name, sorted(commands))} "
            "/kindred help lists them."
        )
    path, defs, end = [name], list(spec.get("options") or []), words[0].end()
    for word in words[1:]:
        if not any(_is_group(o) for o in defs):
            break
        subs = {o["name"]: o for o in defs if _is_group(o)}
        sub = subs.get(word.group().lower())
        if sub is None:
            break
        path.append(sub["name"])
        defs, end = list(sub.get("options") or []), word.end()
    command = " ".join(path)
    if any(_is_group(o) for o in defs):
        listed = ", ".join(f"/{command} {o['name']}" for o in defs if _is_group(o))
        raise SandboxError(f"/{command} needs one more word: {listed}.")
    return command, defs, _options(command, body[end:], [o["name"] for o in defs])


def _options(command: str, text: str, known: list[str]) -> dict[str, str]:
    if not known:
        if text.strip():
            raise SandboxError(f"/{command} takes no options.")
        return {}
    # Longest first, so `day:` inside `digest_day:` never wins; only at the start of a word.
    names = "|".join(re.escape(n) for n in sorted(known, key=len, reverse=True))
    option = re.compile(rf"(?<!\S)({names}):")
    options: dict[str, str] = {}
    found = option.search(text)
    stray = text[: found.start() if found else len(text)].strip()
    if stray:
        word = stray.split()[0].split(":")[0]
        raise SandboxError(
            f"/{command} doesn't know {stray!r}: write options as name:value. "
            f"Its options: {', '.join(known)}.{_suggest(word, known)}"
        )
    while found is not None:
        name, start = found.group(1), found.end()
        if text.startswith('"', start) and (close := _QUOTED_END.search(text, start + 1)):
            value = text[start + 1 : close.start()]
            following = option.search(text, close.end())
            left = text[close.end() : following.start() if following else len(text)]
            if left.strip():
                raise SandboxError(f"After the quoted {name}: comes {left.strip()!r}.")
        else:
            following = option.search(text, start)
            value = text[start : following.start() if following else len(text)].strip()
        if name in options:
            raise SandboxError(
                f"{name}: is given twice. A value that holds ' {name}:' goes in double "
                f'quotes: {name}:"..."'
            )
        if not value:
            raise SandboxError(f"Type a value after {name}: (no space before it).")
        options[name] = value
        found = following
    return options


def convert_options(
    command: str,
    specs: list[dict[str, Any]],
    raw: Mapping[str, str],
    *,
    person: Callable[[str], Any],
    channel: Callable[[str], Any],
) -> dict[str, Any]:
    """Typed option values, as Discord's client sends them; a clear SandboxError when one
    would not be accepted there. `person` and `channel` find a member or a channel by name."""
    by_name = {spec["name"]: spec for spec in specs}
    missing = [s for s in specs if s.get("required") and s["name"] not in raw]
    if missing:
        needs = "; ".join(f"{s['name']}: ({s.get('description', '')})" for s in missing)
        raise SandboxError(f"/{command} needs {needs}")
    return {name: _convert(by_name[name], value, person, channel) for name, value in raw.items()}


def _convert(
    spec: Mapping[str, Any],
    value: str,
    person: Callable[[str], Any],
    channel: Callable[[str], Any],
) -> Any:
    name, kind = spec["name"], spec["type"]
    choices = spec.get("choices")
    if choices:
        for choice in choices:
            if value.lower() in (choice["name"].lower(), str(choice["value"]).lower()):
                return choice["value"]
        listed = ", ".join(choice["name"] for choice in choices)
        raise SandboxError(f"{name}: is one of: {listed}.")
    if kind == STRING:
        low, high = spec.get("min_length"), spec.get("max_length")
        if high is not None and len(value) > high:
            raise SandboxError(f"{name}: takes at most {high} characters ({len(value)} given).")
        if low is not None and len(value) < low:
            raise SandboxError(f"{name}: takes at least {low} characters.")
        return value
    if kind in (INTEGER, NUMBER):
        try:
            number: int | float = int(value) if kind == INTEGER else float(value)
        except ValueError:
            what = "a whole number" if kind == INTEGER else "a number"
            raise SandboxError(f"{name}: takes {what}, e.g. {name}:3") from None
        low, high = spec.get("min_value"), spec.get("max_value")
        if (low is not None and number < low) or (high is not None and number > high):
            raise SandboxError(f"{name}: goes from {low} to {high}.")
        return number
    if kind == BOOLEAN:
        if value.lower() in _TRUE + _FALSE:
            return value.lower() in _TRUE
        raise SandboxError(f"{name}: is True or False.")
    if kind in (USER, MENTIONABLE):
        return person(value)
    if kind == CHANNEL:
        return channel(value)
    raise SandboxError(f"{name}: can't be typed in the sandbox.")


def pick_app(typed: str, commands: dict[str, Any], what: str) -> str:
    """The app a person means: its name, or the one name that holds what she typed."""
    wanted = typed.strip().strip('"').lower()
    for name in commands:
        if name.lower() == wanted:
            return name
    holding = [name for name in commands if wanted in name.lower()]
    if len(holding) == 1:
        return holding[0]
    listed = ", ".join(f'"{n}"' for n in commands)
    raise SandboxError(f"On a {what}, the apps are: {listed}.")
