"""Benchmark: full check-in turns through the Telegram adapter vs a bare python-telegram-bot echo bot.

Both bots run against the same local fake Bot API (tests/telegram/fake_bot_api.py)
in one process. M runners each drive a closed loop: send an update, wait until
the bot has finished that turn (replies sent), read the reply's keyboard, send
the next. Backstride runners do whole check-ins (a free-text run report, then
button taps to the advice); echo runners send text. Reports updates/s and
p50/p99 turn latency for each bot and the ratio (target >= 0.7x).

    .venv/bin/python bench/telegram_bench.py [--updates 3000] [--runners 300]

The rate limiter is left out (at its defaults it caps sends at 30/s); everything
else is the production adapter, on a SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update  # noqa: E402
from telegram.ext import Application, ContextTypes, MessageHandler, filters  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.telegram.adapter import TelegramAdapter  # noqa: E402
from bot.telegram.request import AiohttpRequest  # noqa: E402
from dialogs.engine import Engine  # noqa: E402
from dialogs.messages import Address, Incoming  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.repository import SqlStore  # noqa: E402
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi  # noqa: E402

logger = logging.getLogger(__name__)

REPORT = "ran 8 km in 45 min on concrete, lower back aching 4/10 since yesterday"
TAPS = ["Easy", "Same", "No", "None of these", "None of these"]
ONBOARDING = ["/start", "Ann", "Europe/London", "Kilometres", "3–4 times", "Road / concrete", "In the past"]


class Turns:
    """Signals the end of each update's turn to the runner waiting for it."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[float]] = {}

    def expect(self, update_id: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[update_id] = future
        return future

    def done(self, update_id: int) -> None:
        future = self.waiting.pop(update_id, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


async def closed_loop(
    runners: int, per_runner: int, step: Callable[[int, int], Awaitable[asyncio.Future[float]]]
) -> tuple[float, list[float]]:
    """Runs `runners` concurrent loops of `per_runner` turns; returns wall time and latencies."""
    latencies: list[float] = []

    async def one(user_id: int) -> None:
        for n in range(per_runner):
            started = time.perf_counter()
            turn = await step(user_id, n)
            finished = await asyncio.wait_for(turn, 30)
            latencies.append(finished - started)

    started = time.perf_counter()
    await asyncio.gather(*(one(10_000 + i) for i in range(runners)))
    return time.perf_counter() - started, latencies


async def deliver_expecting(
    api: FakeBotApi, turns: Turns, make: Callable[[], dict[str, Any]]
) -> asyncio.Future[float]:
    """Delivers an update; returns a future that resolves when the bot has finished its turn."""
    update = make()
    turn = turns.expect(update["update_id"])
    await api.deliver(update)
    return turn


async def run_backstride(api: FakeBotApi, runners: int, per_runner: int, folder: Path) -> tuple[float, list[float]]:
    """Check-in turns through the real adapter and engine on a SQLite file."""
    store = SqlStore(open_database(f"sqlite:///{folder / 'bench.db'}"))
    engine = Engine(store)
    for i in range(runners):  # onboard everyone directly (not measured)
        address = Address("telegram", str(10_000 + i), str(10_000 + i))
        for text in ONBOARDING:
            replies = await engine.handle(Incoming.from_text(address, text))
            for reply in replies:
                for button in reply.flat_buttons:
                    if button.label == text:
                        await engine.handle(Incoming.button(address, button.payload))
    settings = Settings(_env_file=None, telegram_token=TOKEN, telegram_api_url=api.url)
    adapter = TelegramAdapter(settings, engine, store, rate_limit=False, poll_timeout=10)
    turns = Turns()
    adapter.on_handled = turns.done
    await adapter.start()

    async def step(user_id: int, n: int) -> asyncio.Future[float]:
        position = n % (1 + len(TAPS))
        if position == 0:
            return await deliver_expecting(api, turns, lambda: api.new_update(message=api.message(user_id, REPORT)))
        label = TAPS[position - 1]
        message = api.last_keyboard[user_id]
        data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                    if b["text"] == label)
        query = {"id": f"q{user_id}-{n}", "from": api.user(user_id), "chat_instance": "c", "data": data,
                 "message": message}
        return await deliver_expecting(api, turns, lambda: api.new_update(callback_query=query))

    try:
        return await closed_loop(runners, per_runner, step)
    finally:
        await adapter.stop()
        store.engine.dispose()


async def run_echo(api: FakeBotApi, runners: int, per_runner: int, tuned: bool) -> tuple[float, list[float]]:
    """A bare PTB echo bot: default transport and sequential updates, or (tuned) ours and concurrent."""
    turns = Turns()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)
        turns.done(update.update_id)

    builder = Application.builder().token(TOKEN).base_url(f"{api.url}/bot").base_file_url(f"{api.url}/file/bot")
    builder = builder.job_queue(None)
    if tuned:
        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest()).concurrent_updates(True)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=10)
    await app.start()

    async def step(user_id: int, n: int) -> asyncio.Future[float]:
        return await deliver_expecting(api, turns, lambda: api.new_update(message=api.message(user_id, f"hi {n}")))

    try:
        return await closed_loop(runners, per_runner, step)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def summary(name: str, wall: float, latencies: list[float]) -> float:
    rate = len(latencies) / wall
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(f"{name:<40} {len(latencies):>6} updates  {rate:8.1f} updates/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=3000, help="total updates per bot (N)")
    parser.add_argument("--runners", type=int, default=300, help="concurrent runners (M)")
    args = parser.parse_args()
    per_runner = max(1, args.updates // args.runners)
    logging.basicConfig(level=logging.WARNING)
    print(f"{args.runners} runners x {per_runner} turns each, fake Bot API on 127.0.0.1, one process")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, run in (
            ("echo bot (bare PTB defaults)", lambda api: run_echo(api, args.runners, per_runner, tuned=False)),
            ("echo bot (aiohttp, concurrent)", lambda api: run_echo(api, args.runners, per_runner, tuned=True)),
            ("backstride check-in turns", lambda api: run_backstride(api, args.runners, per_runner, Path(folder))),
        ):
            api = FakeBotApi()
            await api.start()
            try:
                wall, latencies = await run(api)
            finally:
                await api.stop()
            results[name] = summary(name, wall, latencies)
    coach = results["backstride check-in turns"]
    print(f"ratio vs bare PTB echo bot:           {coach / results['echo bot (bare PTB defaults)']:.2f}x (target >= 0.7x)")
    print(f"ratio vs aiohttp+concurrent echo bot: {coach / results['echo bot (aiohttp, concurrent)']:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
