"""The `backstride` command: `chat` in the terminal, `run` for the chat platforms, `db` and `doctor`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


def _setup_logging(level: str, settings=None) -> None:  # type: ignore[no-untyped-def]
    """Text or JSON lines (LOG_FORMAT), with every configured secret masked."""
    from bot.logs import settings_secrets, setup_logging

    fmt = settings.log_format if settings is not None else "text"
    setup_logging(level, fmt, settings_secrets(settings) if settings is not None else ())


def _engine(database_url: str | None):  # type: ignore[no-untyped-def]
    """The coach on the database. The default SQLite file is upgraded in place; a configured one
    must already be up to date (an empty one gets its tables), else SchemaError says what to run.
    A database that will not open raises bot.startup.StartupError with one line."""
    from bot.startup import open_engine
    from dialogs.engine import Engine
    from storage.repository import SqlStore

    return Engine(SqlStore(open_engine(database_url)))


def data_folder() -> Path:
    """The user data folder: the default database, exports, the terminal's open questions."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("backstride", appauthor=False))


def _open_failed(settings, url: str | None) -> str:  # type: ignore[no-untyped-def]
    """The doctor's one line for a database that cannot be opened."""
    from bot.doctor import FAIL, check_database

    found = check_database(settings.model_copy(update={"database_url": url}))
    return found.detail if found.status == FAIL else "Cannot open the database: see `backstride doctor`."


def cmd_chat(args: argparse.Namespace) -> int:
    """Chats with the coach in this terminal, reminders included."""
    from bot.config import SettingsError, load_settings
    from bot.extras import MissingExtra, check
    from bot.terminal import chat

    try:
        settings = load_settings()
        url = args.database_url or settings.database_url
        check(url)
    except (SettingsError, MissingExtra) as error:
        print(error, file=sys.stderr)
        return 2
    level = args.log_level or (settings.log_level if "log_level" in settings.model_fields_set else "WARNING")
    _setup_logging(level, settings)
    from bot.startup import StartupError
    from storage.schema import SchemaError

    try:
        engine = _engine(url)
    except (SchemaError, StartupError) as error:
        print(error, file=sys.stderr)
        return 2
    except Exception:  # noqa: BLE001  a bad URL or an unreachable server: one line, as doctor says it
        logger.debug("database open failed", exc_info=True)
        print(_open_failed(settings, url), file=sys.stderr)
        return 2
    folder = data_folder()
    out_dir = Path(args.out_dir) if args.out_dir else folder / "exports" / re.sub(r"[^A-Za-z0-9_-]", "_", args.name)
    from bot.scheduler import Dispatcher

    store = engine.store
    try:
        asyncio.run(
            chat(
                engine, args.name, sys.stdin, sys.stdout, out_dir,
                reminders=lambda sender: Dispatcher(store.engine, {sender.platform: sender}, store=store),
                state_dir=folder / "terminal",
                database=url or "default",
            )
        )  # fmt: skip
    except KeyboardInterrupt:
        print("\nBye.")
    finally:
        store.engine.dispose()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Starts the bots configured in the environment."""
    from bot.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    _setup_logging(settings.log_level, settings)
    from bot.extras import MissingExtra, check

    try:
        check(settings.database_url, settings.telegram_token is not None, settings.discord_token is not None)
    except MissingExtra as error:
        print(error, file=sys.stderr)
        return 2
    if not settings.telegram_token and not settings.discord_token:
        print(
            "No chat platform configured: set TELEGRAM_TOKEN and/or DISCORD_TOKEN "
            "(in the environment or .env). To try the coach without a token: backstride chat",
            file=sys.stderr,
        )
        return 2
    from bot.app import serve, warm_up
    from bot.logs import redact
    from bot.startup import StartupError
    from storage.schema import SchemaError

    try:
        warm_up()  # this process is the server: tune it here, not in serve(), which tests run in theirs
        asyncio.run(serve(settings))
    except (SchemaError, StartupError) as error:
        print(f"Backstride could not start: {redact(str(error))}", file=sys.stderr)
        print("Run `backstride doctor` to check every setting.", file=sys.stderr)
        return 2
    return 0


def _database(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The engine for `db` commands: --database-url, else DATABASE_URL, else the default file."""
    from bot.config import load_settings
    from storage.database import connect

    return connect(args.database_url or load_settings().database_url)


def cmd_db(args: argparse.Namespace) -> int:
    """`db upgrade | current | revision`: the schema's migrations."""
    from bot.config import SettingsError, load_settings
    from bot.extras import MissingExtra, check
    from storage import schema

    _setup_logging(args.log_level or "WARNING")
    try:
        if args.db_command == "revision":
            for path in schema.make_revision(args.message):
                print(f"Wrote {path}: check it, then commit it with the table change.")
            return 0
        check(args.database_url or load_settings().database_url)
        engine = _database(args)
    except (SettingsError, schema.SchemaError, MissingExtra) as error:
        print(error, file=sys.stderr)
        return 2
    from sqlalchemy.exc import SQLAlchemyError

    shown = engine.url.render_as_string(hide_password=True)
    try:
        if args.db_command == "current":
            found = schema.status(engine)
            print(f"{shown}: schema {found.describe()}")
            return 0 if found.state == "current" else 1
        before, after = schema.upgrade(engine)
        if before.state == "current":
            print(f"{shown}: already up to date (revision {after.current}).")
        else:
            print(f"{shown}: upgraded from {before.current or before.state} to revision {after.current}.")
        return 0
    except schema.SchemaError as error:
        print(error, file=sys.stderr)
        return 2
    except (SQLAlchemyError, OSError) as error:
        print(f"Cannot use the database {shown}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def cmd_doctor(args: argparse.Namespace) -> int:
    """Checks settings, database and tokens; says what is wrong in plain words."""
    from bot.doctor import doctor

    logging.basicConfig(level=logging.CRITICAL)  # the report is the output; libraries stay quiet
    return doctor(sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backstride", description="Backstride: a running coach for happy backs.")
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="chat with the coach in this terminal (no tokens needed)")
    chat.add_argument("--as", dest="name", default="me", help="which runner you are (one machine, many runners)")
    chat.add_argument("--database-url", default=None, help="overrides DATABASE_URL")
    chat.add_argument("--out-dir", default=None, help="where /export and /progress files go; default: the data folder")
    chat.add_argument("--log-level", default=None, help="e.g. DEBUG; default LOG_LEVEL if set, else WARNING")
    chat.set_defaults(func=cmd_chat)
    run = sub.add_parser("run", help="start the Telegram and/or Discord bots from the settings")
    run.set_defaults(func=cmd_run)
    db = sub.add_parser("db", help="the database schema: upgrade, current, revision")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    for name, text in (("upgrade", "migrate the database to this version's schema (creates an empty one)"),
                       ("current", "show the schema's revision and whether it is up to date")):
        command = db_sub.add_parser(name, help=text)
        command.add_argument("--database-url", default=None, help="overrides DATABASE_URL")
        command.add_argument("--log-level", default=None, help="e.g. INFO to see each migration")
    revision = db_sub.add_parser("revision", help="(developers) write a migration for changed tables")
    revision.add_argument("-m", "--message", required=True, help="what changed, e.g. 'add run.cadence'")
    revision.add_argument("--log-level", default=None)
    db.set_defaults(func=cmd_db)
    doctor = sub.add_parser("doctor", help="check the settings, the database and each token")
    doctor.set_defaults(func=cmd_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
