"""`backstride run` and `chat` stop with one plain line, not a traceback, when start-up cannot go on."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from tests.telegram.conftest import free_port
from tests.telegram.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[1]
WRONG_TOKEN = "987654321:AAWrongTokenWrongTokenWrongToken-123"
SETTINGS = ("DATABASE_URL", "TELEGRAM_TOKEN", "DISCORD_TOKEN", "TELEGRAM_API_URL", "TELEGRAM_WEBHOOK_URL",
            "TELEGRAM_WEBHOOK_SECRET", "LOG_LEVEL", "LOG_FORMAT", "HEALTH_PORT")  # fmt: skip


async def backstride(tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    """Runs the real CLI in a fresh process (away from any .env); returns its exit status and stderr."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    clean.update(env, PYTHONPATH=str(ROOT), HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=tmp_path, env=clean, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), 90)
    return process.returncode or 0, err.decode()


def one_line(stderr: str) -> str:
    """The message for the person starting the bot: stderr without its INFO log lines (LOG_LEVEL)."""
    assert "Traceback" not in stderr, stderr
    logged = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO) ")
    lines = [line for line in stderr.splitlines() if line.strip() and not logged.match(line)]
    assert 1 <= len(lines) <= 2, stderr  # the problem, and at most a pointer to `backstride doctor`
    return lines[0]


@pytest.mark.parametrize("command", ["run", "chat"])
async def test_a_bad_database_url(tmp_path: Path, command: str) -> None:
    status, err = await backstride(tmp_path, command, DATABASE_URL="postgres-ish://nowhere", TELEGRAM_TOKEN=WRONG_TOKEN)
    assert status == 2
    assert "DATABASE_URL is not a database URL Backstride can use" in one_line(err)


@pytest.mark.parametrize("command", ["run", "chat"])
async def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path, command: str) -> None:
    url = f"postgresql+psycopg://coach:pw-never-shown@127.0.0.1:{free_port()}/backstride"
    status, err = await backstride(tmp_path, command, DATABASE_URL=url, TELEGRAM_TOKEN=WRONG_TOKEN)
    assert status == 2
    line = one_line(err)
    assert "cannot connect to postgresql+psycopg://coach:***@127.0.0.1" in line and "pw-never-shown" not in err


async def test_a_rejected_token(tmp_path: Path) -> None:
    async with FakeBotApi() as api:
        status, err = await backstride(tmp_path, "run", DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}",
                                       TELEGRAM_TOKEN=WRONG_TOKEN, TELEGRAM_API_URL=api.url)  # fmt: skip
    assert status == 2
    assert "refused TELEGRAM_TOKEN (unauthorized)" in one_line(err) and WRONG_TOKEN not in err


async def test_an_unreachable_network(tmp_path: Path) -> None:
    status, err = await backstride(tmp_path, "run", DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}",
                                   TELEGRAM_TOKEN=WRONG_TOKEN, TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}")  # fmt: skip
    assert status == 2
    assert "could not reach http://127.0.0.1:" in one_line(err) and "to check TELEGRAM_TOKEN" in err
