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
from dialogs.messages import Address, Button, ChatKind, Incoming, Reply

logger = logging.getLogger(__name__)

PLATFORM = "terminal"


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
        replies = await engine.handle(to_incoming(address, text, buttons))
        shown, buttons = render(replies, out_dir)
        stdout.write(shown + "\n")
        stdout.flush()
    if interactive:
        stdout.write("\nBye, and happy running.\n")
