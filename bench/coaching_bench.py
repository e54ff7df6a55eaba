"""Benchmark: what the coaching rules cost a runner's turn.

- dateparser's first import (paid once per process, only by a check-in that
  names a day), in a fresh interpreter each round;
- `dates.find_day` per check-in text (texts with and without a day);
- the next-run lines for a warm-up or /plan (`coaching.next_run_lines`) over a
  runner with a year of runs (4 a week) and coaching events.

Each figure is min / median / max over `--rounds` rounds.

    .venv/bin/python bench/coaching_bench.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

TEXTS = [
    "ran 8 km in 45 min on concrete yesterday, back aching 4/10",
    "on Saturday I did 5k in 31 min on grass",
    "last Tuesday 10 km 1h on trail, no pain",
    "did 3 miles 2 days ago, stiff 2/10",
    "ran 5k on 20/11 easy",
    "ran 8 km in 45 min on concrete, lower back aching 4/10 since yesterday",
    "5k in 30 min on grass, no pain",
    "10k, easy, no pain",
]


def spread(values: list[float], unit: str, scale: float = 1.0) -> str:
    scaled = [v * scale for v in values]
    return f"min {min(scaled):.2f} / median {statistics.median(scaled):.2f} / max {max(scaled):.2f} {unit}"


def import_times(rounds: int) -> list[float]:
    code = "import time; t = time.perf_counter(); import dateparser; print(time.perf_counter() - t)"
    return [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(rounds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    print("dateparser import:", spread(import_times(args.rounds), "s"))

    from dialogs import coaching, dates
    from dialogs.models import RunRecord
    from dialogs.ports import CoachEvent

    now = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
    dates.find_day("yesterday", "Europe/London", now)  # warm: the import is measured above
    per_text = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for text in TEXTS:
            dates.find_day(text, "Europe/London", now)
        per_text.append((time.perf_counter() - started) / len(TEXTS))
    print(f"find_day per check-in text ({len(TEXTS)} texts):", spread(per_text, "ms", 1000))

    runs = [
        RunRecord(run_id=i, logged_at=now - timedelta(days=i * 7 / 4), distance_km=5 + i % 7, duration_min=30 + i % 40,
                  surface="road", effort="easy", pain_score=i % 5, pain_where=(), pain_kind=(), tier="keep_easy")
        for i in range(208)
    ]
    events = [CoachEvent("morning", now - timedelta(days=d), {"settled": True, "fine": True, "minutes": 30, "km": 5.0}, d)
              for d in range(1, 120, 3)]
    views = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for _ in range(100):
            coaching.next_run_lines("km", runs, events, now)
        views.append((time.perf_counter() - started) / 100)
    print(f"next_run_lines, {len(runs)} runs and {len(events)} events:", spread(views, "ms", 1000))


if __name__ == "__main__":
    main()
