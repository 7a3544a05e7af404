"""`python bot.py sandbox`: the real bot against a local fake Discord, driven from a prompt.

Anyone can try Kindred without a Discord account: a demo server is created in fakediscord,
the unmodified bot connects to it, and a person types slash commands as in Discord, sees
what Kindred answers (privately), posts and DMs, switches member, clicks buttons, fills
modals and moves time forward to see scheduled messages arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import textwrap
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from kindred.clock import ShiftableClock
from kindred.settings import Settings

DEFERRED_CHANNEL_MESSAGE = 5  # Discord's callback type for "thinking..."

HELP = """\
Type a slash command as in Discord, e.g.
  /kindred help
  /setup thanks_channel:#referral-thanks timezone:Europe/Berlin prompt_time:8:30am
Verbs:
  :as NAME              act as another member ({people})
  :click LABEL|N        click a button by its label, or button N of the latest message
  :select ID V1,V2      choose values in a select menu by custom id
  :fill A | B | ...     fill the open form's fields in order, then submit it
  :say #channel TEXT    post a message in a channel as the current member
  :dm TEXT              send Kindred a direct message as the current member
  :time +1d             move time forward (m, h, d, w), then show what arrived
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
"""

DEMO_SERVER = "Demo Meetup"
DEMO_CHANNELS = ("general", "introductions", "referral-thanks", "coffee")
DEMO_ORGANIZER = "Olu"
DEMO_MEMBERS = ("Maya", "Ines", "Priya")
# Event handlers (a plain DM, a post) answer outside the background jobs the sandbox can
# wait for: this long is left for them.
HANDLER_SECONDS = 0.3
SETTLE_TIMEOUT = 10.0
DEMO_YEAR_MEMBERS = 40

_DURATION = re.compile(r"^\+?(\d+)\s*([mhdw])$")
_WHEN = re.compile(r"^\+?(\d+\s*[mhdw])(?:\s+(\d{1,2}):(\d{2}))?$")
_TIMESTAMP = re.compile(r"<t:(\d+)(?::([tTdDfFR]))?>")
_OPTION = re.compile(r"(?:^|\s)([a-z_][a-z0-9_-]*):", re.IGNORECASE)


class SandboxError(Exception):
    """A verb the sandbox could not carry out; printed, and the session goes on."""


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise SandboxError("Use a duration like +30m, +2h, +1d or +1w.")
    amount, unit = int(match.group(1)), match.group(2)
    return {
        "m": timedelta(minutes=amount),
        "h": timedelta(hours=amount),
        "d": timedelta(days=amount),
        "w": timedelta(weeks=amount),
    }[unit]


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
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_slash(line: str) -> tuple[str, dict[str, str]]:
    """`/setup timezone:Europe/Berlin prompt_time:8:30 pm` -> ("setup", {...}).

    An option's value runs until the next ` name:`; values may contain spaces and colons.
    """
    body = line.strip().removeprefix("/")
    matches = list(_OPTION.finditer(body))
    command = (body[: matches[0].start()] if matches else body).strip()
    options: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        options[match.group(1)] = body[match.end() : end].strip()
    if not command:
        raise SandboxError("Type a command name after the slash, e.g. /kindred help")
    return " ".join(command.split()), options


@dataclass
class Seen:
    """What has been printed already, so each message shows once (and again when edited)."""

    versions: dict[int, str] = field(default_factory=dict)

    def is_new(self, message: Any) -> bool:
        fingerprint = repr((message.content, message.embeds, message.components))
        if self.versions.get(int(message.id)) == fingerprint:
            return False
        self.versions[int(message.id)] = fingerprint
        return True


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
        self.seen = Seen()
        # Messages with components the current member could click, newest last.
        self.clickable: list[Any] = []
        self.open_modal: Any = None
        self.private_messages: dict[str, list[Any]] = {}
        self.events: list[Any] = []  # scheduled events created with :event, newest last

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

    # -- output ---------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def _timestamps(self, text: str) -> str:
        """Discord shows <t:...> tags in each reader's zone; the sandbox shows UTC."""
        now = self.clock.now()

        def shown(match: re.Match[str]) -> str:
            instant = datetime.fromtimestamp(int(match.group(1)), UTC)
            if match.group(2) == "R":
                hours = round((instant - now).total_seconds() / 3600)
                if hours == 0:
                    return "within the hour"
                return f"in {hours} h" if hours > 0 else f"{-hours} h ago"
            return f"{instant:%a %d %b %Y %H:%M} UTC"

        return _TIMESTAMP.sub(shown, text)

    def show_message(self, where: str, message: Any) -> None:
        author = "Kindred" if int(message.author_id) == int(self.fd.bot_user.id) else None
        if author is None:
            author = next(
                (n for n, u in self.people.items() if int(u.id) == int(message.author_id)), "?"
            )
        self.say(f"[{where}] {author}:")
        if message.content:
            self.say(textwrap.indent(self._timestamps(message.content), "  "))
        for embed in message.embeds or []:
            self._show_embed(embed)
        for attachment in getattr(message, "attachments", None) or []:
            self._show_attachment(message, attachment)
        buttons = list(self._buttons(message))
        if buttons:
            self.clickable.append(message)
            shown = "  ".join(f"[{label}]" for _, label, _ in buttons)
            self.say(f"  {shown}")

    def _show_attachment(self, message: Any, attachment: Any) -> None:
        content = getattr(attachment, "content", None)
        if content is None:
            self.say(f"  📎 {attachment.get('filename')}")
            return
        self.images.mkdir(parents=True, exist_ok=True)
        path = self.images / f"{message.id}-{attachment.filename}"
        path.write_bytes(content)
        image = attachment.image
        size = f" {image[1]}×{image[2]}" if image else ""
        self.say(f"  📎 {attachment.filename}{size}, saved to {path}")
        if attachment.description:
            self.say(textwrap.indent(textwrap.fill(f"alt: {attachment.description}", 96), "     "))

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

    def _show_embed(self, embed: dict[str, Any]) -> None:
        lines = []
        if embed.get("title"):
            lines.append(f"**{embed['title']}**")
        if embed.get("description"):
            lines.append(embed["description"])
        for embed_field in embed.get("fields", []):
            lines.append(f"{embed_field['name']}: {embed_field['value']}")
        if embed.get("footer", {}).get("text"):
            lines.append(f"— {embed['footer']['text']}")
        for line in self._timestamps("\n".join(lines)).splitlines():
            self.say(f"  │ {line}")

    @staticmethod
    def _buttons(message: Any) -> Iterable[tuple[str, str, str]]:
        """(custom_id, label, kind) for every clickable component of a message."""
        for row in message.components or []:
            for component in row.get("components", []):
                if component.get("disabled") or "custom_id" not in component:
                    continue
                if component.get("type") == 2:
                    label = component.get("label") or component.get("emoji", {}).get("name", "?")
                    yield component["custom_id"], label, "button"
                elif component.get("type") in (3, 5, 6, 7, 8):
                    yield component["custom_id"], f"select {component['custom_id']}", "select"

    def show_interaction(self, interaction: Any) -> None:
        if interaction.modal:
            self.open_modal = interaction
            modal = interaction.modal
            self.say(f"[form] {modal.get('title', '')}")
            for index, input_field in enumerate(_modal_inputs(modal), start=1):
                self.say(f"  {index}. {input_field.get('label') or input_field['custom_id']}")
            self.say("  (fill it with  :fill first answer | second answer ...)")
            return
        for message in [interaction.reply, *interaction.followups]:
            if message is not None and self.seen.is_new(message):
                where = "only you" if interaction.ephemeral or message.ephemeral else "reply"
                self.show_message(where, message)

    def show_new_posts(self) -> None:
        for name, channel in self.channels.items():
            for message in self.fd.channel_messages(channel):
                if self.seen.is_new(message):
                    self.show_message(f"#{name}", message)
            for thread in self.fd.threads_in(channel):  # private threads for coffee pairs
                for message in self.fd.channel_messages(thread):
                    if self.seen.is_new(message):
                        self.show_message(f"#{name} › {thread.name}", message)
        for name, user in self.people.items():
            for message in self.fd.dms_to(user):
                if self.seen.is_new(message):
                    self.show_message(f"DM to {name}", message)

    # -- verbs ----------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Carry out one line; False means quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        try:
            if line.startswith("/"):
                await self.slash(line)
            elif line.startswith(":"):
                verb, _, rest = line[1:].partition(" ")
                return await self.verb(verb.lower(), rest.strip())
            else:
                raise SandboxError("Start with / for a command or : for a verb (:help).")
        except SandboxError as exc:
            self.say(f"(sandbox) {exc}")
        except ValueError as exc:
            # fakediscord refuses what Discord's own client would not let a person send.
            self.say(f"(discord) {exc}")
        return True

    async def verb(self, verb: str, rest: str) -> bool:
        if verb in ("quit", "exit", "q"):
            return False
        if verb == "help":
            self.say(HELP.format(people=", ".join(self.people)))
        elif verb == "as":
            name = self._person_name(rest)
            self.current = name
            self.say(f"(sandbox) You are now {name}.")
        elif verb == "who":
            self.say(
                "Members: "
                + ", ".join(
                    f"{n}{' (organizer)' if n == DEMO_ORGANIZER else ''}" for n in self.people
                )
            )
            self.say("Channels: " + ", ".join(f"#{c}" for c in self.channels))
        elif verb == "time":
            delta = parse_duration(rest)
            # From one scheduled moment to the next, so everything on the way fires at its
            # own time, as it would if you had waited (one jump would land past catch-up
            # windows), without crawling through the hours in between.
            target = self.clock.now() + delta
            while (now := self.clock.now()) < target:
                upcoming = [loop.due for loop in self.bot.loops if loop.due is not None]
                step_to = min([target, *(due for due in upcoming if due > now)])
                await self.clock.advance(step_to - now)
                await self.caught_up()
            self.say(
                f"(sandbox) Time moved forward {rest.lstrip('+')}; it is now "
                f"{self.clock.now():%a %d %b %Y %H:%M} UTC."
            )
            await self.settle()
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
            if not rest:
                raise SandboxError("Use :dm your message")
            person = self.people[self.current]
            answered = len(self.fd.dms_to(person)) + 1
            await self.fd.send_dm(person, rest)
            self.say(f"(sandbox) {self.current} sent Kindred a DM.")
            with contextlib.suppress(TimeoutError):  # Kindred answers every DM
                await self.fd.wait_for(lambda: len(self.fd.dms_to(person)) >= answered)
            await self.settle()
        elif verb == "click":
            await self.click(rest)
        elif verb == "select":
            custom_id, _, values = rest.partition(" ")
            message = self._find_select(custom_id)
            chosen = [v.strip() for v in values.split(",") if v.strip()]
            interaction = await self.fd.select(
                self.people[self.current], message, custom_id, values=chosen
            )
            await self._after(interaction)
        elif verb == "fill":
            await self.fill(rest)
        elif verb == "demo-year":
            await self.demo_year()
        elif verb == "event":
            await self.event(rest)
        else:
            raise SandboxError(f"Unknown verb :{verb}. Type :help for the list.")
        return True

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

    async def slash(self, line: str) -> None:
        command, raw_options = parse_slash(line)
        options = {name: self._option_value(value) for name, value in raw_options.items()}
        user = self.people[self.current]
        channel = self.channels["general"]
        try:
            interaction = await self.fd.slash(
                user, command, options=options, guild=self.guild, channel=channel
            )
        except ValueError:
            # A number typed for an integer option arrives as text; retry with numbers.
            numeric = {
                k: int(v) if isinstance(v, str) and v.isdigit() else v for k, v in options.items()
            }
            if numeric == options:
                raise
            interaction = await self.fd.slash(
                user, command, options=numeric, guild=self.guild, channel=channel
            )
        await self._after(interaction)

    async def click(self, target: str) -> None:
        if not target:
            raise SandboxError("Use :click LABEL (or the number of the button).")
        message, custom_id = self._find_button(target)
        interaction = await self.fd.click(self.people[self.current], message, custom_id)
        await self._after(interaction)

    async def fill(self, rest: str) -> None:
        if self.open_modal is None:
            raise SandboxError("No form is open. A button or command opens one first.")
        inputs = _modal_inputs(self.open_modal.modal)
        answers = [part.strip() for part in rest.split("|")] if rest else []
        if len(answers) > len(inputs):
            raise SandboxError(f"This form has {len(inputs)} field(s).")
        values = {
            field_["custom_id"]: answer for field_, answer in zip(inputs, answers, strict=False)
        }
        opened_by, self.open_modal = self.open_modal, None
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
        """Until the bot's background jobs have done what is due (prompts, digests and
        reminders planned, the courier's DMs and posts sent)."""
        with contextlib.suppress(TimeoutError):
            await self.fd.wait_for(lambda: self.bot.idle, timeout=SETTLE_TIMEOUT)

    async def settle(self) -> None:
        """Wait for what the bot sends after an answer (DMs, posts), then show it."""
        await self.caught_up()
        self.show_new_posts()

    # -- lookups --------------------------------------------------------------------------

    def _person_name(self, text: str) -> str:
        for name in self.people:
            if name.lower() == text.strip().lstrip("@").lower():
                return name
        raise SandboxError(f"No member called {text!r}. Members: {', '.join(self.people)}")

    def _option_value(self, value: str) -> Any:
        if value.startswith("#") and value[1:] in self.channels:
            return self.channels[value[1:]]
        if value.startswith("@"):
            try:
                return self.people[self._person_name(value)]
            except SandboxError:
                return value
        if value.lower() in ("true", "false", "yes", "no"):
            return value.lower() in ("true", "yes")
        return value

    def _find_button(self, target: str) -> tuple[Any, str]:
        """The newest message with a button labelled `target`, or button N of the newest."""
        if target.isdigit():
            if not self.clickable:
                raise SandboxError("There is nothing to click yet.")
            buttons = [b for b in self._buttons(self.clickable[-1]) if b[2] == "button"]
            index = int(target) - 1
            if not 0 <= index < len(buttons):
                raise SandboxError(f"The latest message has {len(buttons)} button(s).")
            return self.clickable[-1], buttons[index][0]
        for message in reversed(self.clickable):
            if not self._reachable(message):
                continue
            for custom_id, label, kind in self._buttons(message):
                if kind == "button" and _label_matches(label, target):
                    return message, custom_id
        raise SandboxError(f"No button {target!r} on recent messages.")

    def _reachable(self, message: Any) -> bool:
        """Whether the current member sees this message: not someone else's DM."""
        channel = self.fd.world.channels.get(int(message.channel_id))
        if channel is None or not channel.is_dm:
            return True
        return int(channel.recipient_id) == int(self.people[self.current].id)

    def _find_select(self, custom_id: str) -> Any:
        for message in reversed(self.clickable):
            if any(cid == custom_id for cid, _, kind in self._buttons(message) if kind == "select"):
                return message
        raise SandboxError(f"No menu {custom_id!r} on recent messages.")


def _label_matches(label: str, target: str) -> bool:
    wanted = target.strip().lower()
    return label.strip().lower() == wanted or wanted in label.lower()


def _modal_inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The text inputs of a modal, each with the label a person sees."""
    inputs: list[dict[str, Any]] = []
    for row in modal.get("components", []):
        # Classic modals wrap inputs in action rows; label components wrap one `component`
        # and carry the label themselves.
        if "component" in row:
            child = row["component"]
            if child.get("type") == 4:
                inputs.append({**child, "label": row.get("label") or child.get("label")})
            continue
        inputs.extend(child for child in row.get("components", []) if child.get("type") == 4)
    return inputs


async def _read_lines(prompt: Callable[[], str]) -> Any:
    loop = asyncio.get_running_loop()
    while True:
        try:
            line = await loop.run_in_executor(None, lambda: input(prompt()))
        except EOFError:
            return
        yield line


async def run_sandbox(settings: Settings, *, script: str | None, database: str | None) -> int:
    from fakediscord import FakeDiscord
    from kindred.logs import configure_logging
    from testing.world import open_world, start_bot, stop_bot

    started = time.monotonic()
    out = sys.stdout
    level = "WARNING" if settings.log_level == "INFO" else settings.log_level
    configure_logging(level)
    fd = FakeDiscord()
    sandbox_settings, db = await open_world(
        fd,
        database or "sqlite+aiosqlite:///data/sandbox.db",
        LOG_LEVEL=level,
        DEFAULT_TIMEZONE=settings.default_timezone,
        DEFAULT_PROMPT_TIME=settings.default_prompt_time,
    )
    clock = ShiftableClock()
    url = sandbox_settings.database_url
    images = (
        Path(url.split(":///", 1)[1]).parent / "sandbox-images"
        if url.startswith("sqlite") and ":///" in url
        else None
    )
    sandbox = Sandbox(fd, clock, out, images)
    sandbox.build_world()
    bot, runner = await start_bot(fd, sandbox_settings, db, clock)
    sandbox.bot = bot
    try:
        await bot.tree.sync()
        sandbox.say(
            f"Kindred sandbox: the real bot in a local fake Discord, server "
            f'"{DEMO_SERVER}" (ready in {time.monotonic() - started:.1f} s).'
        )
        sandbox.say("Type :help for the verbs, /kindred help to start. You are Olu, an organizer.")
        if script:
            lines = await asyncio.to_thread(Path(script).read_text, encoding="utf-8")
            for line in lines.splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    sandbox.say(f"{sandbox.current}> {line.strip()}")
                if not await sandbox.handle(line):
                    break
        else:
            async for line in _read_lines(lambda: f"{sandbox.current}> "):
                if not await sandbox.handle(line):
                    break
        if runner.done():
            runner.result()
        return 0
    finally:
        await stop_bot(bot, runner)
        await fd.stop()
