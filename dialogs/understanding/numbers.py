"""Reading the facts of a run: distance, duration, surface, effort and the 0-10 pain score."""

from __future__ import annotations

import logging
import re

from dialogs.models import Effort, Surface
from dialogs.understanding.pain import _pain_mentions
from dialogs.units import KM_PER_MILE
from dialogs.understanding.text import (
    HALF_MARATHON_KM,
    InputError,
    MARATHON_KM,
    MAX_DISTANCE_KM,
    MAX_DURATION_MIN,
    METRES_MIN,
    PARKRUN_KM,
    _ANY_PLACE,
    _CLAUSE_BREAK,
    _EFFORT_CONTEXT,
    _EFFORT_LOOSE,
    _EFFORT_STRICT,
    _NOT_PACE,
    _NUM,
    _PAIN_WORD,
    _SURFACES,
    _UNIT_AFTER,
    _bare_number,
    _clauses,
    _digits,
    _find,
    _fmt,
    _lone_number,
    _prepare,
    _round,
)

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- distance

# (pattern, km per unit, smallest value believed in that unit)
_DISTANCE_UNITS = (
    (rf"{_NUM}\s*(?:km|kms|k|kilomet(?:er|re)s?|klicks?)\b", 1.0, None),
    (rf"{_NUM}\s*(?:mi|miles?)\b", KM_PER_MILE, None),
    (rf"{_NUM}\s*(?:metres?|meters?|mtrs?)\b", 0.001, None),
    (rf"{_NUM}\s*m\b(?!\s*/)", 0.001, METRES_MIN),  # "45m" is more likely minutes
)
_NAMED_DISTANCES = (
    (r"\bhalf[\s-]*(?:marathon|mara)\b", HALF_MARATHON_KM),
    (r"(?<!half )(?<!half-)\bmarathon\b", MARATHON_KM),
    (r"\bpark ?run\b", PARKRUN_KM),
)
_HALF_ALONE = r"\b(?:ran |did |raced |run )?(?:a |the )?half\b(?![\s-]*(?:an?\b|hour|hr|way|of|the|mile|km|k\b|it|my|as|that|time|\d))"


def _distance_error(value: float, units: str) -> InputError:
    unit = "km" if units == "km" else "miles"
    example = "8 km" if units == "km" else "5 miles"
    if value <= 0:
        return InputError(f"{_fmt(value)} {unit} isn't a run I can log. How far did you go? (e.g. {example})")
    return InputError(
        f"{_fmt(value)} {unit} is more than I can believe for one run. How far did you go? (e.g. {example})"
    )


def _find_distance(text: str, units: str, answer: bool) -> float | None:
    """Distance in km from prepared, digit-converted text; `answer` allows bare numbers."""
    hits: list[tuple[int, float, float, str]] = []  # (position, km, shown value, shown unit)
    for pattern, factor, smallest in _DISTANCE_UNITS:
        for m in re.finditer(pattern, text):
            value = float(m.group(1))
            if smallest is not None and abs(value) < smallest:
                continue
            if factor == KM_PER_MILE:
                hits.append((m.start(), value * factor, value, "mi"))
            else:
                hits.append((m.start(), value * factor, value * factor, "km"))
    for pattern, km in _NAMED_DISTANCES:
        for m in re.finditer(pattern, text):
            hits.append((m.start(), km, km, "km"))
    if answer:
        for m in re.finditer(_HALF_ALONE, text):
            hits.append((m.start(), HALF_MARATHON_KM, HALF_MARATHON_KM, "km"))
    else:
        for m in re.finditer(r"\b(?:ran|did|raced|run) (?:a|the) half\b(?![\s-]*(?:an?\b|hour|hr|way|of))", text):
            hits.append((m.start(), HALF_MARATHON_KM, HALF_MARATHON_KM, "km"))
    if not hits and answer:
        bare = _bare_number(text)
        if bare is not None:
            factor = KM_PER_MILE if units == "mi" else 1.0
            hits.append((0, bare * factor, bare, units))
    if not hits:
        return None
    _, km, shown, unit = min(hits, key=lambda h: h[0])
    if km <= 0 or km > MAX_DISTANCE_KM:
        raise _distance_error(shown, unit)
    return round(km, 3)


def parse_distance(text: str, units: str = "km") -> float | None:
    """Distance in km; a bare number is in the runner's `units` ("km" or "mi")."""
    return _find_distance(_digits(_prepare(text)), "mi" if units == "mi" else "km", answer=True)


# --------------------------------------------------------------------------- duration

_DURATION_PHRASES = (
    (r"\b(?:(?:an?|1) )?(?:hour|hr) and (?:a )?half\b", "90 min"),
    (r"\b(?:an?|1) and (?:a )?half hours?\b", "90 min"),
    (r"\b(?:(?:an?|1) )?(?:hour|hr) and (?:a )?quarter\b", "75 min"),
    (r"\b3 quarters of an hour\b", "45 min"),
    (r"\b(?:a )?quarter of an hour\b", "15 min"),
    (r"\b(?:half an? hour|half-hour|a half hour|half hour)\b", "30 min"),
    (r"\b(?:an|a) (hour|hr)\b", r"1 \1"),
)
_HOURS = r"(?:h|hrs?|hours?)"
_MINUTES = r"(?:mins?|minutes?|mns?)"
_DURATION_CONTEXT = re.compile(r"(?:\bin|\btook|\btime|\bfor|\bfinished|\bduration|\bclocked|\bdid it in)\s+(?:\w+\s+)?$")


def _duration_error(minutes: float) -> InputError:
    if minutes <= 0:
        return InputError(f"{_fmt(minutes)} minutes isn't a run I can log. How long did it take? (e.g. 45 min)")
    return InputError(
        f"{_fmt(minutes / 60)} hours is longer than I can believe for one run. "
        "How long did it take? (e.g. 45 min)"
    )


def _find_duration(text: str, answer: bool) -> float | None:
    """Minutes from prepared, digit-converted text; `answer` allows bare numbers and "45m"."""
    for pattern, replacement in _DURATION_PHRASES:
        text = re.sub(pattern, replacement, text)
    text = re.sub(r"\b([0-9]{1,3}) and (?:a )?half hours?\b", lambda m: f"{int(m.group(1)) * 60 + 30} min", text)
    hits: list[tuple[int, int, float]] = []  # (start, end, minutes)

    def taken(start: int) -> bool:
        return any(a <= start < b for a, b, _ in hits)

    for m in re.finditer(r"(?<![0-9:])([0-9]{1,2}):([0-5][0-9]):([0-5][0-9])(?![0-9:])", text):
        hits.append((m.start(), m.end(), int(m.group(1)) * 60 + int(m.group(2)) + int(m.group(3)) / 60))
    hour_pattern = (
        rf"{_NUM}\s*{_HOURS}(?:\s*(?:and\s+)?([0-9]{{1,2}})\s*(?:{_MINUTES}|m)\b|([0-9]{{2}})\b|\b)"
    )
    for m in re.finditer(hour_pattern, text):
        minutes = float(m.group(1)) * 60 + float(m.group(2) or m.group(3) or 0)
        hits.append((m.start(), m.end(), minutes))
    minute_units = rf"(?:{_MINUTES}|m)" if answer else _MINUTES
    minute_pattern = (
        rf"{_NUM}\s*{minute_units}\b(?:\s*(?:and\s+)?([0-9]{{1,2}})\s*(?:s|secs?|seconds?)\b)?{_NOT_PACE}"
    )
    for m in re.finditer(minute_pattern, text):
        if not taken(m.start()):  # else the minutes of "1 hr 5 min", already counted
            hits.append((m.start(), m.end(), float(m.group(1)) + float(m.group(2) or 0) / 60))
    if not answer:
        # "45m" inside a message: minutes when too small to be metres
        for m in re.finditer(rf"{_NUM}\s*m\b{_NOT_PACE}", text):
            if abs(float(m.group(1))) < METRES_MIN and not taken(m.start()):
                hits.append((m.start(), m.end(), float(m.group(1))))
    for m in re.finditer(rf"(?<![0-9:.])([0-9]{{1,3}}):([0-5][0-9])(?![0-9:]){_NOT_PACE}", text):
        if not answer and not _DURATION_CONTEXT.search(text[: m.start()]):
            continue  # "at 7:30" is a time of day
        first, second = int(m.group(1)), int(m.group(2))
        # "1:05" is more likely an hour and five than a 65-second run
        if not taken(m.start()):
            hits.append((m.start(), m.end(), first * 60 + second if first < 5 else first + second / 60))
    if not hits and answer:
        bare = _bare_number(text)
        if bare is not None:
            hits.append((0, 0, bare))
    if not hits:
        return None
    minutes = min(hits)[2]
    if minutes <= 0 or minutes > MAX_DURATION_MIN:
        raise _duration_error(minutes)
    return round(minutes, 2)


def parse_duration(text: str) -> float | None:
    """Minutes; a bare number is minutes, "1:05:30" is h:m:s and "45:30" is m:s."""
    return _find_duration(_digits(_prepare(text)), answer=True)


# --------------------------------------------------------------------------- surface


def _surface_in(text: str) -> str | None:
    found = {key for _, _, key in _find(text, _SURFACES)}
    if Surface.MIXED.value in found or len(found) > 1:
        return Surface.MIXED.value
    return found.pop() if found else None


def parse_surface(text: str) -> str | None:
    """A Surface value; two different surfaces in one answer make "mixed"."""
    return _surface_in(_prepare(text))


# --------------------------------------------------------------------------- effort

EFFORT_ERROR = "Effort goes from 1 (very easy) to 10 (all out). {n} is off that scale: what number fits? (e.g. 6)"
PAIN_ERROR = "Pain goes from 0 (none) to 10 (the worst imaginable). {n} is off that scale: what number fits? (e.g. 3)"


def _effort_level(score: int) -> str:
    if score <= 3:
        return Effort.EASY.value
    if score <= 6:
        return Effort.MODERATE.value
    return Effort.HARD.value


def _score_hits(text: str) -> list[tuple[int, float, str, str]]:
    """Every "n/10"-like number as (position, value, its clause, the clause before)."""
    hits = []
    for m in re.finditer(rf"{_NUM}\s*(?:/|out of|outta|of)\s*10\b", text):
        before = _CLAUSE_BREAK.split(text[: m.start()])
        clause = before[-1] + _CLAUSE_BREAK.split(text[m.start():])[0]
        hits.append((m.start(), float(m.group(1)), clause, before[-2] if len(before) > 1 else ""))
    return hits


def _find_effort_score(text: str, answer: bool) -> int | None:
    candidates: list[tuple[int, float]] = []
    pattern = (
        rf"\b(?:rpe|effort|exertion|intensity)(?:level|score|rating|was|is|of|at|about|around|maybe|a|:|=|-|\s)*"
        rf"{_NUM}(?:\s*(?:/|out of)\s*10\b)?"
    )
    for m in re.finditer(pattern, text):
        candidates.append((m.start(), float(m.group(1))))
    for m in re.finditer(rf"{_NUM}\s*(?:/|out of)\s*10\s*(?:effort|rpe|exertion)\b", text):
        candidates.append((m.start(), float(m.group(1))))
    if answer and not candidates:
        for position, value, clause, _ in _score_hits(text):
            if not _PAIN_WORD.search(clause):
                candidates.append((position, value))
        lone = _lone_number(text)
        if lone is not None:
            candidates.append((0, lone))
    if not candidates:
        return None
    value = min(candidates)[1]
    if not 1 <= value <= 10:
        raise InputError(EFFORT_ERROR.format(n=_fmt(value)))
    return max(1, _round(value))


def _find_effort(text: str, answer: bool) -> tuple[str, int | None] | None:
    score = _find_effort_score(text, answer)
    if score is not None:
        return _effort_level(score), score
    table = _EFFORT_LOOSE if answer else _EFFORT_STRICT
    if answer:
        hits = _find(text, table)
    else:
        hits = [h for clause in _clauses(text) if not _PAIN_WORD.search(clause) for h in _find(clause, table)]
    return (hits[0][2], None) if hits else None


def parse_effort(text: str) -> tuple[str, int | None] | None:
    """(Effort value, 1-10 score or None); a number decides the level."""
    return _find_effort(_digits(_prepare(text)), answer=True)


# --------------------------------------------------------------------------- pain score


def _find_pain_score(text: str, answer: bool) -> int | None:
    candidates: list[tuple[int, float]] = []
    hits = _score_hits(text)
    for position, value, clause, previous in hits:
        if _EFFORT_CONTEXT.search(clause):
            continue
        # "lower back is tight, maybe 3/10": the clause before names the pain;
        # a lone "8/10 after the marathon" with no effort word is read as pain (the safer reading)
        alone = len(hits) == 1 and not _EFFORT_CONTEXT.search(text)
        if answer or alone or _PAIN_WORD.search(clause) or _ANY_PLACE.search(clause) or _pain_mentions(previous):
            candidates.append((position, value))
    spoken = (
        rf"\b(?:pain|hurts?|sore(?:ness)?|ache)(?:score|level|rating|is|was|of|at|about|around|a|"
        rf"maybe|like|probably|:|=|-|\s)*{_NUM}(?!\s*(?:/|out of|{_UNIT_AFTER}))"
    )
    for m in re.finditer(spoken, text):
        candidates.append((m.start(), float(m.group(1))))
    if answer and not candidates:
        lone = _lone_number(text)
        if lone is not None:
            candidates.append((0, lone))
        elif re.fullmatch(r"(?:none|no pain|nothing|pain[- ]free|zero|nil)[.!]?", text):
            candidates.append((0, 0.0))
    if not candidates:
        return None
    value = min(candidates)[1]
    if not 0 <= value <= 10:
        raise InputError(PAIN_ERROR.format(n=_fmt(value)))
    return _round(value)


def parse_pain_score(text: str) -> int | None:
    """0-10; "4", "4/10", "4 out of 10", "four", "pain 4"."""
    return _find_pain_score(_digits(_prepare(text)), answer=True)
