"""Opens the database: a SQLite file by default, any SQLAlchemy URL by DATABASE_URL."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import create_engine

from storage import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

logger = logging.getLogger(__name__)

TURN_OPTION = "backstride_turn"  # execution option of the engine a turn's transaction runs on


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
    cursor.execute("PRAGMA secure_delete=ON")  # /forget overwrites the rows it deletes, in the file and the WAL
    cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    """Starts a turn's transaction as BEGIN IMMEDIATE: it takes SQLite's write lock up front.

    Other transactions keep pysqlite's default (BEGIN at the first write). A turn
    reads, then writes; taking the lock at its start serialises turns across
    processes, and the busy timeout waits for it instead of failing the upgrade.
    """
    if connection.get_execution_options().get(TURN_OPTION):  # on the driver: SQLAlchemy's execute costs 5x more here
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]


def connect(url: str | None = None) -> Engine:
    """Creates the engine only; the schema is left as it is."""
    url = url or default_sqlite_url()
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, hide_parameters=True
        )
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
    else:
        # psycopg 3, sync: turns run on the event loop in short transactions (docs/scaling.md).
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True)
    return engine


def checkpoint(engine: Engine) -> None:
    """Folds SQLite's WAL back into the database file and empties it (after /forget); no-op elsewhere."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()


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
