"""The command menus Telegram shows: one for private chats, one for groups.

Only commands the engine actually registers are listed, so the menu never
offers something the coach would answer with "I don't know".
"""

from __future__ import annotations

import logging

from telegram import BotCommand

logger = logging.getLogger(__name__)

PRIVATE_DESCRIPTIONS: dict[str, str] = {
    "checkin": "Log a run and get advice",
    "history": "Your recent runs",
    "undo": "Remove the last run you logged",
    "edit": "Correct a recent run",
    "stretches": "Stretching routines",
    "settings": "Name, time zone, units, usual surface",
    "privacy": "What is stored and why",
    "export": "Download your runs as CSV",
    "forget": "Delete everything about you",
    "cancel": "Stop the current question",
    "help": "What I can do",
    "start": "Start or restart",
}

GROUP_DESCRIPTIONS: dict[str, str] = {
    "checkin": "Check in privately after a run",
    "clubrun": "Club runs: list; admins add or remove",
    "stretches": "Stretching routines",
    "help": "What I can do",
}

ALWAYS_IN_GROUPS = ("help", "stretches")  # the engine answers these in groups itself


def private_menu(private_commands: set[str]) -> list[BotCommand]:
    """Returns the private-chat menu for the commands the engine knows."""
    return [BotCommand(name, text) for name, text in PRIVATE_DESCRIPTIONS.items() if name in private_commands]


def group_menu(private_commands: set[str], group_commands: set[str]) -> list[BotCommand]:
    """Returns the group menu: group handlers, plus commands that move to a private chat."""
    known = private_commands | group_commands | set(ALWAYS_IN_GROUPS)
    return [BotCommand(name, text) for name, text in GROUP_DESCRIPTIONS.items() if name in known]
