"""A log the runner can correct: /undo removes the last logged run, /edit changes one field of a recent run.

Both ask before writing, with buttons for every choice (typed answers work
too), and write only through their outcome's effects (RemoveRun, EditRun), so
/history, the CSV, /progress, the digest and the coaching rules all see the
corrected run at once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from dialogs import coaching, dates, parsing, timezones
from dialogs.checkin import SURFACE_OPTIONS
from dialogs.flow import Context, NotUnderstood, Outcome, Question, ask, fresh, idle, read_answer
from dialogs.messages import Incoming, Reply
from dialogs.models import Checkin, RunRecord, Tier
from dialogs.ports import RUN_FIELDS, Effect, EditRun, RemoveRun
from dialogs.progress import run_time
from dialogs.units import format_distance, format_duration

logger = logging.getLogger(__name__)

UNDO, EDIT = "undo", "edit"
STATES = {UNDO: ("confirm",), EDIT: ("run", "field", "value")}  # every state these flows can leave a runner in
EDITABLE = 5  # /edit offers the five most recent runs
FIELD_LABELS = {
    "distance_km": "Distance",
    "duration_min": "Time",
    "surface": "Surface",
    "effort": "Effort",
    "pain_score": "Pain score",
    "date": "Date",
}


def _text(key: str, **values: Any) -> str:
    return coaching.say("corrections", key, **values)


def _field(name: str) -> tuple[str, str]:
    word, hint = coaching.texts()["corrections"]["fields"][name]
    return word, hint


def describe(run: RunRecord, ctx: Context) -> str:
    """One line for a run, filed under its own day: "Sat 21 Nov: 5.0 km, 30 min, grass, easy, no pain"."""
    when = timezones.local(run_time(run), ctx.profile.timezone)
    pain = f"pain {run.pain_score}/10" if run.pain_score else "no pain"
    bits = [format_distance(run.distance_km, ctx.profile.units), format_duration(run.duration_min), run.surface or "?"]
    if run.effort:
        bits.append(run.effort)
    return f"{when:%a %d %b}: " + ", ".join([*bits, pain])


def _say(ctx: Context, text: str) -> Outcome:
    return Outcome([Reply(text=text)], idle(ctx.conversation))


def _find(ctx: Context, run_id: Any) -> RunRecord | None:
    return next((r for r in ctx.store.recent_runs(ctx.address, limit=0) if r.run_id == run_id), None)


# ------------------------------------------------------------------ /undo


def undo_command(ctx: Context, incoming: Incoming) -> Outcome:
    """Shows the last logged run and asks before removing it."""
    runs = ctx.store.recent_runs(ctx.address, limit=1)
    if not ctx.known or not runs:
        return _say(ctx, _text("nothing"))
    conversation = fresh(ctx.conversation)
    conversation.state = f"{UNDO}:confirm"
    conversation.data = {"run_id": runs[0].run_id}
    question = Question(
        slot="confirm",
        prompt=_text("undo_ask", run=describe(runs[0], ctx)),
        options=((_text("undo_yes"), "yes"), (_text("undo_no"), "no")),
        per_row=2,
    )
    return Outcome([ask(conversation, question)], conversation)


def undo_step(ctx: Context, incoming: Incoming) -> Outcome:
    """Removes the run on a clear yes; anything else keeps it."""
    answer = "no"
    if incoming.kind == "button" and incoming.payload:
        answer = incoming.payload.partition(":")[2]
    elif incoming.text.strip().lower() in ("yes", "y", "yes, remove it", "remove", "remove it"):
        answer = "yes"
    run = _find(ctx, ctx.conversation.data.get("run_id"))
    if answer != "yes":
        return _say(ctx, _text("kept"))
    if run is None:
        return _say(ctx, _text("gone"))
    return Outcome([Reply(text=_text("undone", run=describe(run, ctx)))], idle(ctx.conversation), effects=[RemoveRun(run.run_id)])


# ------------------------------------------------------------------ /edit


def _run_question(runs: list[RunRecord], ctx: Context) -> Question:
    options = tuple((describe(r, ctx)[:60], str(r.run_id)) for r in runs)
    return Question(slot="run", prompt=_text("edit_pick"), options=options, per_row=1)


def _field_question(run: RunRecord, ctx: Context) -> Question:
    options = tuple((label, name) for name, label in FIELD_LABELS.items())
    return Question(slot="field", prompt=_text("edit_field", run=describe(run, ctx)), options=options, per_row=3)


def _parse_date(text: str, ctx: Context) -> str | None:
    day = dates.find_day(text, ctx.profile.timezone, ctx.now)
    return None if day is None else dates.filed_at(day, ctx.profile.timezone).isoformat()


def _parse_effort(text: str, ctx: Context) -> str | None:
    found = parsing.parse_effort(text)
    return found[0] if found else None


def _value_question(name: str, ctx: Context) -> Question:
    word, hint = _field(name)
    prompt = _text("edit_value", field=word) + " " + hint
    parse: dict[str, Any] = {
        "distance_km": lambda text, c: parsing.parse_distance(text, c.profile.units),
        "duration_min": lambda text, c: parsing.parse_duration(text),
        "surface": lambda text, c: parsing.parse_surface(text),
        "effort": _parse_effort,
        "pain_score": lambda text, c: parsing.parse_pain_score(text),
        "date": _parse_date,
    }
    options: dict[str, tuple[tuple[str, str], ...]] = {
        "surface": SURFACE_OPTIONS,
        "effort": (("Easy", "easy"), ("Moderate", "moderate"), ("Hard", "hard")),
        "pain_score": tuple((str(n), str(n)) for n in range(11)),
        "date": (("Today", "today"), ("Yesterday", "yesterday")),
    }
    convert: dict[str, Any] = {"pain_score": int, "date": lambda value: _parse_date(value, ctx)}
    return Question(
        slot=name,
        prompt=prompt,
        options=options.get(name, ()),
        parse=parse[name],
        convert=convert.get(name, str),
        reask=_text("bad_value", field=word, hint=hint),
        per_row=4 if name == "pain_score" else 3,
    )


def edit_command(ctx: Context, incoming: Incoming) -> Outcome:
    """Offers the recent runs to pick from (one run: straight to its fields)."""
    runs = sorted(ctx.store.recent_runs(ctx.address, limit=EDITABLE), key=run_time, reverse=True)
    if not ctx.known or not runs:
        return _say(ctx, _text("nothing"))
    conversation = fresh(ctx.conversation)
    conversation.data = {}
    if len(runs) == 1:
        conversation.state, conversation.data["run_id"] = f"{EDIT}:field", runs[0].run_id
        return Outcome([ask(conversation, _field_question(runs[0], ctx))], conversation)
    conversation.state = f"{EDIT}:run"
    conversation.data["runs"] = [r.run_id for r in runs]
    return Outcome([ask(conversation, _run_question(runs, ctx))], conversation)


def edit_step(ctx: Context, incoming: Incoming) -> Outcome:
    """Takes the picked run, then the field, then the new value, and changes it."""
    conversation = fresh(ctx.conversation)
    slot = conversation.state.partition(":")[2]
    data = conversation.data
    if slot == "run":
        runs = [r for r in ctx.store.recent_runs(ctx.address, limit=0) if r.run_id in data.get("runs", [])]
        runs.sort(key=run_time, reverse=True)
        question = _run_question(runs, ctx)
        try:
            picked = int(read_answer(question, incoming, ctx))
        except (NotUnderstood, ValueError):
            return Outcome([ask(conversation, question, prefix="Tap one of the runs.", bump=False)], conversation)
        run = _find(ctx, picked)
        if run is None:
            return _say(ctx, _text("gone"))
        conversation.state, data["run_id"] = f"{EDIT}:field", picked
        return Outcome([ask(conversation, _field_question(run, ctx))], conversation)
    run = _find(ctx, data.get("run_id"))
    if run is None:
        return _say(ctx, _text("gone"))
    if slot == "field":
        question = _field_question(run, ctx)
        try:
            name = read_answer(question, incoming, ctx)
        except NotUnderstood:
            return Outcome([ask(conversation, question, prefix="Tap what you want to change.", bump=False)], conversation)
        conversation.state, data["field"] = f"{EDIT}:value", name
        return Outcome([ask(conversation, _value_question(name, ctx))], conversation)
    name = data.get("field")
    if slot != "value" or name not in RUN_FIELDS:
        return _say(ctx, _text("restart"))
    question = _value_question(name, ctx)
    try:
        value = read_answer(question, incoming, ctx)
        if value is None:
            raise NotUnderstood
    except (NotUnderstood, parsing.InputError, dates.DateProblem) as problem:
        note = question.reask if isinstance(problem, NotUnderstood) else str(problem)
        return Outcome([ask(conversation, question, prefix=note, bump=False)], conversation)
    changed = _changed(run, name, value)
    replies = [Reply(text=_text("edited", run=describe(changed, ctx)))]
    effects: list[Effect] = [EditRun(run.run_id, name, value)]
    if name == "pain_score":
        replies, effects = _retriage(ctx, changed, replies, effects)
    return Outcome(replies, idle(conversation), effects=effects)


def _retriage(ctx: Context, run: RunRecord, replies: list[Reply], effects: list[Effect]) -> tuple[list[Reply], list[Effect]]:
    """Triages a run again after its pain score changed; only ever raises its tier, and then says what to do."""
    from dialogs import advice
    from dialogs.triage import triage

    checkin = Checkin(
        has_pain=bool(run.pain_score), pain_score=run.pain_score, pain_where=list(run.pain_where),
        pain_kind=list(run.pain_kind), signs=list(run.signs), signs_checked=True,
        distance_km=run.distance_km, duration_min=run.duration_min, surface=run.surface, effort=run.effort,
    )  # fmt: skip
    result = triage(checkin)
    stored = Tier(run.tier) if run.tier in {t.value for t in Tier} else Tier.KEEP_EASY
    if result.tier.rank >= stored.rank:
        return replies, effects  # an edit never lowers a tier the runner was given
    logger.info("pain edit raised a run's tier")  # which tier is health data: not logged
    effects = [*effects, EditRun(run.run_id, "tier", result.tier.value)]
    if result.tier is Tier.EMERGENCY:
        return [advice.emergency_reply()], effects
    history = ctx.store.recent_runs(ctx.address, limit=10)
    return [*replies, *advice.build_advice(checkin, ctx.profile, result, history)], effects


def _changed(run: RunRecord, name: str, value: Any) -> RunRecord:
    """The run as it reads after the edit (for the confirmation line)."""
    from dataclasses import replace

    if name == "date":
        return replace(run, started_at=datetime.fromisoformat(value))
    return replace(run, **{name: value})
