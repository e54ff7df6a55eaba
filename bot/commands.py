"""What each of the coach's commands is called in the platforms' command menus.

Telegram's menu (setMyCommands) and Discord's slash commands both list the
engine's commands (dialogs.engine.PRIVATE_COMMANDS and GROUP_HANDLERS) with the
wording below: name -> (description, option name, option description). A command
the engine adds without wording here still shows up, described by its name.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

COMMANDS: dict[str, tuple[str, str | None, str | None]] = {
    "start": ("Set up Backstride, or see what it can do", None, None),
    "checkin": ("Log a run and any pain (continues privately)", "run", "Optional: e.g. 5 km in 30 min on grass"),
    "history": ("Your recent runs (privately)", None, None),
    "stretches": ("The warm-up or after-run routine", "routine", "warm-up or after"),
    "settings": ("Name, time zone, units and more (privately)", None, None),
    "privacy": ("What Backstride stores and why", None, None),
    "export": ("Your runs as a CSV file (privately)", None, None),
    "progress": ("A chart of your weekly distance and back pain (privately)", None, None),
    "forget": ("Delete everything Backstride knows about you", None, None),
    "cancel": ("Stop what we're doing (what's saved stays saved)", None, None),
    "help": ("What Backstride can do", None, None),
    "plan": (
        "Your usual runs and reminders",
        "change",
        "e.g. Mon 07:00, warmup 45, daily 20:00, quiet 22:00-07:00, off",
    ),
    "reminders": ("Your upcoming reminders", None, None),
    "pause": ("Pause every reminder", None, None),
    "resume": ("Turn reminders back on", None, None),
    "undo": ("Remove the last run you logged (asks first)", None, None),
    "edit": ("Correct a recent run: distance, time, surface, effort, pain or date", None, None),
    "clubrun": (
        "Club runs: list | add Sat 09:00 Park gates | remove N | timezone Europe/London",
        "args",
        "list, add <day> <HH:MM> <place>, remove <N> or timezone <zone>",
    ),
}


def engine_commands() -> dict[str, bool]:
    """Every command the engine answers: name -> True when it has its own group behaviour."""
    from dialogs.engine import GROUP_HANDLERS, PRIVATE_COMMANDS

    return {**{name: False for name in PRIVATE_COMMANDS}, **{name: True for name in GROUP_HANDLERS}}


def description(name: str) -> str:
    """The menu text for a command."""
    return COMMANDS.get(name, (f"/{name}", None, None))[0]
