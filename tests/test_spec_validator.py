"""fakediscord.spec: request bodies checked against Discord's OpenAPI spec.

Valid bodies are produced by discord.py 2.7 itself (the same helpers its HTTP client and
webhook adapter use), so a spec mismatch shows up here rather than as a mysterious 400 in an
end-to-end test. Invalid bodies are the mistakes Discord really rejects.
"""

from __future__ import annotations

import copy
import datetime
import io
import json
import os
import pathlib
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import discord
import pytest
from discord import app_commands, ui
from discord.http import HTTPClient, Route, handle_message_parameters
from discord.webhook.async_ import (
    interaction_message_response_params,
    interaction_response_params,
)
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fakediscord import spec as spec_module
from fakediscord.spec import SpecValidator, discord_error_body, find_spec_path

SPEC_PATH = find_spec_path()
MISSING_SPEC = (
    "!!! Discord's OpenAPI spec (openapi.json) NOT FOUND: set DISCORD_OPENAPI_SPEC or put it at "
    "../shared/discord-api-spec/openapi.json. fakediscord's request-body validation is "
    "UNTESTED in this run."
)

Body = tuple[str, str, Any]  # (method, path after /api/v10, decoded JSON body)

CHANNEL = 111111111111111111
USER = 222222222222222222
MESSAGE = 333333333333333333
INTERACTION_PATH = "/interactions/444444444444444444/aW50ZXJhY3Rpb24-tok.en_x/callback"
WEBHOOK_PATH = "/webhooks/555555555555555555/aW50ZXJhY3Rpb24-tok.en_x"


@pytest.fixture(scope="module")
def validator() -> SpecValidator:
    if SPEC_PATH is None:
        pytest.skip(MISSING_SPEC)
    return SpecValidator.load(SPEC_PATH)


# --------------------------------------------------------------------------------------------
# discord.py objects
# --------------------------------------------------------------------------------------------


def rich_embed() -> discord.Embed:
    embed = discord.Embed(
        title="Weekly check-in",
        description="How did your conversations go this week?",
        url="https://example.com/check-in",
        colour=discord.Colour.blurple(),
        timestamp=datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    )
    embed.set_author(
        name="Kindred", url="https://example.com", icon_url="https://example.com/a.png"
    )
    embed.set_footer(text="Relationships first", icon_url="https://example.com/f.png")
    embed.set_image(url="https://example.com/i.png")
    embed.set_thumbnail(url="https://example.com/t.png")
    embed.add_field(name="Goal", value="Meet two people")
    embed.add_field(name="Streak", value="3 weeks", inline=False)
    return embed


def classic_view() -> ui.View:
    view = ui.View(timeout=None)
    view.add_item(
        ui.Button(label="Yes", style=discord.ButtonStyle.success, custom_id="y", emoji="✅")
    )
    view.add_item(ui.Button(label="Docs", url="https://example.com/docs"))
    custom_emoji = discord.PartialEmoji(name="kin", id=123456789012345678)
    view.add_item(ui.Button(label="Custom", custom_id="c", emoji=custom_emoji))
    view.add_item(
        ui.Select(
            custom_id="topic",
            placeholder="Pick a topic",
            min_values=1,
            max_values=2,
            options=[
                discord.SelectOption(
                    label="Work", value="w", description="x", emoji="🙂", default=True
                ),
                discord.SelectOption(label="Life"),
            ],
        )
    )
    view.add_item(ui.UserSelect(custom_id="who", default_values=[discord.Object(id=USER)]))
    view.add_item(ui.ChannelSelect(custom_id="where", channel_types=[discord.ChannelType.text]))
    return view


def layout_view() -> ui.LayoutView:
    class Layout(ui.LayoutView):
        container = ui.Container(
            ui.TextDisplay("# Your week"),
            ui.Separator(visible=False, spacing=discord.SeparatorSpacing.large),
            ui.Section(
                ui.TextDisplay("Streak"), accessory=ui.Thumbnail("https://example.com/t.png")
            ),
            ui.Section(ui.TextDisplay("Share"), accessory=ui.Button(label="Go", custom_id="go")),
            ui.MediaGallery(discord.MediaGalleryItem("https://example.com/i.png", description="d")),
            ui.ActionRow(ui.Select(options=[discord.SelectOption(label="a")])),
            accent_colour=discord.Colour.red(),
            spoiler=True,
        )
        row = ui.ActionRow(
            ui.Button(style=discord.ButtonStyle.premium, sku_id=999999999999999999),
            ui.Button(label="Off", disabled=True, custom_id="off"),
        )
        attachment = ui.File("attachment://notes.txt", spoiler=True)
        footer = ui.TextDisplay("bottom", id=42)

    return Layout()


def classic_modal() -> ui.Modal:
    modal = ui.Modal(title="Tell me more", custom_id="more")
    modal.add_item(ui.TextInput(label="Name", custom_id="name", max_length=100))
    modal.add_item(
        ui.TextInput(
            label="Bio",
            style=discord.TextStyle.paragraph,
            required=False,
            placeholder="...",
            default="x",
        )
    )
    return modal


def label_modal() -> ui.Modal:
    modal = ui.Modal(title="Reflection")
    modal.add_item(ui.TextDisplay("Answer what you like."))
    modal.add_item(ui.Label(text="Answer", description="d", component=ui.TextInput(custom_id="a")))
    radio_options = [discord.RadioGroupOption(label=x, value=x) for x in "ab"]
    modal.add_item(ui.Label(text="Mood", component=ui.RadioGroup(options=radio_options)))
    modal.add_item(ui.Label(text="Share?", component=ui.Checkbox(default=True)))
    modal.add_item(ui.Label(text="Upload", component=ui.FileUpload(max_values=2, required=False)))
    return modal


def command_payload() -> list[dict[str, Any]]:
    """What CommandTree.sync() sends, for a tree using most option kinds discord.py supports."""
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)

    @tree.command(name="ping", description="Ping")
    @app_commands.describe(who="someone", count="a number", where="a channel")
    @app_commands.choices(
        why=[app_commands.Choice(name="fun", value="fun"), app_commands.Choice(name="w", value="w")]
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def ping(
        interaction: discord.Interaction,
        who: discord.Member,
        count: app_commands.Range[int, 1, 10],
        where: discord.TextChannel,
        why: str,
        anywhere: discord.abc.GuildChannel,  # channel_types includes GUILD_MEDIA (16)
        forum: discord.ForumChannel,
        thread: discord.Thread,
        ratio: app_commands.Range[float, 0.5, 2.5] = 1.0,
        file: discord.Attachment | None = None,
        role: discord.Role | None = None,
        target: discord.User | discord.Role | None = None,
        nick: app_commands.Range[str, 1, 32] | None = None,
        flag: bool = False,
    ) -> None: ...

    async def suggest(interaction: discord.Interaction, current: str) -> list[Any]:
        return []

    @tree.command()
    @app_commands.autocomplete(zone=suggest)
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def timezone(interaction: discord.Interaction, zone: str) -> None:
        """Set your time zone."""

    @tree.command(description="Only for grown-ups", nsfw=True)
    @app_commands.default_permissions()
    async def purge(interaction: discord.Interaction) -> None: ...

    goals = app_commands.Group(name="goals", description="Goal commands")
    weekly = app_commands.Group(name="weekly", description="Weekly goals", parent=goals)

    @goals.command(description="Add a goal")
    async def add(interaction: discord.Interaction, text: str) -> None: ...

    @weekly.command(description="Show this week")
    async def show(interaction: discord.Interaction) -> None: ...

    tree.add_command(goals)

    @tree.context_menu(name="Profile")
    async def profile(interaction: discord.Interaction, user: discord.User) -> None: ...

    @tree.context_menu(name="Save message")
    async def save(interaction: discord.Interaction, message: discord.Message) -> None: ...

    return [command.to_dict(tree) for command in tree._get_all_commands(guild=None)]


class RecordingHTTP:
    """Stands in for HTTPClient's `self` so its methods show the exact body they would send."""

    def __init__(self) -> None:
        self.calls: list[Body] = []

    def request(self, route: Route, **kwargs: Any) -> None:
        self.calls.append((route.method, route.url.removeprefix(route.BASE), kwargs.get("json")))


def http_call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Body:
    recorder = RecordingHTTP()
    method(recorder, *args, **kwargs)
    (call,) = recorder.calls
    return call


def message_params(**kwargs: Any) -> Any:
    """handle_message_parameters' body: the JSON payload, or payload_json for uploads."""
    with handle_message_parameters(**kwargs) as params:
        if params.multipart:
            (payload_part,) = [p for p in params.multipart if p["name"] == "payload_json"]
            return json.loads(payload_part["value"])
        return params.payload


def callback(type: int, **kwargs: Any) -> Body:
    body = interaction_message_response_params(type=type, **kwargs).payload
    return ("POST", INTERACTION_PATH, body)


def bare_callback(type: int, data: dict[str, Any] | None = None) -> Body:
    return ("POST", INTERACTION_PATH, interaction_response_params(type, data).payload)


def upload() -> discord.File:
    return discord.File(io.BytesIO(b"notes"), filename="notes.txt", description="d", spoiler=True)


def overwrites() -> list[dict[str, Any]]:
    allow, deny = discord.PermissionOverwrite(send_messages=False, view_channel=True).pair()
    # GuildChannel._edit / Guild._create_channel send the bitfields as ints.
    return [{"allow": allow.value, "deny": deny.value, "id": USER, "type": 1}]


def make_poll() -> discord.Poll:
    poll = discord.Poll(question="Coffee?", duration=datetime.timedelta(hours=2), multiple=True)
    poll.add_answer(text="Yes", emoji="☕")
    poll.add_answer(text="No")
    return poll


VALID_BODIES: dict[str, Callable[[], Body]] = {
    "message create, everything": lambda: (
        "POST",
        f"/channels/{CHANNEL}/messages",
        message_params(
            content="hello",
            nonce=1234567890,  # sent as a string, with enforce_nonce
            embeds=[rich_embed()],
            view=classic_view(),
            allowed_mentions=discord.AllowedMentions(users=[discord.Object(id=USER)], roles=False),
            message_reference=discord.MessageReference(
                message_id=MESSAGE, channel_id=CHANNEL, fail_if_not_exists=False
            ).to_message_reference_dict(),
            mention_author=False,
            stickers=[666666666666666666],
            flags=discord.MessageFlags(suppress_notifications=True),
        ),
    ),
    "message create, AllowedMentions.none()": lambda: (
        "POST",
        f"/channels/{CHANNEL}/messages",
        message_params(content="x", allowed_mentions=discord.AllowedMentions.none()),
    ),
    "message create, AllowedMentions.all()": lambda: (
        "POST",
        f"/channels/{CHANNEL}/messages",
        message_params(content="x", allowed_mentions=discord.AllowedMentions.all()),
    ),
    "message create with upload (payload_json)": lambda: (
        "POST",
        f"/channels/{CHANNEL}/messages",
        message_params(content="file", file=upload()),
    ),
    "message create, components v2": lambda: (
        "POST",
        f"/channels/{CHANNEL}/messages",
        message_params(view=layout_view(), file=upload()),
    ),
    "message create, poll": lambda: (
        "POST",
        f"/channels/{CHANNEL}/messages",
        message_params(content="poll", poll=make_poll()),
    ),
    "message forward": lambda: (
        "POST",
        f"/channels/{CHANNEL}/messages",
        message_params(
            message_reference=discord.MessageReference(
                message_id=MESSAGE,
                channel_id=CHANNEL,
                type=discord.MessageReferenceType.forward,
                fail_if_not_exists=False,
            ).to_message_reference_dict()
        ),
    ),
    "message edit, clearing": lambda: (
        "PATCH",
        f"/channels/{CHANNEL}/messages/{MESSAGE}",
        message_params(content=None, embed=None, view=None, attachments=[]),
    ),
    "message edit, embeds": lambda: (
        "PATCH",
        f"/channels/{CHANNEL}/messages/{MESSAGE}",
        message_params(content="edited", embeds=[rich_embed()]),
    ),
    "callback 4 message, ephemeral": lambda: callback(
        4,
        content="hi",
        embeds=[rich_embed()],
        view=classic_view(),
        flags=discord.MessageFlags(ephemeral=True),
        allowed_mentions=discord.AllowedMentions.none(),
    ),
    "callback 4 components v2": lambda: callback(4, view=layout_view()),
    "callback 5 defer ephemeral": lambda: bare_callback(5, {"flags": 64}),
    "callback 5 defer": lambda: bare_callback(5),
    "callback 6 deferred update": lambda: bare_callback(6),
    "callback 7 update": lambda: callback(7, content="updated", view=classic_view(), embeds=[]),
    "callback 7 update, clearing": lambda: callback(7, content=None, view=None, attachments=[]),
    "callback 9 modal, text inputs": lambda: bare_callback(9, classic_modal().to_dict()),
    "callback 9 modal, labels": lambda: bare_callback(9, label_modal().to_dict()),
    "callback 8 autocomplete str": lambda: bare_callback(
        8, {"choices": [app_commands.Choice(name="Europe/Paris", value="Europe/Paris").to_dict()]}
    ),
    "callback 8 autocomplete int": lambda: bare_callback(
        8, {"choices": [app_commands.Choice(name="one", value=1).to_dict()]}
    ),
    "callback 8 autocomplete float": lambda: bare_callback(
        8, {"choices": [app_commands.Choice(name="half", value=0.5).to_dict()]}
    ),
    "callback 8 autocomplete empty": lambda: bare_callback(8, {"choices": []}),
    "callback 1 pong": lambda: bare_callback(1),
    "callback 12 launch activity": lambda: bare_callback(12),
    "followup send": lambda: (
        "POST",
        WEBHOOK_PATH,
        message_params(
            content="follow-up",
            embeds=[rich_embed()],
            view=classic_view(),
            flags=discord.MessageFlags(ephemeral=True),
            allowed_mentions=discord.AllowedMentions.none(),
            previous_allowed_mentions=discord.AllowedMentions.none(),
        ),
    ),
    "webhook execute": lambda: (
        "POST",
        WEBHOOK_PATH,
        message_params(
            content="wh",
            username="Kindred",
            avatar_url="https://example.com/a.png",
            thread_name="t",
        ),
    ),
    "edit original response": lambda: (
        "PATCH",
        f"{WEBHOOK_PATH}/messages/@original",
        message_params(
            content="edited",
            embeds=[rich_embed()],
            view=classic_view(),
            attachments=[],
            previous_allowed_mentions=discord.AllowedMentions.none(),
        ),
    ),
    "edit followup": lambda: (
        "PATCH",
        f"{WEBHOOK_PATH}/messages/{MESSAGE}",
        message_params(content="edited", view=None),
    ),
    "DM channel create (int recipient_id)": lambda: http_call(
        HTTPClient.start_private_message, USER
    ),
    "command sync, guild": lambda: (
        "PUT",
        f"/applications/1/guilds/{CHANNEL}/commands",
        command_payload(),
    ),
    "command sync, global": lambda: ("PUT", "/applications/1/commands", command_payload()),
    "command create": lambda: ("POST", "/applications/1/commands", command_payload()[0]),
    "forum post": lambda: (
        "POST",
        f"/channels/{CHANNEL}/threads",
        message_params(
            content="first post",
            embed=rich_embed(),
            applied_tags=[5, 6],
            channel_payload={"name": "topic", "auto_archive_duration": 10080},
        ),
    ),
    "thread without message": lambda: http_call(
        HTTPClient.start_thread_without_message,
        CHANNEL,
        name="thread",
        auto_archive_duration=1440,
        type=11,
        invitable=True,
    ),
    "thread from message": lambda: http_call(
        HTTPClient.start_thread_with_message, CHANNEL, MESSAGE, name="t", auto_archive_duration=60
    ),
    "bulk delete (int ids)": lambda: http_call(HTTPClient.delete_messages, CHANNEL, [1, 2]),
    "member edit": lambda: http_call(
        HTTPClient.edit_member,
        1,
        USER,
        nick=None,
        roles=[3, 4],
        communication_disabled_until=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC).isoformat(),
    ),
    "role create (string permissions)": lambda: http_call(
        HTTPClient.create_role, 1, name="Mentor", permissions="0", color=0x00FF00, hoist=True
    ),
    "role edit (int permissions)": lambda: http_call(
        HTTPClient.edit_role, 1, 2, permissions=discord.Permissions(send_messages=True).value
    ),
    "set_permissions (string bitfields)": lambda: http_call(
        HTTPClient.edit_channel_permissions, CHANNEL, USER, "1024", "2048", 1
    ),
    "channel create with overwrites": lambda: http_call(
        HTTPClient.create_channel, 1, 0, name="chat", permission_overwrites=overwrites()
    ),
    "channel edit with synced overwrites (strings)": lambda: http_call(
        HTTPClient.edit_channel,
        CHANNEL,
        permission_overwrites=[{"allow": "1024", "deny": "0", "id": str(USER), "type": 1}],
    ),
}


# --------------------------------------------------------------------------------------------
# Valid bodies
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(VALID_BODIES))
def test_discordpy_bodies_pass(validator: SpecValidator, name: str) -> None:
    method, path, body = VALID_BODIES[name]()
    assert validator.known_operation(method, path), f"{method} {path} not in the spec"
    assert validator.validate(method, path, body) == [], json.dumps(body)[:2000]


def test_nonce_is_sent_as_enforced_string(validator: SpecValidator) -> None:
    # Guards the assumption behind "message create, everything".
    body = message_params(content="x", nonce=42)
    assert body["nonce"] == "42" and body["enforce_nonce"] is True
    assert validator.validate("POST", f"/channels/{CHANNEL}/messages", body) == []


# --------------------------------------------------------------------------------------------
# Invalid bodies
# --------------------------------------------------------------------------------------------

LONG = "x" * 2001
MESSAGES = f"/channels/{CHANNEL}/messages"
BUTTON = {"type": 2, "style": 1, "label": "ok", "custom_id": "ok"}
OPTION = {"type": 3, "name": "text", "description": "d"}

INVALID_BODIES: dict[str, tuple[Body, str]] = {
    # name: ((method, path, body), the path the error must name)
    "content > 2000": (("POST", MESSAGES, {"content": LONG}), "content"),
    "content > 2000, edit": (("PATCH", f"{MESSAGES}/{MESSAGE}", {"content": LONG}), "content"),
    "content > 2000, callback": (
        ("POST", INTERACTION_PATH, {"type": 4, "data": {"content": LONG}}),
        "data.content",
    ),
    "content > 2000, followup": (("POST", WEBHOOK_PATH, {"content": LONG}), "content"),
    "content > 2000, @original": (
        ("PATCH", f"{WEBHOOK_PATH}/messages/@original", {"content": LONG}),
        "content",
    ),
    "content is a number": (("POST", MESSAGES, {"content": 5}), "content"),
    "embed title > 256": (("POST", MESSAGES, {"embeds": [{"title": "t" * 257}]}), "embeds.0.title"),
    "embed colour > 0xFFFFFF": (
        ("POST", MESSAGES, {"embeds": [{"color": 2**24}]}),
        "embeds.0.color",
    ),
    "embed field without value": (
        ("POST", MESSAGES, {"embeds": [{"fields": [{"name": "n"}]}]}),
        "embeds.0.fields.0.value",
    ),
    "11 embeds": (("POST", MESSAGES, {"embeds": [{"title": "t"}] * 11}), "embeds"),
    "callback type 99": (("POST", INTERACTION_PATH, {"type": 99}), "type"),
    "callback without type": (("POST", INTERACTION_PATH, {"data": {}}), "type"),
    "autocomplete 26 choices": (
        (
            "POST",
            INTERACTION_PATH,
            {"type": 8, "data": {"choices": [{"name": "a", "value": "a"}] * 26}},
        ),
        "data.choices",
    ),
    "modal title > 45": (
        (
            "POST",
            INTERACTION_PATH,
            {"type": 9, "data": {"custom_id": "m", "title": "t" * 46, "components": []}},
        ),
        "data.title",
    ),
    "button without style": (
        (
            "POST",
            MESSAGES,
            {"components": [{"type": 1, "components": [{"type": 2, "label": "x"}]}]},
        ),
        "components.0.components.0.style",
    ),
    "unknown component type": (
        ("POST", MESSAGES, {"components": [{"type": 99}]}),
        "components.0.type",
    ),
    "6 buttons in a row": (
        ("POST", MESSAGES, {"components": [{"type": 1, "components": [BUTTON] * 6}]}),
        "components.0.components",
    ),
    "command without name": (
        ("PUT", "/applications/1/commands", [{"description": "d"}]),
        "0.name",
    ),
    "command description > 100": (
        ("PUT", "/applications/1/commands", [{"name": "x", "description": "d" * 101}]),
        "0.description",
    ),
    "option without type": (
        (
            "PUT",
            "/applications/1/commands",
            [{"name": "x", "description": "d", "options": [{"name": "o", "description": "d"}]}],
        ),
        "0.options.0.type",
    ),
    "option name too long": (
        (
            "POST",
            "/applications/1/commands",
            {"name": "x", "description": "d", "options": [{**OPTION, "name": "n" * 33}]},
        ),
        "options.0.name",
    ),
    "channel_types 17": (
        (
            "PUT",
            "/applications/1/commands",
            [
                {
                    "name": "x",
                    "description": "d",
                    "options": [{**OPTION, "type": 7, "channel_types": [17]}],
                }
            ],
        ),
        "0.options.0.channel_types.0",
    ),
    "negative snowflake": (("POST", "/users/@me/channels", {"recipient_id": -1}), "recipient_id"),
    "non-numeric snowflake": (
        ("POST", "/users/@me/channels", {"recipient_id": "abc"}),
        "recipient_id",
    ),
    "boolean snowflake": (("POST", "/users/@me/channels", {"recipient_id": True}), "recipient_id"),
    "snowflake beyond 64 bits": (
        ("POST", "/users/@me/channels", {"recipient_id": 2**64}),
        "recipient_id",
    ),
    "allowed_mentions.users garbage": (
        ("POST", MESSAGES, {"allowed_mentions": {"users": ["me"]}}),
        "allowed_mentions.users.0",
    ),
    "allowed_mentions.parse unknown": (
        ("POST", MESSAGES, {"allowed_mentions": {"parse": ["nobody"]}}),
        "allowed_mentions.parse.0",
    ),
    "message_reference type 2": (
        ("POST", MESSAGES, {"message_reference": {"message_id": "1", "type": 2}}),
        "message_reference.type",
    ),
    "permission bitfield not a number": (
        ("PUT", f"/channels/{CHANNEL}/permissions/{USER}", {"allow": "all", "type": 1}),
        "allow",
    ),
    "nonce > 25 chars": (("POST", MESSAGES, {"content": "x", "nonce": "n" * 26}), "nonce"),
    "body not an object": (("POST", MESSAGES, ["content"]), "(body)"),
}


@pytest.mark.parametrize("name", list(INVALID_BODIES))
def test_broken_bodies_fail_naming_the_field(validator: SpecValidator, name: str) -> None:
    (method, path, body), field = INVALID_BODIES[name]
    errors = validator.validate(method, path, body)
    assert errors, f"{name} was accepted"
    assert any(e.startswith(f"{field}: ") for e in errors), errors
    # Bounded messages: the 2001-character content must not be echoed back in full.
    assert all(len(e) < 400 for e in errors), errors


def test_length_errors_say_the_limit(validator: SpecValidator) -> None:
    assert validator.validate("POST", MESSAGES, {"content": LONG}) == [
        "content: must be 2000 or fewer in length (got 2001); too long"
    ]
    assert validator.validate("POST", MESSAGES, {"embeds": [{"title": "t" * 300}]}) == [
        "embeds.0.title: must be 256 or fewer in length (got 300); too long"
    ]


def test_unknown_callback_type_lists_the_known_ones(validator: SpecValidator) -> None:
    (error,) = validator.validate("POST", INTERACTION_PATH, {"type": 99})
    assert error.startswith("type: 99 is not one of [1, 4, 5, 6, 7, 8, 9")


def test_errors_inside_a_union_come_from_the_branch_meant(validator: SpecValidator) -> None:
    # A string-valued autocomplete choice list must not be reported as "not an integer".
    body = {"type": 8, "data": {"choices": [{"name": "a", "value": "a"}] * 26}}
    assert validator.validate("POST", INTERACTION_PATH, body) == [
        "data.choices: must be 25 or fewer in length (got 26); too long"
    ]
    ref = {"message_reference": {"message_id": "1", "type": -1}}
    assert validator.validate("POST", MESSAGES, ref) == [
        "message_reference.type: -1 is not one of [0, 1]"
    ]


# --------------------------------------------------------------------------------------------
# Snowflakes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("recipient", [USER, str(USER), 0, "0"])
def test_snowflakes_accept_ints_and_strings(validator: SpecValidator, recipient: object) -> None:
    assert validator.validate("POST", "/users/@me/channels", {"recipient_id": recipient}) == []


def test_integer_snowflakes_in_nested_places(validator: SpecValidator) -> None:
    body = {
        "content": "x",
        "allowed_mentions": {"users": [USER, str(USER)], "roles": [1]},
        "sticker_ids": [1],
        "message_reference": {"message_id": MESSAGE, "channel_id": CHANNEL},
        "attachments": [{"id": 0, "filename": "a.txt"}],
    }
    assert validator.validate("POST", MESSAGES, body) == []


# --------------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------------


def test_original_literal_beats_message_id(validator: SpecValidator) -> None:
    original = f"{WEBHOOK_PATH}/messages/@original"
    assert validator.template_for("PATCH", original) == (
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
    )
    assert validator.template_for("PATCH", f"{WEBHOOK_PATH}/messages/{MESSAGE}") == (
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
    )
    assert validator.known_operation("PATCH", original)
    assert validator.validate("PATCH", original, {"content": "fine"}) == []
    assert validator.validate("PATCH", original, {"embeds": [{"title": "t" * 257}]}) != []


def test_me_literal_beats_user_id(validator: SpecValidator) -> None:
    assert validator.template_for("PATCH", "/users/@me") == "/users/@me"
    assert validator.template_for("GET", f"/users/{USER}") == "/users/{user_id}"
    assert validator.template_for("POST", "/users/@me/channels") == "/users/@me/channels"


def test_unknown_routes_and_bodyless_operations_are_not_judged(validator: SpecValidator) -> None:
    junk = {"content": 5}
    assert validator.validate("POST", "/no/such/route", junk) == []
    assert not validator.known_operation("POST", "/no/such/route")
    # The path exists but not with this method.
    assert validator.validate("PUT", MESSAGES, junk) == []
    assert not validator.known_operation("PUT", MESSAGES)
    # The operation exists but has no request body schema.
    assert validator.known_operation("POST", f"/channels/{CHANNEL}/typing")
    assert validator.validate("POST", f"/channels/{CHANNEL}/typing", junk) == []
    # No body at all is for the server to judge (e.g. DELETE /guilds/{g}/bans/{u}).
    assert validator.validate("POST", MESSAGES, None) == []


def test_api_prefix_and_query_are_tolerated(validator: SpecValidator) -> None:
    assert validator.template_for("POST", f"/api/v10{MESSAGES}?wait=true") == (
        "/channels/{channel_id}/messages"
    )


# --------------------------------------------------------------------------------------------
# Adjustments and rewrites
# --------------------------------------------------------------------------------------------


def test_every_adjustment_still_applies(validator: SpecValidator) -> None:
    # An adjustment that silently stops applying (schema renamed, or Discord fixed the spec)
    # must be noticed: either drop it from spec.py or re-target it.
    expected = {
        "SnowflakeType",
        "ApplicationCommandChannelOption.channel_types",
        "ChannelSelectComponentForMessageRequest.channel_types",
        "ChannelSelectComponentForModalRequest.channel_types",
        "MessageReferenceRequest.type",
        "ChannelPermissionOverwriteRequest.allow",
        "ChannelPermissionOverwriteRequest.deny",
        "CreateRoleRequest.permissions",
        "UpdateRoleRequestPartial.permissions",
        "PUT /channels/{channel_id}/permissions/{overwrite_id} allow",
        "PUT /channels/{channel_id}/permissions/{overwrite_id} deny",
        "MessageCreateRequest.content",
        "MessageEditRequestPartial.content",
    }
    applied = {line.split(":", 1)[0] for line in validator.adjustments}
    assert applied == expected


Mutation = tuple[list[str | int], Any]  # where in a body, and what goes there ("__drop__")


def _mutations(body: Any) -> list[Mutation]:
    """Every one-value change of body: each value replaced, or each key dropped. Described,
    not made: a sample of them is made (`_mutated`), as copying the body for each is slow."""
    found: list[Mutation] = []

    def walk(node: Any, path: list[str | int]) -> None:
        in_dict = isinstance(node, dict)
        for key, child in node.items() if in_dict else enumerate(node):
            for replacement in ("x", 99, None, -1, [], {}, True, 1.5, "1", "__drop__"):
                if replacement != "__drop__" or in_dict:
                    found.append(([*path, key], replacement))
            if isinstance(child, dict | list):
                walk(child, [*path, key])

    if isinstance(body, dict | list):
        walk(body, [])
    return found


def _mutated(body: Any, mutation: Mutation) -> Any:
    path, replacement = mutation
    mutated = copy.deepcopy(body)
    parent = mutated
    for key in path[:-1]:
        parent = parent[key]
    if replacement == "__drop__":
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.copy(replacement)
    return mutated


def test_rewrites_accept_and_reject_exactly_what_the_spec_does(validator: SpecValidator) -> None:
    """The speed-ups (enum folding, type dispatch, inlining) must not change any verdict.

    Reference: stock Draft202012Validator over the spec with only the documented adjustments,
    resolving every $ref through the registry.
    """
    assert SPEC_PATH is not None
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    spec_module._apply_adjustments(raw)
    uri = "urn:test:discord-openapi"
    resource = Resource.from_contents(raw, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(uri, resource)

    def reference(method: str, path: str) -> Draft202012Validator:
        template = validator.template_for(method, path)
        assert template is not None
        content = raw["paths"][template][method.lower()]["requestBody"]["content"]
        content_type = next(c for c in spec_module._CONTENT_TYPES if c in content)
        tokens = ("paths", template, method.lower(), "requestBody", "content", content_type)
        pointer = "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)
        ref = f"{uri}#{quote(pointer + '/schema', safe='/~@')}"
        return Draft202012Validator({"$ref": ref}, registry=registry)

    # Every mutation of every body takes about three minutes against the unrewritten spec, so
    # a fixed sample per body is checked; FAKEDISCORD_SPEC_DIFF_SAMPLES=0 checks them all.
    samples = int(os.environ.get("FAKEDISCORD_SPEC_DIFF_SAMPLES", "12"))
    cases = {name: build() for name, build in VALID_BODIES.items()}
    cases |= {name: body for name, (body, _field) in INVALID_BODIES.items()}
    checked = rejected = 0
    disagreements: list[str] = []
    for name, (method, path, body) in cases.items():
        expected = reference(method, path)
        mutations = _mutations(body)
        if samples and len(mutations) > samples:
            mutations = random.Random(name).sample(mutations, samples)
        for candidate in [body, *(_mutated(body, m) for m in mutations)]:
            verdict = validator.validate(method, path, candidate) == []
            checked += 1
            rejected += not verdict
            if verdict != expected.is_valid(candidate):
                disagreements.append(f"{name}: {json.dumps(candidate)[:300]}")
    assert disagreements == []
    assert checked > 500 and rejected > checked // 2  # the mutations really exercise rejection


# --------------------------------------------------------------------------------------------
# Error body and spec discovery (no spec needed)
# --------------------------------------------------------------------------------------------


def test_discord_error_body_nests_by_path() -> None:
    body = discord_error_body(
        [
            "content: must be 2000 or fewer in length (got 2001); too long",
            "embeds.0.title: 5 is not of type string, null",
            "embeds: must be 10 or fewer in length (got 11); too long",
            "components.0.components.0.style: this field is required",
            "(body): [] is not of type object",
        ]
    )
    assert body["code"] == 50035
    assert body["message"] == "Invalid Form Body"
    errors = body["errors"]
    assert errors["content"]["_errors"] == [
        {
            "code": "BASE_TYPE_BAD_LENGTH",
            "message": "must be 2000 or fewer in length (got 2001); too long",
        }
    ]
    assert errors["embeds"]["0"]["title"]["_errors"][0]["code"] == "BASE_TYPE_INVALID"
    assert errors["embeds"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"
    style = errors["components"]["0"]["components"]["0"]["style"]["_errors"]
    assert style == [{"code": "BASE_TYPE_REQUIRED", "message": "this field is required"}]
    assert errors["_errors"][0]["message"] == "[] is not of type object"


def test_find_spec_path_prefers_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    custom = tmp_path / "openapi.json"
    custom.write_text("{}", encoding="utf-8")
    monkeypatch.setenv("DISCORD_OPENAPI_SPEC", str(custom))
    assert find_spec_path() == custom

    monkeypatch.setenv("DISCORD_OPENAPI_SPEC", str(tmp_path / "missing.json"))
    fallback = find_spec_path()
    assert fallback != tmp_path / "missing.json"
    project_root = pathlib.Path(spec_module.__file__).resolve().parent.parent
    default = project_root.parent / "shared" / "discord-api-spec" / "openapi.json"
    assert fallback == (default if default.is_file() else None)
