"""Benchmark: full check-in turns through the Telegram adapter vs a bare python-telegram-bot echo bot.

Both bots run against the same local fake Bot API (tests/telegram/fake_bot_api.py)
in one process. M runners each drive a closed loop: send an update, wait until
the bot has finished that turn (replies sent), read the reply's keyboard, send
the next. Backstride runners do whole check-ins (a free-text run report, then
button taps to the advice); echo runners send text. Reports updates/s and
p50/p99 turn latency for each bot and the ratio (target >= 0.7x).

    .venv/bin/python bench/telegram_bench.py [--updates 3000] [--runners 300]

Paired mode alternates the two bots A-B-B-A (A: the bare PTB echo bot at PTB's
defaults, B: check-in turns) for several rounds at each runner count, so drift on
a shared machine hits both alike, and prints per round and as min/median/max the
throughput ratio B/A and the CPU-per-update ratio A/B (both: higher is better for
Backstride, 1.0 is parity), plus Bot API calls per update:

    .venv/bin/python bench/telegram_bench.py --paired [--rounds 4] [--runners 60,300] [--updates 3000]

--floor adds C, the protocol floor: a bare PTB bot on the adapter's transport making
the check-in's Bot API calls (a question per text; per tap an answerCallbackQuery
beside an editMessageText; a summary and the advice at the end) with nothing behind
them. A/C is the most any check-in that makes those calls could reach; it runs
A-C-B-B-C-A:

    .venv/bin/python bench/telegram_bench.py --paired --floor [--rounds 4]

--checkin-only runs the check-in bot alone, to profile it (bench/profile_split.py).

CPU is this process's (time.process_time) during the measured loop only, so it
includes the fake Bot API's share for both bots alike.

The rate limiter is left out (at its defaults it caps sends at 30/s); everything
else is the production adapter, on a SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update  # noqa: E402
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters  # noqa: E402

from bot.app import warm_up  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.telegram.adapter import TelegramAdapter  # noqa: E402
from bot.telegram.request import AiohttpRequest  # noqa: E402
from dialogs.engine import Engine  # noqa: E402
from dialogs.messages import Address, Incoming  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.repository import SqlStore  # noqa: E402
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi  # noqa: E402
from tests.telegram.hooks import handled  # noqa: E402

logger = logging.getLogger(__name__)

REPORT = "ran 8 km in 45 min on concrete, lower back aching 4/10 since yesterday"
TAPS = ["Easy", "Same", "No"]  # the report leaves effort, trend, easing; then "No" to each warning-sign group
WARMED: list[bool] = []
LOST = [0]  # taps that found no button: a reply the adapter gave up sending
TURN_TIMEOUT = 180.0  # s; a shared, oversubscribed machine can hold a turn up for a long time
ONBOARDING = ["/start", "Ann", "Europe/London", "Kilometres", "3–4 times", "Road / concrete", "In the past", "Skip",
              "None of these"]


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


@dataclass
class Phase:
    """One measured run of one bot."""

    wall: float
    latencies: list[float]
    cpu: float = 0.0  # process CPU seconds during the loop
    calls: int = 0  # Bot API calls the bot made during the loop
    gc: float = 0.0  # of `cpu`, the seconds Python's cyclic garbage collector ran

    @property
    def gc_ms(self) -> float:
        return self.gc / len(self.latencies) * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall

    @property
    def cpu_ms(self) -> float:
        return self.cpu / len(self.latencies) * 1000

    @property
    def calls_per_update(self) -> float:
        return self.calls / len(self.latencies)


async def closed_loop(
    runners: int, per_runner: int, step: Callable[[int, int], Awaitable[asyncio.Future[float]]],
    api: FakeBotApi | None = None,
) -> Phase:
    """Runs `runners` concurrent loops of `per_runner` turns; returns wall time, latencies, CPU and calls."""
    latencies: list[float] = []

    async def one(user_id: int) -> None:
        for n in range(per_runner):
            started = time.perf_counter()
            turn = await step(user_id, n)
            finished = await asyncio.wait_for(turn, TURN_TIMEOUT)
            latencies.append(finished - started)

    calls = len(api.calls) if api is not None else 0
    collecting = [0.0, 0.0]  # started, total

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[0] = time.process_time()
        else:
            collecting[1] += time.process_time() - collecting[0]

    gc.callbacks.append(timed)
    cpu, started = time.process_time(), time.perf_counter()
    try:
        await asyncio.gather(*(one(10_000 + i) for i in range(runners)))
    finally:
        gc.callbacks.remove(timed)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    measured = [c for c in api.calls[calls:] if c.method != "getUpdates"] if api is not None else []
    return Phase(wall, latencies, cpu, len(measured), collecting[1])


async def deliver_expecting(
    api: FakeBotApi, turns: Turns, make: Callable[[], dict[str, Any]]
) -> asyncio.Future[float]:
    """Delivers an update; returns a future that resolves when the bot has finished its turn."""
    update = make()
    turn = turns.expect(update["update_id"])
    await api.deliver(update)
    return turn


async def run_backstride(api: FakeBotApi, runners: int, per_runner: int, folder: Path) -> Phase:
    """Check-in turns through the real adapter and engine on a SQLite file."""
    store = SqlStore(open_database(f"sqlite:///{folder / f'bench-{time.monotonic_ns()}.db'}"))
    engine = Engine(store)
    if not WARMED:  # once per process, as `backstride run` does before it serves
        warm_up()
        WARMED.append(True)
    for i in range(runners):  # onboard everyone directly (not measured)
        address = Address("telegram", str(10_000 + i), str(10_000 + i))
        for text in ONBOARDING:
            replies = await engine.handle(Incoming.from_text(address, text))
            for reply in replies:
                for button in reply.flat_buttons:
                    if button.label == text:
                        await engine.handle(Incoming.button(address, button.payload))
    settings = Settings(_env_file=None, telegram_token=TOKEN, telegram_api_url=api.url)
    adapter = TelegramAdapter(settings, engine, rate_limit=False, poll_timeout=10)
    turns = Turns()
    handled(adapter).listeners.append(turns.done)
    await adapter.start()

    async def step(user_id: int, n: int) -> asyncio.Future[float]:
        message = api.last_keyboard.get(user_id) or {}
        buttons = {b["text"]: b.get("callback_data") for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                   for b in row}  # fmt: skip
        label = next((t for t in TAPS if t in buttons), None)  # the screen's Yes / No / Not sure included
        data = buttons.get(label) if label else None
        if data is None:  # the advice (or a reply lost to an overloaded machine): the next check-in
            return await deliver_expecting(api, turns, lambda: api.new_update(message=api.message(user_id, REPORT)))
        query = {"id": f"q{user_id}-{n}", "from": api.user(user_id), "chat_instance": "c", "data": data,
                 "message": message}
        return await deliver_expecting(api, turns, lambda: api.new_update(callback_query=query))

    try:
        return await closed_loop(runners, per_runner, step, api)
    finally:
        await adapter.stop()
        store.engine.dispose()


async def run_echo(api: FakeBotApi, runners: int, per_runner: int, tuned: bool) -> Phase:
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

    async def step(user_id: int, n: int) -> asyncio.Future[float]:
        return await deliver_expecting(api, turns, lambda: api.new_update(message=api.message(user_id, f"hi {n}")))

    return await looped(app, runners, per_runner, step, api)


FLOOR_TAPS = 5  # taps per floor check-in: 1 text + 5 taps per 6 updates matches the check-in's calls per update


async def run_floor(api: FakeBotApi, runners: int, per_runner: int) -> Phase:
    """A bare PTB bot making the check-in's Bot API calls with no coach behind them: the protocol's floor.

    Same transport and concurrency as the adapter (AiohttpRequest, concurrent updates).
    A text gets a question with a button (sendMessage); each tap is answered beside the
    edit (answerCallbackQuery), and edits the question into the next one (editMessageText);
    the last tap edits in a summary and sends the advice (sendMessage), as a check-in does.
    """
    turns = Turns()

    async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Easy", callback_data="1")]])
        await update.message.reply_text("How did the effort feel?", reply_markup=markup)
        turns.done(update.update_id)

    async def tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None and isinstance(query.message, Message)
        answered = asyncio.ensure_future(query.answer())
        step = int(query.data)
        if step < FLOOR_TAPS:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(TAPS[step % len(TAPS)], callback_data=str(step + 1))]])
            await query.edit_message_text(f"Question {step + 1}", reply_markup=markup)
        else:
            await query.edit_message_text("Logged: 8 km in 45 min on road, easy effort, pain 4/10.")
            await query.message.reply_text("Advice: keep it easy, and here is why.")
        await answered
        turns.done(update.update_id)

    builder = Application.builder().token(TOKEN).base_url(f"{api.url}/bot").base_file_url(f"{api.url}/file/bot")
    builder = builder.job_queue(None).request(AiohttpRequest()).get_updates_request(AiohttpRequest())
    app = builder.concurrent_updates(True).build()
    app.add_handler(MessageHandler(filters.TEXT, question))
    app.add_handler(CallbackQueryHandler(tap))

    async def step(user_id: int, n: int) -> asyncio.Future[float]:
        message = api.last_keyboard.get(user_id) or {}
        buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if not buttons:
            return await deliver_expecting(api, turns, lambda: api.new_update(message=api.message(user_id, REPORT)))
        query = {"id": f"q{user_id}-{n}", "from": api.user(user_id), "chat_instance": "c",
                 "data": buttons[0]["callback_data"], "message": message}
        return await deliver_expecting(api, turns, lambda: api.new_update(callback_query=query))

    return await looped(app, runners, per_runner, step, api)


async def looped(
    app: Application, runners: int, per_runner: int, step: Callable[[int, int], Awaitable[asyncio.Future[float]]],
    api: FakeBotApi,
) -> Phase:
    """Starts a bare PTB app polling the fake, runs the closed loop against it, and shuts it down."""
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=10)
    await app.start()
    try:
        return await closed_loop(runners, per_runner, step, api)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def summary(name: str, phase: Phase) -> float:
    ordered = sorted(phase.latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(f"{name:<32} {len(ordered):>6} updates {phase.rate:7.1f}/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
          f"CPU {phase.cpu_ms:5.2f} ms/update (GC {phase.gc_ms:4.2f})  {phase.calls_per_update:4.2f} API calls/update")
    return phase.rate


async def measured(run: Callable[[FakeBotApi], Awaitable[Phase]]) -> Phase:
    """Runs one phase against a fresh fake Bot API."""
    api = FakeBotApi()
    await api.start()
    try:
        return await run(api)
    finally:
        await api.stop()


def spread(values: list[float]) -> str:
    return f"min {min(values):.2f}  median {statistics.median(values):.2f}  max {max(values):.2f}"


NAMES = {"A": "echo (PTB defaults)", "B": "check-in turns", "C": "protocol floor"}


async def paired(runner_counts: list[int], rounds: int, updates: int, folder: Path, floor: bool = False) -> None:
    """A-B-B-A rounds (A: bare PTB echo bot, B: check-in turns; C-B-B-C inside with --floor); prints the spread."""
    order = "ACBBCA" if floor else "ABBA"
    for runners in runner_counts:
        per_runner = max(1, updates // runners)
        print(f"\n{runners} runners x {per_runner} turns, {rounds} rounds of {'-'.join(order)}")
        throughput, cpu, calls, floor_cpu, floor_calls = [], [], [], [], []
        for number in range(1, rounds + 1):
            phases: dict[str, list[Phase]] = {"A": [], "B": [], "C": []}
            for kind in order:
                if kind == "A":
                    phase = await measured(lambda api: run_echo(api, runners, per_runner, tuned=False))
                elif kind == "B":
                    phase = await measured(lambda api: run_backstride(api, runners, per_runner, folder))
                else:
                    phase = await measured(lambda api: run_floor(api, runners, per_runner))
                phases[kind].append(phase)
                summary(f"  round {number} {kind} {NAMES[kind]}", phase)
            a, b, c = phases["A"], phases["B"], phases["C"]
            throughput.append(statistics.mean(p.rate for p in b) / statistics.mean(p.rate for p in a))
            cpu.append(statistics.mean(p.cpu_ms for p in a) / statistics.mean(p.cpu_ms for p in b))
            calls.append(statistics.mean(p.calls_per_update for p in b))
            line = f"  round {number}: throughput B/A {throughput[-1]:.2f}x, CPU per update A/B {cpu[-1]:.2f}x"
            if c:
                floor_cpu.append(statistics.mean(p.cpu_ms for p in a) / statistics.mean(p.cpu_ms for p in c))
                floor_calls.append(statistics.mean(p.calls_per_update for p in c))
                line += f", floor A/C {floor_cpu[-1]:.2f}x"
            print(line)
        print(f"{runners} runners: throughput ratio  {spread(throughput)}")
        print(f"{runners} runners: CPU-per-update ratio  {spread(cpu)}  (target >= 0.7x)")
        print(f"{runners} runners: check-in Bot API calls per update  {spread(calls)}")
        if floor_cpu:
            print(f"{runners} runners: protocol floor CPU-per-update ratio  {spread(floor_cpu)}  "
                  f"(the best any check-in making these calls can reach)")
            print(f"{runners} runners: protocol floor Bot API calls per update  {spread(floor_calls)}")
        print(f"{runners} runners: replies the adapter gave up sending (timeouts on an overloaded machine): {LOST[0]}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=3000, help="total updates per bot (N)")
    parser.add_argument("--runners", default=None, help="concurrent runners (M), default 300; --paired: a list, default 60,300")
    parser.add_argument("--paired", action="store_true", help="A-B-B-A rounds against the bare PTB echo bot")
    parser.add_argument("--rounds", type=int, default=4, help="A-B-B-A rounds per runner count (--paired)")
    parser.add_argument("--floor", action="store_true",
                        help="--paired: add C, a bare PTB bot making the check-in's Bot API calls with no coach")
    parser.add_argument("--checkin-only", action="store_true", help="run only the check-in bot (to profile it)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.paired:
        counts = [int(n) for n in (args.runners or "60,300").split(",")]
        with tempfile.TemporaryDirectory() as folder:
            await paired(counts, args.rounds, args.updates, Path(folder), floor=args.floor)
        return
    args.runners = int(args.runners or 300)
    per_runner = max(1, args.updates // args.runners)
    print(f"{args.runners} runners x {per_runner} turns each, fake Bot API on 127.0.0.1, one process")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        bots = [
            ("echo bot (bare PTB defaults)", lambda api: run_echo(api, args.runners, per_runner, tuned=False)),
            ("echo bot (aiohttp, concurrent)", lambda api: run_echo(api, args.runners, per_runner, tuned=True)),
            ("backstride check-in turns", lambda api: run_backstride(api, args.runners, per_runner, Path(folder))),
        ]
        for name, run in bots[2:] if args.checkin_only else bots:
            results[name] = summary(name, await measured(run))
    if args.checkin_only:
        return
    coach = results["backstride check-in turns"]
    print(f"ratio vs bare PTB echo bot:           {coach / results['echo bot (bare PTB defaults)']:.2f}x (target >= 0.7x)")
    print(f"ratio vs aiohttp+concurrent echo bot: {coach / results['echo bot (aiohttp, concurrent)']:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
