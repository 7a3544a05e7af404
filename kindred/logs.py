"""Logging set-up for the bot, the command line and the sandbox."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's gateway chatter at DEBUG includes payloads with member text.
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
    # Alembic lists its plugins at INFO when it is imported, which the command line does
    # after setting up logging: seven lines of noise at every start.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
