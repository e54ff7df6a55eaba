"""Optional extras: says in one line which one to install when a setting needs a library that is missing."""

from __future__ import annotations

import importlib.util
import logging

logger = logging.getLogger(__name__)

# extra -> the modules it brings (the first missing one is named)
MODULES = {
    "telegram": ("telegram", "tzfpy"),
    "discord": ("discord",),
    "postgres": ("psycopg",),
    "charts": ("PIL",),
}
PLATFORM_NEEDS = {"telegram": "TELEGRAM_TOKEN (the Telegram bot)", "discord": "DISCORD_TOKEN (the Discord bot)"}
MESSAGE = "{what} needs the optional extra '{extra}': pip install 'backstride[{extra}]' (./dev installs them all)."


class MissingExtra(Exception):
    """A configured feature's library is not installed; str() is the one line to print."""


def installed(extra: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in MODULES[extra])


def missing(extra: str, what: str) -> str:
    """The one line saying that `what` needs `extra`."""
    return MESSAGE.format(what=what, extra=extra)


def require(extra: str, what: str) -> None:
    """Raises MissingExtra naming the extra to install when `what` cannot work without it."""
    if not installed(extra):
        raise MissingExtra(missing(extra, what))


def check(database_url: str | None, telegram: bool = False, discord: bool = False) -> None:
    """Checks that every configured part has its extra: the database driver and each platform."""
    if database_url and database_url.split(":", 1)[0].startswith("postgres"):
        require("postgres", "A PostgreSQL DATABASE_URL")
    if telegram:
        require("telegram", PLATFORM_NEEDS["telegram"])
    if discord:
        require("discord", PLATFORM_NEEDS["discord"])
