"""All configuration, read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coaching.shards import parse_shard_list
from coaching.times import InvalidTime, parse_time_of_day
from coaching.timezones import InvalidTimezone, parse_timezone

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """One place for every setting; field names are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    discord_token: SecretStr | None = Field(default=None, alias="DISCORD_TOKEN")
    database_url: str = Field(default="sqlite+aiosqlite:///data/kindred.db", alias="DATABASE_URL")
    dev_guild_id: Annotated[int, Field(gt=0)] | None = Field(default=None, alias="DEV_GUILD_ID")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    discord_api_base: str | None = Field(default=None, alias="DISCORD_API_BASE")
    discord_gateway_url: str | None = Field(default=None, alias="DISCORD_GATEWAY_URL")
    default_timezone: str = Field(default="UTC", alias="DEFAULT_TIMEZONE")
    default_prompt_time: str = Field(default="09:00", alias="DEFAULT_PROMPT_TIME")
    courier_max_per_second: float = Field(
        default=25.0, gt=0, le=1000, alias="COURIER_MAX_PER_SECOND"
    )
    message_content_intent: bool = Field(default=False, alias="MESSAGE_CONTENT_INTENT")
    reflection_catchup_hours: float = Field(
        default=3.0, ge=0, le=48, alias="REFLECTION_CATCHUP_HOURS"
    )
    # Several processes: the Discord shards this one runs (e.g. "0-1") out of SHARD_COUNT.
    # `bot.py run --shards --shard-count` overrides both. Unset: one process runs them all.
    shards: list[int] | None = Field(default=None, alias="SHARDS")
    shard_count: Annotated[int, Field(ge=1)] | None = Field(default=None, alias="SHARD_COUNT")
    instance_name: str = Field(
        default_factory=socket.gethostname, min_length=1, max_length=60, alias="INSTANCE_NAME"
    )

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        # An empty `DISCORD_TOKEN=` line in .env means "not set", not "empty token".
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("dev_guild_id", mode="before")
    @classmethod
    def _blank_guild_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("shards", mode="before")
    @classmethod
    def _shard_list(cls, value: object) -> object:
        if isinstance(value, int):
            return [value]
        if isinstance(value, str):
            if not value.strip():
                return None
            return parse_shard_list(value)
        return value

    @field_validator("shard_count", mode="before")
    @classmethod
    def _blank_count_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("instance_name", mode="before")
    @classmethod
    def _blank_instance_is_host(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return socket.gethostname()
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.strip().upper()
        if upper not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return upper

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", value):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                "(e.g. sqlite+aiosqlite:///data/kindred.db)"
            )
        return value

    @field_validator("discord_api_base", "discord_gateway_url", mode="before")
    @classmethod
    def _url_or_none(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().rstrip("/")
            if not value:
                return None
            if not re.match(r"^(https?|wss?)://", value):
                raise ValueError("must be a URL starting with http://, https://, ws:// or wss://")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        try:
            return parse_timezone(value).key
        except InvalidTimezone as exc:
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)"
            ) from exc

    @field_validator("default_prompt_time")
    @classmethod
    def _valid_time(cls, value: str) -> str:
        try:
            return parse_time_of_day(value).strftime("%H:%M")
        except InvalidTime as exc:
            raise ValueError("must be a time of day like 09:00") from exc

    @property
    def gateway_url(self) -> str | None:
        """The gateway to connect to when pointed at a Discord-compatible API.

        By convention a Discord-compatible API (fakediscord) serves its gateway at `/gateway`
        on the same host, so only DISCORD_API_BASE is needed.
        """
        if self.discord_gateway_url:
            return self.discord_gateway_url
        if not self.discord_api_base:
            return None
        match = re.match(r"^(https?)://([^/]+)", self.discord_api_base)
        if not match:
            return None
        scheme = "wss" if match.group(1) == "https" else "ws"
        return f"{scheme}://{match.group(2)}/gateway"

    def sqlite_path(self) -> Path | None:
        """The database file, when the database is SQLite on disk."""
        prefix = "sqlite+aiosqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        rest = self.database_url[len(prefix) :].split("?", 1)[0]
        if not rest or rest == ":memory:":
            return None
        return Path(rest)


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line per bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{name}: {message}")
        raise ConfigurationError("; ".join(lines)) from None
