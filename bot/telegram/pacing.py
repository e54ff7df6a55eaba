"""Pacing for Telegram's limits: 30 messages a second overall, 1 a second to one private chat, 20 a minute to a group.

PTB's `AIORateLimiter` paces the whole bot with a leaky bucket (aiolimiter).
At its defaults the bucket lets 30 messages through at once and then 30 a
second, so the first second of a burst carries up to ~59 and Telegram answers
429; a bucket of one loses the event loop's wake-up delay on every message
(measured: 28.7 messages/s instead of 29.7). `WindowPacer` keeps the rule
itself: at most 30 requests within any second, each counted from when it left
until its answer came back (the only span in which we know it reached
Telegram), a little apart from each other. A slow round trip costs some speed,
about 30 / (1 s + round trip) a second, never a 429.

The same pacer, one per chat, keeps Telegram's per-chat limits: a private chat
gets a message at most once a second, a group at most 20 a minute. A request
waits for its chat's turn first and the overall turn second, so one busy chat
never holds up the others, and a chat's messages leave in the order they were
queued (nothing is dropped).

`PacedRateLimiter` is the `BaseRateLimiter` PTB calls for every request. It does
not retry: `call` in bot/telegram/replies.py is the one retry policy. When
Telegram answers 429 it only pauses every request for `retry_after` (Telegram's
flood control applies to the whole bot) and passes the error on.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Coroutine

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

LIMIT = 30  # Telegram: about 30 messages a second to different chats
PRIVATE_LIMIT, PRIVATE_WINDOW = 1, 1.0  # one message a second to one private chat
GROUP_LIMIT, GROUP_WINDOW = 20, 60.0  # 20 messages a minute to one group
CHAT_PACED = ("send", "edit", "copy", "forward")  # endpoints that put a message in a chat
PRUNE_EVERY = 1000  # requests between forgetting chats that fell quiet
WINDOW = 1.002  # seconds: the rule's second, and a little for the clock
SPREAD = 0.9  # requests at least SPREAD * WINDOW / LIMIT apart: even, with room to catch up after a late wake-up

Result = Any  # bool | JSONDict | list[JSONDict], as PTB's BaseRateLimiter has it


@dataclass
class _Sent:
    left: float  # loop time the request was let through
    answered: float = math.inf  # loop time its answer came back; until then it may arrive any moment


class WindowPacer:
    """Lets requests through so that no `window` seconds ever hold more than `limit` of them at the server.

    A request counts until its answer came back, not from when it left: one held
    up on its way (a busy event loop, a garbage collection, a slow server) can
    have arrived as late as that, so it cannot land in the same second as the
    `limit` after it. Requests wait their turn in order (FIFO), at least
    `spacing` s apart.
    """

    def __init__(self, limit: int = LIMIT, window: float = WINDOW, spacing: float | None = None) -> None:
        self.limit = limit
        self.window = window
        self.spacing = SPREAD * window / limit if spacing is None else spacing
        self._recent: deque[_Sent] = deque()  # requests that may still share a window with the next one
        self._turn = asyncio.Lock()
        self._answer = asyncio.Event()  # set whenever an answer comes back: the next one may go sooner

    def _earliest(self, now: float) -> float:
        """When the next request may leave: `spacing` after the last, and once `limit` - 1 at most can share its second."""
        while self._recent and self._recent[0].answered <= now - self.window:
            self._recent.popleft()  # answered before any window the next request can be in
        if not self._recent:
            return now
        earliest = self._recent[-1].left + self.spacing
        if len(self._recent) >= self.limit:
            # the `limit`-th latest answer, not the `limit`-th latest departure: a slow request
            # can arrive after faster ones that left later
            answers = sorted((sent.answered for sent in self._recent), reverse=True)
            earliest = max(earliest, answers[self.limit - 1] + self.window)
        return earliest

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Waits for this request's turn; the block should make the request and return with its answer."""
        loop = asyncio.get_running_loop()
        async with self._turn:
            while (wait := self._earliest(loop.time()) - loop.time()) > 0:
                self._answer.clear()
                try:
                    await asyncio.wait_for(self._answer.wait(), None if math.isinf(wait) else wait)
                except asyncio.TimeoutError:
                    pass
            sent = _Sent(loop.time())
            self._recent.append(sent)
        try:
            yield
        finally:
            sent.answered = loop.time()
            self._answer.set()

    def idle(self, now: float) -> bool:
        """True when no request is waiting or in flight and the last answer is older than a window."""
        return not self._turn.locked() and all(sent.answered <= now - self.window for sent in self._recent)


def _retry_seconds(error: RetryAfter) -> float:
    value: Any = getattr(error, "_retry_after", None)
    if value is None:
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def chat_pacer(chat_id: int | str) -> WindowPacer:
    """The pacer for one chat: a group (negative id or @name) 20 a minute, a private chat 1 a second."""
    try:
        group = int(chat_id) < 0
    except (TypeError, ValueError):
        group = True
    if group:
        return WindowPacer(GROUP_LIMIT, GROUP_WINDOW, spacing=0.0)
    return WindowPacer(PRIVATE_LIMIT, PRIVATE_WINDOW)


class PacedRateLimiter(BaseRateLimiter[int]):
    """Paces requests overall and per chat with `WindowPacer`s, and pauses everything while Telegram says wait."""

    def __init__(self, pacer: WindowPacer | None = None, per_chat: bool = True) -> None:
        self.pacer = pacer or WindowPacer()
        self.per_chat = per_chat
        self._chats: dict[int | str, WindowPacer] = {}
        self._requests = 0
        self._resume_at = 0.0  # loop time before which nothing is sent (flood control)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        self._chats.clear()

    def _chat(self, chat_id: int | str) -> WindowPacer:
        self._requests += 1
        if self._requests % PRUNE_EVERY == 0:
            now = asyncio.get_running_loop().time()
            for key in [key for key, pacer in self._chats.items() if pacer.idle(now)]:
                del self._chats[key]
        pacer = self._chats.get(chat_id)
        if pacer is None:
            pacer = self._chats[chat_id] = chat_pacer(chat_id)
        return pacer

    async def _flood_wait(self) -> None:
        loop = asyncio.get_running_loop()
        while (wait := self._resume_at - loop.time()) > 0:
            await asyncio.sleep(wait)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Waits for the chat's turn, then the overall turn, then makes the request once."""
        chat_id = data.get("chat_id")
        if chat_id is None or data.get("allow_paid_broadcast"):
            return await callback(*args, **kwargs)
        async with AsyncExitStack() as stack:
            if self.per_chat and endpoint.startswith(CHAT_PACED):
                await stack.enter_async_context(self._chat(chat_id).slot())
            await self._flood_wait()
            await stack.enter_async_context(self.pacer.slot())
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                loop = asyncio.get_running_loop()
                self._resume_at = max(self._resume_at, loop.time() + _retry_seconds(error))
                raise
