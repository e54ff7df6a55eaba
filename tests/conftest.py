"""Shared fixtures: a real engine on a real SQLite file, and a transcript-style chat driver."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import os

import pytest
from hypothesis import settings as hypothesis_settings

from dialogs.engine import Engine
from dialogs.messages import Address, Button, ChatKind, Incoming, Reply
from storage.database import open_database
from storage.repository import SqlStore

# CI replays the same generated examples every run, so a red CI always reproduces;
# local runs keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

pytest_plugins = ["tests.pg"]  # the pg_url fixture: a fresh PostgreSQL schema per test


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Chat:
    """Drives the engine like a runner would: say something, tap a button, read the reply."""

    def __init__(self, engine: Engine, user: str = "ann", chat_kind: ChatKind = ChatKind.PRIVATE, chat_id: str | None = None) -> None:
        self.engine = engine
        self.address = Address("terminal", chat_id or user, user, chat_kind)
        self.replies: list[Reply] = []

    async def say(self, text: str) -> list[Reply]:
        self.replies = await self.engine.handle(Incoming.from_text(self.address, text))
        return self.replies

    async def press(self, payload: str) -> list[Reply]:
        self.replies = await self.engine.handle(Incoming.button(self.address, payload))
        return self.replies

    def button(self, label: str) -> Button:
        for reply in self.replies:
            for button in reply.flat_buttons:
                if button.label.lower() == label.lower():
                    return button
        raise AssertionError(f"no button {label!r} in {[b.label for r in self.replies for b in r.flat_buttons]}")

    async def tap(self, label: str) -> list[Reply]:
        return await self.press(self.button(label).payload)

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def labels(self) -> list[str]:
        return [b.label for r in self.replies for b in r.flat_buttons]

    def state(self) -> str:
        return self.engine.store.load(self.address).conversation.state


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    from tests.pg import all_on_postgres

    if all_on_postgres():
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'backstride.db'}"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc))


@pytest.fixture
def store(db_url: str) -> SqlStore:
    return SqlStore(open_database(db_url))


@pytest.fixture
def engine(store: SqlStore, clock: Clock) -> Engine:
    return Engine(store, clock=clock)


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(engine)


async def onboard(chat: Chat, units: str = "Kilometres", back: str = "In the past") -> None:
    """Walks a runner through onboarding with typical answers."""
    await chat.say("/start")
    await chat.say("Ann")
    await chat.say("Europe/London")
    await chat.tap(units)
    await chat.tap("3–4 times")
    await chat.tap("Road / concrete")
    await chat.tap(back)
    await chat.tap("Skip")  # age band
    await chat.tap("None of these")  # health facts
