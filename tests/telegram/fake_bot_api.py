"""A local fake of the Telegram Bot API, for end-to-end tests with the real python-telegram-bot.

It serves `/bot<token>/<method>` on 127.0.0.1 (random port) with the real JSON
shapes (`{"ok": true, "result": ...}`, errors with `error_code`, `description`
and `parameters.retry_after`), records every call, queues updates for
`getUpdates` long polls (or POSTs them to the webhook once one is set), and can
be told to fail the next calls of a method (429, 403, 500, slow answers or a
dropped connection), or, opt-in, a random share of all calls (`fail_randomly`,
seeded, for the reliability suite). Also opt-in, `enforce_flood_limit` answers
429 with retry_after as Telegram does when messages exceed 30 a second (for
bench/reminders_burst.py); by default nothing is rate limited.

PTB posts form-urlencoded bodies (strings raw, everything else as JSON text)
and multipart bodies for files; both are decoded into `Call.params`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from typing import Any, Callable

import aiohttp
from aiohttp import web

from tests.telegram.fake_updates import UpdateMaker
from tests.telegram.fake_wire import (  # noqa: F401  (re-exported: tests import them from here)
    BOT_ID,
    BOT_USERNAME,
    SEND_METHODS,
    STRING_PARAMS,
    TOKEN,
    Call,
    Failure,
    FloodLimit,
    RandomFailures,
)

logger = logging.getLogger(__name__)

class FakeBotApi(UpdateMaker):
    """The fake server. `await api.start()`, point PTB at `api.url`, `await api.stop()`."""

    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.username = username
        self.calls: list[Call] = []
        self.pending: list[dict[str, Any]] = []
        self.failures: dict[str, list[Failure]] = {}
        self.admins: dict[int, set[int]] = {}
        self.webhook: dict[str, Any] | None = None
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.delivered_ids: set[int] = set()
        self.last_keyboard: dict[int, dict[str, Any]] = {}  # chat id -> latest bot message with buttons
        self.reply_keyboards: dict[int, dict[str, Any]] = {}  # chat id -> reply keyboard the app shows (until removed)
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads
        self.random_failures: RandomFailures | None = None  # off unless fail_randomly() is called
        self.flood_limit: FloodLimit | None = None  # off unless enforce_flood_limit() is called
        UpdateMaker.__init__(self)
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.port = 0

    # ----- lifecycle -----------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL to give TELEGRAM_API_URL (PTB adds /bot<token>/<method>)."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "FakeBotApi":
        """Starts serving on a random free port on 127.0.0.1."""
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._client = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        """Wakes every pending long poll, then stops serving."""
        self._closing = True
        async with self._changed:
            self._changed.notify_all()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> "FakeBotApi":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ----- failures --------------------------------------------------------------------

    def fail(
        self,
        method: str,
        times: int = 1,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        delay: float = 0.0,
        disconnect: bool = False,
    ) -> None:
        """Makes the next `times` calls of `method` fail as told."""
        if status == 429 and retry_after is None and not delay and not disconnect:
            retry_after = 1
        failure = Failure(status, retry_after, description, delay, disconnect)
        self.failures.setdefault(method, []).extend([failure] * times)

    def fail_randomly(
        self,
        rate: float = 0.2,
        seed: int = 0,
        kinds: tuple[str, ...] = ("429", "500", "timeout"),
        methods: set[str] | None = None,
        retry_after: int = 1,
        timeout_delay: float = 1.0,
        max_streak: int | None = None,
    ) -> RandomFailures:
        """Opt-in: from now on fail `rate` of the calls (of `methods`, default all) at random.

        Queued failures from `fail()` still come first. Returns the mode, whose `injected`
        counts what was injected; `stop_failing()` turns it off.
        """
        self.random_failures = RandomFailures(
            rate=rate, rng=random.Random(seed), kinds=kinds, methods=frozenset(methods) if methods else None,
            retry_after=retry_after, timeout_delay=timeout_delay, max_streak=max_streak,
        )  # fmt: skip
        return self.random_failures

    def enforce_flood_limit(
        self, per_second: int = 30, window: float = 1.0, retry_after: int = 1, methods: set[str] | None = None
    ) -> FloodLimit:
        """Opt-in: answer 429 (retry_after) to a message when `per_second` were accepted within the last `window` s.

        Counts sendMessage, sendPhoto and sendDocument unless `methods` says otherwise;
        returns the limit, whose `rejected` and `busiest` say how the client fared.
        """
        chosen = frozenset(methods) if methods else SEND_METHODS
        self.flood_limit = FloodLimit(per_second=per_second, window=window, retry_after=retry_after, methods=chosen)
        return self.flood_limit

    def stop_failing(self) -> None:
        """Turns the random failures off (queued ones from `fail()` stay)."""
        self.random_failures = None

    # ----- recorded calls --------------------------------------------------------------

    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        """Returns the successful-or-not calls of a method, optionally to one chat."""
        return [c for c in self.calls if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Returns every sendMessage/sendPhoto/sendDocument call (to one chat if given)."""
        methods = ("sendMessage", "sendPhoto", "sendDocument")
        return [c for c in self.calls if c.method in methods and (chat_id is None or c.chat_id == chat_id)]

    def shown(self, chat_id: int | None = None) -> list[Call]:
        """Returns every accepted call that put a reply in front of the runner: sends, and edits of a message."""
        methods = (*SEND_METHODS, "editMessageText")
        return [c for c in self.calls if c.method in methods and c.result is not None
                and (chat_id is None or c.chat_id == chat_id)]  # fmt: skip

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Waits until the predicate holds, failing the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.005)

    # ----- updates ---------------------------------------------------------------------

    async def deliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Hands an update to the bot: POSTs it to the webhook if one is set, else queues it."""
        if self.webhook and self.webhook.get("url"):
            await self.post_webhook(update)
        else:
            self.pending.append(update)
            async with self._changed:
                self._changed.notify_all()
        return update

    async def post_webhook(self, update: dict[str, Any], secret: str | None = None) -> int:
        """POSTs the update to the webhook URL with its secret header; returns the HTTP status."""
        assert self.webhook and self._client is not None, "no webhook set"
        headers = {}
        token = secret if secret is not None else self.webhook.get("secret_token")
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        async with self._client.post(self.webhook["url"], json=update, headers=headers) as response:
            await response.read()
            return response.status

    # ----- the HTTP side ---------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            body = await request.read()
            if body:
                params.update(json.loads(body))
            return params, files
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:  # type: ignore[union-attr]
                    files[part.name] = (part.filename, await part.read())  # type: ignore[union-attr,assignment]
                else:
                    params[part.name] = await part.text()  # type: ignore[union-attr]
        elif request.can_read_body:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key, value in list(params.items()):
            if key in STRING_PARAMS or not isinstance(value, str):
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass
        return params, files

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        params, files = await self._params(request)
        call = Call(method, params, files)
        self.calls.append(call)
        queue = self.failures.get(method)
        failure: Failure | None = queue.pop(0) if queue else None
        if failure is None and self.random_failures is not None:
            failure = self.random_failures.draw(method, params)
        if failure is None and self.flood_limit is not None:
            failure = self.flood_limit.check(method, call.at)
        if failure is not None:
            if failure.delay:
                await asyncio.sleep(failure.delay)
            if failure.disconnect:
                assert request.transport is not None
                request.transport.close()
                return web.Response()
            if failure.status != 200:
                if failure.status == 429:
                    text = failure.description or f"Too Many Requests: retry after {failure.retry_after}"
                    return self._error(429, text, retry_after=failure.retry_after)
                if failure.status == 403:
                    return self._error(403, failure.description or "Forbidden: bot was blocked by the user")
                if failure.status == 400 and failure.description and "migrated" in failure.description:
                    return self._error(400, failure.description, migrate_to_chat_id=failure.retry_after)
                return self._error(failure.status, failure.description or "Internal Server Error")
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        try:
            result = await handler(params, files)
        except ApiError as error:
            return self._error(error.status, error.description)
        call.result = result
        return self._ok(result)

    # ----- methods ---------------------------------------------------------------------

    async def api_getMe(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Backstride",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def api_getUpdates(self, params: dict[str, Any], files: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook and self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not self.pending and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except asyncio.TimeoutError:
                    break
        batch = self.pending[:limit]
        self.delivered_ids.update(u["update_id"] for u in batch)
        return batch

    async def api_setWebhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token"), **params}
        return True

    async def api_deleteWebhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self.pending.clear()
        return True

    async def api_getWebhookInfo(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return {"url": (self.webhook or {}).get("url") or "", "has_custom_certificate": False,
                "pending_update_count": len(self.pending)}

    def _bot_message(self, chat_id: Any, **body: Any) -> dict[str, Any]:
        chat_id = int(chat_id)
        kind = "private" if chat_id > 0 else "supergroup"
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, kind),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Backstride", "username": self.username},
            **{k: v for k, v in body.items() if v is not None},
        }
        markup = message.get("reply_markup") or {}
        if "keyboard" in markup:
            self.reply_keyboards[chat_id] = markup  # shown under the input field, not on the message
            message.pop("reply_markup")
        elif markup.get("remove_keyboard"):
            self.reply_keyboards.pop(chat_id, None)
            message.pop("reply_markup")
        self.messages[(chat_id, message["message_id"])] = message
        if message.get("reply_markup"):
            self.last_keyboard[chat_id] = message
        return message

    async def api_sendMessage(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        if not params.get("text"):
            raise ApiError(400, "Bad Request: message text is empty")
        if len(params["text"]) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        self._check_markup(params)
        return self._bot_message(params["chat_id"], text=params["text"], reply_markup=params.get("reply_markup"))

    async def api_sendPhoto(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        if "photo" not in files and not isinstance(params.get("photo"), str):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        self._check_markup(params)
        photo = [{"file_id": "P1", "file_unique_id": "PU1", "width": 640, "height": 480}]
        return self._bot_message(params["chat_id"], photo=photo, caption=params.get("caption"),
                                 reply_markup=params.get("reply_markup"))

    async def api_sendDocument(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        if "document" not in files:
            raise ApiError(400, "Bad Request: there is no document in the request")
        name = files["document"][0]
        document = {"file_id": "D1", "file_unique_id": "DU1", "file_name": name}
        return self._bot_message(params["chat_id"], document=document, caption=params.get("caption"),
                                 reply_markup=params.get("reply_markup"))

    def _check_markup(self, params: dict[str, Any], inline_only: bool = False) -> None:
        markup = params.get("reply_markup") or {}
        if markup and not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if inline_only and markup and "inline_keyboard" not in markup:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        for row in markup.get("keyboard", []):
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError(400, "Bad Request: keyboard button text is empty")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if data is None and "url" not in button:
                    raise ApiError(400, "Bad Request: can't parse inline keyboard button")

    def _stored(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    async def api_editMessageText(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        self._check_markup(params, inline_only=True)
        if not params.get("text"):
            raise ApiError(400, "Bad Request: message text is empty")
        if message.get("text") == params.get("text") and message.get("reply_markup") == params.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = params["text"]
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
            self.last_keyboard[int(params["chat_id"])] = message
        return message

    async def api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def api_getFile(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}"}

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        self.calls.append(Call("download", {"path": request.match_info["path"]}))
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.files:
            return self._error(404, "Not Found")
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def api_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    async def api_setMyCommands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    async def api_deleteMyCommands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _member(self, user_id: int, status: str) -> dict[str, Any]:
        body: dict[str, Any] = {"user": self.user(user_id), "status": status}
        if status == "administrator":
            body.update(
                can_be_edited=False, is_anonymous=False, can_manage_chat=True, can_delete_messages=True,
                can_manage_video_chats=True, can_restrict_members=True, can_promote_members=False,
                can_change_info=True, can_invite_users=True, can_post_stories=False, can_edit_stories=False,
                can_delete_stories=False,
            )
        return body

    async def api_getChatAdministrators(self, params: dict[str, Any], files: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = int(params["chat_id"])
        return [self._member(user_id, "administrator") for user_id in sorted(self.admins.get(chat_id, set()))]

    async def api_getChatMember(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = "administrator" if user_id in self.admins.get(chat_id, set()) else "member"
        return self._member(user_id, status)


class ApiError(Exception):
    """A Bot API error answer (status and description)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
