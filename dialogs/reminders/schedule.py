"""When reminders fall due: local wall time to UTC for each occurrence, quiet hours, grace periods.

Pure arithmetic on datetimes and zone names, shared by the /plan flow, storage
(which stores the next due time) and the dispatcher (which places a due reminder
outside quiet hours).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from dialogs import timezones

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
