"""The outbound seam: how reminders and other unprompted messages reach a runner.

Each platform adapter is a `Sender`. Reminders look the sender up by the
runner's platform, so a reminder reaches the runner wherever they chat.
"""

from __future__ import annotations

import enum
from typing import Protocol, Sequence

from dialogs.messages import Address, Reply


class Delivery(enum.Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # the runner blocked us or closed DMs: stop until they write again
    FAILED = "failed"  # gave up after retries; the caller may try again later
    AWAY = "away"  # this sender cannot reach that runner now (another runner's terminal): wait, not a failure


class Sender(Protocol):
    platform: str

    async def send(self, address: Address, replies: Sequence[Reply]) -> Delivery:
        """Delivers replies to the address, honouring the platform's rate limits."""
        ...


class Adapter(Sender, Protocol):
    """A chat platform: takes updates to the engine and sends its replies back."""

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stops taking updates and finishes in-flight replies."""
        ...
