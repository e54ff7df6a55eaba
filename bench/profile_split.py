"""Splits a py-spy raw profile of a bench run into where the CPU goes, in ms per update.

Record the check-in bot under the bench, then split the samples:

    .venv/bin/py-spy record -r 250 -f raw -o /tmp/profile.txt -- \
        .venv/bin/python bench/telegram_bench.py --checkin-only --runners 60 --updates 6000
    .venv/bin/python bench/profile_split.py /tmp/profile.txt --updates 6000 --rate 250

Samples taken while the bench set up (onboarding, not measured) are left out.
Each remaining sample is counted once, under the first category its stack
matches from the leaf up (so JSON encoding inside SQLAlchemy counts as JSON),
and again under every "inclusive" group whose code is anywhere in the stack.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

FRAME = re.compile(r"(?P<function>[^;(]+) \((?P<file>[^:;]+)(?::\d+)?\)")

# Leaf-up: the leaf-most frame whose file matches a pattern decides; patterns are tried in this order.
LEAF = [
    ("JSON", r"(^|/)json/"),
    ("logging", r"(^|/)logging/"),
    ("SQLite driver (sqlite3 C calls)", r"sqlalchemy/dialects/sqlite/|sqlite3/"),
    ("SQLAlchemy ORM / SQLModel", r"sqlalchemy/orm/|sqlmodel/"),
    ("SQLAlchemy Core (compile, execute, rows)", r"sqlalchemy/"),
    ("pydantic", r"pydantic"),
    ("parsing (dialogs/parsing, dates, dateparser, vocabulary)", r"dialogs/(parsing|dates|run_vocabulary|units)|dateparser|regex/"),
    ("safety screen (dialogs/safety)", r"dialogs/safety/"),
    ("triage and advice (dialogs/triage, advice, coaching)", r"dialogs/(triage|advice|coach|guidance|return_to_run|progress)"),
    ("engine and flows (other dialogs/)", r"dialogs/"),
    ("storage/ (our SQL code)", r"storage/"),
    ("fake Bot API (bench side, both bots alike)", r"tests/telegram/fake_bot_api|aiohttp/web"),
    ("Telegram adapter (bot/telegram)", r"bot/telegram/|bot/outbound"),
    ("PTB: Bot API request building / objects", r"telegram/_bot\.py|telegram/_utils|telegram/_telegramobject|telegram/request|telegram/_message|telegram/_inline"),
    ("PTB: update dispatch", r"telegram/"),
    ("HTTP client and server (aiohttp, httpx)", r"aiohttp/|httpx/|httpcore/|h11/|anyio/|multidict|yarl"),
    ("bench driver", r"bench/"),
    ("asyncio event loop", r"asyncio/|selectors"),
]
# Inclusive groups: a sample counts under each group that has a frame anywhere in its stack.
INCLUSIVE = [
    ("Engine.handle_sync (whole turn)", r"Engine\.handle_sync"),
    ("store.turn load (_load)", r"SqlStore\._load"),
    ("store.save", r"SqlStore\.save"),
    ("any SQLAlchemy", r"sqlalchemy/"),
    ("SQLAlchemy ORM (sqlalchemy/orm, sqlmodel)", r"sqlalchemy/orm/|sqlmodel/"),
    ("Engine.route (flow logic, incl. its reads)", r"Engine\.route"),
    ("adapter send / edit / answer (bot/telegram/replies, outbound)", r"bot/telegram/replies|TelegramAdapter\._send|TelegramAdapter\._deliver"),
    ("PTB Bot methods (telegram/_bot.py)", r"telegram/_bot\.py"),
    ("PTB request (telegram/request)", r"telegram/request/|bot/telegram/request"),
    ("fake Bot API", r"tests/telegram/fake_bot_api"),
    ("logging", r"(^|/)logging/"),
    ("JSON", r"(^|/)json/"),
    ("dateparser", r"dateparser"),
]
SETUP = r"run_backstride \(|_find_and_load"  # onboarding, imports: not measured


def frames(stack: str) -> list[tuple[str, str]]:
    return [(m["function"], m["file"]) for m in FRAME.finditer(stack)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile")
    parser.add_argument("--updates", type=int, required=True, help="updates in the measured loop")
    parser.add_argument("--rate", type=float, default=250.0, help="py-spy sampling rate (-r)")
    args = parser.parse_args()
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    skipped = total = 0
    for line in open(args.profile, encoding="utf-8"):
        stack, _, count_text = line.rstrip("\n").rpartition(" ")
        count = int(count_text)
        if re.search(SETUP, stack) and "closed_loop" not in stack:
            skipped += count
            continue
        total += count
        chain = frames(stack)
        best = "other"
        for function, file in reversed(chain):
            hit = next((name for name, pattern in LEAF if re.search(pattern, file)), None)
            if hit is not None:
                best = hit
                break
        leaf[best] += count
        for name, pattern in INCLUSIVE:
            if re.search(pattern, stack):
                inclusive[name] += count
    per_update = 1000.0 / args.rate / args.updates  # ms of CPU per sample, per update
    print(f"{total} samples in the measured loop ({skipped} set-up samples left out): "
          f"{total * per_update:.2f} ms CPU per update")
    print("\nby leaf-most category (adds up to the total):")
    for name, count in leaf.most_common():
        print(f"  {count * per_update:6.3f} ms  {100 * count / total:5.1f}%  {name}")
    print("\ninclusive (overlapping):")
    for name, count in inclusive.most_common():
        print(f"  {count * per_update:6.3f} ms  {100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
