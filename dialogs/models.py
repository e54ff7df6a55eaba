"""The coach's own vocabulary: runner profile, check-in facts, triage tiers.

Plain dataclasses and string enums so that dialogs/ stays free of storage and
platform libraries; storage/ maps them to tables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from enum import Enum
from typing import Any


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
    """Warning signs that need a clinician (GUIDANCE.md, "Beyond the articles: safety")."""

    SADDLE_NUMBNESS = "saddle_numbness"  # genitals, buttocks, inner thighs
    BLADDER_BOWEL = "bladder_bowel"  # new trouble peeing, loss of bladder or bowel control
    BOTH_LEGS = "both_legs"  # weakness or numbness in both legs
    LEG_WEAKNESS_WORSENING = "leg_weakness_worsening"  # leg weakness getting worse quickly
    URGENT_UNSPECIFIED = "urgent_unspecified"  # "yes, one of these" to the urgent-signs question
    LEG_WEAKNESS = "leg_weakness"  # new weakness in one leg, not worsening fast
    FALL_INJURY = "fall_injury"  # pain after a fall or accident
    FEVER_UNWELL = "fever_unwell"  # fever or feeling unwell with back pain
    NIGHT_PAIN = "night_pain"  # wakes you at night or worse lying down
    WEIGHT_LOSS_CANCER = "weight_loss_cancer"  # unexplained weight loss or a history of cancer


EMERGENCY_SIGNS = (
    Sign.SADDLE_NUMBNESS,
    Sign.BLADDER_BOWEL,
    Sign.BOTH_LEGS,
    Sign.LEG_WEAKNESS_WORSENING,
    Sign.URGENT_UNSPECIFIED,
)
DOCTOR_SIGNS = (Sign.FALL_INJURY, Sign.FEVER_UNWELL, Sign.NIGHT_PAIN, Sign.WEIGHT_LOSS_CANCER, Sign.LEG_WEAKNESS)


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

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
    signs: list[str] = field(default_factory=list)  # warning signs present
    signs_checked: bool = False  # the explicit warning-sign question was answered
    started_at: str | None = None  # ISO UTC start time read from an imported GPX/FIT file
    source: str | None = None  # "gpx" | "fit" for imported runs, None when told in chat

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

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
