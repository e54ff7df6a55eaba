"""Benchmark: the SQL of a typed check-in, and what the last turn costs with 10 vs 400 past runs.

1. Statements and commits over one whole typed check-in with pain (the report,
   then the four warning-sign groups), turn by turn, for a new runner and one
   with 30 past runs, and for a one-message check-in without pain; counted with
   SQLAlchemy events: statements, transactions begun (a turn's BEGIN IMMEDIATE
   on SQLite goes straight to the driver, so it is counted as a begin, not a
   statement) and commits.
2. The last turn's CPU time (process time) for a runner with 10 past runs and
   one with 400 (a run every two days, so the 10 all fall in the 120-day coaching window
   the last turn reads and about 60 of the 400 do). Histories alternate
   A-B-B-A one check-in at a time; each size's timings are split into
   `--rounds` interleaved rounds of `--checkins`, whose medians give the spread.
   Every timed check-in adds a run to its runner (the same number to both).

    .venv/bin/python bench/checkin_sql_bench.py [--rounds 4] [--checkins 15] [--url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from dialogs.engine import Engine  # noqa: E402
from dialogs.messages import Address, Incoming  # noqa: E402
from dialogs.models import Checkin, Tier, TriageResult  # noqa: E402
from dialogs.ports import Change, Conversation, NewRun  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.repository import SqlStore  # noqa: E402

REPORT = "ran 8 km in 45 min on concrete, easy effort, lower back aching 4/10 since yesterday, staying the same, doesn't ease when warmed up"
NO_PAIN = "ran 5 km in 28 min on grass, easy effort, no pain"
RUN = f"{time.time():.0f}"  # runners of this run, apart from an earlier run's on the same database
ONBOARDING = ["/start", "Ann", "Europe/London", "Kilometres", "3–4 times", "Road / concrete", "In the past", "Skip",
              "None of these"]


class Counter:
    """SQL statements, BEGINs and commits seen on an engine."""

    def __init__(self, engine: Any) -> None:
        self.statements = self.begins = self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)  # a turn's BEGIN IMMEDIATE goes to the driver, unseen above
        event.listen(engine, "commit", self._commit)

    def _statement(self, conn, cursor, sql: str, *args: Any) -> None:  # type: ignore[no-untyped-def]
        self.statements += 1

    def _begin(self, conn) -> None:  # type: ignore[no-untyped-def]
        self.begins += 1

    def _commit(self, conn) -> None:  # type: ignore[no-untyped-def]
        self.commits += 1

    def reset(self) -> None:
        self.statements = self.begins = self.commits = 0


def runner_with_history(engine: Engine, store: SqlStore, user: str, runs: int) -> Address:
    """Onboards a runner and stores `runs` past runs, one every two days, the latest yesterday."""
    address = Address("bench", f"{user}-{RUN}", f"{user}-{RUN}")
    for text in ONBOARDING:
        engine.handle_sync(Incoming.from_text(address, text))
    now = datetime.now(timezone.utc)
    result = TriageResult(Tier.KEEP_EASY, (), ())
    for n in range(runs):
        checkin = Checkin(distance_km=6 + n % 5, duration_min=35 + n % 10, surface="road", effort="easy")
        store.save(address, Change(conversation=Conversation(), effects=[NewRun(checkin, result, now - timedelta(days=1 + 2 * n))]))
    return address


def last_turn_ms(engine: Engine, address: Address) -> float:
    """Types a check-in up to its last question, then times that last answer (CPU ms)."""
    replies = engine.handle_sync(Incoming.from_text(address, REPORT))
    for _ in range(6):  # "no" to each warning-sign group asked (all four on a new episode, two within one)
        started = time.process_time()
        replies = engine.handle_sync(Incoming.from_text(address, "none"))
        spent = (time.process_time() - started) * 1000
        if any("Logged:" in r.text for r in replies):
            return spent
    raise AssertionError([r.text for r in replies])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--checkins", type=int, default=15)
    parser.add_argument("--url", help="database URL (default: a SQLite file in a temporary folder)")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    database = open_database(url)
    store = SqlStore(database)
    engine = Engine(store)

    counter = Counter(database)
    for runs in (0, 30):
        fresh = runner_with_history(engine, store, f"counted{runs}", runs)
        counter.reset()
        per_turn = []
        for text in (REPORT, "none", "none", "none", "none"):
            before = counter.statements
            engine.handle_sync(Incoming.from_text(fresh, text))
            per_turn.append(counter.statements - before)
        print(f"{database.dialect.name}: one typed check-in with pain, {runs} past runs (5 turns: the report and 4 "
              f"screen groups): {counter.statements} statements (+{counter.begins} BEGIN), {counter.commits} commits; "
              f"per turn {' + '.join(map(str, per_turn))}")
    counter.reset()
    engine.handle_sync(Incoming.from_text(fresh, NO_PAIN))
    print(f"one-message check-in without pain: {counter.statements} statements (+{counter.begins} BEGIN), "
          f"{counter.commits} commits")
    counter.reset()
    engine.handle_sync(Incoming.from_text(fresh, "/help"))
    print(f"/help: {counter.statements} statements, {counter.commits} commits")

    histories = {10: runner_with_history(engine, store, "ten", 10), 400: runner_with_history(engine, store, "four_hundred", 400)}
    single: dict[int, list[float]] = {10: [], 400: []}
    for index in range(args.rounds * args.checkins * 2):  # A-B-B-A one check-in at a time, so drift hits both
        size = (10, 400, 400, 10)[index % 4]
        single[size].append(last_turn_ms(engine, histories[size]))
    timings = {size: [statistics.median(values[r::args.rounds]) for r in range(args.rounds)]
               for size, values in single.items()}
    for size, values in timings.items():
        print(f"last turn, {size:3} past runs: CPU ms min/median/max {min(values):.2f} / "
              f"{statistics.median(values):.2f} / {max(values):.2f}  (median of {args.checkins} per round, {len(values)} rounds)")
    ratio = statistics.median(timings[400]) / statistics.median(timings[10])
    print(f"400 vs 10 runs: x{ratio:.2f}")
    database.dispose()


if __name__ == "__main__":
    main()
