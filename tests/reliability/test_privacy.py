"""Privacy: /export hands over everything stored about a runner; /forget leaves nothing behind.

Ann uses everything: onboarding, a settings change, check-ins with and without pain,
a half-finished check-in, /plan with a daily check-in and quiet hours, a sent warm-up
she snoozes and a follow-up she answers. Bob uses the coach too. Both checks walk
SQLModel.metadata (every table with a runner_id, and the runner row), so a table
added later is covered without touching this test.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import pytest
from sqlalchemy import String, Text
from sqlmodel import Session, SQLModel, select

from bot.outbound import Delivery
from bot.scheduler import Dispatcher
from dialogs.engine import Engine
from dialogs.messages import Address, Reply
from storage.repository import SqlStore
from tests.conftest import Chat, Clock, onboard
from tests.reliability.conftest import rows_about, runner_id_of

logger = logging.getLogger(__name__)

UTC = timezone.utc


class Outbox:
    """A terminal Sender that keeps what the dispatcher sends."""

    platform = "terminal"

    def __init__(self) -> None:
        self.sent: list[tuple[Address, Reply]] = []

    async def send(self, address: Address, replies: Sequence[Reply]) -> Delivery:
        self.sent.extend((address, r) for r in replies)
        return Delivery.SENT

    def payload(self, address: Address, prefix: str) -> str:
        for to, reply in reversed(self.sent):
            for button in reply.flat_buttons:
                if to == address and button.payload.startswith(prefix):
                    return button.payload
        raise AssertionError(f"no {prefix} button was sent to {address}")


def _same(stored: Any, exported: Any) -> bool:
    """Compares a stored value with its JSON form (times as ISO 8601 UTC)."""
    if isinstance(stored, datetime):
        moment = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
        return isinstance(exported, str) and datetime.fromisoformat(exported) == moment
    return bool(stored == exported)


async def _use_everything(chat: Chat, clock: Clock, dispatcher: Dispatcher, outbox: Outbox, name: str) -> None:
    await onboard(chat)
    await chat.say("/settings")
    await chat.tap("Name")
    await chat.say(name)
    await chat.say("/settings")  # the health facts skipped at onboarding, given later
    await chat.tap("Age and health facts")
    await chat.tap("50–64")
    await chat.tap("Osteoporosis (thin bones)")
    await chat.tap("That's all")
    await chat.say("ran 8 km in 45 min on road, lower back aching 4/10 since yesterday")
    for label in ("Easy", "Same", "No", "No", "No", "No", "No"):  # then No to each of the four safety groups
        await chat.tap(label)
    assert "Logged:" in chat.text
    await chat.say("/plan Mon Wed 07:00")
    await chat.say("/plan daily 20:30")
    await chat.say("/plan quiet 23:00-06:00")
    await chat.say("/pause")
    await chat.say("/resume")
    clock.now = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)  # Monday: the warm-up for 07:00 London
    await dispatcher.tick()
    await chat.press(outbox.payload(chat.address, "z:").replace(":1d", ":1h"))
    assert "remind you again at" in chat.text
    clock.now = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # the day after the pain: the follow-up
    await dispatcher.tick()
    followup = outbox.payload(chat.address, "f:")
    await chat.press(followup.rsplit(":", 1)[0] + ":same")
    assert "ask again in two days" in chat.text
    await chat.say("ran 5k in 28 min on grass, no pain")
    await chat.tap("Easy")
    await chat.say("/history")
    await chat.say("/progress")
    await chat.say("/checkin 6 km")  # left half-way: the conversation holds it


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both checks run on SQLite and on PostgreSQL (skipped with the reason when no server answers)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'backstride.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def dispatcher(store: SqlStore, outbox: Outbox, clock: Clock) -> Dispatcher:
    return Dispatcher(store.engine, {"terminal": outbox}, clock, store=store)


async def test_export_holds_every_stored_field_and_forget_leaves_no_row(
    engine: Engine, store: SqlStore, clock: Clock, dispatcher: Dispatcher, outbox: Outbox
) -> None:
    ann, bob = Chat(engine, "ann-4711"), Chat(engine, "bob-0815")
    await _use_everything(ann, clock, dispatcher, outbox, "Annabelle Quill")
    clock.now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    await _use_everything(bob, clock, dispatcher, outbox, "Bobby Tables")
    ann_id, bob_id = runner_id_of(store, "ann-4711"), runner_id_of(store, "bob-0815")
    ann_rows = rows_about(store, ann_id)
    for table in ("run", "painreport", "triagerecord", "conversationstate", "reminder_plan", "reminder"):
        assert ann_rows[table], f"the scenario stored nothing in {table}"
    assert {r["kind"] for r in ann_rows["reminder"]} >= {"warmup", "after_run", "daily", "followup"}
    assert any(r["answer"] == "same" for r in ann_rows["reminder"])
    assert any(r["stage"] == 2 for r in ann_rows["reminder"])  # answering "same" scheduled the next one

    # /export: the CSV of runs, and every stored field of every row of hers in the JSON.
    replies = await ann.say("/export")
    documents = {r.document[0]: r.document[1] for r in replies if r.document}
    assert set(documents) == {"backstride-runs.csv", "backstride-data.json"}
    runs = list(csv.DictReader(io.StringIO(documents["backstride-runs.csv"].decode())))
    assert len(runs) == 2 and {r["pain_score"] for r in runs} == {"4", ""}
    exported = json.loads(documents["backstride-data.json"])
    assert exported["runner"]["age_band"] == "50_64" and "osteoporosis" in json.dumps(exported["runner"])
    missing = []
    for table, stored_rows in ann_rows.items():  # as they were when /export read them
        exported_rows = exported.get(table, [])
        exported_rows = [exported_rows] if isinstance(exported_rows, dict) else exported_rows  # "runner": one row
        assert len(exported_rows) == len(stored_rows), table
        by_id = {row["id"]: row for row in exported_rows}
        for stored in stored_rows:
            row = by_id.get(stored["id"], {})
            missing += [f"{table}.{column}" for column, value in stored.items()
                        if column not in row or not _same(value, row[column])]  # fmt: skip
    assert not missing, f"not in the export: {missing}"
    text = documents["backstride-data.json"].decode()
    assert "Bobby Tables" not in text and "bob-0815" not in text and f'"runner_id": {bob_id}' not in text

    # /forget: nothing about Ann in any table; Bob's rows exactly as they were.
    bob_before = rows_about(store, bob_id)
    await ann.say("/forget")
    await ann.tap("Yes, delete everything")
    assert "deleted" in ann.text
    left = {table: rows for table, rows in rows_about(store, ann_id).items() if rows}
    assert not left, f"rows about Ann survived /forget: {sorted(left)}"
    with Session(store.engine) as session:
        for table in SQLModel.metadata.sorted_tables:  # no table, owned or not, still mentions her
            for column in table.c:
                if isinstance(column.type, (String, Text)):
                    hits = session.execute(select(column).where(column.contains("ann-4711"))).all()
                    assert not hits, f"{table.name}.{column.name} still mentions Ann"
    assert rows_about(store, bob_id) == bob_before
    logger.info("privacy: %d of Ann's rows exported field by field, then forgotten",
                sum(len(v) for v in ann_rows.values()))


async def test_export_for_a_runner_without_runs_still_sends_their_settings(engine: Engine) -> None:
    cas = Chat(engine, "cas")
    await onboard(cas)
    replies = await cas.say("/export")
    [document] = [r.document for r in replies if r.document]
    assert document[0] == "backstride-data.json"
    data = json.loads(document[1])
    assert data["runner"]["name"] == "Ann" and data["runner"]["timezone"] == "Europe/London"
    assert data["run"] == [] and data["conversationstate"]
