"""Scores the warning-sign screen on the safety vignettes through the real engine.

    .venv/bin/python bench/triage_eval.py [--show-passing] [VIGNETTES.tsv]

Prints the confusion matrix (expected tier down, given tier across), emergency
sensitivity, under- and over-triage counts, and every case that failed with its
transcript. Uses a throw-away SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.safety.harness import VIGNETTES, load, play_all  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=VIGNETTES)
    parser.add_argument("--transcripts", action="store_true", help="print the transcript of each failed case")
    args = parser.parse_args()
    vignettes = load(args.file)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        scores = asyncio.run(play_all(f"sqlite:///{folder}/eval.db", vignettes))
        elapsed = time.perf_counter() - started
    print(f"{len(vignettes)} vignettes from {args.file.name}, played in {elapsed:.1f} s\n")
    print(scores.matrix())
    caught = sum(r.scored == "emergency" for r in scores.emergencies)
    print(f"\nemergency sensitivity: {caught}/{len(scores.emergencies)} = {scores.sensitivity:.1%}")
    print(f"under-triage (below every acceptable tier): {len(scores.under)}, of which more than one tier low: {len(scores.far_under)}")
    print(f"over-triage (above every acceptable tier): {len(scores.over)}; of the rest/keep-easy cases: "
          f"{sum(r.over for r in scores.mild)}/{len(scores.mild)} = {scores.mild_over_rate:.1%}")
    failed = [r for r in scores.results if not r.ok]
    print(f"\nfailed: {len(failed)}")
    for r in failed:
        v = r.vignette
        print(f"  {v.id:22} {v.situation:8} expected {v.expected:13} got {r.scored:13} {v.note}")
        print(f"      says: {v.says}  [{';'.join(f'{k}={x}' for k, x in v.answers.items())}]")
        if args.transcripts:
            for line in r.transcript:
                print("      | " + line.replace("\n", "\n      | ")[:600])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
