"""/clubrun in a group: add, list and remove the club's weekly runs, set its time zone, turn the weekly summary on or off.

Changes are for the group's admins only; the adapter checks the platform's
admin list and sets `Incoming.is_admin`. Nothing here ever mentions pain; the
weekly summary (dialogs.digest.club_summary) gives anonymous counts only.
"""

from __future__ import annotations

import logging
import re

from dialogs import timezones
from dialogs.flow import Context, Outcome, fresh
from dialogs.messages import Incoming, Reply, Visibility
from dialogs.ports import ClubChange, ClubRunInfo, Effect

logger = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
USAGE = (
    "Club runs:\n"
    "/clubrun list\n"
    "/clubrun add Sat 09:00 Park gates\n"
    "/clubrun remove 2\n"
    "/clubrun timezone Europe/London\n"
    "/clubrun summary on|off"
)
TEXTS = {
    "summary_on": (
        "Weekly summary on: every Sunday at 18:00 ({zone}) I'll post how the club's week went, as anonymous "
        "counts only (never a name), and nothing when fewer than 3 members checked in with me. "
        "Members count once they've used one of my commands in this group."
    ),
    "summary_off": "Weekly summary off.",
    "summary_usage": "Send /clubrun summary on or /clubrun summary off.",
    "summary_state": "Weekly summary: {state} (/clubrun summary on|off).",
}
_ADD = re.compile(r"^(?P<day>[a-z]+)\s+(?P<h>\d{1,2})[:.](?P<m>\d{2})\s*(?P<place>.*)$", re.IGNORECASE)


def _say(text: str, ctx: Context, *effects: Effect) -> Outcome:
    return Outcome([Reply(text=text, visibility=Visibility.ANYWHERE)], fresh(ctx.conversation), effects=list(effects))


def describe(run: ClubRunInfo) -> str:
    place = f" at {run.place}" if run.place else ""
    return f"{DAY_NAMES[run.weekday]} {run.time}{place}"


def handle(ctx: Context, incoming: Incoming) -> Outcome:
    """Lists the club's runs for anyone; adds, removes or sets the zone for admins."""
    action, _, rest = incoming.args.strip().partition(" ")
    action = action.lower()
    club = (ctx.address.platform, ctx.address.chat_id)
    if action in ("", "list"):
        runs = ctx.store.club_runs(*club)
        zone = ctx.store.club_timezone(*club)
        state = TEXTS["summary_state"].format(state="on" if ctx.store.club_summary_on(*club) else "off")
        if not runs:
            return _say(f"No club runs yet (time zone {zone}). {state}\n\n{USAGE}", ctx)
        lines = [f"{n}. {describe(run)}" for n, run in enumerate(runs, start=1)]
        return _say(f"Club runs ({zone}):\n" + "\n".join(lines) + f"\n\n{state}", ctx)
    if action not in ("add", "remove", "timezone", "summary"):
        return _say(f"I don't know '/clubrun {action}'.\n\n{USAGE}", ctx)
    if not incoming.is_admin:
        return _say("Sorry, only the group's admins can change club runs.", ctx)
    if action == "summary":
        return summary(ctx, rest.strip().lower())
    if action == "timezone":
        zone = timezones.resolve(rest)
        if zone is None:
            return _say("I don't know that time zone. Try a city or a zone like Europe/London.", ctx)
        return _say(f"Club time zone set to {zone}.", ctx, ClubChange(timezone=zone))
    if action == "add":
        match = _ADD.match(rest.strip())
        day = match and next((i for i, d in enumerate(WEEKDAYS) if match.group("day").lower().startswith(d)), None)
        if not match or day is None:
            return _say("To add a run: /clubrun add Sat 09:00 Park gates (weekday, 24-hour time, place).", ctx)
        hour, minute = int(match.group("h")), int(match.group("m"))
        if hour > 23 or minute > 59:
            return _say(f"{hour}:{minute:02d} isn't a time of day. Use 24-hour time, e.g. 18:30.", ctx)
        run = ClubRunInfo(run_id=0, weekday=day, time=f"{hour:02d}:{minute:02d}", place=match.group("place").strip()[:80])
        return _say(f"Added: {describe(run)}. I'll post a warm-up reminder here before it.", ctx, ClubChange(add=run))
    runs = ctx.store.club_runs(*club)
    if not rest.strip().isdecimal() or not 1 <= int(rest) <= len(runs):
        return _say(f"Which run? Send /clubrun remove N with N from 1 to {len(runs)} (see /clubrun list).", ctx)
    gone = runs[int(rest) - 1]
    return _say(f"Removed: {describe(gone)}.", ctx, ClubChange(remove=gone.run_id))


def summary(ctx: Context, choice: str) -> Outcome:
    """Turns the club's weekly anonymous summary on or off (admins only; checked by the caller)."""
    club = (ctx.address.platform, ctx.address.chat_id)
    if choice not in ("on", "off"):
        return _say(TEXTS["summary_usage"], ctx)
    logger.info("club summary turned %s", choice)
    if choice == "off":
        return _say(TEXTS["summary_off"], ctx, ClubChange(summary=False))
    return _say(TEXTS["summary_on"].format(zone=ctx.store.club_timezone(*club)), ctx, ClubChange(summary=True))
