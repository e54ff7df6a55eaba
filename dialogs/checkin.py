"""The post-run check-in: distance, time, surface, effort, pain, warning signs, advice.

Free text fills every slot it can; the coach then asks only for what is
missing, one question at a time, in the order of `QUESTIONS`. Whenever pain
is reported the warning-sign screen (dialogs/safety/screen.py) follows, group
by group; an unclear word that might be a sign is asked about first; and an
emergency sign, whenever it appears, ends the check-in with the emergency
message alone.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from dialogs import advice, coaching, dates, parsing, progress, timezones
from dialogs.flow import Context, InputError, NotUnderstood, Outcome, Question, ask, fresh, idle, read_answer
from dialogs.messages import Incoming
from dialogs.models import EMERGENCY_SIGNS, Checkin, PainKind, Profile, Tier
from dialogs.safety import screen, signs
from dialogs.safety.care import services_for
from dialogs.ports import Conversation, NewRun
from dialogs.triage import triage
from dialogs.units import format_distance, format_duration

logger = logging.getLogger(__name__)

PREFIX = "checkin"
MIN_PACE_MIN_PER_KM = 2.5  # faster than any human over distance
SKIPPABLE = {"distance_km", "duration_min", "effort"}
SKIP_WORDS = {"skip", "don't know", "dont know", "not sure", "no idea", "?"}

SURFACE_OPTIONS = (
    ("Road / concrete", "road"),
    ("Track", "track"),
    ("Trail / gravel", "trail"),
    ("Grass", "grass"),
    ("Treadmill", "treadmill"),
    ("Mixed", "mixed"),
)
def _bool(value: str) -> bool:
    return value == "yes"


def _text_parser(fn: Any, *extra: Any) -> Any:
    return lambda text, ctx: fn(text, *extra)


QUESTIONS: dict[str, Question] = {
    q.slot: q
    for q in (
        Question(
            slot="distance_km",
            prompt="How far did you run? (for example 8 km, 5k or 3 miles; say skip if you don't know)",
            parse=lambda text, ctx: parsing.parse_distance(text, ctx.profile.units),
            reask="I couldn't find a distance in that. Try something like 8 km, 5k or 3 miles.",
        ),
        Question(
            slot="duration_min",
            prompt="How long were you out? (for example 45 min, 1h10 or 1:05:30)",
            parse=_text_parser(parsing.parse_duration),
            reask="I couldn't read a time in that. Try 45 min, 1h10 or 1:05:30.",
        ),
        Question(
            slot="surface",
            prompt="What did you run on?",
            options=SURFACE_OPTIONS,
            parse=_text_parser(parsing.parse_surface),
            reask="Which surface was it? Tap one of the options or type road, track, trail, grass, treadmill or mixed.",
        ),
        Question(
            slot="effort",
            prompt="How hard did it feel?",
            options=(("Easy", "easy"), ("Moderate", "moderate"), ("Hard", "hard")),
            parse=_text_parser(parsing.parse_effort),
            reask="How hard was it: easy, moderate or hard? A number from 1 to 10 works too.",
        ),
        Question(
            slot="has_pain",
            prompt="Did anything hurt, during or after the run?",
            options=(("No pain", "no"), ("Something hurts", "yes")),
            parse=lambda text, ctx: parsing.parse_has_pain(text) if parsing.parse_yes_no(text) is None
            else parsing.parse_yes_no(text),
            convert=_bool,
            reask="Did anything hurt? Tap No pain or Something hurts.",
        ),
        Question(
            slot="pain_where",
            prompt="Where is it?",
            options=(
                ("Low back, middle", "low_back_centre"),
                ("Low back, one side", "low_back_side"),
                ("Upper back", "upper_back"),
                ("Buttock", "buttock"),
                ("Leg above knee", "leg_above_knee"),
                ("Leg below knee", "leg_below_knee"),
                ("Both legs", "both_legs"),
            ),
            parse=lambda text, ctx: parsing.parse_pain_where(text) or None,
            convert=lambda v: [v],
            reask="Where does it hurt? Tap a place, or type something like 'lower back, left side'.",
            per_row=2,
        ),
        Question(
            slot="pain_score",
            prompt="How bad is it from 0 (nothing) to 10 (the worst you can imagine)?",
            options=tuple((str(n), str(n)) for n in range(11)),
            parse=_text_parser(parsing.parse_pain_score),
            convert=int,
            reask="Please give the pain a number from 0 to 10.",
            per_row=4,
        ),
        Question(
            slot="pain_kind",
            prompt="What does it feel like?",
            options=(
                ("Ache", "ache"),
                ("Stiffness", "stiffness"),
                ("Spasm", "spasm"),
                ("Sharp", "sharp"),
                ("Burning / tingling", "tingling"),
                ("Numbness", "numbness"),
            ),
            parse=lambda text, ctx: parsing.parse_pain_kind(text) or None,
            convert=lambda v: [v],
            reask="What kind of pain is it: ache, stiffness, spasm, sharp, burning/tingling or numbness?",
        ),
        Question(
            slot="pain_since_days",
            prompt="Since when?",
            options=(
                ("Today / this run", "0"),
                ("Yesterday", "1"),
                ("2–3 days", "3"),
                ("About a week", "7"),
                ("Longer", "30"),
            ),
            parse=_text_parser(parsing.parse_since_days),
            convert=int,
            reask="Since when has it hurt? For example: today, yesterday, 3 days, a week.",
        ),
        Question(
            slot="pain_trend",
            prompt="Since it started, is it getting better, staying the same, or getting worse?",
            options=(("Better", "better"), ("Same", "same"), ("Worse", "worse")),
            parse=_text_parser(parsing.parse_trend),
            reask="Is it getting better, staying the same, or getting worse?",
        ),
        Question(
            slot="eases_with_warmup",
            prompt="Does it ease off once you are warmed up and moving?",
            options=(("Yes, it eases", "yes"), ("No", "no")),
            parse=_text_parser(parsing.parse_yes_no),
            convert=_bool,
            reask="Does it ease once you've warmed up? Yes or no.",
        ),
    )
}


def _load(conversation: Conversation) -> tuple[Checkin, dict[str, Any]]:
    data = conversation.data
    return Checkin.from_dict(data.get("checkin", {})), data


def _store(conversation: Conversation, checkin: Checkin, **flags: Any) -> None:
    conversation.data["checkin"] = checkin.to_dict()
    conversation.data.update(flags)


def _missing(checkin: Checkin, data: dict[str, Any], profile: Profile) -> str | None:
    """Returns the next slot to ask about, or None when the check-in is complete.

    A direct question about a possible warning sign comes before anything else.
    """
    screening = data.setdefault("screen", screen.initial_state(""))
    pending = screen.pending_confirm(screening)
    if pending is not None:
        return pending
    skipped = set(data.get("skipped", []))
    for slot in ("distance_km", "duration_min", "surface", "effort", "has_pain"):
        if getattr(checkin, slot) is None and slot not in skipped:
            return slot
    if not checkin.has_pain:
        return None
    if not checkin.pain_where:
        return "pain_where"
    if checkin.pain_score is None:
        return "pain_score"
    if not checkin.pain_kind:
        return "pain_kind"
    if checkin.pain_since_days is None:
        return "pain_since_days"
    if checkin.pain_trend is None:
        return "pain_trend"
    if checkin.eases_with_warmup is None and {PainKind.STIFFNESS.value, PainKind.ACHE.value} & set(checkin.pain_kind):
        return "eases_with_warmup"
    slot = screen.next_slot(checkin, profile, screening)
    if slot is None:
        checkin.signs_checked = True
    return slot


def _merge(checkin: Checkin, values: dict[str, Any]) -> None:
    """Copies extracted values into empty slots; signs always accumulate."""
    for key, value in values.items():
        if key == "signs":
            checkin.signs = sorted(set(checkin.signs) | set(value))
        elif key in ("pain_where", "pain_kind"):
            if not getattr(checkin, key):
                setattr(checkin, key, list(value))
        elif hasattr(checkin, key) and getattr(checkin, key) is None:
            setattr(checkin, key, value)
    if checkin.pain_score == 0 and checkin.has_pain is None:
        checkin.has_pain = False
    if (checkin.pain_where or checkin.pain_kind or checkin.pain_score) and checkin.has_pain is None:
        checkin.has_pain = True


def _apply(checkin: Checkin, data: dict[str, Any], slot: str, value: Any, profile: Profile) -> tuple[Profile, str]:
    """Stores one answered slot; returns the profile (changed if a health fact was answered) and a note."""
    if screen.is_safety_slot(slot):
        answer = screen.apply(slot, value, profile, data.setdefault("screen", screen.initial_state("")))
        checkin.signs = sorted(set(checkin.signs) | set(answer.signs))
        return answer.profile or profile, answer.note
    if slot == "effort":
        if isinstance(value, tuple):
            checkin.effort, checkin.effort_score = value
        else:
            checkin.effort = value
    else:
        setattr(checkin, slot, value)
    if slot == "has_pain" and value is False:
        checkin.pain_where, checkin.pain_kind, checkin.pain_score = [], [], 0
    return profile, ""


def _check_pace(checkin: Checkin, slot: str) -> None:
    if checkin.distance_km and checkin.duration_min:
        if checkin.duration_min / checkin.distance_km < MIN_PACE_MIN_PER_KM:
            wrong = "duration_min" if slot == "duration_min" else "distance_km"
            setattr(checkin, wrong, None)
            raise InputError(
                "That pace would beat the world record, so one of the numbers must be off. "
                + ("How long did it take?" if wrong == "duration_min" else "How far did you go?")
            )


def has_emergency(checkin: Checkin) -> bool:
    return bool(set(checkin.signs) & {s.value for s in EMERGENCY_SIGNS})


def start(ctx: Context, text: str = "", extraction: parsing.Extraction | None = None) -> Outcome:
    """Starts a check-in, filling in whatever the opening text already says (`extraction`: already read from it)."""
    conversation = fresh(ctx.conversation)
    conversation.data = {"checkin": Checkin().to_dict(), "skipped": [], "screen": screen.initial_state(text)}
    checkin = Checkin()
    notes: list[str] = []
    if text:
        extraction = extraction or parsing.extract(text, ctx.profile.units)
        _merge(checkin, extraction.values)
        notes.extend(extraction.problems)
        try:
            _check_pace(checkin, "duration_min")
        except InputError as problem:
            notes.append(str(problem).split(".")[0] + ".")
        date_notes = _past_day(checkin, text, ctx)  # coaching hook: "yesterday", "on Saturday", a date
        notes.extend(date_notes)
        conversation.data["date_note"] = " ".join(n for n in date_notes if not n.startswith("Filed under"))
    _store(conversation, checkin)
    intro = "Let's log your run." if not text else _heard(checkin, ctx)
    return _advance(ctx, conversation, checkin, " ".join([intro, *notes]).strip())


def start_prefilled(ctx: Context, prefilled: Checkin, intro: str) -> Outcome:
    """Starts a check-in with slots already known (an imported run file); asks only the rest."""
    conversation = fresh(ctx.conversation)
    conversation.data = {"checkin": prefilled.to_dict(), "skipped": [], "screen": screen.initial_state("")}
    return _advance(ctx, conversation, prefilled, intro)


def _question(slot: str, profile: Profile) -> Question | None:
    if screen.is_safety_slot(slot):
        try:
            return screen.question(slot, profile)
        except (KeyError, IndexError, ValueError):
            return None
    return QUESTIONS.get(slot)


def _note_unclear(data: dict[str, Any], text: str) -> None:
    """Queues a direct question for any unclear warning-sign word in typed text."""
    screening = data.setdefault("screen", screen.initial_state(""))
    for key in signs.find(text).ask:
        if key not in screening["ask"]:
            screening["ask"].append(key)


def _past_day(checkin: Checkin, text: str, ctx: Context) -> list[str]:
    """Files the run under the day the text names (dialogs.dates); returns a note saying which, or why not."""
    try:
        started = dates.started_for(text, ctx.profile.timezone, ctx.now)
    except dates.DateProblem as problem:
        return [f"{problem} I'll file it under today; /edit changes the date later."]
    if started is None or checkin.started_at:
        return []
    checkin.started_at = started
    day = timezones.local(datetime.fromisoformat(started), ctx.profile.timezone)
    return [f"Filed under {day:%a %d %b}."]


def step(ctx: Context, incoming: Incoming) -> Outcome:
    """Stores the answer to the current question and asks the next one."""
    conversation = fresh(ctx.conversation)
    checkin, data = _load(conversation)
    profile = ctx.profile
    slot = conversation.state.partition(":")[2]
    question = _question(slot, profile)
    if question is None:
        logger.warning("unknown check-in slot %r; restarting the question order", slot)
        return _advance(ctx, conversation, checkin, "")
    typed = incoming.text if incoming.kind == "text" else ""
    if typed:
        _note_unclear(data, typed)
    if typed and typed.strip().lower() in SKIP_WORDS and slot in SKIPPABLE:
        data.setdefault("skipped", []).append(slot)
        _store(conversation, checkin)
        return _advance(ctx, conversation, checkin, "Fine, skipped.")
    try:
        value = read_answer(question, incoming, ctx)
        profile, note = _apply(checkin, data, slot, value, profile)
        _check_pace(checkin, slot)
    except InputError as problem:
        _store(conversation, checkin)
        return Outcome([ask(conversation, question, prefix=str(problem), bump=False)], conversation)
    except NotUnderstood:
        extraction = parsing.extract(typed, profile.units) if typed else None
        if extraction and extraction.values:
            _merge(checkin, extraction.values)
            _store(conversation, checkin)
            if has_emergency(checkin) or _missing(checkin, data, profile) != slot:
                return _advance(ctx, conversation, checkin, "Noted.")
        _store(conversation, checkin)
        return Outcome([ask(conversation, question, prefix=question.reask, bump=False)], conversation)
    if typed:
        values = parsing.extract(typed, profile.units).values
        if screen.is_safety_slot(slot):
            values = {"signs": values.get("signs", [])}  # "no" to a screen question is not a run report
        _merge(checkin, values)
    _store(conversation, checkin)
    changed = profile if profile is not ctx.profile else None
    return _advance(ctx, conversation, checkin, note, changed)


def _advance(ctx: Context, conversation: Conversation, checkin: Checkin, prefix: str, profile: Profile | None = None) -> Outcome:
    current = profile or ctx.profile
    if has_emergency(checkin):
        return _finish(ctx, conversation, checkin, profile)
    screening = conversation.data.setdefault("screen", screen.initial_state(""))
    if checkin.has_pain and checkin.pain_trend is not None and "full" not in screening:
        history = ctx.store.recent_runs(ctx.address, limit=5)
        screening["full"] = screen.full_screen_needed(checkin, history, ctx.now)
    slot = _missing(checkin, conversation.data, current)
    _store(conversation, checkin)
    if slot is None:
        return _finish(ctx, conversation, checkin, profile)
    question = _question(slot, current)
    assert question is not None, slot
    conversation.state = f"{PREFIX}:{slot}"
    return Outcome([ask(conversation, question, prefix=prefix)], conversation, profile=profile)


def _finish(ctx: Context, conversation: Conversation, checkin: Checkin, profile: Profile | None = None) -> Outcome:
    """Triages, logs the run and answers with the emergency message or tailored advice."""
    current = profile or ctx.profile
    checkin.age_band, checkin.risks = current.age_band, list(current.risks)
    result = triage(checkin)
    care = services_for(current)
    if result.tier is Tier.EMERGENCY:
        replies = [advice.emergency_reply(care)]
    else:
        if result.tier not in progress.DOCTOR_TIERS:  # the notes below read the coaching window: read it first,
            ctx.store.runs_since(ctx.address, ctx.now - coaching.HISTORY)  # so the latest ten come from it too
        history = ctx.store.recent_runs(ctx.address, limit=10)
        opening = " ".join(t for t in (summary(checkin, ctx), conversation.data.get("date_note")) if t)
        replies = advice.build_advice(checkin, current, result, history, care=care, opening=opening)
        notes = progress.after_checkin(ctx, checkin, result, replies)  # spike and pain-trend notes
        replies = advice.compact(replies, notes, care)
    logger.info("check-in complete")  # the tier and rules are health data: DEBUG only
    logger.debug("check-in triage: tier=%s rules=%s", result.tier.value, ",".join(result.rules))
    return Outcome(
        replies, idle(conversation), profile=profile, effects=[NewRun(checkin=checkin, result=result, logged_at=ctx.now)]
    )


def escalate(ctx: Context, found: list[str]) -> Outcome:
    """Ends the check-in at once with the emergency answer for signs written mid-flow."""
    conversation = fresh(ctx.conversation)
    checkin, _ = _load(conversation)
    checkin.signs = sorted(set(checkin.signs) | set(found))
    return _finish(ctx, conversation, checkin)


def _heard(checkin: Checkin, ctx: Context) -> str:
    parts = []
    if checkin.distance_km:
        parts.append(format_distance(checkin.distance_km, ctx.profile.units))
    if checkin.duration_min:
        parts.append(f"in {format_duration(checkin.duration_min)}")
    if checkin.surface:
        parts.append(f"on {checkin.surface}")
    return f"Got it: {' '.join(parts)}." if parts else "Let's log your run."


def summary(checkin: Checkin, ctx: Context) -> str:
    """Returns one line saying what was logged."""
    bits = [_heard(checkin, ctx).removeprefix("Got it: ").rstrip(".")] if checkin.distance_km else []
    if checkin.effort:
        bits.append(f"{checkin.effort} effort")
    if checkin.has_pain:
        bits.append(f"pain {checkin.pain_score}/10")
    else:
        bits.append("no pain")
    if checkin.started_at and checkin.source is None:  # a past day told in chat: say which day it is filed under
        day = timezones.local(datetime.fromisoformat(checkin.started_at), ctx.profile.timezone)
        bits.append(f"filed under {day:%a %d %b}")
    return "Logged: " + ", ".join(b for b in bits if b) + "."
