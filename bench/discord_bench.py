"""Benchmark: the Discord adapter end to end (real discord.py, fake Discord, real engine on SQLite).

Measures DM throughput (runners typing "/help", one engine call and one REST
send each) and slash-command latency in a server (dispatch to the first
interaction callback, which must stay well inside Discord's 3 s window).

    .venv/bin/python -m bench.discord_bench --runners 200 --messages 2000 --slash 200
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import discord.gateway
import discord.http
import yarl
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.discord.adapter import DiscordAdapter  # noqa: E402
from dialogs.engine import Engine  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.repository import SqlStore  # noqa: E402
from tests.discord.fake_discord import FakeDiscord  # noqa: E402


async def run(runners: int, messages: int, slash: int) -> None:
    """Start everything, push the load, print the numbers."""
    fake = FakeDiscord()
    await fake.start()
    discord.http.Route.BASE = fake.api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    with tempfile.TemporaryDirectory() as folder:
        store = SqlStore(open_database(f"sqlite:///{folder}/bench.db"))
        settings = Settings(_env_file=None, discord_token=SecretStr("bench"), discord_guild_id=int(fake.guild_id))  # type: ignore[call-arg]
        adapter = DiscordAdapter(settings, Engine(store), client_options={"guild_ready_timeout": 0.05})
        await adapter.start()
        users = [fake.user(f"runner{n}") for n in range(runners)]

        def sent() -> int:
            return len(fake.calls)  # only message posts happen in this phase; cheap to count

        before = sent()
        started = time.perf_counter()
        for n in range(messages):
            await fake.dm(users[n % runners], "/help")
        await fake.wait_for(lambda: sent() - before >= messages, timeout=300)
        elapsed = time.perf_counter() - started
        print(f"DMs: {messages} from {runners} runners in {elapsed:.2f} s = {messages / elapsed:.0f} messages/s")

        latencies: list[float] = []
        for n in range(slash):
            began = time.perf_counter()
            interaction = await fake.slash(users[n % runners], "clubrun", {"args": "list"})
            await fake.wait_for(lambda: fake.responses.get(interaction.token), timeout=10)
            latencies.append((time.perf_counter() - began) * 1000)
        latencies.sort()
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        print(
            f"slash commands: {slash}, first response p50 {statistics.median(latencies):.1f} ms, "
            f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms"
        )
        await adapter.stop()
    await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--slash", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.runners, args.messages, args.slash))


if __name__ == "__main__":
    main()
