"""The neutral message types that sit between platform adapters and the coach.

Adapters turn a platform update into an `Incoming`, hand it to the engine and
draw the `Reply` objects it returns. Nothing here knows about Telegram, Discord
or the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Sequence

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data cap
MAX_BUTTONS_PER_ROW = 5  # Discord's action-row cap
MAX_BUTTONS_PER_REPLY = 25  # Discord's per-message cap
MAX_TEXT_CHARS = 1000  # longer messages are refused with a short note


class ChatKind(str, Enum):
    PRIVATE = "private"
    GROUP = "group"


class Visibility(str, Enum):
    ANYWHERE = "anywhere"  # may be shown in a group channel
    PRIVATE = "private"  # must only reach the runner (pain, triage, advice)


class IncomingKind(StrEnum):
    """What an `Incoming` is. A StrEnum, so it compares equal to the plain strings flows used before."""

    TEXT = "text"  # typed words (`text`)
    COMMAND = "command"  # "/name args" (`command`, `args`; `text` keeps what was typed)
    BUTTON = "button"  # a pressed button (`payload`)
    ATTACHMENT = "attachment"  # a file (`attachment`; `text` is its caption)
    LOCATION = "location"  # a shared location, already turned into a time-zone name (`text`, "" if none)
    UNSUPPORTED = "unsupported"  # anything else the platform delivered (a sticker, a voice note)
    # What happened on the platform rather than something the runner said (`PLATFORM_EVENTS`):
    JOINED = "joined"  # the coach was added to the group at `address` (`chat_title`)
    LEFT = "left"  # the coach was removed from the group at `address`
    MIGRATED = "migrated"  # the group at `address` now has the chat id `moved_to` (Telegram supergroups)
    BLOCKED = "blocked"  # a delivery to the runner was refused: they blocked the coach or closed their DMs


PLATFORM_EVENTS = frozenset({IncomingKind.JOINED, IncomingKind.LEFT, IncomingKind.MIGRATED, IncomingKind.BLOCKED})


class ReplyKind(StrEnum):
    """What a `Reply` is, for adapters that treat some differently. Compares equal to the plain strings."""

    MESSAGE = "message"  # anything else
    QUESTION = "question"  # asks something; the terminal keeps it to show again after a restart
    ADVICE = "advice"  # coaching notes
    EMERGENCY = "emergency"  # the emergency answer
    REMINDER = "reminder"  # sent unprompted by the dispatcher
    GO_PRIVATE = "go_private"  # group-safe, with a "/command" button that continues in a private chat


@dataclass(frozen=True)
class Address:
    """Where a message came from and where its replies go."""

    platform: str
    chat_id: str
    user_id: str
    chat_kind: ChatKind = ChatKind.PRIVATE

    @property
    def runner_key(self) -> tuple[str, str]:
        """Identifies the runner: one per platform account."""
        return (self.platform, self.user_id)

    @property
    def is_group(self) -> bool:
        return self.chat_kind is ChatKind.GROUP


@dataclass(frozen=True)
class Attachment:
    """A file the runner sent: its name, size and a way to read it."""

    filename: str
    size: int
    content: bytes | None = None


@dataclass(frozen=True)
class Incoming:
    """One thing the runner did (typed text, a command, a button press, a file), or a platform event."""

    address: Address
    text: str = ""
    command: str | None = None
    args: str = ""
    payload: str | None = None
    attachment: Attachment | None = None
    kind: IncomingKind = IncomingKind.TEXT
    is_admin: bool = False  # the adapter checked the sender administers this group
    chat_title: str = ""  # JOINED: the group's title
    moved_to: str = ""  # MIGRATED: the group's new chat id
    private_chat: str = ""  # in a group: the runner's private chat, where the platform can open one (Discord DMs)

    @classmethod
    def from_text(cls, address: Address, text: str) -> "Incoming":
        """Builds an Incoming from raw typed text, splitting out a /command."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            name = head.split("@", 1)[0].lower()
            return cls(address=address, text=stripped, command=name, args=rest.strip(), kind=IncomingKind.COMMAND)
        return cls(address=address, text=text, kind=IncomingKind.TEXT)

    @classmethod
    def button(cls, address: Address, payload: str) -> "Incoming":
        return cls(address=address, payload=payload, kind=IncomingKind.BUTTON)


@dataclass(frozen=True)
class Button:
    label: str
    payload: str

    def __post_init__(self) -> None:
        if len(self.payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload over {MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")
        if not self.label:
            raise ValueError("button label is empty")


@dataclass(frozen=True)
class Reply:
    """One message the coach sends back."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    visibility: Visibility = Visibility.PRIVATE
    image: bytes | None = None
    document: tuple[str, bytes] | None = None  # (filename, content)
    kind: ReplyKind = ReplyKind.MESSAGE
    asks_location: bool = False  # the coach would take a shared location here (adapters that can offer a button do)

    def __post_init__(self) -> None:
        total = 0
        for row in self.buttons:
            if len(row) > MAX_BUTTONS_PER_ROW:
                raise ValueError(f"a button row holds at most {MAX_BUTTONS_PER_ROW} buttons")
            total += len(row)
        if total > MAX_BUTTONS_PER_REPLY:
            raise ValueError(f"a reply holds at most {MAX_BUTTONS_PER_REPLY} buttons")

    @property
    def flat_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


def rows(buttons: list[Button], per_row: int = 3) -> tuple[tuple[Button, ...], ...]:
    """Lays buttons out in rows of at most `per_row`."""
    per_row = min(per_row, MAX_BUTTONS_PER_ROW)
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def group_safe(address: Address, replies: Sequence[Reply]) -> list[Reply]:
    """The replies that may be shown at `address`: in a group, only `Visibility.ANYWHERE` ones.

    The engine applies it to every turn in a group; an adapter's `send` applies it to
    unprompted messages (reminders), which never pass the engine.
    """
    if not address.is_group:
        return list(replies)
    return [r for r in replies if r.visibility is Visibility.ANYWHERE]
