"""Benchmark: CPU per turn with the turn on the event loop, in a thread, or on an async driver.

The same Engine and SqlStore code runs three ways, on one database:

- loop:   `engine.handle_sync(...)` on the event loop: the sync driver, no thread
          (what Engine.handle does on SQLite);
- thread: `await asyncio.to_thread(engine.handle_sync, ...)`: a thread hop per turn
          (what Engine.handle does on PostgreSQL);
- async:  the store on an async engine (aiosqlite, or psycopg 3 async on PostgreSQL),
          the turn run by SQLAlchemy's greenlet bridge, so every query awaits the driver.

M runners each do typed check-ins concurrently (a run report, then the two safety
answers). Modes alternate A-B-C-C-B-A over the rounds; each round reports CPU
(process time) and wall time per turn. The async mode needs `aiosqlite` and
`greenlet` (pip install aiosqlite greenlet); it is skipped, saying so, without them.

    .venv/bin/python bench/turn_driver_bench.py [--runners 60] [--checkins 3] [--rounds 4] [--url URL]
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
from typing import Awaitable, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dialogs.engine import Engine  # noqa: E402
from dialogs.messages import Address, Incoming, Reply  # noqa: E402
from storage import database  # noqa: E402
from storage.repository import SqlStore  # noqa: E402

REPORT = "ran 8 km in 45 min on concrete, easy effort, lower back aching 4/10 since yesterday, staying the same, doesn't ease when warmed up"
ANSWERS = [REPORT, "none", "none", "none", "none"]  # the report, then "no" to each warning-sign group
ONBOARDING = ["/start", "Ann", "Europe/London", "Kilometres", "3–4 times", "Road / concrete", "In the past", "Skip",
              "None of these"]

Turn = Callable[[Incoming], Awaitable[list[Reply]]]
RUN = f"{time.time():.0f}"  # runners of this run, apart from an earlier run's on the same database


def async_store(url: str) -> tuple[SqlStore, Callable[[], None]] | None:
    """A SqlStore whose engine is the sync face of an async engine; None if the async extras are missing."""
    try:
        import aiosqlite  # noqa: F401
        import greenlet  # noqa: F401
        from sqlalchemy import event
        from sqlalchemy.ext.asyncio import create_async_engine
    except ImportError as missing:
        print(f"async mode skipped: {missing}", file=sys.stderr)
        return None
    if url.startswith("sqlite"):
        engine = create_async_engine(url.replace("sqlite://", "sqlite+aiosqlite://"), hide_parameters=True)
        event.listen(engine.sync_engine, "connect", database._tune_sqlite)
        event.listen(engine.sync_engine, "begin", database._begin_sqlite)
    else:
        engine = create_async_engine(url, hide_parameters=True, pool_size=10, max_overflow=10)
    return SqlStore(engine.sync_engine), lambda: None


async def drive(turn: Turn, runners: int, checkins: int, offset: int) -> int:
    """Runs `checkins` typed check-ins for each of `runners` concurrent runners; returns the turns made."""

    async def one(n: int) -> int:
        address = Address("bench", f"{RUN}-{offset + n}", f"{RUN}-{offset + n}")
        made = 0
        for _ in range(checkins):
            for text in ANSWERS:
                await turn(Incoming.from_text(address, text))
                made += 1
        return made

    return sum(await asyncio.gather(*(one(n) for n in range(runners))))


async def onboard(engine: Engine, runners: int, offset: int) -> None:
    for n in range(runners):
        address = Address("bench", f"{RUN}-{offset + n}", f"{RUN}-{offset + n}")
        for text in ONBOARDING:
            await engine.handle(Incoming.from_text(address, text))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runners", type=int, default=60)
    parser.add_argument("--checkins", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--url", help="database URL (default: a SQLite file in a temporary folder)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    folder = tempfile.mkdtemp()
    url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
    sync_db = database.open_database(url)
    engine = Engine(SqlStore(sync_db))
    async def on_loop(incoming: Incoming) -> list[Reply]:
        return engine.handle_sync(incoming)

    modes: dict[str, Turn] = {
        "loop": on_loop,
        "thread": lambda incoming: asyncio.to_thread(engine.handle_sync, incoming),
    }
    made = async_store(url)
    if made is not None:
        from sqlalchemy.util import greenlet_spawn

        async_engine = Engine(made[0])
        modes["async"] = lambda incoming: greenlet_spawn(async_engine.handle_sync, incoming)
    names = list(modes)
    order = [names[i % len(names)] if (i // len(names)) % 2 == 0 else names[-1 - i % len(names)]
             for i in range(args.rounds * len(names))]  # A-B-C-C-B-A...
    with sync_db.connect() as connection:
        runs_before = connection.exec_driver_sql("SELECT count(*) FROM run").scalar()
    cpu: dict[str, list[float]] = {name: [] for name in names}
    wall: dict[str, list[float]] = {name: [] for name in names}
    for index, name in enumerate(order):
        offset = index * args.runners
        await onboard(engine, args.runners, offset)  # not measured
        started_cpu, started = time.process_time(), time.perf_counter()
        turns = await drive(modes[name], args.runners, args.checkins, offset)
        cpu[name].append((time.process_time() - started_cpu) / turns * 1000)
        wall[name].append((time.perf_counter() - started) / turns * 1000)
    with sync_db.connect() as connection:
        runs = connection.exec_driver_sql("SELECT count(*) FROM run").scalar() - runs_before
    print(f"runs logged: {runs} of {len(order) * args.runners * args.checkins} check-ins")
    print(f"{sync_db.dialect.name}, {args.runners} runners x {args.checkins} check-ins x 3 turns, {args.rounds} rounds per mode")
    print(f"{'mode':8} {'CPU ms/turn min/median/max':30} {'wall ms/turn median':20}")
    base = statistics.median(cpu["loop"])
    for name in names:
        c = cpu[name]
        print(f"{name:8} {min(c):6.2f} / {statistics.median(c):6.2f} / {max(c):6.2f}"
              f"{'':9}{statistics.median(wall[name]):6.2f}   x{statistics.median(c) / base:.2f} of loop")


if __name__ == "__main__":
    asyncio.run(main())
