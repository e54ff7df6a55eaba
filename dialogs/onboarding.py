"""First contact (/start) and /settings: name, time zone, units, habits, back history, weekly digest.

Onboarding walks the questions in `ORDER` once; /settings shows a menu of all
of `QUESTIONS` (the weekly digest, on by default, is only there) and asks just
the one the runner picks. Each answer is saved as it comes, so
/cancel or a restart never loses what was already said.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any


from dialogs import advice, checkin, parsing, timezones
from dialogs.checkin import SURFACE_OPTIONS
from dialogs.flow import Context, NotUnderstood, Outcome, Question, ask, fresh, idle, read_answer
from dialogs.messages import Button, Incoming, Reply, rows
from dialogs.models import Profile
from dialogs.safety import care, screen
from dialogs.ports import Conversation

logger = logging.getLogger(__name__)

PREFIX = "onboarding"
SETTINGS = "settings"
MAX_NAME_CHARS = 40


def _parse_name(text: str, ctx: Context) -> str | None:
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME_CHARS or not any(ch.isalpha() for ch in name):
        return None
    return name


def _parse_frequency(text: str, ctx: Context) -> str | None:
    digits = [int(tok) for tok in text.replace("-", " ").replace("–", " ").split() if tok.isdecimal()]
    if not digits:
        return None
    runs = max(digits)
    return "1-2" if runs <= 2 else "3-4" if runs <= 4 else "5+"


def _parse_back(text: str, ctx: Context) -> str | None:
    lowered = text.lower()
    if any(w in lowered for w in ("now", "currently", "at the moment", "right now", "today")):
        return "now"
    if any(w in lowered for w in ("past", "before", "used to", "once", "years ago", "sometimes")):
        return "past"
    answer = parsing.parse_yes_no(text)
    if answer is None:
        return None
    return "past" if answer else "never"


QUESTIONS: dict[str, Question] = {
    q.slot: q
    for q in (
        Question(
            slot="name",
            prompt="What should I call you?",
            parse=_parse_name,
            reask=f"A first name or nickname of up to {MAX_NAME_CHARS} letters, please.",
        ),
        Question(
            slot="timezone",
            prompt=(
                "Which time zone are you in, so reminders arrive at the right hour? "
                "Send a city (Leeds), a zone (Europe/London) or an offset (+01:00)."
            ),
            options=(("Skip (use UTC)", "UTC"),),
            parse=lambda text, ctx: timezones.resolve(text),
            reask="I don't know that place or zone. Try a nearby big city, a zone like Europe/London, or +01:00.",
        ),
        Question(
            slot="units",
            prompt="Kilometres or miles?",
            options=(("Kilometres", "km"), ("Miles", "mi")),
            parse=lambda text, ctx: "mi" if "mi" in text.lower() else "km" if "k" in text.lower() else None,
            reask="Tap Kilometres or Miles.",
        ),
        Question(
            slot="frequency",
            prompt="How often do you run, most weeks?",
            options=(("1–2 times", "1-2"), ("3–4 times", "3-4"), ("5 or more", "5+")),
            parse=_parse_frequency,
            reask="Roughly how many runs a week? Tap one of the options.",
        ),
        Question(
            slot="usual_surface",
            prompt="What do you usually run on?",
            options=SURFACE_OPTIONS,
            parse=lambda text, ctx: parsing.parse_surface(text),
            reask="Which surface, mostly? Tap one of the options.",
        ),
        Question(
            slot="back_history",
            prompt="Has your back given you trouble before?",
            options=(("Never", "never"), ("In the past", "past"), ("Yes, right now", "now")),
            parse=_parse_back,
            reask="Tap Never, In the past, or Yes, right now.",
        ),
        Question(
            slot="digest",
            prompt=(
                "Would you like a weekly digest on Sunday evening (18:00 your time): your runs, distance, "
                "how your back did, with a chart, and one tip for next week? Weeks without runs get none."
            ),
            options=(("Yes", "yes"), ("No", "no")),
            parse=lambda text, ctx: parsing.parse_yes_no(text),
            convert=lambda value: value == "yes",
            reask="Tap Yes or No.",
        ),
    )
}
HEALTH = ("age_band", "risks")  # asked through the safety screen's questions (dialogs/safety/screen.py)
SETTINGS_ONLY = ("digest",)  # not asked at onboarding: on by default
ORDER = [*[slot for slot in QUESTIONS if slot not in SETTINGS_ONLY], *HEALTH]
LABELS = {
    "name": "Name",
    "timezone": "Time zone",
    "units": "Units",
    "frequency": "Runs a week",
    "usual_surface": "Usual surface",
    "back_history": "Back history",
    "digest": "Weekly digest",
    "age_band": "Age and health facts",
    "risks": "Health facts",
    "country": "Country for care numbers",
}
RISK_WORDS = {"cancer": "cancer in the past", "osteoporosis": "osteoporosis", "steroids": "long-term steroid tablets", "immune": "a weakened immune system"}
AGE_WORDS = {"under_20": "under 20", "20_49": "20–49", "50_64": "50–64", "65_plus": "65 or over"}


LOCATION_PLATFORMS = frozenset({"telegram"})  # where a runner can answer with a shared location
SHARE_LOCATION = "Or share your location."


def _ask(ctx: Context, conversation: Conversation, question: Question, prefix: str = "", bump: bool = True) -> Reply:
    """Draws a question; the time-zone one offers a shared location where the platform can send one."""
    reply = ask(conversation, question, prefix=prefix, bump=bump)
    if question.slot == "timezone" and ctx.address.platform in LOCATION_PLATFORMS:
        return replace(reply, text=f"{reply.text} {SHARE_LOCATION}", asks_location=True)
    return reply


def _question(slot: str, profile: Profile) -> Question | None:
    if slot == "age_band":
        return screen.question("age", profile)
    if slot == "risks":
        return screen.question("risks", profile)
    if slot == "country":
        return Question(
            slot="country",
            prompt=(
                "Which country's emergency and doctor numbers should I give you? Send a two-letter code "
                f"({', '.join(care.countries())}), or auto to follow your time zone."
            ),
            parse=lambda text, ctx: _parse_country(text),
            reask="Send a two-letter country code such as GB, US or DE, or auto.",
        )
    return QUESTIONS.get(slot)


def _parse_country(text: str) -> str | None:
    code = text.strip().upper()
    if code in ("AUTO", "TIME ZONE", "TIMEZONE"):
        return "auto"
    return code if code in care.countries() else None


MENU = (*QUESTIONS, "age_band", "country")  # /settings: "Age band" goes on to the health facts


def welcome(ctx: Context, first_message: str = "") -> Outcome:
    """Greets a new runner, says what the coach is and is not, and asks the first question.

    A first message that reports pain is kept and checked in once onboarding is done.
    """
    conversation = fresh(ctx.conversation)
    conversation.state = f"{PREFIX}:{ORDER[0]}"
    conversation.data = {}
    if first_message and (parsing.parse_has_pain(first_message) or parsing.parse_signs(first_message)):
        conversation.data["first_report"] = first_message
    intro = (
        "Hi, I'm Backstride, a running coach for runners who want a happy back. "
        "After a run, tell me how it went and whether anything hurt, and I'll suggest "
        "stretches, surfaces, rest or strength work to suit.\n\n" + advice.disclaimer(care.services_for(ctx.profile))
    )
    return Outcome(
        [Reply(text=intro), _ask(ctx, conversation, QUESTIONS[ORDER[0]], prefix="A few quick questions first.")],
        conversation,
        profile=ctx.profile,
    )


def _confirmation(slot: str, profile: Profile, ctx: Context) -> str:
    if slot == "timezone":
        now = timezones.local(ctx.now, profile.timezone)
        return f"Time zone set to {profile.timezone} (it's {now:%H:%M} there now)."
    return ""


def step(ctx: Context, incoming: Incoming) -> Outcome:
    """Saves the answer to the current onboarding or settings question and moves on."""
    conversation = fresh(ctx.conversation)
    flow, _, slot = conversation.state.partition(":")
    question = _question(slot, ctx.profile)
    if question is None:
        return Outcome([Reply(text="Let's start that again.")], idle(conversation))
    try:
        value: Any = read_answer(question, incoming, ctx)
    except (NotUnderstood, parsing.InputError) as problem:
        note = str(problem) if isinstance(problem, parsing.InputError) else question.reask
        return Outcome([_ask(ctx, conversation, question, prefix=note, bump=False)], conversation)
    profile = Profile.from_dict(ctx.profile.to_dict())
    if slot == "age_band":
        profile.age_band = None if value == "skip" else value
    elif slot == "risks":
        profile = screen.apply("risks", value, profile, {}).profile or profile
        if not profile.risks_asked:  # one fact at a time until "That's all"
            return Outcome([ask(conversation, screen.question("risks", profile))], conversation, profile=profile)
    elif slot == "country":
        profile.country = None if value == "auto" else value
    else:
        setattr(profile, slot, value)
    note = _confirmation(slot, profile, ctx)
    if flow == SETTINGS and slot == "age_band":  # health facts are changed together
        profile.risks, profile.risks_asked = [], False
        conversation.state = f"{SETTINGS}:risks"
        return Outcome([ask(conversation, screen.question("risks", profile))], conversation, profile=profile)
    if flow == SETTINGS or slot not in ORDER:  # a settings-only question is never part of onboarding
        done = f"Saved: {LABELS[slot].lower()} is now {shown(slot, getattr(profile, slot))}. " + note
        return Outcome([Reply(text=done.strip())], idle(conversation), profile=profile)
    position = ORDER.index(slot)
    if position + 1 < len(ORDER):
        nxt = ORDER[position + 1]
        conversation.state = f"{PREFIX}:{nxt}"
        nxt_question = _question(nxt, profile)
        assert nxt_question is not None
        return Outcome([_ask(ctx, conversation, nxt_question, prefix=note)], conversation, profile=profile)
    profile.onboarded = True
    profile.risks_asked = True
    name = profile.name or "runner"
    first_report = conversation.data.get("first_report")
    if first_report:
        done = f"All set, {name}. Now, about what you told me at the start:"
        outcome = checkin.start(replace(ctx, profile=profile, conversation=idle(conversation)), first_report)
        outcome.replies.insert(0, Reply(text=done))
        outcome.profile = outcome.profile or profile
        return outcome
    done = (
        f"All set, {name}. After your next run, just tell me about it, for example "
        "\"ran 8 km in 45 min on the road, lower back a bit stiff\", or send /checkin. "
        "/help lists everything else."
    )
    return Outcome([Reply(text=done)], idle(conversation), profile=profile)


def shown(slot: str, value: Any) -> str:
    """A setting's value in words."""
    if slot == "digest":
        return "on" if value else "off"
    if slot == "age_band":
        return AGE_WORDS.get(value, "not said") if value else "not said"
    if slot == "risks":
        return ", ".join(RISK_WORDS.get(r, r) for r in value) if value else "none said"
    if slot == "country":
        return value or "from your time zone"
    return str(value)


def settings_menu(ctx: Context) -> Outcome:
    """Shows the current settings with a button to change each."""
    conversation = fresh(ctx.conversation)
    conversation.state = f"{SETTINGS}:menu"
    conversation.question += 1
    p = ctx.profile
    current = {
        "name": p.name or "not set",
        "timezone": p.timezone,
        "units": "miles" if p.units == "mi" else "kilometres",
        "frequency": p.frequency or "not set",
        "usual_surface": p.usual_surface or "not set",
        "back_history": p.back_history or "not set",
        "digest": shown("digest", p.digest),
        "age_band": shown("age_band", p.age_band),
        "risks": shown("risks", p.risks),
        "country": shown("country", p.country),
    }
    lines = "\n".join(f"• {LABELS[k]}: {v}" for k, v in current.items())
    buttons = [Button(LABELS[k], f"a{conversation.question}:{k}") for k in MENU]
    text = f"Your settings:\n{lines}\n\nWhich would you like to change? (/cancel to leave them)"
    return Outcome([Reply(text=text, buttons=rows(buttons, 3), kind="question")], conversation)


def settings_step(ctx: Context, incoming: Incoming) -> Outcome:
    """Asks the question for the setting the runner picked."""
    conversation = fresh(ctx.conversation)
    choice: str | None = None
    if incoming.kind == "button" and incoming.payload:
        choice = incoming.payload.partition(":")[2]
    else:
        typed = incoming.text.strip().lower()
        choice = next((k for k, label in LABELS.items() if typed in (k, label.lower())), None)
    question = _question(choice, ctx.profile) if choice in MENU else None
    if question is None:
        return Outcome([Reply(text="Pick a setting from the buttons, or /cancel.")], conversation)
    conversation.state = f"{SETTINGS}:{choice}"
    return Outcome([_ask(ctx, conversation, question)], conversation)
