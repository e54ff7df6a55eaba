"""Platform events: what happens on a platform reaches the engine as an Incoming, and the engine does the write."""

from __future__ import annotations

from sqlmodel import Session, select

from dialogs.engine import Engine
from dialogs.messages import Address, ChatKind, Incoming, IncomingKind
from storage.repository import SqlStore
from storage.tables import Club, Runner
from tests.conftest import Chat, onboard

GROUP = Address("telegram", "-4001", "77", ChatKind.GROUP)


def club(store: SqlStore, chat_id: str) -> Club | None:
    with Session(store.engine) as session:
        return session.exec(select(Club).where(Club.platform == "telegram", Club.chat_id == chat_id)).first()


def runners(store: SqlStore) -> int:
    with Session(store.engine) as session:
        return len(session.exec(select(Runner)).all())


async def test_joining_a_group_records_the_club_and_greets_it(engine: Engine, store: SqlStore) -> None:
    replies = await engine.handle(Incoming(GROUP, kind=IncomingKind.JOINED, chat_title="Harriers"))
    found = club(store, GROUP.chat_id)
    assert found is not None and found.active and found.title == "Harriers"
    assert replies and all(r.visibility.value == "anywhere" for r in replies)  # the group's /help
    assert runners(store) == 0  # whoever added the coach is not made a runner


async def test_leaving_and_migrating_keep_the_club(engine: Engine, store: SqlStore) -> None:
    await engine.handle(Incoming(GROUP, kind=IncomingKind.JOINED))
    assert await engine.handle(Incoming(GROUP, kind=IncomingKind.MIGRATED, moved_to="-1009999")) == []
    assert club(store, GROUP.chat_id) is None
    moved = Address("telegram", "-1009999", "77", ChatKind.GROUP)
    assert await engine.handle(Incoming(moved, kind=IncomingKind.LEFT)) == []
    found = club(store, "-1009999")
    assert found is not None and not found.active


async def test_a_blocked_runner_is_marked_inactive_by_the_engine(chat: Chat, engine: Engine, store: SqlStore) -> None:
    await onboard(chat)
    assert await engine.handle(Incoming(chat.address, kind=IncomingKind.BLOCKED)) == []
    assert store.load(chat.address).active is False
    state = store.load(chat.address).conversation
    await chat.say("/help")  # writing again makes them reachable
    assert store.load(chat.address).active is True and store.load(chat.address).conversation == state


async def test_a_group_refusing_a_delivery_changes_no_runner(engine: Engine, store: SqlStore) -> None:
    assert await engine.handle(Incoming(GROUP, kind=IncomingKind.BLOCKED)) == []
    assert runners(store) == 0


async def test_a_failing_store_costs_only_the_record(engine: Engine, store: SqlStore, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database down")

    monkeypatch.setattr(store, "set_active", broken)
    assert await engine.handle(Incoming(Address("telegram", "5", "5"), kind=IncomingKind.BLOCKED)) == []
