"""The wire-level pieces of the fake Bot API: its identity, a recorded call, and the failures it can inject."""

from __future__ import annotations

import logging
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

TOKEN = "123456789:AAFakeTokenForTestsOnly-xyzXYZ0123456"
BOT_ID = 123456789
BOT_USERNAME = "backstride_test_bot"

# Parameters PTB sends as raw strings (never JSON-decode these).
STRING_PARAMS = {
    "text",
    "caption",
    "callback_query_id",
    "url",
    "secret_token",
    "description",
    "short_description",
    "parse_mode",
    "language_code",
    "emoji",
    "inline_message_id",
}


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    result: Any = None

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup") or {}
        return markup.get("inline_keyboard", []) if isinstance(markup, dict) else []

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [button for row in self.keyboard for button in row]

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")


@dataclass
class Failure:
    """What to do instead of answering: an error status, a delay, or a dropped connection."""

    status: int = 429
    retry_after: int | None = None
    description: str | None = None
    delay: float = 0.0
    disconnect: bool = False


@dataclass
class RandomFailures:
    """Fails a share of calls at random (seeded): 429 with retry_after, 500, or a timeout.

    A timeout holds the request for `timeout_delay` s and then drops the connection
    without performing the call, so the client's retry is the only delivery.
    `max_streak` caps how many calls in a row fail for the same (method, chat); None: no cap.
    """

    rate: float
    rng: random.Random
    kinds: tuple[str, ...]
    methods: frozenset[str] | None
    retry_after: int
    timeout_delay: float
    max_streak: int | None
    streaks: Counter[tuple[str, Any]] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)

    def draw(self, method: str, params: dict[str, Any]) -> Failure | None:
        if self.methods is not None and method not in self.methods:
            return None
        key = (method, params.get("chat_id"))
        capped = self.max_streak is not None and self.streaks[key] >= self.max_streak
        if capped or self.rng.random() >= self.rate:
            self.streaks[key] = 0
            return None
        self.streaks[key] += 1
        kind = self.rng.choice(self.kinds)
        self.injected[kind] += 1
        if kind == "429":
            return Failure(429, retry_after=self.retry_after)
        if kind == "500":
            return Failure(500)
        return Failure(200, delay=self.timeout_delay, disconnect=True)


SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


@dataclass
class FloodLimit:
    """Telegram's overall limit: a message arriving when `per_second` were accepted in the last `window` s gets 429.

    Only accepted messages fill the window (a refused one sends nothing). `busiest`
    is the most messages accepted within one window, `rejected` how many got 429.
    """

    per_second: int
    window: float
    retry_after: int
    methods: frozenset[str]
    accepted: deque[float] = field(default_factory=deque)
    rejected: int = 0
    busiest: int = 0

    def check(self, method: str, at: float) -> Failure | None:
        if method not in self.methods:
            return None
        while self.accepted and self.accepted[0] <= at - self.window:
            self.accepted.popleft()
        if len(self.accepted) >= self.per_second:
            self.rejected += 1
            return Failure(429, retry_after=self.retry_after)
        self.accepted.append(at)
        self.busiest = max(self.busiest, len(self.accepted))
        return None
