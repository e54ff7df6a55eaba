"""Kill the coach in the middle of a check-in; a new process continues at the same step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dialogs.messages import Address
from storage.database import open_database
from storage.repository import SqlStore

ROOT = Path(__file__).resolve().parents[1]
ONBOARDING = ["/start", "Ann", "London", "1", "2", "1", "2"]


def _chat(db_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "chat", "--as", "ann", "--database-url", db_url],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_state(store: SqlStore, address: Address, state: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if store.load(address).conversation.state == state:
            return
        time.sleep(0.05)
    raise AssertionError(f"never reached {state}; at {store.load(address).conversation.state}")


def test_kill_9_mid_checkin_then_resume_at_same_step(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'coach.db'}"
    store = SqlStore(open_database(db_url))
    ann = Address("terminal", "ann", "ann")

    first = _chat(db_url)
    assert first.stdin is not None
    for line in [*ONBOARDING, "/checkin", "9 km", "50 min", "road", "easy", "it hurts"]:
        first.stdin.write(line + "\n")
        first.stdin.flush()
    _wait_for_state(store, ann, "checkin:pain_where")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)

    second = _chat(db_url)
    out, err = second.communicate("lower back, left side\n", timeout=60)
    assert second.returncode == 0, err
    assert "How bad is it" in out
    data = store.load(ann).conversation.data["checkin"]
    assert (data["distance_km"], data["duration_min"], data["surface"], data["effort"]) == (9.0, 50.0, "road", "easy")
    assert data["pain_where"] == ["low_back_side"]
    assert store.load(ann).conversation.state == "checkin:pain_score"
