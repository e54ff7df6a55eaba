"""What the coach needs from storage, declared here and implemented in storage/.

The engine loads a `Snapshot` for an address, runs one step, and hands the
resulting `Change` back to be written in a single transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from dialogs.messages import Address
from dialogs.models import Checkin, Profile, RunRecord, TriageResult

IDLE = "idle"


@dataclass
class Conversation:
    """Where a runner is in a flow: a string state name plus that flow's data."""

    state: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)
    question: int = 0  # bumps with every question asked; button payloads carry it


@dataclass
class Snapshot:
    """Everything a step may read about the runner who wrote."""

    profile: Profile | None
    conversation: Conversation
    active: bool = True


@dataclass(frozen=True)
class NewRun:
    """A finished check-in to store as a run, its pain report and triage."""

    checkin: Checkin
    result: TriageResult
    logged_at: datetime


@dataclass(frozen=True)
class Forget:
    """Delete every row about this runner."""


@dataclass
class Change:
    """What one step wants written, atomically."""

    conversation: Conversation
    profile: Profile | None = None  # set to upsert the profile
    effects: list[NewRun | Forget] = field(default_factory=list)


class Store(Protocol):
    def load(self, address: Address) -> Snapshot: ...

    def save(self, address: Address, change: Change) -> None: ...

    def recent_runs(self, address: Address, limit: int = 10) -> list[RunRecord]: ...

    def export_rows(self, address: Address) -> list[dict[str, Any]]: ...
