"""Logging set-up and the one place that keeps secrets and health data out of every log record.

- Secrets: `protect(secret, ...)` registers a value (bot token, webhook secret,
  the random per-start webhook secret); from then on every record created by any
  logger has it replaced with <redacted>, in its message and traceback, whether or
  not `setup_logging` ran (tests, library use). A password inside any URL
  (`scheme://user:password@host`) is always masked, and only there, so a short
  database password never garbles ordinary words.
- Health data: libraries that log what runners sent (python-telegram-bot's
  "Processing update ..." and API call parameters, its webhook body, discord.py's
  gateway events, gpxpy's dump of an unparseable file) have their content-bearing
  arguments replaced by a summary (ids, kinds, sizes) when the record is created.
- Output: plain text or JSON lines (LOG_FORMAT=json); `RedactSecrets` on the
  handler also cleans `extra=` fields, which are attached after a record is made.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

logger = logging.getLogger(__name__)

MASK = "<redacted>"
MIN_SECRET = 8  # shorter values would mask ordinary words; settings refuse short secrets
NOISY = ("httpx", "httpcore", "apscheduler.executors.default", "alembic.runtime.plugins")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTENT_LOGGERS = ("telegram", "discord", "gpxpy", "fitdecode", "fit_tool", "tornado")  # may log what runners sent
SHORT_TEXT = 64  # a library's string argument longer than this is summarised, never logged

_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)(?P<password>(?!\*\*\*@)[^\s@/]+)(?P<tail>@)")  # *** : already hidden
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class _Secrets:
    """The registered secrets, longest first (a secret that contains another is masked whole)."""

    def __init__(self) -> None:
        self._values: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def add(self, values: Iterable[str | None]) -> None:
        with self._lock:
            merged = set(self._values) | {v for v in values if v and len(v) >= MIN_SECRET}
            self._values = tuple(sorted(merged, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._values:
            if secret in text:
                text = text.replace(secret, MASK)
        if "://" in text:
            text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['tail']}", text)
        return text


_SECRETS = _Secrets()


def redact(text: str) -> str:
    """Returns the text with every registered secret and any URL's password masked."""
    return _SECRETS.redact(text)


def _summary(value: Any) -> Any:
    """A library log argument as ids, kinds and sizes only; short scalars stay as they are."""
    update_id = getattr(value, "update_id", None)
    if isinstance(update_id, int):
        kinds = [k for k in ("message", "callback_query", "my_chat_member", "chat_member", "edited_message")
                 if getattr(value, k, None) is not None]  # fmt: skip
        return f"<update {update_id} {'/'.join(kinds) or 'other'}>"
    if isinstance(value, Mapping):
        return f"<{', '.join(str(k) for k in list(value)[:12])}>"
    if isinstance(value, (list, tuple, set, frozenset)):
        return f"<{len(value)} item(s)>"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if isinstance(value, str):
        return value if len(value) <= SHORT_TEXT and "\n" not in value else f"<{len(value)} characters>"
    if value is None or isinstance(value, (bool, int, float, BaseException)):
        return value
    if hasattr(value, "to_dict") or hasattr(value, "__dict__"):
        return f"<{type(value).__name__}>"
    return value


def _is_content_logger(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in CONTENT_LOGGERS)


def _clean(record: logging.LogRecord) -> logging.LogRecord:
    """Summarises a content logger's arguments, then masks secrets in the message and traceback."""
    if record.args and _is_content_logger(record.name):
        args = record.args
        if isinstance(args, Mapping):
            record.args = {key: _summary(value) for key, value in args.items()}
        else:
            record.args = tuple(_summary(value) for value in args)
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001  a broken format string: logging reports it itself
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        trace = logging.Formatter().formatException(record.exc_info)
        if redact(trace) != trace:
            record.exc_text, record.exc_info = redact(trace), None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def _factory(previous: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _clean(previous(*args, **kwargs))

    make.backstride_cleaning = True  # type: ignore[attr-defined]
    return make


def install() -> None:
    """Cleans every log record from now on (idempotent): secrets masked, library content summarised."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "backstride_cleaning", False):
        logging.setLogRecordFactory(_factory(current))


def protect(*secrets: str | None) -> None:
    """Registers secrets to mask in every later log record, and installs the cleaning."""
    _SECRETS.add(secrets)
    install()


class RedactSecrets(logging.Filter):
    """On a handler: masks secrets in `extra=` fields too (set after a record is created), and in
    records made before `install()`."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        protect(*secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        _clean(record)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(record.__dict__.items()):  # extra= fields (JSON logs print them)
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
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
    """Every secret value a Settings holds (its SecretStr fields). The database password is masked
    wherever a URL carries it, without being listed here."""
    from pydantic import SecretStr

    values: list[str] = []
    for name in type(settings).model_fields:  # type: ignore[attr-defined]
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            values.append(value.get_secret_value())
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
    redacting = RedactSecrets(secrets)
    foreign = [h for h in root.handlers if not getattr(h, "backstride", False)]
    if foreign and not force:
        for handler in foreign:
            handler.addFilter(redacting)
        return None
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.backstride = True  # type: ignore[attr-defined]
    handler.setFormatter(json_formatter() if fmt.lower() == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(redacting)
    root.addHandler(handler)
    return handler
