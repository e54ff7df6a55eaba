"""The health endpoint, for load balancers and orchestrators: `GET /healthz`.

A small aiohttp server beside the bot (in webhook mode, or whenever HEALTH_PORT is
set). It answers 200 `{"status": "ok", "database": "ok"}` when the database answers
a trivial query within a couple of seconds, and 503 otherwise: `"database": "error"`
when it does not answer, `"status": "stopping"` once shutdown has begun, so a load
balancer stops sending updates to a process that is finishing its last ones.
Nothing about runners is ever in the answer.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

PATH = "/healthz"
DEFAULT_PORT = 8080  # in webhook mode when HEALTH_PORT is not set
DB_TIMEOUT = 2.0  # seconds the database may take to answer


class HealthServer:
    """Serves GET /healthz on `listen:port`: `await start()`, `draining()`, `await stop()`."""

    def __init__(self, database: Engine, listen: str = "0.0.0.0", port: int = DEFAULT_PORT,
                 db_timeout: float = DB_TIMEOUT) -> None:  # fmt: skip
        self.database = database
        self.listen = listen
        self.port = port
        self.db_timeout = db_timeout
        self._stopping = False
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(PATH, self._healthz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        await site.start()
        if self.port == 0:  # an ephemeral port (tests): report the real one
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        logger.info("health endpoint on http://%s:%s%s", self.listen, self.port, PATH)

    def draining(self) -> None:
        """From now on answer 503 "stopping" (shutdown has begun)."""
        self._stopping = True

    async def stop(self) -> None:
        self._stopping = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _ping(self) -> None:
        with self.database.connect() as connection:
            connection.execute(text("SELECT 1"))

    async def database_ok(self) -> bool:
        try:
            await asyncio.wait_for(asyncio.to_thread(self._ping), self.db_timeout)
        except Exception as error:  # noqa: BLE001  any failure means unhealthy
            logger.warning("health check: the database did not answer (%s)", type(error).__name__)
            return False
        return True

    async def _healthz(self, request: web.Request) -> web.Response:
        if self._stopping:
            return web.json_response({"status": "stopping"}, status=503)
        if not await self.database_ok():
            return web.json_response({"status": "error", "database": "error"}, status=503)
        return web.json_response({"status": "ok", "database": "ok"})
