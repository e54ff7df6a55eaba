"""Only group-safe replies in a group, decided by the engine alone; private ones go to a private chat the platform names."""

from __future__ import annotations

from dataclasses import replace

from dialogs import engine as engine_module
from dialogs.engine import Engine
from dialogs.flow import Outcome, fresh
from dialogs.messages import Address, ChatKind, Incoming, Reply, ReplyKind, Visibility, group_safe
from storage.repository import SqlStore

GROUP = Address("discord", "chan-1", "u1", ChatKind.GROUP)


def leaky(ctx, incoming):  # type: ignore[no-untyped-def]
    """A group handler that (wrongly) answers with something private."""
    return Outcome([Reply("for everyone", visibility=Visibility.ANYWHERE), Reply("pain 7/10")], fresh(ctx.conversation))


def test_group_safe_keeps_only_anywhere_replies_in_a_group() -> None:
    public, secret = Reply("hi", visibility=Visibility.ANYWHERE), Reply("pain 7/10")
    assert group_safe(GROUP, [public, secret]) == [public]
    private = Address("discord", "dm-1", "u1")
    assert group_safe(private, [public, secret]) == [public, secret]


async def test_a_private_reply_never_leaves_the_engine_for_a_group(engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(engine_module.GROUP_HANDLERS, "clubrun", leaky)
    replies = await engine.handle(Incoming.from_text(GROUP, "/clubrun list"))
    assert [r.text for r in replies] == ["for everyone"]


async def test_with_a_private_chat_named_private_replies_are_marked_for_it(engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(engine_module.GROUP_HANDLERS, "clubrun", leaky)
    incoming = replace(Incoming.from_text(GROUP, "/clubrun list"), private_chat="dm-1")
    replies = await engine.handle(incoming)
    assert [(r.text, r.visibility) for r in replies] == [("for everyone", Visibility.ANYWHERE),
                                                         ("pain 7/10", Visibility.PRIVATE)]


async def test_a_private_command_in_a_group_runs_once_in_the_private_chat(engine: Engine, store: SqlStore) -> None:
    incoming = replace(Incoming.from_text(GROUP, "/checkin"), private_chat="dm-1")
    replies = await engine.handle(incoming)
    assert replies and all(r.visibility is Visibility.PRIVATE for r in replies)
    assert store.load(Address("discord", "dm-1", "u1")).conversation.state != "idle"
    assert store.load(GROUP).conversation.state == "idle"  # nothing kept for the group chat


async def test_without_a_private_chat_a_group_only_gets_the_link(engine: Engine) -> None:
    [reply] = await engine.handle(Incoming.from_text(GROUP, "/checkin"))
    assert reply.kind == ReplyKind.GO_PRIVATE and reply.visibility is Visibility.ANYWHERE


async def test_an_emergency_in_a_group_command_is_answered_in_the_group(engine: Engine) -> None:
    incoming = replace(Incoming.from_text(GROUP, "/history I can't feel my legs and lost bladder control"),
                       private_chat="dm-1")
    [reply] = await engine.handle(incoming)
    assert reply.kind == ReplyKind.GO_PRIVATE and reply.visibility is Visibility.ANYWHERE
