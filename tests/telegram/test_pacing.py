"""Telegram's overall limit: the pacer keeps any second under the cap, and the fake enforces it when asked."""

from __future__ import annotations

import asyncio
import time

from bot.telegram.pacing import PacedRateLimiter, WindowPacer
from bot.outbound import Delivery
from dialogs.messages import Address, Reply
from tests.telegram.conftest import AdapterFactory
from tests.telegram.fake_bot_api import FakeBotApi


def most_within(times: list[float], window: float) -> int:
    """The most of `times` within any `window` seconds."""
    ordered = sorted(times)
    return max(sum(1 for t in ordered if moment - window < t <= moment) for moment in ordered)


async def test_the_pacer_keeps_every_window_under_the_limit_even_when_an_answer_is_slow() -> None:
    pacer = WindowPacer(limit=5, window=0.2)
    arrivals: list[float] = []

    async def request(number: int) -> None:
        async with pacer.slot():
            if number == 2:
                await asyncio.sleep(0.15)  # held up on its way: it reaches the server late
            arrivals.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(request(n) for n in range(20)))
    assert len(arrivals) == 20
    assert most_within(arrivals, 0.2) <= 5
    assert time.monotonic() - started < 2.0  # still about 5 per 0.2 s, not one at a time


async def test_the_pacer_spreads_a_burst_instead_of_letting_it_through_at_once() -> None:
    pacer = WindowPacer(limit=10, window=0.5)
    left: list[float] = []

    async def request() -> None:
        async with pacer.slot():
            left.append(time.monotonic())

    await asyncio.gather(*(request() for _ in range(10)))
    gaps = [b - a for a, b in zip(left, left[1:])]
    assert min(gaps) >= 0.9 * 0.5 / 10 - 0.002


async def test_the_fake_enforces_the_flood_limit_only_when_asked(api: FakeBotApi, make_adapter: AdapterFactory) -> None:
    adapter = await make_adapter(rate_limit=False, retry_attempts=1)
    runners = [Address("telegram", str(1000 + n), str(1000 + n)) for n in range(40)]

    async def send_all() -> None:
        await asyncio.gather(*(adapter.send(a, [Reply(text="hello")]) for a in runners))

    await send_all()
    assert len(api.calls_of("sendMessage")) == 40  # by default nothing is limited
    flood = api.enforce_flood_limit(per_second=30, window=1.0, retry_after=1)
    await send_all()
    assert flood.rejected == 10 and flood.busiest == 30


async def test_the_adapter_paces_its_sends_with_the_window_pacer(make_adapter: AdapterFactory) -> None:
    adapter = await make_adapter()
    assert isinstance(adapter.application.bot.rate_limiter, PacedRateLimiter)


async def test_one_private_chat_gets_at_most_a_message_a_second_in_order_while_others_are_not_held_up(
    api: FakeBotApi, make_adapter: AdapterFactory
) -> None:
    adapter = await make_adapter(pace_chats=True)
    ann, bob = Address("telegram", "601", "601"), Address("telegram", "602", "602")
    turn = [Reply(text=f"part {n}") for n in range(1, 4)]
    started = time.monotonic()
    await asyncio.gather(adapter.send(ann, turn), adapter.send(ann, [Reply(text="next turn")]),
                         adapter.send(bob, [Reply(text="hello Bob")]))  # fmt: skip
    to_ann = api.sent(601)
    assert [c.text for c in to_ann] == ["part 1", "part 2", "part 3", "next turn"]  # queued, none dropped
    gaps = [b.at - a.at for a, b in zip(to_ann, to_ann[1:])]
    assert min(gaps) >= 0.99
    assert api.sent(602)[0].at - started < 0.5  # another chat does not wait behind Ann's


async def test_a_group_gets_at_most_20_messages_a_minute() -> None:
    from bot.telegram.pacing import GROUP_LIMIT, GROUP_WINDOW, chat_pacer

    pacer = chat_pacer(-1001234)
    assert (pacer.limit, pacer.window) == (GROUP_LIMIT, GROUP_WINDOW) == (20, 60.0)
    assert (chat_pacer(601).limit, chat_pacer(601).window) == (1, 1.0)
    scaled = WindowPacer(limit=20, window=0.6, spacing=0.0)  # the group rule, a hundred times faster
    left: list[float] = []

    async def request() -> None:
        async with scaled.slot():
            left.append(time.monotonic())

    await asyncio.gather(*(request() for _ in range(25)))
    assert left[19] - left[0] < 0.1 and left[20] - left[0] >= 0.6  # a burst of 20, then the next window


async def test_repeated_429s_are_tried_by_one_policy_only(api: FakeBotApi, make_adapter: AdapterFactory) -> None:
    adapter = await make_adapter(retry_attempts=4)
    api.fail("sendMessage", times=10, status=429, retry_after=0)
    assert await adapter.send(Address("telegram", "603", "603"), [Reply(text="hello")]) is Delivery.FAILED
    assert len(api.calls_of("sendMessage")) == 4  # not 4 x (1 + the rate limiter's own retries)
