"""How long `backstride chat` takes to answer /help from a cold start, and the city table's first lookup.

    .venv/bin/python bench/chat_startup.py [--runs 5]

Each run is a fresh process on a fresh data folder after the first (the database already
made), piped "/help"; prints min / median / max. The machine may be shared: compare runs
made side by side, not across days.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cli_env import fresh_user  # noqa: E402


def spread(label: str, seconds: list[float]) -> None:
    print(f"{label}: min {min(seconds):.2f} s, median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s "
          f"({len(seconds)} runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = fresh_user(Path(home))
        command = [sys.executable, "-m", "bot.cli", "chat"]
        subprocess.run(command, input="/help\n", capture_output=True, text=True, env=env, cwd=ROOT, check=True)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run(command, input="/help\n", capture_output=True, text=True, env=env, cwd=ROOT, check=True)
            times.append(time.perf_counter() - started)
        spread("chat answers /help", times)
    lookups = []
    for _ in range(args.runs):
        code = "import time; t=time.perf_counter(); from dialogs.timezones import resolve; resolve('München'); " \
               "print(time.perf_counter()-t)"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
        lookups.append(float(out.stdout))
    spread("first city lookup (loads the table)", lookups)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
