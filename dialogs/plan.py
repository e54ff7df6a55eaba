"""Reminders, the coach's side: /plan, /reminders, /pause, /resume, follow-up and snooze buttons.

The schedule arithmetic is in dialogs/reminders/schedule.py, the reminder texts
in dialogs/reminders/texts.py.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from typing import Any

from dialogs import parsing, timezones
from dialogs.flow import Context, NotUnderstood, Outcome, Question, ask, fresh, idle, read_answer
from dialogs.messages import Incoming, Reply
from dialogs.ports import PlanInfo, ReminderReply, SetPlan
from dialogs.reminders.schedule import FOLLOWUP_DELAY, SNOOZES, in_quiet, wall_to_utc
from dialogs.reminders.texts import ANSWER_TEXTS, FOLLOWUP_ANSWERS, see_doctor_text

logger = logging.getLogger(__name__)

PREFIX = "plan"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MAX_SLOTS = 14
LEAD_RANGE = (5, 180)

# ------------------------------------------------------------------ reading a plan

_DAY_WORDS = {
    **{d.lower(): (i,) for i, d in enumerate(DAYS)},
    **{name: (i,) for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    "tues": (1,), "wednes": (2,), "thur": (3,), "thurs": (3,),
    "weekdays": (0, 1, 2, 3, 4), "weekends": (5, 6), "weekend": (5, 6),
    "daily": tuple(range(7)), "everyday": tuple(range(7)),
}  # fmt: skip
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(am|pm)?$")
_FILLER = {"and", "&", "at", "on", "every", "+", "-"}


def parse_time(token: str) -> str | None:
    """Reads "07:00", "7.30", "7am", "6:45pm" as "HH:MM"; None if it is not a time."""
    match = _TIME.match(token.strip().lower())
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if match.group(2) is None and half is None:
        return None  # a bare number is not a time
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def parse_slots(text: str, ctx: Context | None = None) -> tuple[tuple[int, str], ...] | None:
    """Reads "Mon Wed 07:00, Sat 09:30" into sorted (weekday, "HH:MM") pairs.

    Raises InputError for days without a time; None when nothing was recognised.
    """
    tokens = re.findall(r"[a-z]+|\d{1,2}(?:[:.h]\d{2})?(?:am|pm)?", text.lower().replace("every day", "everyday"))
    slots: set[tuple[int, str]] = set()
    days: list[int] = []
    for token in tokens:
        at = parse_time(token)
        if at is not None:
            if not days:
                raise parsing.InputError(f"Which day is the {at} run? For example: Mon Wed 07:00, Sat 09:30.")
            slots.update((d, at) for d in days)
            days = []
            continue
        day = _DAY_WORDS.get(token) or next(
            (v for k, v in _DAY_WORDS.items() if len(token) >= 3 and k.startswith(token)), None
        )
        if day is not None:
            days.extend(day)
        elif token not in _FILLER:
            return None
    if days:
        named = ", ".join(DAYS[d] for d in dict.fromkeys(days))
        raise parsing.InputError(f"What time on {named}? For example: {DAYS[days[0]]} 07:00.")
    if not slots:
        return None
    if len(slots) > MAX_SLOTS:
        raise parsing.InputError(f"That's more than {MAX_SLOTS} runs a week; please list up to {MAX_SLOTS}.")
    return tuple(sorted(slots))


def describe_slots(slots: tuple[tuple[int, str], ...]) -> str:
    """Writes slots back grouped by time: "Mon Wed 07:00, Sat 09:30"."""
    by_time: dict[str, list[int]] = {}
    for day, at in sorted(slots, key=lambda s: (s[1], s[0])):
        by_time.setdefault(at, []).append(day)
    groups = sorted(by_time.items(), key=lambda item: min(item[1]))
    return ", ".join(" ".join(DAYS[d] for d in days) + f" {at}" for at, days in groups) or "no planned runs"


def _parse_lead(text: str, ctx: Context) -> int | None:
    digits = re.findall(r"\d+", text)
    if not digits:
        return None
    if re.search(r"-\s*\d", text):
        raise parsing.InputError(f"A warm-up can't come after the run starts: pick {LEAD_RANGE[0]} to {LEAD_RANGE[1]} minutes before it.")
    minutes = int(digits[0]) * (60 if re.search(r"\bh(ou)?r", text.lower()) else 1)
    if not LEAD_RANGE[0] <= minutes <= LEAD_RANGE[1]:
        raise parsing.InputError(f"Pick between {LEAD_RANGE[0]} and {LEAD_RANGE[1]} minutes before the run.")
    return minutes


def _parse_daily(text: str, ctx: Context) -> str | None:
    if text.strip().lower() in ("off", "no", "none", "never"):
        return "off"
    return parse_time(text.strip().replace(" ", ""))


QUESTIONS: dict[str, Question] = {
    q.slot: q
    for q in (
        Question(
            slot="slots",
            prompt=(
                "Which days and times do you usually run? Your local time, for example:\n"
                "Mon Wed 07:00, Sat 09:30"
            ),
            options=(("No planned runs", "none"),),
            parse=parse_slots,
            reask="Days then a 24-hour time, for example: Mon Wed 07:00, Sat 09:30.",
        ),
        Question(
            slot="lead",
            prompt="How long before each run should the warm-up reminder come?",
            options=(("15 min", "15"), ("30 min", "30"), ("45 min", "45"), ("1 hour", "60")),
            parse=_parse_lead,
            convert=int,
            reask="Tap one of the options, or type the minutes (e.g. 20).",
            per_row=4,
        ),
        Question(
            slot="daily",
            prompt="Would you like a daily check-in reminder too? Pick a time or type one (e.g. 20:30).",
            options=(("No thanks", "off"), ("19:00", "19:00"), ("20:00", "20:00"), ("21:00", "21:00")),
            parse=_parse_daily,
            reask="Type a time like 20:30, or tap No thanks.",
            per_row=4,
        ),
    )
}
ORDER = list(QUESTIONS)


# ------------------------------------------------------------------ the commands


def _say(ctx: Context, text: str) -> Outcome:
    return Outcome([Reply(text=text)], fresh(ctx.conversation))


def _needs_profile(ctx: Context) -> Outcome | None:
    if ctx.known:
        return None
    return _say(ctx, "Let's get to know each other first: send /start.")


def summary(plan: PlanInfo, zone_name: str) -> str:
    """Describes the plan in the runner's words and zone."""
    lines = [
        f"Planned runs: {describe_slots(plan.slots)} ({zone_name})",
        f"Warm-up reminder: {plan.lead_min} min before each run",
        f"After-run check-in: {plan.after_min // 60} h after the start, unless you've already checked in",
        f"Daily check-in: {plan.daily or 'off'}",
        "Quiet hours: " + ("off" if plan.quiet_start == plan.quiet_end else f"{plan.quiet_start}–{plan.quiet_end}"),
    ]
    if plan.paused:
        lines.append("All reminders are paused (/resume to restart them).")
    return "\n".join(lines)


def _quiet_warning(plan: PlanInfo) -> str:
    clash = [
        f"{DAYS[d]} {at}"
        for d, at in plan.slots
        if in_quiet(wall_to_utc(date(2026, 1, 5 + d), at, "UTC") - timedelta(minutes=plan.lead_min), "UTC", plan.quiet_start, plan.quiet_end)
    ]
    if not clash:
        return ""
    return (
        f"\n\nNote: the warm-up for {', '.join(clash)} falls in your quiet hours "
        f"({plan.quiet_start}–{plan.quiet_end}): it waits until {plan.quiet_end}, "
        "or is skipped if your run has started by then. "
        "Change quiet hours with /plan quiet 23:00-06:00 (or /plan quiet off)."
    )


def _save(ctx: Context, plan: PlanInfo, note: str = "") -> Outcome:
    """Says the saved plan back, and asks for it to be stored."""
    logger.info("plan saved: %d slots, lead %d, daily %s", len(plan.slots), plan.lead_min, plan.daily)
    text = (note + "\n\n" if note else "") + summary(plan, ctx.profile.timezone) + _quiet_warning(plan)
    return Outcome([Reply(text=text)], fresh(ctx.conversation), effects=[SetPlan(plan, ctx.now)])


def _replace(plan: PlanInfo, **changes: Any) -> PlanInfo:
    return PlanInfo(**{**plan.__dict__, **changes})


def plan_command(ctx: Context, incoming: Incoming) -> Outcome:
    """Shows the next run and the plan and asks for runs, or applies "/plan Mon 07:00", "/plan warmup 45", "/plan daily 20:00|off", "/plan quiet 22:00-07:00|off", "/plan next 12 km|off", "/plan off"."""
    blocked = _needs_profile(ctx)
    if blocked:
        return blocked
    current = ctx.store.plan(ctx.address) or PlanInfo()
    action, _, rest = incoming.args.strip().partition(" ")
    action, rest = action.lower(), rest.strip()
    try:
        if action == "off":
            return _save(ctx, _replace(current, slots=(), daily=None), "Plan cleared: no run reminders.")
        if action in ("warmup", "warm-up", "lead"):
            lead = _parse_lead(rest, ctx)
            if lead is None:
                return _say(ctx, "How many minutes before the run? For example: /plan warmup 45")
            return _save(ctx, _replace(current, lead_min=lead), "Warm-up lead changed.")
        if action == "next":  # a planned distance for the next run, checked by the single-run spike guard
            from dialogs import coach_replies

            return coach_replies.plan_next(ctx, rest)
        if action == "daily":
            daily = _parse_daily(rest, ctx)
            if daily is None:
                return _say(ctx, "Which time? For example: /plan daily 20:30, or /plan daily off")
            return _save(ctx, _replace(current, daily=None if daily == "off" else daily), "Daily check-in updated.")
        if action == "quiet":
            if rest.lower() == "off":
                return _save(ctx, _replace(current, quiet_start="00:00", quiet_end="00:00"), "Quiet hours off.")
            parts = [parse_time(p) for p in re.split(r"\s*[-–]\s*|\s+to\s+|\s+", rest) if p]
            if len(parts) != 2 or None in parts:
                return _say(ctx, "Quiet hours as start-end, for example: /plan quiet 22:00-07:00 (or /plan quiet off)")
            start, end = parts
            return _save(ctx, _replace(current, quiet_start=start, quiet_end=end), "Quiet hours updated.")
        if incoming.args.strip():
            slots = parse_slots(incoming.args, ctx)
            if slots is None:
                return _say(ctx, QUESTIONS["slots"].reask)
            return _save(ctx, _replace(current, slots=slots), "Plan saved.")
    except parsing.InputError as problem:
        return _say(ctx, str(problem))
    conversation = fresh(ctx.conversation)
    conversation.state = f"{PREFIX}:{ORDER[0]}"
    conversation.data = {}
    intro = summary(current, ctx.profile.timezone) if ctx.store.plan(ctx.address) else ""
    return Outcome([*_coaching_reply(ctx), ask(conversation, QUESTIONS[ORDER[0]], prefix=intro)], conversation)


def _coaching_reply(ctx: Context) -> list[Reply]:
    """The next run as the coach sees it (dialogs.coach_replies), above the plan's question."""
    from dialogs import coach_replies

    lines, buttons = coach_replies.plan_lines(ctx)
    return [Reply(text="\n\n".join(lines), buttons=(buttons,) if buttons else ())] if lines else []


def step(ctx: Context, incoming: Incoming) -> Outcome:
    """Saves the answer to the current /plan question and asks the next one."""
    conversation = fresh(ctx.conversation)
    slot = conversation.state.partition(":")[2]
    question = QUESTIONS.get(slot)
    if question is None:
        return Outcome([Reply(text="Let's start that again: /plan.")], idle(conversation))
    try:
        value: Any = read_answer(question, incoming, ctx)
    except (NotUnderstood, parsing.InputError) as problem:
        note = str(problem) if isinstance(problem, parsing.InputError) else question.reask
        return Outcome([ask(conversation, question, prefix=note, bump=False)], conversation)
    current = ctx.store.plan(ctx.address) or PlanInfo()
    if slot == "slots":
        plan = _replace(current, slots=() if value == "none" else value)
    elif slot == "lead":
        plan = _replace(current, lead_min=value)
    else:
        plan = _replace(current, daily=None if value == "off" else value)
    effects = [SetPlan(plan, ctx.now)]
    position = ORDER.index(slot)
    if slot == "slots" and not plan.slots:
        position += 1  # no runs: no warm-up lead to ask about
    if position + 1 < len(ORDER):
        nxt = ORDER[position + 1]
        conversation.state = f"{PREFIX}:{nxt}"
        return Outcome([ask(conversation, QUESTIONS[nxt])], conversation, effects=effects)
    text = "Done. " + summary(plan, ctx.profile.timezone) + _quiet_warning(plan) + "\n\n/reminders shows what's coming up."
    return Outcome([Reply(text=text)], idle(conversation), effects=effects)


KIND_LABELS = {
    "warmup": "warm-up",
    "after_run": "after-run check-in",
    "daily": "daily check-in",
    "followup": "how's your back?",
    "digest": "weekly digest",
}


def reminders_command(ctx: Context, incoming: Incoming) -> Outcome:
    """Lists the runner's upcoming reminders in local time."""
    blocked = _needs_profile(ctx)
    if blocked:
        return blocked
    plan = ctx.store.plan(ctx.address)
    upcoming = ctx.store.scheduled(ctx.address, ctx.now)
    if not upcoming:
        text = "Nothing scheduled. /plan sets your usual run days and times."
    else:
        lines = [
            f"• {timezones.local(r.due_at, ctx.profile.timezone):%a %d %b %H:%M}: {KIND_LABELS.get(r.kind, r.kind)}"
            for r in upcoming
        ]
        text = f"Coming up ({ctx.profile.timezone}):\n" + "\n".join(lines)
    if plan and plan.paused:
        text += "\n\nReminders are paused; /resume turns them back on."
    return _say(ctx, text)


def pause_command(ctx: Context, incoming: Incoming) -> Outcome:
    """Pauses every reminder until /resume."""
    return _set_paused(ctx, True, "Paused: no reminders until you send /resume.")


def resume_command(ctx: Context, incoming: Incoming) -> Outcome:
    """Turns reminders back on."""
    return _set_paused(ctx, False, "Reminders are back on. /reminders shows what's next.")


def _set_paused(ctx: Context, paused: bool, text: str) -> Outcome:
    blocked = _needs_profile(ctx)
    if blocked:
        return blocked
    current = ctx.store.plan(ctx.address) or PlanInfo()
    return Outcome([Reply(text=text)], fresh(ctx.conversation), effects=[SetPlan(_replace(current, paused=paused), ctx.now)])


# ------------------------------------------------------------------ reminder buttons


def _reminder_id(payload: str, choices: tuple[str, ...]) -> tuple[int, str] | None:
    _, number, choice = (payload.split(":") + ["", ""])[:3]
    if not number.isdecimal() or choice not in choices:
        return None
    return int(number), choice


def followup_button(ctx: Context, incoming: Incoming) -> Outcome:
    """Reads a Better/Same/Worse answer to the runner's own follow-up and says what next."""
    parsed = _reminder_id(incoming.payload or "", tuple(v for _, v in FOLLOWUP_ANSWERS))
    info = ctx.store.followup(ctx.address, parsed[0]) if parsed else None
    if parsed is None or info is None or info.stage == 0:
        logger.warning("follow-up button refused for %s", ctx.address.runner_key)
        return _say(ctx, ANSWER_TEXTS["not_yours"])
    if info.answer is not None:
        return _say(ctx, ANSWER_TEXTS["done"])
    answer = parsed[1]
    next_due = None
    if answer == "better":
        text = ANSWER_TEXTS["better"]
    elif answer == "same" and info.stage == 1:
        text = ANSWER_TEXTS["same"]
        next_due = ctx.now + FOLLOWUP_DELAY[2]
    else:
        text = see_doctor_text()
    kind = "advice" if text == see_doctor_text() else "message"
    from dialogs import coach_replies

    coached = coach_replies.morning(ctx, answer, info.stage)
    if coached.replaces and answer == "better":
        text = ""  # the next-morning rule (or the doctor's check) says what next instead of the generic "ease back in"
    text = "\n\n".join(t for t in [text, *coached.lines] if t)
    buttons = (coached.buttons,) if coached.buttons else ()
    effects = [ReminderReply(info.reminder_id, answer=answer, next_due=next_due), *coached.effects]
    return Outcome([Reply(text=text, buttons=buttons, kind=kind)], fresh(ctx.conversation), effects=effects)


def snooze_button(ctx: Context, incoming: Incoming) -> Outcome:
    """Sends the runner's own reminder again in an hour or tomorrow."""
    parsed = _reminder_id(incoming.payload or "", tuple(SNOOZES))
    due = ctx.now + SNOOZES[parsed[1]] if parsed else None
    if parsed is None or due is None or not ctx.store.snoozable(ctx.address, parsed[0]):
        logger.warning("snooze button refused for %s", ctx.address.runner_key)
        return _say(ctx, ANSWER_TEXTS["not_yours"])
    local = timezones.local(due, ctx.profile.timezone)
    when = f"{local:%H:%M}" if parsed[1] == "1h" else f"{local:%a %H:%M}"
    reply = Reply(text=ANSWER_TEXTS["snoozed"].format(time=when))
    return Outcome([reply], fresh(ctx.conversation), effects=[ReminderReply(parsed[0], snooze_until=due)])

