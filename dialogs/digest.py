"""What the weekly digest and the club summary say, as pure functions of stored runs.

The reminder dispatcher decides when to send them and to whom; this module
only decides the content:

- `weekly_digest`: a runner's week (runs, distance, pain trend, what changed in
  their coaching: next-run suggestions kept to, next-morning pain, single-run
  spikes, the return plan's step; one tip chosen from what they reported, and
  the progress chart). Private: it mentions pain.
- `club_summary`: a group's week as anonymous counts. No name, id or single
  runner's figure ever appears, and nothing is said when fewer than
  `MIN_MEMBERS` members checked in, so nobody can be picked out.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone

from dialogs import progress, timezones
from dialogs.clock import as_utc
from dialogs.guidance import load
from dialogs.messages import Reply, Visibility
from dialogs.models import HARD_SURFACES, LEG_PLACES, PainKind, Profile, RunRecord
from dialogs.ports import CoachEvent
from dialogs.units import format_distance

logger = logging.getLogger(__name__)

MIN_MEMBERS = 3  # the anonymity floor for the club summary
PAIN_SAME = 0.75  # points: a smaller change in the weekly average reads as "about the same"

TEXTS = {
    "digest_head": "Your week ({first}–{last}): {runs} {run_word}, {distance} in total.",
    "pain_free": "No back pain reported this week. Nice.",
    "pain_week": "Back pain this week: average {avg}/10, worst {worst}/10{compare}.",
    "pain_lower": ", lower than the week before ({before}/10)",
    "pain_higher": ", higher than the week before ({before}/10)",
    "pain_same": ", about the same as the week before",
    "tip": "Tip for next week: {text} (Source: {sources})",
    "chart_caption": "The chart shows your last weeks. {caption}",
    "club_head": "This week in the club: {members} members checked in and logged {runs} runs, {distance} together.",
    "club_pain_free": "{n} ran without any back pain.",
    "club_stiff": "{n} reported stiffness.",
    "club_pain": "{n} reported some back pain; if that's you, a private /checkin gets you tailored advice.",
    "club_tip": "Stiff backs like a proper warm-up: /stretches warmup shows one.",
}


def _week_bounds(now: datetime, zone: str) -> tuple[date, date]:
    start = progress.monday(timezones.local(as_utc(now), zone).date())
    return start, start + timedelta(days=6)


def week_runs(runs: Sequence[RunRecord], now: datetime, zone: str) -> list[RunRecord]:
    """The runs of the local Monday-to-Sunday week that contains `now`, oldest first."""
    first, last = _week_bounds(now, zone)
    inside = [r for r in runs if first <= timezones.local(progress.run_time(r), zone).date() <= last]
    return sorted(inside, key=progress.run_time)


def choose_tip(week: Sequence[RunRecord], history: Sequence[RunRecord], now: datetime) -> str:
    """Returns one guidance id that fits what the runner reported this week, most pressing first."""
    pains = [r.pain_score or 0 for r in week]
    places = {p for r in week for p in r.pain_where}
    kinds = {k for r in week for k in r.pain_kind}
    jump = progress.training_load(list(history), now)
    if places & {p.value for p in LEG_PLACES}:
        return "P6"
    if progress.pain_rise(list(history), now):
        return "P8"
    if jump is not None and jump.any:
        return "C4"
    if PainKind.STIFFNESS.value in kinds:
        return "W5"
    if any(pains) and any(r.surface in {s.value for s in HARD_SURFACES} for r in week):
        return "S1"
    if any(pains) and any(r.effort == "hard" for r in week):
        return "P5"
    if any(pains):
        return "P4"
    return "A2" if len(week) >= 3 else "C1"


def _utc_bounds(now: datetime, zone: str, weeks_back: int = 0) -> tuple[datetime, datetime]:
    first, _ = _week_bounds(now - timedelta(weeks=weeks_back), zone)
    start = datetime.combine(first, time(0), tzinfo=timezones.zone(zone)).astimezone(timezone.utc)
    end = datetime.combine(first + timedelta(days=7), time(0), tzinfo=timezones.zone(zone)).astimezone(timezone.utc)
    return start, end


def _mornings(events: Sequence[CoachEvent], start: datetime, end: datetime) -> tuple[int, int]:
    """(settled, checked) next-morning answers between start and end."""
    found = [e for e in events if e.kind == "morning" and start <= as_utc(e.at) < end]
    return sum(1 for e in found if e.data.get("settled")), len(found)


def what_changed(runs: Sequence[RunRecord], events: Sequence[CoachEvent], now: datetime, profile: Profile) -> list[str]:
    """The coaching lines of the digest: suggestions kept to, next-morning pain, spikes, the return plan."""
    from dialogs import coaching, return_to_run

    start, end = _utc_bounds(now, profile.timezone)
    lines = []
    kept, made = coaching.suggestions_followed(runs, events, start, end)
    if made:
        lines.append(coaching.say("digest", "followed", followed=kept, made=made))
    settled, checked = _mornings(events, start, end)
    if checked:
        compare = ""
        before, before_n = _mornings(events, *_utc_bounds(now, profile.timezone, weeks_back=1))
        if before_n:
            share, before_share = settled / checked, before / before_n
            if share != before_share:
                key = "mornings_better" if share > before_share else "mornings_worse"
                compare = coaching.say("digest", key, before=before, before_n=before_n)
        lines.append(coaching.say("digest", "mornings", settled=settled, checked=checked, compare=compare))
    found = coaching.spikes(runs, start, end)
    if found:
        run, pct = max(found, key=lambda item: item[1])
        word = "run" if len(found) == 1 else "runs"
        distance = format_distance(run.distance_km, profile.units)
        lines.append(coaching.say("spike", "digest", count=len(found), run_word=word, distance=distance, pct=pct))
    plan = return_to_run.state(runs, events)
    if plan is not None and not plan.done and not coaching.blocked(runs, events):
        lines.append(coaching.say("digest", "return_step", step=plan.step, total=plan.total))
    return lines


def weekly_digest(
    runs: Sequence[RunRecord],
    profile: Profile,
    now: datetime,
    draw_chart: bool = True,
    events: Sequence[CoachEvent] = (),
) -> list[Reply]:
    """Returns the Sunday digest for one runner, or nothing when they logged no run this week."""
    zone, units = profile.timezone, profile.units
    week = week_runs(runs, now, zone)
    if not week:
        return []
    first, last = _week_bounds(now, zone)
    lines = [
        TEXTS["digest_head"].format(
            first=f"{first.day} {first:%b}",
            last=f"{last.day} {last:%b}",
            runs=len(week),
            run_word="run" if len(week) == 1 else "runs",
            distance=format_distance(sum(r.distance_km or 0.0 for r in week), units),
        )
    ]
    pains = [r.pain_score or 0 for r in week]
    if not any(pains):
        lines.append(TEXTS["pain_free"])
    else:
        avg = statistics.fmean(pains)
        before = week_runs(runs, now - timedelta(days=7), zone)
        compare = ""
        if before:
            b_avg = statistics.fmean(r.pain_score or 0 for r in before)
            if abs(avg - b_avg) < PAIN_SAME:
                compare = TEXTS["pain_same"]
            else:
                compare = TEXTS["pain_lower" if avg < b_avg else "pain_higher"].format(before=f"{b_avg:.1f}")
        lines.append(TEXTS["pain_week"].format(avg=f"{avg:.1f}", worst=max(pains), compare=compare))
    changed = what_changed(runs, events, now, profile)
    if changed:
        lines.append("\n".join(changed))
    item = load().items[choose_tip(week, runs, now)]
    lines.append(TEXTS["tip"].format(text=item.text, sources="; ".join(item.sources)))

    image = None
    weeks = progress.weekly(list(runs), now, zone)
    if draw_chart and progress.weeks_with_data(weeks) >= progress.MIN_WEEKS_WITH_DATA:
        image = progress.draw_chart(weeks, units)
        caption = progress.trend(weeks, units).caption
        # without the [charts] extra the digest keeps the trend in words
        lines.append(TEXTS["chart_caption"].format(caption=caption) if image is not None else caption)
    return [Reply(text="\n\n".join(lines), image=image, visibility=Visibility.PRIVATE, kind="digest")]


def club_summary(
    member_runs: Mapping[str, Sequence[RunRecord]], now: datetime, zone: str = "UTC", units: str = "km"
) -> Reply | None:
    """Returns the club's anonymous weekly counts, or None when fewer than three members checked in.

    `member_runs` maps an opaque member key to that member's runs; the keys are
    only counted, never shown.
    """
    weeks = {key: week_runs(runs, now, zone) for key, runs in member_runs.items()}
    active = {key: runs for key, runs in weeks.items() if runs}
    if len(active) < MIN_MEMBERS:
        logger.info("club summary withheld: %d members checked in (floor %d)", len(active), MIN_MEMBERS)
        return None
    all_runs = [r for runs in active.values() for r in runs]
    pain_free = sum(1 for runs in active.values() if not any(r.pain_score for r in runs))
    stiff = sum(1 for runs in active.values() if any(PainKind.STIFFNESS.value in r.pain_kind for r in runs))
    sore = len(active) - pain_free
    lines = [
        TEXTS["club_head"].format(
            members=len(active),
            runs=len(all_runs),
            distance=format_distance(sum(r.distance_km or 0.0 for r in all_runs), units),
        )
    ]
    if pain_free:
        lines.append(TEXTS["club_pain_free"].format(n=pain_free))
    if stiff:
        lines.append(TEXTS["club_stiff"].format(n=stiff))
    if sore:
        lines.append(TEXTS["club_pain"].format(n=sore))
    if stiff:
        lines.append(TEXTS["club_tip"])
    return Reply(text=" ".join(lines), visibility=Visibility.ANYWHERE, kind="club_summary")
