"""Updates as Telegram sends them (messages, button presses, membership changes), for the fake Bot API.

`UpdateMaker` is mixed into `FakeBotApi`: it builds each update in Telegram's JSON
shape and hands it to `deliver` (a long poll or the webhook).
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any, Awaitable, Callable

from tests.telegram.fake_wire import BOT_ID, Call

logger = logging.getLogger(__name__)


class UpdateMaker:
    """What a Telegram user can do to the bot; every method returns the update it delivered."""

    username: str
    messages: dict[tuple[int, int], dict[str, Any]]
    last_keyboard: dict[int, dict[str, Any]]
    reply_keyboards: dict[int, dict[str, Any]]
    files: dict[str, bytes]
    deliver: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]  # FakeBotApi's: a long poll or the webhook

    def __init__(self) -> None:
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    def new_update(self, **body: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **body}

    @staticmethod
    def user(user_id: int, first_name: str = "Ann", username: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        return user

    @staticmethod
    def chat(chat_id: int, kind: str = "private", title: str = "Riverside Runners") -> dict[str, Any]:
        if kind == "private":
            return {"id": chat_id, "type": "private", "first_name": "Ann"}
        return {"id": chat_id, "type": kind, "title": title}

    def message(
        self, user_id: int, text: str | None = None, chat_id: int | None = None, kind: str = "private", **extra: Any
    ) -> dict[str, Any]:
        """Builds a Message as Telegram would send it (bot_command entity included)."""
        chat_id = user_id if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, kind),
            "from": self.user(user_id),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0].encode("utf-16-le")) // 2
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message.update(extra)
        return message

    async def say(self, user_id: int, text: str) -> dict[str, Any]:
        """A runner writes to the bot in their private chat."""
        return await self.deliver(self.new_update(message=self.message(user_id, text)))

    async def say_in_group(
        self, chat_id: int, user_id: int, text: str, kind: str = "supergroup", **extra: Any
    ) -> dict[str, Any]:
        """Someone writes in a group the bot is in."""
        return await self.deliver(self.new_update(message=self.message(user_id, text, chat_id, kind, **extra)))

    async def send_file(self, user_id: int, filename: str, content: bytes) -> dict[str, Any]:
        """A runner sends a document (e.g. a GPX run file); the bot may download it."""
        file_id = f"DOC{len(self.files) + 1}"
        self.files[file_id] = content
        document = {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_name": filename,
                    "file_size": len(content)}
        return await self.deliver(self.new_update(message=self.message(user_id, None, document=document)))

    async def send_other(self, user_id: int, what: str = "photo") -> dict[str, Any]:
        """A runner sends a photo, sticker, voice note or document (`what`)."""
        file = {"file_id": f"F{user_id}", "file_unique_id": f"U{user_id}"}
        bodies: dict[str, dict[str, Any]] = {
            "photo": {"photo": [{**file, "width": 90, "height": 90, "file_size": 1000}]},
            "sticker": {
                "sticker": {**file, "width": 512, "height": 512, "is_animated": False, "is_video": False,
                            "type": "regular"}
            },
            "voice": {"voice": {**file, "duration": 3}},
            "location": {"location": {"latitude": 51.5, "longitude": -0.12}},
            "document": {"document": {**file, "file_name": "garmin.fit", "file_size": 2048}},
        }
        return await self.deliver(self.new_update(message=self.message(user_id, None, **bodies[what])))

    async def press(self, user_id: int, data: str, message: dict[str, Any] | Call | None = None) -> dict[str, Any]:
        """A runner presses an inline button; `message` is the bot's message that carried it."""
        if isinstance(message, Call):
            message = self.messages[(int(message.params["chat_id"]), message.result["message_id"])]
        if message is None:
            message = self._last_bot_message(user_id)
        query = {
            "id": str(next(self._callback_ids)),
            "from": self.user(user_id),
            "chat_instance": f"ci{user_id}",
            "data": data,
            "message": message,
        }
        return await self.deliver(self.new_update(callback_query=query))

    async def press_button(self, user_id: int, label: str, chat_id: int | None = None) -> dict[str, Any]:
        """Presses the button with this label on the bot's latest message that has one."""
        chat_id = user_id if chat_id is None else chat_id
        latest = self.last_keyboard.get(chat_id)
        candidates = [latest] if latest is not None and latest.get("reply_markup") else []
        candidates += list(reversed([m for (c, _), m in self.messages.items() if c == chat_id]))
        for message in candidates:
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].lower() == label.lower() and "callback_data" in button:
                        return await self.press(user_id, button["callback_data"], message)
        raise AssertionError(f"no button {label!r} in chat {chat_id}")

    async def share_location(self, user_id: int, latitude: float, longitude: float) -> dict[str, Any]:
        """The runner taps the shown "request_location" keyboard button: their app sends a location message."""
        keyboard = self.reply_keyboards.get(user_id) or {}
        if not any(b.get("request_location") for row in keyboard.get("keyboard", []) for b in row):
            raise AssertionError(f"no share-location button shown in chat {user_id}")
        location = {"latitude": latitude, "longitude": longitude}
        return await self.deliver(self.new_update(message=self.message(user_id, None, location=location)))

    def _last_bot_message(self, chat_id: int) -> dict[str, Any]:
        for (c, _), message in reversed(list(self.messages.items())):
            if c == chat_id:
                return message
        raise AssertionError(f"the bot has sent nothing to {chat_id}")

    async def chat_member_update(
        self, chat_id: int, by_user: int, new_status: str, old_status: str = "left"
    ) -> dict[str, Any]:
        """The bot was added to (new_status 'member') or removed from ('left'/'kicked') a group."""
        bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Backstride", "username": self.username}

        def member(status: str) -> dict[str, Any]:
            body: dict[str, Any] = {"user": bot_user, "status": status}
            if status == "kicked":
                body["until_date"] = 0
            return body

        body = {
            "chat": self.chat(chat_id, "supergroup"),
            "from": self.user(by_user),
            "date": int(time.time()),
            "old_chat_member": member(old_status),
            "new_chat_member": member(new_status),
        }
        return await self.deliver(self.new_update(my_chat_member=body))

    async def migrate(self, old_chat_id: int, new_chat_id: int, by_user: int = 1) -> dict[str, Any]:
        """A group became a supergroup: the old chat gets a message with migrate_to_chat_id."""
        message = self.message(by_user, None, old_chat_id, "group", migrate_to_chat_id=new_chat_id)
        return await self.deliver(self.new_update(message=message))
