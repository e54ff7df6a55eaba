"""`backstride run`'s warm-up: first-use loads done before the first turn, and the collector tuned for a server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.app import GC_YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import gc, json, sys
from bot.app import warm_up
from dialogs.safety import signs
before = {"dateparser": "dateparser" in sys.modules, "threshold": gc.get_threshold()[0]}
warm_up()
vocab = signs.vocabulary()
print(json.dumps({
    "before": before,
    "dateparser": "dateparser" in sys.modules,
    "compiled": len(vocab.patterns), "concepts": len(vocab.patterns.terms),
    "absent_compiled": len(vocab.absent), "absent": len(vocab.absent.terms),
    "frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()[0],
}))
"""


def test_warm_up_loads_the_word_tables_and_dateparser_and_tunes_the_collector() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["before"] == {"dateparser": False, "threshold": 700}  # a fresh process loads these lazily
    assert found["dateparser"]
    assert found["compiled"] == found["concepts"] > 0
    assert found["absent_compiled"] == found["absent"] > 0
    assert found["frozen"] > 10_000  # start-up's modules and tables are out of the collector's passes
    assert found["threshold"] == GC_YOUNG_THRESHOLD
