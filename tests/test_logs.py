"""Logs: JSON lines on request, and no configured secret in any record, tracebacks included."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.logs import MASK, settings_secrets, setup_logging

TOKEN = "123456789:AAFakeTokenThatMustNeverBeLogged_xyz"
DISCORD = "MTIzNDU2.discord-token-never-logged.abcdef"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_token_in_a_message_argument_or_traceback_never_reaches_the_output(fmt: str, root_logging: None) -> None:
    settings = Settings(_env_file=None, telegram_token=TOKEN, discord_token=SecretStr(DISCORD),
                        database_url="postgresql+psycopg://coach:db-password-42@db/backstride")
    out = io.StringIO()
    setup_logging("DEBUG", fmt, settings_secrets(settings), stream=out, force=True)
    log = logging.getLogger("bot.telegram.somewhere")  # our code: arguments are kept, secrets masked
    log.debug("Set Bot API URL: https://api.telegram.org/bot" + TOKEN)
    log.info("calling %s/getMe with %s", f"https://api.telegram.org/bot{TOKEN}", {"auth": DISCORD})
    try:
        raise RuntimeError(f"connection to postgresql://coach:db-password-42@db failed for bot{TOKEN}")
    except RuntimeError:
        log.exception("send failed")
    text = out.getvalue()
    for secret in (TOKEN, DISCORD, "db-password-42"):
        assert secret not in text
    assert text.count(MASK) >= 5
    if fmt == "json":
        lines = [json.loads(line) for line in text.splitlines()]
        assert [line["level"] for line in lines] == ["DEBUG", "INFO", "ERROR"]
        assert lines[2]["logger"] == "bot.telegram.somewhere" and "RuntimeError" in lines[2]["exc_info"]


def test_log_format_json_from_the_environment(tmp_path: Path) -> None:
    """The real CLI with LOG_FORMAT=json writes one JSON object per line to stderr, token masked."""
    code = (
        "import logging, sys; from bot.cli import _setup_logging; from bot.config import load_settings;"
        "s = load_settings(); _setup_logging('INFO', s);"
        f"logging.getLogger('bot.x').info('token is %s', {TOKEN!r}, extra={{'update_id': 7, 'runner_id': 3}})"
    )
    env = {**os.environ, "LOG_FORMAT": "json", "TELEGRAM_TOKEN": TOKEN}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    [line] = [json.loads(x) for x in result.stderr.splitlines()]
    assert line["message"] == f"token is {MASK}" and (line["update_id"], line["runner_id"]) == (7, 3)
    assert TOKEN not in result.stderr
