"""The warning-sign screen: one yes / no / not sure question per group of signs.

`next_slot` says which safety question a check-in still needs, in the order of
GUIDANCE.md's table: a direct question about any unclear word first, then the
emergency groups (every pain report), the runner's health facts (once), and the
see-a-doctor groups (on the first report of an episode, or when something new
appears). `question` draws any of them and `apply` stores the answer. Typed
answers are screened too: a sign written in them counts whatever else was said.
The texts are in screen.toml.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from dialogs.flow import Question
from dialogs.models import RISK_AS_SIGN, AgeBand, Checkin, Profile, Risk, RunRecord, Sign
from dialogs.safety import signs as sign_finder

logger = logging.getLogger(__name__)

EMERGENCY_GROUPS = ("spine", "heart")
DOCTOR_GROUPS = ("today", "soon")
EPISODE_GAP = timedelta(days=14)  # a pain report within this of the last one continues the episode
SCORE_JUMP = 2  # a score this much above the episode's last counts as something new
YES, NO, UNSURE = "yes", "no", "unsure"
DONE = "done"
UNSURE_WORDS = re.compile(r"\b(?:not sure|unsure|maybe|don't know|dont know|dunno|no idea|perhaps|possibly|can't tell|cant tell|hard to say|\?)")
NONE_WORDS = re.compile(r"^\s*(?:none|nothing|neither|no(?:pe)?|nah|none of (?:these|them|those)|all fine|all good|that's all|thats all|no more)\s*[.!]?\s*$")


@dataclass(frozen=True)
class Item:
    text: str
    sign: str
    when: str | None = None


@dataclass(frozen=True)
class Group:
    name: str
    tier: str
    sign: str
    unsure_is_yes: bool
    intro: str
    items: tuple[Item, ...]

    def shown_items(self, profile: Profile) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.when is None or (i.when == "thin_bones" and thin_bones(profile)))


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return tomllib.loads(resources.files("dialogs.safety").joinpath("screen.toml").read_text("utf-8"))


@lru_cache(maxsize=1)
def groups() -> dict[str, Group]:
    """The screen's groups in the order they are asked."""
    return {
        name: Group(
            name=name,
            tier=g["tier"],
            sign=g["sign"],
            unsure_is_yes=g["unsure_is_yes"],
            intro=g["intro"],
            items=tuple(Item(**item) for item in g["items"]),
        )
        for name, g in _data()["groups"].items()
    }


def thin_bones(profile: Profile) -> bool:
    return Risk.OSTEOPOROSIS.value in profile.risks or Risk.STEROIDS.value in profile.risks


def confirm_keys() -> tuple[str, ...]:
    return tuple(_data()["confirm"])


# ------------------------------------------------------------------ reading answers


def _answer_options() -> tuple[tuple[str, str], ...]:
    a = _data()["answers"]
    return ((a["yes"], YES), (a["no"], NO), (a["unsure"], UNSURE))


def read_yes_no(text: str) -> str | None:
    """Reads a typed screen answer: "yes:<signs>" when it names signs, else yes / no / unsure."""
    from dialogs import parsing  # parsing imports this package's sign finder

    found = parsing.parse_signs(text)
    if found:
        return YES + ":" + ",".join(found)
    lowered = text.strip().lower()
    if UNSURE_WORDS.search(lowered):
        return UNSURE
    if NONE_WORDS.match(lowered):
        return NO
    answer = parsing.parse_yes_no(text)
    if answer is None:
        return None
    return YES if answer else NO


def _signs_in_answer(value: str) -> list[str]:
    head, _, tail = value.partition(":")
    return [s for s in tail.split(",") if s] if head == YES else []


# ------------------------------------------------------------------ which question next


def same_episode(history: list[RunRecord], now: datetime) -> RunRecord | None:
    """The last run with pain, if it was recent enough to be the same episode."""
    for run in history:
        if run.pain_score and now - run.logged_at <= EPISODE_GAP:
            return run
        if now - run.logged_at > EPISODE_GAP:
            break
    return None


def full_screen_needed(checkin: Checkin, history: list[RunRecord], now: datetime) -> bool:
    """True on the first report of an episode, or when something new has appeared."""
    last = same_episode(history, now)
    if last is None:
        return True
    new_places = set(checkin.pain_where) - set(last.pain_where)
    new_kinds = set(checkin.pain_kind) - set(last.pain_kind)
    higher = checkin.pain_score is not None and last.pain_score is not None and checkin.pain_score >= last.pain_score + SCORE_JUMP
    return bool(new_places or new_kinds or higher or checkin.pain_trend == "worse")


def _group_answered(group: Group, checkin: Checkin) -> bool:
    """A group is answered when the runner already wrote one of its signs."""
    return bool({group.sign, *(i.sign for i in group.items)} & set(checkin.signs))


def next_slot(checkin: Checkin, profile: Profile, state: dict[str, Any]) -> str | None:
    """The next safety question for this check-in, or None when the screen is done.

    `state` is the check-in's "screen" record: answered groups, confirmed words,
    whether the full screen is due, and progress through a group split item by item.
    """
    pending = pending_confirm(state)
    if pending is not None:
        return pending
    if not checkin.has_pain:
        return None
    answered = set(state.get("answered", []))
    split = state.get("split", {})
    for name in EMERGENCY_GROUPS:
        if name not in answered and not _group_answered(groups()[name], checkin):
            return f"screen:{name}"
    if not profile.risks_asked:
        return "age" if profile.age_band is None and not state.get("age_done") else "risks"
    if not state.get("full", True):
        return None
    for name in DOCTOR_GROUPS:
        if name in split:
            return f"item:{name}:{split[name]}"
        if name not in answered and not _group_answered(groups()[name], checkin):
            return f"screen:{name}"
    return None


# ------------------------------------------------------------------ drawing questions


def pending_confirm(state: dict[str, Any]) -> str | None:
    """The direct question about an unclear word still to ask: asked before anything else."""
    return next((f"confirm:{key}" for key in state.get("ask", []) if key not in state.get("confirmed", [])), None)


def _bullets(items: tuple[Item, ...]) -> str:
    return "\n".join(f"• {item.text}" for item in items)


def question(slot: str, profile: Profile) -> Question:
    """The Question for a safety slot ("screen:spine", "item:today:2", "confirm:numb", "age", "risks")."""
    data = _data()
    kind, _, rest = slot.partition(":")
    if kind == "screen":
        group = groups()[rest]
        prompt = f"{group.intro}\n{_bullets(group.shown_items(profile))}"
        return _yes_no(slot, prompt)
    if kind == "item":
        name, _, index = rest.partition(":")
        item = groups()[name].shown_items(profile)[int(index)]
        return _yes_no(slot, f"{data['answers']['item']}\n• {item.text}")
    if kind == "confirm":
        return _yes_no(slot, data["confirm"][rest]["text"])
    p = data["profile"]
    if kind == "age":
        return Question(
            slot=slot,
            prompt=p["age"],
            options=tuple((label, value) for label, value in p["age_options"]),
            parse=lambda text, ctx: read_age(text),
            reask="Tap an age band, or Skip.",
            per_row=3,
        )
    if kind == "risks":
        chosen = set(profile.risks)
        options = [(label, value) for label, value in p["risk_options"] if value not in chosen]
        closing = (p["done_label"], DONE) if chosen else (p["none_label"], DONE)
        return Question(
            slot=slot,
            prompt=p["more"] if chosen else p["risks"],
            options=(*options, closing, (p["skip_label"], "skip")),
            parse=lambda text, ctx: read_risks(text),
            reask="Tap one that applies, or None of these / That's all, or Skip.",
            per_row=2,
        )
    raise KeyError(slot)


def _yes_no(slot: str, prompt: str) -> Question:
    return Question(
        slot=slot,
        prompt=prompt,
        options=_answer_options(),
        parse=lambda text, ctx: read_yes_no(text),
        reask=_data()["answers"]["reask"],
        per_row=3,
    )


AGE_ANSWER = re.compile(r"(?:i'?m |i am |age |aged )?(\d{1,3})(?: ?(?:years?|yrs?|y)(?: old)?)?[.!]?")


def read_age(text: str) -> str | None:
    lowered = text.strip().lower()
    if lowered in ("skip", "rather not", "prefer not to say", "no"):
        return "skip"
    said = AGE_ANSWER.fullmatch(lowered)
    if said is None:
        return None  # a run report typed here is not an age
    age = int(said.group(1))
    if not 5 <= age <= 110:
        return None
    if age < 20:
        return AgeBand.UNDER_20.value
    if age < 50:
        return AgeBand.FROM_20.value
    return AgeBand.FROM_50.value if age < 65 else AgeBand.FROM_65.value


def read_risks(text: str) -> str | None:
    """Reads typed health facts: a comma list of Risk values, "done" or "skip"."""
    lowered = text.strip().lower()
    if lowered in ("skip", "rather not", "prefer not to say"):
        return "skip"
    if NONE_WORDS.match(lowered):
        return DONE
    found = set(sign_finder.find(text).signs)
    risks = [risk for risk, sign in RISK_AS_SIGN.items() if sign in found]
    return ",".join(risks) if risks else None


# ------------------------------------------------------------------ storing answers


@dataclass
class Answer:
    """What one safety answer changes: signs to add, the profile, and whether to move on."""

    signs: list[str]
    profile: Profile | None = None
    note: str = ""


def apply(slot: str, value: str, profile: Profile, state: dict[str, Any]) -> Answer:
    """Stores the answer to a safety slot in `state` and returns what it adds."""
    kind, _, rest = slot.partition(":")
    written = _signs_in_answer(value)
    head = value.partition(":")[0]
    if kind == "confirm":
        state.setdefault("confirmed", []).append(rest)
        sign = _data()["confirm"][rest]["sign"]
        return Answer(signs=written + ([sign] if head in (YES, UNSURE) else []))
    if kind == "screen":
        group = groups()[rest]
        state.setdefault("answered", []).append(rest)
        if head == YES or (head == UNSURE and group.unsure_is_yes):
            return Answer(signs=written or [group.sign])
        if head == UNSURE:
            state.setdefault("split", {})[rest] = 0
            return Answer(signs=[], note=_data()["answers"]["split"])
        return Answer(signs=[])
    if kind == "item":
        name, _, index = rest.partition(":")
        items = groups()[name].shown_items(profile)
        position = int(index)
        add = written or ([items[position].sign] if head in (YES, UNSURE) else [])
        if position + 1 < len(items):
            state["split"][name] = position + 1
        else:
            state["split"].pop(name, None)
        return Answer(signs=add)
    updated = Profile.from_dict(profile.to_dict())
    if kind == "age":
        state["age_done"] = True
        updated.age_band = None if value == "skip" else value
        return Answer(signs=[], profile=updated)
    if kind == "risks":
        if value in (DONE, "skip"):
            updated.risks_asked = True
        else:
            updated.risks = sorted(set(updated.risks) | {r for r in value.split(",") if r in RISK_AS_SIGN})
            if len(updated.risks) == len(RISK_AS_SIGN):
                updated.risks_asked = True
        return Answer(signs=[], profile=updated)
    raise KeyError(slot)


def is_safety_slot(slot: str) -> bool:
    return slot.partition(":")[0] in ("screen", "item", "confirm", "age", "risks")


def initial_state(text: str) -> dict[str, Any]:
    """The screen record for a check-in that opens with `text`."""
    findings = sign_finder.find(text) if text else sign_finder.Findings()
    return {"ask": list(findings.ask), "confirmed": [], "answered": [], "split": {}}


__all__ = ["Answer", "apply", "full_screen_needed", "groups", "initial_state", "is_safety_slot", "next_slot", "question"]
