"""A fake Discord for end-to-end tests: REST (aiohttp) and a JSON gateway on 127.0.0.1.

Point the real discord.py at it with `fake.patch(monkeypatch)`. The fake records
every REST call, keeps the messages the bot sent per channel, and dispatches
gateway events (DM MESSAGE_CREATE, slash-command and button INTERACTION_CREATE)
like Discord does. It can be told to answer the next matching call with a 429
(Discord's body and X-RateLimit headers) or a 403.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from aiohttp import web, WSMsgType

logger = logging.getLogger(__name__)

JSON = "application/json"
EPHEMERAL = 64
MANAGE_GUILD = 1 << 5
DEFAULT_MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 31)  # view channel, send messages, use app commands


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Answer with Content-Type exactly application/json (discord.py treats anything else as text)."""
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": JSON, **(headers or {})})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    retry_after: float
    code: int


@dataclass
class Interaction:
    id: str
    token: str
    channel_id: str
    user: dict[str, Any]
    guild: bool


class FakeDiscord:
    """The fake: `await start()`, `patch(monkeypatch)`, drive it, inspect `calls` and `messages`."""

    def __init__(self) -> None:
        self._ids = itertools.count(100_000_000_000_000_000)
        self.app_id = self.new_id()
        self.bot = self.user("backstride", bot=True)
        self.guild_id = self.new_id()
        self.channel_id = self.new_id()  # the club's text channel
        self.club_role_id = self.new_id()
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel id -> messages, oldest first
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self.files: dict[str, list[bytes]] = {}  # message id -> uploaded file contents
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> synced commands
        self.interactions: dict[str, Interaction] = {}  # token -> interaction
        self.responses: dict[str, list[dict[str, Any]]] = {}  # token -> callbacks and follow-ups, in order
        self.closed_dms: set[str] = set()  # user ids whose DMs refuse the bot (403, code 50007)
        self.identify: dict[str, Any] | None = None
        self.failures: list[Failure] = []
        self.port = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.changed = asyncio.Event()

    # Set-up.

    def new_id(self) -> str:
        return str(next(self._ids))

    def user(self, name: str, bot: bool = False) -> dict[str, Any]:
        return {
            "id": self.new_id(),
            "username": name,
            "global_name": name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def patch(self, monkeypatch: Any) -> None:
        """Point discord.py's REST base and gateway at this fake."""
        import discord.gateway
        import discord.http
        import yarl

        monkeypatch.setattr(discord.http.Route, "BASE", self.api_url)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url))

    def fail(self, method: str, path: str, status: int, times: int = 1, retry_after: float = 0.05, code: int = 0) -> None:
        """Answer the next `times` calls matching method and path (a regex) with `status`."""
        self.failures.append(Failure(method, re.compile(path), status, times, retry_after, code))

    # REST.

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: list[tuple[str, bytes]] = []
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    files.append((part.filename or "", bytes(await part.read())))  # type: ignore[union-attr]
        elif request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        call = Call(request.method, path, dict(request.query), body, files)
        self.calls.append(call)
        failure = self._failure_for(request.method, path)
        if failure is not None:
            return self._failure_response(failure)
        try:
            return await self._route(call)
        finally:
            self.changed.set()

    def _failure_for(self, method: str, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.times > 0 and failure.method == method and failure.path.search(path):
                failure.times -= 1
                return failure
        return None

    def _failure_response(self, failure: Failure) -> web.Response:
        if failure.status == 429:
            headers = {
                "Via": "1.1 google",
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{datetime.now(timezone.utc).timestamp() + failure.retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{failure.retry_after:.3f}",
                "X-RateLimit-Bucket": "fakebucket",
                "X-RateLimit-Scope": "user",
                "Retry-After": str(max(1, round(failure.retry_after))),
            }
            body = {"message": "You are being rate limited.", "retry_after": failure.retry_after, "global": False}
            return _json(body, 429, headers)
        message = {403: "Missing Access", 404: "Unknown Channel"}.get(failure.status, "Error")
        return _json({"message": message, "code": failure.code}, failure.status)

    async def _route(self, call: Call) -> web.Response:
        method, path, body = call.method, call.path, call.body or {}
        if method == "GET" and path == "/users/@me":
            return _json(self.bot)
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json(self._application())
        if method == "GET" and path in ("/gateway", "/gateway/bot"):
            return _json({"url": self.gateway_url.rstrip("/"), "shards": 1})
        if match := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", path):
            if method == "PUT":
                scope = match.group(2) or "global"
                self.commands[scope] = [self._command(c, match.group(2)) for c in body]
                return _json(self.commands[scope])
            return _json(self.commands.get(match.group(2) or "global", []))
        if method == "POST" and path == "/users/@me/channels":
            return _json(self._dm_channel(str(body["recipient_id"])))
        if match := re.fullmatch(r"/channels/(\d+)/messages", path):
            channel_id = match.group(1)
            if method == "POST":
                owner = next((u for u, c in self.dm_channels.items() if c == channel_id), None)
                if owner in self.closed_dms:
                    return _json({"message": "Cannot send messages to this user", "code": 50007}, 403)
                return _json(self._store_message(channel_id, body, call.files))
            return _json(list(reversed(self.messages.get(channel_id, []))))
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path):
            message = self.find_message(match.group(2))
            if message is None:
                return _json({"message": "Unknown Message", "code": 10008}, 404)
            if method == "PATCH":
                message.update({k: v for k, v in body.items() if k in ("content", "components", "flags")})
            return _json(message)
        if match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return _json(self._callback(match.group(1), match.group(2), body, call.files))
        if match := re.fullmatch(r"/webhooks/(\d+)/([^/]+)", path):
            interaction = self.interactions[match.group(2)]
            message = self._store_message(interaction.channel_id, body, call.files)
            self.responses.setdefault(interaction.token, []).append({"type": "followup", "message": message})
            return _json(message)
        if match := re.fullmatch(r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", path):
            interaction = self.interactions[match.group(2)]
            message = self._store_message(interaction.channel_id, body, call.files)
            self.responses.setdefault(interaction.token, []).append({"type": "edit", "message": message})
            return _json(message)
        if match := re.fullmatch(r"/guilds/(\d+)", path):
            return _json(self._guild())
        logger.warning("fake discord: unhandled %s %s", method, path)
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _application(self) -> dict[str, Any]:
        return {
            "id": self.app_id,
            "name": "Backstride",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.user("owner"),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "summary": "",
        }

    def _command(self, data: dict[str, Any], guild_id: str | None) -> dict[str, Any]:
        command = {"id": self.new_id(), "application_id": self.app_id, "version": self.new_id(), "type": 1, **data}
        if guild_id:
            command["guild_id"] = guild_id
        return command

    def _dm_channel(self, user_id: str) -> dict[str, Any]:
        channel_id = self.dm_channels.setdefault(user_id, self.new_id())
        user = {"id": user_id, "username": f"user{user_id[-4:]}", "discriminator": "0", "avatar": None}
        return {"id": channel_id, "type": 1, "recipients": [user], "last_message_id": None}

    def _store_message(self, channel_id: str, body: dict[str, Any], files: list[tuple[str, bytes]]) -> dict[str, Any]:
        message = {
            "id": self.new_id(),
            "channel_id": channel_id,
            "author": self.bot,
            "content": body.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {"id": self.new_id(), "filename": name, "size": len(data), "url": "", "proxy_url": ""}
                for name, data in files
            ],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags") or 0),
            "components": body.get("components") or [],
        }
        self.files[message["id"]] = [data for _, data in files]
        self.messages.setdefault(channel_id, []).append(message)
        return message

    def _callback(self, interaction_id: str, token: str, body: dict[str, Any], files: list[tuple[str, bytes]]) -> dict:
        interaction = self.interactions[token]
        kind = body["type"]
        data = body.get("data") or {}
        message = None
        if kind == 4:
            message = self._store_message(interaction.channel_id, data, files)
        self.responses.setdefault(token, []).append({"type": kind, "data": data, "message": message})
        response: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if message is not None:
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"]["message"] = message
        return response

    # Gateway.

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        try:
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                data = json.loads(frame.data)
                if data["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif data["op"] == 2:
                    self.identify = data["d"]
                    await self._send(ws, "READY", self._ready())
                    await self._send(ws, "GUILD_CREATE", self._guild())
        finally:
            self._sockets.remove(ws)
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to every connected client."""
        for ws in list(self._sockets):
            await self._send(ws, event, data)

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot,
            "guilds": [{"id": self.guild_id, "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.app_id, "flags": 0},
            "private_channels": [],
        }

    def _guild(self) -> dict[str, Any]:
        everyone = {"id": self.guild_id, "name": "@everyone", "permissions": str(DEFAULT_MEMBER_PERMISSIONS)}
        club = {"id": self.club_role_id, "name": "Run leaders", "permissions": "0"}
        roles = [
            {"position": n, "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0, **r}
            for n, r in enumerate([everyone, club])
        ]
        channel = {
            "id": self.channel_id,
            "type": 0,
            "name": "club-runs",
            "guild_id": self.guild_id,
            "position": 0,
            "permission_overwrites": [],
        }
        return {
            "id": self.guild_id,
            "name": "Riverside Runners",
            "icon": None,
            "owner_id": self.new_id(),
            "roles": roles,
            "channels": [channel],
            "members": [self._member(self.bot, [], 0)],
            "member_count": 2,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "joined_at": _now(),
            "unavailable": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "system_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
        }

    def _member(self, user: dict[str, Any], roles: list[str], permissions: int) -> dict[str, Any]:
        return {
            "user": user,
            "roles": roles,
            "nick": None,
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(permissions),
        }

    # Driving the bot like a runner would.

    def dm_channel_of(self, user: dict[str, Any]) -> str:
        return self._dm_channel(user["id"])["id"]

    async def dm(self, user: dict[str, Any], content: str) -> str:
        """The runner types `content` in their DM with the bot; returns the DM channel id."""
        channel_id = self.dm_channel_of(user)
        message = {
            "id": self.new_id(),
            "channel_id": channel_id,
            "author": user,
            "content": content,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }
        await self.dispatch("MESSAGE_CREATE", message)
        return channel_id

    def _interaction(
        self, user: dict[str, Any], kind: int, data: dict[str, Any], in_guild: bool, permissions: int, roles: list[str]
    ) -> tuple[Interaction, dict[str, Any]]:
        token = "itoken-" + self.new_id()
        payload: dict[str, Any] = {
            "id": self.new_id(),
            "application_id": self.app_id,
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "app_permissions": str(DEFAULT_MEMBER_PERMISSIONS),
            "attachment_size_limit": 8 * 1024 * 1024,
            "locale": "en-GB",
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id} if in_guild else {"1": user["id"]},
            "context": 0 if in_guild else 1,
        }
        if in_guild:
            channel_id = self.channel_id
            payload.update(
                guild_id=self.guild_id,
                guild_locale="en-GB",
                channel_id=channel_id,
                channel={"id": channel_id, "type": 0, "guild_id": self.guild_id, "name": "club-runs"},
                member=self._member(user, roles, permissions),
            )
        else:
            channel_id = self.dm_channel_of(user)
            payload.update(channel_id=channel_id, channel={"id": channel_id, "type": 1, "recipients": [user]}, user=user)
        interaction = Interaction(payload["id"], token, channel_id, user, in_guild)
        self.interactions[token] = interaction
        return interaction, payload

    async def slash(
        self,
        user: dict[str, Any],
        name: str,
        options: dict[str, str] | None = None,
        in_guild: bool = True,
        permissions: int = DEFAULT_MEMBER_PERMISSIONS,
        roles: list[str] | None = None,
    ) -> Interaction:
        """The runner runs /name (with string options) in the club channel or in DMs."""
        scope = self.guild_id if self.guild_id in self.commands else "global"
        command = next(c for c in self.commands.get(scope, []) if c["name"] == name)
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1}
        if options:
            data["options"] = [{"name": k, "type": 3, "value": v} for k, v in options.items()]
        if in_guild:
            data["guild_id"] = self.guild_id
        interaction, payload = self._interaction(user, 2, data, in_guild, permissions, roles or [])
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def press(
        self, user: dict[str, Any], message: dict[str, Any], custom_id: str, permissions: int = DEFAULT_MEMBER_PERMISSIONS
    ) -> Interaction:
        """The runner presses the button `custom_id` on a message the bot sent."""
        in_guild = message["channel_id"] == self.channel_id
        data = {"custom_id": custom_id, "component_type": 2}
        interaction, payload = self._interaction(user, 3, data, in_guild, permissions, [])
        payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    # Inspecting.

    def find_message(self, message_id: str) -> dict[str, Any] | None:
        for messages in self.messages.values():
            for message in messages:
                if message["id"] == message_id:
                    return message
        return None

    def posts(self, pattern: str, method: str = "POST") -> list[Call]:
        return [c for c in self.calls if c.method == method and re.search(pattern, c.path)]

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until `condition()` is truthy (re-checked after every REST call); returns its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = condition()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError("timed out waiting for the bot")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=min(remaining, 0.1))
            except asyncio.TimeoutError:
                pass


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """A message's buttons as label -> custom_id."""
    found: dict[str, str] = {}
    for row in message.get("components") or []:
        for component in row.get("components", []):
            if component.get("type") == 2:
                found[component.get("label", "")] = component.get("custom_id", "")
    return found
