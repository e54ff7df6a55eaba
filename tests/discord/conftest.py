"""Fixtures for the Discord tests: a fake Discord, the real discord.py adapter, and a runner driver."""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.discord.adapter import DiscordAdapter
from tests.discord.fake_discord import FakeDiscord, buttons

CLIENT_OPTIONS = {"guild_ready_timeout": 0.05}


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    server.patch(monkeypatch)
    yield server
    await server.stop()


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"discord_token": SecretStr("fake-discord-token"), **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


StartAdapter = Callable[..., Awaitable[DiscordAdapter]]


@pytest.fixture
async def start_adapter(fake: FakeDiscord, engine: Any) -> AsyncIterator[StartAdapter]:
    """Starts adapters against the fake (several allowed: a restart is a second one); stops them all."""
    started: list[DiscordAdapter] = []

    async def start(settings: Settings | None = None, engine_: Any = None, **options: Any) -> DiscordAdapter:
        settings = settings or make_settings(discord_guild_id=int(fake.guild_id))
        adapter = DiscordAdapter(settings, engine_ or engine, client_options=dict(CLIENT_OPTIONS), **options)
        await adapter.start()
        started.append(adapter)
        return adapter

    yield start
    for adapter in reversed(started):
        await adapter.stop()


@pytest.fixture
async def adapter(start_adapter: StartAdapter) -> DiscordAdapter:
    return await start_adapter()


class DmRunner:
    """Chats with the bot in DMs through the fake: type, press a button by label, read the answers."""

    def __init__(self, fake: FakeDiscord, adapter: DiscordAdapter, name: str = "ann") -> None:
        self.fake = fake
        self.adapter = adapter
        self.user = fake.user(name)
        self.channel_id = fake.dm_channel_of(self.user)
        self.seen = 0
        self.last: list[dict[str, Any]] = []

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.fake.messages.get(self.channel_id, [])

    async def _collect(self) -> list[dict[str, Any]]:
        await self.fake.wait_for(lambda: len(self.messages) > self.seen)
        await self.adapter.drained(5)
        self.last = self.messages[self.seen :]
        self.seen = len(self.messages)
        return self.last

    async def say(self, text: str) -> list[dict[str, Any]]:
        await self.fake.dm(self.user, text)
        return await self._collect()

    def custom_id(self, label: str) -> tuple[dict[str, Any], str]:
        for message in reversed(self.last):
            for found, custom_id in buttons(message).items():
                if found.lower() == label.lower():
                    return message, custom_id
        raise AssertionError(f"no button {label!r} in {[list(buttons(m)) for m in self.last]}")

    async def tap(self, label: str) -> list[dict[str, Any]]:
        message, custom_id = self.custom_id(label)
        await self.fake.press(self.user, message, custom_id)
        return await self._collect()

    @property
    def text(self) -> str:
        return "\n".join(m["content"] for m in self.last)


@pytest.fixture
def runner(fake: FakeDiscord, adapter: DiscordAdapter) -> DmRunner:
    return DmRunner(fake, adapter)


async def onboard(runner: DmRunner) -> None:
    """Onboards a runner in DMs with typical answers."""
    await runner.say("/start")
    await runner.say("Ann")
    await runner.say("Europe/London")
    await runner.tap("Kilometres")
    await runner.tap("3–4 times")
    await runner.tap("Road / concrete")
    await runner.tap("In the past")
    await runner.tap("Skip")
    await runner.tap("None of these")
