"""The weekly digest and the club summary as scheduled reminders: when they go, to whom, and when not."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.scheduler import Dispatcher
from dialogs.engine import Engine
from dialogs.messages import ChatKind, Incoming, Visibility
from dialogs.reminders.schedule import CLUB_SUMMARY, DIGEST, DIGEST_SPREAD_S, digest_offset
from storage.repository import SqlStore
from storage.tables import ClubMember, Reminder
from tests.conftest import Chat, Clock
from tests.test_reminders import FakeSender, dispatcher, join, log_run, pending, sender, tick_at, utc  # noqa: F401

CLUB = "club-1"
SPREAD = timedelta(seconds=DIGEST_SPREAD_S)  # digests come due between 18:00 and 18:00 + SPREAD


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def digest_rows(store: SqlStore) -> list[Reminder]:
    return pending(store, DIGEST)


# --------------------------------------------------------------------------- the weekly digest


@pytest.mark.parametrize(
    ("zone", "sunday_evening_utc"),
    [
        ("Europe/London", utc(2026, 11, 29, 18, 0)),  # GMT
        ("America/New_York", utc(2026, 11, 29, 23, 0)),  # EST, UTC-5
        ("Asia/Kolkata", utc(2026, 11, 29, 12, 30)),  # UTC+05:30
        ("Australia/Sydney", utc(2026, 11, 29, 7, 0)),  # AEDT, UTC+11
    ],
)
async def test_a_logged_run_schedules_the_digest_for_sunday_1800_local(
    zone: str, sunday_evening_utc: datetime, chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher,
    sender: FakeSender,
) -> None:
    await join(chat, zone)
    assert digest_rows(store) == []  # nothing to report before a run
    log_run(store, chat.address, utc(2026, 11, 25, 12, 0))
    [row] = digest_rows(store)
    assert naive(row.due_at) == naive(sunday_evening_utc + timedelta(seconds=digest_offset(row.runner_id)))
    assert naive(row.run_at) == naive(sunday_evening_utc)  # the week it reports on
    due = row.due_at.replace(tzinfo=sunday_evening_utc.tzinfo)
    assert await tick_at(clock, dispatcher, sender, due - timedelta(seconds=1)) == []
    [(address, reply)] = await tick_at(clock, dispatcher, sender, due)
    assert address == chat.address and reply.kind == "digest" and reply.visibility is Visibility.PRIVATE
    assert reply.text.startswith("Your week") and "1 run" in reply.text
    assert digest_rows(store) == []  # one occurrence; the next run schedules the next


async def test_the_digest_carries_the_chart_when_two_weeks_have_runs(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    log_run(store, chat.address, utc(2026, 11, 17, 12, 0))
    log_run(store, chat.address, utc(2026, 11, 25, 12, 0), pain=True)
    assert len(digest_rows(store)) == 1  # the second run replaced the first run's digest
    [(_, reply)] = await tick_at(clock, dispatcher, sender, utc(2026, 11, 29, 18, 0) + SPREAD)
    assert reply.image is not None and reply.image.startswith(b"\x89PNG")
    assert "Back pain this week" in reply.text and "The chart shows" in reply.text


async def test_a_week_without_runs_gets_no_digest(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    log_run(store, chat.address, utc(2026, 11, 18, 12, 0))  # the week before: its digest is due Nov 22
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 22, 18, 0) + SPREAD) != []
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 29, 18, 0) + SPREAD) == []


async def test_turning_the_digest_off_in_settings_cancels_it_and_later_runs_schedule_none(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    log_run(store, chat.address, utc(2026, 11, 25, 12, 0))
    assert len(digest_rows(store)) == 1
    await chat.say("/settings")
    assert "Weekly digest: on" in chat.text
    await chat.tap("Weekly digest")
    await chat.tap("No")
    assert "weekly digest is now off" in chat.text
    assert store.load(chat.address).profile.digest is False  # type: ignore[union-attr]
    assert digest_rows(store) == []
    log_run(store, chat.address, utc(2026, 11, 26, 12, 0))
    assert digest_rows(store) == []
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 29, 18, 0) + SPREAD) == []
    await chat.say("/settings")
    assert "Weekly digest: off" in chat.text


async def test_a_digest_still_queued_when_turned_off_is_skipped(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    log_run(store, chat.address, utc(2026, 11, 25, 12, 0))
    with Session(store.engine) as session, session.begin():  # turned off by another process between claim and load
        from storage.tables import Runner

        session.exec(select(Runner)).one().digest = False
    assert await tick_at(clock, dispatcher, sender, utc(2026, 11, 29, 18, 0) + SPREAD) == []
    with Session(store.engine) as session:
        assert session.exec(select(Reminder.note).where(Reminder.kind == DIGEST)).one() == "opted out"


def test_digest_times_spread_evenly_over_the_evening() -> None:
    offsets = [digest_offset(runner_id) for runner_id in range(1, 100_001)]
    assert 0 <= min(offsets) and max(offsets) < DIGEST_SPREAD_S
    per_ten_minutes = [0] * (DIGEST_SPREAD_S // 600)
    for offset in offsets:
        per_ten_minutes[offset // 600] += 1
    mean = len(offsets) / len(per_ten_minutes)
    assert max(per_ten_minutes) < mean * 1.1 and min(per_ten_minutes) > mean * 0.9
    assert max(per_ten_minutes) / 600 < 30  # even 100,000 in one zone come due under Telegram's 30 msg/s


async def test_two_runners_digests_come_due_at_their_own_times_and_a_tick_sends_only_the_due_one(
    engine: Engine, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    chats = [Chat(engine, user=name) for name in ("ann", "bob", "cem")]
    for chat in chats:
        await join(chat)
        log_run(store, chat.address, utc(2026, 11, 25, 12, 0))
    rows = digest_rows(store)
    assert len({row.due_at for row in rows}) == 3  # each its own row and its own time
    first, *rest = rows
    due = first.due_at.replace(tzinfo=utc(2026, 1, 1).tzinfo)
    sent = await tick_at(clock, dispatcher, sender, due)
    assert [reply.kind for _, reply in sent] == ["digest"] and len(digest_rows(store)) == 2
    sent = await tick_at(clock, dispatcher, sender, utc(2026, 11, 29, 18, 0) + SPREAD)
    assert len(sent) == 2 and digest_rows(store) == []


async def test_a_spread_time_in_quiet_hours_keeps_1800(chat: Chat, store: SqlStore) -> None:
    from dialogs.ports import PlanInfo

    await join(chat)
    store.set_plan(chat.address, PlanInfo(quiet_start="18:01", quiet_end="07:00"),
                   utc(2026, 11, 24, 12, 0))
    log_run(store, chat.address, utc(2026, 11, 25, 12, 0))
    [row] = digest_rows(store)
    assert naive(row.due_at) == datetime(2026, 11, 29, 18, 0)  # not pushed into the quiet evening


# --------------------------------------------------------------------------- the club summary


async def admin_says(engine: Engine, user: str, text: str) -> str:
    incoming = replace(Incoming.from_text(Chat(engine, user, ChatKind.GROUP, CLUB).address, text), is_admin=True)
    return "\n".join(r.text for r in await engine.handle(incoming))


async def members(engine: Engine, store: SqlStore, names: list[str], ran: bool = True) -> None:
    """Onboards each runner privately, logs a run this week, and has them use a command in the group."""
    for name in names:
        private = Chat(engine, name)
        await join(private)
        if ran:
            log_run(store, private.address, utc(2026, 11, 25, 12, 0))
        await Chat(engine, name, ChatKind.GROUP, CLUB).say("/clubrun list")


def posted_in_group(sent: list) -> list:  # type: ignore[type-arg]
    return [(a, r) for a, r in sent if a.chat_kind is ChatKind.GROUP]


async def test_the_club_summary_is_posted_weekly_once_an_admin_turns_it_on(
    engine: Engine, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await members(engine, store, ["ann", "bob", "cat"])
    refused = await Chat(engine, "bob", ChatKind.GROUP, CLUB).say("/clubrun summary on")
    assert "only the group's admins" in refused[0].text
    assert posted_in_group(await tick_at(clock, dispatcher, sender, utc(2026, 11, 29, 18, 0))) == []  # not opted in
    assert "Weekly summary on" in await admin_says(engine, "ann", "/clubrun summary on")
    assert "Weekly summary: on" in await admin_says(engine, "ann", "/clubrun list")
    await tick_at(clock, dispatcher, sender, utc(2026, 11, 29, 18, 1))  # turned on after this Sunday's: the next one
    [row] = pending(store, CLUB_SUMMARY)
    assert row.due_at.replace(tzinfo=None) == datetime(2026, 12, 6, 18, 0)
    for name in ("ann", "bob", "cat"):  # a second week of runs
        log_run(store, Chat(engine, name).address, utc(2026, 12, 2, 12, 0), pain=name == "cat")
    [(address, reply)] = posted_in_group(await tick_at(clock, dispatcher, sender, utc(2026, 12, 6, 18, 0)))
    assert address.chat_id == CLUB and reply.visibility is Visibility.ANYWHERE and reply.kind == "club_summary"
    assert "3 members checked in" in reply.text and "1 reported some back pain" in reply.text
    assert not any(name in reply.text.lower() for name in ("ann", "bob", "cat"))
    assert "Weekly summary off" in await admin_says(engine, "ann", "/clubrun summary off")
    assert pending(store, CLUB_SUMMARY) == []


async def test_no_club_summary_when_fewer_than_three_members_checked_in(
    engine: Engine, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await members(engine, store, ["ann", "bob"])
    await members(engine, store, ["cat"], ran=False)  # a member, but no run this week
    await admin_says(engine, "ann", "/clubrun summary on")
    await tick_at(clock, dispatcher, sender, utc(2026, 11, 25, 13, 0))
    assert posted_in_group(await tick_at(clock, dispatcher, sender, utc(2026, 11, 29, 18, 0))) == []
    with Session(store.engine) as session:
        row = session.exec(select(Reminder).where(Reminder.kind == CLUB_SUMMARY, Reminder.state != "pending")).one()
    assert row is not None and row.state == "skipped" and row.note == "nothing to report"


async def test_group_commands_record_membership_only_for_known_runners_and_forget_deletes_it(
    engine: Engine, store: SqlStore
) -> None:
    await members(engine, store, ["ann"], ran=False)
    await Chat(engine, "stranger", ChatKind.GROUP, CLUB).say("/help")  # never talked to the coach privately
    await Chat(engine, "ann", ChatKind.GROUP, CLUB).say("hello everyone")  # not a command: not recorded again
    with Session(store.engine) as session:
        assert len(session.exec(select(ClubMember)).all()) == 1
    ann = Chat(engine, "ann")
    await ann.say("/forget")
    await ann.tap("Yes, delete everything")
    with Session(store.engine) as session:
        assert session.exec(select(ClubMember)).all() == []
