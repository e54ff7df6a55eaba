"""The coaching rules that learn from the runner, as pure functions of stored runs and coaching events.

- The next-morning pain rule: pain up to about 5/10 during a run that is back
  to its usual level the next day means the load was fine, so the next run
  can be the same; otherwise it is shorter and easier.
- The single-run spike guard: a run more than 10% past the longest of the
  last 30 days gets a note before (warm-up reminder, /plan) and after it.
- The safety gate: after an emergency or doctor tier none of this is offered
  until the runner says they have been seen or the pain has gone.

dialogs/return_to_run.py holds the graded return plan. Texts are in
coaching.toml; the evidence each rule rests on is in README.md.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from dialogs.messages import Button, Reply
from dialogs.models import RunRecord, Tier
from dialogs.ports import CoachEvent
from dialogs.clock import as_utc
from dialogs.progress import run_time
from dialogs.units import format_distance

logger = logging.getLogger(__name__)

TEXTS_PATH = Path(__file__).with_name("coaching.toml")
PREFIX = "c"  # button payloads "c:<action>:<value>", handled by dialogs.return_to_run.button
PAIN_LIMIT = 5  # up to about 5/10 during the run is acceptable (Silbernagel et al. 2007)
SPIKE = 0.10  # 10% or more past the 30-day longest (Frandsen et al. 2025)
SPIKE_WINDOW = timedelta(days=30)
SHORTER = 0.7  # a shorter next run: about 70% of the one that was too much
MIN_MINUTES = 10
ROUND_TO = 5  # minutes
FOLLOWED_SLACK = 0.15  # a run within 15% of the suggestion counts as following it
DEFAULT_PACE = 6.5  # min/km, to suggest a time when a run had only a distance
HISTORY = timedelta(days=120)  # what the coaching views read back
DOCTOR_TIERS = {Tier.EMERGENCY.value, Tier.DOCTOR_TODAY.value, Tier.DOCTOR_SOON.value}


@lru_cache(maxsize=1)
def texts() -> dict[str, Any]:
    with TEXTS_PATH.open("rb") as handle:
        return tomllib.load(handle)


def say(section: str, key: str, **values: Any) -> str:
    """One text from coaching.toml with its placeholders filled (evidence keys are filled in too)."""
    text: str = texts()[section][key]
    if "{evidence}" in text and "evidence" not in values:
        values["evidence"] = texts()["evidence"][section]
    return text.format(**values)


@dataclass(frozen=True)
class Suggestion:
    """The coach's next run: about this many minutes, easy, or this distance."""

    minutes: int
    km: float | None
    shorter: bool
    capped: bool = False

    def describe(self, units: str) -> str:
        if self.km:
            text = say("suggestion", "easy", minutes=self.minutes, distance=format_distance(self.km, units))
        else:
            text = say("suggestion", "easy_no_distance", minutes=self.minutes)
        return text + (texts()["suggestion"]["capped"] if self.capped else "")

    def line(self, units: str) -> str:
        return say("suggestion", "line", suggestion=self.describe(units))

    def to_data(self) -> dict[str, Any]:
        return {"minutes": self.minutes, "km": self.km, "shorter": self.shorter, "capped": self.capped}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "Suggestion | None":
        if not data.get("minutes"):
            return None
        return cls(int(data["minutes"]), data.get("km"), bool(data.get("shorter")), bool(data.get("capped")))


# ------------------------------------------------------------------ the single-run spike guard


def longest_before(runs: Sequence[RunRecord], moment: datetime, exclude: int | None = None) -> float | None:
    """The longest distance run in the 30 days before `moment`; None without one."""
    moment = as_utc(moment)
    distances = [
        r.distance_km
        for r in runs
        if r.distance_km and r.run_id != exclude and moment - SPIKE_WINDOW <= run_time(r) <= moment
    ]
    return max(distances) if distances else None


def spike_pct(distance: float | None, longest: float | None) -> int | None:
    """How far past the 30-day longest a run is, in %, from 10% on (the study's lowest band); else None."""
    if not distance or not longest or distance < longest * (1 + SPIKE) - 1e-9:
        return None
    return round((distance / longest - 1) * 100)


def spike_after(distance: float | None, longest: float | None, units: str) -> list[str]:
    """The note under a check-in whose run was a spike (empty when it was not)."""
    pct = spike_pct(distance, longest)
    if pct is None:
        return []
    return [
        say("spike", "after", distance=format_distance(distance, units), pct=pct, longest=format_distance(longest, units)),
        say("spike", "why"),
    ]


def spike_before(longest: float | None, units: str) -> str:
    """The cap shown before a run: 10% past the 30-day longest."""
    if not longest:
        return ""
    cap = format_distance(longest * (1 + SPIKE), units)
    return say("spike", "before", cap=cap, longest=format_distance(longest, units))


def spikes(runs: Sequence[RunRecord], first: datetime, last: datetime) -> list[tuple[RunRecord, int]]:
    """The runs between `first` and `last` that were spikes, with how far past they went."""
    found = []
    for run in runs:
        if first <= run_time(run) < last:
            pct = spike_pct(run.distance_km, longest_before(runs, run_time(run), exclude=run.run_id))
            if pct is not None:
                found.append((run, pct))
    return found


# ------------------------------------------------------------------ the safety gate


def last_tier_run(runs: Sequence[RunRecord]) -> RunRecord | None:
    """The most recently logged run with a triage tier."""
    tiered = [r for r in runs if r.tier]
    return max(tiered, key=lambda r: (as_utc(r.logged_at), r.run_id)) if tiered else None


def blocked(runs: Sequence[RunRecord], events: Sequence[CoachEvent]) -> bool:
    """True while the last triage was an emergency or doctor tier the runner has not cleared."""
    last = last_tier_run(runs)
    if last is None or last.tier not in DOCTOR_TIERS:
        return False
    return not any(e.kind == "cleared" and as_utc(e.at) >= as_utc(last.logged_at) for e in events)


def clear_buttons() -> tuple[Button, ...]:
    return (
        Button(texts()["gate"]["label_seen"], f"{PREFIX}:clear:seen"),
        Button(texts()["gate"]["label_gone"], f"{PREFIX}:clear:gone"),
    )


def gate_reply() -> Reply:
    return Reply(text=say("gate", "blocked"), buttons=(clear_buttons(),))


# ------------------------------------------------------------------ the next-morning rule


def _round(minutes: float) -> int:
    return max(MIN_MINUTES, int(ROUND_TO * round(minutes / ROUND_TO)))


def suggest(run: RunRecord, fine: bool, longest: float | None) -> Suggestion:
    """The next run after `run`: the same when the back took it well, about 70% of it when not."""
    factor = 1.0 if fine else SHORTER
    minutes = run.duration_min or (run.distance_km or 0) * DEFAULT_PACE or 20
    km = round(run.distance_km * factor, 1) if run.distance_km else None
    capped = False
    if km and longest and km >= longest * (1 + SPIKE):
        km, capped = round(longest * (1 + SPIKE / 2), 1), True
    return Suggestion(minutes=_round(minutes * factor), km=km, shorter=not fine, capped=capped)


def morning_verdict(pain: int, settled: bool) -> bool:
    """True when the load was fine: pain up to about 5/10 that is back to usual by the next morning."""
    return settled and pain <= PAIN_LIMIT


def morning_text(pain: int, settled: bool) -> str:
    if not settled:
        return say("morning", "unsettled")
    return say("morning", "fine" if pain <= PAIN_LIMIT else "over_five", pain=pain)


def current_suggestion(runs: Sequence[RunRecord], events: Sequence[CoachEvent]) -> Suggestion | None:
    """The latest next-run suggestion, until a run is logged after it."""
    made = [e for e in events if e.kind == "morning" and e.data.get("minutes")]
    if not made:
        return None
    latest = made[-1]
    if any(as_utc(r.logged_at) > as_utc(latest.at) for r in runs):
        return None
    return Suggestion.from_data(latest.data)


def followed(suggestion: Suggestion, run: RunRecord) -> bool:
    """Whether a run kept to a suggestion (within 15% of its time, or its distance when no time was logged)."""
    if run.duration_min:
        return run.duration_min <= suggestion.minutes * (1 + FOLLOWED_SLACK)
    if run.distance_km and suggestion.km:
        return run.distance_km <= suggestion.km * (1 + FOLLOWED_SLACK)
    return False


def suggestions_followed(runs: Sequence[RunRecord], events: Sequence[CoachEvent], first: datetime, last: datetime) -> tuple[int, int]:
    """(followed, made) for the suggestions made between `first` and `last` that a later run answered."""
    made = kept = 0
    ordered = sorted(runs, key=lambda r: as_utc(r.logged_at))
    for event in events:
        suggestion = Suggestion.from_data(event.data) if event.kind == "morning" else None
        if suggestion is None or not first <= as_utc(event.at) < last:
            continue
        after = next((r for r in ordered if as_utc(r.logged_at) > as_utc(event.at)), None)
        if after is None:
            continue
        made += 1
        kept += followed(suggestion, after)
    return kept, made


def planned_km(runs: Sequence[RunRecord], events: Sequence[CoachEvent]) -> float | None:
    """The distance the runner planned for their next run (/plan next), until a run is logged after it."""
    planned = [e for e in events if e.kind == "planned"]
    if not planned or not planned[-1].data.get("km"):
        return None
    if any(as_utc(r.logged_at) > as_utc(planned[-1].at) for r in runs):
        return None
    return float(planned[-1].data["km"])


def planned_lines(km: float | None, longest: float | None, units: str) -> list[str]:
    """The planned distance, with the spike warning when it is 10% or more past the 30-day longest."""
    if not km:
        return []
    lines = [say("planned", "line", distance=format_distance(km, units))]
    pct = spike_pct(km, longest)
    if pct is not None:
        lines.append(say("spike", "planned", distance=format_distance(km, units), pct=pct, longest=format_distance(longest, units)))
        lines.append(say("spike", "why"))
    return lines


# ------------------------------------------------------------------ what reminders and /plan show


def next_run_lines(profile_units: str, runs: Sequence[RunRecord], events: Sequence[CoachEvent], now: datetime) -> list[str]:
    """The coaching lines for the warm-up reminder and /plan: return session or next-run suggestion, and the cap."""
    from dialogs import return_to_run

    if blocked(runs, events):
        return []
    lines = []
    plan = return_to_run.state(runs, events)
    if plan is not None and not plan.done:
        lines.append(return_to_run.session_text(plan.step))
    else:
        suggestion = current_suggestion(runs, events)
        if suggestion is not None:
            lines.append(suggestion.line(profile_units))
    longest = longest_before(runs, now)
    planned = planned_lines(planned_km(runs, events), longest, profile_units)
    lines += planned
    cap = spike_before(longest, profile_units)
    if cap and len(planned) < 2:  # a planned spike already says it
        lines.append(cap)
    return lines


__all__ = [
    "Suggestion",
    "blocked",
    "current_suggestion",
    "longest_before",
    "morning_verdict",
    "next_run_lines",
    "say",
    "spike_after",
    "spike_before",
    "spike_pct",
    "spikes",
    "suggest",
    "suggestions_followed",
]
