"""Benchmark: the reminder queue at 100,000 runners with plans and daily check-ins.

Builds a SQLite file with N runners, each with 2–4 planned runs a week and a
daily check-in (so ~7–9 pending rows per runner, computed with the production
schedule code), then measures:

- start-up: opening the database and starting the dispatcher's scheduler;
- a typical minute: the first tick at 07:30 UTC on a weekday (claim + load
  everything due that minute, delivered to a null Sender, then recorded);
- a two-hour backlog: a dispatcher that was down from 17:00 to 19:00;
- peak resident memory.

    .venv/bin/python bench/reminders_bench.py [--runners 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from bot.outbound import Delivery  # noqa: E402
from bot.scheduler import Dispatcher  # noqa: E402
from dialogs.messages import Address, Reply  # noqa: E402
from dialogs.ports import PlanInfo  # noqa: E402
from storage import occurrences, queue, tables  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.tables import Runner  # noqa: E402

ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Australia/Sydney")
START = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)  # a Sunday


class NullSender:
    platform = "terminal"

    def __init__(self) -> None:
        self.count = 0

    async def send(self, address: Address, replies: Sequence[Reply]) -> Delivery:
        self.count += 1
        return Delivery.SENT


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(url: str, runners: int) -> tuple[int, float]:
    """Fills the database; returns (reminder rows, seconds)."""
    rng = random.Random(7)
    engine = open_database(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            insert(Runner),
            [
                {"platform": "terminal", "user_id": f"u{n}", "chat_id": f"c{n}", "timezone": ZONES[n % len(ZONES)],
                 "onboarded": True, "active": True, "created_at": START, "updated_at": START}
                for n in range(runners)
            ],
        )  # fmt: skip
        plans, rows = [], []
        for n in range(1, runners + 1):
            slots = tuple(
                sorted({(rng.randrange(7), f"{rng.randrange(6, 20):02d}:{rng.choice((0, 15, 30, 45)):02d}") for _ in range(rng.randint(2, 4))})
            )
            plan = PlanInfo(slots=slots, daily=f"{rng.randrange(18, 22):02d}:{rng.choice((0, 30)):02d}")
            plans.append({"runner_id": n, "slots": [list(s) for s in slots], "daily": plan.daily, "updated_at": START})
            rows.extend(occurrences.plan_occurrences(n, plan, ZONES[(n - 1) % len(ZONES)], START))
        conn.execute(insert(tables.ReminderPlan), plans)
        conn.execute(insert(tables.Reminder), rows)
    engine.dispose()
    return len(rows), time.perf_counter() - started


async def measure(url: str) -> None:
    t0 = time.perf_counter()
    engine = open_database(url)
    clock_now = [START]
    sender = NullSender()
    dispatcher = Dispatcher(engine, {"terminal": sender}, lambda: clock_now[0], interval=3600)  # production batch (500)
    await dispatcher.start()
    startup = time.perf_counter() - t0
    await dispatcher.stop()
    print(f"start-up (open database + start scheduler): {startup * 1000:.0f} ms")

    def find(now: datetime) -> tuple[int, float]:
        """The indexed scan alone: ids of pending rows due by `now`."""
        t = time.perf_counter()
        with engine.connect() as conn:
            ids = conn.execute(
                select(tables.Reminder.id).where(tables.Reminder.state == "pending", tables.Reminder.due_at <= now)
            ).all()
        return len(ids), (time.perf_counter() - t) * 1000

    def due_between(a: datetime, b: datetime) -> int:
        with engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(tables.Reminder).where(
                    tables.Reminder.state == "pending", tables.Reminder.due_at > a, tables.Reminder.due_at <= b
                )
            ).scalar_one()

    # A typical minute: everything before 07:29 was already handled.
    monday = datetime(2026, 11, 23, tzinfo=timezone.utc)
    await _drain(dispatcher, clock_now, monday + timedelta(hours=7, minutes=29))
    minute = monday + timedelta(hours=7, minutes=30)
    expected = due_between(minute - timedelta(minutes=1), minute)
    count, ms = find(minute)
    print(f"typical minute: indexed scan finds {count} due ids in {ms:.0f} ms")
    t = time.perf_counter()
    found = queue.claim_due(engine, minute, "probe", limit=100000)
    print(f"typical minute: {len(found)} due (expected {expected}); found and loaded in {(time.perf_counter() - t) * 1000:.0f} ms")
    queue.requeue_stale(engine, minute + timedelta(hours=1), timedelta(0))
    sender.count = 0
    clock_now[0] = minute
    t = time.perf_counter()
    await dispatcher.tick()
    print(f"typical minute: full tick (claim, decide, send to a null sender, record, schedule next): "
          f"{(time.perf_counter() - t) * 1000:.0f} ms for {sender.count} delivered")  # fmt: skip

    # A two-hour backlog: down from 17:00 to 19:00.
    await _drain(dispatcher, clock_now, monday + timedelta(hours=17))
    backlog_end = monday + timedelta(hours=19)
    expected = due_between(monday + timedelta(hours=17), backlog_end)
    count, ms = find(backlog_end)
    print(f"2-hour backlog: indexed scan finds {count} due ids in {ms:.0f} ms")
    t = time.perf_counter()
    found = queue.claim_due(engine, backlog_end, "probe", limit=100000)
    print(f"2-hour backlog: {len(found)} due (expected {expected}); found and loaded in {(time.perf_counter() - t) * 1000:.0f} ms")
    queue.requeue_stale(engine, backlog_end + timedelta(hours=1), timedelta(0))
    sender.count = 0
    clock_now[0] = backlog_end
    t = time.perf_counter()
    await dispatcher.tick()
    print(f"2-hour backlog: full tick {(time.perf_counter() - t):.1f} s for {sender.count} delivered (late ones inside grace)")
    print(f"peak RSS: {rss_mb():.0f} MB")


async def _drain(dispatcher: Dispatcher, clock_now: list[datetime], until: datetime) -> None:
    """Ticks once at `until` so everything due before it is handled."""
    clock_now[0] = until
    logging.disable(logging.INFO)
    await dispatcher.tick()
    logging.disable(logging.NOTSET)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=100_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite:///{path}"
        with multiprocessing.get_context("fork").Pool(1) as pool:  # keep the build's memory out of the RSS figure
            rows, seconds = pool.apply(build, (url, args.runners))
        print(f"{args.runners} runners, {rows} pending reminder rows inserted in {seconds:.1f} s; "
              f"database {path.stat().st_size / 1e6:.0f} MB")  # fmt: skip
        asyncio.run(measure(url))


if __name__ == "__main__":
    main()
