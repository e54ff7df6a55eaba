"""The one-shot commands: /help, /history, /stretches, /privacy, /export, /forget."""

from __future__ import annotations

import csv
import io
import logging

from dialogs import advice, progress, timezones
from dialogs.flow import Context, Outcome, fresh, idle
from dialogs.messages import Button, Incoming, Reply, Visibility, rows
from dialogs.ports import Forget
from dialogs.safety.care import services_for
from dialogs.units import format_distance, format_duration

logger = logging.getLogger(__name__)

FORGET = "forget"
HISTORY_LIMIT = 10
TIER_LABELS = {
    "emergency": "urgent help advised",
    "doctor_today": "see a doctor today",
    "doctor_soon": "see a doctor soon",
    "rest": "rest from running",
    "keep_easy": "keep running easy",
}

HELP = (
    "Here's what I can do:\n"
    "/checkin: log a run and any pain (or just tell me about it)\n"
    "/history: your recent runs; /undo removes the last one, /edit corrects one\n"
    "/progress: a chart of your weekly distance and back pain\n"
    "Send a GPX or FIT file to log a run (in the terminal: /import PATH)\n"
    "/plan: your next run as I'd suggest it, and the days and times you usually run, for warm-up reminders\n"
    "/reminders: what's coming up; /pause and /resume: all reminders off and on\n"
    "/stretches: the warm-up or after-run routine\n"
    "/settings: name, time zone, units, weekly digest and more\n"
    "/privacy: what I store and why\n"
    "/export: your runs as a CSV file, and everything I store about you as a JSON file\n"
    "/forget: delete everything I know about you\n"
    "/cancel: stop what we're doing (what's saved stays saved)"
)

PRIVACY = (
    "What I store: your settings (name, time zone, units, running habits, back history, and the health "
    "facts you chose to give for the warning-sign checks: age band, past cancer, osteoporosis, "
    "long-term steroid tablets, a weakened immune system), "
    "the runs you log, the pain you report with it, the warning signs you tell me about, "
    "how your back felt the morning after (and the next runs I suggested from that), "
    "and where we are in a conversation so I can pick up after a restart.\n"
    "Why: to tailor advice, to show your history and to check in on you. "
    "Nothing is shared with anyone, and pain is never mentioned in a group chat: if a club's admins turn on "
    "its weekly summary and you've used my commands there, your runs count in anonymous totals only "
    "(never your name, and nothing when fewer than 3 members checked in).\n"
    "/export gives you a copy; /forget deletes it all.\n\n"
)


def help_reply() -> list[Reply]:
    return [Reply(text=HELP)]


def privacy(ctx: Context) -> list[Reply]:
    """Says what is stored, shows the health facts on file, and how to get urgent help."""
    facts = _health_facts(ctx)
    return [Reply(text=PRIVACY + facts + "\n\n" + advice.disclaimer(services_for(ctx.profile)))]


def _health_facts(ctx: Context) -> str:
    """The runner's health facts in words, as /settings shows them."""
    from dialogs.onboarding import shown  # imported late: onboarding is imported after this module

    p = ctx.profile
    return (
        f"Your health facts: age band {shown('age_band', p.age_band)}; {shown('risks', p.risks)}"
        + ("" if p.risks_asked else " (not asked yet)")
        + ". Change them in /settings."
    )


def history(ctx: Context) -> list[Reply]:
    """Lists the runner's recent runs in local time with pain and tier."""
    runs = sorted(ctx.store.recent_runs(ctx.address, limit=HISTORY_LIMIT), key=progress.run_time, reverse=True)
    if not runs:
        return [Reply(text="No runs logged yet. Tell me about your next one, or send /checkin.")]
    lines = []
    for run in runs:
        when = timezones.local(progress.run_time(run), ctx.profile.timezone)  # filed under the day it was run
        pain = "no pain" if not run.pain_score else f"pain {run.pain_score}/10 ({', '.join(run.pain_where) or '?'})"
        pain = pain.replace("_", " ")
        tier = TIER_LABELS.get(run.tier or "", "")
        lines.append(
            f"{when:%a %d %b}: {format_distance(run.distance_km, ctx.profile.units)}, "
            f"{format_duration(run.duration_min)}, {run.surface or '?'}; {pain}" + (f"; {tier}" if tier else "")
        )
    return [Reply(text="Your recent runs:\n" + "\n".join(lines))]


def stretches(ctx: Context, args: str) -> list[Reply]:
    """Shows the asked-for routine, or offers both."""
    wanted = args.strip().lower()
    if wanted.startswith("warm"):
        return advice.routine("warmup")
    if wanted.startswith(("post", "after", "cool")):
        return advice.routine("postrun")
    buttons = [Button("Warm-up", "x:routine:warmup"), Button("After the run", "x:routine:postrun")]
    return [Reply(text="Which routine?", buttons=rows(buttons), visibility=Visibility.ANYWHERE)]


def export(ctx: Context) -> list[Reply]:
    """Returns a copy of everything stored about the runner: their runs as a CSV, and every
    stored row (settings, runs, pain reports, triage, plan, reminders, the conversation in
    progress) as JSON."""
    import json

    replies = []
    data = csv_rows(ctx)
    if data:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
        content = buffer.getvalue().encode("utf-8")
        counted = "Here is your one run." if len(data) == 1 else f"Here are your {len(data)} runs."
        replies.append(Reply(text=counted, document=("backstride-runs.csv", content)))
    stored = ctx.store.export_all(ctx.address)
    if not stored:
        return [Reply(text="There's nothing to export: I have nothing stored about you.")]
    everything = {"exported_at": ctx.now.isoformat(), "platform": ctx.address.platform, **stored}
    content = json.dumps(everything, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    text = "And everything else I store about you (settings, reminders, where we are in a chat), as JSON."
    if not data:
        text = "No runs logged yet. Here is everything I store about you (settings, reminders, chat state), as JSON."
    replies.append(Reply(text=text, document=("backstride-data.json", content)))
    return replies


def csv_rows(ctx: Context) -> list[dict[str, object]]:
    """One CSV row per run, oldest first, each under the local day it was run (the same day /history shows)."""
    runs = sorted(ctx.store.recent_runs(ctx.address, limit=0), key=lambda r: (progress.run_time(r), r.run_id))
    return [
        {"date": f"{timezones.local(progress.run_time(r), ctx.profile.timezone):%Y-%m-%d}", **r.export_row()}
        for r in runs
    ]


def forget_ask(ctx: Context) -> Outcome:
    """Asks the runner to confirm deleting everything."""
    conversation = fresh(ctx.conversation)
    conversation.state = f"{FORGET}:confirm"
    conversation.question += 1
    q = conversation.question
    buttons = [Button("Yes, delete everything", f"a{q}:yes"), Button("No, keep it", f"a{q}:no")]
    text = "This deletes your settings, runs and pain reports for good. Are you sure?"
    return Outcome([Reply(text=text, buttons=rows(buttons, 2), kind="question")], conversation)


def forget_step(ctx: Context, incoming: Incoming) -> Outcome:
    """Deletes everything on a clear yes; anything else keeps it."""
    if incoming.kind == "button" and incoming.payload:
        answer = incoming.payload.partition(":")[2]
    else:
        typed = incoming.text.strip().lower()
        answer = "yes" if typed in ("yes", "yes, delete everything", "delete") else "no"
    if answer == "yes":
        return Outcome(
            [Reply(text="Done: everything I knew about you is deleted. Send /start if you ever want to begin again.")],
            idle(ctx.conversation),
            effects=[Forget()],
        )
    return Outcome([Reply(text="Kept. Nothing was deleted.")], idle(ctx.conversation))
