"""Logging set-up: plain text or JSON lines (LOG_FORMAT=json), and no secret in any record.

`RedactSecrets` sits on the root handler, so every record that reaches the
output, from our code or a library, has each configured secret (bot tokens,
the webhook secret, the database password) replaced, in the message, its
arguments and any traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

logger = logging.getLogger(__name__)

MASK = "<redacted>"
NOISY = ("httpx", "httpcore", "apscheduler.executors.default")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class RedactSecrets(logging.Filter):
    """Replaces each secret with <redacted> in a record's message, traceback and `extra=` fields."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole; very short values
        # would mask ordinary words.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  a broken format string: logging reports it itself
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            # Format the traceback now so it can be cleaned; formatters then use exc_text.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(record.__dict__.items()):  # extra= fields (JSON logs print them)
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


def update_fields(platform: str, update_id: object, user_id: object = None, **more: object) -> dict[str, object]:
    """The `extra=` fields of a per-update log line: ids and kinds only, never what the runner wrote.

    `runner_id` is "<platform>:<platform user id>", the runner's key in the database
    (runner.platform, runner.user_id); JSON logs (LOG_FORMAT=json) print every field.
    """
    fields: dict[str, object] = {"platform": platform, "update_id": update_id}
    if user_id is not None:
        fields["runner_id"] = f"{platform}:{user_id}"
    fields.update({key: value for key, value in more.items() if value is not None})
    return fields


def settings_secrets(settings: object) -> list[str]:
    """Every secret value a Settings holds: SecretStr fields and the database URL's password."""
    from pydantic import SecretStr
    from sqlalchemy.engine import make_url

    values: list[str] = []
    for name in type(settings).model_fields:  # type: ignore[attr-defined]
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            values.append(value.get_secret_value())
    url = getattr(settings, "database_url", None)
    if url:
        try:
            password = make_url(url).password
        except Exception:  # noqa: BLE001  a malformed URL is reported elsewhere
            password = None
        if password:
            values.append(str(password))
    return values


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )


def setup_logging(
    level: str = "INFO",
    fmt: str = "text",
    secrets: Iterable[str | None] = (),
    stream: TextIO | None = None,
    force: bool = False,
) -> logging.Handler | None:
    """Sends every log record to stderr (or `stream`) as text or JSON lines, secrets masked.

    Like logging.basicConfig, it leaves handlers someone else installed on the root logger
    (a test runner's) in place unless `force`, and only adds the secret filter to them.
    """
    root = logging.getLogger()
    root.setLevel(level.upper())
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    redact = RedactSecrets(secrets)
    foreign = [h for h in root.handlers if not getattr(h, "backstride", False)]
    if foreign and not force:
        for handler in foreign:
            handler.addFilter(redact)
        return None
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.backstride = True  # type: ignore[attr-defined]
    handler.setFormatter(json_formatter() if fmt.lower() == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(redact)
    root.addHandler(handler)
    return handler
