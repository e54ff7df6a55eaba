"""Keeps secrets (the bot token, the webhook secret) out of every log record.

python-telegram-bot logs its request URLs at DEBUG ("Set Bot API URL: .../bot<token>"),
and the URL holds the token. A log-record factory replaces any registered
secret in the formatted message before any handler sees it, whichever logger
wrote it.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

MASK = "<redacted>"
_secrets: set[str] = set()


def _redacting(previous: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for logging to report
            return record
        if any(secret in message for secret in _secrets):
            for secret in _secrets:
                message = message.replace(secret, MASK)
            record.msg, record.args = message, None
        return record

    factory.backstride_redacting = True  # type: ignore[attr-defined]
    return factory


def protect(*secrets: str | None) -> None:
    """Registers secrets to mask in every later log record (installs the factory once)."""
    for secret in secrets:
        if secret and len(secret) >= 8:
            _secrets.add(secret)
    current = logging.getLogRecordFactory()
    if not getattr(current, "backstride_redacting", False):
        logging.setLogRecordFactory(_redacting(current))
