"""`backstride run`: the configured platforms, one engine, one database, one scheduler.

Start-up order: settings, database, engine, adapters, reminders, then the health
endpoint (GET /healthz, in webhook mode or when HEALTH_PORT is set). Shutdown runs
in reverse on SIGINT/SIGTERM: the health endpoint starts answering 503, stop taking
updates, finish in-flight sends, stop the scheduler, close the database. Before
`serve`, the `run` command calls `warm_up`: first-use loads done up front, and the
garbage collector tuned for a long-running server.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

from bot.config import Settings
from bot.outbound import Adapter

logger = logging.getLogger(__name__)


def build_adapters(settings: Settings, engine) -> list[Adapter]:  # type: ignore[no-untyped-def]
    """Creates an adapter for every platform whose token is set."""
    adapters: list[Adapter] = []
    if settings.telegram_token:
        from bot.telegram.adapter import TelegramAdapter

        adapters.append(TelegramAdapter(settings, engine))
    if settings.discord_token:
        from bot.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(settings, engine))
    return adapters


GC_YOUNG_THRESHOLD = 50_000  # Python's default, 700, collects after every few turns of a busy bot


def warm_up() -> None:
    """Loads now what a turn would load on first use, then tunes the garbage collector for a server.

    Turns run on the event loop, so a first use would hold up every chat: the
    warning-sign patterns (about 0.25 s) and dateparser (about 0.15 s).
    gc.freeze() keeps full collections from walking start-up's modules and word
    tables again, and the higher young-generation threshold stops the collector
    from re-scanning the objects of every turn in flight a few times per turn.
    bench/telegram_bench.py prints the collector's share of each phase.
    """
    from dialogs import dates
    from dialogs.safety import signs

    signs.preload()
    dates.preload()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


async def start_health(settings: Settings, database):  # type: ignore[no-untyped-def]
    """Starts GET /healthz when HEALTH_PORT is set, or on its default port in webhook mode; else None."""
    if settings.health_port is None and not (settings.telegram_token and settings.telegram_webhook_url):
        return None
    from bot.health import DEFAULT_PORT, HealthServer

    health = HealthServer(database, settings.health_listen, settings.health_port or DEFAULT_PORT)
    await health.start()
    return health


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Runs every configured platform until SIGINT/SIGTERM (or `stop` is set)."""
    from bot.startup import open_engine
    from dialogs.engine import Engine
    from storage.repository import SqlStore

    # A database that will not open, or an out-of-date schema, stops start-up here with one
    # line (SchemaError names `backstride db upgrade`); only the default SQLite file, which
    # Backstride owns, is upgraded in place.
    database = open_engine(settings.database_url)
    store = SqlStore(database)
    engine = Engine(store)
    adapters = build_adapters(settings, engine)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    started: list[Adapter] = []
    dispatcher = None
    health = None
    try:
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
            logger.info("%s adapter started", adapter.platform)
        from bot.scheduler import Dispatcher

        dispatcher = Dispatcher(database, {a.platform: a for a in started}, store=store)
        await dispatcher.start()
        health = await start_health(settings, database)
        await stop.wait()
        logger.info("shutting down")
    finally:
        if health is not None:
            health.draining()  # the load balancer stops sending while the rest winds down
        if dispatcher is not None:
            await dispatcher.stop()
        for adapter in reversed(started):
            await adapter.stop()
        if health is not None:
            await health.stop()
        database.dispose()
        logger.info("stopped")
