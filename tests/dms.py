"""How every DM Kindred starts on its own tells a member to turn such DMs off: one pattern,
the last line, naming the command (checked in each feature's end-to-end tests)."""

from __future__ import annotations

import re
from typing import Any

TURN_OFF = re.compile(
    r"^-# Rather not get (?P<what>[^?]+)\? `(?P<command>/[^`]+)` in the server"
    r"(?: \(or \*\*(?P<button>[^*]+)\*\* below\))? turns (?:them|it) off\.$"
)


def turn_off_command(message: Any) -> str:
    """The command the DM's last line names to turn such DMs off (fails without one)."""
    last = (message.content or "").rstrip().splitlines()[-1]
    found = TURN_OFF.match(last)
    assert found is not None, f"no turn-off line in the DM: {last!r}"
    return found["command"]
