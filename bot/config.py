"""Settings from the environment and an optional .env file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, repr=False)
    telegram_base_url: str = "https://api.telegram.org"
    database_url: str = "sqlite:///data/hipcoach.db"
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
    webhook_secret: SecretStr | None = Field(default=None, repr=False)

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

    @field_validator("webhook_url", "webhook_secret", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None
