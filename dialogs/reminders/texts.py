"""The texts a due reminder sends: warm-up with the coach's next-run lines, after-run, daily, follow-up, club posts.

Kept with the coach so bot/scheduler.py
only delivers them. The next-morning follow-up's question and labels come from
coaching.toml.
"""

from __future__ import annotations

import logging

from dialogs import guidance
from dialogs.messages import Button, Reply, Visibility

logger = logging.getLogger(__name__)

FOLLOWUP_PREFIX = "f"  # "f:<reminder id>:better|same|worse"
SNOOZE_PREFIX = "z"  # "z:<reminder id>:1h|1d"

TEXTS = {
    "warmup": "Your run is at {time}. {tip}",
    "after_run": "How did the run go? Tell me in a line, or tap Check in.",
    "daily": "Daily check-in: did you run today, and how's your back?",
    "followup": "How's your back today?",
    "followup_again": "Checking in again, as promised: how's your back today?",
    "followup_gentle": (
        "I've been thinking of you since yesterday. I hope you got help and are doing OK. "
        "You can tell me how you are any time; I won't ask again."
    ),
    "club_warmup": "Club run at {time}{place}. {tip}",
    "club_after": "Thanks for running together! Log your run with me in a private chat: tap below.",
}
FOLLOWUP_ANSWERS = (("Better", "better"), ("Same", "same"), ("Worse", "worse"))
MORNING_LABELS = ("label_settled", "label_unsettled", "label_worse")  # the stage-1 question's labels (coaching.toml)
ANSWER_TEXTS = {
    "better": "Good to hear. Ease back in with short, easy runs and keep stretching after each one.",
    "same": "Thanks for telling me. Keep gently active and go easy; I'll ask again in two days.",
    "done": "Thanks, you already answered that one.",
    "not_yours": "That button isn't one of yours, or it has expired. /reminders shows what's scheduled.",
    "snoozed": "OK, I'll remind you again at {time}.",
}
CHECKIN_LABEL = {"warmup": "Check in after the run", "club_after": "Check in privately"}


def _cite(sources: tuple[str, ...]) -> str:
    return f"(Source: {'; '.join(sources)})"


def see_doctor_text() -> str:
    """The GUIDANCE P8 advice: lingering or worsening pain needs a doctor."""
    item = guidance.load().items["P8"]
    return f"{item.text} {_cite(item.sources)}"


def club_warmup_tip(seed: int) -> str:
    """A warm-up tip fit for a group: variants that mention the back are left out."""
    variants = [v for v in guidance.load().warmup_variants if "W5" not in v.items]
    variant = variants[seed % len(variants)]
    return f"{variant.text} {_cite(variant.sources)}"


def _snooze_row(reminder_id: int) -> tuple[Button, ...]:
    return (Button("Snooze 1 hour", f"{SNOOZE_PREFIX}:{reminder_id}:1h"), Button("Tomorrow", f"{SNOOZE_PREFIX}:{reminder_id}:1d"))


def reminder_reply(
    kind: str,
    reminder_id: int,
    *,
    local_time: str = "",
    stage: int = 1,
    seed: int = 0,
    place_name: str = "",
    coaching_lines: tuple[str, ...] = (),
) -> Reply:
    """Builds the message a due reminder sends (runner reminders private, club ones group-safe).

    `coaching_lines` (the next-run suggestion or return session, and the spike cap) go under a warm-up.
    """
    from dialogs import advice, coaching

    if kind == "club_warmup":
        where = f" at {place_name}" if place_name else ""
        text = TEXTS[kind].format(time=local_time, place=where, tip=club_warmup_tip(seed))
        return Reply(text=text, visibility=Visibility.ANYWHERE, kind="reminder")
    if kind == "club_after":
        buttons = ((Button(CHECKIN_LABEL[kind], "/checkin"),),)
        return Reply(text=TEXTS[kind], buttons=buttons, visibility=Visibility.ANYWHERE, kind="reminder")
    snooze = _snooze_row(reminder_id)
    if kind == "followup":
        if stage == 0:
            return Reply(text=TEXTS["followup_gentle"], buttons=(snooze,), kind="reminder")
        labels = [label for label, _ in FOLLOWUP_ANSWERS]
        if stage == 1:  # the next-morning question: compared with before the run
            labels = [coaching.texts()["morning"][key] for key in MORNING_LABELS]
        answers = tuple(
            Button(label, f"{FOLLOWUP_PREFIX}:{reminder_id}:{v}") for label, (_, v) in zip(labels, FOLLOWUP_ANSWERS)
        )
        text = coaching.say("morning", "question") if stage == 1 else TEXTS["followup_again"]
        return Reply(text=text, buttons=(answers, snooze), kind="reminder")
    if kind == "warmup":
        text = TEXTS[kind].format(time=local_time, tip=advice.warmup_reminder(seed))
        text = "\n\n".join([text, *coaching_lines])
    else:
        text = TEXTS[kind]
    checkin = (Button(CHECKIN_LABEL.get(kind, "Check in"), "/checkin"),)
    return Reply(text=text, buttons=(checkin, snooze), kind="reminder")
