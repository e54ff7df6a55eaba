"""The command menus Telegram shows (setMyCommands): one for private chats, one for groups.

Both are built from the engine's command table at start-up, worded from
bot/commands.py, so the menu never offers something the coach would answer with
"I don't know" and a new engine command appears without touching this file.
"""

from __future__ import annotations

import logging
import re

from telegram import BotCommand

from bot.commands import description, engine_commands

logger = logging.getLogger(__name__)

IN_GROUPS = ("checkin", "stretches", "help")  # private commands worth offering in a group menu too
DESCRIPTION_LIMIT = 256  # Telegram's cap for a command's description
_NAME = re.compile(r"^[a-z0-9_]{1,32}$")  # Telegram's rule for command names


def _menu(names: list[str]) -> list[BotCommand]:
    menu = []
    for name in names:
        if not _NAME.match(name):
            logger.warning("telegram: /%s is not a valid Telegram command name; left out of the menu", name)
            continue
        menu.append(BotCommand(name, description(name)[:DESCRIPTION_LIMIT]))
    return menu


def private_menu() -> list[BotCommand]:
    """Returns the private-chat menu: every command the engine knows, in the engine's order."""
    return _menu(list(engine_commands()))


def group_menu() -> list[BotCommand]:
    """Returns the group menu: commands with their own group behaviour, and a few that lead to a private chat."""
    commands = engine_commands()
    return _menu([name for name, in_group in commands.items() if in_group or name in IN_GROUPS])


def needs_admin_check(command: str | None) -> bool:
    """Whether a group command's answer may depend on the sender being an admin (its own group handler)."""
    return bool(engine_commands().get(command or ""))
