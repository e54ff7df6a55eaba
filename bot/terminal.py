"""The terminal: chat with the coach on stdin/stdout, buttons shown as numbered options.

Type the number or the label of a button to press it. The terminal is a whole
coach: the reminder dispatcher runs beside the chat and prints reminders, follow-ups
and the weekly digest as they fall due, above the line being typed (prompt_toolkit).
Piped input (one line per message) works too and exits cleanly at the end of input.
The last open question is kept beside the database, so after a restart it is shown
again and its numbers still work.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import sys
import threading
from pathlib import Path
from typing import Awaitable, Callable, Protocol, Sequence, TextIO

from bot.outbound import Delivery, Sender
from dialogs.engine import Engine
from dialogs.imports import MAX_BYTES
from dialogs.messages import Address, Attachment, Button, ChatKind, Incoming, IncomingKind, Reply, ReplyKind

logger = logging.getLogger(__name__)

PLATFORM = "terminal"
IMPORT = "/import"  # /import PATH sends a GPX or FIT file, as an upload would
PROMPT = "you> "
CHART_NAME = "backstride-chart.png"
TEXTS = {
    "banner": "Backstride (terminal, runner '{name}'). Type /start to begin, /help for commands, "
    "Ctrl-D or Ctrl-C to quit.\nReminders you plan arrive here while this is open.\n\n",
    "no_file": f"No file found. Usage: {IMPORT} PATH (a .gpx or .fit file)\n\n",
    "resumed": "Where we left off:\n",
    "saved_file": "[file saved: {path}]",
    "saved_image": "[image saved: {path}]",
    "bye": "\nBye, and happy running.\n",
}


class Reminders(Protocol):
    async def start(self) -> None: ...

    async def stop(self, grace: float = 10.0) -> None: ...


ReminderFactory = Callable[[Sender], Reminders]


def save_private(path: Path, content: bytes) -> None:
    """Writes a file only the runner's own account can read (exports hold health data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def render(replies: Sequence[Reply], out_dir: Path, first: int = 1) -> tuple[str, list[Button]]:
    """Returns the replies as text, with every button numbered across the turn from `first`."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        lines.append(reply.text)
        if reply.document:
            name, content = reply.document
            path = out_dir / Path(name).name
            save_private(path, content)
            lines.append(TEXTS["saved_file"].format(path=path))
        if reply.image:
            path = out_dir / CHART_NAME
            save_private(path, reply.image)
            lines.append(TEXTS["saved_image"].format(path=path))
        for row in reply.buttons:
            cells = []
            for button in row:
                buttons.append(button)
                cells.append(f"{first + len(buttons) - 1}) {button.label}")
            lines.append("   " + "   ".join(cells))
        lines.append("")
    return "\n".join(lines), buttons


def read_file(address: Address, path_text: str) -> Incoming | None:
    """Turns `/import PATH` into a file attachment, as a chat platform would deliver it; None if no file."""
    path = Path(path_text.strip().strip("'\"")).expanduser()
    if not path_text.strip() or not path.is_file():
        return None
    size = path.stat().st_size
    with path.open("rb") as handle:
        content = handle.read(MAX_BYTES + 1)  # never read more than the coach would accept
    return Incoming(address=address, attachment=Attachment(path.name, size, content), kind=IncomingKind.ATTACHMENT)


def to_incoming(address: Address, text: str, buttons: list[Button]) -> Incoming:
    """Turns a typed line into a button press when it names one of the last buttons.

    A label beats a position, so "9" at a 0-10 question means the button labelled 9.
    """
    typed = text.strip()
    for button in buttons:
        if typed.lower() == button.label.lower():
            return Incoming.button(address, button.payload)
    if typed.isdigit() and 1 <= int(typed) <= len(buttons):
        return Incoming.button(address, buttons[int(typed) - 1].payload)
    return Incoming.from_text(address, text)


class OpenQuestion:
    """The last question shown to one runner, kept in a file so a restart can show it again."""

    def __init__(self, folder: Path, name: str, database: str) -> None:
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:40]
        tag = hashlib.sha256(f"{database}\0{name}".encode()).hexdigest()[:12]
        self.path = folder / f"{safe}-{tag}.json"

    def keep(self, question: int, text: str, buttons: list[Button]) -> None:
        body = {"question": question, "text": text, "buttons": [[b.label, b.payload] for b in buttons]}
        save_private(self.path, json.dumps(body).encode("utf-8"))

    def drop(self) -> None:
        self.path.unlink(missing_ok=True)

    def recall(self, question: int) -> tuple[str, list[Button]] | None:
        """Returns the saved question if it is still the one open; else forgets it."""
        try:
            body = json.loads(self.path.read_text(encoding="utf-8"))
            if body["question"] != question:
                raise ValueError("a newer question")
            return str(body["text"]), [Button(label, payload) for label, payload in body["buttons"]]
        except (OSError, ValueError, KeyError, TypeError):
            self.drop()
            return None


class Screen:
    """What the runner sees: each turn's replies, reminders pushed in between, and the numbered buttons."""

    def __init__(self, write: Callable[[str], None], out_dir: Path) -> None:
        self.write = write
        self.out_dir = out_dir
        self.buttons: list[Button] = []

    def turn(self, replies: Sequence[Reply]) -> str:
        """Shows the answer to what the runner typed; its buttons replace the last ones."""
        shown, self.buttons = render(replies, self.out_dir)
        self.write(shown + "\n")
        return shown

    def push(self, replies: Sequence[Reply]) -> None:
        """Shows an unprompted message; its buttons are numbered after those still on screen."""
        shown, more = render(replies, self.out_dir, first=len(self.buttons) + 1)
        self.buttons = self.buttons + more
        self.write(shown + "\n")


class TerminalSender:
    """The dispatcher's way into this terminal: delivers the chatting runner's reminders, no one else's."""

    platform = PLATFORM

    def __init__(self, screen: Screen, address: Address) -> None:
        self.screen = screen
        self.address = address

    async def send(self, address: Address, replies: Sequence[Reply]) -> Delivery:
        """Prints the replies if they are for the runner at this terminal."""
        if address.platform != PLATFORM or address.user_id != self.address.user_id:
            return Delivery.AWAY  # another runner's terminal reminder waits for them to open theirs
        self.screen.push(replies)
        return Delivery.SENT


def _line_reader(stdin: TextIO) -> Callable[[], Awaitable[str | None]]:
    """Reads piped lines in a daemon thread, so quitting never waits for input."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        for line in iter(stdin.readline, ""):
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=pump, name="terminal-stdin", daemon=True).start()
    return lines.get


def _prompt_reader() -> Callable[[], Awaitable[str | None]]:
    """Reads typed lines with prompt_toolkit; Ctrl-D or Ctrl-C ends the chat at once."""
    from prompt_toolkit import PromptSession

    session: PromptSession[str] = PromptSession()

    async def read() -> str | None:
        try:
            return await session.prompt_async(PROMPT) + "\n"
        except (EOFError, KeyboardInterrupt):
            return None

    return read


def _log_above_prompt() -> None:
    """Points log handlers that write to the terminal at the patched stream, so logs print above the prompt."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.__stderr__, sys.__stdout__):
            handler.setStream(sys.stderr)


async def chat(
    engine: Engine,
    name: str,
    stdin: TextIO,
    stdout: TextIO,
    out_dir: Path,
    *,
    reminders: ReminderFactory | None = None,
    state_dir: Path | None = None,
    database: str = "",
) -> None:
    """Runs the chat loop, with reminders delivered as they fall due, until end of input or Ctrl-C."""
    interactive = stdin.isatty() and stdout.isatty()
    if not interactive:
        await _chat(engine, name, stdin, stdout, out_dir, reminders, state_dir, database, interactive)
        return
    from prompt_toolkit.patch_stdout import patch_stdout

    with patch_stdout(raw=True):
        _log_above_prompt()
        await _chat(engine, name, stdin, sys.stdout, out_dir, reminders, state_dir, database, interactive)


async def _chat(
    engine: Engine,
    name: str,
    stdin: TextIO,
    stdout: TextIO,
    out_dir: Path,
    reminders: ReminderFactory | None,
    state_dir: Path | None,
    database: str,
    interactive: bool,
) -> None:
    address = Address(platform=PLATFORM, chat_id=name, user_id=name, chat_kind=ChatKind.PRIVATE)

    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    screen = Screen(write, out_dir)
    question = OpenQuestion(state_dir, name, database) if state_dir is not None else None
    read = _prompt_reader() if interactive else _line_reader(stdin)
    if interactive:
        write(TEXTS["banner"].format(name=name))
    if question is not None:
        await _resume(engine, address, screen, question)
    dispatcher = reminders(TerminalSender(screen, address)) if reminders is not None else None
    if dispatcher is not None:
        await dispatcher.start()
    try:
        while (line := await read()) is not None:
            text = line.rstrip("\r\n")
            if not interactive:
                write(f"{PROMPT}{text}\n")
            if text.strip().lower().startswith(IMPORT):
                upload = read_file(address, text.strip()[len(IMPORT) :])
                if upload is None:
                    write(TEXTS["no_file"])
                    continue
                incoming = upload
            else:
                incoming = to_incoming(address, text, screen.buttons)
            replies = await engine.handle(incoming)
            shown = screen.turn(replies)
            if question is not None:
                asked = any(reply.kind == ReplyKind.QUESTION for reply in replies)
                await _remember(engine, address, question, (shown, screen.buttons) if asked else None)
    finally:
        if dispatcher is not None:
            await dispatcher.stop(grace=2.0)
    if interactive:
        write(TEXTS["bye"])


async def _resume(engine: Engine, address: Address, screen: Screen, question: OpenQuestion) -> None:
    """Shows the question that was open when the terminal last closed, with its numbers."""
    try:
        number = await asyncio.to_thread(engine.open_question, address)
    except Exception:  # noqa: BLE001  the chat itself still works; only the reminder of the question is lost
        logger.warning("could not read the conversation to show the open question")
        return
    if number is None:
        question.drop()
        return
    found = question.recall(number)
    if found is not None:
        text, screen.buttons = found
        screen.write(TEXTS["resumed"] + text + "\n")


async def _remember(
    engine: Engine, address: Address, question: OpenQuestion, asked: tuple[str, list[Button]] | None
) -> None:
    """Keeps a turn that asked a question while it is open; forgets it once the chat is at rest."""
    try:
        number = await asyncio.to_thread(engine.open_question, address)
    except Exception:  # noqa: BLE001  only the restart convenience is lost
        logger.warning("could not read the conversation to keep the open question")
        return
    if number is None:
        question.drop()
    elif asked is not None:
        question.keep(number, *asked)
