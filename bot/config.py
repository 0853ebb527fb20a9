"""Settings from the environment and an optional .env file."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
# What Telegram accepts as a webhook's secret_token.
WEBHOOK_SECRET_PATTERN = r"^[A-Za-z0-9_-]{1,256}$"
_DERIVATION_LABEL = b"hipcoach webhook secret v1"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, repr=False)
    telegram_base_url: str = "https://api.telegram.org"
    database_url: str = "sqlite:///data/hipcoach.db"
    # Kept apart from DATABASE_URL so any password works as it is: it is escaped into the URL
    # here (an "@", "/" or "%" typed into a URL by hand breaks it).
    database_password: SecretStr | None = Field(default=None, repr=False)
    log_level: LogLevel = "INFO"
    # Telegram allows about 30 messages a second per bot; several workers share it.
    reminder_rate: float = Field(default=30.0, gt=0, le=30)
    reminder_tick_seconds: float = Field(default=20.0, ge=1, le=300)
    # How long a claimed reminder stays a worker's; if the worker dies, it is sent after this.
    reminder_lease_seconds: float = Field(default=120.0, ge=4, le=3600)
    # Exercise figures, drawn once and kept here (with Telegram's file_ids for them).
    figure_cache_dir: str = "data/figures"
    # Webhook mode when set (the public https URL Telegram posts to); long polling otherwise.
    webhook_url: str | None = None
    webhook_listen: str = Field(default="0.0.0.0:8080", pattern=r"^([^:]*:)?\d{1,5}$")
    # Telegram sends it back in a header, so only Telegram can post updates to the webhook.
    # Unset: derived from the token (see webhook_secret_value), never left open.
    webhook_secret: SecretStr | None = Field(default=None, repr=False)
    # The Mini App's public https URL (hipcoach web behind it): the chat's menu button opens it.
    webapp_url: str | None = Field(default=None, pattern=r"^https://\S+$")

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("telegram_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("webhook_url", "webhook_secret", "webapp_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_accepts_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(WEBHOOK_SECRET_PATTERN,
                                                  value.get_secret_value()):
            # The message never quotes the secret.
            raise ValueError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ or -")
        return value

    @model_validator(mode="after")
    def _password_into_url(self) -> Settings:
        if self.database_password is None or not self.database_password.get_secret_value():
            return self
        try:
            url = make_url(self.database_url)
        except ArgumentError:
            return self  # reported, without the URL, when the database is connected
        url = url.set(password=self.database_password.get_secret_value())
        self.database_url = url.render_as_string(hide_password=False)
        return self

    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    def webhook_secret_value(self) -> tuple[str, bool]:
        """The secret every webhook post must carry, and whether it was derived from the token.

        Derived (an HMAC of the token) when none is configured, so that every process behind a
        load balancer agrees on it without sharing anything new, and the webhook is never open.
        """
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value(), False
        return derive_webhook_secret(self.token() or ""), True


def derive_webhook_secret(token: str) -> str:
    if not token:
        raise ValueError("a webhook secret cannot be derived without a bot token")
    return hmac.new(token.encode(), _DERIVATION_LABEL, hashlib.sha256).hexdigest()
