"""The database tables. All times are stored in UTC.

Every table that holds something about a runner has a `runner_id` column, so
/forget can delete a runner from all of them without a list to keep in sync.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, false, true
from sqlmodel import Field, SQLModel

from dialogs.clock import utcnow


# Named constraints, so later migrations can alter them (SQLite's batch mode needs the names).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


PENDING, CLAIMED, SENT, SKIPPED = "pending", "claimed", "sent", "skipped"  # the states of a Reminder row


class Runner(SQLModel, table=True):
    """One platform account (the terminal counts as a platform)."""

    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(index=True)
    user_id: str
    chat_id: str  # where private messages reach this runner
    name: str | None = None
    timezone: str = "UTC"
    units: str = "km"
    frequency: str | None = None
    usual_surface: str | None = None
    back_history: str | None = None
    onboarded: bool = False
    digest: bool = Field(default=True, sa_column_kwargs={"server_default": true()})  # wants the weekly digest (/settings)
    age_band: str | None = None  # health facts for the warning-sign triage (dialogs.models.Profile)
    risks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    risks_asked: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    country: str | None = None  # care numbers' country chosen in /settings
    active: bool = True  # False once the platform says the runner blocked us
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ConversationState(SQLModel, table=True):
    """Where a runner is in a conversation, per chat (aiogram's storage key)."""

    __table_args__ = (UniqueConstraint("runner_id", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(foreign_key="runner.id", index=True)
    chat_id: str
    state: str = "idle"
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    question: int = 0
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # bumps with every save; a stale turn's save is refused
    updated_at: datetime = Field(default_factory=utcnow)


class Run(SQLModel, table=True):
    # The last turn of a check-in reads one runner's runs of the last weeks (SqlStore.runs_since).
    __table_args__ = (Index("ix_run_runner_logged", "runner_id", "logged_at"),)

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(foreign_key="runner.id", index=True)
    logged_at: datetime = Field(default_factory=utcnow, index=True)
    distance_km: float | None = None
    duration_min: float | None = None
    surface: str | None = None
    effort: str | None = None
    effort_score: int | None = None
    started_at: datetime | None = Field(default=None, index=True)  # UTC, from an imported file
    source: str | None = None  # "gpx" | "fit"; None when told in chat


class PainReport(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(foreign_key="runner.id", index=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    score: int | None = None
    places: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    since_days: int | None = None
    trend: str | None = None
    eases_with_warmup: bool | None = None
    every_run: bool | None = None
    signs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class TriageRecord(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(foreign_key="runner.id", index=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    tier: str
    rules: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Club(SQLModel, table=True):
    """A group chat or server channel that added the coach."""

    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    chat_id: str
    title: str | None = None
    timezone: str = "UTC"
    active: bool = True  # False after the coach is removed from the group
    summary: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # weekly anonymous summary (/clubrun summary on)
    created_at: datetime = Field(default_factory=utcnow)


class ClubRun(SQLModel, table=True):
    """A club's weekly run: weekday and local time in the club's time zone."""

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id", index=True)
    weekday: int  # 0 = Monday
    time: str  # "HH:MM", local to the club
    place: str = ""


class ClubMember(SQLModel, table=True):
    """A runner seen using a command in a club's group; counted, never named, in its weekly summary.

    The runner_id column lets /forget delete it with everything else.
    """

    __tablename__ = "club_member"
    __table_args__ = (UniqueConstraint("club_id", "runner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id", index=True)
    runner_id: int = Field(foreign_key="runner.id", index=True)
    seen_at: datetime = Field(default_factory=utcnow)


class CoachEventRow(SQLModel, table=True):
    """One coaching event (dialogs.ports.CoachEvent): a next-morning verdict, a clearance, a return-to-run step."""

    __tablename__ = "coach_event"

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(foreign_key="runner.id", index=True)
    run_id: int | None = None  # the run a next-morning verdict judged; no foreign key, /undo deletes it with the run
    kind: str
    at: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ReminderPlan(SQLModel, table=True):
    """A runner's reminder settings (dialogs.ports.PlanInfo)."""

    __tablename__ = "reminder_plan"

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(foreign_key="runner.id", unique=True, index=True)
    slots: list[list[Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lead_min: int = 30
    after_min: int = 120
    daily: str | None = None
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    paused: bool = False
    warmups_sent: int = 0  # seeds the warm-up text so consecutive ones differ
    updated_at: datetime = Field(default_factory=utcnow)


class Reminder(SQLModel, table=True):
    """One occurrence of a reminder to a runner (runner_id) or a club's group (club_id)."""

    __tablename__ = "reminder"
    __table_args__ = (Index("ix_reminder_state_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int | None = Field(default=None, foreign_key="runner.id", index=True)
    club_id: int | None = Field(default=None, index=True)
    club_run_id: int | None = None
    kind: str  # warmup | after_run | daily | followup | digest | club_warmup | club_after | club_summary
    stage: int = 1  # follow-ups: 1 next day, 2 two days later, 0 the gentle check after an emergency
    weekday: int | None = None  # the plan slot this occurrence came from
    at: str | None = None  # "HH:MM" local
    run_at: datetime | None = None  # UTC start of the planned run
    due_at: datetime = Field(index=True)  # UTC, after quiet hours were applied
    expires_at: datetime  # UTC; not sent after this (grace window)
    state: str = PENDING
    claimed_by: str | None = Field(default=None, index=True)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    repeat: bool = False  # sending (or skipping) it schedules the next occurrence
    answer: str | None = None  # follow-ups: better | same | worse
    note: str | None = None  # why it was skipped
    key: str | None = Field(default=None, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
