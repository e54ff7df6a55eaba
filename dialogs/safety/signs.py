"""Finds warning signs in what a runner writes, in their own words.

The words live in `vocabulary.toml`, grouped into concepts (NUMB, SADDLE,
BLADDER, ...); a rule there names the concepts that make a sign when they meet
in one sentence. A concept word counts unless it is negated ("no numbness",
"bladder's fine"). Misspelt key words are caught by edit distance: a sign may
only ever be raised by a typo, never lowered. Rules marked `ask` find words
that might be a sign but are unclear ("numb" with no place, "down there"):
the coach then asks a direct question about that sign instead of dropping it.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import product

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from dialogs.models import EMERGENCY_SIGNS, Sign

logger = logging.getLogger(__name__)

NEGATION_WINDOW = 3  # words looked at before a concept word
FINE_WINDOW = 3  # words looked at after it for "fine", "ok", "normal"
NEGATORS = frozenset({
    "no", "not", "never", "without", "didn't", "don't", "haven't", "none", "nothing", "doesn't",
    "isn't", "wasn't", "hasn't", "hadn't", "aren't", "weren't", "won't", "nor", "neither", "zero",
    "nope", "nah", "free", "denies", "dont", "didnt", "isnt", "wasnt",
})
FINE_WORDS = frozenset({"fine", "ok", "okay", "normal", "good", "alright", "grand", "perfect", "great", "normally", "unaffected"})
BARE_NO = frozenset({"no", "none", "nope", "nah", "n", "never", "not really", "no thanks", "nothing", "i don't", "i do not", "i haven't", "i have not", "not me", "no i don't", "i don't have that", "i don't have it"})
FAMILY = re.compile(
    r"\b(?:mum|mom|mam|dad|mother|father|sister|brother|family|friend|wife|husband|partner|gran\w*|aunt\w*"
    r"|uncle|son|daughter|cousin|colleague|boyfriend|girlfriend|neighbou?r|someone|somebody)\b"
)
OWN_ONLY = frozenset({  # signs about the runner's own health; "my mum had cancer" is not one
    Sign.CANCER_HISTORY.value, Sign.IMMUNE_WEAK.value, Sign.STEROIDS.value, Sign.OSTEOPOROSIS.value,
    Sign.FEVER_UNWELL.value, Sign.INFECTION_RISK.value, Sign.WEIGHT_LOSS.value, Sign.FALL_INJURY.value,
})
# Real words close to a key word; never read as its typo.
NOT_TYPOS = frozenset({
    "numbers", "number", "numbered", "tinkling", "tinkle", "canter", "cancel", "general", "generally",
    "crouch", "crouched", "groan", "groaned", "grown", "fewer", "never", "fever", "ladder", "bowler",
    "steroid", "weakly", "pointing", "printing", "trinkets", "pricking", "bladed", "gentle", "gently",
})
SENTENCE_BREAK = re.compile(r"[.!?;\n]+(?=\s|$)|[!?;\n]")
CLAUSE_BREAK = re.compile(r",|\s(?:but|and|although|though|however|whereas|except)\s")
WORD = re.compile(r"[a-z0-9']+(?:-[a-z0-9']+)*")
LOST_ABILITY = frozenset({"feel", "sense", "notice", "tell", "control", "hold", "stop", "lift", "move", "walk", "stand", "empty", "pass", "know"})
DISMISSED_NUMB_OBJECTS = frozenset({"any", "anything", "numb", "numbness", "tingling", "pain", "weak", "weird", "different", "unusual", "off", "much"})


@dataclass(frozen=True)
class Findings:
    """The signs a message states, and the questions to ask about unclear words."""

    signs: tuple[str, ...] = ()
    ask: tuple[str, ...] = ()  # question keys from screen.toml, most urgent first
    asked_only: tuple[str, ...] = ()  # sentences that only ask about signs ("what if ...") or deny them in a checklist

    @property
    def emergency(self) -> bool:
        return bool(set(self.signs) & {s.value for s in EMERGENCY_SIGNS})


@dataclass(frozen=True)
class Rule:
    sign: str | None
    ask: str | None
    all: tuple[str, ...]
    any: tuple[str, ...]
    none: tuple[str, ...]
    near: int | None
    at_least: int = 1  # how many different `any` concepts must be found
    scope: str = "sentence"  # or "message": the concepts may be in different sentences


class Patterns(dict):  # type: ignore[type-arg]
    """Concept name -> compiled pattern, compiled on first use (most messages touch few concepts)."""

    def __init__(self, terms: dict[str, list[str]]) -> None:
        super().__init__()
        self.terms = terms

    def __missing__(self, name: str) -> re.Pattern[str]:
        pattern = self[name] = _compile(self.terms[name])
        return pattern

    def names(self) -> list[str]:
        return list(self.terms)


@dataclass
class Vocabulary:
    patterns: Patterns
    absent: Patterns
    fuzzy: dict[str, tuple[str, ...]]
    rules: list[Rule] = field(default_factory=list)
    firsts: dict[str, frozenset[str]] = field(default_factory=dict)  # first words of a concept's terms
    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # first words ending in *
    _index: dict[str, set[str]] = field(default_factory=dict)
    _prefix_index: dict[str, set[str]] = field(default_factory=dict)

    def candidates(self, words: set[str]) -> set[str]:
        """The concepts that could match: one of their terms starts with a word of the sentence."""
        if not self._index:
            for name, firsts in self.firsts.items():
                for word in firsts:
                    self._index.setdefault(word, set()).add(name)
            for name, prefixes in self.prefixes.items():
                for prefix in prefixes:
                    self._prefix_index.setdefault(prefix, set()).add(name)
        found: set[str] = set()
        for token in words:
            for word in (token, *token.split("-")) if "-" in token else (token,):  # "numb-groin": numb, groin
                found |= self._index.get(word, set())
                for end in range(1, len(word) + 1):
                    found |= self._prefix_index.get(word[:end], set())
        return found


def _firsts(terms: list[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    firsts, prefixes = set(), set()
    for term in terms:
        words = normalise(term.rstrip("*")).split()
        if not words:
            continue
        if term.endswith("*") and len(words) == 1:
            prefixes.add(words[0])
        else:
            firsts.add(words[0])
    return frozenset(firsts), tuple(sorted(prefixes))


def _term(term: str) -> str:
    """A vocabulary term as a pattern: words normalised like the text, a trailing * as any ending.

    Its words may be joined by spaces or hyphens: "both-legs", "bladder-control".
    """
    wild = term.endswith("*")
    words = normalise(term.rstrip("*")).split()
    parts = [re.escape(w) for w in words]
    if wild and parts:
        parts[-1] += r"[a-z']*"
    return r"(?:\s*-\s*|\s+)".join(parts)


def _compile(terms: list[str]) -> re.Pattern[str]:
    ordered = sorted(set(terms), key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9'])(?:" + "|".join(_term(t) for t in ordered) + r")(?![a-z0-9'])")


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Loads vocabulary.toml once."""
    folder = resources.files("dialogs.safety")
    data = tomllib.loads(folder.joinpath("vocabulary.toml").read_text("utf-8"))
    lay = tomllib.loads(folder.joinpath("lay_terms.toml").read_text("utf-8"))
    for name, extra in lay.items():
        concept = data["concepts"].setdefault(name, {"terms": []})
        for key in ("terms", "absent", "vague"):
            if extra.get(key):
                concept[key] = [*concept.get(key, []), *extra[key]]
    terms: dict[str, list[str]] = {}
    absent_terms: dict[str, list[str]] = {}
    fuzzy: dict[str, tuple[str, ...]] = {}
    firsts: dict[str, frozenset[str]] = {}
    prefixes: dict[str, tuple[str, ...]] = {}
    for name, concept in data["concepts"].items():
        terms[name] = concept["terms"]
        firsts[name], prefixes[name] = _firsts(concept["terms"])
        if concept.get("vague"):
            terms[f"{name}_VAGUE"] = concept["vague"]
            firsts[f"{name}_VAGUE"], prefixes[f"{name}_VAGUE"] = _firsts(concept["vague"])
        if concept.get("absent"):
            absent_terms[name] = concept["absent"]
        if concept.get("fuzzy"):
            fuzzy[name] = tuple(concept["fuzzy"])
    patterns, absent = Patterns(terms), Patterns(absent_terms)
    rules = [
        Rule(
            sign=r.get("sign"),
            ask=r.get("ask"),
            all=tuple(r.get("all", ())),
            any=tuple(r.get("any", ())),
            none=tuple(r.get("none", ())),
            near=r.get("near"),
            at_least=r.get("at_least", 1),
            scope=r.get("scope", "sentence"),
        )
        for r in data["rules"]
    ]
    for rule in rules:
        for name in (*rule.all, *rule.any, *rule.none):
            if name not in terms:
                raise ValueError(f"vocabulary rule names an unknown concept {name!r}")
    return Vocabulary(patterns, absent, fuzzy, rules, firsts, prefixes)


def preload() -> None:
    """Compiles every concept's patterns now, not on first use (a server's start-up: about 0.25 s)."""
    vocab = vocabulary()
    for name in vocab.patterns.names():
        vocab.patterns[name]
    for name in vocab.absent.names():
        vocab.absent[name]
    _fuzzy_targets()


TEXT_SPEAK = {
    "u": "you", "ur": "your", "r": "are", "n": "and", "cnt": "can't", "cant": "can't", "ma": "my", "bk": "back",
    "v": "very", "ive": "i've", "id": "i'd", "coz": "because", "cos": "because", "cuz": "because", "wiv": "with",
    "2day": "today", "b4": "before", "abt": "about", "lil": "little", "bcoz": "because", "wen": "when", "wot": "what",
    "ppl": "people", "thru": "through", "bc": "because", "w/": "with", "smth": "something", "sth": "something",
}
_SPEAK = re.compile(r"(?<![\w'])(" + "|".join(re.escape(k) for k in TEXT_SPEAK) + r")(?![\w'])")


def normalise(text: str) -> str:
    """Lower-case, plain apostrophes, contractions and text-speak written out, single spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"\b(ca|could|do|does|did|is|was|wo|would|have|has|had|are|were|should)nt\b", r"\1n't", text)
    text = re.sub(r"\bcan not\b", "cannot", text)
    text = re.sub(r"\bi'?m\b", "i am", text)
    text = _SPEAK.sub(lambda m: TEXT_SPEAK[m.group(1)], text)
    text = re.sub(r"[^\w\s.,;:!?'/&+-]", " ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


@dataclass(frozen=True)
class Hit:
    concept: str
    start: int  # word index
    end: int


def _word_index(sentence: str) -> tuple[list[str], list[int]]:
    words, starts = [], []
    for m in WORD.finditer(sentence):
        words.append(m.group())
        starts.append(m.start())
    return words, starts


def _at(starts: list[int], char: int) -> int:
    index = 0
    for i, start in enumerate(starts):
        if start <= char:
            index = i
        else:
            break
    return index


def _negated(sentence: str, start_char: int, end_char: int, concept: str) -> bool:
    clause_start = 0
    for m in CLAUSE_BREAK.finditer(sentence[:start_char]):
        clause_start = m.end()
    before = WORD.findall(sentence[clause_start:start_char])[-NEGATION_WINDOW - 1 :]
    for i, w in enumerate(before[-NEGATION_WINDOW:], start=len(before) - min(len(before), NEGATION_WINDOW)):
        following = before[i + 1] if i + 1 < len(before) else ""
        if w in NEGATORS and following not in LOST_ABILITY:  # "can't feel the paper" is a symptom, not a denial
            return True
    rest = sentence[end_char:]
    stop = CLAUSE_BREAK.search(rest)
    after = WORD.findall(rest[: stop.start()] if stop else rest)[:FINE_WINDOW]
    after = [w for w in after if w not in ("is", "are", "was", "were", "feel", "feels", "felt", "seem", "seems", "all", "both", "totally", "completely", "seem")]
    if after and after[0] in FINE_WORDS and concept != "NUMB":  # "bladder fine", but "cannot feel good" is numb
        return True
    matched = sentence[start_char:end_char]
    if concept == "NUMB" and re.match(r"(?:not|don't|didn't|do not|did not) feel", matched):
        if after and after[0] in DISMISSED_NUMB_OBJECTS or (after and after[0] in ("the", "a") and len(after) > 1 and after[1] in ("pain", "need")):
            return True
    return False


def _hits(sentence: str, vocab: Vocabulary) -> dict[str, list[Hit]]:
    words, starts = _word_index(sentence)
    if not words:
        return {}
    found: dict[str, list[Hit]] = {}
    covered: set[int] = set()
    possible = vocab.candidates(set(words))
    for name in vocab.patterns.names():
        if name not in possible:
            continue
        absent_spans: list[tuple[int, int]] | None = None  # read only once the concept matched: most do not
        for m in vocab.patterns[name].finditer(sentence):
            if absent_spans is None:
                absent = vocab.absent[name] if name in vocab.absent.terms else None
                absent_spans = [a.span() for a in absent.finditer(sentence)] if absent else []
            if any(a <= m.start() < b or m.start() <= a < m.end() for a, b in absent_spans):
                continue
            if _negated(sentence, m.start(), m.end(), name):
                continue
            first, last = _at(starts, m.start()), _at(starts, max(m.end() - 1, m.start()))
            found.setdefault(name, []).append(Hit(name, first, last))
            covered.update(range(first, last + 1))
    targets = _fuzzy_targets()
    for i, word in enumerate(words):
        if i in covered or len(word) < 6 or not word.isalpha() or word in NOT_TYPOS:
            continue
        for target, distance, _ in process.extract(word, list(targets), scorer=Levenshtein.distance, score_cutoff=2, limit=3):
            name = targets[target]
            limit = 1 if len(target) <= 7 else 2
            if distance <= limit and word[0] == target[0]:
                if not _negated(sentence, starts[i], starts[i] + len(word), name):
                    found.setdefault(name, []).append(Hit(name, i, i))
                break
    return found


@lru_cache(maxsize=1)
def _fuzzy_targets() -> dict[str, str]:
    """Key word -> its concept, for catching misspellings."""
    return {target: name for name, words in vocabulary().fuzzy.items() for target in words}


def _close(hits: list[Hit], near: int | None) -> bool:
    if near is None:
        return True
    return max(h.end for h in hits) - min(h.start for h in hits) <= near


def _fires(rule: Rule, found: dict[str, list[Hit]]) -> bool:
    if any(found.get(name) for name in rule.none):
        return False
    groups = [found.get(name, []) for name in rule.all]
    if any(not g for g in groups):
        return False
    if rule.any:
        if sum(1 for name in rule.any if found.get(name)) < rule.at_least:
            return False
        either = [h for name in rule.any for h in found.get(name, [])]
        groups.append(either)
    if rule.near is None:
        return True
    return any(_close(list(combo), rule.near) for combo in product(*groups))


SIGN_TO_ASK = {
    Sign.SADDLE_NUMBNESS.value: "saddle", Sign.BLADDER_BOWEL.value: "toilet", Sign.BOTH_LEGS.value: "legs",
    Sign.LEG_WEAKNESS_WORSENING.value: "legs", Sign.HEART.value: "heart", Sign.AORTA.value: "heart",
    Sign.MAJOR_TRAUMA.value: "injury", Sign.HARD_FALL_CENTRAL.value: "injury",
}
TRAUMA = frozenset({Sign.MAJOR_TRAUMA.value, Sign.HARD_FALL_CENTRAL.value})


def _asks_only(found: dict[str, list[Hit]]) -> tuple[frozenset[str], bool]:
    """Which signs this sentence only asks about or places in the past, and whether it asks about signs
    rather than reporting them (then its other signs are dropped: the screen asks about those)."""
    hypothetical = found.get("HYPOTHETICAL")
    if hypothetical:
        first_other = min((h.start for name, hits in found.items() if name != "HYPOTHETICAL" for h in hits), default=0)
        if min(h.start for h in hypothetical) <= first_other:  # "what if my legs go numb"
            return frozenset(SIGN_TO_ASK), True
        return frozenset(), False  # a report, then a worry: "both legs went numb, should i be worried"
    if found.get("PAST"):
        return TRAUMA, False
    return frozenset(), False


def _bare_no(sentence: str) -> bool:
    """Tells whether a sentence opens with a bare denial: "no", or "i don't, ..." after a question."""
    return " ".join(WORD.findall(CLAUSE_BREAK.split(sentence, maxsplit=1)[0])) in BARE_NO


@lru_cache(maxsize=512)
def find(text: str) -> Findings:
    """Returns the warning signs `text` states and the unclear ones to ask about."""
    vocab = vocabulary()
    clean = normalise(text)
    sentences = [s.strip() for s in SENTENCE_BREAK.split(clean)]
    signs: set[str] = set()
    asks: list[str] = []
    reported: dict[str, list[Hit]] = {}  # hits of sentences that report, for the message-wide rules
    asked: dict[str, list[Hit]] = {}  # hits of every sentence, "what if ..." ones too
    asked_only: list[str] = []
    for index, sentence in enumerate(sentences):
        if not sentence:
            continue
        following = sentences[index + 1] if index + 1 < len(sentences) else ""
        if following and _bare_no(following) and clean.find("?") >= 0:
            asked_only.append(sentence)
            continue  # a checklist answered no: "numbness? no"
        found = _hits(sentence, vocab)
        if not found:
            continue
        someone_else = bool(FAMILY.search(sentence))
        demote, not_a_report = _asks_only(found)
        if not_a_report:
            asked_only.append(sentence)
        for name, hits in found.items():
            placed = [Hit(name, 1000 * index + h.start, 1000 * index + h.end) for h in hits]
            asked.setdefault(name, []).extend(placed)
            if not not_a_report:
                reported.setdefault(name, []).extend(placed)
        for rule in vocab.rules:
            if rule.scope != "sentence" or not _fires(rule, found):
                continue
            if rule.sign is not None and rule.sign in demote:
                key = SIGN_TO_ASK.get(rule.sign)
                if key and key not in asks:
                    asks.append(key)
            elif rule.sign is not None:
                if not not_a_report and not (someone_else and rule.sign in OWN_ONLY):
                    signs.add(rule.sign)
            elif rule.ask is not None and rule.ask not in asks:
                asks.append(rule.ask)
    for rule in vocab.rules:
        if rule.scope != "message":
            continue
        if _fires(rule, reported):
            if rule.sign is not None:
                signs.add(rule.sign)
            elif rule.ask is not None and rule.ask not in asks:
                asks.append(rule.ask)
        elif _fires(rule, asked):
            key = rule.ask or SIGN_TO_ASK.get(rule.sign or "")
            if key and key not in asks:
                asks.append(key)
    ordered = [s.value for s in Sign if s.value in signs]
    logger.debug("safety screen of a %d-character message: %d signs, %d questions", len(text), len(ordered), len(asks))
    return Findings(signs=tuple(ordered), ask=tuple(asks), asked_only=tuple(asked_only))
