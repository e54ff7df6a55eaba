"""The Telegram webhook server: aiohttp, with the secret checked before a byte of the body is read.

PTB's own webhook server (tornado) reads the whole body, up to 100 MB, before
it looks at the `X-Telegram-Bot-Api-Secret-Token` header, so anyone who can
reach the port can make the bot's memory balloon. Here the header is compared
(in constant time) as soon as the request line and headers arrive; a request
without it gets 403 and its body is never read into memory. A body declared or
found larger than `MAX_BODY` gets 413 (Telegram's updates are a few KB). Accepted
updates go onto the Application's update queue, as PTB's own server does.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # bytes; an update with a long message is ~10 KB
LINGER = 1.0  # seconds spent discarding the unread body of a refused request before closing


class WebhookServer:
    """Serves POST `path` on `listen:port` into `application.update_queue`: `await start()`, `await stop()`."""

    def __init__(self, application: Application, listen: str, port: int, path: str, secret: str,
                 max_body: int = MAX_BODY) -> None:  # fmt: skip
        self.application = application
        self.listen = listen
        self.port = port
        self.path = "/" + path.lstrip("/")
        self._secret = secret.encode()
        self.max_body = max_body
        self.refused = 0  # requests turned away (wrong secret, too big, not an update)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=self.max_body)
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, lingering_time=LINGER)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        await site.start()
        logger.debug("telegram: webhook server on %s:%s", self.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _refuse(self, status: int, why: str) -> web.Response:
        self.refused += 1
        logger.info("telegram: refused a webhook request (%s)", why)
        return web.Response(status=status)

    async def _receive(self, request: web.Request) -> web.Response:
        """Check the secret header, then the size, then read the update and queue it."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return self._refuse(403, "no or wrong secret token")
        if request.content_length is not None and request.content_length > self.max_body:
            return self._refuse(413, f"body of {request.content_length} bytes")
        try:
            body = await request.read()
            data: Any = json.loads(body)
        except web.HTTPRequestEntityTooLarge:
            return self._refuse(413, "body over the limit")
        except (ValueError, UnicodeDecodeError):
            return self._refuse(400, "not JSON")
        try:
            update = Update.de_json(data, self.application.bot) if isinstance(data, dict) else None
        except Exception:  # noqa: BLE001  a malformed update: nothing to process
            update = None
        if update is None:
            return self._refuse(400, "not an update")
        await asyncio.shield(self.application.update_queue.put(update))
        return web.Response()
