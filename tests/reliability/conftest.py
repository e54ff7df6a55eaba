"""Shared pieces of the reliability suite: the Telegram fixtures, a concurrent-safe runner driver,
and helpers to put due reminders in the database.

The Telegram fixtures (`api`, `make_adapter`) are the ones tests/telegram uses; importing them
here makes them available to this folder too.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from sqlmodel import Session

from bot.telegram.adapter import TelegramAdapter
from dialogs.messages import Address
from dialogs.models import Profile
from dialogs.ports import Change, Conversation
from storage.tables import Reminder
from storage.repository import SqlStore
from tests.telegram.conftest import api, make_adapter  # noqa: F401  (fixtures)
from tests.telegram.fake_bot_api import Call, FakeBotApi
from tests.telegram.hooks import handled

logger = logging.getLogger(__name__)

SENDS = ("sendMessage", "sendPhoto", "sendDocument", "editMessageText")  # an answered question is edited into the next


class UpdateWaiter:
    """Tells when the adapter has fully processed a given update (engine ran, replies sent).

    Unlike tests/telegram's Runner, which counts processed updates globally, this waits for
    one update id, so several runners can talk at the same time.
    """

    def __init__(self, adapter: TelegramAdapter) -> None:
        self._done: set[int] = set()
        self._changed = asyncio.Event()
        handled(adapter).listeners.append(self._handled)

    def _handled(self, update_id: int) -> None:
        self._done.add(update_id)
        self._changed.set()

    async def wait(self, update_id: int, timeout: float = 60.0) -> None:
        async def until_done() -> None:
            while update_id not in self._done:
                self._changed.clear()
                if update_id in self._done:
                    return
                await self._changed.wait()

        await asyncio.wait_for(until_done(), timeout)


class Talker:
    """One Telegram runner in a private chat; `say` and `tap` return once the bot has answered."""

    def __init__(self, api: FakeBotApi, waiter: UpdateWaiter, user_id: int) -> None:
        self.api = api
        self.waiter = waiter
        self.user_id = user_id

    async def _turn(self, deliver: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        update = await deliver()
        await self.waiter.wait(update["update_id"])

    async def say(self, text: str) -> None:
        await self._turn(lambda: self.api.say(self.user_id, text))

    async def tap(self, label: str) -> None:
        await self._turn(lambda: self.api.press_button(self.user_id, label))

    async def run(self, script: list[tuple[str, str]]) -> None:
        for action, value in script:
            await (self.say(value) if action == "say" else self.tap(value))

    def delivered(self) -> list[Call]:
        """The messages that reached this runner (failed attempts are not counted)."""
        return [c for c in self.api.calls if c.method in SENDS and c.chat_id == self.user_id and c.result is not None]


def telegram_address(user_id: int) -> Address:
    return Address("telegram", str(user_id), str(user_id))


def add_runner(store: SqlStore, address: Address, name: str = "Runner") -> int:
    """Stores an onboarded runner (UTC, default quiet hours) and returns their runner id."""
    store.save(address, Change(conversation=Conversation(), profile=Profile(name=name, onboarded=True)))
    from sqlmodel import select

    from storage.tables import Runner

    with Session(store.engine) as session:
        runner = session.exec(
            select(Runner).where(Runner.platform == address.platform, Runner.user_id == address.user_id)
        ).one()
        return int(runner.id)  # type: ignore[arg-type]


def add_due_followups(store: SqlStore, runner_ids: list[int], due: datetime, state: str = "pending") -> list[int]:
    """Inserts one stage-1 follow-up per runner, due at `due`; returns the reminder ids."""
    with Session(store.engine) as session, session.begin():
        rows = [
            Reminder(runner_id=rid, kind="followup", stage=1, due_at=due, expires_at=due + timedelta(hours=12),
                     state=state, sent_at=due if state == "sent" else None)
            for rid in runner_ids
        ]  # fmt: skip
        session.add_all(rows)
        session.flush()
        return [int(r.id) for r in rows]  # type: ignore[arg-type]


def rows_about(store: SqlStore, runner_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every stored row about one runner: the runner row, and theirs in every table with a runner_id."""
    from sqlmodel import SQLModel, select

    from storage.tables import Runner

    runner = Runner.__table__  # type: ignore[attr-defined]
    with Session(store.engine) as session:
        out = {"runner": [dict(r) for r in session.execute(select(runner).where(runner.c.id == runner_id)).mappings()]}
        for table in SQLModel.metadata.sorted_tables:
            if "runner_id" in table.c:
                query = select(table).where(table.c.runner_id == runner_id).order_by(*table.primary_key.columns)
                out[table.name] = [dict(r) for r in session.execute(query).mappings()]
    return out


def runner_id_of(store: SqlStore, user_id: str) -> int:
    from sqlmodel import select

    from storage.tables import Runner

    with Session(store.engine) as session:
        return int(session.exec(select(Runner.id).where(Runner.user_id == user_id)).one())  # type: ignore[arg-type]


def reminder_id_of(call: Call) -> int | None:
    """Reads which reminder a delivered message was, from its snooze button ("z:<id>:1h")."""
    for button in call.buttons:
        data = str(button.get("callback_data") or "")
        if data.startswith("z:"):
            return int(data.split(":")[1])
    return None
