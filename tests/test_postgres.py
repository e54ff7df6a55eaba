"""PostgreSQL only: reminder dispatchers sharing one database never send a reminder twice or miss one.

Skipped, with the reason, when TEST_DATABASE_URL is unset or its server does not answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import make_url
from sqlmodel import Session

from dialogs.messages import Address
from dialogs.models import Checkin, Tier, TriageResult
from dialogs.ports import Change, Conversation, NewRun
from storage import queue
from storage.database import connect, open_database
from storage.tables import Reminder
from storage.repository import SqlStore

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def test_two_dispatchers_claiming_in_threads_share_the_rows_exactly(pg_url: str) -> None:
    """Two claimers (own engines, as two processes would have) race over 3,000 due rows."""
    engine = open_database(pg_url)
    rows = 3000
    with engine.begin() as connection:
        connection.execute(
            insert(Reminder),
            [dict(kind="followup", stage=1, due_at=NOW - timedelta(minutes=i % 60), expires_at=NOW + timedelta(hours=6),
                  state=queue.PENDING, attempts=0, repeat=False, created_at=NOW, key=f"t{i}") for i in range(rows)],
        )
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def dispatcher(token: str) -> None:
        own = connect(pg_url)
        try:
            start.wait()
            empty = 0
            while empty < 3:
                batch = queue.claim_due(own, NOW, token, limit=50)
                empty = 0 if batch else empty + 1
                claimed[token].extend(d.reminder_id for d in batch)
                queue.finish_many(own, token, [(d.reminder_id, queue.SENT, None) for d in batch], NOW)
        except BaseException as error:  # noqa: BLE001  reported by the main thread
            errors.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=dispatcher, args=(token,)) for token in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    every = claimed["a"] + claimed["b"]
    assert [n for n, c in Counter(every).items() if c > 1] == []  # zero duplicates
    assert len(every) == rows  # zero misses
    assert claimed["a"] and claimed["b"]  # both took part
    with Session(engine) as session:
        assert set(session.exec(select(Reminder.state)).scalars()) == {queue.SENT}
    engine.dispose()


WORKER = """
import asyncio, json, sys
from datetime import datetime, timezone
from bot.outbound import Delivery
from bot.scheduler import Dispatcher
from storage.database import open_database

class FileSender:
    platform = "terminal"
    async def send(self, address, replies):
        await asyncio.sleep(0.001)
        with open(sys.argv[2], "a") as out:
            out.write(json.dumps(address.chat_id) + "\\n")
        return Delivery.SENT

now = datetime.fromisoformat(sys.argv[3])
dispatcher = Dispatcher(open_database(sys.argv[1], upgrade=False), {"terminal": FileSender()}, lambda: now,
                        batch=20, concurrency=4)
async def main():
    while await dispatcher.tick():
        pass
asyncio.run(main())
"""


def test_two_dispatcher_processes_on_one_postgresql_database(pg_url: str, tmp_path: Path) -> None:
    """The real Dispatcher in two processes: every follow-up arrives once."""
    store = SqlStore(open_database(pg_url))
    runners = 200
    logged = NOW - timedelta(days=1)
    for n in range(runners):
        address = Address("terminal", f"c{n}", f"u{n}")
        checkin = Checkin(distance_km=5, duration_min=30, surface="grass", effort="easy", has_pain=True, pain_score=4)
        store.save(address, Change(Conversation(), effects=[NewRun(checkin, TriageResult(Tier.REST, ("T",)), logged)]))
    outputs = [tmp_path / f"out{i}.jsonl" for i in range(2)]
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, pg_url, str(out), NOW.isoformat()], cwd=ROOT)
        for out in outputs
    ]
    assert [w.wait(timeout=180) for w in workers] == [0, 0]
    sent = [json.loads(line) for out in outputs if out.exists() for line in out.read_text().splitlines()]
    assert len(sent) == runners and len(set(sent)) == runners  # zero duplicates, zero misses
    with Session(store.engine) as session:
        left = session.exec(select(Reminder).where(Reminder.kind == "followup", Reminder.state != queue.SENT)).all()
    assert left == []
    store.engine.dispose()


def test_a_claim_skips_rows_another_dispatcher_has_locked_instead_of_waiting(pg_url: str) -> None:
    """FOR UPDATE SKIP LOCKED: a batch locked by an unfinished claim is passed over, not waited on."""
    engine = open_database(pg_url)
    with engine.begin() as connection:
        connection.execute(
            insert(Reminder),
            [dict(kind="followup", stage=1, due_at=NOW - timedelta(minutes=10 - i), expires_at=NOW + timedelta(hours=6),
                  state=queue.PENDING, attempts=0, repeat=False, created_at=NOW, key=f"s{i}") for i in range(10)],
        )
    url = make_url(pg_url)
    options = f"{url.query.get('options', '')} -clock_timeout=3000".strip()  # a claim that waits fails, not hangs
    claimer = connect(url.update_query_dict({"options": options}).render_as_string(hide_password=False))
    try:
        with engine.begin() as holding:  # another dispatcher mid-claim: the 4 oldest rows are locked
            locked = set(
                holding.execute(
                    select(Reminder.id).order_by(Reminder.due_at).limit(4).with_for_update(skip_locked=True)
                ).scalars()
            )
            started = time.monotonic()
            batch = {d.reminder_id for d in queue.claim_due(claimer, NOW, "second", limit=5)}
            assert time.monotonic() - started < 2
            assert len(batch) == 5 and batch.isdisjoint(locked)
        rest = {d.reminder_id for d in queue.claim_due(claimer, NOW, "third", limit=50)}
        assert rest == locked | (rest - batch) and len(rest) == 5  # the once-locked rows are claimed next
    finally:
        claimer.dispose()
        engine.dispose()
