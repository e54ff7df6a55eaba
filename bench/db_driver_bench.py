"""Benchmark: one turn's database work on four driver set-ups, at 1, 10 and 50 concurrent runners.

A turn here is what every conversation turn does to the database, nothing
else: begin the turn's transaction with the runner's lock (SQLite: BEGIN
IMMEDIATE; PostgreSQL: pg_advisory_xact_lock), load the runner joined with
this chat's conversation (storage.repository's load query), save the
conversation with the version check (UPDATE ... WHERE id = ? AND version = ?),
commit. The database holds --population runners, each with a conversation.

- sqlite-loop:   the sync pysqlite driver called on the event loop (today's SQLite turn);
- aiosqlite:     SQLAlchemy asyncio on aiosqlite (each query awaits the driver's thread);
- pg-thread:     sync psycopg 3 in asyncio.to_thread (today's PostgreSQL turn);
- pg-async:      SQLAlchemy asyncio on psycopg 3's async connection (postgresql+psycopg).

C workers run at once, each with its own runners (one runner's turns never
overlap, as in the bot). Every mode uses the production pool (10 + 10 overflow)
and the default thread pool. Modes alternate A-B-B-A within each database over
--rounds; prints turns/s and CPU ms per turn (this process only: the PostgreSQL
server's CPU is not in it) as min/median/max.

    .venv/bin/python bench/db_driver_bench.py [--turns 2000] [--rounds 3] [--population 300] [--pg URL]

--pg defaults to $TEST_DATABASE_URL (eval "$(bash .ci/postgres start </dev/null)");
without one, only the SQLite modes run. Needs aiosqlite and greenlet for the async modes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import and_, bindparam, delete, event, insert, select, text, update  # noqa: E402
from sqlalchemy.engine import Connection, Engine  # noqa: E402

from dialogs.messages import Address  # noqa: E402
from storage import database  # noqa: E402
from storage.tables import ConversationState, Runner, utcnow  # noqa: E402
from storage.turns import lock_key  # noqa: E402

logger = logging.getLogger(__name__)

PLATFORM = "dbbench"
CONCURRENCY = (1, 10, 50)
DATA = {"checkin": {"distance_km": 8.0, "duration_min": 45.0, "surface": "concrete", "has_pain": True, "pain_score": 4,
                    "pain_where": ["lower back"], "pain_kind": ["aching"], "pain_since_days": 1, "effort": "easy"},
        "asked": ["effort", "trend", "easing"], "signs_asked": ["bladder", "numb"]}  # a mid-check-in conversation

runners, conversations = Runner.__table__, ConversationState.__table__  # type: ignore[attr-defined]
LOAD = (
    select(runners, conversations.c.id.label("conversation_id"), conversations.c.data, conversations.c.version)
    .select_from(runners.outerjoin(
        conversations, and_(conversations.c.runner_id == runners.c.id, conversations.c.chat_id == bindparam("chat_id"))
    ))
    .where(runners.c.platform == PLATFORM, runners.c.user_id == bindparam("user_id"))
)
SAVE = (
    update(conversations)
    .where(conversations.c.id == bindparam("cid"), conversations.c.version == bindparam("loaded"))
    .values(data=bindparam("new_data", type_=conversations.c.data.type), question=conversations.c.question + 1,
            version=conversations.c.version + 1, updated_at=bindparam("now", type_=conversations.c.updated_at.type))
)
LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def lock_of(user_id: str) -> int:
    return lock_key(Address(PLATFORM, user_id, user_id))


def save_params(row: Any) -> dict[str, Any]:
    data = dict(row["data"])
    data["turns"] = data.get("turns", 0) + 1
    return {"cid": row["conversation_id"], "loaded": row["version"], "new_data": data, "now": utcnow()}


def turn_sync(engine: Engine, user_id: str) -> None:
    """One turn on a sync engine (the turn option makes SQLite begin IMMEDIATE)."""
    with engine.connect() as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.execute(LOCK, {"key": lock_of(user_id)})
        row = connection.execute(LOAD, {"user_id": user_id, "chat_id": user_id}).mappings().one()
        if connection.execute(SAVE, save_params(row)).rowcount != 1:
            raise RuntimeError("stale save")


async def turn_async(engine: Any, user_id: str) -> None:
    """One turn on an AsyncEngine."""
    async with engine.connect() as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            await connection.execute(LOCK, {"key": lock_of(user_id)})
        row = (await connection.execute(LOAD, {"user_id": user_id, "chat_id": user_id})).mappings().one()
        if (await connection.execute(SAVE, save_params(row))).rowcount != 1:
            raise RuntimeError("stale save")


def populate(connection: Connection, population: int) -> None:
    """Replaces the bench's runners with `population` fresh ones, each with a conversation."""
    ids = select(runners.c.id).where(runners.c.platform == PLATFORM)
    connection.execute(delete(conversations).where(conversations.c.runner_id.in_(ids)))
    connection.execute(delete(runners).where(runners.c.platform == PLATFORM))
    if not population:
        return
    now = utcnow()
    connection.execute(insert(runners), [
        {"platform": PLATFORM, "user_id": str(n), "chat_id": str(n), "name": "Ann", "timezone": "Europe/London",
         "units": "km", "onboarded": True, "digest": True, "risks": [], "risks_asked": True, "active": True,
         "created_at": now, "updated_at": now} for n in range(population)
    ])
    made = connection.execute(select(runners.c.id, runners.c.user_id).where(runners.c.platform == PLATFORM)).all()
    connection.execute(insert(conversations), [
        {"runner_id": rid, "chat_id": uid, "state": "checkin:effort", "data": DATA, "question": 1, "version": 0,
         "updated_at": now} for rid, uid in made
    ])


Turn = Callable[[str], Awaitable[None]]


async def drive(turn: Turn, workers: int, turns: int, population: int) -> tuple[float, float]:
    """Runs `turns` turns over `workers` concurrent workers; returns (turns/s, CPU ms per turn)."""
    per_worker = max(1, turns // workers)
    owned = max(1, population // workers)

    async def worker(w: int) -> None:
        for n in range(per_worker):
            await turn(str(w * owned + n % owned))

    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(workers)))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    done = per_worker * workers
    return done / wall, cpu / done * 1000


def sqlite_modes(path: Path) -> dict[str, tuple[Turn, Callable[[], Awaitable[None]]]]:
    engine = database.open_database(f"sqlite:///{path}")
    turn_engine = engine.execution_options(**{database.TURN_OPTION: True})

    async def loop(user_id: str) -> None:
        turn_sync(turn_engine, user_id)

    async def close_sync() -> None:
        engine.dispose()

    modes = {"sqlite-loop": (loop, close_sync)}
    try:
        from sqlalchemy.ext.asyncio import create_async_engine
    except ImportError as missing:
        print(f"aiosqlite skipped: {missing}", file=sys.stderr)
        return modes
    async_engine = create_async_engine(f"sqlite+aiosqlite:///{path}", hide_parameters=True,
                                       pool_size=10, max_overflow=10, connect_args={"timeout": 10})
    event.listen(async_engine.sync_engine, "connect", database._tune_sqlite)
    event.listen(async_engine.sync_engine, "begin", database._begin_sqlite)
    async_turn_engine = async_engine.execution_options(**{database.TURN_OPTION: True})
    modes["aiosqlite"] = (lambda user_id: turn_async(async_turn_engine, user_id), async_engine.dispose)
    return modes


def pg_modes(url: str) -> dict[str, tuple[Turn, Callable[[], Awaitable[None]]]]:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = database.open_database(url)

    async def close_sync() -> None:
        engine.dispose()

    async_engine = create_async_engine(url, hide_parameters=True, pool_size=10, max_overflow=10)
    return {
        "pg-thread": (lambda user_id: asyncio.to_thread(turn_sync, engine, user_id), close_sync),
        "pg-async": (lambda user_id: turn_async(async_engine, user_id), async_engine.dispose),
    }


async def measure(name: str, modes: dict[str, tuple[Turn, Callable[[], Awaitable[None]]]], populate_with: Engine,
                  args: argparse.Namespace) -> None:
    with populate_with.begin() as connection:
        populate(connection, args.population)
    names = list(modes)
    for workers in CONCURRENCY:
        for warm in names:  # one unmeasured pass fills each pool and the statement caches
            await drive(modes[warm][0], workers, min(args.turns, 200), args.population)
        rates: dict[str, list[float]] = {n: [] for n in names}
        cpus: dict[str, list[float]] = {n: [] for n in names}
        for _ in range(args.rounds):
            for mode in names + names[::-1]:  # A-B-B-A
                rate, cpu = await drive(modes[mode][0], workers, args.turns, args.population)
                rates[mode].append(rate)
                cpus[mode].append(cpu)
        for mode in names:
            r, c = rates[mode], cpus[mode]
            print(f"{name:7} {mode:12} {workers:3} concurrent  turns/s {min(r):7.0f} {statistics.median(r):7.0f} "
                  f"{max(r):7.0f}   CPU ms/turn {min(c):6.3f} {statistics.median(c):6.3f} {max(c):6.3f}")
    for _, close in modes.values():
        await close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=2000, help="turns per measured run")
    parser.add_argument("--rounds", type=int, default=3, help="A-B-B-A rounds (each mode runs twice a round)")
    parser.add_argument("--population", type=int, default=300, help="runners in the database")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"), help="PostgreSQL URL (postgresql+psycopg://...)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"{args.turns} turns a run, {args.rounds} A-B-B-A rounds (so {2 * args.rounds} runs a mode), "
          f"{args.population} runners; columns: min median max")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        modes = sqlite_modes(path)
        populate_engine = database.connect(f"sqlite:///{path}")
        await measure("sqlite", modes, populate_engine, args)
        populate_engine.dispose()
    if args.pg:
        populate_engine = database.connect(args.pg)
        modes = pg_modes(args.pg)
        await measure("pg", modes, populate_engine, args)
        with populate_engine.begin() as connection:
            populate(connection, 0)
        populate_engine.dispose()
    else:
        print("no --pg / TEST_DATABASE_URL: PostgreSQL modes skipped")


if __name__ == "__main__":
    asyncio.run(main())
