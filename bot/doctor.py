"""`backstride doctor`: checks the settings, the database and each token, and says what is wrong.

Each check prints one line: `ok`, `--` (skipped or nothing to check), or `FAIL`
with what to do. Tokens are never printed: any error text from a platform is
cleaned of them first. The exit status is 1 when anything failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from bot import extras
from bot.config import Settings, SettingsError, load_settings
from bot.logs import protect, redact, settings_secrets
from bot.startup import bad_database_url, discord_problem, telegram_problem, unreachable_database

logger = logging.getLogger(__name__)

OK, SKIP, FAIL = "ok", "--", "FAIL"
TIMEOUT = 15.0


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    status: str
    what: str
    detail: str


def check_database(settings: Settings) -> Check:
    """Connects, then reads the schema's revision (changes nothing but creating a missing SQLite file)."""
    from sqlalchemy.engine import make_url

    from storage import schema
    from storage.database import connect

    configured = settings.database_url
    try:
        extras.check(configured)
    except extras.MissingExtra as error:
        return Check(FAIL, "database", str(error))
    try:
        engine = connect(configured)
    except Exception as error:  # noqa: BLE001  any failure is the report
        return Check(FAIL, "database", bad_database_url(error))
    shown = make_url(engine.url).render_as_string(hide_password=True)
    try:
        found = schema.status(engine)
    except Exception as error:  # noqa: BLE001
        return Check(FAIL, "database", unreachable_database(shown, error))
    finally:
        engine.dispose()
    if found.state == "current":
        return Check(OK, "database", f"{shown}: schema {found.describe()}")
    if configured is None and found.state in ("empty", "behind", "unversioned"):
        return Check(OK, "database", f"{shown} (the default file): schema {found.state}; start-up brings it up to date")
    if found.state == "empty":
        return Check(OK, "database", f"{shown}: no tables yet; start-up or `{schema.UPGRADE_COMMAND}` creates them")
    return Check(FAIL, "database", f"{shown}: schema {found.describe()}")


async def check_telegram(settings: Settings) -> Check:
    """Asks the Bot API who the token belongs to (getMe), at TELEGRAM_API_URL if set."""
    if not settings.telegram_token:
        return Check(SKIP, "telegram", "TELEGRAM_TOKEN not set: Telegram is off")
    if not extras.installed("telegram"):
        return Check(FAIL, "telegram", extras.missing("telegram", extras.PLATFORM_NEEDS["telegram"]))
    from telegram import Bot
    from telegram.error import TelegramError
    from telegram.request import HTTPXRequest

    token = settings.telegram_token.get_secret_value()
    options = {}
    where = "Telegram"
    if settings.telegram_api_url:
        options = {"base_url": f"{settings.telegram_api_url}/bot", "base_file_url": f"{settings.telegram_api_url}/file/bot"}
        where = settings.telegram_api_url
    request = HTTPXRequest(connect_timeout=TIMEOUT, read_timeout=TIMEOUT)
    try:
        bot = Bot(token, request=request, **options)
        me = await asyncio.wait_for(bot.get_me(), TIMEOUT * 2)
    except (TelegramError, asyncio.TimeoutError, OSError) as error:
        return Check(FAIL, "telegram", telegram_problem(error, where) or f"{where}: {type(error).__name__}")
    finally:
        await request.shutdown()
    return Check(OK, "telegram", f"TELEGRAM_TOKEN accepted: the bot is @{me.username}")


async def check_discord(settings: Settings) -> Check:
    """Logs in over REST (GET /users/@me, as discord.py's login does); no gateway connection."""
    if not settings.discord_token:
        return Check(SKIP, "discord", "DISCORD_TOKEN not set: Discord is off")
    if not extras.installed("discord"):
        return Check(FAIL, "discord", extras.missing("discord", extras.PLATFORM_NEEDS["discord"]))
    import discord

    client = discord.Client(intents=discord.Intents.none())
    try:
        await asyncio.wait_for(client.login(settings.discord_token.get_secret_value()), TIMEOUT * 2)
        name = str(client.user) if client.user else "the bot"
    except (discord.LoginFailure, discord.HTTPException, asyncio.TimeoutError, OSError) as error:
        return Check(FAIL, "discord", discord_problem(error) or f"Discord: {type(error).__name__}")
    finally:
        await client.close()
    return Check(OK, "discord", f"DISCORD_TOKEN accepted: the bot is {name}")


async def run_checks(settings: Settings) -> list[Check]:
    database = await asyncio.to_thread(check_database, settings)
    telegram, discord_ = await asyncio.gather(check_telegram(settings), check_discord(settings))
    platforms = [telegram, discord_]
    if all(c.status == SKIP for c in platforms):
        platforms.append(Check(SKIP, "platforms", "no token set: `backstride run` needs TELEGRAM_TOKEN and/or DISCORD_TOKEN"))
    return [database, *platforms]


def report(checks: Iterable[Check], out: TextIO, secrets: Iterable[str | None] = ()) -> int:
    """Prints the checks (secrets masked, and a password only where a URL holds it) and returns how many failed."""
    protect(*secrets)
    failed = 0
    for check in checks:
        failed += check.status == FAIL
        print(f"  {check.status:<4}  {check.what}: {redact(check.detail)}", file=out)
    print("All good." if not failed else f"{failed} problem(s) found.", file=out)
    return failed


def doctor(out: TextIO) -> int:
    """Runs every check; returns the exit status (0 all good, 1 problems, 2 bad settings)."""
    print("Backstride doctor", file=out)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"  {FAIL:<4}  settings: {error}", file=out)
        print("Fix the setting(s) above (environment or .env) and run `backstride doctor` again.", file=out)
        return 2
    print(f"  {OK:<4}  settings: read from the environment and .env", file=out)
    checks = asyncio.run(run_checks(settings))
    return 1 if report(checks, out, settings_secrets(settings)) else 0
