"""Delivery end to end: flood control, network errors, blocked runners, restarts, webhook mode."""

from __future__ import annotations

import time
from datetime import timezone

from sqlmodel import Session, select

from bot.outbound import Delivery
from bot.scheduler import Dispatcher
from dialogs.engine import Engine
from dialogs.messages import Address, Reply
from storage.database import open_database
from storage.tables import Reminder
from storage.repository import SqlStore
from tests.telegram.conftest import Runner, free_port, onboard

ANN = 501


def address(user_id: int = ANN) -> Address:
    return Address("telegram", str(user_id), str(user_id))


async def test_429_with_retry_after_is_waited_out_and_the_message_delivered(api, make_adapter) -> None:
    adapter = await make_adapter()
    api.fail("sendMessage", status=429, retry_after=1)
    started = time.monotonic()
    result = await adapter.send(address(), [Reply(text="Warm up before tonight's run.")])
    assert result is Delivery.SENT
    assert time.monotonic() - started >= 1.0
    attempts = api.calls_of("sendMessage")
    assert len(attempts) == 2 and attempts[-1].result is not None


async def test_one_message_facing_repeated_429s_is_tried_at_most_four_times(api, make_adapter) -> None:
    """One retry policy: RetryPolicy's 4 attempts; the production rate limiter only pauses (once 4 x 4 = 16 tries)."""
    adapter = await make_adapter()  # rate_limit=True: PacedRateLimiter in the request path
    api.fail("sendMessage", times=20, status=429, retry_after=0)
    assert await adapter.send(address(), [Reply(text="Warm up before tonight's run.")]) is Delivery.FAILED
    assert len(api.calls_of("sendMessage")) == 4


async def test_server_errors_and_dropped_connections_are_retried(api, make_adapter) -> None:
    adapter = await make_adapter()
    api.fail("sendMessage", status=500)
    api.fail("sendMessage", disconnect=True)
    assert await adapter.send(address(), [Reply(text="hello")]) is Delivery.SENT
    assert len(api.calls_of("sendMessage")) == 3


async def test_slow_server_times_out_and_gives_up_as_failed(api, make_adapter) -> None:
    adapter = await make_adapter(retry_attempts=2)
    request = adapter.application.bot.request
    request._read_timeout = 0.2  # noqa: SLF001  (keep the test fast)
    api.fail("sendMessage", times=2, status=200, delay=0.5)
    assert await adapter.send(address(), [Reply(text="hello")]) is Delivery.FAILED


async def test_blocked_runner_is_marked_inactive_and_skipped_until_they_write(api, make_adapter, store) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter, ANN)
    await onboard(ann)
    await ann.say("/plan daily 08:00")
    api.fail("sendMessage", status=403)
    assert await adapter.send(address(), [Reply(text="Time for your check-in")]) is Delivery.BLOCKED
    assert store.load(address()).active is False
    calls = len(api.calls)
    with Session(store.engine) as session:
        due = session.exec(select(Reminder.due_at).where(Reminder.state == "pending")).one()
    dispatcher = Dispatcher(store.engine, {"telegram": adapter}, lambda: due.replace(tzinfo=timezone.utc), store=store)
    await dispatcher.tick()  # the next reminder, as it really travels: the dispatcher reads `active` when it claims it
    assert len(api.calls) == calls  # not even tried
    await ann.say("Ann")  # they write again
    assert store.load(address()).active is True
    assert await adapter.send(address(), [Reply(text="Welcome back")]) is Delivery.SENT


async def test_failing_update_does_not_stop_the_application(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter, ANN)
    api.fail("sendMessage", status=400, description="Bad Request: chat not found")
    await ann.say("/start")
    sent = await ann.say("/help")
    assert sent and sent[-1].result is not None


async def test_restart_in_the_middle_of_a_checkin(api, make_adapter, db_url) -> None:
    first_store = SqlStore(open_database(db_url))
    first = await make_adapter(Engine(first_store))
    ann = Runner(api, first, ANN)
    await onboard(ann)
    await ann.say("/checkin")
    await ann.say("8 km")
    await first.stop()
    first_store.engine.dispose()

    second_store = SqlStore(open_database(db_url))
    second = await make_adapter(Engine(second_store))
    ann.adapter = second
    await ann.say("45 min")
    assert "What did you run on" in ann.text or "surface" in ann.text.lower()
    await ann.tap("Road / concrete")
    assert "How hard" in ann.text


async def test_webhook_mode_checks_the_secret_and_runs_turns(api, make_adapter) -> None:
    port = free_port()
    adapter = await make_adapter(
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
        telegram_webhook_secret="s3cret-Token_42-long-enough",
    )
    assert api.webhook and api.webhook["url"].endswith("/telegram/hook")
    assert api.webhook["secret_token"] == "s3cret-Token_42-long-enough"
    assert not api.calls_of("getUpdates")
    ann = Runner(api, adapter, ANN)
    await onboard(ann)
    await ann.say("/checkin")
    assert "far" in ann.text.lower()
    forged = api.new_update(message=api.message(ANN, "/help"))
    assert await api.post_webhook(forged, secret="wrong") == 403


async def test_a_slow_answer_to_a_button_press_does_not_hold_up_the_next_question(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter, ANN)
    await onboard(ann)
    await ann.say("/checkin")
    await ann.say("8 km")
    await ann.say("45 min")
    api.fail("answerCallbackQuery", status=200, delay=1.5)  # Telegram is slow to take the answer
    started = time.monotonic()
    await ann.tap("Road / concrete")
    [answer] = [c for c in api.calls_of("answerCallbackQuery") if c.at >= started]
    [shown] = ann.last
    assert shown.method == "editMessageText" and "How hard" in shown.text  # the question became the next one
    assert shown.at - started < 1.0  # shown while the callback answer was still on its way
