"""Where the coaching rules reach the runner: the next-morning answer, the end of a check-in, /plan.

Each function reads the runner's runs and coaching events through the step's
context and returns replies (and, for the next-morning answer, the coaching
event to record); the rules themselves are in dialogs.coaching and
dialogs.return_to_run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from dialogs import coaching, parsing, return_to_run
from dialogs.flow import Context, Outcome, fresh
from dialogs.messages import Button, Reply
from dialogs.models import Checkin, RunRecord, Tier
from dialogs.ports import CoachEvent, CoachNote
from dialogs.units import format_distance

logger = logging.getLogger(__name__)


@dataclass
class Coached:
    """What the coach adds to a reply: lines of text, a row of buttons, events to record."""

    lines: list[str] = field(default_factory=list)
    buttons: tuple[Button, ...] = ()
    effects: list[CoachNote] = field(default_factory=list)
    replaces: bool = False  # the lines replace the generic "ease back in" answer (a doctor's check is outstanding)


def _history(ctx: Context) -> tuple[list[RunRecord], list[CoachEvent]]:
    since = ctx.now - coaching.HISTORY  # the coaching views look back this far, never the whole log
    return ctx.store.runs_since(ctx.address, since), ctx.store.coach_events(ctx.address, since)


def morning(ctx: Context, answer: str, stage: int) -> Coached:
    """Applies the next-morning rule to a follow-up answer (settled: "better", not settled: "same")."""
    runs, events = _history(ctx)
    if coaching.blocked(runs, events):
        return Coached(lines=[coaching.say("gate", "blocked")], buttons=coaching.clear_buttons(), replaces=True)
    pain_run = next((r for r in sorted(runs, key=lambda r: (r.logged_at, r.run_id), reverse=True) if r.pain_score), None)
    if pain_run is None or stage != 1 or answer not in ("better", "same"):
        return Coached()
    settled = answer == "better"
    pain = int(pain_run.pain_score or 0)
    fine = coaching.morning_verdict(pain, settled)
    plan_before = return_to_run.state(runs, events)
    resting = return_to_run.resting(runs, events)  # a rest tier: the return plan, not a normal run, comes next
    suggestion = coaching.suggest(pain_run, fine, coaching.longest_before(runs, ctx.now))
    data = {"pain": pain, "settled": settled, "fine": fine, **({} if resting else suggestion.to_data())}
    note = CoachNote(kind="morning", at=ctx.now, data=data, run_id=pain_run.run_id)
    lines = [coaching.morning_text(pain, settled)]
    if resting:
        lines.append(coaching.say("return", "offer" if settled else "rest_first"))
    elif plan_before is not None and not plan_before.done:
        after = return_to_run.state(runs, [*events, CoachEvent(note.kind, note.at, note.data, note.run_id)])
        assert after is not None
        if after.done:
            lines.append(coaching.say("return", "done"))
        else:
            lines.append(coaching.say("return", "up_morning" if fine else "down"))
            lines.append(coaching.say("return", "next", session=return_to_run.session_text(after.step)))
    else:
        lines.append(suggestion.line(ctx.profile.units))
    lines.append(coaching.say("morning", "why"))
    buttons: tuple[Button, ...] = ()
    if settled and return_to_run.should_offer(runs, events):
        if not resting:
            lines.append(coaching.say("return", "offer"))
        buttons = (return_to_run.offer_button(),)
    logger.info("next-morning rule applied")  # the verdict is health data: not logged
    return Coached(lines=lines, buttons=buttons, effects=[note], replaces=settled)


def checkin_notes(ctx: Context, checkin: Checkin, record: RunRecord, tier: Tier) -> list[str]:
    """The single-run spike note and the return plan's progress under a finished check-in."""
    runs, events = _history(ctx)
    if coaching.blocked(runs, events):
        return []
    moment = record.started_at or record.logged_at
    lines = coaching.spike_after(checkin.distance_km, coaching.longest_before(runs, moment), ctx.profile.units)
    if tier in (Tier.KEEP_EASY, Tier.REST):
        before = return_to_run.state(runs, events)
        after = return_to_run.state([*runs, record], events)
        lines += return_to_run.after_session(before, after)
    return lines


def plan_lines(ctx: Context) -> tuple[list[str], tuple[Button, ...]]:
    """What /plan shows about the next run: the gate, the return session or suggestion, the cap."""
    runs, events = _history(ctx)
    if coaching.blocked(runs, events):
        return [coaching.say("gate", "blocked")], coaching.clear_buttons()
    lines = coaching.next_run_lines(ctx.profile.units, runs, events, ctx.now)
    current = return_to_run.state(runs, events)
    if current is not None and not current.done:  # the session is in the lines; say how it moves and why
        lines += [coaching.say("return", "rule"), coaching.say("return", "why")]
    buttons: tuple[Button, ...] = ()
    if return_to_run.should_offer(runs, events):
        lines.append(coaching.say("return", "offer"))
        buttons = (return_to_run.offer_button(),)
    return lines, buttons


def plan_next(ctx: Context, text: str) -> Outcome:
    """Answers "/plan next 12 km" (or "off"): notes the planned distance and checks it against the 30-day longest."""
    unchanged = fresh(ctx.conversation)
    if text.strip().lower() in ("off", "none", "clear", "no"):
        note = CoachNote(kind="planned", at=ctx.now, data={"km": None})
        return Outcome([Reply(text=coaching.say("planned", "cleared"))], unchanged, effects=[note])
    km = parsing.parse_distance(text, ctx.profile.units) if text.strip() else None
    if not km:
        return Outcome([Reply(text=coaching.say("planned", "ask"))], unchanged)
    runs, events = _history(ctx)
    note = CoachNote(kind="planned", at=ctx.now, data={"km": km})
    lines = [coaching.say("planned", "saved", distance=format_distance(km, ctx.profile.units))]
    if coaching.blocked(runs, events):
        lines.append(coaching.say("gate", "blocked"))
        return Outcome([Reply(text="\n\n".join(lines), buttons=(coaching.clear_buttons(),))], unchanged, effects=[note])
    longest = coaching.longest_before(runs, ctx.now)
    lines += coaching.planned_lines(km, longest, ctx.profile.units)[1:]
    return Outcome([Reply(text="\n\n".join(lines))], unchanged, effects=[note])
