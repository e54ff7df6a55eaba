"""Test hooks on a running TelegramAdapter: which updates it has fully processed (engine ran, replies sent).

`handled(adapter)` wraps the adapter's PTB handler callbacks once, so the adapter
itself carries no test-only counters. Benchmarks use it too.
"""

from __future__ import annotations

import functools
import weakref
from typing import Any, Awaitable, Callable

from bot.telegram.adapter import TelegramAdapter

Listener = Callable[[int], None]


class Handled:
    """Counts the updates an adapter's handlers finished (whether or not they raised) and tells listeners their ids."""

    def __init__(self, adapter: TelegramAdapter) -> None:
        self.count = 0
        self.listeners: list[Listener] = []
        for handlers in adapter.application.handlers.values():
            for handler in handlers:
                handler.callback = self._watch(handler.callback)

    def _watch(self, callback: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(callback)
        async def watched(update: Any, context: Any) -> Any:
            try:
                return await callback(update, context)
            finally:
                self.count += 1
                for listener in list(self.listeners):
                    listener(update.update_id)

        return watched


_WATCHED: weakref.WeakKeyDictionary[TelegramAdapter, Handled] = weakref.WeakKeyDictionary()


def handled(adapter: TelegramAdapter) -> Handled:
    """The adapter's `Handled` record, started on first use (before the updates to count arrive)."""
    found = _WATCHED.get(adapter)
    if found is None:
        found = _WATCHED[adapter] = Handled(adapter)
    return found
