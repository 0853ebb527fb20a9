"""Logging that can never print the bot token (httpx logs full request URLs, token included)."""

from __future__ import annotations

import logging
import sys
from urllib.parse import quote

REDACTED = "[token redacted]"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes every spelling of the secrets, tracebacks included."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        spellings = {s for secret in secrets if secret for s in (secret, quote(secret, safe=""))}
        self.secrets = sorted(spellings, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                            secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # One line per HTTP request is noise at INFO, and each line carries the token in its URL.
    # fontTools writes about 100 INFO lines per /summary PDF (subsetting its fonts).
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic", "fontTools", "fpdf",
                  "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
