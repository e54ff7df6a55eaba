"""The engine's replies as Bot API calls: text split to size, keyboards, photos and files, in order.

- `call` is the one retry policy for every Bot API call: it waits out
  RetryAfter (up to `max_retry_after` s) and retries network errors with
  backoff, `attempts` tries in all. The rate limiter only paces (pacing.py).
- A reply that answers a pressed button replaces the pressed question in
  place (editMessageText) instead of retiring its keyboard and sending anew:
  one call instead of two. An old keyboard left on the chat is harmless: the
  engine answers a stale press with "that question has passed".
- A reply that `asks_location` in a private chat carries a one-time reply
  keyboard with a "share my location" button; the next message without inline
  buttons takes it away again (ReplyKeyboardRemove).
- Each chat's messages leave in the order their turns finished (`Outbox`),
  without a lock around the engine.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, TypeVar

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
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

from bot.telegram.pacing import _retry_seconds
from dialogs.messages import Reply

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4000  # Telegram allows 4096 characters; leave room for UTF-16 surrogate pairs
CAPTION_LIMIT = 1000  # Telegram allows 1024
EMPTY_TEXT = "…"  # a keyboard needs a message to sit on
TEXTS = {"share_location": "📍 Share my location"}
_START_PARAM = re.compile(r"[^A-Za-z0-9_-]")

T = TypeVar("T")
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


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


@dataclass
class RetryPolicy:
    """How often and how long to try one Bot API call."""

    attempts: int = 4
    backoff: float = 0.5  # seconds before the first network retry, doubling after
    max_retry_after: float = 60.0  # a longer flood wait gives up instead

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Makes a Bot API call, waiting out RetryAfter and retrying network errors with backoff."""
        attempts = max(1, self.attempts)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
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
                wait = self.backoff * 2 ** (attempt - 1)
                logger.info("telegram: %s; retry %d in %.2f s", type(error).__name__, attempt, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")


class Outbox:
    """Runs each chat's deliveries one after another, in the order they were handed in."""

    def __init__(self) -> None:
        self._tails: dict[int, asyncio.Future[None]] = {}

    async def run(self, chat_id: int, deliver: Callable[[], Awaitable[T]]) -> T:
        """Waits for the chat's earlier deliveries, then runs this one (its place is taken at once)."""
        previous = self._tails.get(chat_id)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[chat_id] = done
        try:
            if previous is not None:
                await previous
            return await deliver()
        finally:
            done.set_result(None)
            if self._tails.get(chat_id) is done:
                del self._tails[chat_id]


class ReplyDrawer:
    """Sends replies to one bot's chats: `await drawer.send(chat_id, reply, group, edit=message)`."""

    def __init__(self, bot: Bot, policy: RetryPolicy, username: Callable[[], str]) -> None:
        self.bot = bot
        self.policy = policy
        self._username = username
        self._location_keyboard: set[int] = set()  # chats showing the share-location keyboard

    def inline_markup(self, reply: Reply, group: bool) -> InlineKeyboardMarkup | None:
        """Draws the buttons; in a group, command buttons become private-chat deep links."""
        if not reply.buttons:
            return None
        keyboard = []
        for row in reply.buttons:
            cells = []
            for button in row:
                if group and button.payload.startswith("/"):
                    url = f"https://t.me/{self._username()}?start={start_parameter(button.payload)}"
                    cells.append(InlineKeyboardButton(button.label, url=url))
                else:
                    cells.append(InlineKeyboardButton(button.label, callback_data=button.payload))
            keyboard.append(cells)
        return InlineKeyboardMarkup(keyboard)

    def _markup(self, chat_id: int, reply: Reply, group: bool) -> Markup | None:
        """Inline buttons; else the share-location keyboard where asked, or its removal once it was shown."""
        inline = self.inline_markup(reply, group)
        if inline is not None:
            return inline
        if reply.asks_location and not group:
            self._location_keyboard.add(chat_id)
            button = KeyboardButton(TEXTS["share_location"], request_location=True)
            return ReplyKeyboardMarkup([[button]], one_time_keyboard=True, resize_keyboard=True)
        if chat_id in self._location_keyboard:
            self._location_keyboard.discard(chat_id)
            return ReplyKeyboardRemove()
        return None

    def can_edit_into(self, chat_id: int, reply: Reply, group: bool) -> bool:
        """Whether the pressed message can become this reply (text only, inline buttons at most)."""
        if group or reply.image is not None or reply.document is not None or reply.asks_location:
            return False
        return chat_id not in self._location_keyboard and 0 < len(reply.text or "") <= TEXT_LIMIT

    async def edit_into(self, message: Message, reply: Reply) -> bool:
        """Replaces the pressed question with the reply; False when Telegram refuses (then send it)."""
        markup = self.inline_markup(reply, False)
        try:
            await self.policy.call(lambda: message.edit_text(reply.text, reply_markup=markup))
        except BadRequest as error:
            logger.debug("telegram: could not edit the pressed message (%s); sending instead", error)
            return False
        return True

    async def retire_keyboard(self, message: Message) -> None:
        """Takes a keyboard off a pressed message that no reply replaces."""
        if message.reply_markup is not None:
            await self.policy.call(lambda: message.edit_reply_markup(reply_markup=None))

    async def send(self, chat_id: int, reply: Reply, group: bool) -> None:
        """Sends one reply as a message, a photo or a document, keyboard on its last part."""
        bot, call = self.bot, self.policy.call
        markup = self._markup(chat_id, reply, group)
        text = reply.text or ""
        if reply.image is not None or reply.document is not None:
            caption = text if len(text) <= CAPTION_LIMIT else None
            on_file = markup if caption is not None else None
            if reply.image is not None:
                image = reply.image
                await call(lambda: bot.send_photo(chat_id, photo=image, caption=caption, reply_markup=on_file))
            else:
                name, content = reply.document  # type: ignore[misc]
                document = InputFile(content, filename=name)
                await call(lambda: bot.send_document(chat_id, document=document, caption=caption, reply_markup=on_file))
            if caption is not None:
                return
        pieces = split_text(text)
        if not pieces and markup is not None:
            pieces = [EMPTY_TEXT]
        for number, piece in enumerate(pieces, start=1):
            last = number == len(pieces)
            await call(lambda: bot.send_message(chat_id, piece, reply_markup=markup if last else None))


async def quietly(call: Awaitable[Any]) -> None:
    """Awaits a side call (answering a query, taking a keyboard away) that may fail harmlessly."""
    try:
        await call
    except TelegramError as error:
        logger.debug("telegram: side call failed: %s", error)

