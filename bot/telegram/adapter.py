"""The Telegram adapter: Telegram updates in, the engine's replies out, via python-telegram-bot.

Translation only: a message, button press or membership change becomes an
`Incoming` for the engine, and each `Reply` becomes a Bot API call
(bot/telegram/replies.py). No coaching logic lives here. The rules this module owns
are Telegram's:

- Updates are processed concurrently; the engine runs one runner's turns one at a
  time, and each chat's replies leave in the order its turns finished (`Outbox`).
- In a group the engine returns only group-safe replies (`send` checks unprompted
  ones with the same `group_safe`); a button whose payload is a command becomes a
  URL button to the private-chat deep link `https://t.me/<bot>?start=<command>`.
- A pressed button's callback query is answered at once, beside the turn. Unless
  the button only shows a detail (`x:` payloads, which stay pressable), the
  turn's first reply replaces the pressed question in place.
- Group admin rights for /clubrun are read fresh from Telegram (getChatMember) for
  each command, so a removed admin loses them at once.
- Delivery is paced to Telegram's limits (bot/telegram/pacing.py: 30/s overall,
  1/s per private chat, 20/min per group), retried by one policy
  (`RetryPolicy`). A refused delivery is `Delivery.BLOCKED` and an `IncomingKind.BLOCKED`
  event for the engine, which marks the runner inactive.
- Membership changes and group migrations reach the engine as `IncomingKind`
  events too: the adapter never touches the store.
- In webhook mode updates arrive through bot/telegram/webhook.py, which checks the
  secret header before reading a body.

The bot token and the webhook secret never appear in a log line: `AiohttpRequest`
keeps URLs out of its error messages, and bot.logs masks registered secrets in every
record (PTB itself logs its API URL at DEBUG).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from dataclasses import replace
from typing import Any, Sequence
from urllib.parse import urlparse

from telegram import (
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    ChatMember,
    ChatMemberUpdated,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import ChatMigrated, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.geo import zone_at
from bot.logs import protect, update_fields
from bot.outbound import Delivery
from bot.startup import StartupError, telegram_problem
from bot.telegram import commands as menus
from bot.telegram.pacing import PacedRateLimiter
from bot.telegram.replies import Outbox, ReplyDrawer, RetryPolicy, quietly
from bot.telegram.request import AiohttpRequest
from bot.telegram.webhook import WebhookServer
from dialogs.messages import Address, Attachment, ChatKind, Incoming, IncomingKind, Reply, group_safe

logger = logging.getLogger(__name__)

PLATFORM = "telegram"
DETAIL_PREFIX = "x:"  # buttons that only show a detail stay pressable
ANONYMOUS_ADMIN_ID = 1087968824  # "GroupAnonymousBot": an admin posting as the group
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED}
ADMINS = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


class TelegramAdapter:
    """Runs the coach on Telegram: `await start()`, `await send(...)`, `await stop()`."""

    platform = PLATFORM

    def __init__(
        self,
        settings: Any,
        engine: Any,
        *,
        rate_limit: bool = True,
        pace_chats: bool = True,
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
        self.poll_timeout = poll_timeout
        self.policy = RetryPolicy(retry_attempts, retry_backoff, max_retry_after)
        self.username = ""
        self.webhook: WebhookServer | None = None
        self._outbox = Outbox()
        self.application = self._build(rate_limit, pace_chats, connection_pool_size)
        self.drawer = ReplyDrawer(self.application.bot, self.policy, lambda: self.username)

    # ----- building and running ---------------------------------------------------------

    def _build(self, rate_limit: bool, pace_chats: bool, pool_size: int) -> Application:
        token = self.settings.telegram_token.get_secret_value()
        secret = getattr(self.settings, "telegram_webhook_secret", None)
        protect(token, secret.get_secret_value() if secret else None)
        self._requests = (AiohttpRequest(connection_pool_size=pool_size), AiohttpRequest(connection_pool_size=2))
        builder: ApplicationBuilder = (
            Application.builder()
            .token(token)
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
            .concurrent_updates(True)
            .job_queue(None)
        )
        api_url = getattr(self.settings, "telegram_api_url", None)
        if api_url:
            base = str(api_url).rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        if rate_limit:
            builder = builder.rate_limiter(PacedRateLimiter(per_chat=pace_chats))
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
        except (InvalidToken, NetworkError) as error:
            for request in self._requests:  # initialize() failed half-way: close what it opened
                await request.shutdown()
            where = getattr(self.settings, "telegram_api_url", None) or "Telegram"
            raise StartupError(telegram_problem(error, where) or str(error)) from None
        self.username = app.bot.username or ""
        await self._set_commands()
        if self.webhook_url:
            await self._start_webhook(str(self.webhook_url))
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=0.0, timeout=int(self.poll_timeout), allowed_updates=ALLOWED_UPDATES,
                error_callback=_polling_failed,
            )  # fmt: skip
            logger.info("telegram: @%s receiving updates by long polling", self.username)
        await app.start()

    async def _start_webhook(self, url: str) -> None:
        """Serves the webhook (secret checked before any body is read), then tells Telegram where it is."""
        setting = getattr(self.settings, "telegram_webhook_secret", None)
        secret = setting.get_secret_value() if setting else secrets.token_urlsafe(32)
        protect(secret)
        listen = getattr(self.settings, "telegram_webhook_listen", "0.0.0.0")
        port = int(getattr(self.settings, "telegram_webhook_port", 8443))
        self.webhook = WebhookServer(self.application, listen, port, urlparse(url).path, secret)
        await self.webhook.start()
        bot = self.application.bot
        await self.policy.call(lambda: bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES))
        logger.info("telegram: @%s receiving updates by webhook on %s:%s", self.username, listen, port)

    async def stop(self) -> None:
        """Stops taking updates, finishes the turns in flight, and closes the connections."""
        app = self.application
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        logger.info("telegram: stopped")

    async def _set_commands(self) -> None:
        """Registers the command menus for private chats and for groups, from the engine's commands."""
        bot, call = self.application.bot, self.policy.call
        try:
            await call(lambda: bot.set_my_commands(menus.private_menu(), scope=BotCommandScopeAllPrivateChats()))
            await call(lambda: bot.set_my_commands(menus.group_menu(), scope=BotCommandScopeAllGroupChats()))
        except TelegramError as error:
            logger.warning("telegram: could not register the command menus: %s", error)

    # ----- updates in -------------------------------------------------------------------

    @staticmethod
    def _address(chat_id: int, chat_type: str, user_id: int) -> Address:
        kind = ChatKind.PRIVATE if chat_type == ChatType.PRIVATE else ChatKind.GROUP
        return Address(PLATFORM, str(chat_id), str(user_id), kind)

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Turn a message into an Incoming, run the engine, send its replies."""
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
        if incoming.kind == IncomingKind.ATTACHMENT:
            incoming = await self._download(incoming, message)
        if address.is_group and incoming.kind == IncomingKind.COMMAND and menus.needs_admin_check(incoming.command):
            incoming = _with_admin(incoming, await self._is_admin(chat.id, message.from_user.id, message))
        await self._turn(address, incoming, update.update_id)

    def _incoming(self, message: Message, address: Address) -> Incoming | None:
        """Returns the neutral form of a message, or None when the bot should stay quiet."""
        if message.text is not None:
            text = message.text
            if address.is_group:
                text = self._strip_mention(text)
            incoming = Incoming.from_text(address, text)
            if incoming.kind == IncomingKind.COMMAND:
                head = text.strip().split(maxsplit=1)[0]
                _, at, target = head.partition("@")
                if at and target.lower() != self.username.lower():
                    return None  # a command for another bot in the same group
            return incoming
        if address.is_group:
            return None  # photos and files in a club chat are not for the coach
        if message.document is not None:
            caption = message.caption or ""
            return Incoming(address=address, text=caption, kind=IncomingKind.ATTACHMENT)  # content: _download
        if message.location is not None:
            zone = zone_at(message.location.latitude, message.location.longitude)
            return Incoming(address=address, text=zone or "", kind=IncomingKind.LOCATION)
        return Incoming(address=address, text=message.caption or "", kind=IncomingKind.UNSUPPORTED)

    async def _download(self, incoming: Incoming, message: Message) -> Incoming:
        """Attaches the document's bytes (when small enough) for the engine to read."""
        from dialogs.imports import MAX_BYTES

        document = message.document
        assert document is not None
        name, size = document.file_name or "file", document.file_size or 0
        content = None
        if size <= MAX_BYTES:
            try:
                file = await self.policy.call(lambda: document.get_file())
                content = bytes(await self.policy.call(lambda: file.download_as_bytearray()))
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
        """Answer a button press beside the turn, and run the engine on its payload."""
        query = update.callback_query
        if query is None:
            return
        message = query.message
        answered = asyncio.ensure_future(quietly(query.answer()))  # never waited on before a send
        try:
            if message is None or not query.data:
                return
            chat = message.chat
            address = self._address(chat.id, chat.type, query.from_user.id)
            incoming = Incoming.button(address, query.data)
            pressed = None
            if isinstance(message, Message) and not query.data.startswith(DETAIL_PREFIX):
                pressed = message
            await self._turn(address, incoming, update.update_id, pressed=pressed)
        finally:
            await answered

    async def _on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Tell the engine the coach was added to or removed from a group (the club's settings are kept)."""
        change: ChatMemberUpdated | None = update.my_chat_member
        if change is None or change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return
        chat_id = change.chat.id
        was = change.old_chat_member.status in PRESENT
        now = change.new_chat_member.status in PRESENT
        if was == now:
            return
        logger.info("telegram: %s group %s", "added to" if now else "removed from", chat_id)
        address = self._address(chat_id, change.chat.type, change.from_user.id)
        event = Incoming(address, kind=IncomingKind.JOINED if now else IncomingKind.LEFT,
                         chat_title=change.chat.title or "")  # fmt: skip
        await self._turn(address, event, update.update_id)

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Tell the engine a group moved to its new supergroup id."""
        message = update.effective_message
        if message is not None and message.migrate_to_chat_id:
            sender = message.from_user.id if message.from_user else 0
            group = self._address(message.chat.id, message.chat.type, sender)
            await self._migrate(group, message.migrate_to_chat_id)

    async def _migrate(self, group: Address, new: int) -> None:
        """Tells the engine the group moved to a new chat id."""
        logger.info("telegram: group %s is now supergroup %s", group.chat_id, new)
        await self.engine.handle(Incoming(group, kind=IncomingKind.MIGRATED, moved_to=str(new)))

    async def _is_admin(self, chat_id: int, user_id: int, message: Message | None = None) -> bool:
        """Tells whether the user administers the group now (asked fresh: a removed admin is out at once)."""
        if message is not None and message.sender_chat is not None and message.sender_chat.id == chat_id:
            return True  # an anonymous admin posting as the group
        try:
            member = await self.policy.call(lambda: self.application.bot.get_chat_member(chat_id, user_id))
        except TelegramError as error:
            logger.warning("telegram: could not read the status of a member of %s: %s", chat_id, error)
            return False
        return member.status in ADMINS

    async def _turn(self, address: Address, incoming: Incoming, update_id: int | None = None,
                    pressed: Message | None = None) -> None:  # fmt: skip
        """Runs the engine and sends its replies after the chat's earlier ones.

        Logs one line per update with its ids, the kind of input and the outcome, never
        what the runner wrote (a pain report is health data).
        """
        started = time.monotonic()
        replies = await self.engine.handle(incoming)
        delivery = await self._outbox.run(int(address.chat_id), lambda: self._deliver(address, replies, pressed))
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
        """Delivers unprompted replies (reminders; the dispatcher already skipped runners who blocked the bot)."""
        shown = group_safe(address, replies)
        if len(shown) < len(replies):
            logger.warning("telegram: dropped %d private reply(ies) meant for group %s", len(replies) - len(shown),
                           address.chat_id)  # fmt: skip
        return await self._outbox.run(int(address.chat_id), lambda: self._deliver(address, shown))

    async def _deliver(self, address: Address, replies: Sequence[Reply], pressed: Message | None = None) -> Delivery:
        """Sends each reply in order (the first into the pressed message if it can); stops at the first failure."""
        chat_id = int(address.chat_id)
        sendable = list(replies)  # group-safe already: the engine (turns) or send() (reminders) checked
        try:
            if pressed is not None:
                if sendable and self.drawer.can_edit_into(chat_id, sendable[0], address.is_group):
                    if await self.drawer.edit_into(pressed, sendable[0]):
                        sendable = sendable[1:]
                elif not sendable:
                    await quietly(self.drawer.retire_keyboard(pressed))
            for reply in sendable:
                try:
                    await self.drawer.send(chat_id, reply, address.is_group)
                except ChatMigrated as moved:
                    await self._migrate(replace(address, chat_id=str(chat_id)), int(moved.new_chat_id))
                    chat_id = int(moved.new_chat_id)
                    await self.drawer.send(chat_id, reply, address.is_group)
        except Forbidden as error:
            logger.info("telegram: chat %s refuses messages (%s)", chat_id, error,
                        extra=update_fields(PLATFORM, None, address.user_id))
            await self.engine.handle(Incoming(address, kind=IncomingKind.BLOCKED))
            return Delivery.BLOCKED
        except TelegramError as error:
            logger.warning("telegram: could not send to chat %s: %s", chat_id, error,
                           extra=update_fields(PLATFORM, None, address.user_id))
            return Delivery.FAILED
        return Delivery.SENT


def _polling_failed(error: TelegramError) -> None:
    """A getUpdates call failed; PTB retries with backoff. A warning, not an ERROR with a traceback."""
    logger.warning("telegram: polling for updates failed (%s: %s); retrying", type(error).__name__, error)


def _command_name(incoming: Incoming) -> str | None:
    """The command's name for a log line if it is one of ours; anything typed after a slash is the runner's words."""
    if incoming.kind != IncomingKind.COMMAND:
        return None
    name = incoming.command or ""
    return name if name in menus.engine_commands() else "other"


def _with_admin(incoming: Incoming, admin: bool) -> Incoming:
    return incoming if incoming.is_admin == admin else replace(incoming, is_admin=admin)
