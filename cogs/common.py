"""Pieces several cogs share: permission checks, time zone autocomplete, the member row.

Views, forms, persistent buttons and the pager are in `kindred.ui`."""

from __future__ import annotations

import functools
from datetime import date
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from coaching.dates import YEARS_AHEAD, DateOutOfRange, InvalidDate, parse_date
from coaching.text import BlankText, required
from coaching.timezones import InvalidTimezone, resolve_timezone, search_timezones
from kindred.errors import UserFacingError
from prompts import render
from storage.communities import ensure_community
from storage.db import after_commit
from storage.members import ensure_member

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import Member


def require_organizer(interaction: discord.Interaction) -> None:
    """Organizer commands are checked here, in code, whatever Discord's permission hints say.

    Default permissions on a command are only a hint that server admins can override, so
    every organizer command calls this before doing anything.
    """
    if interaction.guild is None:
        raise UserFacingError("errors/server_only")
    permissions = interaction.permissions
    if not (permissions.manage_guild or permissions.administrator):
        raise UserFacingError("errors/not_organizer")


async def timezone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=entry.label[:100], value=entry.key)
        for entry in search_timezones(current, limit=25)
    ]


def zone_from(text: str) -> tuple[str, str | None]:
    """The IANA zone a member means, and a line to say back when we read an abbreviation
    ("EST") as a city's zone. A kind refusal, with places she may mean, otherwise."""
    try:
        resolved = resolve_timezone(text)
    except InvalidTimezone as error:
        raise UserFacingError(
            "errors/bad_timezone", value=text, why=error.why, choices=list(error.choices)
        ) from None
    note = render("common/zone_read_as", **resolved.note) if resolved.note else None
    return resolved.key, note


def required_text(text: str | None) -> str:
    """Text a command needs, cleaned (`coaching.text`); refused kindly when nothing in it is
    visible."""
    try:
        return required(text)
    except BlankText:
        raise UserFacingError("errors/text_blank") from None


def member_date(text: str, today: date, *, unreadable: str = "errors/bad_date") -> date:
    """A date a member typed (`coaching.dates.parse_date`), or a kind refusal: `unreadable`
    names the template for text that isn't a date."""
    try:
        return parse_date(text, today)
    except DateOutOfRange as error:
        if error.day > error.latest:
            raise UserFacingError(
                "errors/date_too_far",
                value=text,
                years=YEARS_AHEAD,
                latest=error.latest.isoformat(),
            ) from None
        raise UserFacingError(
            "errors/date_too_old", value=text, earliest=error.earliest.isoformat()
        ) from None
    except InvalidDate:
        raise UserFacingError(unreadable, value=text) from None


def bot_can_post(channel: discord.abc.GuildChannel) -> bool:
    """Kindred needs to see the channel, send, and embed there."""
    me = channel.guild.me
    permissions = channel.permissions_for(me)
    return permissions.view_channel and permissions.send_messages and permissions.embed_links


async def member_of(
    bot: KindredBot, session: Any, interaction: discord.Interaction, *, guild_id: int | None = None
) -> Member:
    """The member row of whoever runs the command in this server, created (with the server's
    community row, named and with the bot's defaults) on first use. `guild_id`: the server a
    button in a DM acts in (the interaction itself has none)."""
    guild = interaction.guild
    server = guild.id if guild is not None else guild_id
    if server is None:
        raise UserFacingError("errors/server_only")
    now = bot.clock.now()
    name = guild.name if guild is not None else ""
    known = bot.known_communities.get(server)
    if known is None or (name and known != name[:100]):
        await ensure_community(
            session,
            server,
            now=now,
            name=name,
            timezone=bot.settings.default_timezone,
            prompt_time=bot.settings.default_prompt_time,
        )
        # Remembered once this unit of work has committed: a rolled-back unit must not
        # leave a row remembered that isn't there.
        after_commit(
            session, functools.partial(bot.known_communities.__setitem__, server, name[:100])
        )
    return await ensure_member(session, server, interaction.user.id, now=now)
