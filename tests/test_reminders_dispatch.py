"""The reminder route's pure halves and its batched read: schedule's policy, dispatch's decisions, one coaching read a batch."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot.scheduler import Dispatcher
from dialogs.messages import Address
from dialogs.models import Tier
from dialogs.ports import PlanInfo
from dialogs.reminders import dispatch, schedule
from dialogs.reminders.dispatch import Due
from storage import coaching as coach_reads
from storage import occurrences
from storage.repository import SqlStore
from storage.tables import Reminder, ReminderPlan, Runner
from tests.conftest import Chat, Clock
from tests.test_coaching import log
from tests.test_reminders import FakeSender, join, utc

ZONE = "Europe/London"
MONDAY_WARMUP = utc(2026, 11, 23, 7, 0)  # the warm-up of a Monday 07:30 run (London is on UTC in November)


def due(**changes: object) -> Due:
    values: dict[str, object] = dict(
        reminder_id=1, kind="warmup", stage=1, due_at=MONDAY_WARMUP, expires_at=MONDAY_WARMUP + timedelta(minutes=30),
        run_at=MONDAY_WARMUP + timedelta(minutes=30), attempts=1, address=Address("terminal", "c", "u"), zone=ZONE,
        quiet=("22:00", "07:00"), paused=False, active=True, runner_id=7,
    )  # fmt: skip
    values.update(changes)
    return Due(**values)  # type: ignore[arg-type]


# ------------------------------------------------------------------ schedule: what a logged run cancels and schedules


def test_a_run_that_hurt_gets_the_next_morning_followup_and_an_emergency_the_gentle_one() -> None:
    logged = utc(2026, 11, 22, 12, 0)
    hurt = schedule.after_new_run(7, ZONE, PlanInfo(), True, logged, True, Tier.KEEP_EASY.value)
    assert hurt.replace_digest and hurt.replace_followups and hurt.day == logged.date()
    digest, followup = hurt.new
    assert digest.kind == schedule.DIGEST and not digest.repeat
    assert (followup.kind, followup.stage, followup.due_at) == ("followup", 1, utc(2026, 11, 23, 8, 0))
    emergency = schedule.after_new_run(7, ZONE, PlanInfo(), False, logged, True, Tier.EMERGENCY.value)
    assert [(o.kind, o.stage, o.due_at) for o in emergency.new] == [("followup", 0, logged + timedelta(days=1))]
    painless = schedule.after_new_run(7, ZONE, PlanInfo(), False, logged, False, Tier.KEEP_EASY.value)
    assert painless.new == () and not painless.replace_followups and not painless.replace_digest


def test_club_posts_come_before_and_after_each_club_run_and_the_summary_on_sunday_evening() -> None:
    now = utc(2026, 11, 22, 8, 0)
    posts = schedule.club_posts([schedule.ClubSlot(3, 9, 0, "07:30", ZONE)], [(3, ZONE)], now)
    assert [(p.kind, p.due_at) for p in posts] == [
        ("club_warmup", utc(2026, 11, 23, 7, 30) - schedule.CLUB_WARMUP_LEAD),
        ("club_after", utc(2026, 11, 23, 7, 30) + schedule.CLUB_AFTER_DELAY),
        (schedule.CLUB_SUMMARY, utc(2026, 11, 22, 18, 0)),
    ]
    assert len({p.key for p in posts}) == 3


# ------------------------------------------------------------------ dispatch: decide and record


def test_decide_sends_waits_out_quiet_hours_or_skips_with_the_reason() -> None:
    assert dispatch.decide(due(), MONDAY_WARMUP).action == dispatch.SEND
    assert dispatch.decide(due(paused=True), MONDAY_WARMUP) == dispatch.Decision(dispatch.SKIP, "paused")
    assert dispatch.decide(due(address=None), MONDAY_WARMUP).note == "recipient gone"
    late = dispatch.decide(due(), MONDAY_WARMUP + timedelta(hours=1))
    assert (late.action, late.note) == (dispatch.SKIP, "late by 1:00:00")
    early = utc(2026, 11, 23, 6, 30)  # quiet until 07:00
    assert dispatch.decide(due(due_at=early), early) == dispatch.Decision(dispatch.WAIT, "quiet hours", MONDAY_WARMUP)


def test_an_after_run_prompt_is_checked_in_by_a_run_that_day_only() -> None:
    run_at = utc(2026, 11, 23, 7, 30)
    prompt = due(kind="after_run", run_at=run_at, due_at=run_at + timedelta(hours=2), expires_at=run_at + timedelta(hours=8))
    assert not prompt.checked_in
    assert dispatch.decide(due(kind="after_run", run_at=run_at, last_run=utc(2026, 11, 23, 6, 0)), run_at).note == "checked in"
    assert not due(kind="after_run", run_at=run_at, last_run=utc(2026, 11, 22, 23, 0)).checked_in
    assert not due(kind="warmup", run_at=run_at, last_run=utc(2026, 11, 23, 6, 0)).checked_in  # warm-ups are never checked off


def test_after_send_retries_with_backoff_gives_up_and_marks_a_blocked_recipient() -> None:
    now = MONDAY_WARMUP
    assert dispatch.after_send(due(), "sent", now) == dispatch.Decision(dispatch.SENT)
    assert dispatch.after_send(due(), "blocked", now) == dispatch.Decision(dispatch.SKIP, "blocked", unreachable=True)
    assert dispatch.after_send(due(attempts=2), "failed", now).until == now + dispatch.RETRY_AFTER[1]
    assert dispatch.after_send(due(attempts=dispatch.MAX_ATTEMPTS), "failed", now) == dispatch.Decision(dispatch.SKIP, "failed")
    assert dispatch.after_send(due(), "away", now) == dispatch.Decision(dispatch.WAIT, "recipient away", now + dispatch.RETRY_AFTER[0])


# ------------------------------------------------------------------ the warm-ups' coaching read: once a claimed batch


def add_runners_with_monday_warmups(store: SqlStore, count: int) -> list[int]:
    start = utc(2026, 11, 22, 12, 0)
    with store.engine.begin() as connection:
        connection.execute(insert(Runner), [
            {"platform": "terminal", "user_id": f"b{n}", "chat_id": f"b{n}", "timezone": ZONE, "onboarded": True,
             "active": True, "created_at": start, "updated_at": start} for n in range(count)
        ])  # fmt: skip
        ids = list(connection.execute(select(Runner.id).where(Runner.user_id.like("b%"))).scalars())  # type: ignore[attr-defined]
        connection.execute(insert(ReminderPlan), [{"runner_id": i, "slots": [[0, "07:30"]], "updated_at": start} for i in ids])
        plan = PlanInfo(slots=((0, "07:30"),))
        connection.execute(insert(Reminder), [r for i in ids for r in occurrences.plan_occurrences(i, plan, ZONE, start)])
    return ids


@pytest.mark.parametrize(("batch", "reads"), [(500, 1), (2, 3)])
async def test_the_warmups_of_a_claimed_batch_read_their_coaching_inputs_in_one_go(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch, batch: int, reads: int
) -> None:
    ids = add_runners_with_monday_warmups(store, 5)
    calls: list[list[int]] = []
    real = coach_reads.coach_inputs_of

    def spy(engine: object, runner_ids: list[int], since: datetime) -> object:
        calls.append(sorted(runner_ids))
        return real(engine, runner_ids, since)  # type: ignore[arg-type]

    def one_by_one(*_: object) -> None:
        raise AssertionError("a warm-up read its runner's inputs alone")

    monkeypatch.setattr(coach_reads, "coach_inputs_of", spy)
    monkeypatch.setattr(store, "coach_inputs", one_by_one)
    sender = FakeSender()
    dispatcher = Dispatcher(store.engine, {"terminal": sender}, lambda: MONDAY_WARMUP, store=store, batch=batch)
    assert await dispatcher.tick() == 5
    assert sorted(address.user_id for address, _ in sender.sent) == sorted(f"b{n}" for n in range(5))
    assert len(calls) == reads and sorted(i for call in calls for i in call) == sorted(ids)


async def test_the_batched_coaching_read_matches_the_one_runner_read(chat: Chat, store: SqlStore, clock: Clock) -> None:
    await join(chat)
    log(store, chat.address, utc(2026, 11, 16, 8, 0), km=5, minutes=30, pain=6)
    log(store, chat.address, utc(2026, 11, 18, 8, 0), km=3.5, minutes=20, ran=utc(2026, 11, 17, 18, 0))
    with store.engine.connect() as connection:
        runner_id = connection.execute(select(Runner.id).where(Runner.user_id == chat.address.user_id)).scalar_one()
    since = utc(2026, 8, 1)
    batched = coach_reads.coach_inputs_of(store.engine, [runner_id, runner_id + 999], since)
    assert list(batched) == [runner_id]  # a runner who is gone is left out
    assert batched[runner_id] == store.coach_inputs(runner_id, since)
    assert len(batched[runner_id][1]) == 2
