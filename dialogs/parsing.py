"""Understanding what runners type: distances, times, surfaces, effort, pain and warning signs.

Each `parse_*` function reads the answer to one coach question; `extract` fills as
many check-in slots as it safely can from a whole free-text message. Results are the
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from dialogs.safety import signs
from dialogs.models import Effort, PainKind, PainWhere, Sign, Surface, Trend

logger = logging.getLogger(__name__)

MAX_DISTANCE_KM = 200.0
MAX_DURATION_MIN = 24 * 60
KM_PER_MILE = 1.609344
HALF_MARATHON_KM = 21.0975
MARATHON_KM = 42.195
PARKRUN_KM = 5.0
METRES_MIN = 100  # "45m" is minutes, "5000m" is metres
NEGATION_WINDOW = 3  # words looked at before a trigger
FUZZY_CUTOFF = 85
FUZZY_MIN_LEN = 5


class InputError(ValueError):
    """Recognised but unacceptable input; str(e) is a short, specific message for the runner,
    e.g. "500 km is more than I can believe for one run. How far did you go? (e.g. 8 km)"."""


@dataclass
class Extraction:
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


from dialogs.run_vocabulary import (  # noqa: F401 (re-exported: tests and flows read the tables here)
    SURFACE_WORDS,
    EFFORT_WORDS,
    EFFORT_WORDS_ANSWER_ONLY,
    BACK_LOW,
    SIDE_WORDS,
    PAIN_PLACES,
    GENERIC_BACK,
    PAIN_KINDS,
    PAIN_WORDS,
    NO_PAIN_PHRASES,
    SOME_PAIN_ANSWERS,
    TREND_WORDS,
    YES_WORDS,
    NO_WORDS,
    UNSURE_WORDS,
    SINCE_PHRASES,
    SINCE_ANSWER_ONLY,
    SINCE_UNITS,
    SINCE_ABBREVIATIONS,
    WARMUP_EASES,
    WARMUP_CONTEXT,
    WARMUP_NOT_EASING,
    EVERY_RUN,
    NOT_EVERY_RUN,
    NUMBER_WORDS,
    TENS_WORDS,
    FUZZY_VOCAB,
    NOT_TYPOS,
    NUMB_WORD,
    SADDLE_PLACE,
    _GAP,
    LEG_GIVE,
    FAMILY,
    SIGN_PATTERNS,
    NEGATORS,
)

# --------------------------------------------------------------------------- helpers

_NUM = r"(?<![\w.])(-?[0-9]{1,9}(?:\.[0-9]{1,6})?)(?![0-9])"
_NOT_PACE = r"(?!\s*(?:mins?|minutes?)?\s*(?:/|per\b|a\b)?\s*(?:km\b|k\b|kilomet|mi\b|miles?\b))"
_CLAUSE_BREAK = re.compile(
    r"[,;!?()]|[.:](?=\s|$)|\s-\s|\s(?:but|and|although|though|however|whereas|then|plus)\s"
)
_CONTRACTION = re.compile(r"\b(do|does|did|ca|could|wo|is|was|have|has|had|are|were|would|should)nt\b")
_STRAY = re.compile(r"[^\w\s.,:;/'+\-?!()%~&]")


def _normalise(text: str) -> str:
    """Lower-case, plain apostrophes, no emoji, no thousands separators, single spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = _STRAY.sub(" ", text).replace("_", " ")
    text = re.sub(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))", "", text)
    text = _CONTRACTION.sub(r"\1n't", text)
    text = re.sub(r"\bcan not\b", "cannot", text)
    text = re.sub(r"\bpins (?:and|&|n) needles\b", "pins-and-needles", text)
    # "weaker and weaker" must survive clause splitting on "and".
    text = re.sub(r"\b([a-z]+) and \1\b", r"\1-and-\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _fix_typo(match: re.Match[str]) -> str:
    word = match.group(0)
    if word in FUZZY_VOCAB or word in NOT_TYPOS:
        return FUZZY_VOCAB.get(word, word)
    best = process.extractOne(word, FUZZY_VOCAB.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if best is None or best[0][0] != word[0]:
        return word
    return FUZZY_VOCAB[best[0]]


def _correct(text: str) -> str:
    return re.sub(rf"\b[a-z]{{{FUZZY_MIN_LEN},}}\b", _fix_typo, text)


def _prepare(text: str) -> str:
    return _correct(_normalise(text))


def _number_word(match: re.Match[str]) -> str:
    tens, unit = match.group(1), match.group(2)
    value = TENS_WORDS.get(tens, 0) if tens else 0
    return str(value + (NUMBER_WORDS[unit] if unit else 0))


_NUMBER_WORDS_RE = re.compile(
    rf"\b(?:({'|'.join(TENS_WORDS)})(?:[\s-]({'|'.join(w for w, n in NUMBER_WORDS.items() if 0 < n < 10)}))?"
    rf"|({'|'.join(NUMBER_WORDS)}))\b"
)


def _digits(text: str) -> str:
    """Spell-out numbers as digits: "forty-five minutes" -> "45 minutes"."""

    def replace(match: re.Match[str]) -> str:
        if match.group(3):
            return str(NUMBER_WORDS[match.group(3)])
        return _number_word(match)

    return _NUMBER_WORDS_RE.sub(replace, text)


def _compile(fragments: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'-])(?:" + "|".join(fragments) + r")(?![\w'-])")


def _compile_table(table: dict[Any, tuple[str, ...]]) -> list[tuple[Any, re.Pattern[str]]]:
    return [(key, _compile(fragments)) for key, fragments in table.items()]


def _find(text: str, table: list[tuple[Any, re.Pattern[str]]]) -> list[tuple[int, int, Any]]:
    """All (start, end, key) matches, overlaps resolved in favour of the longer match."""
    hits = [(m.start(), m.end(), key) for key, pattern in table for m in pattern.finditer(text)]
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[tuple[int, int, Any]] = []
    for hit in sorted(hits, key=lambda h: -(h[1] - h[0])):
        if all(hit[1] <= k[0] or hit[0] >= k[1] for k in kept):
            kept.append(hit)
    return sorted(kept)


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_BREAK.split(text) if c and c.strip()]


def _negated(text: str, start: int) -> bool:
    """A negator within NEGATION_WINDOW words before `start`, in the same clause."""
    before = _CLAUSE_BREAK.split(text[:start])[-1]
    words = re.findall(r"[a-z']+", before)[-NEGATION_WINDOW:]
    return any(w in NEGATORS for w in words)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _round(value: float) -> int:
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def _bare_number(text: str) -> float | None:
    """The number when the whole answer is just a number, give or take "about" and "ish"."""
    match = re.fullmatch(
        r"(?:about|around|roughly|approx\.?|approximately|maybe|like|~|just under|just over"
        r"|over|under|nearly|almost|probably|i think|a)?\s*(-?[0-9]{1,9}(?:\.[0-9]{1,6})?)"
        r"\s*(?:-?ish|or so|i think|maybe)?\s*[.!?~]*",
        text.strip(),
    )
    return float(match.group(1)) if match else None


def _lone_number(text: str) -> float | None:
    """The only number in a short answer ("easy, 3", "about a 4 I'd say"), unless it has a unit."""
    numbers = list(re.finditer(rf"{_NUM}(?!\s*(?:/|:|{_UNIT_AFTER}))", text))
    if len(numbers) != 1 or len(re.findall(r"[0-9]+(?:\.[0-9]+)?", text)) != 1:
        return None
    return float(numbers[0].group(1))


_SURFACES = _compile_table(SURFACE_WORDS)
_EFFORT_STRICT = _compile_table(EFFORT_WORDS)
_EFFORT_LOOSE = _compile_table(
    {k: EFFORT_WORDS[k] + EFFORT_WORDS_ANSWER_ONLY.get(k, ()) for k in EFFORT_WORDS}
)
_PLACES = _compile_table(PAIN_PLACES)
_KINDS = _compile_table(PAIN_KINDS)
_TRENDS = _compile_table(TREND_WORDS)
_SINCE_STRICT = _compile_table(SINCE_PHRASES)
_SINCE_LOOSE = _compile_table({k: v + SINCE_ANSWER_ONLY.get(k, ()) for k, v in SINCE_PHRASES.items()})
_PAIN_WORD = _compile(PAIN_WORDS + tuple(f for fs in PAIN_KINDS.values() for f in fs))
_NO_PAIN = _compile(NO_PAIN_PHRASES)
_SOME_PAIN = re.compile(r"(?:" + "|".join(SOME_PAIN_ANSWERS) + r")\b")
_ANY_PLACE = _compile([f for fs in PAIN_PLACES.values() for f in fs] + [GENERIC_BACK])
_GENERIC_BACK = re.compile(GENERIC_BACK)
_SIDE = re.compile(SIDE_WORDS)
_YES = _compile(YES_WORDS)
_NO = _compile(NO_WORDS)
_UNSURE = _compile(UNSURE_WORDS)
_EASES = _compile(WARMUP_EASES)
_WARMUP = _compile(WARMUP_CONTEXT)
_NOT_EASING = _compile(WARMUP_NOT_EASING)
_EVERY_RUN = _compile(EVERY_RUN)
_NOT_EVERY_RUN = _compile(NOT_EVERY_RUN)
_SIGNS = {sign: [re.compile(p) for p in patterns] for sign, patterns in SIGN_PATTERNS.items()}
SENTENCE_SPLIT = signs.SENTENCE_BREAK
_UNIT_AFTER = r"(?:km|k|kilomet|mi|miles?|m|mins?|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?|%)\b"
_ANSWERED_NO = re.compile(r"(?:no|nope|none|nah|not really|never|negative|n/a)")
_EFFORT_CONTEXT = re.compile(r"\b(?:effort|rpe|exertion|intensity|perceived)\b")
_SINCE_CONTEXT = re.compile(r"\b(?:since|for|ago|started|began|begun|been|start|came on|on and off)\b")


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
