"""Errors a member may see. No discord import: rules in coaching/ raise these too."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class UserFacingError(Exception):
    """Bad input or a refused action: shown privately to the member, changes nothing.

    `template` names a file under prompts/ (without `.j2`); `context` fills it in.
    """

    def __init__(self, template: str, **context: Any) -> None:
        super().__init__(template)
        self.template = template
        self.context = context

    @classmethod
    def refused(cls, template: str, details: dict[str, Any]) -> UserFacingError:
        """A rule's refusal and its details, instants as epoch seconds (for `| ts`)."""
        return cls(
            template,
            **{
                key: int(value.timestamp()) if isinstance(value, datetime) else value
                for key, value in details.items()
            },
        )


class StartupFailed(Exception):
    """Kindred can't start for a reason the operator can fix; the message says which and what
    to do, in one line (`kindred.startup`; the command line prints it and exits non-zero)."""
