"""Progress: weekly figures, the trend in words, training-load and pain-trend notes.

The figures and rules are pure functions of a runner's stored runs, so they can
be tested without a database or a chart. `progress_replies` (the /progress
command) and `after_checkin` (notes under a check-in's advice) read the store
and turn the results into replies; the chart itself is drawn by dialogs.charts.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dialogs import timezones
from dialogs.clock import as_utc
from dialogs.flow import Context
from dialogs.guidance import load
from dialogs.messages import Reply
from dialogs.models import Checkin, RunRecord, Tier, TriageResult
from dialogs.units import KM_PER_MILE

logger = logging.getLogger(__name__)

MAX_WEEKS = 12  # the chart's window
MIN_CHART_WEEKS = 8  # pad a short history so bars keep a sensible width
MIN_WEEKS_WITH_DATA = 2
TREND_WEEKS = 3  # "lately" = the last three weeks, compared with the window's first three
DISTANCE_STEADY = 0.15  # within ±15% counts as steady
PAIN_STEADY = 0.75  # points on the 0-10 scale
LOAD_JUMP = 0.30  # more than 30% above the four-week average
LOAD_MIN_KM = 1.0  # ignore jumps smaller than this in absolute terms
BASELINE_WEEKS = 4
BASELINE_MIN_ACTIVE = 2  # weeks with a run among the four, else there is no baseline
PAIN_RISE = 2  # points
PAIN_WINDOW = 4  # check-ins
PAIN_WINDOW_DAYS = 28
# How far back after_checkin reads: the load rule's baseline and this week, and the pain window.
LOOKBACK = max(timedelta(weeks=BASELINE_WEEKS + 1), timedelta(days=PAIN_WINDOW_DAYS))
DOCTOR_TIERS = (Tier.EMERGENCY, Tier.DOCTOR_TODAY, Tier.DOCTOR_SOON)

TEXTS = {
    "too_little": (
        "I need at least two weeks of runs to draw a useful picture; so far I have {weeks}. "
        "Keep checking in and try /progress again next week."
    ),
    "no_charts": "(The chart needs the optional extra: pip install 'backstride[charts]')",
    "no_runs": "No runs logged yet, so there is nothing to chart. Tell me about your next run, or send /checkin.",
    "caption": "Over the last {weeks} weeks your weekly {unit_word} {distance} and your back pain {pain}.",
    "dist_up": "went up (about {recent} a week lately against {before} at the start)",
    "dist_down": "went down (about {recent} a week lately against {before} at the start)",
    "dist_flat": "held steady at about {recent} a week",
    "pain_none": "stayed at zero",
    "pain_down": "eased (average {recent}/10 lately against {before}/10 at the start)",
    "pain_up": "got worse (average {recent}/10 lately against {before}/10 at the start)",
    "pain_flat": "stayed about the same (around {recent}/10)",
    "load_distance": (
        "Weekly-load note: your {distance} over the last 7 days is {pct}% above your weekly average "
        "for the four weeks before ({base})."
    ),
    "load_longest": (
        "Long-run note: your longest run of the last 7 days ({distance}) is {pct}% longer than your usual longest ({base})."
    ),
    "load_advice": "{c4} (Source: {sources})",
    "load_evidence": (
        "To be honest about the evidence: rules of thumb for how fast to add distance (10% a week, "
        "load ratios and the like) rest on weak studies, and in 5,205 runners with GPS watches week-to-week "
        "ratios did not predict injury while single long-run spikes did (Frandsen et al. 2025). "
        "So the weekly note is a nudge to listen to your back, not a warning; the single-run check after each run is the one with evidence behind it."
    ),
    "pain_rising": "Your pain scores have gone from {first}/10 to {last}/10 over your last {count} check-ins.",
    "pain_doctor": "{p8} (Source: {sources})",
    "pain_every_run": "{p7} (Source: {sources})",
}


@dataclass(frozen=True)
class Week:
    """One Monday-to-Sunday week in the runner's local time."""

    start: date
    distance_km: float = 0.0
    runs: int = 0
    longest_km: float = 0.0
    pain_max: int | None = None  # None: no check-in that week
    pain_avg: float | None = None
    surfaces: dict[str, float] = field(default_factory=dict)  # surface -> km

    @property
    def has_data(self) -> bool:
        return self.runs > 0


@dataclass(frozen=True)
class Trend:
    """The trend in numbers and as the one-sentence caption."""

    distance: str  # up | down | flat
    pain: str  # up | down | flat | none
    caption: str


@dataclass(frozen=True)
class LoadJump:
    """The last 7 days' load against the four 7-day blocks before."""

    week_km: float
    baseline_km: float
    longest_km: float
    baseline_longest_km: float
    distance_jump: bool
    longest_jump: bool

    @property
    def any(self) -> bool:
        return self.distance_jump or self.longest_jump


@dataclass(frozen=True)
class PainRise:
    first: int
    last: int
    count: int
    every_run: bool  # every check-in in the window reported pain


def run_time(run: RunRecord) -> datetime:
    """When the run happened: the file's start time for imports, else when it was logged."""
    return as_utc(run.started_at or run.logged_at)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(runs: list[RunRecord], now: datetime, zone: str = "UTC", max_weeks: int = MAX_WEEKS) -> list[Week]:
    """Returns the weeks from the first with a run (at most `max_weeks` back) to this week, oldest first."""
    this_week = monday(timezones.local(as_utc(now), zone).date())
    first_allowed = this_week - timedelta(weeks=max_weeks - 1)
    buckets: dict[date, list[RunRecord]] = {}
    for run in runs:
        start = monday(timezones.local(run_time(run), zone).date())
        if first_allowed <= start <= this_week:
            buckets.setdefault(start, []).append(run)
    if not buckets:
        return []
    first = min(buckets)
    weeks = []
    day = first
    while day <= this_week:
        weeks.append(_week(day, buckets.get(day, [])))
        day += timedelta(weeks=1)
    return weeks


def _week(start: date, runs: list[RunRecord]) -> Week:
    if not runs:
        return Week(start=start)
    distances = [r.distance_km or 0.0 for r in runs]
    pains = [r.pain_score or 0 for r in runs]  # no pain report means the runner said no pain
    surfaces: Counter[str] = Counter()
    for run in runs:
        surfaces[run.surface or "unknown"] += run.distance_km or 0.0
    return Week(
        start=start,
        distance_km=sum(distances),
        runs=len(runs),
        longest_km=max(distances),
        pain_max=max(pains),
        pain_avg=statistics.fmean(pains),
        surfaces=dict(surfaces),
    )


def pad(weeks: list[Week], minimum: int = MIN_CHART_WEEKS) -> list[Week]:
    """Adds empty weeks in front so a short history still fills a sensible chart."""
    if not weeks or len(weeks) >= minimum:
        return weeks
    first = weeks[0].start
    extra = [Week(start=first - timedelta(weeks=n)) for n in range(minimum - len(weeks), 0, -1)]
    return extra + weeks


def weeks_with_data(weeks: list[Week]) -> int:
    return sum(1 for w in weeks if w.has_data)


def _fmt(km: float, units: str) -> str:
    return f"{km / KM_PER_MILE:.1f} mi" if units == "mi" else f"{km:.1f} km"


def trend(weeks: list[Week], units: str = "km") -> Trend:
    """Compares the last three weeks with the first three of the window and says it in one sentence."""
    if len(weeks) >= 2 * TREND_WEEKS:
        recent, before = weeks[-TREND_WEEKS:], weeks[:TREND_WEEKS]
    else:  # a short history: compare its halves
        half = len(weeks) // 2
        recent, before = weeks[half:], weeks[:half]
    d_recent = statistics.fmean(w.distance_km for w in recent)
    d_before = statistics.fmean(w.distance_km for w in before)
    if d_before == 0 and d_recent == 0 or d_before and abs(d_recent - d_before) / d_before <= DISTANCE_STEADY:
        d_key = "flat"
    else:
        d_key = "up" if d_recent > d_before else "down"
    distance = TEXTS[f"dist_{d_key}"].format(recent=_fmt(d_recent, units), before=_fmt(d_before, units))

    p_recent = [w.pain_avg for w in recent if w.pain_avg is not None]
    p_before = [w.pain_avg for w in before if w.pain_avg is not None]
    all_pain = [w.pain_max or 0 for w in weeks if w.has_data]
    if not any(all_pain):
        p_key, pain = "none", TEXTS["pain_none"]
    else:
        pr = statistics.fmean(p_recent) if p_recent else 0.0
        pb = statistics.fmean(p_before) if p_before else pr
        p_key = "flat" if abs(pr - pb) < PAIN_STEADY else ("up" if pr > pb else "down")
        pain = TEXTS[f"pain_{p_key}"].format(recent=f"{pr:.1f}", before=f"{pb:.1f}")
    unit_word = "mileage" if units == "mi" else "distance"
    caption = TEXTS["caption"].format(weeks=len(weeks), unit_word=unit_word, distance=distance, pain=pain)
    return Trend(distance=d_key, pain=p_key, caption=caption)


# ------------------------------------------------------------------ rules


def training_load(runs: list[RunRecord], now: datetime) -> LoadJump | None:
    """Compares the last 7 days with the four 7-day blocks before; None without a baseline."""
    now = as_utc(now)
    blocks: list[list[float]] = [[] for _ in range(BASELINE_WEEKS + 1)]  # 0 = the last 7 days
    for run in runs:
        age = now - run_time(run)
        index = int(age.total_seconds() // (7 * 86400))
        if 0 <= index <= BASELINE_WEEKS and age.total_seconds() >= 0:
            blocks[index].append(run.distance_km or 0.0)
    current, past = blocks[0], blocks[1:]
    active = [b for b in past if b]
    if not current or len(active) < BASELINE_MIN_ACTIVE:
        return None
    week_km, longest = sum(current), max(current)
    baseline_km = sum(sum(b) for b in past) / BASELINE_WEEKS
    baseline_longest = statistics.fmean(max(b) for b in active)

    def jump(value: float, base: float) -> bool:
        return base > 0 and value > base * (1 + LOAD_JUMP) and value - base >= LOAD_MIN_KM

    return LoadJump(
        week_km=week_km,
        baseline_km=baseline_km,
        longest_km=longest,
        baseline_longest_km=baseline_longest,
        distance_jump=jump(week_km, baseline_km),
        longest_jump=jump(longest, baseline_longest),
    )


def pain_rise(runs: list[RunRecord], now: datetime) -> PainRise | None:
    """The latest pain score at least two points above the first of the last few check-ins."""
    now = as_utc(now)
    recent = sorted(
        (r for r in runs if timedelta(0) <= now - run_time(r) <= timedelta(days=PAIN_WINDOW_DAYS)),
        key=run_time,
    )[-PAIN_WINDOW:]
    scores = [r.pain_score or 0 for r in recent]
    if len(scores) < 2 or scores[-1] - scores[0] < PAIN_RISE:
        return None
    return PainRise(first=scores[0], last=scores[-1], count=len(scores), every_run=all(s > 0 for s in scores))


def load_notes(jump: LoadJump | None, units: str = "km", with_c4: bool = True) -> list[str]:
    """The C4 guidance and the honest evidence note when the load jumped, else nothing."""
    if jump is None or not jump.any:
        return []
    lines = []
    if jump.distance_jump:
        pct = round((jump.week_km / jump.baseline_km - 1) * 100)
        lines.append(
            TEXTS["load_distance"].format(
                distance=_fmt(jump.week_km, units), pct=pct, base=_fmt(jump.baseline_km, units)
            )
        )
    if jump.longest_jump:
        pct = round((jump.longest_km / jump.baseline_longest_km - 1) * 100)
        lines.append(
            TEXTS["load_longest"].format(
                distance=_fmt(jump.longest_km, units), pct=pct, base=_fmt(jump.baseline_longest_km, units)
            )
        )
    c4 = load().items["C4"]
    if with_c4:
        lines.append(TEXTS["load_advice"].format(c4=c4.text, sources="; ".join(c4.sources)))
    lines.append(TEXTS["load_evidence"])
    return lines


def pain_notes(rise: PainRise | None) -> list[str]:
    """The suggestion to see a clinician (P8, and P7 when every run hurt) when pain is building."""
    if rise is None:
        return []
    items = load().items
    lines = [TEXTS["pain_rising"].format(first=rise.first, last=rise.last, count=rise.count)]
    lines.append(TEXTS["pain_doctor"].format(p8=items["P8"].text, sources="; ".join(items["P8"].sources)))
    if rise.every_run:
        lines.append(TEXTS["pain_every_run"].format(p7=items["P7"].text, sources="; ".join(items["P7"].sources)))
    return lines


# ------------------------------------------------------------------ replies


def _as_record(checkin: Checkin, now: datetime) -> RunRecord:
    started = datetime.fromisoformat(checkin.started_at) if checkin.started_at else None
    return RunRecord(
        run_id=0,
        logged_at=now,
        distance_km=checkin.distance_km,
        duration_min=checkin.duration_min,
        surface=checkin.surface,
        effort=checkin.effort,
        pain_score=checkin.pain_score if checkin.has_pain else 0,
        pain_where=tuple(checkin.pain_where),
        pain_kind=tuple(checkin.pain_kind),
        tier=None,
        started_at=started,
    )


def after_checkin(
    ctx: Context, checkin: Checkin, result: TriageResult, shown: Sequence[Reply] = ()
) -> list[Reply]:
    """Adds the load and pain-trend notes under a check-in's advice (none under a doctor tier)."""
    if result.tier in DOCTOR_TIERS:
        return []  # the triage answer already sends them to a clinician and pauses running advice
    runs = [*ctx.store.runs_since(ctx.address, ctx.now - LOOKBACK), _as_record(checkin, ctx.now)]
    # The weekly-load note is not shown here: week-to-week ratios did not predict injury (Frandsen et al.
    # 2025); the single-run spike check (dialogs.coach_replies) did, so that one is.
    from dialogs import coach_replies

    lines = coach_replies.checkin_notes(ctx, checkin, runs[-1], result.tier)
    lines += pain_notes(pain_rise(runs, ctx.now))
    return [Reply(text="\n\n".join(lines), kind="advice")] if lines else []


def draw_chart(weeks: list[Week], units: str) -> bytes | None:
    """Returns the progress chart as PNG, or None when the optional charts extra is not installed."""
    from dialogs import charts  # Pillow loads only when a chart is drawn

    try:
        return charts.progress_chart(pad(weeks), units)
    except charts.ChartsUnavailable:
        logger.warning("no chart: Pillow is not installed (install backstride[charts])")
        return None


def progress_replies(ctx: Context) -> list[Reply]:
    """Answers /progress: the chart with its caption, or why there is no chart yet."""
    runs = ctx.store.recent_runs(ctx.address, limit=0)
    if not runs:
        return [Reply(text=TEXTS["no_runs"])]
    weeks = weekly(runs, ctx.now, ctx.profile.timezone)
    have = weeks_with_data(weeks)
    if have < MIN_WEEKS_WITH_DATA:
        return [Reply(text=TEXTS["too_little"].format(weeks="one" if have == 1 else "none in the last 12 weeks"))]
    said = trend(weeks, ctx.profile.units)
    image = draw_chart(weeks, ctx.profile.units)
    caption = said.caption if image is not None else f"{said.caption}\n\n{TEXTS['no_charts']}"
    replies = [Reply(text=caption, image=image)]
    notes = load_notes(training_load(runs, ctx.now), ctx.profile.units) + pain_notes(pain_rise(runs, ctx.now))
    if notes:
        replies.append(Reply(text="\n\n".join(notes), kind="advice"))
    logger.info("progress chart: %d weeks", len(weeks))
    logger.debug("progress trend: distance=%s pain=%s", said.distance, said.pain)  # pain: DEBUG only
    return replies


__all__ = [
    "Week",
    "Trend",
    "LoadJump",
    "PainRise",
    "weekly",
    "pad",
    "trend",
    "training_load",
    "pain_rise",
    "load_notes",
    "pain_notes",
    "after_checkin",
    "progress_replies",
    "draw_chart",
]
