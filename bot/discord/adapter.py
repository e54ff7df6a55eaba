"""The Discord adapter: discord.py events in, neutral `Incoming` to the engine, `Reply` back out.

Translation only; the coach lives in `dialogs/`.

- DMs: typed text and attachments arrive as MESSAGE_CREATE (no message-content
  intent needed: Discord always delivers DM content to the bot), button presses
  as component interactions.
- Slash commands mirror the engine's commands. In a server every answer is
  ephemeral (only the runner sees it); a command that belongs in private
  (`/checkin`, `/history`, ...) continues in a DM: the adapter names the runner's
  DM (`Incoming.private_chat`), the engine runs the command there once and marks
  those replies PRIVATE, and the adapter sends them to the DM. A runner whose DMs
  are closed is told how to open them, and the engine marks them inactive.
- Interactions are answered inside Discord's 3-second window: if the engine has
  not answered within `answer_budget` seconds the interaction is deferred and
  the replies follow as follow-up messages.
- `send()` is the outbound seam for reminders; discord.py retries 429s itself.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time
from dataclasses import replace
from typing import Any, Optional, Sequence

import discord
from discord import app_commands

from bot.commands import COMMANDS
from bot.config import Settings
from bot.discord.views import PayloadButton, build_view
from bot.logs import update_fields
from bot.outbound import Delivery
from bot.startup import StartupError, discord_problem, first_line
from dialogs.messages import Address, Attachment, ChatKind, Incoming, IncomingKind, Reply, Visibility, group_safe

logger = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_CONTENT_CHARS = 2000  # Discord's message content cap
READY_TIMEOUT = 60.0
DRAIN_TIMEOUT = 10.0

_COMMAND_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")  # Discord's rule for slash command names


def _log_handled(event_id: int, incoming: Incoming, replies: int, outcome: str, started: float) -> None:
    """One line per message or interaction: its ids, the kind of input and the outcome, never its content."""
    from dialogs.engine import GROUP_HANDLERS, PRIVATE_COMMANDS

    command = None
    if incoming.kind == IncomingKind.COMMAND:
        command = incoming.command if incoming.command in PRIVATE_COMMANDS or incoming.command in GROUP_HANDLERS else "other"
    fields = update_fields(
        PLATFORM, event_id, incoming.address.user_id, chat_kind=incoming.address.chat_kind.value, kind=incoming.kind,
        command=command, replies=replies, delivery=outcome, duration_ms=round((time.monotonic() - started) * 1000),
    )  # fmt: skip
    logger.info("discord: event %s handled: %s, %s", event_id, incoming.kind, outcome, extra=fields)


def slash_specs() -> dict[str, tuple[str, str | None, str | None]]:
    """List the slash commands to register: every engine command, worded from COMMANDS when known."""
    from dialogs.engine import GROUP_HANDLERS, PRIVATE_COMMANDS

    specs: dict[str, tuple[str, str | None, str | None]] = {}
    for name in [*PRIVATE_COMMANDS, *GROUP_HANDLERS]:
        if not _COMMAND_NAME.match(name):
            logger.warning("discord: /%s is not a valid slash command name; skipped", name)
            continue
        specs[name] = COMMANDS.get(name, (f"/{name}", "text", "Optional details"))
    return specs


SENT_TO_DM = "I've sent you a direct message: let's continue there, where only you and I can see it."
OPEN_DMS = (
    "I couldn't send you a direct message: your DMs are closed to me. To open them, right-click "
    "(or long-press) this server's icon → Privacy Settings → turn on Direct Messages, then run this "
    "command again. Until then I won't send you reminders."
)
DM_FAILED = "I couldn't reach your DMs just now. Please try again in a minute."
NOTHING_TO_ADD = "Nothing to do here. /help lists what I can do."


class BackstrideClient(discord.Client):
    """A discord.Client that forwards DMs to the adapter and syncs slash commands at start."""

    def __init__(self, adapter: "DiscordAdapter", **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # servers, channels and roles (for the club-role check)
        intents.dm_messages = True  # DMs: the whole coach
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(intents=intents, **options)
        self.adapter = adapter
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        """Register the persistent buttons and the slash commands, then sync them."""
        self.add_dynamic_items(PayloadButton)
        for name, (description, option, option_description) in slash_specs().items():
            self.tree.add_command(_slash_command(self.adapter, name, description, option, option_description))
        guild_id = self.adapter.settings.discord_guild_id
        try:
            if guild_id:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                logger.info("synced %d slash commands to server %s", len(synced), guild_id)
            else:
                synced = await self.tree.sync()
                logger.info("synced %d slash commands globally (may take up to an hour to appear)", len(synced))
        except discord.HTTPException as error:
            logger.error("could not sync slash commands (status %s); keeping the registered ones", error.status)

    async def on_message(self, message: discord.Message) -> None:
        """Forward a runner's DM to the adapter."""
        await self.adapter.on_message(message)


def _slash_command(
    adapter: "DiscordAdapter", name: str, description: str, option: str | None, option_description: str | None
) -> app_commands.Command[Any, Any, None]:
    """Build one slash command whose callback hands the command to the adapter."""
    if option is None:

        async def plain(interaction: discord.Interaction) -> None:
            await adapter.on_command(interaction, name, "")

        return app_commands.Command(name=name, description=description, callback=plain)

    async def with_text(interaction: discord.Interaction, text: Optional[str] = None) -> None:
        await adapter.on_command(interaction, name, text or "")

    with_text = app_commands.rename(text=option)(with_text)
    with_text = app_commands.describe(text=option_description or option)(with_text)
    return app_commands.Command(name=name, description=description, callback=with_text)


def render(reply: Reply) -> list[dict[str, Any]]:
    """Turn one reply into send() keyword sets: text split at 2,000 chars, buttons and files on the last."""
    text = reply.text or ""
    chunks: list[str] = []
    while len(text) > MAX_CONTENT_CHARS:
        cut = text.rfind("\n", 0, MAX_CONTENT_CHARS)
        if cut <= 0:
            cut = MAX_CONTENT_CHARS
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    chunks.append(text)
    messages: list[dict[str, Any]] = [{"content": chunk} for chunk in chunks if chunk]
    if not messages:
        messages.append({})
    last = messages[-1]
    view = build_view(reply)
    if view is not None:
        last["view"] = view
    files = []
    if reply.image is not None:
        files.append(discord.File(io.BytesIO(reply.image), filename="image.png"))
    if reply.document is not None:
        filename, content = reply.document
        files.append(discord.File(io.BytesIO(content), filename=filename))
    if files:
        last["files"] = files
    return [m for m in messages if m]


class DiscordAdapter:
    """Runs the coach on Discord: `start()`, `send()` for reminders, `stop()`."""

    platform = PLATFORM

    def __init__(
        self,
        settings: Settings,
        engine: Any,
        *,
        answer_budget: float = 2.0,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        self.settings = settings
        self.engine = engine
        self.answer_budget = answer_budget
        self.client_options = dict(client_options or {})
        self.client: BackstrideClient | None = None
        self._runner: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._closing = False

    # Lifecycle.

    async def start(self) -> None:
        """Log in, sync slash commands, connect to the gateway and wait until ready."""
        assert self.settings.discord_token is not None
        self._closing = False
        self.client = client = BackstrideClient(self, **self.client_options)
        try:
            await client.login(self.settings.discord_token.get_secret_value())
        except (discord.LoginFailure, discord.HTTPException, OSError) as error:
            await client.close()
            raise StartupError(discord_problem(error) or str(error)) from None
        self._runner = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._runner}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            error = self._runner.exception() if self._runner in done else None
            await client.close()
            raise StartupError(f"Discord's gateway did not become ready in {READY_TIMEOUT:.0f} s"
                               f"{f' ({first_line(error)})' if error else ''}; is the network up?")
        logger.info("discord: connected as %s", client.user)

    async def stop(self) -> None:
        """Stop taking events, finish the ones in flight, close the connection."""
        self._closing = True
        await self.drained(DRAIN_TIMEOUT)
        if self.client is not None:
            await self.client.close()
        if self._runner is not None:
            try:
                await asyncio.wait_for(self._runner, timeout=DRAIN_TIMEOUT)
            except (asyncio.TimeoutError, asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down anyway
                logger.debug("discord: gateway task ended uncleanly", exc_info=True)
            self._runner = None

    async def drained(self, timeout: float | None = None) -> None:
        """Wait until every event being handled has been answered."""
        while self._inflight:
            done, _ = await asyncio.wait(set(self._inflight), timeout=timeout)
            if not done:
                logger.warning("discord: %d events still in flight after %.0f s", len(self._inflight), timeout or 0)
                return

    def _track(self) -> bool:
        """Count the current event as in flight; False when shutting down."""
        if self._closing:
            return False
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return True

    # Inbound.

    async def on_message(self, message: discord.Message) -> None:
        """Hand a runner's DM (text or attachment) to the engine and send the replies."""
        if message.author.bot or message.guild is not None or not self._track():
            return
        address = Address(PLATFORM, str(message.channel.id), str(message.author.id), ChatKind.PRIVATE)
        if message.attachments:
            attachment = await self._download(message.attachments[0])
            incoming = Incoming(address, attachment=attachment, kind=IncomingKind.ATTACHMENT)
        elif message.content:
            incoming = Incoming.from_text(address, message.content)
        else:
            incoming = Incoming(address, kind=IncomingKind.UNSUPPORTED)
        started = time.monotonic()
        replies = await self.engine.handle(incoming)
        delivery = await self.send(address, replies)
        _log_handled(message.id, incoming, len(replies), delivery.value, started)

    async def _download(self, attachment: discord.Attachment) -> Attachment:
        """Reads an uploaded run file unless it is over the import cap (the engine then says so)."""
        from dialogs.imports import MAX_BYTES

        content = None
        if attachment.size <= MAX_BYTES:
            try:
                content = await attachment.read()
            except discord.HTTPException:
                logger.warning("could not download attachment %s", attachment.id)
        return Attachment(attachment.filename, attachment.size, content)

    async def on_command(self, interaction: discord.Interaction[Any], name: str, args: str) -> None:
        """Answer a slash command: in a DM like typed text, in a server ephemerally."""
        if not self._track():
            return
        address = self._address(interaction)
        text = f"/{name} {args}".strip()
        admin = self._is_club_admin(interaction)
        incoming = Incoming(address, text=text, command=name, args=args, kind=IncomingKind.COMMAND, is_admin=admin)
        await self._answer(interaction, incoming)

    async def on_button(self, interaction: discord.Interaction[Any], payload: str) -> None:
        """Answer a button press, including one on a message sent before a restart."""
        if not self._track():
            return
        address = self._address(interaction)
        admin = self._is_club_admin(interaction)
        incoming = Incoming(address, payload=payload, kind=IncomingKind.BUTTON, is_admin=admin)
        await self._answer(interaction, incoming)

    def _address(self, interaction: discord.Interaction[Any]) -> Address:
        kind = ChatKind.GROUP if interaction.guild_id else ChatKind.PRIVATE
        return Address(PLATFORM, str(interaction.channel_id), str(interaction.user.id), kind)

    def _is_club_admin(self, interaction: discord.Interaction[Any]) -> bool:
        """True for members with Manage Server (or Administrator) or the configured club role."""
        if not interaction.guild_id:
            return False
        permissions = interaction.permissions
        if permissions.manage_guild or permissions.administrator:
            return True
        wanted = self.settings.discord_club_role
        member = interaction.user
        if not wanted or not isinstance(member, discord.Member):
            return False
        role_ids = {str(role_id) for role_id in getattr(member, "_roles", ())}
        return wanted in role_ids or any(role.name == wanted for role in member.roles)

    async def _answer(self, interaction: discord.Interaction[Any], incoming: Incoming) -> None:
        """Run the engine, deferring if it takes longer than the budget, then reply to the interaction."""
        ephemeral = incoming.address.is_group
        started = time.monotonic()
        work = asyncio.ensure_future(self._replies_for(interaction, incoming))
        done, _ = await asyncio.wait({work}, timeout=self.answer_budget)
        if not done:
            try:
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            except discord.HTTPException as error:
                logger.warning("discord: could not defer interaction (status %s)", error.status)
        replies = await work
        outcome = "sent"
        try:
            await self._respond(interaction, replies, ephemeral)
        except discord.HTTPException as error:
            outcome = "failed"
            logger.warning("discord: could not answer interaction (status %s)", error.status,
                           extra=update_fields(PLATFORM, interaction.id, incoming.address.user_id))
        _log_handled(interaction.id, incoming, len(replies), outcome, started)

    async def _replies_for(self, interaction: discord.Interaction[Any], incoming: Incoming) -> list[Reply]:
        """Ask the engine; in a server, deliver what it marks private to the runner's DM and say so here."""
        if not incoming.address.is_group:
            return await self.engine.handle(incoming)
        dm = await self._dm_address(interaction)
        if dm is not None:
            incoming = replace(incoming, private_chat=dm.chat_id)
        replies = await self.engine.handle(incoming)
        private = [r for r in replies if r.visibility is not Visibility.ANYWHERE]
        if not private or dm is None:
            return replies
        note = await self._continue_in_dm(dm, private)
        first = next(n for n, r in enumerate(replies) if r.visibility is not Visibility.ANYWHERE)
        shown = [r for r in replies if r.visibility is Visibility.ANYWHERE]
        return shown[:first] + [note] + shown[first:]  # the note stands where the private replies were

    async def _dm_address(self, interaction: discord.Interaction[Any]) -> Address | None:
        """The runner's DM, where the engine may send what a server must not see; None if it cannot be opened."""
        user = interaction.user
        try:
            channel = await user.create_dm()
        except discord.HTTPException as error:
            logger.warning("discord: could not open a DM channel (status %s)", error.status)
            return None
        return Address(PLATFORM, str(channel.id), str(user.id), ChatKind.PRIVATE)

    async def _continue_in_dm(self, dm: Address, replies: Sequence[Reply]) -> Reply:
        """Send the engine's private replies to the runner's DM; say ephemerally where they went."""
        delivery = await self.send(dm, replies)
        if delivery is Delivery.SENT:
            return Reply(text=SENT_TO_DM, visibility=Visibility.ANYWHERE)
        if delivery is Delivery.BLOCKED:
            return Reply(text=OPEN_DMS, visibility=Visibility.ANYWHERE)
        return Reply(text=DM_FAILED, visibility=Visibility.ANYWHERE)

    async def _respond(self, interaction: discord.Interaction[Any], replies: Sequence[Reply], ephemeral: bool) -> None:
        """Send the replies as the interaction's response and follow-ups."""
        messages = [kwargs for reply in replies for kwargs in render(reply)]
        if not messages:
            if interaction.response.is_done():
                await interaction.followup.send(NOTHING_TO_ADD, ephemeral=ephemeral)
            elif interaction.type is discord.InteractionType.component:
                await interaction.response.defer()  # acknowledge the press silently
            else:
                await interaction.response.send_message(NOTHING_TO_ADD, ephemeral=True)
            return
        for kwargs in messages:
            if not interaction.response.is_done():
                await interaction.response.send_message(**kwargs, ephemeral=ephemeral)
            else:
                await interaction.followup.send(**kwargs, ephemeral=ephemeral)

    # Outbound.

    async def send(self, address: Address, replies: Sequence[Reply]) -> Delivery:
        """Deliver replies to a DM or a server channel; Forbidden means blocked (the engine hears of it)."""
        if self.client is None:
            return Delivery.FAILED
        kind = discord.ChannelType.text if address.is_group else discord.ChannelType.private
        channel = self.client.get_partial_messageable(int(address.chat_id), type=kind)
        try:
            shown = group_safe(address, replies)  # unprompted messages (reminders) never passed the engine
            if len(shown) < len(replies):
                logger.error("discord: refusing to post a private reply in a server channel")
            for reply in shown:
                for kwargs in render(reply):
                    await channel.send(**kwargs)
        except (discord.Forbidden, discord.NotFound) as error:
            logger.info("discord: %s unreachable (status %s, code %s)", address.chat_kind.value, error.status, error.code)
            await self.engine.handle(Incoming(address, kind=IncomingKind.BLOCKED))  # the engine marks them inactive
            return Delivery.BLOCKED
        except (discord.DiscordException, OSError, asyncio.TimeoutError) as error:
            logger.warning("discord: delivery failed: %s", type(error).__name__)
            return Delivery.FAILED
        return Delivery.SENT
