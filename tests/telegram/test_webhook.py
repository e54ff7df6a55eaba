"""Webhook mode: the secret header is checked before a body is read, and bodies have a size limit."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

from bot.logs import MASK
from bot.telegram.webhook import MAX_BODY, SECRET_HEADER
from tests.telegram.conftest import Runner, free_port, onboard
from tests.telegram.fake_bot_api import TOKEN

SECRET = "a-webhook-secret-of-32-characters"
BIG = 64 * 1024 * 1024  # bytes: an attacker's body
CHUNK = b"x" * (1024 * 1024)


def rss_mb() -> float:
    """This process's resident memory now (not its peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


async def post_raw(port: int, path: str, length: int, headers: dict[str, str]) -> tuple[int | None, int]:
    """POSTs `length` bytes by hand; returns (HTTP status or None if cut off, bytes the server let us send)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", f"Content-Length: {length}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    sent = 0
    try:
        while sent < length:
            writer.write(CHUNK[: min(len(CHUNK), length - sent)])
            await asyncio.wait_for(writer.drain(), 5)
            sent += min(len(CHUNK), length - sent)
    except (ConnectionError, asyncio.TimeoutError):
        pass
    try:
        line = await asyncio.wait_for(reader.readline(), 5)
        status = int(line.split()[1]) if line else None
    except (ConnectionError, asyncio.TimeoutError, IndexError, ValueError):
        status = None
    writer.close()
    return status, sent


async def webhook_adapter(api, make_adapter):  # type: ignore[no-untyped-def]
    port = free_port()
    adapter = await make_adapter(
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook", telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port, telegram_webhook_secret=SECRET,
    )  # fmt: skip
    return adapter, port


async def test_a_huge_post_without_the_secret_is_refused_without_reading_its_body(api, make_adapter) -> None:  # type: ignore[no-untyped-def]
    adapter, port = await webhook_adapter(api, make_adapter)
    before = rss_mb()
    results = [await post_raw(port, "/telegram/hook", BIG, {}) for _ in range(3)]
    results.append(await post_raw(port, "/telegram/hook", BIG, {SECRET_HEADER: "not-the-secret-at-all-000000000"}))
    grown = rss_mb() - before
    assert all(status in (403, None) for status, _ in results) and any(status == 403 for status, _ in results)
    assert adapter.webhook.refused == 4
    assert grown < 32, f"memory grew by {grown:.0f} MB for bodies that were never wanted"
    ann = Runner(api, adapter, 801)
    await onboard(ann)  # the bot still works
    assert ann.last


async def test_a_body_over_the_limit_is_refused_even_with_the_secret(api, make_adapter) -> None:  # type: ignore[no-untyped-def]
    adapter, port = await webhook_adapter(api, make_adapter)
    status, _ = await post_raw(port, "/telegram/hook", MAX_BODY + 1, {SECRET_HEADER: SECRET})
    assert status == 413
    update = json.dumps(api.new_update(message=api.message(802, "/help"))).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"POST /telegram/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(update)}\r\n{SECRET_HEADER}: {SECRET}\r\n\r\n".encode() + update)  # fmt: skip
    assert b" 200 " in await reader.readline()
    writer.close()
    await api.wait_for(lambda: bool(api.sent(802)))


async def test_the_random_per_start_secret_is_masked_in_any_log_without_the_cli(
    api, make_adapter, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    await make_adapter(telegram_webhook_url=f"http://127.0.0.1:{port}/hook", telegram_webhook_listen="127.0.0.1",
                       telegram_webhook_port=port)  # fmt: skip  (no TELEGRAM_WEBHOOK_SECRET: a random one)
    secret = api.webhook["secret_token"]
    assert secret and len(secret) >= 16
    caplog.set_level(logging.INFO)
    logging.getLogger("anything.at.all").info("posted with %s to %s", secret, f"https://x/bot{TOKEN}/getMe")
    [record] = [r for r in caplog.records if r.name == "anything.at.all"]
    assert secret not in record.getMessage() and TOKEN not in record.getMessage()
    assert record.getMessage().count(MASK) == 2
