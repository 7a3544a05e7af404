"""How Kindred answers an interaction: privately, and for errors in one place.

Slash commands, context menus, views, modals and DM buttons all answer through
`send_private`, and all hand an exception to `reply_error`: a `UserFacingError` becomes its
kind explanation, anything unexpected is logged with a fresh reference id that the member
sees too, so a report from a member leads to the log line.
"""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from kindred.errors import UserFacingError
from prompts import render

log = logging.getLogger("kindred.replies")

UNKNOWN_INTERACTION = 10062  # Discord's code for an expired (or unknown) interaction


async def send_private(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    files: list[discord.File] | None = None,
) -> None:
    """An ephemeral reply that works whether or not the interaction was answered yet."""
    kwargs: dict[str, object] = {
        "ephemeral": True,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if content is not None:
        kwargs["content"] = content
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if files:
        kwargs["files"] = files
    try:
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)  # type: ignore[arg-type]
        else:
            await interaction.response.send_message(**kwargs)  # type: ignore[arg-type]
    except discord.HTTPException:
        # The interaction expired or Discord refused: nothing more can reach this member.
        log.warning("could not deliver a reply to interaction %s", interaction.id)


async def defer_private(interaction: discord.Interaction) -> None:
    """ "Kindred is thinking..." privately, for answers that may take longer than Discord's
    3 s (drawing a chart); `send_private` then fills that message in."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)


async def reply_error(
    interaction: discord.Interaction, error: BaseException, *, where: str
) -> None:
    """Tell the member what went wrong, privately. `where` names the command, button or form
    for the log ("/thanks give", "button refl:skip", "form ReflectionModal")."""
    original = getattr(error, "original", error)  # app_commands wraps a command's exception
    if isinstance(original, UserFacingError):
        try:
            explained = render(original.template, **original.context)
        except Exception as broken:  # a template bug must still leave the member answered
            original = error = broken
        else:
            await send_private(interaction, explained)
            return
    if isinstance(error, app_commands.NoPrivateMessage):
        await send_private(interaction, render("errors/server_only"))
        return
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        await send_private(interaction, render("errors/not_allowed"))
        return
    if isinstance(original, discord.NotFound) and original.code == UNKNOWN_INTERACTION:
        # Answered after Discord's 3 s deadline (a busy bot): nothing can reach the member
        # any more, and it is not a bug in the command.
        log.warning("%s answered too late (interaction %s expired)", where, interaction.id)
        return
    reference = secrets.token_hex(4)
    log.error(
        "%s failed (ref %s, guild %s)",
        where,
        reference,
        interaction.guild_id,
        exc_info=original,
    )
    await send_private(interaction, render("errors/unexpected", reference=reference))


async def send_dm_notice_if_due(interaction: discord.Interaction) -> None:
    """The note on re-opening DMs, for a member whose DMs bounced (see `KindredBot`)."""
    if interaction.extras.pop("dm_notice", False):
        await send_private(interaction, render("courier/dms_closed_notice"))


async def close_with_note(interaction: discord.Interaction, note: str) -> None:
    """Answer a button under a message by removing the buttons and saying what happened
    under the message's text."""
    content = (interaction.message.content if interaction.message else "") or ""
    await interaction.response.edit_message(
        content=f"{content}\n\n{note}"[:2000],
        view=None,
        allowed_mentions=discord.AllowedMentions.none(),
    )
