"""What the coach needs from storage, declared here and implemented in storage/.

The engine loads a `Snapshot` for an address, runs one step, and hands the
resulting `Change` back to be written in a single transaction.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from dialogs.messages import Address
from dialogs.models import Checkin, Profile, RunRecord, TriageResult, copy_data

IDLE = "idle"


@dataclass
class Conversation:
    """Where a runner is in a flow: a string state name plus that flow's data."""

    state: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)
    question: int = 0  # bumps with every question asked; button payloads carry it

    def copy(self) -> Conversation:
        """A deep copy (the data is JSON-shaped)."""
        return Conversation(state=self.state, data=copy_data(self.data), question=self.question)


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


@dataclass(frozen=True)
class RemoveRun:
    """Delete one of the runner's runs with its pain report, triage and coaching notes (/undo)."""

    run_id: int


RUN_FIELDS = ("distance_km", "duration_min", "surface", "effort", "pain_score", "date")


@dataclass(frozen=True)
class EditRun:
    """Change one field of one of the runner's runs (/edit); `date` takes an ISO UTC moment."""

    run_id: int
    field: str  # one of RUN_FIELDS, or "tier" (a re-triage after a pain edit)
    value: Any


@dataclass(frozen=True)
class CoachNote:
    """Record a coaching event: a next-morning verdict, a clearance, a return-to-run start or stop."""

    kind: str  # morning | cleared | return_start | return_stop
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None


@dataclass(frozen=True)
class CoachEvent:
    """A stored coaching event as the coach reads it back."""

    kind: str
    at: datetime  # UTC
    data: dict[str, Any]
    run_id: int | None = None


@dataclass(frozen=True)
class ClubRunInfo:
    run_id: int
    weekday: int  # 0 = Monday
    time: str  # "HH:MM" in the club's time zone
    place: str = ""


@dataclass(frozen=True)
class PlanInfo:
    """A runner's reminder settings; times are local wall-clock "HH:MM"."""

    slots: tuple[tuple[int, str], ...] = ()  # (weekday 0 = Monday, "HH:MM") of planned runs
    lead_min: int = 30  # warm-up reminder this long before each planned run
    after_min: int = 120  # after-run prompt this long after the planned start
    daily: str | None = None  # daily check-in time, off by default
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"  # quiet_start == quiet_end: no quiet hours
    paused: bool = False


@dataclass(frozen=True)
class ScheduledInfo:
    """One pending reminder as /reminders shows it."""

    reminder_id: int
    kind: str
    due_at: datetime  # UTC


@dataclass(frozen=True)
class FollowupInfo:
    """A follow-up reminder the pressing runner owns."""

    reminder_id: int
    stage: int  # 1: the day after pain, 2: two days later; 0: the one gentle check after an emergency
    answer: str | None  # better | same | worse once answered


# ------------------------------------------------------------------ what a step may ask to have written


@dataclass(frozen=True)
class SetPlan:
    """Store the runner's reminder plan and replace their pending plan reminders (/plan, /pause, /resume)."""

    plan: PlanInfo
    now: datetime


@dataclass(frozen=True)
class ReminderReply:
    """A press on one of the runner's own reminders: a follow-up answer, recorded once (and the next
    stage scheduled at `next_due` if set), or a snooze (the reminder sent again at `snooze_until`)."""

    reminder_id: int
    answer: str | None = None  # better | same | worse
    next_due: datetime | None = None
    snooze_until: datetime | None = None


@dataclass(frozen=True)
class ClubChange:
    """One /clubrun change to the address's group (the only effect a group message has): set its
    time zone, add or remove a weekly run, or turn the weekly anonymous summary on or off."""

    timezone: str | None = None
    add: ClubRunInfo | None = None
    remove: int | None = None  # a club run's id
    summary: bool | None = None


@dataclass(frozen=True)
class ClubActive:
    """The coach was added to (True) or removed from (False) the group at the address; its settings are kept."""

    active: bool
    title: str = ""


@dataclass(frozen=True)
class ChatMigrated:
    """The group at the address now has a new chat id (a Telegram group became a supergroup)."""

    new_chat_id: str


@dataclass(frozen=True)
class RunnerBlocked:
    """The runner at the address refused a delivery: no reminders until they write again."""


PLAN_EFFECTS = (SetPlan, ReminderReply)
PLATFORM_EFFECTS = (ClubActive, ChatMigrated, RunnerBlocked)  # what happened on the platform (Engine.notice)
Effect = (
    NewRun | Forget | RemoveRun | EditRun | CoachNote | SetPlan | ReminderReply | ClubChange
    | ClubActive | ChatMigrated | RunnerBlocked
)


@dataclass
class Change:
    """What one step wants written, atomically."""

    conversation: Conversation
    profile: Profile | None = None  # set to upsert the profile
    effects: list[Effect] = field(default_factory=list)


class StoreView(Protocol):
    """What a step may read. Steps never write: they return effects in their Outcome, and the
    engine hands those to `Store.save`, which applies them in the turn's transaction."""

    def recent_runs(self, address: Address, limit: int = 10) -> list[RunRecord]: ...

    def runs_since(self, address: Address, since: datetime) -> list[RunRecord]:
        """The runs logged since `since` (an index range, so its cost follows the window, not the history)."""
        ...

    def export_rows(self, address: Address) -> list[dict[str, Any]]: ...

    def export_all(self, address: Address) -> dict[str, Any]:
        """Every stored row about the runner, by table name ("runner" for theirs); {} if none."""
        ...

    def club_runs(self, platform: str, chat_id: str) -> list[ClubRunInfo]: ...

    def club_timezone(self, platform: str, chat_id: str) -> str: ...

    def club_summary_on(self, platform: str, chat_id: str) -> bool: ...

    def plan(self, address: Address) -> PlanInfo | None: ...

    def scheduled(self, address: Address, now: datetime, limit: int = 10) -> list[ScheduledInfo]: ...

    def followup(self, address: Address, reminder_id: int) -> FollowupInfo | None:
        """Returns the follow-up if it belongs to this runner and was sent, else None."""
        ...

    def snoozable(self, address: Address, reminder_id: int) -> bool:
        """Tells whether the reminder is this runner's own and was sent (so it may be snoozed)."""
        ...

    def coach_events(self, address: Address, since: datetime) -> list[CoachEvent]:
        """The runner's coaching events from `since` on, oldest first."""
        ...


STORE_VIEW = frozenset(name for name in vars(StoreView) if not name.startswith("_"))


class Store(StoreView, Protocol):
    """The engine's side: a turn under the runner's lock, and the save that applies a step's Change."""

    waits_on_network: bool  # True when each query waits on a database server (the engine then uses a thread)

    def turn(self, address: Address) -> AbstractContextManager[Snapshot]:
        """Loads the runner under their lock, held until the block ends.

        Every store call inside the block (reads, and the step's writes) shares
        one transaction: it commits at the end if anything was written, and rolls
        back if the block raises. No other process handles this runner meanwhile.
        """
        ...

    def load(self, address: Address) -> Snapshot: ...

    def save(self, address: Address, change: Change) -> None:
        """Writes the change atomically; inside a turn, refuses it if the conversation moved since loaded.

        For a group address only the club effects are applied: a group message never changes a runner.
        A change of PLATFORM_EFFECTS only (the engine's `notice`) records them and writes no conversation.
        """
        ...

    def note_club_member(self, address: Address) -> None:
        """Records that a known runner used a command in this group (they count in its weekly summary)."""
        ...
