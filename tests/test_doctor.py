"""`backstride doctor`: plain words about what is wrong, a non-zero exit, and never a token."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlmodel import SQLModel

from bot import cli
from bot.config import Settings
from bot.doctor import FAIL, OK, SKIP, report, run_checks
from storage.database import connect
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

WRONG_TOKEN = "987654321:AAWrongTokenWrongTokenWrongToken-123"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # away from any .env
    for name in ("DATABASE_URL", "TELEGRAM_TOKEN", "DISCORD_TOKEN", "TELEGRAM_API_URL", "LOG_LEVEL", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_tokens_and_a_bad_database_url(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("DATABASE_URL", "postgres-ish://nowhere")
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert f"{FAIL}  database: DATABASE_URL is not a database URL" in out
    assert "TELEGRAM_TOKEN not set" in out and "DISCORD_TOKEN not set" in out
    assert "1 problem(s) found." in out


@pytest.mark.parametrize("password", ["s3cret-pass", "connect"])  # "connect": also a word in the report itself
def test_an_unreachable_database_is_named_without_its_password(
    password: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("DATABASE_URL", f"postgresql+psycopg://coach:{password}@127.0.0.1:{_closed_port()}/backstride")
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "cannot connect to postgresql+psycopg://coach:***@127.0.0.1" in out  # masked in the URL only
    assert f":{password}@" not in out and "<redacted>" not in out


def test_a_short_webhook_secret_and_a_url_telegram_cannot_post_to_are_named(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("TELEGRAM_WEBHOOK_SECRET", "short-secret")
    env.setenv("TELEGRAM_WEBHOOK_URL", "http://bot.example.org:1234/telegram")
    assert cli.main(["doctor"]) == 2
    out = capsys.readouterr().out
    assert "TELEGRAM_WEBHOOK_SECRET: must be 16-256 characters" in out
    assert "TELEGRAM_WEBHOOK_URL must be an https:// URL on port 443, 80, 88, 8443" in out
    assert "short-secret" not in out


def test_a_webhook_url_on_an_allowed_port_passes() -> None:
    for url in ("https://bot.example.org/telegram", "https://bot.example.org:8443/t", "https://1.2.3.4:88/t"):
        assert Settings(_env_file=None, telegram_webhook_url=url).telegram_webhook_url == url
    local = Settings(_env_file=None, telegram_api_url="http://127.0.0.1:8081", telegram_webhook_url="http://10.0.0.5:9000/t")
    assert local.telegram_webhook_url  # a self-hosted Bot API server may post anywhere


def test_a_bad_setting_is_named(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("LOG_FORMAT", "xml")
    assert cli.main(["doctor"]) == 2
    assert "LOG_FORMAT" in capsys.readouterr().out


def test_an_up_to_date_database_and_an_old_one(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["doctor"]) == 0
    assert f"{OK}    database: sqlite:///{tmp_path / 'new.db'}: schema up to date" in capsys.readouterr().out
    old = connect(f"sqlite:///{tmp_path / 'old.db'}")
    SQLModel.metadata.create_all(old)
    old.dispose()
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'old.db'}")
    assert cli.main(["doctor"]) == 1
    assert "run `backstride db upgrade`" in capsys.readouterr().out


async def test_telegram_tokens_are_checked_with_getme_and_never_printed(tmp_path: Path) -> None:
    api = FakeBotApi()
    await api.start()
    try:
        database = f"sqlite:///{tmp_path / 'd.db'}"
        good = Settings(_env_file=None, database_url=database, telegram_token=TOKEN, telegram_api_url=api.url)
        bad = Settings(_env_file=None, database_url=database, telegram_token=WRONG_TOKEN, telegram_api_url=api.url)
        [_, telegram_ok, discord_off] = await run_checks(good)
        [_, telegram_bad, _] = await run_checks(bad)
    finally:
        await api.stop()
    assert (telegram_ok.status, discord_off.status) == (OK, SKIP)
    assert "accepted: the bot is @backstride_test_bot" in telegram_ok.detail
    assert telegram_bad.status == FAIL and "refused TELEGRAM_TOKEN" in telegram_bad.detail
    printed = []

    class Out:
        def write(self, text: str) -> None:
            printed.append(text)

    report([telegram_ok, telegram_bad], Out(), [TOKEN, WRONG_TOKEN])  # type: ignore[arg-type]
    assert TOKEN not in "".join(printed) and WRONG_TOKEN not in "".join(printed)


async def test_an_unreachable_telegram_and_discord_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import discord.http

    port = _closed_port()
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    settings = Settings(
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'd.db'}", telegram_token=WRONG_TOKEN,
        telegram_api_url=f"http://127.0.0.1:{port}", discord_token=SecretStr("discord-token-value-xyz"),
    )
    [_, telegram, discord_] = await run_checks(settings)
    assert telegram.status == FAIL and "could not reach http://127.0.0.1" in telegram.detail
    assert discord_.status == FAIL and "could not reach Discord" in discord_.detail
    assert WRONG_TOKEN not in telegram.detail and "discord-token-value-xyz" not in discord_.detail


async def test_a_discord_token_is_checked_by_logging_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.discord.fake_discord import FakeDiscord

    fake = FakeDiscord()
    await fake.start()
    fake.patch(monkeypatch)
    try:
        settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'd.db'}",
                            discord_token=SecretStr("fake-discord-token"))
        [_, telegram, discord_] = await run_checks(settings)
    finally:
        await fake.stop()
    assert telegram.status == SKIP
    assert discord_.status == OK and "DISCORD_TOKEN accepted" in discord_.detail
