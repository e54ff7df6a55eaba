"""The Telegram adapter: Telegram updates in, the engine's replies out, via python-telegram-bot.

Translation only: a message, button press or membership change becomes an
`Incoming` for the engine, and each `Reply` becomes a Bot API call. No
coaching logic lives here. The rules this module owns are Telegram's:

- Updates are processed concurrently, but one runner's turns run one at a time
  (a per-runner lock around "engine, then send"), so their replies keep order.
- In a group only `Visibility.ANYWHERE` replies are sent; a button whose payload
  is a command becomes a URL button to the private-chat deep link
  `https://t.me/<bot>?start=<command>`.
- A pressed button's callback query is answered and, unless it only shows a
  detail (`x:` payloads, which stay pressable), its keyboard is removed and the
  chosen label appended, so an old question cannot be answered twice.
- Delivery goes through PTB's `AIORateLimiter` (never more than 30 messages in
  any second overall, see bot/telegram/pacing.py; 20/min
  per group), honours `RetryAfter`, retries network errors with backoff, and
  marks a runner who blocked the bot inactive (`Delivery.BLOCKED`).

The bot token never appears in a log line: PTB puts it only in request URLs,
`AiohttpRequest` keeps URLs out of its error messages, and `redact` masks the
token in any log record (PTB itself logs its API URL at DEBUG).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
import weakref
from datetime import timedelta
from typing import Any, Awaitable, Callable, Sequence, TypeVar
from urllib.parse import urlparse

from telegram import (
    ChatMember,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram import BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

from bot.geo import zone_at
from bot.logs import update_fields
from bot.outbound import Delivery
from bot.telegram import commands as menus
from bot.telegram import redact
from bot.telegram.pacing import PacedRateLimiter
from bot.telegram.request import AiohttpRequest
from dialogs.messages import Address, Attachment, ChatKind, Incoming, Reply, Visibility

logger = logging.getLogger(__name__)

PLATFORM = "telegram"
TEXT_LIMIT = 4000  # Telegram allows 4096 characters; leave room for UTF-16 surrogate pairs
CAPTION_LIMIT = 1000  # Telegram allows 1024
ADMIN_TTL = 300.0  # seconds a group's administrator list is trusted
DETAIL_PREFIX = "x:"  # buttons that only show a detail stay pressable
ANONYMOUS_ADMIN_ID = 1087968824  # "GroupAnonymousBot": an admin posting as the group
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED}
_START_PARAM = re.compile(r"[^A-Za-z0-9_-]")

T = TypeVar("T")


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Splits a long text at paragraph, line or word breaks into Telegram-sized pieces."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text.strip():
        pieces.append(text)
    return pieces


def start_parameter(payload: str) -> str:
    """Turns a command payload ("/checkin") into a deep-link start parameter ("checkin")."""
    return _START_PARAM.sub("_", payload.lstrip("/").strip())[:64] or "start"


def _retry_seconds(error: RetryAfter) -> float:
    value: Any = getattr(error, "_retry_after", None)
    if value is None:
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramAdapter:
    """Runs the coach on Telegram: `await start()`, `await send(...)`, `await stop()`."""

    platform = PLATFORM

    def __init__(
        self,
        settings: Any,
        engine: Any,
        store: Any,
        *,
        rate_limit: bool = True,
        poll_timeout: float = 30.0,
        retry_attempts: int = 4,
        retry_backoff: float = 0.5,
        max_retry_after: float = 60.0,
        connection_pool_size: int = 100,
    ) -> None:
        if not getattr(settings, "telegram_token", None):
            raise ValueError("TELEGRAM_TOKEN is not set")
        self.settings = settings
        self.engine = engine
        self.store = store
        self.poll_timeout = poll_timeout
        self.retry_attempts = max(1, retry_attempts)
        self.retry_backoff = retry_backoff
        self.max_retry_after = max_retry_after
        self.username = ""
        self.handled = 0  # updates fully processed (engine ran, replies sent); tests and bench read it
        self.on_handled: Callable[[int], None] | None = None  # called with each processed update's id
        self._admins: dict[int, tuple[float, frozenset[int]]] = {}
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.application = self._build(rate_limit, connection_pool_size)

    # ----- building and running ---------------------------------------------------------

    def _build(self, rate_limit: bool, pool_size: int) -> Application:
        token = self.settings.telegram_token.get_secret_value()
        secret = getattr(self.settings, "telegram_webhook_secret", None)
        redact.protect(token, secret.get_secret_value() if secret else None)
        builder: ApplicationBuilder = (
            Application.builder()
            .token(token)
            .request(AiohttpRequest(connection_pool_size=pool_size))
            .get_updates_request(AiohttpRequest(connection_pool_size=2))
            .concurrent_updates(True)
            .job_queue(None)
        )
        api_url = getattr(self.settings, "telegram_api_url", None)
        if api_url:
            base = str(api_url).rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        if rate_limit:
            # AIORateLimiter with a sliding-window pacer for the overall limit: PTB's default bucket
            # lets ~59 messages through in a burst's first second, and Telegram answers 429.
            builder = builder.rate_limiter(PacedRateLimiter(max_retries=3))
        app = builder.build()
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, self._on_message))
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_handler(ChatMemberHandler(self._on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)
        return app

    @property
    def webhook_url(self) -> str | None:
        return getattr(self.settings, "telegram_webhook_url", None) or None

    async def start(self) -> None:
        """Connects, registers the command menus, and starts long polling or the webhook."""
        app = self.application
        try:
            await app.initialize()
        except InvalidToken:
            raise RuntimeError("TELEGRAM_TOKEN was rejected by the Bot API; check it with @BotFather") from None
        self.username = app.bot.username or ""
        await self._set_commands()
        assert app.updater is not None
        if self.webhook_url:
            secret_setting = getattr(self.settings, "telegram_webhook_secret", None)
            secret = secret_setting.get_secret_value() if secret_setting else secrets.token_urlsafe(32)
            redact.protect(secret)
            listen = getattr(self.settings, "telegram_webhook_listen", "0.0.0.0")
            port = int(getattr(self.settings, "telegram_webhook_port", 8443))
            await app.updater.start_webhook(
                listen=listen,
                port=port,
                url_path=urlparse(str(self.webhook_url)).path.lstrip("/"),
                webhook_url=str(self.webhook_url),
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            logger.info("telegram: @%s receiving updates by webhook on %s:%s", self.username, listen, port)
        else:
            await app.updater.start_polling(
                poll_interval=0.0, timeout=int(self.poll_timeout), allowed_updates=ALLOWED_UPDATES,
                error_callback=_polling_failed,
            )
            logger.info("telegram: @%s receiving updates by long polling", self.username)
        await app.start()

    async def stop(self) -> None:
        """Stops taking updates, finishes the turns in flight, and closes the connections."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        logger.info("telegram: stopped")

    async def _set_commands(self) -> None:
        """Registers the command menus for private chats and for groups."""
        from dialogs.engine import GROUP_HANDLERS, PRIVATE_COMMANDS

        private, group = set(PRIVATE_COMMANDS), set(GROUP_HANDLERS)
        bot = self.application.bot
        try:
            await self._call(lambda: bot.set_my_commands(menus.private_menu(private), scope=BotCommandScopeAllPrivateChats()))
            await self._call(lambda: bot.set_my_commands(menus.group_menu(private, group), scope=BotCommandScopeAllGroupChats()))
        except TelegramError as error:
            logger.warning("telegram: could not register the command menus: %s", error)

    # ----- updates in -------------------------------------------------------------------

    def _lock(self, user_id: str) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = self._locks[user_id] = asyncio.Lock()
        return lock

    def _done(self, update: Update) -> None:
        self.handled += 1
        if self.on_handled is not None:
            self.on_handled(update.update_id)

    @staticmethod
    def _address(chat_id: int, chat_type: str, user_id: int) -> Address:
        kind = ChatKind.PRIVATE if chat_type == ChatType.PRIVATE else ChatKind.GROUP
        return Address(PLATFORM, str(chat_id), str(user_id), kind)

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Turn a message into an Incoming, run the engine, send its replies."""
        try:
            message = update.message
            if message is None or message.from_user is None:
                return
            chat = message.chat
            if chat.type not in (ChatType.PRIVATE, ChatType.GROUP, ChatType.SUPERGROUP):
                return
            if message.from_user.is_bot and message.from_user.id != ANONYMOUS_ADMIN_ID:
                return
            address = self._address(chat.id, chat.type, message.from_user.id)
            incoming = self._incoming(message, address)
            if incoming is None:
                return
            if incoming.kind == "attachment":
                incoming = await self._download(incoming, message)
            if address.is_group and incoming.kind == "command":
                admin = await self._is_admin(chat.id, message.from_user.id, message)
                incoming = _with_admin(incoming, admin)
            await self._turn(address, incoming, update.update_id)
        finally:
            self._done(update)

    def _incoming(self, message: Message, address: Address) -> Incoming | None:
        """Returns the neutral form of a message, or None when the bot should stay quiet."""
        if message.text is not None:
            text = message.text
            if address.is_group:
                text = self._strip_mention(text)
            incoming = Incoming.from_text(address, text)
            if incoming.kind == "command":
                head = text.strip().split(maxsplit=1)[0]
                _, at, target = head.partition("@")
                if at and target.lower() != self.username.lower():
                    return None  # a command for another bot in the same group
            return incoming
        if address.is_group:
            return None  # photos and files in a club chat are not for the coach
        if message.document is not None:
            return Incoming(address=address, text=message.caption or "", kind="attachment")  # content: _download
        if message.location is not None:
            zone = zone_at(message.location.latitude, message.location.longitude)
            return Incoming(address=address, text=zone or "", kind="location")
        return Incoming(address=address, text=message.caption or "", kind="unsupported")

    async def _download(self, incoming: Incoming, message: Message) -> Incoming:
        """Attaches the document's bytes (when small enough) for the engine to read."""
        from dataclasses import replace

        from dialogs.imports import MAX_BYTES

        document = message.document
        assert document is not None
        name, size = document.file_name or "file", document.file_size or 0
        content = None
        if size <= MAX_BYTES:
            try:
                file = await self._call(lambda: document.get_file())
                content = bytes(await self._call(lambda: file.download_as_bytearray()))
                size = len(content)
            except TelegramError as error:
                logger.warning("telegram: could not download a document: %s", error)
        return replace(incoming, attachment=Attachment(filename=name, size=size, content=content))

    def _strip_mention(self, text: str) -> str:
        if not self.username:
            return text
        stripped = re.sub(rf"(?<!\w)@{re.escape(self.username)}\b", "", text, flags=re.IGNORECASE)
        return stripped.strip() if stripped != text else text

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a button press, retire its keyboard, and run the engine on its payload."""
        try:
            query = update.callback_query
            if query is None:
                return
            message = query.message
            if message is None or not query.data:
                await self._quietly(query.answer())
                return
            chat = message.chat
            address = self._address(chat.id, chat.type, query.from_user.id)
            incoming = Incoming.button(address, query.data)
            if address.is_group:
                incoming = _with_admin(incoming, await self._is_admin(chat.id, query.from_user.id))
            side = [self._quietly(query.answer())]
            if isinstance(message, Message) and not query.data.startswith(DETAIL_PREFIX):
                side.append(self._quietly(self._retire_keyboard(message, query.data)))
            chores = asyncio.gather(*side)
            try:
                await self._turn(address, incoming, update.update_id)
            finally:
                await chores
        finally:
            self._done(update)

    async def _retire_keyboard(self, message: Message, data: str) -> None:
        """Removes the pressed message's keyboard and notes the chosen answer under its text."""
        label = None
        if message.reply_markup is not None:
            for row in message.reply_markup.inline_keyboard:
                for button in row:
                    if button.callback_data == data:
                        label = button.text
        if message.text and label and len(message.text) + len(label) + 4 <= TEXT_LIMIT:
            await self._call(lambda: message.edit_text(f"{message.text}\n\n» {label}", reply_markup=None))
        elif message.reply_markup is not None:
            await self._call(lambda: message.edit_reply_markup(reply_markup=None))

    async def _on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Note being added to or removed from a group, keeping the club's settings."""
        try:
            change: ChatMemberUpdated | None = update.my_chat_member
            if change is None or change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
                return
            chat_id = change.chat.id
            was = change.old_chat_member.status in PRESENT
            now = change.new_chat_member.status in PRESENT
            if was == now:
                return
            self._admins.pop(chat_id, None)
            logger.info("telegram: %s group %s", "added to" if now else "removed from", chat_id)
            await self._store_call("set_club_active", PLATFORM, str(chat_id), now, title=change.chat.title)
            if now:
                address = self._address(chat_id, change.chat.type, change.from_user.id)
                await self._turn(address, Incoming.from_text(address, "/help"), update.update_id)
        finally:
            self._done(update)

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Move a group's club settings to its new supergroup id."""
        try:
            message = update.effective_message
            if message is not None and message.migrate_to_chat_id:
                await self._migrate(message.chat.id, message.migrate_to_chat_id)
        finally:
            self._done(update)

    async def _migrate(self, old: int, new: int) -> None:
        logger.info("telegram: group %s is now supergroup %s", old, new)
        self._admins.pop(old, None)
        await self._store_call("migrate_chat", PLATFORM, str(old), str(new))

    async def _store_call(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Calls an optional store method in a thread, if the store has it."""
        method = getattr(self.store, name, None)
        if method is None:
            logger.debug("store has no %s; skipped", name)
            return
        try:
            await asyncio.to_thread(method, *args, **kwargs)
        except Exception:
            logger.exception("store.%s failed", name)

    async def _is_admin(self, chat_id: int, user_id: int, message: Message | None = None) -> bool:
        """Tells whether the user administers the group, from a list cached for a few minutes."""
        if message is not None and message.sender_chat is not None and message.sender_chat.id == chat_id:
            return True  # an anonymous admin posting as the group
        cached = self._admins.get(chat_id)
        now = time.monotonic()
        if cached is None or cached[0] < now:
            try:
                members = await self._call(lambda: self.application.bot.get_chat_administrators(chat_id))
            except TelegramError as error:
                logger.warning("telegram: could not read the admins of %s: %s", chat_id, error)
                return False
            cached = (now + ADMIN_TTL, frozenset(member.user.id for member in members))
            self._admins[chat_id] = cached
        return user_id in cached[1]

    async def _turn(self, address: Address, incoming: Incoming, update_id: int | None = None) -> None:
        """Runs the engine and sends its replies, one turn per runner at a time.

        Logs one line per update with its ids, the kind of input and the outcome, never
        what the runner wrote (a pain report is health data).
        """
        started = time.monotonic()
        async with self._lock(address.user_id):
            replies = await self.engine.handle(incoming)
            delivery = await self._deliver(address, replies)
        fields = update_fields(
            PLATFORM, update_id, address.user_id, chat_kind=address.chat_kind.value, kind=incoming.kind,
            command=_command_name(incoming), replies=len(replies), delivery=delivery.value,
            duration_ms=round((time.monotonic() - started) * 1000),
        )  # fmt: skip
        logger.info("telegram: update %s handled: %s, %s", update_id, incoming.kind, delivery.value, extra=fields)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log a failed update with its id; the application keeps running."""
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        logger.error("telegram: update %s failed: %s", update_id, type(error).__name__, exc_info=error,
                     extra=update_fields(PLATFORM, update_id))

    # ----- replies out ------------------------------------------------------------------

    async def send(self, address: Address, replies: Sequence[Reply]) -> Delivery:
        """Delivers unprompted replies (reminders); skips runners who blocked the bot."""
        if not address.is_group:
            snapshot = await asyncio.to_thread(self.store.load, address)
            if not getattr(snapshot, "active", True):
                return Delivery.BLOCKED
        async with self._lock(address.user_id):
            return await self._deliver(address, replies)

    async def _deliver(self, address: Address, replies: Sequence[Reply]) -> Delivery:
        """Sends each reply in order; stops at the first one that cannot be delivered."""
        chat_id = int(address.chat_id)
        for reply in replies:
            if address.is_group and reply.visibility is not Visibility.ANYWHERE:
                logger.warning("telegram: dropped a private %s reply meant for group %s", reply.kind, chat_id)
                continue
            try:
                try:
                    await self._send_reply(chat_id, reply, address.is_group)
                except ChatMigrated as moved:
                    await self._migrate(chat_id, int(moved.new_chat_id))
                    chat_id = int(moved.new_chat_id)
                    await self._send_reply(chat_id, reply, address.is_group)
            except Forbidden as error:
                logger.info("telegram: chat %s refuses messages (%s)", chat_id, error,
                            extra=update_fields(PLATFORM, None, address.user_id))
                if not address.is_group:
                    await self._store_call("set_active", PLATFORM, address.user_id, False)
                return Delivery.BLOCKED
            except TelegramError as error:
                logger.warning("telegram: could not send to chat %s: %s", chat_id, error,
                               extra=update_fields(PLATFORM, None, address.user_id))
                return Delivery.FAILED
        return Delivery.SENT

    def _markup(self, reply: Reply, group: bool) -> InlineKeyboardMarkup | None:
        """Draws the buttons; in a group, command buttons become private-chat deep links."""
        if not reply.buttons:
            return None
        keyboard = []
        for row in reply.buttons:
            cells = []
            for button in row:
                if group and button.payload.startswith("/"):
                    url = f"https://t.me/{self.username}?start={start_parameter(button.payload)}"
                    cells.append(InlineKeyboardButton(button.label, url=url))
                else:
                    cells.append(InlineKeyboardButton(button.label, callback_data=button.payload))
            keyboard.append(cells)
        return InlineKeyboardMarkup(keyboard)

    async def _send_reply(self, chat_id: int, reply: Reply, group: bool) -> None:
        """Sends one reply as a message, a photo or a document, keyboard on its last part."""
        bot = self.application.bot
        markup = self._markup(reply, group)
        text = reply.text or ""
        if reply.image is not None or reply.document is not None:
            caption = text if len(text) <= CAPTION_LIMIT else None
            if reply.image is not None:
                image = reply.image
                await self._call(
                    lambda: bot.send_photo(chat_id, photo=image, caption=caption,
                                           reply_markup=markup if caption is not None else None)
                )
            else:
                name, content = reply.document  # type: ignore[misc]
                await self._call(
                    lambda: bot.send_document(chat_id, document=InputFile(content, filename=name), caption=caption,
                                              reply_markup=markup if caption is not None else None)
                )
            if caption is not None:
                return
        pieces = split_text(text)
        if not pieces and markup is not None:
            pieces = ["…"]
        for number, piece in enumerate(pieces, start=1):
            last = number == len(pieces)
            await self._call(lambda: bot.send_message(chat_id, piece, reply_markup=markup if last else None))

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Makes a Bot API call, waiting out RetryAfter and retrying network errors with backoff."""
        for attempt in range(1, self.retry_attempts + 1):
            last = attempt == self.retry_attempts
            try:
                return await make()
            except RetryAfter as error:
                wait = _retry_seconds(error)
                if last or wait > self.max_retry_after:
                    raise
                logger.info("telegram: flood control, waiting %.1f s", wait)
                await asyncio.sleep(wait)
            except (BadRequest, Forbidden, InvalidToken, ChatMigrated, Conflict):
                raise
            except NetworkError as error:  # includes TimedOut
                if last:
                    raise
                wait = self.retry_backoff * 2 ** (attempt - 1)
                logger.info("telegram: %s; retry %d in %.2f s", type(error).__name__, attempt, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    @staticmethod
    async def _quietly(call: Awaitable[Any]) -> None:
        """Awaits a side call (answering a query, editing a keyboard) that may fail harmlessly."""
        try:
            await call
        except TelegramError as error:
            logger.debug("telegram: side call failed: %s", error)


def _polling_failed(error: TelegramError) -> None:
    """A getUpdates call failed; PTB retries with backoff. A warning, not an ERROR with a traceback."""
    logger.warning("telegram: polling for updates failed (%s: %s); retrying", type(error).__name__, error)


def _command_name(incoming: Incoming) -> str | None:
    """The command's name for a log line if it is one of ours; anything typed after a slash is the runner's words."""
    if incoming.kind != "command":
        return None
    from dialogs.engine import GROUP_HANDLERS, PRIVATE_COMMANDS

    name = incoming.command or ""
    return name if name in PRIVATE_COMMANDS or name in GROUP_HANDLERS else "other"


def _with_admin(incoming: Incoming, admin: bool) -> Incoming:
    if incoming.is_admin == admin:
        return incoming
    from dataclasses import replace

    return replace(incoming, is_admin=admin)
