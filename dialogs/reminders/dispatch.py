"""What to do with a claimed reminder, and what it says: pure functions of the plain data the dispatcher hands over.

`decide` chooses send, wait (until a time) or skip (with the reason recorded);
`after_send` turns a Sender's result into the outcome to record, with the retry
policy; `compose` builds the replies: a reminder's text (a warm-up with the
coach's next-run lines), or the weekly digest and club summary of its week
(dialogs.digest; no replies when there is nothing to report). The dispatcher
(bot/scheduler.py) claims, reads and delivers; storage records what this
module decided.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from dialogs import coaching, digest, timezones
from dialogs.messages import Address, Reply
from dialogs.models import Profile, RunRecord
from dialogs.ports import CoachEvent
from dialogs.reminders import schedule, texts

logger = logging.getLogger(__name__)

SEND, WAIT, SKIP, SENT = "send", "wait", "skip", "sent"
MAX_ATTEMPTS = 5
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
NO_SENDER_RETRY = timedelta(minutes=10)
WEEKLY_HISTORY = timedelta(weeks=13)  # runs read for a digest: the chart's 12 weeks and the week before them
CLUB_WEEK = timedelta(days=8)  # runs read for a club summary
WEEKLY_KINDS = (schedule.DIGEST, schedule.CLUB_SUMMARY)

CoachInputs = tuple[Profile, Sequence[RunRecord], Sequence[CoachEvent]]


@dataclass(frozen=True)
class Due:
    """A claimed reminder with everything needed to decide and compose it."""

    reminder_id: int
    kind: str
    stage: int
    due_at: datetime
    expires_at: datetime
    run_at: datetime | None
    attempts: int
    address: Address | None  # None: the runner or club is gone
    zone: str
    quiet: tuple[str, str]  # ("00:00", "00:00") means none
    paused: bool
    active: bool
    last_run: datetime | None = None  # the runner's latest run (read for after-run prompts and daily check-ins)
    warmups_sent: int = 0
    club_run_id: int | None = None
    place_name: str = ""
    runner_id: int | None = None
    club_id: int | None = None
    opted_in: bool = True  # False: the runner turned the digest off, or the club its summary

    @property
    def checked_in(self) -> bool:
        """A run was logged on the local day of the planned run (after-run prompts and daily check-ins only)."""
        if self.kind not in schedule.CHECKED_OFF_KINDS or self.run_at is None or self.last_run is None:
            return False
        local = timezones.local(self.run_at, self.zone)
        return self.last_run >= local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)

    @property
    def seed(self) -> int:
        """Picks the warm-up text, so consecutive ones differ (a club's by run and day)."""
        if self.club_id is not None:
            return (self.club_run_id or 0) + (self.run_at.toordinal() if self.run_at else 0)
        return self.warmups_sent


@dataclass(frozen=True)
class Decision:
    """What to do with a claimed reminder, or (after sending) what to record."""

    action: str  # send | wait | skip | sent
    note: str | None = None
    until: datetime | None = None  # wait: when it is due again
    unreachable: bool = False  # skip: the recipient blocked us; mark them inactive


def decide(due: Due, now: datetime) -> Decision:
    """Chooses what to do with a claimed reminder at `now`."""
    if due.address is None:
        return Decision(SKIP, "recipient gone")
    if not due.active:
        return Decision(SKIP, "inactive")
    if due.paused:
        return Decision(SKIP, "paused")
    if not due.opted_in:
        return Decision(SKIP, "opted out")
    if due.checked_in:
        return Decision(SKIP, "checked in")
    if now >= due.expires_at:
        return Decision(SKIP, f"late by {now - due.due_at}")
    placed = schedule.place(now, due.expires_at, due.zone, *due.quiet)
    if placed is None:
        return Decision(SKIP, "quiet hours")
    if placed > now:
        return Decision(WAIT, "quiet hours", placed)
    return Decision(SEND)


def no_sender(now: datetime) -> Decision:
    """No Sender for the recipient's platform in this process: wait for one."""
    return Decision(WAIT, "no sender", now + NO_SENDER_RETRY)


def crashed(now: datetime) -> Decision:
    """Handling the reminder raised: try again in a minute."""
    return Decision(WAIT, "crashed", now + RETRY_AFTER[0])


def after_send(due: Due, delivery: str, now: datetime) -> Decision:
    """The outcome of a send (bot.outbound.Delivery's value): sent, retried later, or given up."""
    if delivery == "sent":
        return Decision(SENT)
    if delivery == "away":
        return Decision(WAIT, "recipient away", now + RETRY_AFTER[0])
    if delivery == "blocked":
        return Decision(SKIP, "blocked", unreachable=True)
    if due.attempts >= MAX_ATTEMPTS:
        return Decision(SKIP, "failed")
    return Decision(WAIT, "send failed", now + RETRY_AFTER[min(due.attempts, len(RETRY_AFTER)) - 1])


def wants_coaching(due: Due) -> bool:
    """A warm-up carries the coach's next-run lines, read from the runner's recent runs."""
    return due.kind == "warmup" and due.runner_id is not None


def coaching_lines(due: Due, found: CoachInputs | None, now: datetime) -> tuple[str, ...]:
    """The next-run lines under a warm-up (dialogs.coaching); a failure costs only those lines."""
    if found is None:
        return ()
    try:
        profile, runs, events = found
        return tuple(coaching.next_run_lines(profile.units, runs, events, now))
    except Exception:
        logger.exception("coaching lines for reminder %s failed", due.reminder_id)
        return ()


def reminder_replies(due: Due, lines: tuple[str, ...] = ()) -> list[Reply]:
    """The message a plan, follow-up or club reminder sends."""
    return [
        texts.reminder_reply(
            due.kind,
            due.reminder_id,
            local_time=f"{timezones.local(due.run_at, due.zone):%H:%M}" if due.run_at else "",
            stage=due.stage,
            seed=due.seed,
            place_name=due.place_name,
            coaching_lines=lines,
        )
    ]


def week_of(due: Due) -> datetime:
    """The Sunday a digest or club summary reports on."""
    return due.run_at or due.due_at


def digest_replies(due: Due, found: CoachInputs | None) -> list[Reply]:
    """The runner's weekly digest (no replies: the runner is gone or there is nothing to report)."""
    if found is None:
        return []
    profile, runs, events = found
    return digest.weekly_digest(runs, profile, week_of(due), events=events)


def club_summary_replies(due: Due, member_runs: Mapping[str, Sequence[RunRecord]]) -> list[Reply]:
    """The club's anonymous weekly summary (no replies: too few members checked in)."""
    summary = digest.club_summary(member_runs, week_of(due), due.zone)
    return [summary] if summary is not None else []
