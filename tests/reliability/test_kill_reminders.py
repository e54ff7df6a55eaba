"""kill -9 in the middle of a reminder burst, then a restart: no reminder is lost, and the
duplicates are bounded by the dispatcher's documented window.

A dispatcher process (tests/reliability/burst_worker.py) sends a burst of follow-ups
through a Sender that fsyncs each delivery to a file before reporting it sent. It is
SIGKILLed a third of the way through; a second process, started later than the claim
timeout (as a restarted bot would find the dead one's claims), finishes the burst.

No exactly-once is possible with an external API: a crash between a send and its
record re-sends that reminder. The dispatcher records outcomes per chunk
(`Dispatcher.chunk`), so a crash re-sends at most one chunk; the test asserts that
bound and logs the measured number.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from storage.database import open_database
from storage.tables import Reminder
from storage.tables import Runner
from tests.reliability.conftest import add_due_followups

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
BURST = 900
KILL_AFTER = 300  # deliveries


def _worker(db_url: str, out: Path, now: datetime) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.burst_worker", db_url, str(out), now.isoformat(), "0.01"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _deliveries(out: Path) -> list[str]:
    return [line for line in out.read_text().splitlines() if line and not line.startswith("window")] if out.exists() else []


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'burst.db'}"
    return str(request.getfixturevalue("pg_url"))


def test_kill_9_mid_burst_loses_nothing_and_resends_at_most_one_window(tmp_path: Path, db_url: str) -> None:
    database = open_database(db_url)
    with Session(database) as session, session.begin():
        runners = [Runner(platform="terminal", user_id=f"r{i}", chat_id=f"r{i}", onboarded=True) for i in range(BURST)]
        session.add_all(runners)
        session.flush()
        runner_ids = [int(r.id) for r in runners]  # type: ignore[arg-type]
    from storage.repository import SqlStore

    seeded = add_due_followups(SqlStore(database), runner_ids, NOW - timedelta(minutes=1))
    out = tmp_path / "deliveries.txt"

    first = _worker(db_url, out, NOW)
    deadline = time.monotonic() + 60
    while len(_deliveries(out)) < KILL_AFTER:
        assert first.poll() is None, f"the dispatcher finished or died before the kill: {first.communicate()}"
        assert time.monotonic() < deadline, "the burst never got going"
        time.sleep(0.002)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    at_kill = len(_deliveries(out))

    second = _worker(db_url, out, NOW + timedelta(minutes=11))  # past the 10-minute claim timeout
    stdout, stderr = second.communicate(timeout=120)
    assert second.returncode == 0, stderr

    window = int(out.read_text().splitlines()[0].split()[1])
    delivered = Counter(int(line) for line in _deliveries(out))
    lost = set(seeded) - set(delivered)
    duplicates = sum(delivered.values()) - len(delivered)
    assert not lost, f"{len(lost)} reminders were never delivered"
    assert set(delivered) == set(seeded)
    assert 0 < window and duplicates <= window, f"{duplicates} sent twice; the dispatcher promises at most {window}"
    assert max(delivered.values()) <= 2
    with Session(database) as session:
        states = Counter(session.exec(select(Reminder.state).where(Reminder.id.in_(seeded))).all())  # type: ignore[union-attr]
    assert states == Counter({"sent": BURST})
    database.dispose()
    logger.warning("kill -9 (%s) after %d of %d deliveries: lost 0, sent twice %d (window %d)",
                   database.dialect.name, at_kill, BURST, duplicates, window)
