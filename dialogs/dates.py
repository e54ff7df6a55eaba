"""Which day a run happened: "yesterday", "on Saturday", "last Tuesday", "3 days ago", "28/11".

dateparser does the reading (relative words, weekday and month names, numeric
dates, day-first), always in the runner's own time zone and preferring the past.
This module only picks which few words of a check-in to hand it: the words
around a day anchor, never a whole sentence, because "in 45 min" or "4/10"
would read as times and dates. A phrase after "since" or "for" says when the
pain started, not when the run was, and is left alone.

A day is stored as local noon of that day, in UTC, so it stays on that day in
every view whatever the hour.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta, timezone

from dialogs import timezones

logger = logging.getLogger(__name__)

MAX_DAYS_BACK = 90  # older than this and a typo is likelier than a late log
FILED_AT = time(12, 0)  # local noon: safely inside the day whatever the hour
SETTINGS = {
    "PREFER_DATES_FROM": "past",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "DATE_ORDER": "DMY",
    "PREFER_DAY_OF_MONTH": "first",
    "STRICT_PARSING": False,
}
_WEEKDAYS = {
    "monday", "mon", "tuesday", "tue", "tues", "wednesday", "wed", "thursday", "thu", "thur", "thurs",
    "friday", "fri", "saturday", "sat", "sunday", "sun",
}  # fmt: skip
_MONTHS = {
    "january", "jan", "february", "feb", "march", "mar", "april", "apr", "may", "june", "jun", "july", "jul",
    "august", "aug", "september", "sep", "sept", "october", "oct", "november", "nov", "december", "dec",
}  # fmt: skip
_SINGLE = {"yesterday", "today", "tonight", "yday", "yest", "tomorrow"}
_BEFORE_WEEKDAY = {"last", "on", "this", "past"}
_PAIN_ONSET = {"since", "for", "from", "started", "began"}
_NUMERIC_DATE = re.compile(r"^\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?$")
_ORDINAL = re.compile(r"^\d{1,2}(?:st|nd|rd|th)?$")
_ALIASES = {"yday": "yesterday", "yest": "yesterday", "tonight": "today"}


class DateProblem(ValueError):
    """A day was named but cannot be used (in the future, or too long ago); the text says why."""


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z]+|\d{1,4}(?:[/.-]\d{1,4}){1,2}|\d+(?:st|nd|rd|th)?", text.lower())


def _spans(words: list[str]) -> list[tuple[int, int]]:
    """Candidate (start, end) word spans around each day anchor, most specific first."""
    spans: list[tuple[int, int]] = []
    for i, word in enumerate(words):
        if word in _SINGLE:
            spans.append((i, i + 1))
        elif word in _WEEKDAYS:
            start = i - 1 if i and words[i - 1] in _BEFORE_WEEKDAY else i
            spans.append((start, i + 1))
        elif word in _MONTHS and word != "may" or word == "may" and _next_is_day(words, i):
            if i and _ORDINAL.match(words[i - 1]):
                spans.append((i - 1, i + 1))
            elif _next_is_day(words, i):
                spans.append((i, i + 2))
        elif word == "ago" and i >= 2:
            spans.append((i - 2, i + 1))
        elif _NUMERIC_DATE.match(word) and not re.match(r"^\d{1,2}/10$", word):
            spans.append((i, i + 1))
        elif re.match(r"^\d{1,2}(st|nd|rd|th)$", word) and i and words[i - 1] == "the":
            spans.append((i - 1, i + 1))
    return spans


def _next_is_day(words: list[str], i: int) -> bool:
    return i + 1 < len(words) and bool(_ORDINAL.match(words[i + 1])) and int(re.sub(r"\D", "", words[i + 1])) <= 31


def local_today(now: datetime, zone: str) -> date:
    return timezones.local(now, zone).date()


def find_day(text: str, zone: str, now: datetime) -> date | None:
    """Returns the local day a check-in names for its run, or None when it names none.

    Raises DateProblem for a day in the future or more than MAX_DAYS_BACK ago.
    """
    words = _tokens(text)
    spans = _spans(words)
    if not spans:
        return None
    today = local_today(now, zone)
    base = datetime.combine(today, timezones.local(now, zone).time())
    for start, end in spans:
        if start and words[start - 1] in _PAIN_ONSET:
            continue
        phrase = " ".join(_ALIASES.get(w, w) for w in words[start:end] if w not in ("on", "the"))
        import dateparser  # ~0.1 s on first use; only check-ins that name their run's day pay it

        parsed = dateparser.parse(phrase, languages=["en"], settings={**SETTINGS, "RELATIVE_BASE": base})
        if parsed is None:
            continue
        day = parsed.date()
        if words[end - 1] in _WEEKDAYS and words[start] != "last" and day == today - timedelta(days=7):
            day = today  # "on Sunday", said on a Sunday, is today; "last Sunday" is a week ago
        return check_day(day, today)
    return None


def preload() -> None:
    """Imports dateparser now, not in the first check-in that names a day (a server's start-up: about 0.15 s)."""
    import dateparser

    dateparser.parse("yesterday", languages=["en"], settings=SETTINGS)


def check_day(day: date, today: date) -> date:
    """Returns the day if a run can be filed under it, else raises DateProblem saying why."""
    if day > today:
        raise DateProblem(f"{day:%a %d %b} is still to come, so I can't log a run for it yet.")
    if (today - day).days > MAX_DAYS_BACK:
        raise DateProblem(f"I can file runs up to {MAX_DAYS_BACK} days back; {day:%d %b %Y} is further than that.")
    return day


def filed_at(day: date, zone: str) -> datetime:
    """The UTC moment a run on this local day is filed at (local noon)."""
    return datetime.combine(day, FILED_AT, tzinfo=timezones.zone(zone)).astimezone(timezone.utc)


def started_for(text: str, zone: str, now: datetime) -> str | None:
    """The ISO UTC start to store for a run told in chat: None when it was today or names no day."""
    day = find_day(text, zone, now)
    if day is None or day == local_today(now, zone):
        return None
    return filed_at(day, zone).isoformat()


__all__ = ["DateProblem", "find_day", "preload", "check_day", "filed_at", "started_for", "local_today", "MAX_DAYS_BACK"]

