"""fakediscord: Discord's REST API and gateway on 127.0.0.1 for the real discord.py.

See docs/ARCHITECTURE.md ("fakediscord") and FakeDiscord's docstrings.
"""

from fakediscord.client import point_discord_py_at, start_client, stop_client
from fakediscord.interactions import Interaction, InteractionTimeout
from fakediscord.models import (
    Attachment,
    Channel,
    FileUpload,
    Guild,
    Member,
    Message,
    RecordedRequest,
    Role,
    User,
)
from fakediscord.server import FakeDiscord

__all__ = [
    "Attachment",
    "Channel",
    "FakeDiscord",
    "FileUpload",
    "Guild",
    "Interaction",
    "InteractionTimeout",
    "Member",
    "Message",
    "RecordedRequest",
    "Role",
    "User",
    "point_discord_py_at",
    "start_client",
    "stop_client",
]
