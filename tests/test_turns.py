"""A turn under the runner's database lock: two processes, stale saves, and what a turn writes and logs.

The two-process tests run real `Engine`s in spawned processes against one SQLite
file and one PostgreSQL schema, both answering the same runner's last check-in
question at the same moment: the run must be logged exactly once.
"""

from __future__ import annotations

import logging
import multiprocessing
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, func, select

from dialogs.engine import SAVE_FAILED, Engine
from dialogs.messages import Address, Incoming
from dialogs.models import Profile
from dialogs.ports import Change, Conversation
from storage import turns
from storage.database import open_database
from storage.repository import SqlStore, StaleTurn
from storage.tables import Run, Runner
from tests.conftest import Chat, onboard

REPORT = "ran 8 km in 45 min on concrete, easy effort, lower back aching 4/10 since yesterday, staying the same, doesn't ease when warmed up"
ROUNDS = {"sqlite": 8, "postgresql": 4}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'backstride.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(url: str) -> Iterator[SqlStore]:
    engine = open_database(url)
    yield SqlStore(engine)
    engine.dispose()


async def _at_last_question(chat: Chat) -> None:
    """Onboards the chat's runner and types a check-in with pain up to its last safety question."""
    await onboard(chat)
    await chat.say(REPORT)
    for _ in range(3):  # spine, heart and today groups; the soon group is the last question
        await chat.say("none")
    assert "last group" in chat.text.lower()


def _worker(url: str, go: Any, barrier: Any, results: Any) -> None:
    """One bot process: for each runner id it is sent, answers that runner's last question at the barrier."""
    store = SqlStore(open_database(url, create=False, upgrade=False))
    engine = Engine(store)
    for user in iter(go.get, None):
        address = Address("terminal", user, user)
        barrier.wait(timeout=30)
        replies = engine.handle_sync(Incoming.from_text(address, "none"))
        results.put((user, "\n".join(r.text for r in replies)))
    store.engine.dispose()


async def test_two_processes_answering_one_runner_log_the_run_once(store: SqlStore, url: str) -> None:
    kind = store.engine.dialect.name
    rounds = ROUNDS[kind]
    users = [f"racer{n}" for n in range(rounds)]
    engine = Engine(store)
    for user in users:
        await _at_last_question(Chat(engine, user=user))
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    queues = [spawn.Queue(), spawn.Queue()]
    workers = [spawn.Process(target=_worker, args=(url, q, barrier, results)) for q in queues]
    for worker in workers:
        worker.start()
    try:
        answers: dict[str, list[str]] = {}
        for user in users:
            for q in queues:
                q.put(user)
            for _ in queues:
                got_user, said = results.get(timeout=60)
                answers.setdefault(got_user, []).append(said)
    finally:
        for q in queues:
            q.put(None)
        for worker in workers:
            worker.join(timeout=30)
    with Session(store.engine) as session:
        logged = {
            user: session.exec(
                select(func.count()).select_from(Run).join(Runner).where(Runner.user_id == user)
            ).one()
            for user in users
        }
    assert logged == {user: 1 for user in users}
    for user in users:  # one process gave the advice; the other found the check-in already finished
        assert sum("Logged:" in said for said in answers[user]) == 1, answers[user]


async def test_a_stale_save_is_refused_and_nothing_of_the_turn_is_written(store: SqlStore) -> None:
    ann = Address("terminal", "ann", "ann")
    store.save(ann, Change(conversation=Conversation(state="checkin:surface", question=3), profile=Profile(name="Ann")))
    with pytest.raises(StaleTurn):
        with store.turn(ann):
            turn = turns.current(ann)
            assert turn is not None
            # another writer got in between (the lock makes this impossible; the version check still holds)
            turn.session.execute(text("UPDATE conversationstate SET version = version + 1"))
            store.save(ann, Change(conversation=Conversation(state="idle", question=4)))
    assert store.load(ann).conversation.state == "checkin:surface"


def _counting(store: SqlStore) -> dict[str, Any]:
    """Counts SQL statements (without transaction control) and commits on the store's engine."""
    seen: dict[str, Any] = {"statements": [], "commits": 0}

    def statement(conn, cursor, sql: str, *args: Any) -> None:  # type: ignore[no-untyped-def]
        if not sql.lstrip().upper().startswith("BEGIN"):
            seen["statements"].append(sql.split(None, 1)[0].upper())

    def commit(conn) -> None:  # type: ignore[no-untyped-def]
        seen["commits"] += 1

    event.listen(store.engine, "before_cursor_execute", statement)
    event.listen(store.engine, "commit", commit)
    return seen


async def test_a_typed_check_in_is_lean_and_help_writes_nothing(store: SqlStore) -> None:
    chat = Chat(Engine(store))
    await onboard(chat)
    seen = _counting(store)
    await chat.say(REPORT)
    for _ in range(4):  # the four warning-sign groups of a first pain report
        await chat.say("none")
    assert "Logged:" in chat.text
    locks = 5 if store.engine.dialect.name == "postgresql" else 0  # one advisory lock per turn
    assert len(seen["statements"]) <= 24 + locks, seen["statements"]  # + the coaching events and 30-day window reads
    assert seen["commits"] == 5  # one per turn: the report and the four screen answers
    seen["statements"].clear()
    seen["commits"] = 0
    await chat.say("/help")
    assert "/checkin" in chat.text
    assert seen["commits"] == 0
    assert not {"INSERT", "UPDATE", "DELETE"} & set(seen["statements"]), seen["statements"]


async def test_a_failed_save_logs_no_conversation_data(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = SqlStore(open_database(f"sqlite:///{tmp_path / 'b.db'}"))
    chat = Chat(Engine(store))
    await onboard(chat)
    with store.engine.begin() as connection:
        connection.execute(text(
            "CREATE TRIGGER refuse BEFORE UPDATE ON conversationstate BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        ))
    caplog.set_level(logging.DEBUG)
    replies = await chat.say(REPORT)
    assert [r.text for r in replies] == [SAVE_FAILED]
    logged = caplog.text
    assert "disk says no" in logged and "parameters hidden" in logged  # the error is there, its values are not
    for health in ("low_back", "aching", '"pain_score"', '"duration_min"'):  # values, as the JSON would hold them
        assert health not in logged
    store.engine.dispose()


async def test_a_name_with_a_nul_byte_saves(store: SqlStore) -> None:
    chat = Chat(Engine(store))
    await chat.say("/start")
    await chat.say("An\x00n")
    saved = store.load(chat.address)
    assert saved.profile is not None and saved.profile.name == "Ann"
    assert "\x00" not in repr(saved.conversation.data)


async def test_forget_leaves_nothing_of_the_runner_in_the_sqlite_files(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    store = SqlStore(open_database(f"sqlite:///{path}"))
    chat = Chat(Engine(store))
    await chat.say("/start")
    await chat.say("Zebedee Quackenbush")
    await chat.say("Europe/London")
    wal = Path(f"{path}-wal")
    assert b"Quackenbush" in path.read_bytes() + wal.read_bytes()
    await chat.say("/forget")
    await chat.tap("Yes, delete everything")
    assert "Quackenbush" not in chat.text
    assert b"Quackenbush" not in path.read_bytes()
    assert not wal.exists() or b"Quackenbush" not in wal.read_bytes()
    store.engine.dispose()


def test_the_last_turns_window_is_read_through_the_runner_and_date_index(tmp_path: Path) -> None:
    store = SqlStore(open_database(f"sqlite:///{tmp_path / 'i.db'}"))
    captured: list[tuple[str, Any]] = []
    event.listen(store.engine, "before_cursor_execute", lambda conn, cur, sql, params, *a: captured.append((sql, params)))
    ann = Address("terminal", "ann", "ann")
    store.save(ann, Change(conversation=Conversation(), profile=Profile(name="Ann")))
    captured.clear()
    store.runs_since(ann, datetime(2026, 11, 1, tzinfo=timezone.utc))
    sql, params = next((sql, params) for sql, params in captured if re.search(r"FROM run\b", sql))
    with store.engine.connect() as connection:
        plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "ix_run_runner_logged" in plan, plan
    store.engine.dispose()
