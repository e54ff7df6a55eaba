"""A turn reads a runner's runs once: the step's store view answers narrower reads from the widest window it read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event

from dialogs import coaching
from dialogs.engine import Engine
from dialogs.flow import ReadOnlyStore
from dialogs.models import Checkin, Tier, TriageResult
from dialogs.ports import Change, Conversation, NewRun
from storage.repository import SqlStore
from tests.conftest import Chat, Clock, onboard


def _history(store: SqlStore, chat: Chat, clock: Clock, runs: int, every_days: int) -> None:
    """Stores `runs` past runs, one every `every_days` days, the latest yesterday."""
    result = TriageResult(Tier.KEEP_EASY, (), ())
    for n in range(runs):
        checkin = Checkin(distance_km=5 + n % 4, duration_min=30 + n, surface="road", effort="easy")
        logged = clock.now - timedelta(days=1 + every_days * n)
        store.save(chat.address, Change(conversation=Conversation(), effects=[NewRun(checkin, result, logged)]))


@pytest.fixture
def run_reads(store: SqlStore) -> Iterator[list[str]]:
    """The SQL statements that read the run table, as they are sent."""
    seen: list[str] = []

    def record(conn, cursor, sql: str, *args) -> None:  # type: ignore[no-untyped-def]
        if sql.lstrip().upper().startswith("SELECT") and re.search(r"FROM run\b", sql):
            seen.append(sql)

    event.listen(store.engine, "before_cursor_execute", record)
    yield seen
    event.remove(store.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("runs, every_days", [(40, 2), (3, 30), (12, 15)])
async def test_the_view_gives_what_the_store_gives(
    store: SqlStore, chat: Chat, clock: Clock, runs: int, every_days: int
) -> None:
    await onboard(chat)
    _history(store, chat, clock, runs, every_days)
    view = ReadOnlyStore(store)
    wide, narrow = clock.now - coaching.HISTORY, clock.now - timedelta(weeks=5)
    assert view.runs_since(chat.address, wide) == store.runs_since(chat.address, wide)
    assert view.runs_since(chat.address, narrow) == store.runs_since(chat.address, narrow)
    for limit in (1, 5, 10, 0):
        assert view.recent_runs(chat.address, limit) == store.recent_runs(chat.address, limit)
    older = clock.now - timedelta(days=400)  # wider than the window read: read again, and kept
    assert view.runs_since(chat.address, older) == store.runs_since(chat.address, older)


async def test_narrower_reads_inside_the_window_send_no_sql(
    store: SqlStore, chat: Chat, clock: Clock, run_reads: list[str]
) -> None:
    await onboard(chat)
    _history(store, chat, clock, 40, 2)
    view = ReadOnlyStore(store)
    view.runs_since(chat.address, clock.now - coaching.HISTORY)
    assert len(run_reads) == 1
    view.runs_since(chat.address, clock.now - timedelta(weeks=5))
    view.recent_runs(chat.address, limit=10)
    assert len(run_reads) == 1
    view.recent_runs(chat.address, limit=0)  # all of them: more than the window holds
    assert len(run_reads) == 2


async def test_a_checkins_last_turn_reads_the_runs_once(
    store: SqlStore, engine: Engine, chat: Chat, clock: Clock, run_reads: list[str]
) -> None:
    await onboard(chat)
    _history(store, chat, clock, 60, 2)
    await chat.say("ran 8 km in 45 min on concrete, easy effort, lower back aching 3/10 since yesterday, "
                   "staying the same, eases once warmed up")
    while "Logged:" not in chat.text:
        assert chat.labels, chat.text
        run_reads.clear()
        await chat.tap("No")
    assert len(run_reads) == 1, run_reads
    assert "8.0 km in 45 min" in chat.text
