"""`backstride run` with both tokens: one process, one engine, one database, two platforms."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import pytest
from pydantic import SecretStr

from bot.app import serve
from dialogs.messages import Address
from storage.database import open_database
from storage.repository import SqlStore
from tests.discord.fake_discord import FakeDiscord
from tests.telegram.conftest import make_settings
from tests.telegram.fake_bot_api import FakeBotApi


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def discord_fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    fake.patch(monkeypatch)
    yield fake
    await fake.stop()


async def test_one_process_serves_telegram_and_discord_from_one_database(
    telegram_api: FakeBotApi, discord_fake: FakeDiscord, db_url: str
) -> None:
    settings = make_settings(
        telegram_api, db_url, discord_token=SecretStr("fake-discord-token"), discord_guild_id=int(discord_fake.guild_id)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    try:
        await telegram_api.wait_for(lambda: bool(telegram_api.calls_of("getUpdates")), timeout=20)
        await discord_fake.wait_for(lambda: discord_fake.identify and discord_fake.commands, timeout=20)

        await telegram_api.say(501, "/start")
        lou = discord_fake.user("lou")
        channel_id = await discord_fake.dm(lou, "/start")
        await telegram_api.wait_for(lambda: bool(telegram_api.sent(501)))
        await discord_fake.wait_for(lambda: discord_fake.messages.get(channel_id))
        assert "not a clinician" in telegram_api.sent(501)[0].text
        assert "not a clinician" in discord_fake.messages[channel_id][0]["content"]
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)

    store = SqlStore(open_database(db_url))
    assert store.load(Address("telegram", "501", "501")).conversation.state == "onboarding:name"
    assert store.load(Address("discord", channel_id, lou["id"])).conversation.state == "onboarding:name"
