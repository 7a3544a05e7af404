"""A slash command's options, and a form's fields, checked against what they declare
before the command or the form's handler runs.

Discord's client keeps options within their declared lengths, ranges and choices, and
discord.py relies on that: it passes what arrives to the command as it is. A modified client,
a raw API call or another gateway need not, so Kindred checks in code, as it does for
permissions: an option outside its bounds gets a private, kind error and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import discord
from discord import AppCommandOptionType, app_commands

from kindred.errors import UserFacingError

# What each option type must arrive as (resolved users, channels and roles are objects
# discord.py builds from the payload; they are left to it).
_KINDS: dict[AppCommandOptionType, tuple[type, ...]] = {
    AppCommandOptionType.string: (str,),
    AppCommandOptionType.integer: (int,),
    AppCommandOptionType.number: (int, float),
    AppCommandOptionType.boolean: (bool,),
}
# Users, channels and roles arrive as ids with their data alongside ("resolved"); one whose
# data is missing reaches the command as a bare `discord.Object`, which has none of their
# attributes.
_RESOLVED_WORDS = {
    AppCommandOptionType.user: "a member of this server",
    AppCommandOptionType.channel: "a channel of this server",
    AppCommandOptionType.role: "a role of this server",
    AppCommandOptionType.mentionable: "a member or a role of this server",
}
_KIND_WORDS = {
    AppCommandOptionType.string: "text",
    AppCommandOptionType.integer: "a whole number",
    AppCommandOptionType.number: "a number",
    AppCommandOptionType.boolean: "True or False",
}


class OptionRejected(app_commands.AppCommandError):
    """An option outside what its command declares; `original` says which, for the member
    (the tree's error handler renders it like any refusal)."""

    def __init__(self, original: UserFacingError) -> None:
        super().__init__(original.template)
        self.original = original


def option_problem(
    parameters: Iterable[app_commands.Parameter], values: Mapping[str, Any]
) -> UserFacingError | None:
    """The first option in `values` (by the names the member sees) that its parameter
    doesn't allow: missing though required, of the wrong kind, too short or long, out of
    range, or not one of its choices. None when every option is fine."""
    for parameter in parameters:
        name = parameter.display_name
        value = values.get(name)
        if value is None:
            if parameter.required:
                return _refused("missing", name)
            continue
        if parameter.type in _RESOLVED_WORDS and type(value) is discord.Object:
            return _refused("wrong_kind", name, kind=_RESOLVED_WORDS[parameter.type])
        kinds = _KINDS.get(parameter.type)
        if kinds is None:
            continue
        if (
            not isinstance(value, kinds)
            or (isinstance(value, bool) and parameter.type is not AppCommandOptionType.boolean)
            or value != value  # NaN: discord.py reads an empty number as one
        ):
            return _refused("wrong_kind", name, kind=_KIND_WORDS[parameter.type])
        low, high = parameter.min_value, parameter.max_value
        if parameter.type is AppCommandOptionType.string:
            if low is not None and len(value) < low:
                return _refused("too_short", name, limit=int(low), given=len(value))
            if high is not None and len(value) > high:
                return _refused("too_long", name, limit=int(high), given=len(value))
        elif parameter.type is not AppCommandOptionType.boolean and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            return _refused("out_of_range", name, low=low, high=high)
        if parameter.choices and value not in [choice.value for choice in parameter.choices]:
            names = [choice.name for choice in parameter.choices]
            return _refused("not_a_choice", name, choices=names)
    return None


def form_problem(modal: discord.ui.Modal) -> UserFacingError | None:
    """The first text field of a submitted form longer (or, when filled in, shorter) than
    it declares; None when all fit. Blank required fields are each form's own to explain."""
    for item in modal.children:
        field = item.component if isinstance(item, discord.ui.Label) else item
        if not isinstance(field, discord.ui.TextInput):
            continue
        if isinstance(item, discord.ui.Label):
            name = item.text
        else:  # a field with its own label (TextInput.label is deprecated to read)
            name = str(field.to_component_dict().get("label") or "")
        value = field.value or ""
        if field.max_length is not None and len(value) > field.max_length:
            return _refused("too_long", name, limit=field.max_length, given=len(value))
        if value and field.min_length is not None and len(value) < field.min_length:
            return _refused("too_short", name, limit=field.min_length, given=len(value))
    return None


def _refused(problem: str, option: str, **context: Any) -> UserFacingError:
    return UserFacingError("errors/option_rejected", problem=problem, option=option, **context)
