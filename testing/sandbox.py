"""`python bot.py sandbox`: the real bot against a local fake Discord, driven from a prompt.

Anyone can try Kindred without a Discord account: a demo server is created in fakediscord,
the unmodified bot connects to it, and a person types slash commands as in Discord, sees
what Kindred answers (privately), posts and DMs, switches member, right-clicks messages and
members (Apps), clicks buttons, picks from menus, fills forms and moves time forward to see
scheduled messages arrive. Reading what is typed is `testing.sandbox_input`; showing what
Discord would show is `testing.sandbox_display`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from kindred.clock import ShiftableClock
from kindred.settings import Settings
from testing.sandbox_display import (
    Control,
    Names,
    Seen,
    check_choices,
    controls,
    embed_title,
    form_fields,
    label_matches,
    menu_has,
    option_matches,
    show_controls,
    show_form,
)
from testing.sandbox_input import (
    SandboxError,
    convert_options,
    parse_duration,
    parse_slash,
    parse_when,
    pick_app,
)

__all__ = ["Sandbox", "SandboxError", "parse_duration", "parse_slash", "parse_when"]

DEFERRED_CHANNEL_MESSAGE = 5  # Discord's callback type for "thinking..."
USER_COMMAND, MESSAGE_COMMAND = 2, 3

HELP = """\
Type a slash command as in Discord, e.g.
  /kindred help
  /setup thanks_channel:#referral-thanks timezone:Berlin prompt_time:8:30am digest_day:Friday
  (a value runs to the next option name, so it may hold colons and links; a choice is typed
  by its name; a value that holds " name:" itself goes in double quotes: text:"...")
Verbs:
  :as NAME              act as another member ({people})
  :say #channel TEXT    post a message in a channel as the current member
  :dm TEXT              send Kindred a direct message as the current member
  :app NAME on m3       right-click a message, Apps, NAME: m3 is a message number the
                        transcript shows ([#general · m3]); #general is its latest message
  :app NAME on @Maya    right-click a member, Apps, NAME (:app alone lists the apps)
  :click LABEL|N        click a button on your own messages (DMs, "only you", posts) by its
                        label, or button N of the latest one; (greyed out) buttons expired
  :select CHOICE, ...   pick in the latest menu of yours that has these choices (by name or
                        number)
  :fill A | B | ...     fill the open form's fields in order, then submit it: a blank keeps
                        what is there, - clears it; a menu takes its choices by name or
                        number, separated by commas
  :time +1d             move time forward (m, h, d, w), then show what arrived; buttons
                        expire on this time too
  :demo-year            give the demo server a year of made-up activity (40 members'
                        reflections and thank-yous), so /insights has something to show
  :event create NAME @ WHEN [for 2h]
                        you create a Discord scheduled event (WHEN, in UTC: +2d, +3h,
                        +3d 18:30 or 2026-12-03 18:30)
  :event interested [NAMES]    members press "Interested" on the latest event (default: you)
  :event uninterested [NAMES]  ... and take it back
  :event start|end|cancel|delete   what its organizer does with the latest event
  :event move @ WHEN    a new start for the latest event (its length stays)
  :wait SECONDS         wait for the bot (scripts)
  :who                  list members and channels
  :help                 this text
  :quit                 leave (Ctrl-D works too)
Times show in each member's zone (the one she gave Kindred, else the server's), as her
Discord would show them.
"""

DEMO_SERVER = "Demo Meetup"
DEMO_CHANNELS = ("general", "introductions", "referral-thanks", "coffee")
DEMO_ORGANIZER = "Olu"
DEMO_MEMBERS = ("Maya", "Ines", "Priya")
# Event handlers (a plain DM, a post) answer outside the background jobs the sandbox can
# wait for: this long is left for them.
HANDLER_SECONDS = 0.3
SANDBOX_FAILED = "That line went wrong inside the sandbox, not in Kindred"
SETTLE_TIMEOUT = 10.0
# The tasks discord.py runs a slash command, a button or a form in (not a view's timeout).
_HANDLER_TASKS = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-modal-dispatch",
    "discord-ui-dynamic-item",
)


def _handling_interactions() -> bool:
    """Whether the bot (in this process) is still running a command, button or form: the
    first answer can come before the rest of what it sends, and waiting for the background
    jobs alone raced it once they got quicker."""
    return any(
        task.get_name().startswith(_HANDLER_TASKS) and not task.done()
        for task in asyncio.all_tasks()
    )


DEMO_YEAR_MEMBERS = 40
_MESSAGE_REF = re.compile(r"^m(\d+)$", re.IGNORECASE)


class Sandbox:
    def __init__(
        self, fd: Any, clock: ShiftableClock, out: TextIO, images: Path | None = None
    ) -> None:
        self.fd = fd
        # Pictures Kindred attaches are saved here, so a person can open them.
        self.images = images or Path("data") / "sandbox-images"
        self.bot: Any = None  # set once it runs: the demo world is there before it connects
        self.clock = clock
        self.out = out
        self.guild: Any = None
        self.channels: dict[str, Any] = {}
        self.people: dict[str, Any] = {}
        self.current = DEMO_ORGANIZER
        self.seen = Seen({})
        self.shown: dict[int, Any] = {}  # every message printed, by id: edits show again
        self.numbers: dict[int, int] = {}  # message id -> the number [#channel · mN] shows
        self.open_forms: dict[str, Any] = {}  # member -> the interaction her form came from
        self.events: list[Any] = []  # scheduled events created with :event, newest last
        self.saved = 0  # pictures saved this session
        self.news: list[str] = []  # said after the answer that caused it (zones changed)
        self.names = Names(
            users=self._user_name, channels=self._channel_name, messages=self._message_number
        )

    # -- the demo world -------------------------------------------------------------------

    def build_world(self) -> None:
        organizer = self.fd.add_user(DEMO_ORGANIZER)
        self.guild = self.fd.add_guild(DEMO_SERVER, owner=organizer)
        self.fd.add_member(self.guild, organizer, manage_guild=True)
        self.people[DEMO_ORGANIZER] = organizer
        for name in DEMO_MEMBERS:
            user = self.fd.add_user(name)
            self.fd.add_member(self.guild, user)
            self.people[name] = user
        for name in DEMO_CHANNELS:
            self.channels[name] = self.fd.add_channel(self.guild, name)

    async def run_lines(self, lines: list[str]) -> None:
        """Carry out script lines, echoing each after the prompt as a person would type it."""
        for line in lines:
            if line.strip() and not line.lstrip().startswith("#"):
                self.say(f"{self.current}> {line.strip()}")
            if not await self.handle(line):
                break

    # -- output ---------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def _user_name(self, user_id: int) -> str | None:
        if user_id == int(self.fd.bot_user.id):
            return "Kindred"
        user = self.fd.world.users.get(user_id)
        return user.name if user is not None else None

    def _channel_name(self, channel_id: int) -> str | None:
        channel = self.fd.world.channels.get(channel_id)
        return channel.name if channel is not None and not channel.is_dm else None

    def _message_number(self, message_id: int) -> str | None:
        message = self.fd.get_message(message_id)
        if message is None or message.deleted or self._owner(message) is not None:
            return None
        # Linked before it was shown (a post the courier sends later): numbered now.
        return f"m{self.numbers.setdefault(message_id, len(self.numbers) + 1)}"

    def _owner(self, message: Any) -> int | None:
        """Who alone sees a message (an ephemeral answer, a DM), or None: everyone."""
        if message.ephemeral:
            return int(message.interaction_user_id)
        channel = self.fd.world.channels.get(int(message.channel_id))
        if channel is not None and channel.is_dm:
            return int(channel.recipient_id)
        return None

    def _where(self, message: Any, change: str) -> str:
        owner = self._owner(message)
        me = int(self.people[self.current].id)
        if message.ephemeral:
            where = "only you" if owner == me else f"only {self._user_name(owner or 0)}"
        elif owner is not None:
            where = f"DM to {self._user_name(owner)}"
        else:
            channel = self.fd.world.channels[int(message.channel_id)]
            parent = self.fd.world.channels.get(channel.parent_id or 0)
            thread = channel.is_thread and parent is not None
            where = f"#{parent.name} › {channel.name}" if thread else f"#{channel.name}"
            number = self.numbers.setdefault(int(message.id), len(self.numbers) + 1)
            where += f" · m{number}"
        return where + (" · edited" if change == "edited" else "")

    def show(self, message: Any) -> None:
        """Print a message if it is new or changed since it was last printed."""
        change = self.seen.change(message)
        if change is None:
            return
        self.shown[int(message.id)] = message
        viewer = self._owner(message) or int(self.people[self.current].id)
        if change == "controls" and all(c.disabled for c in controls(message.components)):
            first = self._text(message.content or embed_title(message), viewer).strip()
            first = first.splitlines()[0][:60] if first else "Kindred's message"
            owner = self._owner(message)
            whose = f", which only {self._user_name(owner)} sees," if owner else ""
            self.say(
                f"(sandbox) The buttons under “{first}”{whose} are greyed out now: they "
                "expired, and Kindred no longer listens for them."
            )
            return
        author = self._user_name(int(message.author_id)) or "?"
        self.say(f"[{self._where(message, change)}] {author}:")
        if message.content:
            self.say(textwrap.indent(self._text(message.content, viewer), "  "))
        for embed in message.embeds or []:
            self._show_embed(embed, viewer)
        for attachment in getattr(message, "attachments", None) or []:
            self._show_attachment(message, attachment)
        for line in show_controls(message.components):
            self.say(f"  {line}")

    def _text(self, text: str, viewer: int | None) -> str:
        return self.names.text(text, viewer, self.clock.now())

    def _show_attachment(self, message: Any, attachment: Any) -> None:
        content = getattr(attachment, "content", None)
        if content is None:
            self.say(f"  📎 {attachment.get('filename')}")
            return
        self.images.mkdir(parents=True, exist_ok=True)
        self.saved += 1
        name = Path(attachment.filename)
        path = self.images / f"{name.stem}-{self.saved}{name.suffix}"
        path.write_bytes(content)
        image = attachment.image
        size = f" {image[1]}×{image[2]}" if image else ""
        self.say(f"  📎 {attachment.filename}{size}, saved to {path}")
        if attachment.description:
            self.say(textwrap.indent(textwrap.fill(f"alt: {attachment.description}", 96), "     "))

    def _show_embed(self, embed: dict[str, Any], viewer: int | None) -> None:
        lines = []
        if embed.get("title"):
            lines.append(f"**{embed['title']}**")
        if embed.get("description"):
            lines.append(embed["description"])
        for embed_field in embed.get("fields", []):
            lines.append(f"{embed_field['name']}: {embed_field['value']}")
        if embed.get("footer", {}).get("text"):
            lines.append(f"— {embed['footer']['text']}")
        for line in self._text("\n".join(lines), viewer).splitlines():
            self.say(f"  │ {line}")

    def show_interaction(self, interaction: Any) -> None:
        if interaction.modal:
            self.open_forms[self.current] = interaction
            for line in show_form(interaction.modal):
                self.say(self._text(line, int(interaction.user.id)))
            return
        for message in [interaction.reply, *interaction.followups, interaction.message]:
            if message is not None:
                self.show(message)

    def show_new_posts(self) -> None:
        for channel in self.channels.values():
            for message in self.fd.channel_messages(channel):
                self.show(message)
            for thread in self.fd.threads_in(channel):  # private threads for coffee pairs
                for message in self.fd.channel_messages(thread):
                    self.show(message)
        for user in self.people.values():
            for message in self.fd.dms_to(user):
                self.show(message)
        # Answers only one member sees change too (a button greyed out when it expires).
        for message in list(self.shown.values()):
            if message.ephemeral and not message.deleted:
                self.show(message)

    async def demo_year(self) -> None:
        """A year of made-up community life in the demo server: members who exist only in
        the database, their reflections and thank-yous."""
        from testing.community import Activity, seed_activity

        counts = await seed_activity(
            self.bot.db,
            int(self.guild.id),
            self.clock.now(),
            Activity(members=DEMO_YEAR_MEMBERS, weeks=52, opted_in=0.55, thanks_per_week=14),
            name=DEMO_SERVER,
        )
        self.say(
            f"(sandbox) {DEMO_SERVER} now has a year behind it: {counts['members']} members, "
            f"{counts['reflection_entries']:,} reflection prompts, {counts['thanks']:,} "
            "thank-yous. Try /insights weeks:52 as Olu."
        )

    # -- time zones -----------------------------------------------------------------------

    async def zones(self) -> dict[str, str]:
        """Each member's zone as her Discord would show times: the one she gave Kindred,
        else the server's, else UTC."""
        from storage.communities import get_community
        from storage.members import get_member
        from storage.reflections import member_zone

        zones: dict[str, str] = {}
        async with self.bot.db.read() as session:
            community = await get_community(session, int(self.guild.id))
            for name, user in self.people.items():
                member = await get_member(session, int(self.guild.id), int(user.id))
                if member is not None:
                    zones[name] = await member_zone(session, member.id)
                else:
                    zones[name] = community.timezone if community is not None else "UTC"
        return zones

    async def refresh_zones(self, *, announce: bool = True) -> None:
        zones = await self.zones()
        changed = [
            name
            for name, zone in zones.items()
            if self.names.zones.get(int(self.people[name].id)) != ZoneInfo(zone)
        ]
        for name, zone in zones.items():
            self.names.zones[int(self.people[name].id)] = ZoneInfo(zone)
        if announce and changed:
            by_zone: dict[str, list[str]] = {}
            for name in changed:
                by_zone.setdefault(zones[name], []).append(name)
            for zone, names in by_zone.items():
                self.news.append(f"(sandbox) Times now show in {zone} for {', '.join(names)}.")

    def now_for(self, name: str) -> str:
        zone = self.names.zone(int(self.people[name].id))
        return f"{self.clock.now().astimezone(zone):%a %d %b %Y %H:%M} for {name} ({zone.key})"

    # -- verbs ----------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Carry out one line; False means quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        going_on = True
        try:
            if line.startswith("/"):
                await self.slash(line)
            elif line.startswith(":"):
                verb, _, rest = line[1:].partition(" ")
                going_on = await self.verb(verb.lower(), rest.strip())
            else:
                raise SandboxError("Start with / for a command or : for a verb (:help).")
        except SandboxError as exc:
            self.say(f"(sandbox) {exc}")
        except ValueError as exc:
            # fakediscord refuses what Discord's own client would not let a person send.
            self.say(f"(discord) {self.names.plain(str(exc))}")
        except Exception as exc:
            # A line the sandbox itself mishandled: said, logged in full, and the session
            # goes on (a person trying Kindred should not lose it to one odd line).
            logging.getLogger(__name__).exception("sandbox line failed: %r", line)
            self.say(f"(sandbox) {SANDBOX_FAILED} ({type(exc).__name__}); the log has the details.")
        for news in self.news:
            self.say(news)
        self.news.clear()
        return going_on

    async def verb(self, verb: str, rest: str) -> bool:
        if verb in ("quit", "exit", "q"):
            return False
        if verb == "help":
            self.say(HELP.format(people=", ".join(self.people)))
        elif verb == "as":
            name = self._person_name(rest)
            self.current = name
            zone = self.names.zone(int(self.people[name].id)).key
            self.say(f"(sandbox) You are now {name}; times show in {zone}, as on her Discord.")
        elif verb == "who":
            self.say(
                "Members: "
                + ", ".join(
                    f"{n}{' (organizer)' if n == DEMO_ORGANIZER else ''}" for n in self.people
                )
            )
            self.say("Channels: " + ", ".join(f"#{c}" for c in self.channels))
        elif verb == "time":
            await self.move_time(rest)
        elif verb == "wait":
            try:
                await asyncio.sleep(min(float(rest or "1"), 30.0))
            except ValueError:
                raise SandboxError("Use :wait SECONDS, e.g. :wait 2") from None
            self.show_new_posts()
        elif verb == "say":
            channel_name, _, text = rest.partition(" ")
            channel = self.channels.get(channel_name.lstrip("#"))
            if channel is None or not text:
                raise SandboxError("Use :say #channel your message")
            await self.fd.send_message(self.people[self.current], channel, text)
            await asyncio.sleep(HANDLER_SECONDS)
            await self.settle()
        elif verb == "dm":
            await self.dm(rest)
        elif verb in ("app", "apps"):
            await self.app(rest)
        elif verb == "click":
            await self.click(rest)
        elif verb == "select":
            await self.select(rest)
        elif verb == "fill":
            await self.fill(rest)
        elif verb == "demo-year":
            await self.demo_year()
        elif verb == "event":
            await self.event(rest)
        else:
            raise SandboxError(f"Unknown verb :{verb}. Type :help for the list.")
        return True

    async def move_time(self, rest: str) -> None:
        delta = parse_duration(rest)
        # From one scheduled moment to the next, so everything on the way fires at its own
        # time, as it would if you had waited (one jump would land past catch-up windows),
        # without crawling through the hours in between.
        target = self.clock.now() + delta
        while (now := self.clock.now()) < target:
            upcoming = [loop.due for loop in self.bot.loops if loop.due is not None]
            step_to = min([target, *(due for due in upcoming if due > now)])
            await self.clock.advance(step_to - now)
            await self.caught_up()
        self.say(
            f"(sandbox) Time moved forward {rest.lstrip('+')}; it is now "
            f"{self.now_for(self.current)}."
        )
        await self.settle()

    async def dm(self, text: str) -> None:
        if not text:
            raise SandboxError("Use :dm your message")
        person = self.people[self.current]
        answered = len(self.fd.dms_to(person)) + 1
        await self.fd.send_dm(person, text)
        self.say(f"(sandbox) {self.current} sent Kindred a DM.")
        with contextlib.suppress(TimeoutError):  # Kindred answers every DM
            await self.fd.wait_for(lambda: len(self.fd.dms_to(person)) >= answered)
        await self.settle()

    async def event(self, rest: str) -> None:
        """`:event ...`: a Discord scheduled event, as its organizer and members handle it."""
        action, _, args = rest.partition(" ")
        action = action.lower()
        me = self.people[self.current]
        if action == "create":
            name, _, when = args.partition("@")
            when, _, length = when.partition(" for ")
            if not name.strip() or not when.strip():
                raise SandboxError("Use :event create NAME @ WHEN [for 2h], e.g. @ +3d 18:30")
            start = parse_when(when, self.clock.now())
            end = start + (parse_duration(length) if length.strip() else timedelta(hours=2))
            event = self.fd.create_scheduled_event(
                self.guild, name.strip(), start=start, end=end, creator=me, location="Café Lua"
            )
            self.events.append(event)
            self.say(
                f'(sandbox) {self.current} created the event "{event.name}": '
                f"{start:%a %d %b %Y %H:%M} UTC for {(end - start).total_seconds() / 3600:g} h."
            )
        else:
            if not self.events:
                raise SandboxError("Create an event first: :event create NAME @ +2d")
            event = self.events[-1]
            if action in ("interested", "uninterested"):
                names = [n for n in re.split(r"[,\s]+", args) if n] or [self.current]
                for name in names:
                    person = self.people[self._person_name(name)]
                    self.fd.set_event_interest(event, person, action == "interested")
                who = ", ".join(self._person_name(n) for n in names)
                self.say(f'(sandbox) {who}: {action} in "{event.name}".')
            elif action in ("start", "end", "cancel", "delete"):
                getattr(self.fd, f"{action}_scheduled_event")(event)
                done = {"start": "started", "end": "ended", "cancel": "cancelled"}
                self.say(f'(sandbox) {self.current} {done.get(action, "deleted")} "{event.name}".')
            elif action == "move":
                start = parse_when(args.lstrip("@ "), self.clock.now())
                length = (event.end or event.start) - event.start
                self.fd.update_scheduled_event(event, start=start, end=start + length)
                self.say(f'(sandbox) "{event.name}" now starts {start:%a %d %b %Y %H:%M} UTC.')
            else:
                raise SandboxError(f"Unknown :event {action!r}. Type :help for the list.")
        # The bot hears of it on the gateway, outside the jobs settle() waits for.
        await asyncio.sleep(HANDLER_SECONDS)
        await self.settle()

    def _commands(self, kind: int) -> dict[str, dict[str, Any]]:
        """The commands of a kind (1 slash, 2 member, 3 message) Discord shows here."""
        world = self.fd.world
        scopes = [*world.commands.get(None, {}).values()]
        scopes += world.commands.get(int(self.guild.id), {}).values()
        return {c["name"]: c for c in scopes if c.get("type", 1) == kind}

    async def slash(self, line: str) -> None:
        command, specs, raw = parse_slash(line, self._commands(1))
        options = convert_options(
            command, specs, raw, person=self._person_option, channel=self._channel_option
        )
        interaction = await self.fd.slash(
            self.people[self.current],
            command,
            options=options,
            guild=self.guild,
            channel=self.channels["general"],
        )
        await self._after(interaction)

    async def app(self, rest: str) -> None:
        """`:app NAME on TARGET`: a message or member command (right-click, Apps)."""
        messages, members = self._commands(MESSAGE_COMMAND), self._commands(USER_COMMAND)
        name, _, target = rest.rpartition(" on ")
        if not rest or not name.strip() or not target.strip():
            raise SandboxError(
                "Use :app NAME on m3 (a message number), on #channel (its latest message) "
                "or on @member. On a message: "
                + ", ".join(f'"{n}"' for n in messages)
                + "; on a member: "
                + ", ".join(f'"{n}"' for n in members)
                + "."
            )
        target = target.strip()
        user = self.people[self.current]
        if target.startswith("@"):
            command = pick_app(name, members, "member")
            person = self.people[self._person_name(target)]
            interaction = await self.fd.user_command(
                user, command, target=person, guild=self.guild, channel=self.channels["general"]
            )
        else:
            command = pick_app(name, messages, "message")
            message = self._message(target)
            channel = self.fd.world.channels[int(message.channel_id)]
            interaction = await self.fd.message_command(
                user, command, target=message, guild=self.guild, channel=channel
            )
        await self._after(interaction)

    def _message(self, reference: str) -> Any:
        """The message `m3` (the numbers the transcript shows), or the latest in `#channel`."""
        match = _MESSAGE_REF.match(reference)
        if match:
            number = int(match.group(1))
            found = next((m for m, n in self.numbers.items() if n == number), None)
            message = self.fd.get_message(found) if found is not None else None
            if message is None or message.deleted:
                raise SandboxError(f"There is no message m{number} (yet).")
            return message
        channel = self.channels.get(reference.lstrip("#"))
        if channel is None:
            raise SandboxError(
                f"Name a message as m3 (its number in the transcript) or #channel (its "
                f"latest message); {reference!r} is neither."
            )
        messages = self.fd.channel_messages(channel)
        if not messages:
            raise SandboxError(f"#{channel.name} has no messages yet: :say #{channel.name} ...")
        return messages[-1]

    async def click(self, target: str) -> None:
        if not target:
            raise SandboxError("Use :click LABEL (or the number of the button).")
        message, control = self._find_control(target, "button")
        interaction = await self.fd.click(
            self.people[self.current], message, str(control.custom_id)
        )
        await self._after(interaction)

    async def select(self, rest: str) -> None:
        chosen = [part.strip() for part in rest.split(",") if part.strip()]
        if not chosen:
            raise SandboxError("Use :select CHOICE, CHOICE (by name or number).")
        message, control = self._find_control(rest, "menu")
        options = control.component.get("options") or []
        values = [option_matches(options, part)["value"] for part in chosen]
        check_choices(control.component, control.label, values)
        interaction = await self.fd.select(
            self.people[self.current], message, str(control.custom_id), values=values
        )
        await self._after(interaction)

    async def fill(self, rest: str) -> None:
        opened_by = self.open_forms.get(self.current)
        if opened_by is None:
            others = [name for name in self.open_forms if name != self.current]
            whose = f" ({', '.join(others)} has one open: :as {others[0]})" if others else ""
            raise SandboxError(
                f"No form is open for {self.current}. A button or command opens one.{whose}"
            )
        fields = form_fields(opened_by.modal)
        answers = [part.strip() for part in rest.split("|")] if rest else []
        if len(answers) > len(fields):
            raise SandboxError(f"This form has {len(fields)} field(s).")
        answers += [""] * (len(fields) - len(answers))
        values = {f.custom_id: f.answer(answer) for f, answer in zip(fields, answers, strict=True)}
        del self.open_forms[self.current]
        interaction = await self.fd.submit_modal(
            self.people[self.current], opened_by, values=values
        )
        await self._after(interaction)

    async def _after(self, interaction: Any) -> None:
        try:
            await interaction.wait_response(timeout=10.0)
            if interaction.response_type == DEFERRED_CHANNEL_MESSAGE:  # "thinking..." first
                await self.fd.wait_for(
                    lambda: interaction.reply is not None and interaction.reply.has_body(),
                    timeout=10.0,
                )
        except Exception:
            self.say("(sandbox) Kindred did not answer in time.")
            return
        await self.settle()
        self.show_interaction(interaction)

    async def caught_up(self) -> None:
        """Until the bot has finished with the interactions it was handed (what a command or
        button sends after its first answer, such as the offers after "We met") and its
        background jobs have done what is due (prompts, digests and reminders planned, the
        courier's DMs and posts sent, expired buttons greyed out)."""
        with contextlib.suppress(TimeoutError):
            await self.fd.wait_for(
                lambda: self.bot.idle and not _handling_interactions(), timeout=SETTLE_TIMEOUT
            )

    async def settle(self) -> None:
        """Wait for what the bot sends after an answer (DMs, posts), then show it."""
        await self.caught_up()
        await self.refresh_zones()
        self.show_new_posts()

    # -- lookups --------------------------------------------------------------------------

    def _person_name(self, text: str) -> str:
        for name in self.people:
            if name.lower() == text.strip().lstrip("@").lower():
                return name
        raise SandboxError(f"No member called {text!r}. Members: {', '.join(self.people)}")

    def _person_option(self, text: str) -> Any:
        return self.people[self._person_name(text)]

    def _channel_option(self, text: str) -> Any:
        channel = self.channels.get(text.strip().lstrip("#"))
        if channel is None:
            listed = ", ".join(f"#{c}" for c in self.channels)
            raise SandboxError(f"No channel {text!r}. Channels: {listed}")
        return channel

    def _find_control(self, target: str, kind: str) -> tuple[Any, Control]:
        """The button (or menu) `target` means on the newest message the current member
        can use: her DMs, answers only she sees, and posts everyone sees."""
        me = int(self.people[self.current].id)
        mine = [m for m in self.shown.values() if not m.deleted and self._owner(m) in (None, me)]
        mine.sort(key=lambda m: int(m.id))
        usable = [
            (m, [c for c in controls(m.components) if c.kind == kind and not c.disabled])
            for m in reversed(mine)
        ]
        usable = [(m, found) for m, found in usable if found]
        what = "button" if kind == "button" else "menu"
        if kind == "button" and target.isdigit():
            if not usable:
                raise SandboxError(f"There is no {what} for {self.current} to click yet.")
            message, found = usable[0]
            index = int(target) - 1
            if not 0 <= index < len(found):
                raise SandboxError(f"The latest message has {len(found)} button(s).")
            return message, found[index]
        for message, found in usable:
            for control in found:
                if kind == "button" and label_matches(control.label, target):
                    return message, control
                if kind == "menu" and menu_has(control, target):
                    return message, control
        self._explain_missing(target, kind, me)
        raise SandboxError(f"No {what} {target!r} on {self.current}'s recent messages.")

    def _explain_missing(self, target: str, kind: str, me: int) -> None:
        """Raise a clearer refusal when `target` is on someone else's message or expired."""
        for message in sorted(self.shown.values(), key=lambda m: -int(m.id)):
            for control in controls(message.components):
                hit = (
                    label_matches(control.label, target)
                    if kind == "button"
                    else menu_has(control, target)
                )
                if control.kind != kind or not hit:
                    continue
                owner = self._owner(message)
                if owner not in (None, me):
                    name = self._user_name(owner)
                    raise SandboxError(
                        f"“{control.label}” is on {name}'s message: only {name} sees it "
                        f"(:as {name} first)."
                    )
                if control.disabled:
                    raise SandboxError(
                        f"“{control.label}” is greyed out: it expired, or was already used."
                    )


async def _read_lines(prompt: Callable[[], str]) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    while True:
        try:
            line = await loop.run_in_executor(None, lambda: input(prompt()))
        except EOFError:
            return
        yield line


class Noticed(logging.Handler):
    """One line in the transcript for an error Kindred logs; the details are in the log."""

    def __init__(self, say: Callable[[str], None], log: Path) -> None:
        super().__init__(logging.ERROR)
        self.say_line = say
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        first = record.getMessage().splitlines()[0][:160]
        self.say_line(f"(sandbox) Kindred logged an error: {first}. Details: {self.log}")


def log_to_file(level: str, log: Path) -> None:
    """Everything logged, library warnings (discord.py's, Python's own) too, goes to `log`:
    the prompt shows only what Discord would."""
    from kindred.logs import configure_logging

    log.parent.mkdir(parents=True, exist_ok=True)
    configure_logging(level, to=log)
    logging.captureWarnings(True)


def _next_to_database(url: str, name: str) -> Path:
    """`name` beside a SQLite database file (data/ otherwise)."""
    if url.startswith("sqlite") and ":///" in url and ":memory:" not in url:
        return Path(url.split(":///", 1)[1]).parent / name
    return Path("data") / name


@contextlib.asynccontextmanager
async def sandbox_bot(
    settings: Settings, database: str | None, log: Path | None = None
) -> AsyncIterator[tuple[Any, Any, ShiftableClock]]:
    """fakediscord and the real bot on the sandbox clock: (fakediscord, bot, clock).
    With `log`, everything logged goes to that file, not to the terminal."""
    from fakediscord import FakeDiscord
    from testing.world import open_world, start_bot, stop_bot

    # Discord's per-channel windows (5 messages in 5 s) in real seconds would hold up DMs
    # that `:time` brings due together (days in a moment): compressed as in the harness.
    fd = FakeDiscord(ratelimit_time_scale=0.05)
    url = database or "sqlite+aiosqlite:///data/sandbox.db"
    if log is not None:
        log_to_file(settings.log_level, log)
    sandbox_settings, db = await open_world(
        fd,
        url,
        LOG_LEVEL=settings.log_level,
        DEFAULT_TIMEZONE=settings.default_timezone,
        DEFAULT_PROMPT_TIME=settings.default_prompt_time,
    )
    clock = ShiftableClock()
    bot, runner = await start_bot(fd, sandbox_settings, db, clock)
    try:
        await bot.tree.sync()
        yield fd, bot, clock
        if runner.done():
            runner.result()
    finally:
        await stop_bot(bot, runner)
        await fd.stop()


async def open_sandbox(fd: Any, bot: Any, clock: ShiftableClock, out: TextIO, **kw: Any) -> Sandbox:
    """A demo server the bot has joined, and the sandbox in it."""
    sandbox = Sandbox(fd, clock, out, **kw)
    sandbox.build_world()
    sandbox.bot = bot
    await fd.wait_for(lambda: bot.get_guild(int(sandbox.guild.id)) is not None)
    await sandbox.refresh_zones(announce=False)
    return sandbox


async def run_sandbox(settings: Settings, *, script: str | None, database: str | None) -> int:
    started = time.monotonic()
    out = sys.stdout
    url = database or "sqlite+aiosqlite:///data/sandbox.db"
    log = _next_to_database(url, "sandbox.log")
    async with sandbox_bot(settings, url, log) as (fd, bot, clock):
        sandbox = await open_sandbox(
            fd, bot, clock, out, images=_next_to_database(url, "sandbox-images")
        )
        logging.getLogger().addHandler(Noticed(sandbox.say, log))
        sandbox.say(
            f"Kindred sandbox: the real bot in a local fake Discord, server "
            f'"{DEMO_SERVER}" (ready in {time.monotonic() - started:.1f} s).'
        )
        sandbox.say(
            "Type :help for the verbs, /kindred help to start. You are Olu, an organizer. "
            f"Kindred's log: {log}"
        )
        if script:
            lines = await asyncio.to_thread(Path(script).read_text, encoding="utf-8")
            await sandbox.run_lines(lines.splitlines())
        else:
            async for line in _read_lines(lambda: f"{sandbox.current}> "):
                if not await sandbox.handle(line):
                    break
    return 0
