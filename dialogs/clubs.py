"""/clubrun in a group: add, list and remove the club's weekly runs, set its time zone.

Changes are for the group's admins only; the adapter checks the platform's
admin list and sets `Incoming.is_admin`. Nothing here ever mentions pain.
"""

from __future__ import annotations

import logging
import re

from dialogs import timezones
from dialogs.flow import Context, Outcome, fresh
from dialogs.messages import Incoming, Reply, Visibility
from dialogs.ports import ClubRunInfo

logger = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
USAGE = (
    "Club runs:\n"
    "/clubrun list\n"
    "/clubrun add Sat 09:00 Park gates\n"
    "/clubrun remove 2\n"
    "/clubrun timezone Europe/London"
)
_ADD = re.compile(r"^(?P<day>[a-z]+)\s+(?P<h>\d{1,2})[:.](?P<m>\d{2})\s*(?P<place>.*)$", re.IGNORECASE)


def _say(text: str, ctx: Context) -> Outcome:
    return Outcome([Reply(text=text, visibility=Visibility.ANYWHERE)], fresh(ctx.conversation))


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
        if not runs:
            return _say(f"No club runs yet (time zone {zone}).\n\n{USAGE}", ctx)
        lines = [f"{n}. {describe(run)}" for n, run in enumerate(runs, start=1)]
        return _say(f"Club runs ({zone}):\n" + "\n".join(lines), ctx)
    if action not in ("add", "remove", "timezone"):
        return _say(f"I don't know '/clubrun {action}'.\n\n{USAGE}", ctx)
    if not incoming.is_admin:
        return _say("Sorry, only the group's admins can change club runs.", ctx)
    if action == "timezone":
        zone = timezones.resolve(rest)
        if zone is None:
            return _say("I don't know that time zone. Try a city or a zone like Europe/London.", ctx)
        ctx.store.set_club_timezone(*club, zone)
        return _say(f"Club time zone set to {zone}.", ctx)
    if action == "add":
        match = _ADD.match(rest.strip())
        day = match and next((i for i, d in enumerate(WEEKDAYS) if match.group("day").lower().startswith(d)), None)
        if not match or day is None:
            return _say("To add a run: /clubrun add Sat 09:00 Park gates (weekday, 24-hour time, place).", ctx)
        hour, minute = int(match.group("h")), int(match.group("m"))
        if hour > 23 or minute > 59:
            return _say(f"{hour}:{minute:02d} isn't a time of day. Use 24-hour time, e.g. 18:30.", ctx)
        run = ClubRunInfo(run_id=0, weekday=day, time=f"{hour:02d}:{minute:02d}", place=match.group("place").strip()[:80])
        ctx.store.add_club_run(*club, run)
        return _say(f"Added: {describe(run)}. I'll post a warm-up reminder here before it.", ctx)
    runs = ctx.store.club_runs(*club)
    if not rest.strip().isdigit() or not 1 <= int(rest) <= len(runs):
        return _say(f"Which run? Send /clubrun remove N with N from 1 to {len(runs)} (see /clubrun list).", ctx)
    gone = runs[int(rest) - 1]
    ctx.store.remove_club_run(*club, gone.run_id)
    return _say(f"Removed: {describe(gone)}.", ctx)
