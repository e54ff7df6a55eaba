"""The coach's own vocabulary: runner profile, check-in facts, triage tiers.

Plain dataclasses and string enums so that dialogs/ stays free of storage and
platform libraries; storage/ maps them to tables.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import Enum
from typing import Any


def copy_data(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, tuples, plain values): what a turn's state holds.

    Several times cheaper than copy.deepcopy, which a turn would otherwise call on its
    whole conversation three times; anything else still goes through copy.deepcopy.
    """
    if isinstance(value, dict):
        return {key: copy_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_data(item) for item in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, tuple):
        return tuple(copy_data(item) for item in value)
    return copy.deepcopy(value)


class Surface(str, Enum):
    ROAD = "road"  # road, concrete, asphalt, pavement
    TRACK = "track"
    TRAIL = "trail"  # trail, dirt, gravel
    GRASS = "grass"
    TREADMILL = "treadmill"
    MIXED = "mixed"


HARD_SURFACES = {Surface.ROAD}
UNEVEN_SURFACES = {Surface.TRAIL, Surface.MIXED}


class Effort(str, Enum):
    EASY = "easy"
    MODERATE = "moderate"
    HARD = "hard"


class PainWhere(str, Enum):
    LOW_BACK_CENTRE = "low_back_centre"
    LOW_BACK_SIDE = "low_back_side"
    UPPER_BACK = "upper_back"
    BUTTOCK = "buttock"
    LEG_ABOVE_KNEE = "leg_above_knee"
    LEG_BELOW_KNEE = "leg_below_knee"
    BOTH_LEGS = "both_legs"
    LEG_MUSCLES = "leg_muscles"  # sore or tight leg muscles after the run, not pain travelling from the back


LEG_PLACES = {PainWhere.BUTTOCK, PainWhere.LEG_ABOVE_KNEE, PainWhere.LEG_BELOW_KNEE, PainWhere.BOTH_LEGS}


class PainKind(str, Enum):
    ACHE = "ache"
    STIFFNESS = "stiffness"
    SPASM = "spasm"
    SHARP = "sharp"
    TINGLING = "tingling"  # burning, tingling, pins and needles
    NUMBNESS = "numbness"


class Trend(str, Enum):
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


class Sign(str, Enum):
    """Warning signs that need a clinician (GUIDANCE.md, "Beyond the articles: safety").

    The comment after each says which tier its triage rule gives; some signs
    (risk factors such as osteoporosis) only count together with others.
    """

    # emergency now
    SADDLE_NUMBNESS = "saddle_numbness"  # numb, tingling or changed feeling between the legs, genitals, bottom
    BLADDER_BOWEL = "bladder_bowel"  # new trouble peeing or not feeling it, loss of bladder or bowel control
    BOTH_LEGS = "both_legs"  # weakness, numbness or tingling in both legs, legs giving way, unsteady walking
    LEG_WEAKNESS_WORSENING = "leg_weakness_worsening"  # a leg getting weaker fast
    URGENT_UNSPECIFIED = "urgent_unspecified"  # yes / not sure to the nerve-and-bladder screen question
    HEART = "heart"  # chest pain or pressure, pain to arm/jaw/neck, breathless out of proportion, fainting
    AORTA = "aorta"  # sudden severe tearing pain in the belly or back
    MAJOR_TRAUMA = "major_trauma"  # hit by a vehicle or bike, fall from height, hard fall with severe central pain
    HARD_FALL_CENTRAL = "hard_fall_central"  # a hard fall with pain in the middle of the spine (emergency if severe)
    # see a doctor today
    LEG_WEAKNESS = "leg_weakness"  # new weakness in one leg or foot
    FEVER_UNWELL = "fever_unwell"  # fever, chills or feeling unwell
    INFECTION_RISK = "infection_risk"  # recent infection, injected drug use
    SEVERE_LYING_EASES = "severe_lying_eases"  # severe central pain that is much easier lying down
    PAIN_DISABLING = "pain_disabling"  # pain that stops you moving (9-10/10)
    CANCER_HISTORY = "cancer_history"  # cancer in the past (risk factor: new pain -> today)
    IMMUNE_WEAK = "immune_weak"  # weakened immune system (risk factor)
    STEROIDS = "steroids"  # long-term steroid tablets (risk factor)
    OSTEOPOROSIS = "osteoporosis"  # thin bones (risk factor: only with a fall, lift or twist)
    FALL_INJURY = "fall_injury"  # a fall, slip, lift or twist before the pain (counts with risk factors)
    SCREEN_TODAY = "screen_today"  # yes / not sure to the see-a-doctor-today screen question
    # see a doctor soon
    WEIGHT_LOSS = "weight_loss"  # weight loss without trying
    NIGHT_PAIN = "night_pain"  # wakes you at night, or no lying position eases it
    SEVERAL_PLACES = "several_places"  # pain in several places
    INFLAMMATORY = "inflammatory"  # long morning stiffness easing with exercise, second-half-night waking
    SCREEN_SOON = "screen_soon"  # yes / not sure to the see-a-doctor-soon screen question
    WEIGHT_LOSS_CANCER = "weight_loss_cancer"  # stored by earlier versions: weight loss or a cancer history


EMERGENCY_SIGNS = (
    Sign.SADDLE_NUMBNESS,
    Sign.BLADDER_BOWEL,
    Sign.BOTH_LEGS,
    Sign.LEG_WEAKNESS_WORSENING,
    Sign.URGENT_UNSPECIFIED,
    Sign.HEART,
    Sign.AORTA,
    Sign.MAJOR_TRAUMA,
)
RISK_SIGNS = (Sign.CANCER_HISTORY, Sign.IMMUNE_WEAK, Sign.STEROIDS, Sign.OSTEOPOROSIS)
DOCTOR_SIGNS = (
    Sign.LEG_WEAKNESS,
    Sign.FEVER_UNWELL,
    Sign.INFECTION_RISK,
    Sign.SEVERE_LYING_EASES,
    Sign.PAIN_DISABLING,
    Sign.SCREEN_TODAY,
    Sign.WEIGHT_LOSS,
    Sign.NIGHT_PAIN,
    Sign.SEVERAL_PLACES,
    Sign.INFLAMMATORY,
    Sign.SCREEN_SOON,
    Sign.WEIGHT_LOSS_CANCER,
)


class Risk(str, Enum):
    """Health facts asked once (onboarding or the first pain report), changeable in /settings."""

    CANCER = "cancer"  # cancer in the past
    OSTEOPOROSIS = "osteoporosis"
    STEROIDS = "steroids"  # long-term steroid tablets
    IMMUNE = "immune"  # a weakened immune system


RISK_AS_SIGN = {
    Risk.CANCER.value: Sign.CANCER_HISTORY.value,
    Risk.OSTEOPOROSIS.value: Sign.OSTEOPOROSIS.value,
    Risk.STEROIDS.value: Sign.STEROIDS.value,
    Risk.IMMUNE.value: Sign.IMMUNE_WEAK.value,
}


class AgeBand(str, Enum):
    UNDER_20 = "under_20"
    FROM_20 = "20_49"
    FROM_50 = "50_64"
    FROM_65 = "65_plus"


class Tier(str, Enum):
    """Exactly one of these closes every triage, most urgent first."""

    EMERGENCY = "emergency"
    DOCTOR_TODAY = "doctor_today"
    DOCTOR_SOON = "doctor_soon"
    REST = "rest"  # rest from running, stay active
    KEEP_EASY = "keep_easy"  # keep running easy

    @property
    def rank(self) -> int:
        return list(Tier).index(self)


@dataclass
class Profile:
    """What the runner told us about themselves at onboarding or in /settings."""

    name: str | None = None
    timezone: str = "UTC"
    units: str = "km"  # km | mi
    frequency: str | None = None  # "1-2" | "3-4" | "5+" runs a week
    usual_surface: str | None = None  # a Surface value
    back_history: str | None = None  # "never" | "past" | "now"
    onboarded: bool = False
    digest: bool = True  # the weekly digest on Sunday evening; off in /settings
    age_band: str | None = None  # an AgeBand value; None: not said
    risks: list[str] = field(default_factory=list)  # Risk values the runner said apply
    risks_asked: bool = False  # the health questions were shown once (answered or skipped)
    country: str | None = None  # ISO 3166 code chosen in /settings; None: taken from the time zone

    def to_dict(self) -> dict[str, Any]:
        return {f.name: copy_data(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Profile":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Checkin:
    """Everything one post-run check-in gathers; None means not answered yet.

    Values are plain strings (the enums' values) so the whole object round-trips
    through the JSON conversation state.
    """

    distance_km: float | None = None
    duration_min: float | None = None
    surface: str | None = None
    effort: str | None = None
    effort_score: int | None = None
    has_pain: bool | None = None
    pain_where: list[str] = field(default_factory=list)
    pain_score: int | None = None
    pain_kind: list[str] = field(default_factory=list)
    pain_since_days: int | None = None  # 0: started today or during the run
    pain_trend: str | None = None
    eases_with_warmup: bool | None = None  # asked for stiffness or ache
    every_run: bool | None = None  # the runner says it hurts after every run
    aggravated: bool | None = None  # the runner says running makes it worse ("whenever I run it goes up")
    signs: list[str] = field(default_factory=list)  # warning signs present
    signs_checked: bool = False  # the explicit warning-sign question was answered
    started_at: str | None = None  # ISO UTC start time read from an imported GPX/FIT file
    source: str | None = None  # "gpx" | "fit" for imported runs, None when told in chat
    age_band: str | None = None  # copied from the profile for triage
    risks: list[str] = field(default_factory=list)  # Risk values from the profile, for triage

    def to_dict(self) -> dict[str, Any]:
        return {f.name: copy_data(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Checkin":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def leg_symptoms(self) -> bool:
        """Pain reaching the buttock or leg, or nerve-like feelings."""
        return bool(set(self.pain_where) & {p.value for p in LEG_PLACES}) or bool(
            set(self.pain_kind) & {PainKind.TINGLING.value, PainKind.NUMBNESS.value}
        )


@dataclass(frozen=True)
class TriageResult:
    tier: Tier
    rules: tuple[str, ...]  # ids of the triage rules that fired, most urgent first
    signs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunRecord:
    """A stored run as the coach reads it back (history, export, progress)."""

    run_id: int
    logged_at: datetime
    distance_km: float | None
    duration_min: float | None
    surface: str | None
    effort: str | None
    pain_score: int | None
    pain_where: tuple[str, ...]
    pain_kind: tuple[str, ...]
    tier: str | None
    signs: tuple[str, ...] = ()
    started_at: datetime | None = None  # UTC start time of an imported run

    def export_row(self) -> dict[str, Any]:
        """The run as one CSV row (the export and /export's CSV)."""
        return {
            "logged_at_utc": self.logged_at.isoformat(timespec="minutes"),
            "distance_km": self.distance_km,
            "duration_min": self.duration_min,
            "surface": self.surface,
            "effort": self.effort,
            "pain_score": self.pain_score,
            "pain_where": " ".join(self.pain_where),
            "pain_kind": " ".join(self.pain_kind),
            "warning_signs": " ".join(self.signs),
            "tier": self.tier,
        }
