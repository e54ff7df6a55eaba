"""The bot token and the webhook secret never reach a log, even at DEBUG, even when things fail.

The real TelegramAdapter runs against the fake Bot API with logging configured the way
`backstride run` configures it (bot.logs.setup_logging, JSON lines, DEBUG), in long
polling and in webhook mode, through a check-in while the fake answers 429, 500, 403
and 400 and drops connections, a forged webhook post, and a start-up with a rejected
token. Every byte logged is searched; so is every raw record (message, arguments,
traceback, extra fields) before any handler's filter runs.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.logs import settings_secrets, setup_logging
from bot.outbound import Delivery
from bot.telegram.adapter import TelegramAdapter
from dialogs.messages import Reply
from tests.reliability.conftest import Talker, UpdateWaiter, telegram_address
from tests.telegram.conftest import free_port
from tests.telegram.fake_bot_api import TOKEN

WEBHOOK_SECRET = "wh-Secret_never-logged-7f3a9c"
REJECTED_TOKEN = "987654321:AAWrongTokenTheApiRejects_abcdefXYZ"
CHECKIN = [("say", "/start"), ("say", "Ann"), ("say", "Europe/London"), ("tap", "Kilometres"), ("tap", "3–4 times"),
           ("tap", "Road / concrete"), ("tap", "In the past"), ("tap", "Skip"), ("tap", "None of these"),
           ("say", "ran 8 km in 45 min on road, lower back aching 4/10 since yesterday"), ("tap", "Easy")]  # fmt: skip


class RawRecords(logging.Handler):
    """Keeps every record as it was created (no filter), to search its every part."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        parts = [record.getMessage(), repr(record.args), repr(record.__dict__.get("extra"))]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        parts += [repr(v) for k, v in record.__dict__.items() if k not in logging.LogRecord("", 0, "", 0, "", (), None).__dict__]
        self.texts.append("\n".join(parts))


@pytest.fixture
def logs() -> Iterator[tuple[io.StringIO, RawRecords]]:
    """Production logging at DEBUG into a buffer, plus a raw record collector; restored after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out, raw = io.StringIO(), RawRecords()
    settings = Settings(_env_file=None, telegram_token=TOKEN, telegram_webhook_secret=WEBHOOK_SECRET)
    setup_logging("DEBUG", "json", [*settings_secrets(settings), REJECTED_TOKEN], stream=out, force=True)
    for noisy in ("telegram", "httpx", "httpcore", "aiohttp", "tornado"):
        logging.getLogger(noisy).setLevel(logging.DEBUG)  # the libraries at their chattiest
    root.addHandler(raw)
    yield out, raw
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def _assert_clean(out: io.StringIO, raw: RawRecords) -> None:
    text = out.getvalue()
    assert len(text.splitlines()) > 50, "the adapter logged too little for this test to mean anything"
    bot_id = TOKEN.split(":")[1]
    for secret in (TOKEN, bot_id, WEBHOOK_SECRET, REJECTED_TOKEN, REJECTED_TOKEN.split(":")[1]):
        assert secret not in text, f"a secret reached the log output: {secret[:6]}…"
        leaks = [t for t in raw.texts if secret in t]
        assert not leaks, f"a raw log record carries a secret: {leaks[0][:200]}"


async def test_polling_with_failures_logs_no_secret(api, make_adapter, logs) -> None:  # type: ignore[no-untyped-def]
    out, raw = logs
    adapter = await make_adapter()
    adapter.application.bot.request._read_timeout = 0.3  # noqa: SLF001
    waiter = UpdateWaiter(adapter)
    ann = Talker(api, waiter, 501)
    api.fail("sendMessage", status=429, retry_after=1)
    api.fail("sendMessage", status=500)
    api.fail("sendMessage", disconnect=True)
    api.fail("editMessageText", status=400, description="Bad Request: message is not modified")
    api.fail("answerCallbackQuery", status=200, delay=0.6)  # times out
    api.fail("getUpdates", status=500)
    await ann.run(CHECKIN)
    api.fail("sendMessage", times=4, status=500)
    assert await adapter.send(telegram_address(501), [Reply(text="reminder")]) is Delivery.FAILED
    api.fail("sendMessage", status=403)
    assert await adapter.send(telegram_address(501), [Reply(text="reminder")]) is Delivery.BLOCKED
    await adapter.stop()
    _assert_clean(out, raw)


async def test_webhook_mode_and_a_rejected_token_log_no_secret(api, make_adapter, db_url, engine, store, logs) -> None:  # type: ignore[no-untyped-def]
    out, raw = logs
    port = free_port()
    adapter = await make_adapter(
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
        telegram_webhook_secret=WEBHOOK_SECRET,
    )
    assert api.webhook and api.webhook["secret_token"] == WEBHOOK_SECRET
    waiter = UpdateWaiter(adapter)
    api.fail("sendMessage", status=500)
    api.fail("sendMessage", status=429, retry_after=1)
    await Talker(api, waiter, 502).run(CHECKIN)
    forged = api.new_update(message=api.message(502, "/help"))
    assert await api.post_webhook(forged, secret="not-the-secret") == 403
    assert await api.post_webhook(forged, secret="") == 403
    await adapter.stop()

    settings = Settings(_env_file=None, telegram_token=REJECTED_TOKEN, telegram_api_url=api.url, database_url=db_url)
    rejected = TelegramAdapter(settings, engine)
    with pytest.raises(RuntimeError, match="refused TELEGRAM_TOKEN"):
        await rejected.start()
    _assert_clean(out, raw)


def test_a_secret_in_an_extra_field_is_masked_in_json_output(logs) -> None:  # type: ignore[no-untyped-def]
    out, _ = logs
    logging.getLogger("bot.telegram.adapter").info("update handled", extra={"update_id": 7, "detail": f"bot{TOKEN}/x"})
    line = out.getvalue().splitlines()[-1]
    assert TOKEN not in line and '"detail": "bot<redacted>/x"' in line and '"update_id": 7' in line


PAIN_WORDS = ("twinge", "buttock", "sciatica")  # what this runner wrote about their back
COORDINATES = ("48.8566", "2.3522", "51.50741", "-0.12782")  # a shared location and a GPX point
BROKEN_GPX = (b'<?xml version="1.0"?><gpx version="1.1" creator="watch"><trk><trkseg>'
              b'<trkpt lat="51.50741" lon="-0.12782"><ele>12</ele><time>2026-11-20T07:00:00Z</time></trkpt>'
              b'<trkpt lat="51.50741" lon="-0.12782"><ele>13</ele></trkseg></gpx')  # fmt: skip  (unclosed trkpt)


async def test_no_pain_text_coordinates_or_secret_in_any_log_at_debug(api, make_adapter, logs) -> None:  # type: ignore[no-untyped-def]
    out, raw = logs
    for library in ("gpxpy", "discord", "sqlalchemy", "asyncio"):
        logging.getLogger(library).setLevel(logging.DEBUG)
    adapter = await make_adapter()
    waiter = UpdateWaiter(adapter)
    ann = Talker(api, waiter, 503)
    await ann.run(CHECKIN[:7])
    await ann.say("ran 6 km in 40 min, sciatica twinge burning down my left buttock, 5/10 since this morning")
    for label in ("Easy", "Worse", "No", "None of these", "None of these"):
        try:
            await ann.tap(label)
        except AssertionError:
            break  # the check-in ended sooner: fine, the words were already handled
    await ann.say("/cancel")
    await ann._turn(lambda: api.send_file(503, "morning.gpx", BROKEN_GPX))
    assert "damaged" in api.shown(503)[-1].text  # the parser did meet the broken file
    await ann.say("/settings")
    await ann._turn(lambda: api.deliver(api.new_update(message=api.message(
        503, None, location={"latitude": 48.8566, "longitude": 2.3522}))))  # fmt: skip
    await adapter.stop()
    text = out.getvalue()
    assert "Processing update" in text  # PTB did log the updates at DEBUG: only their ids and kinds
    for word in (*PAIN_WORDS, *COORDINATES):
        assert word not in text, f"health data reached the log output: {word}"
        leaks = [t for t in raw.texts if word in t]
        assert not leaks, f"a raw log record carries health data ({word}): {leaks[0][:300]}"
    _assert_clean(out, raw)
