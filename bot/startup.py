"""Start-up failures in one line each, in the words `backstride doctor` uses.

`run` and `chat` open the database and (for `run`) log in to each platform through
these helpers; a bad DATABASE_URL, an unreachable database or network, or a
rejected token becomes a `StartupError` whose message says what is wrong and what
to do, and the CLI prints it and exits non-zero instead of showing a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

EXAMPLE_URLS = "e.g. sqlite:///./backstride.db or postgresql+psycopg://user:password@host/dbname"
BOTFATHER = "copy it again from @BotFather"
DISCORD_RESET = "reset it in the Developer Portal (Bot → Reset Token)"


class StartupError(RuntimeError):
    """Start-up cannot go on; the message is one line for the person starting the bot."""


def first_line(error: BaseException) -> str:
    """The error's type and the first line of its message, without the SQLAlchemy/psycopg preamble."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def shown_url(url: Any) -> str:
    """A database URL with its password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001  not a URL at all
        return "DATABASE_URL"


def bad_database_url(error: BaseException) -> str:
    return f"DATABASE_URL is not a database URL Backstride can use ({first_line(error)}); {EXAMPLE_URLS}"


def unreachable_database(shown: str, error: BaseException) -> str:
    return f"cannot connect to {shown}: {first_line(error)}"


def database_problem(error: BaseException, url: Any) -> str:
    """The one-line report for a database that would not open."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    if isinstance(error, (ArgumentError, NoSuchModuleError, ImportError, ValueError)):
        return bad_database_url(error)
    return unreachable_database(shown_url(url), error)


def open_engine(database_url: str | None) -> Any:
    """Opens the database as `run` and `chat` do, or raises StartupError (SchemaError passes through:
    its message already names the command to run). The default file is upgraded in place."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.database import open_database

    try:
        return open_database(database_url, create=True, upgrade=database_url is None)
    except (SQLAlchemyError, OSError, ImportError, ValueError) as error:
        raise StartupError(f"database: {database_problem(error, database_url)}") from None


def telegram_problem(error: BaseException, where: str = "Telegram") -> str | None:
    """The one-line report for a Telegram log-in that failed, or None if it is not a start-up problem."""
    from telegram.error import InvalidToken, NetworkError

    if isinstance(error, InvalidToken):
        return f"{where} refused TELEGRAM_TOKEN (unauthorized): {BOTFATHER}"
    if isinstance(error, (NetworkError, TimeoutError, OSError)):
        return f"could not reach {where} to check TELEGRAM_TOKEN ({first_line(error)})"
    return None


def discord_problem(error: BaseException) -> str | None:
    """The one-line report for a Discord log-in that failed, or None if it is not a start-up problem."""
    import discord

    if isinstance(error, discord.LoginFailure):
        return f"Discord refused DISCORD_TOKEN: {DISCORD_RESET}"
    if isinstance(error, (discord.HTTPException, TimeoutError, OSError)):
        return f"could not reach Discord to check DISCORD_TOKEN ({first_line(error)})"
    return None
