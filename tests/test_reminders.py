"""Reminders end to end: /plan through the engine, the dispatcher against a fake Sender, a controlled clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Sequence

import pytest
from sqlmodel import Session, select

from bot.outbound import Delivery
from bot.scheduler import Dispatcher
from dialogs.messages import Address, ChatKind, Reply, Visibility
from dialogs.models import Checkin, Tier, TriageResult
from dialogs.ports import Change, ClubRunInfo, Conversation, Forget, NewRun
from storage.database import open_database
from storage.queue import claim_due
from storage.tables import Reminder
from storage.repository import SqlStore
from tests.conftest import Chat, Clock

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class FakeSender:
    """Records what the dispatcher sends; answers BLOCKED for chosen chats."""

    def __init__(self, platform: str = "terminal") -> None:
        self.platform = platform
        self.sent: list[tuple[Address, Reply]] = []
        self.blocked: set[str] = set()

    async def send(self, address: Address, replies: Sequence[Reply]) -> Delivery:
        if address.chat_id in self.blocked:
            return Delivery.BLOCKED
        self.sent.extend((address, r) for r in replies)
        return Delivery.SENT

    def take(self) -> list[tuple[Address, Reply]]:
        out, self.sent = self.sent, []
        return out


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


@pytest.fixture
def dispatcher(store: SqlStore, sender: FakeSender, clock: Clock) -> Dispatcher:
    return Dispatcher(store.engine, {"terminal": sender}, clock, store=store)


async def join(chat: Chat, zone: str = "Europe/London") -> None:
    """Onboards the chat's runner in a time zone."""
    await chat.say("/start")
    await chat.say("Ann")
    await chat.say(zone)
    await chat.tap("Kilometres")
    await chat.tap("3–4 times")
    await chat.tap("Road / concrete")
    await chat.tap("In the past")
    await chat.tap("Skip")
    await chat.tap("None of these")


async def tick_at(clock: Clock, dispatcher: Dispatcher, sender: FakeSender, when: datetime) -> list[tuple[Address, Reply]]:
    clock.now = when
    await dispatcher.tick()
    return sender.take()


def log_run(store: SqlStore, address: Address, when: datetime, pain: bool = False, tier: Tier = Tier.KEEP_EASY) -> None:
    checkin = Checkin(distance_km=5, duration_min=30, surface="grass", effort="easy", has_pain=pain, pain_score=4 if pain else None)
    store.save(address, Change(Conversation(), effects=[NewRun(checkin, TriageResult(tier, ("T",)), when)]))


def pending(store: SqlStore, kind: str | None = None) -> list[Reminder]:
    with Session(store.engine) as session:
        query = select(Reminder).where(Reminder.state == "pending")
        if kind:
            query = query.where(Reminder.kind == kind)
        return list(session.exec(query.order_by(Reminder.due_at)))


def payloads(reply: Reply) -> list[str]:
    return [b.payload for b in reply.flat_buttons]


# --------------------------------------------------------------------------- plan -> warm-up


@pytest.mark.parametrize(
    ("zone", "warmup_utc"),
    [
        ("Europe/London", utc(2026, 11, 23, 7, 30)),  # GMT in November
        ("America/New_York", utc(2026, 11, 23, 12, 30)),  # EST, UTC-5
        ("Asia/Kolkata", utc(2026, 11, 23, 2, 0)),  # UTC+05:30
        ("+05:30", utc(2026, 11, 23, 2, 0)),  # a bare offset
        ("Australia/Sydney", utc(2026, 11, 22, 20, 30)),  # AEDT, UTC+11: Monday morning is Sunday evening in UTC
    ],
)
async def test_plan_sends_the_warmup_at_the_right_utc_instant(
    zone: str, warmup_utc: datetime, chat: Chat, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat, zone)
    await chat.say("/plan Mon 08:00")
    assert "Mon 08:00" in chat.text and "30 min before" in chat.text
    assert await tick_at(clock, dispatcher, sender, warmup_utc - timedelta(minutes=1)) == []
    sent = await tick_at(clock, dispatcher, sender, warmup_utc)
    assert len(sent) == 1
    address, reply = sent[0]
    assert address == chat.address and reply.visibility is Visibility.PRIVATE
    assert "08:00" in reply.text and "(Source:" in reply.text
    assert "/checkin" in payloads(reply)
    assert any(p.startswith("z:") and p.endswith(":1h") for p in payloads(reply))
    assert any(p.endswith(":1d") for p in payloads(reply))
    assert await tick_at(clock, dispatcher, sender, warmup_utc + timedelta(minutes=1)) == []
    assert (await tick_at(clock, dispatcher, sender, warmup_utc + timedelta(days=7)))[0][1].kind == "reminder"


async def test_the_real_scheduler_fires_the_job(chat: Chat, store: SqlStore, sender: FakeSender) -> None:
    now = utc(2026, 11, 23, 7, 30)
    clock = Clock(utc(2026, 11, 22, 8, 0))
    chat.engine.clock = clock
    await join(chat)
    await chat.say("/plan Mon 08:00")
    clock.now = now
    dispatcher = Dispatcher(store.engine, {"terminal": sender}, clock, interval=0.05)
    await dispatcher.start()
    try:
        for _ in range(100):
            if sender.sent:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # more ticks fire: still one delivery
    finally:
        await dispatcher.stop()
    assert len(sender.sent) == 1 and "08:00" in sender.sent[0][1].text


async def test_warmup_texts_vary(chat: Chat, clock: Clock, dispatcher: Dispatcher, sender: FakeSender) -> None:
    await join(chat)
    await chat.say("/plan daily 08:00")
    await chat.say("/plan Mon Tue Wed 09:00")
    texts = []
    for day in range(23, 26):
        texts += [r.text for _, r in await tick_at(clock, dispatcher, sender, utc(2026, 11, day, 8, 30)) if "09:00" in r.text]
    assert len(texts) == 3 and len(set(texts)) == 3


async def test_plan_flow_by_questions_and_reminders_list(chat: Chat, clock: Clock) -> None:
    await join(chat, "America/New_York")
    await chat.say("/plan")
    assert "Which days" in chat.text
    await chat.say("Tue Thu 6:30pm, sat 9.30")
    assert "warm-up" in chat.text.lower()
    await chat.tap("45 min")
    await chat.say("20:30")
    assert chat.state() == "idle"
    assert "Tue Thu 18:30, Sat 09:30" in chat.text and "45 min" in chat.text and "20:30" in chat.text
    await chat.say("/reminders")
    # Sunday 22 Nov 03:00 in New York: daily at 20:30 comes first, then Tuesday's warm-up at 17:45.
    lines = chat.text.splitlines()
    assert "America/New_York" in lines[0]
    assert lines[1] == "• Sun 22 Nov 20:30: daily check-in"
    assert "• Tue 24 Nov 17:45: warm-up" in chat.text


async def test_plan_rejects_days_without_a_time(chat: Chat) -> None:
    await join(chat)
    await chat.say("/plan")
    await chat.say("Mon Wed")
    assert "What time on Mon, Wed" in chat.text and chat.state() == "plan:slots"
    await chat.say("/plan warmup 500")
    assert "between 5 and 180" in chat.text


async def test_plan_needs_onboarding_first(chat: Chat) -> None:
    await chat.say("/plan Mon 07:00")
    assert "/start" in chat.text


# --------------------------------------------------------------------------- after the run


async def test_after_run_prompt_comes_unless_they_checked_in(
    chat: Chat, engine, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender  # type: ignore[no-untyped-def]
) -> None:
    await join(chat)
    await chat.say("/plan Mon Tue 08:00")
    await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 7, 30))  # Monday warm-up
    sent = await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 10, 0))
    assert [r.text for _, r in sent] == ["How did the run go? Tell me in a line, or tap Check in."]
    assert "/checkin" in payloads(sent[0][1])
    await tick_at(clock, dispatcher, sender, utc(2026, 11, 24, 7, 30))  # Tuesday warm-up
    log_run(store, chat.address, utc(2026, 11, 24, 9, 10))
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 24, 10, 0)) == []
    # the chain goes on: next Monday's prompt is scheduled
    assert any(r.kind == "after_run" and r.due_at.day == 30 for r in pending(store))


# --------------------------------------------------------------------------- follow-up after pain


async def test_pain_followup_same_then_same_escalates_to_see_a_doctor(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    log_run(store, chat.address, utc(2026, 11, 22, 18, 0), pain=True, tier=Tier.REST)
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 7, 59)) == []
    sent = await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 8, 0))  # the next morning, 08:00 local
    assert len(sent) == 1 and sent[0][1].text == "How does your back feel now, compared with before your last run?"
    labels = [b.label for b in sent[0][1].flat_buttons]
    assert labels[:3] == ["Back to my usual", "Not settled yet", "Worse than before"] and "Snooze 1 hour" in labels
    clock.now = utc(2026, 11, 23, 18, 5)
    await chat.press(sent[0][1].flat_buttons[1].payload)  # Same
    assert "two days" in chat.text
    await chat.press(sent[0][1].flat_buttons[1].payload)
    assert "already answered" in chat.text
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 24, 18, 5)) == []
    again = await tick_at(clock, dispatcher, sender, utc(2026, 11, 25, 18, 5))
    assert len(again) == 1 and "Checking in again" in again[0][1].text
    await chat.press(again[0][1].flat_buttons[1].payload)  # still the same
    assert "doctor" in chat.text and "(Source:" in chat.text
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 30, 12, 0)) == []


async def test_worse_goes_straight_to_see_a_doctor_and_better_ends_it(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    log_run(store, chat.address, utc(2026, 11, 22, 12, 0), pain=True, tier=Tier.KEEP_EASY)
    first = await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 12, 0))
    await chat.press(first[0][1].flat_buttons[2].payload)  # Worse
    assert "doctor" in chat.text
    assert pending(store, "followup") == []
    log_run(store, chat.address, utc(2026, 11, 24, 12, 0), pain=True, tier=Tier.KEEP_EASY)
    second = await tick_at(clock, dispatcher, sender, utc(2026, 11, 25, 12, 0))
    await chat.press(second[0][1].flat_buttons[0].payload)  # Better
    assert "Good to hear" in chat.text and pending(store, "followup") == []


async def test_after_an_emergency_one_gentle_check_and_nothing_more(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    log_run(store, chat.address, utc(2026, 11, 22, 12, 0), pain=True, tier=Tier.EMERGENCY)
    sent = await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 12, 0))
    assert len(sent) == 1 and "hope you got help" in sent[0][1].text
    assert not any(p.startswith("f:") for p in payloads(sent[0][1]))
    assert "pain" not in sent[0][1].text.lower()
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 27, 12, 0)) == []


async def test_tampered_followup_and_snooze_payloads_are_refused(
    chat: Chat, engine, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender  # type: ignore[no-untyped-def]
) -> None:
    await join(chat)
    log_run(store, chat.address, utc(2026, 11, 22, 12, 0), pain=True, tier=Tier.REST)
    sent = await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 12, 0))
    reminder_id = sent[0][1].flat_buttons[0].payload.split(":")[1]
    bob = Chat(engine, user="bob")
    await join(bob)
    for payload in (f"f:{reminder_id}:worse", f"z:{reminder_id}:1h", "f:abc:better", "f:999999:same", f"f:{reminder_id}:dead", "f:"):
        await bob.press(payload)
        assert "isn't one of yours" in bob.text, payload
    await chat.press(f"f:{reminder_id}:better")
    assert "Good to hear" in chat.text  # Bob's presses changed nothing


# --------------------------------------------------------------------------- quiet hours, snooze, pause


async def test_quiet_hours_postpone_or_skip(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    await chat.say("/plan quiet 22:00-09:00")
    log_run(store, chat.address, utc(2026, 11, 22, 23, 0), pain=True, tier=Tier.REST)  # follow-up due 08:00, in quiet hours
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 8, 0)) == []
    sent = await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 9, 0))
    assert len(sent) == 1 and "compared with before your last run" in sent[0][1].text
    # a warm-up that falls in quiet hours with the run starting at quiet's end is skipped
    await chat.say("/plan Wed 07:00")
    assert "quiet hours" in chat.text
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 25, 7, 1)) == []
    await chat.say("/plan quiet off")
    await tick_at(clock, dispatcher, sender, utc(2026, 11, 25, 7, 5))
    assert (await tick_at(clock, dispatcher, sender, utc(2026, 12, 2, 6, 30)))[0][1].text.startswith("Your run is at 07:00")


async def test_a_reminder_due_during_quiet_hours_waits_until_they_end(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    await chat.say("/plan quiet 09:00-12:00")
    log_run(store, chat.address, utc(2026, 11, 22, 21, 30), pain=True, tier=Tier.REST)  # follow-up due 08:00
    # the dispatcher was down: it wakes at 09:10, inside quiet hours, still inside the grace window
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 9, 10)) == []
    assert pending(store, "followup")[0].due_at.replace(tzinfo=UTC) == utc(2026, 11, 23, 12, 0)
    assert len(await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 12, 0))) == 1


async def test_snooze_an_hour_and_until_tomorrow(
    chat: Chat, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    await chat.say("/plan Mon 18:00")
    sent = await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 20, 0))  # after-run prompt
    assert len(sent) == 1
    snooze = [p for p in payloads(sent[0][1]) if p.endswith(":1h")][0]
    clock.now = utc(2026, 11, 23, 20, 1)
    await chat.press(snooze)
    assert "21:01" in chat.text
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 21, 0)) == []
    again = await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 21, 1))
    assert len(again) == 1 and "How did the run go" in again[0][1].text
    tomorrow = [p for p in payloads(again[0][1]) if p.endswith(":1d")][0]
    await chat.press(tomorrow)
    assert "Tue 21:01" in chat.text
    assert len(await tick_at(clock, dispatcher, sender, utc(2026, 11, 24, 21, 2))) == 1


async def test_pause_and_resume(chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender) -> None:
    await join(chat)
    await chat.say("/plan Mon 08:00")
    await chat.say("/pause")
    assert "/resume" in chat.text
    await chat.say("/reminders")
    assert "paused" in chat.text
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 7, 30)) == []
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 10, 0)) == []
    await chat.say("/resume")
    assert len(await tick_at(clock, dispatcher, sender, utc(2026, 11, 30, 7, 30))) == 1


# --------------------------------------------------------------------------- DST


async def test_dst_spring_forward_keeps_local_wall_time(chat: Chat, clock: Clock, dispatcher: Dispatcher, sender: FakeSender) -> None:
    clock.now = utc(2027, 3, 20, 12, 0)
    await join(chat)
    await chat.say("/plan Sun 08:00")  # warm-up at 07:30 London
    assert len(await tick_at(clock, dispatcher, sender, utc(2027, 3, 21, 7, 30))) == 1  # GMT: 07:30 UTC
    assert await tick_at(clock, dispatcher, sender, utc(2027, 3, 28, 6, 29)) == []
    sent = await tick_at(clock, dispatcher, sender, utc(2027, 3, 28, 6, 30))  # BST: 06:30 UTC
    assert len(sent) == 1 and "08:00" in sent[0][1].text


async def test_dst_fall_back_keeps_local_wall_time(chat: Chat, clock: Clock, dispatcher: Dispatcher, sender: FakeSender) -> None:
    clock.now = utc(2026, 10, 30, 12, 0)
    await join(chat, "America/New_York")
    await chat.say("/plan daily 07:00")  # New York falls back on Sunday 1 November 2026
    assert len(await tick_at(clock, dispatcher, sender, utc(2026, 10, 31, 11, 0))) == 1  # EDT: 11:00 UTC
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 1, 11, 59)) == []
    assert len(await tick_at(clock, dispatcher, sender, utc(2026, 11, 1, 12, 0))) == 1  # EST: 12:00 UTC


async def test_a_time_missing_on_spring_forward_day_moves_forward(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    clock.now = utc(2027, 3, 13, 12, 0)
    await join(chat, "America/New_York")
    await chat.say("/plan quiet off")
    await chat.say("/plan daily 02:30")  # 14 March 2027: 02:00 jumps to 03:00
    assert pending(store, "daily")[0].due_at.replace(tzinfo=UTC) == utc(2027, 3, 14, 7, 30)  # 03:30 EDT
    assert len(await tick_at(clock, dispatcher, sender, utc(2027, 3, 14, 7, 30))) == 1
    assert pending(store, "daily")[0].due_at.replace(tzinfo=UTC) == utc(2027, 3, 15, 6, 30)  # 02:30 EDT


# --------------------------------------------------------------------------- who gets nothing


async def test_a_blocked_runner_is_marked_inactive_and_gets_nothing_until_they_write(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    await chat.say("/plan Mon Tue 08:00")
    sender.blocked.add(chat.address.chat_id)
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 7, 30)) == []
    assert store.load(chat.address).active is False
    sender.blocked.clear()
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 24, 7, 30)) == []  # inactive: skipped, not sent
    clock.now = utc(2026, 11, 24, 12, 0)
    await chat.say("/reminders")  # writing again makes them active
    assert len(await tick_at(clock, dispatcher, sender, utc(2026, 11, 30, 7, 30))) == 1


async def test_a_forgotten_runner_gets_nothing(chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender) -> None:
    await join(chat)
    await chat.say("/plan Mon 08:00")
    log_run(store, chat.address, utc(2026, 11, 22, 12, 0), pain=True, tier=Tier.REST)
    store.save(chat.address, Change(Conversation(), effects=[Forget()]))
    assert pending(store) == []
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 24, 12, 0)) == []


# --------------------------------------------------------------------------- restarts and races


async def test_restart_sends_a_missed_warmup_late_once_inside_grace_and_skips_it_after(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    await chat.say("/plan Mon Tue 08:00")
    # down from 07:00 to 07:50 on Monday: the 07:30 warm-up still makes sense before the 08:00 run
    assert len(await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 7, 50))) == 1
    # down all Tuesday morning: the warm-up is skipped, the after-run prompt (10:00) still goes out at 11:00
    sent = await tick_at(clock, dispatcher, sender, utc(2026, 11, 24, 11, 0))
    assert [r.text for _, r in sent if "run go" in r.text] and not [r for _, r in sent if "Your run" in r.text]


async def test_a_claim_left_by_a_crashed_process_is_requeued_and_sent_once(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    await chat.say("/plan Mon 08:00")
    crashed = claim_due(store.engine, utc(2026, 11, 23, 7, 30), "dead-process")
    assert len(crashed) == 1  # claimed, then the process died before sending
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 7, 31)) == []
    assert len(await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 7, 41))) == 1
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 7, 50)) == []


async def test_two_dispatchers_on_one_database_send_each_reminder_exactly_once(db_url: str, store: SqlStore) -> None:
    when = utc(2026, 11, 23, 12, 0)
    runners = 300
    for n in range(runners):
        address = Address("terminal", f"c{n}", f"u{n}")
        store.save(address, Change(Conversation()))
        log_run(store, address, when - timedelta(days=1), pain=True, tier=Tier.REST)

    class SlowSender(FakeSender):
        async def send(self, address: Address, replies: Sequence[Reply]) -> Delivery:
            await asyncio.sleep(0.001)
            return await super().send(address, replies)

    senders = [SlowSender(), SlowSender()]
    clock = Clock(when)
    dispatchers = [
        Dispatcher(open_database(db_url), {"terminal": s}, clock, batch=40, concurrency=8) for s in senders
    ]
    await asyncio.gather(*(d.tick() for d in dispatchers), *(d.tick() for d in dispatchers))
    chats = [a.chat_id for s in senders for a, _ in s.sent]
    assert len(chats) == runners and len(set(chats)) == runners  # zero duplicates, zero misses
    assert all(s.sent for s in senders)  # both really took part


WORKER = """
import asyncio, json, sys
from datetime import datetime, timezone
from bot.outbound import Delivery
from bot.scheduler import Dispatcher
from storage.database import open_database

class FileSender:
    platform = "terminal"
    async def send(self, address, replies):
        await asyncio.sleep(0.002)
        with open(sys.argv[2], "a") as out:
            out.write(json.dumps([address.chat_id, replies[0].text]) + "\\n")
        return Delivery.SENT

now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
asyncio.run(Dispatcher(open_database(sys.argv[1]), {"terminal": FileSender()}, lambda: now, batch=25, concurrency=4).tick())
"""


async def test_two_processes_on_one_database_send_each_reminder_exactly_once(db_url: str, store: SqlStore, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys
    from pathlib import Path

    runners = 200
    for n in range(runners):
        address = Address("terminal", f"c{n}", f"u{n}")
        store.save(address, Change(Conversation()))
        log_run(store, address, utc(2026, 11, 22, 12, 0), pain=True, tier=Tier.REST)
    root = Path(__file__).resolve().parent.parent
    outputs = [tmp_path / f"out{i}.jsonl" for i in range(2)]
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, db_url, str(out)], cwd=root) for out in outputs
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    lines = [json.loads(line)[0] for out in outputs if out.exists() for line in out.read_text().splitlines()]
    assert len(lines) == runners and len(set(lines)) == runners  # zero duplicates, zero misses
    assert pending(store, "followup") == []


# --------------------------------------------------------------------------- clubs


async def test_club_runs_get_a_group_warmup_and_a_private_checkin_button(
    store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender, engine  # type: ignore[no-untyped-def]
) -> None:
    store.set_club_timezone("terminal", "club-1", "Europe/London")
    store.add_club_run("terminal", "club-1", ClubRunInfo(0, 5, "09:00", "Park gates"))  # Saturday
    await tick_at(clock, dispatcher, sender, utc(2026, 11, 22, 8, 0))
    sent = await tick_at(clock, dispatcher, sender, utc(2026, 11, 28, 8, 30))
    assert len(sent) == 1
    address, reply = sent[0]
    assert address.chat_kind is ChatKind.GROUP and reply.visibility is Visibility.ANYWHERE
    assert "09:00 at Park gates" in reply.text
    own_words = reply.text.split("(Source:")[0].lower()  # article titles may say "back pain"; the coach doesn't
    assert not any(word in own_words for word in ("pain", "hurt", "back", "stiff"))
    after = await tick_at(clock, dispatcher, sender, utc(2026, 11, 28, 10, 30))
    assert len(after) == 1 and payloads(after[0][1]) == ["/checkin"]
    group = Chat(engine, user="ann", chat_kind=ChatKind.GROUP, chat_id="club-1")
    await group.press("/checkin")
    assert group.labels == ["Continue privately"]
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 28, 12, 0)) == []
