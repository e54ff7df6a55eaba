"""The graded return to running after a rest tier, and the coaching buttons ("c:...").

Run-walk sessions three times a week, each a step longer than the last when
the next-morning rule says the back took it well, a step shorter when it did
not (the steps are data in coaching.toml). The plan's position is not stored:
it is replayed from the runner's runs and coaching events (a start, then each
session: pain-free, or the next morning's verdict), so /undo and /edit move it
too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dialogs import coaching
from dialogs.flow import Context, Outcome, fresh
from dialogs.messages import Button, Incoming, Reply
from dialogs.models import RunRecord, Tier
from dialogs.ports import CoachEvent, CoachNote
from dialogs.clock import as_utc

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    run: int
    walk: int
    reps: int

    @property
    def minutes(self) -> int:
        return (self.run + self.walk) * self.reps


@dataclass(frozen=True)
class PlanState:
    step: int  # 1-based; total + 1 once finished
    total: int
    started_at: datetime
    waiting: bool = False  # the last session hurt and its next-morning answer is not in yet
    moved: str = ""  # up | down | "" : what the last judged session did

    @property
    def done(self) -> bool:
        return self.step > self.total


def steps() -> list[Step]:
    return [Step(int(s["run"]), int(s["walk"]), int(s["reps"])) for s in coaching.texts()["return"]["steps"]]


def session_text(step: int) -> str:
    plan = steps()
    s = plan[min(step, len(plan)) - 1]
    if not s.walk:
        return coaching.say("return", "session_last", step=step, total=len(plan), run=s.run)
    return coaching.say("return", "session", step=step, total=len(plan), reps=s.reps, run=s.run, walk=s.walk, minutes=s.minutes)


def state(runs: Sequence[RunRecord], events: Sequence[CoachEvent]) -> PlanState | None:
    """Replays the plan from its latest start; None when none is running (never started, or stopped)."""
    start = next((e for e in reversed(events) if e.kind in ("return_start", "return_stop")), None)
    if start is None or start.kind == "return_stop":
        return None
    total = len(steps())
    verdicts = {e.run_id: bool(e.data.get("fine")) for e in events if e.kind == "morning" and e.run_id is not None}
    step, waiting, moved = 1, False, ""
    sessions = sorted((r for r in runs if as_utc(r.logged_at) > as_utc(start.at)), key=lambda r: (as_utc(r.logged_at), r.run_id))
    for run in sessions:
        if step > total:
            break
        if not run.pain_score:
            step, waiting, moved = step + 1, False, "up"
        elif run.run_id in verdicts:
            fine = verdicts[run.run_id]
            step, waiting, moved = (step + 1, False, "up") if fine else (max(1, step - 1), False, "down")
        else:
            waiting = True
    return PlanState(step=step, total=total, started_at=start.at, waiting=waiting, moved=moved)


def offer_button() -> Button:
    return Button(coaching.texts()["return"]["label_start"], f"{coaching.PREFIX}:return:start")


def should_offer(runs: Sequence[RunRecord], events: Sequence[CoachEvent]) -> bool:
    """After a rest tier (or a cleared doctor tier), when no return plan is running."""
    last = coaching.last_tier_run(runs)
    if last is None or coaching.blocked(runs, events):
        return False
    current = state(runs, events)
    return last.tier in {Tier.REST.value, *coaching.DOCTOR_TIERS} and (current is None or current.done)


def resting(runs: Sequence[RunRecord], events: Sequence[CoachEvent]) -> bool:
    """The last triage said rest from running and no return plan is under way."""
    last = coaching.last_tier_run(runs)
    current = state(runs, events)
    return last is not None and last.tier == Tier.REST.value and (current is None or current.done)


def after_session(before: PlanState | None, after: PlanState | None) -> list[str]:
    """The note under a check-in logged during the plan."""
    if before is None or before.done or after is None:
        return []
    if after.done:
        return [coaching.say("return", "done")]
    if after.waiting:
        return [coaching.say("return", "wait")]
    return [coaching.say("return", "up"), coaching.say("return", "next", session=session_text(after.step))]


# ------------------------------------------------------------------ the "c:" buttons


def _history(ctx: Context) -> tuple[list[RunRecord], list[CoachEvent]]:
    since = ctx.now - coaching.HISTORY  # the coaching views look back this far, never the whole log
    return ctx.store.runs_since(ctx.address, since), ctx.store.coach_events(ctx.address, since)


def button(ctx: Context, incoming: Incoming) -> Outcome:
    """Handles "c:clear:seen|gone" (a doctor's check done) and "c:return:start|stop"."""
    _, action, value = ((incoming.payload or "").split(":") + ["", ""])[:3]
    unchanged = fresh(ctx.conversation)
    if not ctx.known:
        return Outcome([Reply(text="Let's get to know each other first: send /start.")], unchanged)
    runs, events = _history(ctx)
    if action == "clear" and value in ("seen", "gone"):
        if not coaching.blocked(runs, events):
            return Outcome([Reply(text=coaching.say("gate", "not_needed"))], unchanged)
        note = CoachNote(kind="cleared", at=ctx.now, data={"how": value})
        replies = [Reply(text=coaching.say("gate", f"cleared_{value}"))]
        if should_offer(runs, [*events, CoachEvent(note.kind, note.at, note.data)]):
            replies.append(Reply(text=coaching.say("return", "offer"), buttons=((offer_button(),),)))
        return Outcome(replies, unchanged, effects=[note])
    if action == "return" and value == "start":
        if coaching.blocked(runs, events):
            return Outcome([coaching.gate_reply()], unchanged)
        current = state(runs, events)
        if current is not None and not current.done:
            return Outcome([Reply(text=coaching.say("return", "already"))], unchanged)
        text = "\n\n".join([coaching.say("return", "started"), session_text(1), coaching.say("return", "rule"), coaching.say("return", "why")])
        stop = Button(coaching.texts()["return"]["label_stop"], f"{coaching.PREFIX}:return:stop")
        return Outcome([Reply(text=text, buttons=((stop,),))], unchanged, effects=[CoachNote(kind="return_start", at=ctx.now)])
    if action == "return" and value == "stop":
        current = state(runs, events)
        if current is None:
            return Outcome([Reply(text=coaching.say("return", "stopped"))], unchanged)
        return Outcome([Reply(text=coaching.say("return", "stopped"))], unchanged, effects=[CoachNote(kind="return_stop", at=ctx.now)])
    logger.warning("unknown coaching button from %s", ctx.address.runner_key)
    return Outcome([Reply(text="That button no longer works. /plan shows your next run.")], unchanged)
