"""One runner can never read or change another's data, whatever they type or whichever button
payload they forge.

Ann has a name, runs with pain, a plan, and a warm-up and a follow-up that were sent to her.
Bob, in his own chat, sends every command and forges button payloads carrying Ann's
reminder ids, unknown ids, malformed ones and answers to questions that are not his.
Everything Ann has stays byte for byte as it was, and nothing of hers shows up in any
reply Bob gets, in private or in a group.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Sequence

import pytest

from bot.outbound import Delivery
from bot.scheduler import Dispatcher
from dialogs.engine import PRIVATE_COMMANDS, Engine
from dialogs.messages import Address, ChatKind, Reply
from storage.repository import SqlStore
from tests.conftest import Chat, Clock, onboard
from tests.reliability.conftest import rows_about, runner_id_of

logger = logging.getLogger(__name__)

UTC = timezone.utc
NOT_YOURS = "isn't one of yours"
ANN_SECRETS = ("Annabelle", "13.7", "06:45", "leg below knee", "leg_below_knee")


class Outbox:
    platform = "terminal"

    def __init__(self) -> None:
        self.sent: list[tuple[Address, Reply]] = []

    async def send(self, address: Address, replies: Sequence[Reply]) -> Delivery:
        self.sent.extend((address, r) for r in replies)
        return Delivery.SENT

    def ids(self, address: Address, prefix: str) -> list[int]:
        return sorted({int(b.payload.split(":")[1]) for to, r in self.sent if to == address
                       for b in r.flat_buttons if b.payload.startswith(prefix)})  # fmt: skip


def _but_chat_time(rows: dict[str, list[dict[str, object]]]) -> dict[str, list[dict[str, object]]]:
    """The rows without the conversation's updated_at, which every turn of one's own touches."""
    chats = [{k: v for k, v in row.items() if k != "updated_at"} for row in rows.get("conversationstate", [])]
    return {**rows, "conversationstate": chats}


@pytest.fixture
async def world(engine: Engine, store: SqlStore, clock: Clock) -> tuple[Chat, Chat, Outbox]:
    """Ann with everything (and reminders sent to her), Bob with a follow-up of his own."""
    outbox = Outbox()
    dispatcher = Dispatcher(store.engine, {"terminal": outbox}, clock, store=store)
    ann, bob = Chat(engine, "ann"), Chat(engine, "bob")
    for chat in (ann, bob):
        await onboard(chat)
    await ann.say("/settings")
    await ann.tap("Name")
    await ann.say("Annabelle")
    await ann.say("ran 13.7 km in 80 min on road, pain below the knee 6/10 since yesterday")
    await bob.say("ran 5 km in 30 min on grass, lower back aching 3/10 since today")
    for chat in (ann, bob):
        while chat.state().startswith("checkin"):
            await chat.tap("No" if chat.labels == ["Yes", "No", "Not sure"] else chat.labels[0])
    await ann.say("/plan Mon Thu 07:15")
    await ann.say("/plan warmup 30")
    clock.now = datetime(2026, 11, 23, 7, 1, tzinfo=UTC)  # Monday: Ann's warm-up (07:15 London; quiet hours end 07:00)
    await dispatcher.tick()
    clock.now = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # the follow-ups, the day after the pain
    await dispatcher.tick()
    assert outbox.ids(ann.address, "f:") and outbox.ids(bob.address, "f:") and len(outbox.ids(ann.address, "z:")) >= 2
    return ann, bob, outbox


async def test_forged_buttons_cannot_touch_another_runners_reminders(world, store: SqlStore) -> None:  # type: ignore[no-untyped-def]
    ann, bob, outbox = world
    ann_id, bob_id = runner_id_of(store, "ann"), runner_id_of(store, "bob")
    ann_before, bob_before = rows_about(store, ann_id), rows_about(store, bob_id)
    ann_reminders = outbox.ids(ann.address, "z:")
    forged = [f"f:{rid}:{answer}" for rid in outbox.ids(ann.address, "f:") for answer in ("better", "same", "worse")]
    forged += [f"z:{rid}:{when}" for rid in ann_reminders for when in ("1h", "1d")]
    forged += ["f:999999:better", "z:999999:1h", "z:0:1h", "f:-1:same", "z:-5:1d", "f:1e3:better",
               f"f:{ann_reminders[0]}:better:extra", f"z:{ann_reminders[0]}", f"z:{ann_reminders[0]}:7d", "f::", "z:"]  # fmt: skip
    for payload in forged:
        replies = await bob.press(payload)
        assert NOT_YOURS in bob.text, (payload, bob.text)
        assert not any(s in r.text for r in replies for s in ANN_SECRETS)
    assert rows_about(store, ann_id) == ann_before, "a forged button changed Ann's data"
    assert _but_chat_time(rows_about(store, bob_id)) == _but_chat_time(bob_before), "a refused button wrote something"


async def test_answers_to_questions_that_are_not_bobs_are_refused(world, store: SqlStore) -> None:  # type: ignore[no-untyped-def]
    ann, bob, _ = world
    await ann.say("/checkin")
    ann_question = store.load(ann.address).conversation.question
    ann_id = runner_id_of(store, "ann")
    ann_before = rows_about(store, ann_id)
    await bob.press(f"a{ann_question}:8")  # Bob is idle: nothing of his to answer
    assert "passed" in bob.text
    await bob.say("/checkin")
    bob_question = store.load(bob.address).conversation.question
    for payload in (f"a{bob_question}:road", f"a{bob_question}:yes", f"a{bob_question - 1}:10", f"a{bob_question + 1}:10",
                    f"a{bob_question}:" + "9" * 40, f"a{bob_question}:"):  # fmt: skip
        await bob.press(payload)  # the distance question has no buttons: none of these is an answer
        assert bob.state() == "checkin:distance_km", payload
    assert store.load(bob.address).conversation.data["checkin"].get("distance_km") is None
    assert rows_about(store, ann_id) == ann_before


async def test_no_command_shows_bob_anything_of_anns(world, store: SqlStore) -> None:  # type: ignore[no-untyped-def]
    ann, bob, _ = world
    ann_before = rows_about(store, runner_id_of(store, "ann"))
    arguments = ["", "ann", "Annabelle", "1", str(runner_id_of(store, "ann")), "../ann", "terminal:ann"]
    for command in sorted(PRIVATE_COMMANDS):
        if command == "forget":
            continue  # asks; covered below
        for args in arguments:
            replies = await bob.say(f"/{command} {args}".strip())
            documents = b"".join(r.document[1] for r in replies if r.document)
            seen = "\n".join(r.text for r in replies) + documents.decode("utf-8", "replace")
            assert not [s for s in ANN_SECRETS if s in seen], (command, args, seen[:300])
            await bob.say("/cancel")
    await bob.say("/forget ann")
    await bob.tap("Yes, delete everything")
    assert rows_about(store, runner_id_of(store, "ann")) == ann_before  # Bob's /forget deleted only Bob
    assert store.load(bob.address).profile is None


async def test_in_a_group_forged_buttons_and_commands_reveal_nothing(world, engine: Engine, store: SqlStore) -> None:  # type: ignore[no-untyped-def]
    ann, bob, outbox = world
    ann_before = rows_about(store, runner_id_of(store, "ann"))
    club = Chat(engine, "bob", ChatKind.GROUP, chat_id="-100200")
    payloads = [f"f:{outbox.ids(ann.address, 'f:')[0]}:worse", f"z:{outbox.ids(ann.address, 'z:')[0]}:1h", "a3:yes"]
    for payload in payloads:
        replies = await club.press(payload)
        assert not any(s in r.text for r in replies for s in ANN_SECRETS)
    for command in ("/history", "/export", "/reminders", "/progress", "/plan Mon 07:00", "/settings", "/forget"):
        replies = await club.say(command)
        assert all(r.document is None and r.image is None for r in replies)
        assert not any(s in r.text for r in replies for s in ANN_SECRETS)
    assert rows_about(store, runner_id_of(store, "ann")) == ann_before
