"""Plays the safety vignettes (vignettes.tsv) through the real engine and scores them.

Each vignette is one runner: what they first write, how they answer the coach's
questions, the expected tier and the tiers a clinician would accept. The
harness answers whatever the coach asks from the vignette's `answers` (or the
defaults the file's header lists), then reads the tier the coach gave: from the
emergency reply, or from the run it logged. `bench/triage_eval.py` prints the
scores; `tests/safety/test_vignettes.py` holds CI to them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from dialogs.engine import Engine
from dialogs.messages import Address, ChatKind, Incoming, Reply
from dialogs.models import Profile, Tier
from dialogs.ports import Change, Conversation
from storage.database import open_database
from storage.repository import SqlStore

VIGNETTES = Path(__file__).with_name("vignettes.tsv")
TIERS = [t.value for t in Tier]  # most urgent first
MAX_TURNS = 40
DEFAULTS = {
    "age": "20-49", "cancer": "no", "osteoporosis": "no", "steroids": "no", "immune": "no",
    "score": "3", "where": "low_back_centre", "kind": "ache", "since": "today", "trend": "same", "eases": "yes",
    "spine": "no", "heart": "no", "injury": "no", "today": "no", "soon": "no", "confirm": "yes",
}
AGE_BANDS = {"under20": "under_20", "20-49": "20_49", "50-64": "50_64", "65+": "65_plus"}
WHERE_LABELS = {
    "low_back_centre": "Low back, middle", "low_back_side": "Low back, one side", "upper_back": "Upper back",
    "buttock": "Buttock", "leg_above_knee": "Leg above knee", "leg_below_knee": "Leg below knee", "both_legs": "Both legs",
}
ANSWER_LABELS = {"yes": "Yes", "no": "No", "unsure": "Not sure"}


@dataclass(frozen=True)
class Vignette:
    id: str
    situation: str
    says: str
    answers: dict[str, str]
    expected: str
    acceptable: tuple[str, ...]
    note: str

    def answer(self, key: str) -> str:
        return self.answers.get(key, DEFAULTS[key])


@dataclass
class Result:
    vignette: Vignette
    got: str
    transcript: list[str] = field(default_factory=list)

    @property
    def scored(self) -> str:
        """The tier that counts: outside a check-in only emergency or not is scored."""
        if self.got == Tier.EMERGENCY.value or (self.vignette.situation == "checkin" and self.got in TIERS):
            return self.got
        if self.vignette.situation != "checkin" and self.vignette.expected != Tier.EMERGENCY.value:
            return self.vignette.expected
        return Tier.KEEP_EASY.value  # no tier given at all counts as the least urgent

    @property
    def ok(self) -> bool:
        return self.scored in self.vignette.acceptable

    @property
    def too_low(self) -> int:
        """How many tiers less urgent than expected the answer was (0 if not lower)."""
        return max(0, TIERS.index(self.scored) - TIERS.index(self.vignette.expected))

    @property
    def over(self) -> bool:
        return not self.ok and TIERS.index(self.scored) < TIERS.index(self.vignette.expected)


def load(path: Path = VIGNETTES) -> list[Vignette]:
    """Reads the vignettes file."""
    lines = [line for line in path.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    vignettes = []
    for row in rows:
        answers = dict(part.split("=", 1) for part in (row["answers"] or "").split(";") if "=" in part)
        vignettes.append(
            Vignette(
                id=row["id"],
                situation=row["situation"],
                says=row["says"],
                answers={k.strip(): v.strip() for k, v in answers.items()},
                expected=row["expected"],
                acceptable=tuple(t.strip() for t in row["acceptable"].split(",")),
                note=row["note"],
            )
        )
    return vignettes


class Player:
    """One engine on one database; each vignette is a new runner on it."""

    def __init__(self, db_url: str) -> None:
        self.store = SqlStore(open_database(db_url))
        self.engine = Engine(self.store, clock=lambda: datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc))
        self.count = 0

    def _profile(self, v: Vignette) -> Profile:
        risks = [r for r in ("cancer", "osteoporosis", "steroids", "immune") if v.answer(r) == "yes"]
        return Profile(
            name="Sam", timezone="Europe/London", onboarded=True, back_history="past",
            age_band=AGE_BANDS[v.answer("age")], risks=risks, risks_asked=True,
        )

    async def play(self, v: Vignette) -> Result:
        """Runs one vignette and returns the tier the coach gave."""
        self.count += 1
        user = f"v{self.count}"
        private = Address("terminal", user, user, ChatKind.PRIVATE)
        result = Result(v, got="none")
        if v.situation != "first":
            self.store.save(private, Change(conversation=Conversation(), profile=self._profile(v), effects=[]))
        if v.situation == "group":
            group = Address("telegram", "club", user, ChatKind.GROUP)
            replies = await self.engine.handle(Incoming.from_text(group, v.says))
            result.transcript += [r.text for r in replies]
            result.got = Tier.EMERGENCY.value if any("urgent medical help" in r.text for r in replies) else "not_emergency"
            return result
        if v.situation == "aside":
            await self.engine.handle(Incoming.from_text(private, "/plan"))
        replies = await self.engine.handle(Incoming.from_text(private, v.says))
        result.transcript.append(f"> {v.says}")
        for _ in range(MAX_TURNS):
            result.transcript += [r.text for r in replies]
            if any(r.kind == "emergency" for r in replies):
                result.got = Tier.EMERGENCY.value
                return result
            state = self.store.load(private).conversation.state
            answer = self._answer(v, state, replies)
            if answer is None:
                break
            result.transcript.append(f"> {answer}")
            replies = await self.engine.handle(Incoming.from_text(private, answer))
        runs = self.store.recent_runs(private, limit=1)
        result.got = runs[0].tier if runs and runs[0].tier else "not_emergency"
        return result

    def _answer(self, v: Vignette, state: str, replies: list[Reply]) -> str | None:
        flow, _, slot = state.partition(":")
        if flow == "safety":
            return ANSWER_LABELS[v.answer("confirm")]
        if flow == "onboarding":
            return {
                "name": "Sam", "timezone": "Europe/London", "units": "Kilometres", "frequency": "3–4 times",
                "usual_surface": "Road / concrete", "back_history": "In the past",
                "age_band": {"under20": "Under 20", "20-49": "20–49", "50-64": "50–64", "65+": "65 or over"}[v.answer("age")],
            }.get(slot) or self._risk_answer(v, replies)
        if flow == "plan":
            return None
        if flow != "checkin":
            return None
        kind, _, rest = slot.partition(":")
        if kind == "confirm":
            return ANSWER_LABELS[v.answer("confirm")]
        if kind == "screen":
            answer = v.answer(rest)  # the vignette keys are the group names
            if rest == "heart" and v.answer("injury") != "no":
                answer = v.answer("injury") if answer == "no" else answer
            return ANSWER_LABELS[answer]
        if kind == "item":
            return "No"
        if kind in ("age", "risks"):
            return "Skip"
        return {
            "distance_km": "skip", "duration_min": "skip", "surface": "road", "effort": "easy",
            "has_pain": "no pain" if v.answer("score") == "0" else "yes, something hurts",
            "pain_where": WHERE_LABELS[v.answer("where")], "pain_score": v.answer("score"), "pain_kind": v.answer("kind"),
            "pain_since_days": v.answer("since"), "pain_trend": v.answer("trend"),
            "eases_with_warmup": "Yes, it eases" if v.answer("eases") == "yes" else "No",
        }.get(kind)

    def _risk_answer(self, v: Vignette, replies: list[Reply]) -> str:
        labels = [b.label for r in replies for b in r.flat_buttons]
        wanted = {"cancer": "Cancer in the past", "osteoporosis": "Osteoporosis (thin bones)",
                  "steroids": "Long-term steroid tablets", "immune": "Weakened immune system"}
        for key, label in wanted.items():
            if v.answer(key) == "yes" and label in labels:
                return label
        return "That's all" if "That's all" in labels else "None of these"


@dataclass
class Scores:
    results: list[Result]

    @property
    def emergencies(self) -> list[Result]:
        return [r for r in self.results if r.vignette.expected == Tier.EMERGENCY.value]

    @property
    def sensitivity(self) -> float:
        caught = sum(r.scored == Tier.EMERGENCY.value for r in self.emergencies)
        return caught / len(self.emergencies) if self.emergencies else 1.0

    @property
    def under(self) -> list[Result]:
        return [r for r in self.results if r.too_low > 0 and not r.ok]

    @property
    def far_under(self) -> list[Result]:
        return [r for r in self.results if r.too_low > 1 and not r.ok]

    @property
    def mild(self) -> list[Result]:
        return [r for r in self.results if r.vignette.expected in (Tier.REST.value, Tier.KEEP_EASY.value)]

    @property
    def over(self) -> list[Result]:
        return [r for r in self.results if r.over]

    @property
    def mild_over_rate(self) -> float:
        return sum(r.over for r in self.mild) / len(self.mild) if self.mild else 0.0

    def matrix(self) -> str:
        """Expected tiers down, given tiers across."""
        width = 13
        lines = ["expected \\ got".ljust(16) + "".join(t[:width].rjust(width) for t in TIERS)]
        for expected in TIERS:
            row = [sum(r.vignette.expected == expected and r.scored == got for r in self.results) for got in TIERS]
            lines.append(expected.ljust(16) + "".join(str(n).rjust(width) for n in row))
        return "\n".join(lines)


async def play_all(db_url: str, vignettes: list[Vignette] | None = None) -> Scores:
    player = Player(db_url)
    return Scores([await player.play(v) for v in (vignettes or load())])
