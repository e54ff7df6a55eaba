"""Running it: settings validation, `serve()` with Telegram, and per-runner ordering under load."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import serve
from bot.config import SettingsError, load_settings
from tests.telegram.conftest import Runner, make_settings
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.hooks import handled


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_API_URL", "not a url"),
        ("TELEGRAM_WEBHOOK_URL", "ftp://example.org/hook"),
        ("TELEGRAM_WEBHOOK_LISTEN", "localhost:80"),
        ("TELEGRAM_WEBHOOK_PORT", "70000"),
        ("TELEGRAM_WEBHOOK_SECRET", "has spaces!"),
    ],
)
def test_a_malformed_telegram_setting_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path, name: str, value: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert name in str(error.value)
    if name == "TELEGRAM_WEBHOOK_SECRET":
        assert value not in str(error.value)


async def test_serve_runs_telegram_and_shuts_down_cleanly(api: FakeBotApi, db_url: str) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(serve(make_settings(api, db_url), stop))
    await api.wait_for(lambda: bool(api.calls_of("getUpdates")))
    await api.say(501, "/start")
    await api.wait_for(lambda: bool(api.sent(501)))
    stop.set()
    await asyncio.wait_for(task, 10)
    assert "not a clinician" in api.sent(501)[0].text


async def test_a_burst_from_one_runner_is_answered_in_order(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    others = [Runner(api, adapter, user_id=700 + i) for i in range(5)]
    done = handled(adapter)
    count = done.count
    for text in ("/start", "Ann", "Europe/London"):
        await api.say(ann.user_id, text)
        for other in others:
            await api.say(other.user_id, "/help")
    await api.wait_for(lambda: done.count >= count + 18)
    texts = [c.text for c in api.sent(ann.chat_id)]
    assert "What should I call you?" in texts[1]
    assert "time zone" in texts[2]
    assert "km or miles" in texts[3].lower() or "units" in texts[3].lower() or "miles" in texts[3].lower()
