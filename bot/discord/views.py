"""Buttons that survive a restart: the button's custom_id carries the coach's payload.

Discord sends a button press back with its custom_id only. A `DynamicItem`
registered with `client.add_dynamic_items` matches the id by a template, so a
press on a message sent by an earlier process still reaches the engine; the
engine itself answers a stale question with "That question has passed".
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import discord

from dialogs.messages import Reply

logger = logging.getLogger(__name__)

CUSTOM_ID_PREFIX = "bs:"
MAX_LABEL_CHARS = 80  # Discord's button label cap
MAX_ROWS = 5  # Discord's action rows per message (5 buttons each)


class ButtonHandler(Protocol):
    async def on_button(self, interaction: discord.Interaction[Any], payload: str) -> None: ...


class PayloadButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"bs:(?P<payload>.+)"):
    """A button whose custom_id is `bs:<payload>`; pressing it hands the payload to the adapter."""

    def __init__(self, payload: str, label: str = "…", row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:MAX_LABEL_CHARS],
                custom_id=CUSTOM_ID_PREFIX + payload,
                style=discord.ButtonStyle.secondary,
                row=row,
            )
        )
        self.payload = payload

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> "PayloadButton":
        """Rebuild the button from a press, even one on a message from before a restart."""
        label = getattr(item, "label", None) or "…"
        return cls(match["payload"], label=label, row=getattr(item, "row", None))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the press to the adapter that owns this client."""
        handler: ButtonHandler | None = getattr(interaction.client, "adapter", None)
        if handler is None:
            logger.error("button pressed on a client without a Backstride adapter")
            return
        await handler.on_button(interaction, self.payload)


def build_view(reply: Reply) -> discord.ui.View | None:
    """Draw a reply's button rows (already validated: ≤5 a row, ≤25 in all); None without buttons."""
    if not reply.buttons:
        return None
    layout = reply.buttons
    if len(layout) > MAX_ROWS:  # Discord draws at most 5 action rows: re-flow, keeping the order
        flat = reply.flat_buttons
        layout = tuple(tuple(flat[i : i + MAX_ROWS]) for i in range(0, len(flat), MAX_ROWS))
    view = discord.ui.View(timeout=None)
    for row_number, row in enumerate(layout):
        for button in row:
            view.add_item(PayloadButton(button.payload, label=button.label, row=row_number))
    return view
