"""Logging set-up for the bot, the command line and the sandbox."""

from __future__ import annotations

import logging
from pathlib import Path

# What Alembic says at INFO on every start even with nothing to migrate.
_ALEMBIC_CHATTER = ("Context impl ", "Will assume ")


def _not_alembic_chatter(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith(_ALEMBIC_CHATTER)


def configure_logging(level: str, *, to: Path | None = None) -> None:
    """Log at `level` to stderr, or to the file `to` (the sandbox keeps its prompt clear)."""
    handler: logging.Handler = (
        logging.FileHandler(to, encoding="utf-8") if to is not None else logging.StreamHandler()
    )
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
    # The migrations it runs stay in the log; the two lines naming its SQL dialect don't.
    migration = logging.getLogger("alembic.runtime.migration")
    if _not_alembic_chatter not in migration.filters:
        migration.addFilter(_not_alembic_chatter)
