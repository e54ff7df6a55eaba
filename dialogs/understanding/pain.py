"""Reading pain: where, what kind, since when, the trend, yes/no answers, and the warning-sign patterns."""

from __future__ import annotations

import logging
import re

from dialogs.models import PainKind, PainWhere, Sign, Trend
from dialogs.safety import signs
from dialogs.understanding.words import FAMILY, SINCE_ABBREVIATIONS, SINCE_UNITS
from dialogs.understanding.text import (
    SENTENCE_SPLIT,
    _ANSWERED_NO,
    _GENERIC_BACK,
    _KINDS,
    _NO,
    _NO_PAIN,
    _PAIN_WORD,
    _PLACES,
    _SIDE,
    _SIGNS,
    _SINCE_LOOSE,
    _SINCE_STRICT,
    _SOME_PAIN,
    _TRENDS,
    _UNSURE,
    _YES,
    _bare_number,
    _clauses,
    _digits,
    _find,
    _negated,
    _normalise,
    _prepare,
    _round,
)

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- pain place and kind


def _pain_mentions(text: str) -> list[int]:
    """Starts of pain words that are neither negated nor part of a no-pain phrase ("pain free")."""
    spans = [m.span() for m in _NO_PAIN.finditer(text)]
    return [
        m.start() for m in _PAIN_WORD.finditer(text)
        if not any(a <= m.start() < b for a, b in spans) and not _negated(text, m.start())
    ]


def _is_no_pain_clause(clause: str) -> bool:
    return bool(_NO_PAIN.search(clause)) and not _pain_mentions(clause)


_MUSCLES = re.compile(
    r"\blegs\b(?=.*\b(?:achy|aching|heavy|tired|sore|stiff|dead|wrecked|trashed|knackered|jelly)\b)"
    r"|\b(?:hamstrings?|hammys?|hammies|quads?|quadriceps|calf|calves|glutes?|thigh muscles?|leg muscles?"
    r"|muscles|doms|adductors?|shins)\b"
)
_NERVE_LIKE = re.compile(
    r"\b(?:shoot\w*|shot|radiat\w*|travel\w*|runs? down|down (?:my|the|one) (?:left |right )?leg|into (?:my|the) leg"
    r"|spread\w*|sciatic\w*|nerve\w*|electric\w*|tingl\w*|numb\w*|pins-and-needles|from (?:my|the) (?:lower )?back)\b"
)
_LEG_PLACE_VALUES = (PainWhere.LEG_ABOVE_KNEE.value, PainWhere.LEG_BELOW_KNEE.value, PainWhere.BOTH_LEGS.value, PainWhere.BUTTOCK.value)


def _muscle_soreness(clause: str, whole: str) -> bool:
    """Sore or tight leg muscles after a run, with nothing travelling from the back."""
    return bool(_MUSCLES.search(clause)) and not _NERVE_LIKE.search(whole)


def _places_in(text: str) -> list[str]:
    found: list[str] = []
    for clause in _clauses(text):
        if _is_no_pain_clause(clause):
            continue
        keys = [key for start, _, key in _find(clause, _PLACES) if not _negated(clause, start)]
        if _muscle_soreness(clause, text):
            keys = [PainWhere.LEG_MUSCLES.value if k in _LEG_PLACE_VALUES else k for k in keys]
        if PainWhere.LOW_BACK_CENTRE.value in keys and _SIDE.search(clause):
            keys = [PainWhere.LOW_BACK_SIDE.value if k == PainWhere.LOW_BACK_CENTRE.value else k for k in keys]
        back_named = {PainWhere.LOW_BACK_CENTRE.value, PainWhere.LOW_BACK_SIDE.value, PainWhere.UPPER_BACK.value}
        if not back_named & set(keys + found) and _GENERIC_BACK.search(clause):
            generic = _GENERIC_BACK.search(clause)
            if generic and not _negated(clause, generic.start()):
                side = _SIDE.search(clause)
                keys.append(PainWhere.LOW_BACK_SIDE.value if side else PainWhere.LOW_BACK_CENTRE.value)
        found.extend(keys)
    legs = set(found)
    if PainWhere.LEG_MUSCLES.value in legs and not _NERVE_LIKE.search(text):
        legs -= set(_LEG_PLACE_VALUES)
    if PainWhere.LOW_BACK_SIDE.value in legs:
        legs.discard(PainWhere.LOW_BACK_CENTRE.value)
    sides = [
        m for m in re.finditer(r"\b(?:left|right) (?:leg|calf|thigh|foot)\b(?!\s+(?:is |was |feels |felt )?(?:totally |completely |perfectly )?(?:fine|ok|okay|normal|good))", text)
    ]
    if len({m.group().split()[0] for m in sides}) == 2 and PainWhere.LEG_MUSCLES.value not in legs:
        legs.add(PainWhere.BOTH_LEGS.value)
    return [p.value for p in PainWhere if p.value in legs]


def parse_pain_where(text: str) -> list[str]:
    """PainWhere values named in the text, in enum order."""
    return _places_in(_prepare(text))


def _kinds_in(text: str) -> list[str]:
    found = {key for start, _, key in _find(text, _KINDS) if not _negated(text, start)}
    return [k.value for k in PainKind if k.value in found]


def parse_pain_kind(text: str) -> list[str]:
    """PainKind values described in the text, negations ("not sharp") ignored."""
    return _kinds_in(_prepare(text))


def _has_pain_in(text: str) -> bool | None:
    if _pain_mentions(text):
        return True
    if _NO_PAIN.search(text) or _PAIN_WORD.search(text):
        return False
    if any(not _negated(text, start) for start, _, _ in _find(text, _PLACES)) or _GENERIC_BACK.search(text):
        return True
    if len(text.split()) <= 4:
        answer = _yes_no_in(text)
        if answer is not None:
            return answer
        if _SOME_PAIN.match(text):
            return True
    return None


def parse_has_pain(text: str) -> bool | None:
    """True when pain is described, False for "no pain"/"felt great", None when unclear."""
    return _has_pain_in(_prepare(text))


# --------------------------------------------------------------------------- since, trend, yes/no


def _find_since(text: str, answer: bool) -> int | None:
    """Days since the pain started, from prepared, digit-converted text."""
    hits: list[tuple[int, int]] = []
    units = r"(day|week|month|year|hour)s?|(d|wks?|mos?|yrs?)"
    for m in re.finditer(rf"(?<![\w.-])([0-9]{{1,4}}) ?(?:{units})\b( ago)?", text):
        unit = m.group(2) or SINCE_ABBREVIATIONS[m.group(3)[0]]
        if unit == "hour" and not (answer or m.group(4)):
            continue  # "ran for 1 hour" is the run, not the pain
        hits.append((m.start(), int(m.group(1)) * SINCE_UNITS[unit]))
    numbered = [m.span() for m in re.finditer(rf"[0-9]+ ?(?:{units})\b", text)]
    for start, _, days in _find(text, _SINCE_LOOSE if answer else _SINCE_STRICT):
        if not any(a <= start < b for a, b in numbered):
            hits.append((start, days))
    if not hits and answer:
        bare = _bare_number(text)
        if bare is not None and bare >= 0:
            hits.append((0, _round(bare)))
    if not hits:
        return None
    # A duration ("for a week") says more than a moment ("this run"), which is the fallback.
    lasting = [h for h in hits if h[1] > 0]
    return min(lasting or hits)[1]


def parse_since_days(text: str) -> int | None:
    """Days since the pain started: 0 today or during the run, 1 yesterday, bare number = days."""
    return _find_since(_digits(_prepare(text)), answer=True)


def _trend_in(text: str) -> str | None:
    hits = _find(text, _TRENDS)
    if not hits:
        return None
    start, _, trend = hits[-1]  # the latest statement is the current one
    if trend == Trend.BETTER.value and _negated(text, start):
        return Trend.SAME.value  # "not really easing"
    return trend


# "running makes it worse", "whenever I run it goes up": what running does to it, not how it has gone since it began
_AGGRAVATED_BY_RUNNING = re.compile(
    r"\b(?:when(?:ever)?|every time|each time|as soon as|while|if|once) (?:i )?(?:start )?(?:run|jog|running|jogging)\b"
    r"|\b(?:running|jogging|runs?|jogs?|the run) (?:makes?|made) (?:it|the pain|my back)\b|\bmakes? it worse (?:to run|running)\b"
)


def _aggravated_by_running(text: str) -> bool | None:
    """True when a clause says running makes it worse; None when nothing is said."""
    worse = [c for c in _clauses(text) if _AGGRAVATED_BY_RUNNING.search(c) and _trend_in(c) == Trend.WORSE.value]
    return True if worse else None


def _trend_since_onset(text: str) -> str | None:
    """The trend, leaving out a "worse" that only says running aggravates it (then the coach asks)."""
    kept = [c for c in _clauses(text) if not (_AGGRAVATED_BY_RUNNING.search(c) and _trend_in(c) == Trend.WORSE.value)]
    return _trend_in(", ".join(kept))


def parse_trend(text: str) -> str | None:
    """Trend value: better, same or worse."""
    return _trend_in(_prepare(text))


def _yes_no_in(text: str) -> bool | None:
    if _UNSURE.search(text):
        return None
    yes = [m.start() for m in _YES.finditer(text)]
    no = [m.start() for m in _NO.finditer(text)]
    if not yes and not no:
        return None
    if yes and (not no or min(yes) < min(no)):
        return True
    return False


def parse_yes_no(text: str) -> bool | None:
    """True for yes-like answers, False for no-like ones, None when unsure or unclear."""
    return _yes_no_in(_normalise(text))


# --------------------------------------------------------------------------- warning signs


def _signs_in(text: str) -> list[str]:
    found: set[str] = set()
    clauses = _clauses(text)
    for index, clause in enumerate(clauses):
        following = clauses[index + 1] if index + 1 < len(clauses) else ""
        if _ANSWERED_NO.fullmatch(following):
            continue  # a checklist answer: "fever? no"
        for sign, patterns in _SIGNS.items():
            for pattern in patterns:
                for m in pattern.finditer(clause):
                    if _negated(clause, m.start()):
                        continue
                    if "k" in pattern.groupindex and m.group("k") and _negated(clause, m.start("k")):
                        continue
                    if sign in (Sign.WEIGHT_LOSS.value, Sign.CANCER_HISTORY.value) and re.search(FAMILY, clause[: m.start()]):
                        continue
                    found.add(sign)
    return [s.value for s in Sign if s.value in found]


def _all_signs(text: str, clean: str) -> list[str]:
    findings = signs.find(text)
    if findings.asked_only:  # "what if my legs go numb?" is a question, not a report: screen.py asks it
        clean = _normalise(". ".join(s for s in SENTENCE_SPLIT.split(signs.normalise(text)) if s.strip() not in findings.asked_only))
    found = set(_signs_in(clean)) | set(findings.signs)
    return [s.value for s in Sign if s.value in found]


def parse_signs(text: str) -> list[str]:
    """Warning-sign values stated in the text; negated mentions ("no numbness") don't count.

    The patterns here and the lay vocabulary of dialogs/safety both count: either can
    raise a sign, neither can lower one.
    """
    return _all_signs(text, _normalise(text))
