"""When reminders fall due and which ones to keep scheduled: the reminder policy, as pure functions.

Local wall time to UTC for each occurrence, quiet hours, grace periods; the
next occurrence of each plan reminder, the weekly digest spread over Sunday
evening, follow-ups, club posts, and what logging a run cancels. Shared by the
/plan flow, storage (which inserts and deletes the rows these functions name)
and the dispatcher (which places a due reminder outside quiet hours).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone

from dialogs import timezones
from dialogs.models import Tier
from dialogs.ports import PlanInfo

# How long after its due time a reminder still makes sense (warm-ups: until the run starts).
GRACE = {
    "after_run": timedelta(hours=6),
    "daily": timedelta(hours=6),
    "followup": timedelta(hours=12),
    "club_after": timedelta(hours=6),
    "digest": timedelta(hours=4),
    "club_summary": timedelta(hours=4),
}
DIGEST_WEEKDAY, DIGEST_AT = 6, "18:00"  # the weekly digest and club summary: Sunday evening, local (club) time
SNOOZE_GRACE = timedelta(hours=1)  # a snoozed warm-up is pointless much later
SNOOZES = {"1h": timedelta(hours=1), "1d": timedelta(days=1)}
FOLLOWUP_DELAY = {1: timedelta(days=1), 2: timedelta(days=2), 0: timedelta(days=1)}
MORNING_AT = "08:00"  # the next-morning check after a run that hurt, local time
MORNING_MIN_GAP = timedelta(hours=1)  # a run logged after its next morning is asked about an hour later


def hhmm(text: str) -> tuple[int, int]:
    hour, minute = text.split(":")
    return int(hour), int(minute)


def wall_to_utc(day: date, at: str, zone_name: str) -> datetime:
    """Returns the UTC instant of a local wall time on a local date.

    zoneinfo's fold=0 reads a wall time that does not exist (the spring-forward
    gap) with the offset from before the gap, so 02:30 becomes 03:30 local time;
    an ambiguous autumn time gets its first occurrence.
    """
    hour, minute = hhmm(at)
    local = datetime.combine(day, time(hour, minute), tzinfo=timezones.zone(zone_name))
    return local.astimezone(timezone.utc)


def next_occurrence(weekday: int | None, at: str, zone_name: str, after: datetime) -> datetime:
    """Returns the first UTC instant strictly after `after` at local `at` on `weekday` (None: any day)."""
    start = timezones.local(after, zone_name).date() - timedelta(days=1)
    for offset in range(16):
        day = start + timedelta(days=offset)
        if weekday is not None and day.weekday() != weekday:
            continue
        moment = wall_to_utc(day, at, zone_name)
        if moment > after:
            return moment
    raise AssertionError("no occurrence within two weeks")  # unreachable


def followup_due(stage: int, logged_at: datetime, run_at: datetime | None, zone_name: str) -> datetime:
    """When a follow-up is due: stage 1 the morning after the run's local day (the next-morning
    pain rule), never sooner than an hour after it was logged; other stages after FOLLOWUP_DELAY."""
    if stage != 1:
        return logged_at + FOLLOWUP_DELAY[stage]
    day = timezones.local(run_at or logged_at, zone_name).date() + timedelta(days=1)
    return max(wall_to_utc(day, MORNING_AT, zone_name), logged_at + MORNING_MIN_GAP)


def in_quiet(moment: datetime, zone_name: str, start: str, end: str) -> bool:
    """Tells whether a UTC moment falls in the runner's quiet hours [start, end) local."""
    if start == end:
        return False
    local = timezones.local(moment, zone_name).time()
    s, e = time(*hhmm(start)), time(*hhmm(end))
    return (s <= local < e) if s < e else (local >= s or local < e)


def place(due: datetime, expires: datetime, zone_name: str, start: str, end: str) -> datetime | None:
    """Moves a due time out of quiet hours; None if it would then arrive too late to matter."""
    if not in_quiet(due, zone_name, start, end):
        return due
    wake = next_occurrence(None, end, zone_name, due)
    return wake if wake < expires else None


# ------------------------------------------------------------------ which reminders to keep scheduled

PLAN_KINDS = ("warmup", "after_run", "daily")  # the reminders a runner's plan asks for (replaced when it changes)
CHECKED_OFF_KINDS = ("after_run", "daily")  # a logged run checks these off for the local day it was run
DIGEST, CLUB_SUMMARY = "digest", "club_summary"  # sent with content composed at send time (dialogs.digest)
CLUB_WARMUP_LEAD = timedelta(minutes=30)
CLUB_AFTER_DELAY = timedelta(minutes=90)
DIGEST_SPREAD_S = 2 * 3600  # 18:00-20:00: 100,000 digests in one zone come due at ~14 a second, under 30/s
SPREAD_HASH = 2654435761  # Knuth's multiplicative hash: consecutive runner ids land far apart in the window
LOOKAHEAD_OCCURRENCES = 3  # look past an occurrence in quiet hours (a DST switch may free the next)


@dataclass(frozen=True)
class Occurrence:
    """One reminder to schedule: the values of a new pending reminder row."""

    kind: str
    due_at: datetime  # UTC, after quiet hours were applied
    expires_at: datetime  # UTC; not sent after this
    runner_id: int | None = None
    club_id: int | None = None
    club_run_id: int | None = None
    stage: int = 1
    weekday: int | None = None
    at: str | None = None
    run_at: datetime | None = None
    repeat: bool = False  # sending (or skipping) it schedules the one that follows
    key: str | None = None  # unique: a racing writer cannot schedule a twin


@dataclass(frozen=True)
class ClubSlot:
    """A weekly run of an active club, as the club posts are scheduled from it."""

    club_id: int
    club_run_id: int
    weekday: int
    at: str
    zone: str


@dataclass(frozen=True)
class AfterRun:
    """What logging a run changes in the runner's reminders."""

    day: date  # pending CHECKED_OFF_KINDS planned on this local day are checked off
    replace_digest: bool  # the pending digest is dropped; `new` holds the next one
    replace_followups: bool  # pending follow-ups are superseded by the one in `new`
    new: tuple[Occurrence, ...]


def _shift(kind: str, plan: PlanInfo) -> timedelta:
    """How much earlier than the planned run a plan reminder is due (negative: later)."""
    return {"warmup": timedelta(minutes=plan.lead_min), "after_run": -timedelta(minutes=plan.after_min)}.get(
        kind, timedelta(0)
    )


def occurrence(
    runner_id: int, kind: str, weekday: int | None, at: str, plan: PlanInfo, zone: str, after: datetime
) -> Occurrence:
    """Returns the next occurrence of a plan reminder (or a digest) due after `after`, outside quiet hours if it can."""
    shift = _shift(kind, plan)
    first: Occurrence | None = None
    cursor = after + shift
    for _ in range(LOOKAHEAD_OCCURRENCES):
        run_at = next_occurrence(weekday, at, zone, cursor)
        cursor = run_at
        due = run_at - shift
        expires = run_at if kind == "warmup" else due + GRACE[kind]
        placed = place(due, expires, zone, plan.quiet_start, plan.quiet_end)
        found = Occurrence(
            kind=kind, due_at=placed or due, expires_at=expires, runner_id=runner_id, weekday=weekday, at=at,
            run_at=run_at, repeat=True, key=f"r{runner_id}:{kind}:{weekday}:{at}:{run_at:%Y%m%dT%H%M}",
        )  # fmt: skip
        first = first or found
        if placed is not None:
            return found
    assert first is not None
    return first  # always quiet: the dispatcher skips it and moves on


def plan_occurrences(runner_id: int, plan: PlanInfo, zone: str, after: datetime) -> list[Occurrence]:
    """Returns the next occurrence of every reminder the plan asks for."""
    found = []
    for weekday, at in plan.slots:
        found.append(occurrence(runner_id, "warmup", weekday, at, plan, zone, after))
        found.append(occurrence(runner_id, "after_run", weekday, at, plan, zone, after))
    if plan.daily:
        found.append(occurrence(runner_id, "daily", None, plan.daily, plan, zone, after))
    return found


def following(
    runner_id: int, kind: str, weekday: int | None, at: str | None, run_at: datetime | None, plan: PlanInfo, zone: str, now: datetime
) -> Occurrence | None:
    """Returns the occurrence that follows a recurring runner reminder, if its slot is still planned."""
    if run_at is None or at is None:
        return None
    planned = (weekday, at) in plan.slots if kind != "daily" else plan.daily == at
    if not planned:
        return None
    after = max(run_at - _shift(kind, plan), now)  # never catch up on occurrences missed while down
    return occurrence(runner_id, kind, weekday, at, plan, zone, after)


def digest_offset(runner_id: int) -> int:
    """Seconds after 18:00 that this runner's digest comes due: the same every week, spread evenly over runners."""
    return (runner_id * SPREAD_HASH) % 2**32 % DIGEST_SPREAD_S


def digest(runner_id: int, plan: PlanInfo, zone: str, now: datetime) -> Occurrence:
    """The next Sunday-evening digest, spread over the evening by runner; a single occurrence (the next run schedules the next)."""
    found = replace(occurrence(runner_id, DIGEST, DIGEST_WEEKDAY, DIGEST_AT, plan, zone, now), repeat=False)
    spread = timedelta(seconds=digest_offset(runner_id))
    later = found.due_at + spread
    if found.due_at == found.run_at and not in_quiet(later, zone, plan.quiet_start, plan.quiet_end):
        found = replace(found, due_at=later, expires_at=found.expires_at + spread)  # else 18:00, as before spreading
    return found


def followup(runner_id: int, stage: int, due: datetime, zone: str, plan: PlanInfo) -> Occurrence:
    """A follow-up due at `due`, moved out of the runner's quiet hours."""
    expires = due + GRACE["followup"]
    placed = place(due, expires, zone, plan.quiet_start, plan.quiet_end)
    return Occurrence(kind="followup", due_at=placed or due, expires_at=expires, runner_id=runner_id, stage=stage)


def after_new_run(
    runner_id: int,
    zone: str,
    plan: PlanInfo,
    wants_digest: bool,
    logged_at: datetime,
    has_pain: bool,
    tier: str,
    run_at: datetime | None = None,
) -> AfterRun:
    """What a logged run cancels and schedules: that day's after-run prompt and daily check-in are done,
    the weekly digest moves to this week's, and a run that hurt gets its follow-up (the gentle one after an emergency).

    `run_at` is when the run was (a past day told in chat, a file's start): it checks off that
    day, and its follow-up comes the next morning (followup_due).
    """
    new = [digest(runner_id, plan, zone, logged_at)] if wants_digest else []
    if has_pain:
        stage = 0 if tier == Tier.EMERGENCY.value else 1  # the gentle check after an emergency
        new.append(followup(runner_id, stage, followup_due(stage, logged_at, run_at, zone), zone, plan))
    day = timezones.local(run_at or logged_at, zone).date()
    return AfterRun(day=day, replace_digest=wants_digest, replace_followups=has_pain, new=tuple(new))


def on_day(run_at: datetime | None, zone: str, day: date) -> bool:
    """Tells whether a planned run falls on a local day."""
    return run_at is not None and timezones.local(run_at, zone).date() == day


def club_posts(slots: Sequence[ClubSlot], summaries: Sequence[tuple[int, str]], now: datetime) -> list[Occurrence]:
    """The next warm-up and after-run post of every club run, and the next weekly summary of each (club id, zone)."""
    found = []
    for slot in slots:
        for kind, shift in (("club_warmup", CLUB_WARMUP_LEAD), ("club_after", -CLUB_AFTER_DELAY)):
            run_at = next_occurrence(slot.weekday, slot.at, slot.zone, now + shift)
            due = run_at - shift
            expires = run_at if kind == "club_warmup" else due + GRACE["club_after"]
            key = f"c{slot.club_run_id}:{kind}:{run_at:%Y%m%dT%H%M}"
            found.append(Occurrence(kind, due, expires, club_id=slot.club_id, club_run_id=slot.club_run_id, run_at=run_at, key=key))
    for club_id, zone in summaries:
        run_at = next_occurrence(DIGEST_WEEKDAY, DIGEST_AT, zone, now)
        key = f"s{club_id}:{CLUB_SUMMARY}:{run_at:%Y%m%dT%H%M}"
        found.append(Occurrence(CLUB_SUMMARY, run_at, run_at + GRACE[CLUB_SUMMARY], club_id=club_id, run_at=run_at, key=key))
    return found
