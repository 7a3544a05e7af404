"""Settings: defaults, and one clear line naming a bad setting."""

from __future__ import annotations

import pytest

from kindred.settings import ConfigurationError, load_settings


@pytest.fixture(autouse=True)
def _no_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Settings read .env from the working directory; tests must not see a developer's file.
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "DATABASE_URL", "LOG_LEVEL", "DEV_GUILD_ID", "DISCORD_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_nothing_but_python() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///data/kindred.db"
    assert settings.discord_token is None
    assert settings.log_level == "INFO"
    assert settings.default_prompt_time == "09:00"


def test_token_is_secret_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token-value")
    settings = load_settings()
    assert "super-secret-token-value" not in repr(settings)
    assert "super-secret-token-value" not in str(settings)
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "super-secret-token-value"


def test_env_file_is_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("LOG_LEVEL=debug\nDEV_GUILD_ID=123\nDISCORD_TOKEN=\n")
    settings = load_settings()
    assert settings.log_level == "DEBUG"
    assert settings.dev_guild_id == 123
    assert settings.discord_token is None  # an empty line means "not set"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://nope"),
        ("LOG_LEVEL", "loud"),
        ("DEV_GUILD_ID", "my-server"),
        ("DISCORD_API_BASE", "localhost:8000"),
        ("DEFAULT_TIMEZONE", "Mars/Base"),
        ("DEFAULT_PROMPT_TIME", "25:00"),
        ("SHARDS", "1-"),
        ("SHARD_COUNT", "0"),
    ],
)
def test_malformed_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name}:")
    assert "\n" not in message


def test_gateway_is_derived_from_api_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_API_BASE", "http://127.0.0.1:8765/api/v10/")
    settings = load_settings()
    assert settings.discord_api_base == "http://127.0.0.1:8765/api/v10"
    assert settings.gateway_url == "ws://127.0.0.1:8765/gateway"


def test_shards_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARDS", "0-1,3")
    monkeypatch.setenv("SHARD_COUNT", "4")
    settings = load_settings()
    assert (settings.shards, settings.shard_count) == ([0, 1, 3], 4)
