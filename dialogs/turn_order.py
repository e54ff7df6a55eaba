"""The engine's one per-runner lock: one runner's turns run one at a time, in the order they came.

On a local database (SQLite) a turn runs on the event loop and never awaits, so
two turns cannot interleave and no lock is taken. When every query waits on a
database server (`store.waits_on_network`), turns run in worker threads so other
runners' turns overlap those waits; an asyncio lock per runner then keeps each
runner's messages in arrival order within this process (bench/turn_driver_bench.py
measured both). Across processes the store's turn holds the runner's lock in the
database (storage/turns.py); this class is the one place to change when that lock
takes over the ordering too. Adapters take no lock of their own.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Callable, TypeVar

Arg = TypeVar("Arg")
Result = TypeVar("Result")


class TurnOrder:
    """Runs calls for one runner key one at a time: on the loop, or in a thread under the runner's lock."""

    def __init__(self, threaded: bool) -> None:
        self.threaded = threaded
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = weakref.WeakValueDictionary()

    async def run(self, key: tuple[str, str], call: Callable[[Arg], Result], arg: Arg) -> Result:
        """Runs `call(arg)` after the runner's earlier calls have finished."""
        if not self.threaded:
            return call(arg)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            return await asyncio.to_thread(call, arg)
