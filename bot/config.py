"""Settings from the environment or a .env file, validated once at start-up.

Secrets are SecretStr so they never show up in a repr or a log line.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ports Telegram posts webhooks to
MIN_WEBHOOK_SECRET = 16  # characters; shorter secrets are guessable


class Settings(BaseSettings):
    """Every setting Backstride reads; see .env.example for what each one does."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: a SQLite file")
    log_level: str = Field(default="INFO", pattern=r"(?i)^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    log_format: str = Field(
        default="text", pattern=r"(?i)^(text|json)$", description="text, or json: one JSON object per line"
    )
    telegram_token: SecretStr | None = None
    discord_token: SecretStr | None = None
    telegram_api_url: str | None = Field(
        default=None, description="Bot API server (self-hosted telegram-bot-api); default: Telegram's own"
    )
    telegram_webhook_url: str | None = Field(
        default=None, description="public https URL Telegram posts updates to; unset: long polling"
    )
    telegram_webhook_listen: str = Field(default="0.0.0.0", description="address the webhook server listens on")
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535, description="port the webhook server listens on")
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, description="X-Telegram-Bot-Api-Secret-Token value; default: a random one per start"
    )
    health_port: int | None = Field(
        default=None, ge=1, le=65535,
        description="port for GET /healthz (200 when the database answers, else 503); default 8080 in webhook mode",
    )  # fmt: skip
    health_listen: str = Field(default="0.0.0.0", description="address the health endpoint listens on")
    discord_guild_id: int | None = Field(
        default=None, gt=0, description="Discord server id: sync slash commands there only (instant; for development)"
    )
    discord_club_role: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Discord role (id or exact name) that may change /clubrun besides members with Manage Server",
    )

    @field_validator("telegram_api_url", "telegram_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """Accepts an http(s) URL with a host; empty means unset."""
        if value is None or not value.strip():
            return None
        parsed = urlparse(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("must be an http:// or https:// URL with a host, e.g. https://bot.example.org/telegram")
        return value.strip().rstrip("/")

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_telegram_can_reach(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Telegram posts webhooks over https to ports 443, 80, 88 or 8443 only (a self-hosted
        Bot API server, TELEGRAM_API_URL, may post anywhere)."""
        if value is None or info.data.get("telegram_api_url"):
            return value
        parsed = urlparse(value)
        try:
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
        except ValueError:
            port = -1
        if parsed.scheme != "https" or port not in WEBHOOK_PORTS:
            ports = ", ".join(str(p) for p in WEBHOOK_PORTS)
            raise ValueError(
                f"TELEGRAM_WEBHOOK_URL must be an https:// URL on port {ports} (Telegram posts nowhere else), "
                f"e.g. https://bot.example.org/telegram; got {parsed.scheme}:// on port {port}"
            )
        return value

    @field_validator("telegram_webhook_listen", "health_listen")
    @classmethod
    def _ip_address(cls, value: str) -> str:
        """Accepts an IPv4 or IPv6 address to listen on."""
        try:
            ipaddress.ip_address(value.strip())
        except ValueError:
            raise ValueError("must be an IP address such as 0.0.0.0 or 127.0.0.1") from None
        return value.strip()

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        """Accepts what Telegram allows in a secret token (A-Z a-z 0-9 _ -, up to 256), at least 16 long."""
        if value is None or not value.get_secret_value():
            return None
        if not re.fullmatch(rf"[A-Za-z0-9_-]{{{MIN_WEBHOOK_SECRET},256}}", value.get_secret_value()):
            raise ValueError(
                f"must be {MIN_WEBHOOK_SECRET}-256 characters from A-Z, a-z, 0-9, _ and - "
                "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))'), or unset for a random one"
            )
        return value


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


def load_settings() -> Settings:
    """Reads and validates the settings, naming any bad one in plain words."""
    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for item in error.errors():
            name = ".".join(str(part) for part in item["loc"]).upper()
            message = item["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}" if name else message)
        raise SettingsError("Bad setting(s): " + "; ".join(problems)) from None
