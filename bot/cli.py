"""The `backstride` command: `chat` in the terminal, `run` for the chat platforms."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _engine(database_url: str | None):  # type: ignore[no-untyped-def]
    from dialogs.engine import Engine
    from storage.database import open_database
    from storage.repository import SqlStore

    return Engine(SqlStore(open_database(database_url)))


def cmd_chat(args: argparse.Namespace) -> int:
    """Chats with the coach in this terminal."""
    from bot.config import SettingsError, load_settings
    from bot.terminal import chat

    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    _setup_logging(args.log_level or "WARNING")
    engine = _engine(args.database_url or settings.database_url)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(chat(engine, args.name, sys.stdin, sys.stdout, out_dir))
    except KeyboardInterrupt:
        print("\nBye.")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Starts the bots configured in the environment."""
    from bot.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    _setup_logging(settings.log_level)
    if not settings.telegram_token and not settings.discord_token:
        print(
            "No chat platform configured: set TELEGRAM_TOKEN and/or DISCORD_TOKEN "
            "(in the environment or .env). To try the coach without a token: backstride chat",
            file=sys.stderr,
        )
        return 2
    from bot.app import serve

    asyncio.run(serve(settings))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backstride", description="Backstride: a running coach for happy backs.")
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="chat with the coach in this terminal (no tokens needed)")
    chat.add_argument("--as", dest="name", default="me", help="which runner you are (one machine, many runners)")
    chat.add_argument("--database-url", default=None, help="overrides DATABASE_URL")
    chat.add_argument("--out-dir", default=".", help="where /export files are written")
    chat.add_argument("--log-level", default=None, help="e.g. DEBUG; default WARNING")
    chat.set_defaults(func=cmd_chat)
    run = sub.add_parser("run", help="start the Telegram and/or Discord bots from the settings")
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
