"""Understanding what runners type: distances, times, surfaces, effort, pain and warning signs.

The readers live in dialogs/understanding/ (numbers, pain, the shared text machinery,
the word tables as data); this module is the front door the flows use. Each `parse_*`
function reads the answer to one coach question; `extract` fills as many check-in
slots as it safely can from a whole free-text message. Results are the
string values of the enums in `dialogs.models`. Input that is understood but cannot
be right (a 500 km run, pain 11/10) raises `InputError`, whose message is written
to be shown to the runner as is.

Typos are tolerated with rapidfuzz for longer everyday words only. Warning signs are
always matched exactly, on the uncorrected text, so a typo can never invent an
emergency.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dialogs.models import Trend
from dialogs.understanding.numbers import (
    EFFORT_ERROR,
    PAIN_ERROR,
    _find_distance,
    _find_duration,
    _find_effort,
    _find_pain_score,
    _surface_in,
    parse_distance,
    parse_duration,
    parse_effort,
    parse_pain_score,
    parse_surface,
)
from dialogs.understanding.pain import (
    _aggravated_by_running,
    _all_signs,
    _find_since,
    _has_pain_in,
    _kinds_in,
    _places_in,
    _trend_in,
    _trend_since_onset,
    parse_has_pain,
    parse_pain_kind,
    parse_pain_where,
    parse_signs,
    parse_since_days,
    parse_trend,
    parse_yes_no,
)
from dialogs.understanding.text import (
    _ANY_PLACE,
    _EASES,
    _EVERY_RUN,
    _GENERIC_BACK,
    _NOT_EASING,
    _NOT_EVERY_RUN,
    _PAIN_WORD,
    _SINCE_CONTEXT,
    _WARMUP,
    MAX_DISTANCE_KM,
    MAX_DURATION_MIN,
    InputError,
    _clauses,
    _correct,
    _digits,
    _negated,
    _normalise,
)
from dialogs.units import KM_PER_MILE

__all__ = [
    "EFFORT_ERROR", "KM_PER_MILE", "MAX_DISTANCE_KM", "MAX_DURATION_MIN", "PAIN_ERROR", "Extraction", "InputError",
    "extract", "parse_distance", "parse_duration", "parse_effort", "parse_has_pain", "parse_pain_kind",
    "parse_pain_score", "parse_pain_where", "parse_signs", "parse_since_days", "parse_surface", "parse_trend",
    "parse_yes_no",
]  # fmt: skip

logger = logging.getLogger(__name__)


@dataclass
class Extraction:
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- whole message


def _eases_with_warmup(text: str) -> bool | None:
    if _NOT_EASING.search(text):
        return False
    for clause in _clauses(text):
        if _WARMUP.search(clause) and any(not _negated(clause, m.start()) for m in _EASES.finditer(clause)):
            return True
    return None


def _every_run(text: str) -> bool | None:
    if _NOT_EVERY_RUN.search(text):
        return False
    if any(not _negated(text, m.start()) for m in _EVERY_RUN.finditer(text)):
        return True
    return None


def _pain_clauses(text: str, strict: bool = False) -> str:
    """The clauses that talk about pain (or, unless strict, when something started), joined back up."""
    keep = [
        c for c in _clauses(text)
        if _PAIN_WORD.search(c) or _ANY_PLACE.search(c) or _GENERIC_BACK.search(c) or (not strict and _SINCE_CONTEXT.search(c))
    ]
    return " , ".join(keep)


_OTHER_HISTORY = re.compile(
    r"[^,;.]*\b(?:cancer|chemo\w*|radiotherapy|surgery|operation|baby|babies|pregnan\w*|accident|crash|diagnosed"
    r"|remission|all clear|fell|fall|injury|broke|broken)\b[^,;.]*"
)


def _pain_since(text: str) -> int | None:
    """When the pain started: from the clauses about pain first ("chemo 2 years ago, back aching since last week")."""
    found = _find_since(_pain_clauses(text, strict=True), answer=False)
    if found is not None:
        return found
    # "started 4 days ago" in a clause of its own counts; "cancer 4 years ago" is not when the pain began
    return _find_since(_OTHER_HISTORY.sub(" ", _pain_clauses(text)), answer=False)


def extract(text: str, units: str = "km") -> Extraction:
    """Fill check-in slots from a whole message; out-of-range numbers go to `problems`."""
    result = Extraction()
    clean = _normalise(text)
    fixed = _correct(clean)
    numeric = _digits(fixed)
    units = "mi" if units == "mi" else "km"

    def attempt(key: str | None, find: Callable[[], Any]) -> Any:
        """Run one finder; keep a found value under `key`, a refusal as a problem."""
        try:
            value = find()
        except InputError as error:
            result.problems.append(str(error))
            return None
        if key is not None and value is not None and value != []:
            result.values[key] = value
        return value

    attempt("distance_km", lambda: _find_distance(numeric, units, answer=False))
    attempt("duration_min", lambda: _find_duration(numeric, answer=False))
    attempt("surface", lambda: _surface_in(fixed))
    effort = attempt(None, lambda: _find_effort(numeric, answer=False))
    if effort is not None:
        result.values["effort"], effort_score = effort
        if effort_score is not None:
            result.values["effort_score"] = effort_score

    has_pain = _has_pain_in(fixed)
    score = attempt("pain_score", lambda: _find_pain_score(numeric, answer=False))
    worse = _trend_in(fixed) == Trend.WORSE.value
    if (has_pain is False and score) or (has_pain is not True and worse):
        has_pain = True  # "it flares up as soon as I jog": getting worse means something hurts
    if has_pain is not False:
        where = attempt("pain_where", lambda: _places_in(fixed))
        kinds = attempt("pain_kind", lambda: _kinds_in(fixed))
        if where or kinds or score:
            has_pain = True
    if has_pain is not None:
        result.values["has_pain"] = has_pain
    if has_pain:
        attempt("pain_since_days", lambda: _pain_since(numeric))
        attempt("pain_trend", lambda: _trend_since_onset(fixed))
        attempt("aggravated", lambda: _aggravated_by_running(fixed))
        attempt("eases_with_warmup", lambda: _eases_with_warmup(fixed))
        attempt("every_run", lambda: _every_run(fixed))
    attempt("signs", lambda: _all_signs(text, clean))
    logger.debug("extracted %s from a %d-character message", sorted(result.values), len(text))
    return result
