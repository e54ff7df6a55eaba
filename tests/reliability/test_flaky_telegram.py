"""A Telegram that fails a fifth of all calls: every reply and every reminder still arrives, once.

The fake Bot API fails 20% of calls at random (seeded): 429 with retry_after=1, 500,
and timeouts (the request hangs, then the connection drops without the call taking
effect). Several runners do full check-ins through the real TelegramAdapter while the
Dispatcher sends a burst of reminders through the same adapter.

Replies have no second chance (the update is acknowledged once handled), so a reply is
lost only if every one of the adapter's attempts fails: with i.i.d. 20% failures that is
0.2**retry_attempts per message (1 in 625 at the default 4). The first test caps a
streak of failures per (method, chat) below that, so the run is deterministic; the
second removes the cap and lets the Dispatcher's retries across ticks do the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from bot.scheduler import Dispatcher
from storage.tables import Reminder
from storage.repository import SqlStore
from tests.conftest import Clock
from tests.reliability.conftest import (
    SENDS,
    Talker,
    UpdateWaiter,
    add_due_followups,
    add_runner,
    reminder_id_of,
    telegram_address,
)

logger = logging.getLogger(__name__)

ONBOARDING = [("say", "/start"), ("say", "Ann"), ("say", "Europe/London"), ("tap", "Kilometres"),
              ("tap", "3–4 times"), ("tap", "Road / concrete"), ("tap", "In the past"), ("tap", "Skip"), ("tap", "None of these")]  # fmt: skip
PAIN_CHECKIN = [("say", "/checkin"), ("say", "8 km"), ("say", "45 min"), ("tap", "Road / concrete"), ("tap", "Easy"),
                ("tap", "Something hurts"), ("tap", "Low back, middle"), ("tap", "4"), ("tap", "Ache"),
                ("tap", "Yesterday"), ("tap", "Same"), ("tap", "No"),
                ("tap", "No"), ("tap", "No"), ("tap", "No"), ("tap", "No")]  # fmt: skip  (the four safety groups)
TEXT_CHECKIN = [("say", "ran 5k in 28 min on grass, no pain"), ("tap", "Easy"), ("say", "/history")]
CHECKINS = PAIN_CHECKIN + TEXT_CHECKIN
RUNNERS = 4
BURST = 30
READ_TIMEOUT = 0.4  # s; the fake holds a "timeout" request longer than this


def _fast_timeouts(adapter) -> None:  # type: ignore[no-untyped-def]
    adapter.application.bot.request._read_timeout = READ_TIMEOUT  # noqa: SLF001  (keep timeouts short)


def _dispatched(api, reminder_ids: list[int]) -> Counter[int]:  # type: ignore[no-untyped-def]
    """How many times each reminder reached its runner, counted in the fake."""
    wanted = set(reminder_ids)
    got: Counter[int] = Counter()
    for call in api.calls:
        if call.method in SENDS and call.result is not None:
            rid = reminder_id_of(call)
            if rid in wanted:
                got[rid] += 1
    return got


def _open_reminders(store: SqlStore, reminder_ids: list[int]) -> int:
    with Session(store.engine) as session:
        return session.exec(
            select(func.count()).select_from(Reminder).where(
                Reminder.id.in_(reminder_ids), Reminder.state.in_(("pending", "claimed"))  # type: ignore[union-attr,attr-defined]
            )
        ).one()


def _crashes(records: list[logging.LogRecord]) -> list[str]:
    """Anything logged at ERROR: a failed update, a crashed reminder (failed polls are warnings)."""
    return [f"{r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR]


async def test_checkins_and_a_reminder_burst_survive_a_fifth_of_calls_failing(
    api, make_adapter, store: SqlStore, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = await make_adapter()
    _fast_timeouts(adapter)
    waiter = UpdateWaiter(adapter)

    # A control runner with no failures: what a runner should receive for the check-ins.
    control = Talker(api, waiter, 900)
    talkers = [Talker(api, waiter, 1000 + i) for i in range(RUNNERS)]
    await asyncio.gather(*(t.run(ONBOARDING) for t in [control, *talkers]))
    onboarded = {t.user_id: len(t.delivered()) for t in [control, *talkers]}
    await control.run(CHECKINS)
    expected = [c.text for c in control.delivered()[onboarded[900]:]]
    assert len(expected) >= len(CHECKINS) and "Logged:" in "\n".join(expected)

    burst_ids = [add_runner(store, telegram_address(7000 + i)) for i in range(BURST)]
    reminders = add_due_followups(store, burst_ids, clock.now - timedelta(minutes=1))
    dispatcher = Dispatcher(store.engine, {"telegram": adapter}, clock, store=store)

    caplog.set_level(logging.WARNING)
    failures = api.fail_randomly(rate=0.2, seed=7, timeout_delay=1.0, max_streak=3)
    started, mark = time.monotonic(), len(api.calls)
    results = await asyncio.gather(*(t.run(CHECKINS) for t in talkers), dispatcher.tick())
    elapsed, calls = time.monotonic() - started, len(api.calls) - mark
    api.stop_failing()

    for talker in talkers:
        got = [c.text for c in talker.delivered()[onboarded[talker.user_id]:]]
        assert got == expected, f"runner {talker.user_id} missed or repeated a reply"
        assert len(store.recent_runs(telegram_address(talker.user_id))) == 2
    assert results[-1] == BURST
    assert _dispatched(api, reminders) == Counter({rid: 1 for rid in reminders})
    assert _open_reminders(store, reminders) == 0
    assert 0.1 < sum(failures.injected.values()) / calls < 0.3  # about a fifth of the calls really failed
    assert set(failures.injected) == {"429", "500", "timeout"}
    assert not _crashes(caplog.records), "an update or a reminder crashed"
    assert adapter.application.running
    logger.warning(
        "flaky telegram: %d runners x %d replies and %d reminders delivered in %.1f s; %d calls, injected %s",
        RUNNERS, len(expected), BURST, elapsed, calls, dict(failures.injected),
    )


async def test_reminders_the_adapter_gives_up_on_are_retried_by_the_dispatcher(
    api, make_adapter, store: SqlStore, clock: Clock
) -> None:
    """No cap on failure streaks: a send may fail all its attempts; the next tick sends it again."""
    adapter = await make_adapter(retry_attempts=1)
    _fast_timeouts(adapter)
    runner_ids = [add_runner(store, telegram_address(8000 + i)) for i in range(BURST)]
    reminders = add_due_followups(store, runner_ids, clock.now - timedelta(minutes=1))
    dispatcher = Dispatcher(store.engine, {"telegram": adapter}, clock, store=store)
    failures = api.fail_randomly(rate=0.2, seed=11, kinds=("500", "timeout", "429"), timeout_delay=1.2)
    ticks = 0
    while _open_reminders(store, reminders) and ticks < 6:
        await dispatcher.tick()
        ticks += 1
        clock.now += timedelta(minutes=16)  # past every retry delay up to the 3rd attempt
    api.stop_failing()
    assert _dispatched(api, reminders) == Counter({rid: 1 for rid in reminders})
    with Session(store.engine) as session:
        states = Counter(session.exec(select(Reminder.state).where(Reminder.id.in_(reminders))).all())  # type: ignore[union-attr]
    assert states == Counter({"sent": BURST})
    assert sum(failures.injected.values()) > 0
    logger.warning("dispatcher retries: %d reminders sent in %d ticks; injected %s", BURST, ticks,
                   dict(failures.injected))
