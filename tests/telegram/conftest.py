"""Fixtures for the Telegram tests: the fake Bot API, settings pointing at it, and a running adapter."""

from __future__ import annotations

import socket
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest

from bot.config import Settings
from bot.telegram.adapter import TelegramAdapter
from tests.telegram.fake_bot_api import TOKEN, Call, FakeBotApi
from tests.telegram.hooks import handled

AdapterFactory = Callable[..., Awaitable[TelegramAdapter]]
SHOWN = ("sendMessage", "sendPhoto", "sendDocument", "editMessageText")  # calls that show the runner a reply


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


def make_settings(api: FakeBotApi, db_url: str, **extra: Any) -> Settings:
    return Settings(_env_file=None, telegram_token=TOKEN, telegram_api_url=api.url, database_url=db_url, **extra)


@pytest.fixture
async def make_adapter(api: FakeBotApi, db_url: str, engine) -> AsyncIterator[AdapterFactory]:  # type: ignore[no-untyped-def]
    """Builds and starts adapters on the test's engine (or another); stops them all at the end."""
    started: list[TelegramAdapter] = []

    async def factory(engine_=None, **options: Any) -> TelegramAdapter:  # type: ignore[no-untyped-def]
        settings_extra = {k: options.pop(k) for k in list(options) if k.startswith("telegram_")}
        options.setdefault("poll_timeout", 2)
        options.setdefault("retry_backoff", 0.01)
        options.setdefault("pace_chats", False)  # Telegram's 1 message/s per chat: tests/telegram/test_pacing.py
        adapter = TelegramAdapter(make_settings(api, db_url, **settings_extra), engine_ or engine, **options)
        handled(adapter)  # counting from before the first update
        await adapter.start()
        started.append(adapter)
        return adapter

    yield factory
    for adapter in reversed(started):
        await adapter.stop()  # a second stop is harmless


class Runner:
    """A Telegram user talking to the bot through the fake server: say, tap, read what came back."""

    def __init__(self, api: FakeBotApi, adapter: TelegramAdapter, user_id: int = 501, chat_id: int | None = None,
                 kind: str = "private") -> None:
        self.api = api
        self.adapter = adapter
        self.user_id = user_id
        self.chat_id = user_id if chat_id is None else chat_id
        self.kind = kind
        self.last: list[Call] = []

    async def _turn(self, deliver: Callable[[], Awaitable[Any]], updates: int = 1) -> list[Call]:
        done = handled(self.adapter)
        mark, count = len(self.api.calls), done.count
        await deliver()
        await self.api.wait_for(lambda: done.count >= count + updates)
        self.last = [c for c in self.api.calls[mark:] if c.method in SHOWN and c.chat_id == self.chat_id
                     and c.result is not None]
        return self.last

    async def say(self, text: str) -> list[Call]:
        if self.kind == "private":
            return await self._turn(lambda: self.api.say(self.user_id, text))
        return await self._turn(lambda: self.api.say_in_group(self.chat_id, self.user_id, text, kind=self.kind))

    async def tap(self, label: str) -> list[Call]:
        return await self._turn(lambda: self.api.press_button(self.user_id, label, self.chat_id))

    async def press(self, data: str, message: dict[str, Any] | None = None) -> list[Call]:
        return await self._turn(lambda: self.api.press(self.user_id, data, message))

    @property
    def text(self) -> str:
        return "\n".join(c.text for c in self.last)

    @property
    def labels(self) -> list[str]:
        return [b["text"] for c in self.last for b in c.buttons]


async def onboard(runner: Runner) -> None:
    """Walks a Telegram runner through onboarding with typical answers."""
    await runner.say("/start")
    await runner.say("Ann")
    await runner.say("Europe/London")
    await runner.tap("Kilometres")
    await runner.tap("3–4 times")
    await runner.tap("Road / concrete")
    await runner.tap("In the past")
    await runner.tap("Skip")
    await runner.tap("None of these")
