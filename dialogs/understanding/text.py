"""The shared machinery for reading runners' words: normalising, typo correction, number words,
clauses, negation, and the word tables compiled once."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz, process

from dialogs.safety import signs
from dialogs.understanding.words import (
    EFFORT_WORDS,
    EFFORT_WORDS_ANSWER_ONLY,
    EVERY_RUN,
    FUZZY_VOCAB,
    GENERIC_BACK,
    NEGATORS,
    NOT_EVERY_RUN,
    NOT_TYPOS,
    NO_PAIN_PHRASES,
    NO_WORDS,
    NUMBER_WORDS,
    PAIN_KINDS,
    PAIN_PLACES,
    PAIN_WORDS,
    SIDE_WORDS,
    SIGN_PATTERNS,
    SINCE_ANSWER_ONLY,
    SINCE_PHRASES,
    SOME_PAIN_ANSWERS,
    SURFACE_WORDS,
    TENS_WORDS,
    TREND_WORDS,
    UNSURE_WORDS,
    WARMUP_CONTEXT,
    WARMUP_EASES,
    WARMUP_NOT_EASING,
    YES_WORDS,
)

logger = logging.getLogger(__name__)

MAX_DISTANCE_KM = 200.0
MAX_DURATION_MIN = 24 * 60
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
