"""Benchmark: can one process draw a Sunday's 100,000 weekly digests in the 56 minutes Telegram needs to send them?

Two measurements, each over several rounds, printed as min/median/max:

- compose: `dialogs.digest.weekly_digest` (text and chart) for runners with
  13 weeks of history, 3 runs a week on mixed surfaces with some pain: CPU
  seconds per digest, the chart alone, and the 100,000 extrapolation against
  100,000 / 30 msg/s = 55.6 minutes;
- dispatch: the real reminder Dispatcher on a SQLite file with N runners whose
  digests are spread over the evening, a null Sender and a clock stepped by
  the dispatcher's 30 s interval through the spread window: CPU per digest
  including the queue and the history reads, and the most digests any tick
  had to draw.

    .venv/bin/python -m bench.digest_bench [--rounds 5] [--runners 600]

The machine is shared: CPU time (process_time) is steadier than wall time,
but still compare rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

from sqlalchemy import delete, select
from sqlmodel import Session

from bench.reminders_bench import NullSender
from bot.app import warm_up
from bot.scheduler import Dispatcher

from dialogs import charts, digest, progress
from dialogs.messages import Address
from dialogs.models import Checkin, Profile, RunRecord, Tier, TriageResult
from dialogs.ports import Change, Conversation, NewRun
from dialogs.reminders import schedule
from storage import occurrences
from storage.database import open_database
from storage.tables import Reminder, Runner
from storage.repository import SqlStore

SUNDAY = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)
DIGESTS = 100_000
SEND_BUDGET_S = DIGESTS / 30  # Telegram's 30 messages a second
SURFACES = ("road", "trail", "grass", "track", "treadmill")
TICK_S = 30


def history(rng: random.Random, now: datetime = SUNDAY) -> list[RunRecord]:
    runs = []
    for n in range(13 * 3):
        pain = rng.choice((0, 0, 0, 1, 2, 3, 4))
        runs.append(RunRecord(
            run_id=n + 1, logged_at=now - timedelta(days=n * 7 / 3 + 0.2), distance_km=rng.uniform(3, 15),
            duration_min=rng.uniform(20, 90), surface=rng.choice(SURFACES), effort="easy", pain_score=pain or None,
            pain_where=("low_back_centre",) if pain else (), pain_kind=("ache",) if pain else (), tier=None,
        ))  # fmt: skip
    return runs


def spread(values: Sequence[float], scale: float = 1000, unit: str = "ms") -> str:
    low, mid, high = min(values) * scale, statistics.median(values) * scale, max(values) * scale
    return f"{low:.1f}/{mid:.1f}/{high:.1f} {unit}"


def compose(rounds: int, per_round: int) -> None:
    rng = random.Random(7)
    profile = Profile(name="Ann", timezone="Europe/London", onboarded=True)
    histories = [history(rng) for _ in range(per_round)]
    digest.weekly_digest(histories[0], profile, SUNDAY)  # imports, fonts and hatch masks: once per process
    per_digest, per_chart = [], []
    for _ in range(rounds):
        began = time.process_time()
        for runs in histories:
            assert digest.weekly_digest(runs, profile, SUNDAY)[0].image
        per_digest.append((time.process_time() - began) / per_round)
        weeks = progress.pad(progress.weekly(histories[0], SUNDAY, "Europe/London"))
        began = time.process_time()
        for _ in range(per_round // 4):
            charts.progress_chart(weeks)
        per_chart.append((time.process_time() - began) / (per_round // 4))
    total = [d * DIGESTS / 60 for d in per_digest]
    print(f"compose: {spread(per_digest)} CPU per digest (chart alone {spread(per_chart)}), "
          f"min/median/max of {rounds} rounds x {per_round}")
    print(f"  100,000 digests: {spread(total, 1, 'min')} of one core; Telegram needs {SEND_BUDGET_S / 60:.1f} min "
          f"to send them -> {'keeps up' if max(total) < SEND_BUDGET_S / 60 else 'FALLS BEHIND'}")


def populate(store: SqlStore, runners: int) -> None:
    rng = random.Random(11)
    for i in range(runners):
        address = Address("terminal", f"r{i}", f"r{i}")
        profile = Profile(name=f"R{i}", timezone="Europe/London", onboarded=True)
        store.save(address, Change(Conversation(), profile=profile))
        for run in sorted(history(rng, SUNDAY - timedelta(hours=4)), key=lambda r: r.logged_at)[-12:]:
            checkin = Checkin(distance_km=run.distance_km, duration_min=run.duration_min, surface=run.surface,
                              effort="easy", has_pain=bool(run.pain_score), pain_score=run.pain_score)
            store.save(address, Change(Conversation(), effects=[NewRun(checkin, TriageResult(Tier.KEEP_EASY, ()),
                                                                       run.logged_at)]))
    # Saving stamped the reminders from today's clock: replace them with just the digests due on SUNDAY evening
    # (the painful runs' morning follow-ups would otherwise be counted as digests).
    with Session(store.engine) as session, session.begin():
        session.execute(delete(Reminder))
        for (runner_id,) in session.execute(select(Runner.id)):
            occurrences.schedule_digest(session, runner_id, "Europe/London", SUNDAY)


async def dispatch(rounds: int, runners: int) -> None:
    per_digest, busiest = [], []
    for n in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            database = open_database(f"sqlite:///{Path(folder) / 'digests.db'}")
            store = SqlStore(database)
            populate(store, runners)
            sender = NullSender()
            clock_now = [datetime(2026, 11, 29, 17, 59, tzinfo=timezone.utc)]
            dispatcher = Dispatcher(database, {"terminal": sender}, clock=lambda: clock_now[0], store=store)
            began, most = time.process_time(), 0
            end = datetime(2026, 11, 29, 18, 0, tzinfo=timezone.utc) + timedelta(seconds=schedule.DIGEST_SPREAD_S)
            while clock_now[0] <= end:
                before = sender.count
                await dispatcher.tick()
                most = max(most, sender.count - before)
                clock_now[0] += timedelta(seconds=TICK_S)
            cpu = time.process_time() - began
            assert sender.count == runners, f"sent {sender.count} of {runners}"
            per_digest.append(cpu / runners)
            busiest.append(most)
            database.dispose()
    total = [d * DIGESTS / 60 for d in per_digest]
    print(f"dispatch: {spread(per_digest)} CPU per digest through the queue, {runners} runners, {rounds} rounds; "
          f"busiest {TICK_S} s tick drew {max(busiest)} digests; rounds: "
          + ", ".join(f"{d * 1000:.2f} ms" for d in per_digest))
    print(f"  100,000 digests: {spread(total, 1, 'min')} of one core (budget {SEND_BUDGET_S / 60:.1f} min); "
          f"spread over {schedule.DIGEST_SPREAD_S // 60} min that is {DIGESTS / schedule.DIGEST_SPREAD_S:.1f} due a second")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--runners", type=int, default=600)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warm_up()  # the dispatcher runs in the `backstride run` process, which warms up before it serves
    compose(args.rounds, args.per_round)
    asyncio.run(dispatch(max(1, args.rounds // 2), args.runners))


if __name__ == "__main__":
    main()
