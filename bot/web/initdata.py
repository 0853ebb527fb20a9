"""Telegram Mini App launch data (``initData``), validated exactly as Telegram documents it.

secret = HMAC-SHA256(key="WebAppData", msg=bot_token); the data is genuine when
HMAC-SHA256(key=secret, msg=data_check_string) equals its ``hash``, the data-check string being
every other field, URL-decoded, as sorted ``key=value`` lines joined by "\\n". The runner's
identity is taken from the validated ``user`` field and nowhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(hours=24)
# A little clock skew between Telegram and this server is not an attack.
FUTURE_SLACK = timedelta(minutes=5)
MAX_LENGTH = 4096


class InvalidInitDataError(Exception):
    """Forged, tampered with, expired or malformed; the reason is for the log, not the page."""


@dataclass(frozen=True)
class WebAppUser:
    telegram_id: int
    first_name: str
    language: str | None


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The ``hash`` Telegram would put beside ``fields`` (tests and the --dev sign-in)."""
    return hmac.new(secret_key(bot_token), data_check_string(fields).encode(),
                    hashlib.sha256).hexdigest()


def validate(init_data: str, bot_token: str, now: datetime) -> WebAppUser:
    """The runner the launch data names, or InvalidInitDataError."""
    if not init_data or len(init_data) > MAX_LENGTH:
        raise InvalidInitDataError("missing or too long")
    pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitDataError("a field given twice")
    given = fields.get("hash", "")
    if not hmac.compare_digest(sign(fields, bot_token).encode(), given.encode()):
        raise InvalidInitDataError("bad hash")
    _check_age(fields.get("auth_date", ""), now)
    return _user(fields.get("user", ""))


def _check_age(raw: str, now: datetime) -> None:
    if not raw.isdigit():
        raise InvalidInitDataError("no auth_date")
    age = now.timestamp() - int(raw)
    if age > MAX_AGE.total_seconds() or age < -FUTURE_SLACK.total_seconds():
        raise InvalidInitDataError("expired")


def _user(raw: str) -> WebAppUser:
    try:
        user = json.loads(raw)
    except ValueError:
        raise InvalidInitDataError("user is not JSON") from None
    if not isinstance(user, dict) or type(user.get("id")) is not int or user["id"] < 0:
        raise InvalidInitDataError("no user id")
    name = user.get("first_name")
    language = user.get("language_code")
    return WebAppUser(user["id"], name if isinstance(name, str) else "",
                      language if isinstance(language, str) else None)
