"""Steps only read; every write travels as an effect in the step's Outcome and is applied by the store's save."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import pytest

from dialogs.engine import Engine
from dialogs.flow import ReadOnlyStore
from dialogs.messages import ChatKind, Incoming
from dialogs.ports import STORE_VIEW
from storage.repository import SqlStore
from tests.conftest import Chat, onboard
from tests.reliability.conftest import add_due_followups, runner_id_of

WRITES = ("set_plan", "answer_followup", "snooze", "set_club_timezone", "add_club_run", "remove_club_run", "set_club_summary")


def test_a_steps_store_has_the_reads_and_refuses_every_write(store: SqlStore) -> None:
    view = ReadOnlyStore(store)
    for name in STORE_VIEW:
        assert callable(getattr(view, name))
    for name in (*WRITES, "save", "turn", "note_club_member", "set_active", "forget"):
        with pytest.raises(AttributeError, match="return an effect"):
            getattr(view, name)


@pytest.fixture
def writes(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bool]]]:
    """Records each storage write and whether it ran inside `save` (the step's outcome) or elsewhere."""
    seen: list[tuple[str, bool]] = []
    saving = [False]
    real_save = SqlStore.save

    def save(self: SqlStore, *args, **kwargs):  # type: ignore[no-untyped-def]
        saving[0] = True
        try:
            return real_save(self, *args, **kwargs)
        finally:
            saving[0] = False

    monkeypatch.setattr(SqlStore, "save", save)
    for name in WRITES:
        real = getattr(SqlStore, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            seen.append((_name, saving[0]))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(SqlStore, name, spy)
    yield seen


async def test_plan_reminder_and_club_changes_are_written_by_the_save(chat: Chat, engine: Engine, store: SqlStore, writes: list[tuple[str, bool]]) -> None:
    await onboard(chat)
    for line in ["/plan Mon 07:00", "/plan warmup 40", "/pause", "/resume", "/plan daily 20:00", "/plan quiet off"]:
        await chat.say(line)
    [followup] = add_due_followups(store, [runner_id_of(store, "ann")], engine.clock() - timedelta(hours=1), state="sent")
    await chat.press(f"f:{followup}:same")
    await chat.press(f"z:{followup}:1h")
    group = Chat(engine, user="ann", chat_kind=ChatKind.GROUP, chat_id="club")

    async def admin(text: str) -> None:
        group.replies = await engine.handle(replace(Incoming.from_text(group.address, text), is_admin=True))

    for line in ["/clubrun timezone Europe/Paris", "/clubrun add Sat 09:00 Park gates", "/clubrun summary on", "/clubrun remove 1"]:
        await admin(line)
    assert {name for name, _ in writes} == set(WRITES)
    assert all(inside for _, inside in writes), [name for name, inside in writes if not inside]


async def test_a_group_change_is_stored_and_the_runner_is_untouched(chat: Chat, engine: Engine, store: SqlStore) -> None:
    await onboard(chat)
    before = store.load(chat.address)
    group = Chat(engine, user="ann", chat_kind=ChatKind.GROUP, chat_id="club")
    replies = await engine.handle(replace(Incoming.from_text(group.address, "/clubrun add Sat 09:00 Park gates"), is_admin=True))
    assert "Added: Saturday 09:00 at Park gates" in replies[0].text
    assert [(r.weekday, r.time, r.place) for r in store.club_runs("terminal", "club")] == [(5, "09:00", "Park gates")]
    assert store.load(chat.address) == before


async def test_a_failed_save_leaves_no_half_written_plan(chat: Chat, store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    await onboard(chat)

    def refuse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(SqlStore, "_write_conversation", refuse)
    await chat.say("/plan Mon 07:00")
    assert "Sorry" in chat.text  # the save failed: the runner is told
    monkeypatch.undo()
    assert store.plan(chat.address) is None  # and the plan was not half-written outside the turn
