"""Pacing for Telegram's overall limit: never more than 30 messages within any second, yet close to 30/s.

PTB's `AIORateLimiter` paces the whole bot with a leaky bucket (aiolimiter).
At its defaults the bucket lets 30 messages through at once and then 30 a
second, so the first second of a burst carries up to ~59 and Telegram answers
429; a bucket of one loses the event loop's wake-up delay on every message
(measured: 28.7 messages/s instead of 29.7). `WindowPacer` keeps the rule
itself: at most 30 requests within any second, each counted from when it left
until its answer came back (the only span in which we know it reached
Telegram), a little apart from each other. A slow round trip costs some speed,
about 30 / (1 s + round trip) a second, never a 429.

`PacedRateLimiter` is PTB's `AIORateLimiter` (per-group limits, waiting out
RetryAfter, retries) with `WindowPacer` in place of its overall bucket.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Callable, Coroutine

from telegram.ext import AIORateLimiter, BaseRateLimiter

logger = logging.getLogger(__name__)

LIMIT = 30  # Telegram: about 30 messages a second to different chats
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


class PacedRateLimiter(BaseRateLimiter[int]):
    """PTB's AIORateLimiter with `WindowPacer` as the overall limit (requests to a chat only, as PTB does)."""

    def __init__(self, pacer: WindowPacer | None = None, max_retries: int = 0) -> None:
        self.pacer = pacer or WindowPacer()
        self._groups = AIORateLimiter(overall_max_rate=0, max_retries=max_retries)  # per-group limits and RetryAfter

    async def initialize(self) -> None:
        await self._groups.initialize()

    async def shutdown(self) -> None:
        await self._groups.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Paces a request to a chat, inside AIORateLimiter's group limit and RetryAfter handling."""
        if data.get("chat_id") is None or data.get("allow_paid_broadcast"):
            return await self._groups.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

        async def paced(*call_args: Any, **call_kwargs: Any) -> Result:
            async with self.pacer.slot():
                return await callback(*call_args, **call_kwargs)

        return await self._groups.process_request(paced, args, kwargs, endpoint, data, rate_limit_args)
