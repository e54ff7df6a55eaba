"""The coaching rules as transcripts with an injected clock: next-morning rule, spike guard, return plan, safety gate."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.scheduler import Dispatcher
from dialogs import coaching, digest
from dialogs.messages import Address, Reply
from dialogs.models import Checkin, Tier, TriageResult
from dialogs.ports import Change, Conversation, NewRun
from storage.repository import SqlStore
from tests.conftest import Chat, Clock
from tests.test_reminders import FakeSender, dispatcher, join, sender, tick_at, utc  # noqa: F401  (fixtures)


def log(store: SqlStore, address: Address, when: datetime, km: float = 5, minutes: float = 30, pain: int = 0,
        tier: Tier = Tier.KEEP_EASY, ran: datetime | None = None) -> None:
    """Stores a finished check-in as the engine would (`ran`: the past day it was told for)."""
    checkin = Checkin(distance_km=km, duration_min=minutes, surface="grass", effort="easy", has_pain=bool(pain),
                      pain_score=pain or None, pain_where=["low_back_centre"] if pain else [],
                      started_at=ran.isoformat() if ran else None)
    store.save(address, Change(Conversation(), effects=[NewRun(checkin, TriageResult(tier, ("T",)), when)]))


async def morning_answer(chat: Chat, clock: Clock, dispatcher: Dispatcher, sender: FakeSender, when: datetime,
                         label: str) -> Reply:
    """Lets the next-day follow-up go out and answers it; returns the coach's reply."""
    sent = await tick_at(clock, dispatcher, sender, when)
    followups = [reply for _, reply in sent if "compared with before your last run" in reply.text]
    assert len(followups) == 1, [r.text for _, r in sent]
    chat.replies = [followups[0]]
    clock.now = when + timedelta(minutes=5)
    await chat.tap(label)
    return chat.replies[0]


async def show_plan(chat: Chat) -> str:
    """What /plan shows (its question is then cancelled, as a runner who only looked would)."""
    await chat.say("/plan")
    text = chat.text
    labels = chat.labels
    await chat.say("/cancel")
    chat.plan_labels = labels  # type: ignore[attr-defined]
    return text


async def finish_checkin(chat: Chat, text: str) -> str:
    """Sends a check-in and answers the remaining questions with the mildest options."""
    await chat.say(text)
    for _ in range(12):
        if "Logged:" in chat.text:
            return chat.text
        pick = next((l for l in ("None of these", "No", "Today / this run", "Better", "Yes, it eases", "Easy")
                     if l in chat.labels), None)
        assert pick, chat.text
        await chat.tap(pick)
    raise AssertionError(chat.text)


# ------------------------------------------------------------------ the next-morning rule


async def test_pain_4_that_settles_keeps_the_same_run(chat: Chat, store: SqlStore, clock: Clock,
                                                      dispatcher: Dispatcher, sender: FakeSender) -> None:
    await join(chat)
    log(store, chat.address, utc(2026, 11, 22, 12, 0), km=5, minutes=30, pain=4)
    reply = await morning_answer(chat, clock, dispatcher, sender, utc(2026, 11, 23, 12, 0), "Back to my usual")
    assert "It hurt 4/10 during the run and is back to your usual now" in reply.text
    assert "Next run: about 30 min easy, or 5.0 km." in reply.text
    assert "tendon research" in reply.text and "Silbernagel et al. 2007" in reply.text and "guide" in reply.text


@pytest.mark.parametrize(("zone", "logged", "ran", "due"), [
    ("America/New_York", utc(2026, 11, 23, 1, 0), None, utc(2026, 11, 23, 13, 0)),  # 20:00 run -> 08:00 local next day
    ("Europe/London", utc(2026, 11, 22, 10, 0), utc(2026, 11, 21, 12, 0), utc(2026, 11, 22, 11, 0)),  # yesterday's run
])
async def test_the_follow_up_comes_the_morning_after_the_run(
    chat: Chat, store: SqlStore, zone: str, logged: datetime, ran: datetime | None, due: datetime
) -> None:
    from tests.test_reminders import pending

    await join(chat, zone)
    log(store, chat.address, logged, pain=4, ran=ran)
    [followup] = pending(store, "followup")
    assert followup.due_at.replace(tzinfo=due.tzinfo) == due


@pytest.mark.parametrize(("pain", "label", "why"), [
    (6, "Back to my usual", "above about 5/10"),
    (4, "Not settled yet", "hasn't settled back to your usual"),
])
async def test_pain_over_5_or_not_settled_makes_the_next_run_shorter(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender, pain: int, label: str, why: str
) -> None:
    await join(chat)
    log(store, chat.address, utc(2026, 11, 22, 12, 0), km=5, minutes=30, pain=pain)
    reply = await morning_answer(chat, clock, dispatcher, sender, utc(2026, 11, 23, 12, 0), label)
    assert why in reply.text
    assert "Next run: about 20 min easy, or 3.5 km." in reply.text


async def test_the_suggestion_shows_in_the_warmup_reminder_and_in_plan(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    await chat.say("/plan Wed 07:30")
    log(store, chat.address, utc(2026, 11, 22, 12, 0), km=5, minutes=30, pain=6)
    await morning_answer(chat, clock, dispatcher, sender, utc(2026, 11, 23, 12, 0), "Back to my usual")
    warmup = [r for _, r in await tick_at(clock, dispatcher, sender, utc(2026, 11, 25, 7, 0)) if r.text.startswith("Your run")]
    assert len(warmup) == 1
    assert "Next run: about 20 min easy, or 3.5 km." in warmup[0].text
    assert "keep today's run under 5.5 km" in warmup[0].text  # the spike cap: 10% past the 30-day longest (5 km)
    assert "Next run: about 20 min easy, or 3.5 km." in await show_plan(chat)
    # a run logged after the suggestion uses it up
    log(store, chat.address, utc(2026, 11, 25, 8, 0), km=3.5, minutes=20)
    assert "Next run:" not in await show_plan(chat)


# ------------------------------------------------------------------ the single-run spike guard


@pytest.mark.parametrize(("km", "warned"), [(11.0, True), (10.5, False), (10.0, False), (15.0, True)])
async def test_spike_warning_from_10_percent_past_the_30_day_longest(
    chat: Chat, store: SqlStore, clock: Clock, km: float, warned: bool
) -> None:
    await join(chat)
    log(store, chat.address, clock.now - timedelta(days=20), km=10, minutes=60)
    log(store, chat.address, clock.now - timedelta(days=40), km=20, minutes=120)  # older than 30 days: ignored
    text = await finish_checkin(chat, f"ran {km} km in {round(km * 6)} min on grass, easy, no pain")
    assert ("Single-run check" in text) is warned, text
    if warned:
        pct = round((km / 10 - 1) * 100)
        assert f"is {pct}% longer than your longest in the 30 days before it (10.0 km)" in text
        assert "Frandsen et al. 2025" in text and "1.6 times" in text


def test_spike_helpers_agree_with_the_study_bands() -> None:
    assert coaching.spike_pct(11.0, 10.0) == 10
    assert coaching.spike_pct(10.5, 10.0) is None
    assert coaching.spike_pct(21.0, 10.0) == 110
    assert coaching.spike_pct(5.0, None) is None


# ------------------------------------------------------------------ the return-to-run plan


async def test_return_plan_moves_up_when_fine_and_down_when_not(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    log(store, chat.address, utc(2026, 11, 22, 12, 0), pain=5, tier=Tier.REST)
    reply = await morning_answer(chat, clock, dispatcher, sender, utc(2026, 11, 23, 12, 0), "Back to my usual")
    assert "graded return" in reply.text and "Next run:" not in reply.text  # after a rest tier: the plan, not a run
    await chat.tap("Start the return-to-run plan")
    assert "session 1 of 8: 7 x (1 min running, 2 min walking)" in chat.text and "ASTEROID" in chat.text
    assert "session 1 of 8" in await show_plan(chat)
    # a pain-free session: one step up at once
    clock.now = utc(2026, 11, 24, 9, 0)
    text = await finish_checkin(chat, "ran 2 km in 21 min on grass, easy, no pain")
    assert "you move up a step" in text and "session 2 of 8" in text
    # a session that hurt waits for the next morning, then moves down when it has not settled
    clock.now = utc(2026, 11, 26, 9, 0)
    log(store, chat.address, clock.now, km=2.5, minutes=24, pain=3, tier=Tier.KEEP_EASY)
    assert "session 2 of 8" in await show_plan(chat)
    reply = await morning_answer(chat, clock, dispatcher, sender, utc(2026, 11, 27, 9, 0), "Not settled yet")
    assert "drop back a step" in reply.text and "session 1 of 8" in reply.text
    # and up again after a session that settled
    log(store, chat.address, utc(2026, 11, 28, 9, 0), km=2, minutes=21, pain=2, tier=Tier.KEEP_EASY)
    reply = await morning_answer(chat, clock, dispatcher, sender, utc(2026, 11, 29, 9, 0), "Back to my usual")
    assert "move up a step" in reply.text and "session 2 of 8" in reply.text
    warmup = coaching.next_run_lines("km", store.recent_runs(chat.address, limit=0),
                                     store.coach_events(chat.address, utc(2026, 1, 1)), clock.now)
    assert any("session 2 of 8" in line for line in warmup)
    await chat.press("c:return:stop")
    assert "Return plan stopped" in chat.text
    assert "session" not in await show_plan(chat)


# ------------------------------------------------------------------ the safety gate


@pytest.mark.parametrize("tier", [Tier.DOCTOR_SOON, Tier.DOCTOR_TODAY, Tier.EMERGENCY])
async def test_nothing_is_suggested_after_a_doctor_tier_until_cleared(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender, tier: Tier
) -> None:
    await join(chat)
    await chat.say("/plan Tue 07:30")
    log(store, chat.address, utc(2026, 11, 22, 12, 0), pain=4)  # an earlier suggestion-worthy run
    log(store, chat.address, utc(2026, 11, 22, 13, 0), pain=4, tier=tier)
    if tier is not Tier.EMERGENCY:
        reply = await morning_answer(chat, clock, dispatcher, sender, utc(2026, 11, 23, 13, 0), "Back to my usual")
        assert "Next run" not in reply.text and "I've been seen" in [b.label for b in reply.flat_buttons]
        assert "Ease back in" not in reply.text and "stopped suggesting runs" in reply.text
    warmup = [r for _, r in await tick_at(clock, dispatcher, sender, utc(2026, 11, 24, 7, 0)) if r.text.startswith("Your run")]
    assert warmup and "Next run" not in warmup[0].text and "Single-run check" not in warmup[0].text
    shown = await show_plan(chat)
    assert "stopped suggesting runs" in shown and "graded return" not in shown
    await chat.press("c:return:start")
    assert "stopped suggesting runs" in chat.text
    await chat.say("/plan")
    await chat.tap("I've been seen")
    assert "Follow what your clinician told you" in chat.text and "graded return" in chat.text
    shown = await show_plan(chat)
    assert "stopped suggesting runs" not in shown and "Start the return-to-run plan" in chat.plan_labels  # type: ignore[attr-defined]


async def test_clear_button_does_nothing_when_nothing_is_on_hold(chat: Chat, store: SqlStore, clock: Clock) -> None:
    await join(chat)
    log(store, chat.address, clock.now, pain=3)
    await chat.press("c:clear:gone")
    assert "nothing is on hold" in chat.text
    assert store.coach_events(chat.address, utc(2026, 1, 1)) == []


# ------------------------------------------------------------------ the weekly digest


def test_digest_says_what_changed(store: SqlStore, chat: Chat) -> None:
    sunday = utc(2026, 11, 22, 18, 0)
    runs_before = [(utc(2026, 11, 2 + d, 8, 0), 5.0, 30.0, 0) for d in (0, 7)]
    for when, km, minutes, pain in runs_before:
        log(store, chat.address, when, km=km, minutes=minutes, pain=pain)
    log(store, chat.address, utc(2026, 11, 16, 8, 0), km=5, minutes=30, pain=6)
    from dialogs.ports import CoachNote

    note = CoachNote(kind="morning", at=utc(2026, 11, 17, 8, 0), data={"pain": 6, "settled": True, "fine": False,
                                                                        "minutes": 20, "km": 3.5, "shorter": True})
    store.save(chat.address, Change(Conversation(), effects=[note]))
    log(store, chat.address, utc(2026, 11, 18, 8, 0), km=3.5, minutes=20)  # kept to it
    log(store, chat.address, utc(2026, 11, 21, 8, 0), km=7, minutes=42)  # 40% past the 30-day longest
    from tests.reliability.conftest import runner_id_of

    profile, runs, events = store.coach_inputs(runner_id_of(store, chat.address.user_id), utc(2026, 8, 1))  # type: ignore[misc]
    [reply] = digest.weekly_digest(runs, profile, sunday, draw_chart=False, events=events)
    assert "Next-run suggestions: you kept to 1 of 1." in reply.text
    assert "Next-morning checks: 1 of 1 back to usual." in reply.text
    assert "Spikes: 1 run 10% or more past the 30-day longest (the biggest 7.0 km, 40% past)." in reply.text
    assert len(reply.text) < 900  # a few lines, not a wall of text


# ------------------------------------------------------------------ a planned run, and /plan's own input


@pytest.mark.parametrize(("planned", "warned"), [("11 km", True), ("10.5 km", False)])
async def test_a_planned_run_is_checked_before_it_happens(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender, planned: str, warned: bool
) -> None:
    await join(chat)
    await chat.say("/plan Tue 07:30")
    log(store, chat.address, utc(2026, 11, 15, 8, 0), km=10, minutes=60)
    await chat.say(f"/plan next {planned}")
    assert f"planned at {planned.split()[0]}" in chat.text
    assert ("is 10% past your longest run of the last 30 days (10.0 km)" in chat.text) is warned
    warmup = [r for _, r in await tick_at(clock, dispatcher, sender, utc(2026, 11, 24, 7, 0)) if r.text.startswith("Your run")]
    assert f"Planned next run: {float(planned.split()[0]):.1f} km." in warmup[0].text
    assert ("Single-run check: your planned" in warmup[0].text) is warned
    assert ("keep today's run under 11.0 km" in warmup[0].text) is not warned


async def test_plan_rejects_a_negative_warmup_lead(chat: Chat, store: SqlStore) -> None:
    await join(chat)
    await chat.say("/plan warmup -5")
    assert "can't come after the run starts" in chat.text
    assert store.plan(chat.address) is None or store.plan(chat.address).lead_min == 30  # type: ignore[union-attr]
    await chat.say("/plan next banana")
    assert "How far is your next run?" in chat.text


async def test_after_a_rest_tier_an_unsettled_back_keeps_resting(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    log(store, chat.address, utc(2026, 11, 22, 12, 0), pain=4, tier=Tier.REST)
    reply = await morning_answer(chat, clock, dispatcher, sender, utc(2026, 11, 23, 12, 0), "Not settled yet")
    assert "keep resting from running" in reply.text and "Next run:" not in reply.text
    assert "Start the return-to-run plan" not in [b.label for b in reply.flat_buttons]


async def test_a_run_told_a_day_late_does_not_check_off_today(
    chat: Chat, store: SqlStore, clock: Clock, dispatcher: Dispatcher, sender: FakeSender
) -> None:
    await join(chat)
    await chat.say("/plan Mon 18:00")
    log(store, chat.address, utc(2026, 11, 23, 10, 0), ran=utc(2026, 11, 22, 12, 0))  # Monday: "yesterday I ran 5k"
    sent = await tick_at(clock, dispatcher, sender, utc(2026, 11, 23, 20, 0))
    assert [r.text for _, r in sent if r.text.startswith("How did the run go?")], [r.text for _, r in sent]
    log(store, chat.address, utc(2026, 11, 30, 19, 0))  # next Monday's run, logged that evening
    assert not [r for _, r in await tick_at(clock, dispatcher, sender, utc(2026, 11, 30, 20, 0))
                if r.text.startswith("How did the run go?")]
