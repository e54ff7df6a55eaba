"""Opens the database: a SQLite file by default, any SQLAlchemy URL by DATABASE_URL."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from storage import reminders, tables  # noqa: F401  (registers the tables on SQLModel.metadata)

logger = logging.getLogger(__name__)


def default_sqlite_url() -> str:
    """Returns the default database: backstride.db in the user's data folder."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("backstride", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'backstride.db'}"


def _tune_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def connect(url: str | None = None) -> Engine:
    """Creates the engine only; the schema is left as it is."""
    url = url or default_sqlite_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _tune_sqlite)
    else:
        # psycopg 3, sync: the app runs its sessions in worker threads (see DESIGN.md, Storage).
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    return engine


def open_database(url: str | None = None, create: bool = True, upgrade: bool = True) -> Engine:
    """Creates the engine and makes sure the schema is at the newest migration.

    create: an empty database gets every table. upgrade: an older schema is migrated.
    Otherwise a schema that is not up to date raises storage.schema.SchemaError, whose
    message names the command to run (`backstride db upgrade`).
    """
    from storage import schema

    engine = connect(url)
    try:
        schema.ensure(engine, create=create, upgrade=upgrade)
    except BaseException:
        engine.dispose()
        raise
    logger.debug("database opened: %s", engine.url.render_as_string(hide_password=True))
    return engine
