"""Operations: the health endpoint, and per-update log lines with ids but no pain details at INFO.

What an operator sees: `GET /healthz` answers 200 while the database answers and 503
when it does not or once shutdown has begun; `backstride run` in webhook mode serves
it; every processed Telegram update logs one line carrying its update and runner ids
(JSON logs print them as fields), and nothing a runner said about their pain reaches
a log record at INFO or above.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import create_engine

from bot.app import serve
from bot.health import HealthServer
from bot.logs import json_formatter
from storage.database import open_database
from tests.reliability.conftest import Talker, UpdateWaiter
from tests.telegram.conftest import free_port, make_settings
from tests.telegram.hooks import handled as watched

logger = logging.getLogger(__name__)

PAIN_REPORT = "ran 8 km in 45 min on road, lower back aching 7/10 since yesterday, sharp twinges when I bend"
PAIN_WORDS = ("aching", "ache", "sharp", "twinge", "7/10", "lower back", "low_back", "since yesterday", "bend",
              "pain", "hurt", "keep_easy", "doctor", "rest", "emergency", "tier")  # fmt: skip
CHECKIN = [("say", "/start"), ("say", "Ann"), ("say", "Europe/London"), ("tap", "Kilometres"), ("tap", "3–4 times"),
           ("tap", "Road / concrete"), ("tap", "In the past"), ("tap", "Skip"), ("tap", "None of these"), ("say", PAIN_REPORT), ("tap", "Easy"), ("tap", "Worse"),
           ("tap", "No"), ("tap", "No"), ("tap", "No"), ("tap", "No"), ("tap", "No"), ("say", "/history"),
           ("say", "/progress")]  # fmt: skip


async def _get(url: str) -> tuple[int, dict[str, str]]:
    async with aiohttp.ClientSession() as client, client.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
        return response.status, await response.json()


async def test_healthz_is_ok_while_the_database_answers_and_503_otherwise(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'ok.db'}")
    healthy = HealthServer(database, "127.0.0.1", port=0)
    unreachable = create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    broken = HealthServer(unreachable, "127.0.0.1", port=0)
    await healthy.start()
    await broken.start()
    try:
        assert await _get(f"http://127.0.0.1:{healthy.port}/healthz") == (200, {"status": "ok", "database": "ok"})
        assert await _get(f"http://127.0.0.1:{broken.port}/healthz") == (503, {"status": "error", "database": "error"})
        healthy.draining()
        assert await _get(f"http://127.0.0.1:{healthy.port}/healthz") == (503, {"status": "stopping"})
    finally:
        await healthy.stop()
        await broken.stop()
        database.dispose()
        unreachable.dispose()


async def test_backstride_run_in_webhook_mode_serves_healthz_until_it_stops(api, db_url: str) -> None:  # type: ignore[no-untyped-def]
    hook, health = free_port(), free_port()
    settings = make_settings(
        api, db_url, telegram_webhook_url=f"http://127.0.0.1:{hook}/telegram", telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=hook, health_listen="127.0.0.1", health_port=health,
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    url = f"http://127.0.0.1:{health}/healthz"
    answer = None
    try:
        for _ in range(200):
            try:
                answer = await _get(url)
                break
            except aiohttp.ClientConnectionError:
                assert not task.done(), task.exception() if task.done() else None
                await asyncio.sleep(0.05)
        assert answer == (200, {"status": "ok", "database": "ok"})
        assert api.webhook and api.webhook["url"].endswith("/telegram")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
    with pytest.raises(aiohttp.ClientConnectionError):
        await _get(url)


async def test_each_update_logs_its_ids_and_no_pain_detail_reaches_info(
    api, make_adapter, caplog: pytest.LogCaptureFixture  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.INFO)
    adapter = await make_adapter()
    handled: list[int] = []
    waiter = UpdateWaiter(adapter)
    watched(adapter).listeners.append(handled.append)
    await Talker(api, waiter, 501).run(CHECKIN)
    assert api.sent(501) and "Logged:" in "\n".join(c.text for c in api.shown(501))

    lines = {r.update_id: r for r in caplog.records if r.getMessage().startswith("telegram: update ")}  # type: ignore[attr-defined]
    assert set(handled) <= set(lines), "an update was processed without its log line"
    for update_id in handled:
        record = lines[update_id]
        assert record.levelno == logging.INFO and record.runner_id == "telegram:501"  # type: ignore[attr-defined]
        assert record.kind in ("text", "command", "button") and record.delivery == "sent"  # type: ignore[attr-defined]
    as_json = json.loads(json_formatter().format(lines[handled[-1]]))
    assert as_json["update_id"] == handled[-1] and as_json["runner_id"] == "telegram:501" and as_json["command"] == "progress"

    standard = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
    leaks = []
    for record in caplog.records:
        if record.levelno < logging.INFO:
            continue
        seen = " ".join([record.getMessage(), *(str(v) for k, v in record.__dict__.items() if k not in standard)])
        leaks += [f"{record.name}: {word!r} in {seen[:160]!r}" for word in PAIN_WORDS if word in seen.lower()]
    assert not leaks, leaks
