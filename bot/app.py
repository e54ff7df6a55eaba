"""`backstride run`: the configured platforms, one engine, one database, one scheduler.

Start-up order: settings, database, engine, adapters, reminders. Shutdown runs
in reverse on SIGINT/SIGTERM: stop taking updates, finish in-flight sends,
stop the scheduler, close the database.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.config import Settings
from bot.outbound import Adapter

logger = logging.getLogger(__name__)


def build_adapters(settings: Settings, engine, store) -> list[Adapter]:  # type: ignore[no-untyped-def]
    """Creates an adapter for every platform whose token is set."""
    adapters: list[Adapter] = []
    if settings.telegram_token:
        from bot.telegram.adapter import TelegramAdapter

        adapters.append(TelegramAdapter(settings, engine, store))
    if settings.discord_token:
        from bot.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(settings, engine, store))
    return adapters


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Runs every configured platform until SIGINT/SIGTERM (or `stop` is set)."""
    from dialogs.engine import Engine
    from storage.database import open_database
    from storage.repository import SqlStore

    # An out-of-date schema stops start-up here (SchemaError names `backstride db upgrade`);
    # only the default SQLite file, which Backstride owns, is upgraded in place.
    database = open_database(settings.database_url, create=True, upgrade=settings.database_url is None)
    store = SqlStore(database)
    engine = Engine(store)
    adapters = build_adapters(settings, engine, store)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    started: list[Adapter] = []
    dispatcher = None
    try:
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
            logger.info("%s adapter started", adapter.platform)
        from bot.reminders import Dispatcher

        dispatcher = Dispatcher(database, {a.platform: a for a in started}, store=store)
        await dispatcher.start()
        await stop.wait()
        logger.info("shutting down")
    finally:
        if dispatcher is not None:
            await dispatcher.stop()
        for adapter in reversed(started):
            await adapter.stop()
        database.dispose()
        logger.info("stopped")
