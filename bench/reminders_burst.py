"""Benchmark: 5,000 warm-up reminders due in the same minute, delivered through the real Telegram adapter.

Every runner plans a Monday 07:30 run in Europe/London, so all their warm-up
reminders fall due at 07:00. One dispatcher tick claims them and sends them
through `TelegramAdapter` with its production rate limiter, against the fake
Bot API (tests/telegram/fake_bot_api.py) running in its own process with
Telegram's overall limit switched on: a message arriving when 30 were accepted
in the last second gets 429 with retry_after.

Reported: messages/s over the delivery (first to last accepted message, as the
server saw them; target >= 29.4, 98% of 30/s), the 429s (target 0), the
busiest one-second window, and whether every runner got exactly one message.

    .venv/bin/python bench/reminders_burst.py [--runners 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from bot.app import warm_up  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.scheduler import Dispatcher  # noqa: E402
from bot.telegram.adapter import TelegramAdapter  # noqa: E402
from dialogs.engine import Engine  # noqa: E402
from dialogs.ports import PlanInfo  # noqa: E402
from storage import occurrences, tables  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.repository import SqlStore  # noqa: E402
from storage.tables import Runner  # noqa: E402
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi  # noqa: E402

logger = logging.getLogger(__name__)

ZONE = "Europe/London"
START = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)  # a Sunday; London is on UTC in November
DUE = datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)  # Monday 07:00: the warm-ups for the 07:30 runs
FIRST_USER = 100_000
TARGET_RATE = 29.4


def build(url: str, runners: int) -> int:
    """Creates the runners, their plans and pending reminders; returns how many warm-ups are due at DUE."""
    engine = open_database(url)
    plan = PlanInfo(slots=((0, "07:30"),))
    with engine.begin() as connection:
        connection.execute(
            insert(Runner),
            [{"platform": "telegram", "user_id": str(FIRST_USER + n), "chat_id": str(FIRST_USER + n), "timezone": ZONE,
              "onboarded": True, "active": True, "created_at": START, "updated_at": START} for n in range(runners)],
        )  # fmt: skip
        ids = connection.execute(select(Runner.id)).scalars().all()
        connection.execute(
            insert(tables.ReminderPlan), [{"runner_id": i, "slots": [[0, "07:30"]], "updated_at": START} for i in ids]
        )
        rows = [row for i in ids for row in occurrences.plan_occurrences(i, plan, ZONE, START)]
        connection.execute(insert(tables.Reminder), rows)
        due = connection.execute(
            select(func.count()).select_from(tables.Reminder).where(tables.Reminder.due_at == DUE)
        ).scalar_one()
    engine.dispose()
    return int(due)


def serve_fake(conn: Connection) -> None:
    """Runs the fake Bot API with the flood limit until told to stop; then reports what it saw."""

    async def main() -> None:
        api = FakeBotApi()
        await api.start()
        flood = api.enforce_flood_limit(per_second=30, window=1.0, retry_after=1)
        conn.send(api.url)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        sends = [c for c in api.calls if c.method == "sendMessage"]
        accepted = [c for c in sends if c.result is not None]
        conn.send(
            {
                "times": [c.at for c in accepted],
                "refused": [c.at for c in sends if c.result is None],
                "chats": [c.chat_id for c in accepted],
                "calls": len(sends),
                "rejected": flood.rejected,
                "busiest": flood.busiest,
            }
        )
        await api.stop()

    asyncio.run(main())


def busiest_window(times: list[float], window: float = 1.0) -> int:
    """The most arrivals within any `window` seconds."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def burst(url: str, api_url: str) -> dict[str, Any]:
    warm_up()  # as `backstride run` does before it serves
    database = open_database(url)
    store = SqlStore(database)
    settings = Settings(_env_file=None, telegram_token=TOKEN, telegram_api_url=api_url, database_url=url)
    adapter = TelegramAdapter(settings, Engine(store), poll_timeout=1)  # production rate limiter
    await adapter.start()
    dispatcher = Dispatcher(database, {"telegram": adapter}, lambda: DUE + timedelta(seconds=30), store=store)
    started = time.perf_counter()
    sent = await dispatcher.tick()
    seconds = time.perf_counter() - started
    await adapter.stop()
    with database.connect() as connection:
        states = dict(
            connection.execute(
                select(tables.Reminder.state, func.count()).where(tables.Reminder.due_at == DUE).group_by(tables.Reminder.state)
            ).all()
        )
    database.dispose()
    return {"sent": sent, "seconds": seconds, "states": states}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=5000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'burst.db'}"
        due = build(url, args.runners)
        print(f"{args.runners} runners; {due} warm-up reminders due at {DUE:%a %H:%M} UTC")
        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        server = multiprocessing.get_context("spawn").Process(target=serve_fake, args=(theirs,), daemon=True)
        server.start()
        api_url = ours.recv()
        try:
            result = asyncio.run(burst(url, api_url))
        finally:
            ours.send("stop")
            seen = ours.recv()
            server.join(10)
    times = sorted(seen["times"])
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    repeats = sum(1 for count in Counter(seen["chats"]).values() if count > 1)
    print(f"delivered {len(times)} messages ({len(set(seen['chats']))} runners, {repeats} got more than one); "
          f"dispatcher recorded {result['sent']} sent, states {result['states']}")  # fmt: skip
    print(f"rate: {rate:.2f} messages/s over {span:.1f} s (target >= {TARGET_RATE}); tick took {result['seconds']:.1f} s")
    refused = ", ".join(f"{at - times[0]:.1f} s" for at in seen["refused"][:10])
    print(f"429s: {seen['rejected']} (target 0){f' at {refused} into the burst' if refused else ''}; "
          f"busiest 1-s window: {busiest_window(times)} messages")  # fmt: skip
    ok = rate >= TARGET_RATE and seen["rejected"] == 0 and len(times) == due and repeats == 0
    print("PASS" if ok else "MISS")


if __name__ == "__main__":
    main()
