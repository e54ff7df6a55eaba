"""What one hostile run-file upload costs the Telegram bot: its peak RSS, the time to answer it, /help meanwhile.

The real adapter and engine against the fake Bot API in this process (so the
RSS includes the fake and the file's bytes it holds). One runner uploads each
worst file under the 5 MB cap while another sends /help every 100 ms; the
bench prints, per file and round, the bot process's peak RSS (VmHWM), the
seconds until the uploader got an answer, and the /help latencies during the
import (min/median/max).

    .venv/bin/python -m bench.upload_bench [--rounds 3]

The machine is shared: compare rounds, not single numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.config import Settings
from bot.telegram.adapter import TelegramAdapter
from dialogs.engine import Engine
from dialogs.messages import Address, Incoming
from storage.database import open_database
from storage.repository import SqlStore
from tests.runfile_makers import dense_fit, dense_gpx, slow_gpx
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

ONBOARDING = ["/start", "Ann", "Europe/London", "Kilometres", "3–4 times", "Road / concrete", "In the past", "Skip",
              "None of these"]
CAP = 5 * 1024 * 1024 - 1024
FILES = {
    "xmlns-5MB.gpx": lambda: slow_gpx(CAP),
    "dense-5MB.gpx": dense_gpx,
    "dense-5MB.fit": dense_fit,
}
HELP_EVERY_S = 0.1


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        return int(next(r for r in status if r.startswith("VmHWM:")).split()[1]) / 1024


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return int(next(r for r in status if r.startswith("VmRSS:")).split()[1]) / 1024


async def onboard(engine: Engine, user_id: int) -> None:
    address = Address("telegram", str(user_id), str(user_id))
    for text in ONBOARDING:
        for reply in await engine.handle(Incoming.from_text(address, text)):
            for button in reply.flat_buttons:
                if button.label == text:
                    await engine.handle(Incoming.button(address, button.payload))


async def one_upload(api: FakeBotApi, name: str, content: bytes) -> tuple[float, list[float], str]:
    uploader, other = 7001, 7002
    mark = len(api.calls)

    def answered() -> list[str]:
        return [c.text for c in api.calls[mark:] if c.method == "sendMessage" and c.chat_id == uploader]

    began = time.perf_counter()
    await api.send_file(uploader, name, content)
    latencies: list[float] = []
    while not answered():
        before = len([c for c in api.calls if c.chat_id == other and c.method == "sendMessage"])
        asked = time.perf_counter()
        await api.say(other, "/help")
        await api.wait_for(lambda: len([c for c in api.calls if c.chat_id == other and c.method == "sendMessage"])
                           > before, timeout=120)
        latencies.append(time.perf_counter() - asked)
        await asyncio.sleep(HELP_EVERY_S)
    return time.perf_counter() - began, latencies, answered()[0][:60]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        api = FakeBotApi()
        await api.start()
        store = SqlStore(open_database(f"sqlite:///{Path(folder) / 'bench.db'}"))
        engine = Engine(store)
        await onboard(engine, 7001)
        await onboard(engine, 7002)
        adapter = TelegramAdapter(Settings(_env_file=None, telegram_token=TOKEN, telegram_api_url=api.url),
                                  engine, rate_limit=False, poll_timeout=2)
        await adapter.start()
        print(f"bot RSS before any upload: {rss_mb():.0f} MB (peak so far {peak_rss_mb():.0f} MB)")
        try:
            for name, make in FILES.items():
                content = make()
                for n in range(args.rounds):
                    took, latencies, answer = await one_upload(api, name, content)
                    await engine.handle(Incoming.from_text(Address("telegram", "7001", "7001"), "/cancel"))
                    spread = "/".join(f"{v * 1000:.0f}" for v in
                                      (min(latencies), statistics.median(latencies), max(latencies)))
                    print(f"{name:14} {len(content) / 1e6:.2f} MB round {n + 1}: answered in {took:.2f} s, "
                          f"/help {spread} ms (min/median/max of {len(latencies)}), "
                          f"bot peak RSS {peak_rss_mb():.0f} MB; {answer!r}", flush=True)
        finally:
            await adapter.stop()
            await api.stop()
            store.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
