"""The terminal: chat with the coach on stdin/stdout, buttons shown as numbered options.

Type the number or the label of a button to press it. Works with piped
input (one line per message) and exits cleanly at the end of input.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import TextIO

from dialogs.engine import Engine
from dialogs.imports import MAX_BYTES
from dialogs.messages import Address, Attachment, Button, ChatKind, Incoming, Reply

logger = logging.getLogger(__name__)

PLATFORM = "terminal"
IMPORT = "/import"  # /import PATH sends a GPX or FIT file, as an upload would


def render(replies: list[Reply], out_dir: Path) -> tuple[str, list[Button]]:
    """Returns the replies as text, with every button numbered across the turn."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        lines.append(reply.text)
        if reply.document:
            name, content = reply.document
            path = out_dir / name
            path.write_bytes(content)
            lines.append(f"[file saved: {path}]")
        if reply.image:
            path = out_dir / "backstride-chart.png"
            path.write_bytes(reply.image)
            lines.append(f"[image saved: {path}]")
        for row in reply.buttons:
            cells = []
            for button in row:
                buttons.append(button)
                cells.append(f"{len(buttons)}) {button.label}")
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
    return Incoming(address=address, attachment=Attachment(path.name, size, content), kind="attachment")


def to_incoming(address: Address, text: str, buttons: list[Button]) -> Incoming:
    """Turns a typed line into a button press when it names one of the last buttons."""
    typed = text.strip()
    if typed.isdigit() and 1 <= int(typed) <= len(buttons):
        return Incoming.button(address, buttons[int(typed) - 1].payload)
    for button in buttons:
        if typed.lower() == button.label.lower():
            return Incoming.button(address, button.payload)
    return Incoming.from_text(address, text)


async def chat(engine: Engine, name: str, stdin: TextIO, stdout: TextIO, out_dir: Path) -> None:
    """Runs the chat loop until end of input."""
    address = Address(platform=PLATFORM, chat_id=name, user_id=name, chat_kind=ChatKind.PRIVATE)
    interactive = stdin.isatty()
    buttons: list[Button] = []
    if interactive:
        stdout.write(f"Backstride (terminal, runner '{name}'). Type /start to begin, /help for commands, Ctrl-D to quit.\n\n")
    while True:
        if interactive:
            stdout.write("you> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        text = line.rstrip("\r\n")
        if not interactive:
            stdout.write(f"you> {text}\n")
        if text.strip().lower().startswith(IMPORT):
            upload = read_file(address, text.strip()[len(IMPORT) :])
            if upload is None:
                stdout.write(f"No file found. Usage: {IMPORT} PATH (a .gpx or .fit file)\n\n")
                continue
            incoming = upload
        else:
            incoming = to_incoming(address, text, buttons)
        replies = await engine.handle(incoming)
        shown, buttons = render(replies, out_dir)
        stdout.write(shown + "\n")
        stdout.flush()
    if interactive:
        stdout.write("\nBye, and happy running.\n")
