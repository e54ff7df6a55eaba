"""A reminder dispatcher in its own process, for the kill -9 test (test_kill_reminders.py).

    python -m tests.reliability.burst_worker DATABASE_URL DELIVERIES_FILE NOW_ISO [SEND_DELAY]

Runs the real Dispatcher's ticks at a fixed clock until nothing is due, with a Sender
that appends each delivered reminder's id to DELIVERIES_FILE and fsyncs the line before
it reports the message sent: the file is what the runners received, even across
kill -9. The first line says how many sends the dispatcher may leave unrecorded
("window N", from Dispatcher.chunk).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sys
from datetime import datetime
from typing import Sequence

from bot.outbound import Delivery
from bot.scheduler import Dispatcher
from dialogs.messages import Address, Reply
from storage.database import open_database
from storage.repository import SqlStore

logger = logging.getLogger(__name__)


class FileSender:
    """Delivers by appending "<reminder id>" to a file, one fsynced line per message."""

    platform = "terminal"

    def __init__(self, fd: int, delay: float) -> None:
        self.fd = fd
        self.delay = delay
        self.rng = random.Random(7)

    async def send(self, address: Address, replies: Sequence[Reply]) -> Delivery:
        await asyncio.sleep(self.delay * (0.5 + self.rng.random()))  # a round trip to the platform, never two alike
        for reply in replies:
            ids = {b.payload.split(":")[1] for b in reply.flat_buttons if b.payload.startswith("z:")}
            os.write(self.fd, f"{','.join(sorted(ids)) or '?'}\n".encode())
            os.fsync(self.fd)
        return Delivery.SENT


async def main(url: str, path: str, now: datetime, delay: float) -> int:
    database = open_database(url, create=False, upgrade=False)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    dispatcher = Dispatcher(database, {"terminal": FileSender(fd, delay)}, lambda: now, store=SqlStore(database))
    os.write(fd, f"window {getattr(dispatcher, 'chunk', 0)}\n".encode())
    os.fsync(fd)
    sent = 0
    while True:
        delivered = await dispatcher.tick()
        sent += delivered
        if not delivered:
            break
    os.close(fd)
    database.dispose()
    print(f"sent {sent}", flush=True)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    url, path, now_iso = sys.argv[1:4]
    send_delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.01
    raise SystemExit(asyncio.run(main(url, path, datetime.fromisoformat(now_iso), send_delay)))
