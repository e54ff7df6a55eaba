"""The schema's version: Alembic migrations, and what start-up does with an empty or older database.

- An empty database gets every table at once (`create_all`) and is stamped at
  the newest migration: the same schema `db upgrade` builds step by step, which
  tests/test_migrations.py checks.
- An older schema is upgraded only where the caller allows it (the default
  SQLite file, `backstride db upgrade`); anywhere else start-up stops with a
  SchemaError that names the command to run.
- A database made before migrations existed (tables, no alembic_version) is
  adopted once: missing tables and nullable columns are added, then stamped.

On PostgreSQL these steps hold an advisory lock, so processes starting together
against one database do not race each other.

Start-up does not import Alembic (about 0.3 s with mako): the revisions are read
from the migration files' `revision`/`down_revision` lines and the current one
from `alembic_version` directly. Alembic is imported only to run migrations
(`backstride db ...`, or an older schema being upgraded).
"""

from __future__ import annotations

import ast
import logging
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "backstride db upgrade"
_LOCK_ID = 0x6261636B  # "back": pg_advisory_xact_lock key for schema changes
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)

# Alembic's own version table, as `alembic stamp` makes it.
_VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


class SchemaError(Exception):
    """The database schema cannot be used as it is; the message says what to run."""


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands: empty | unversioned | current | behind | unknown."""

    state: str
    current: str | None
    head: str

    def describe(self) -> str:
        if self.state == "current":
            return f"up to date (revision {self.head})"
        if self.state == "empty":
            return f"empty: no Backstride tables yet; run `{UPGRADE_COMMAND}` (or start once) to create them"
        if self.state == "unversioned":
            return f"from before migrations existed (no version recorded); run `{UPGRADE_COMMAND}`"
        if self.state == "behind":
            return f"out of date (at revision {self.current}, this version needs {self.head}); run `{UPGRADE_COMMAND}`"
        return (
            f"at revision {self.current}, which this version of Backstride does not know "
            f"(a newer version migrated it?); upgrade Backstride"
        )


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, without an ini file: our migrations folder and, if given, a connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def revisions() -> dict[str, tuple[str, ...]]:
    """Every migration's revision id and the ids it revises, read from the files in migrations/versions."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        values = {name: ast.literal_eval(value.strip()) for name, value in _ASSIGNMENT.findall(path.read_text())}
        if "revision" not in values:
            continue
        down = values.get("down_revision")
        found[values["revision"]] = tuple(down) if isinstance(down, (tuple, list)) else ((down,) if down else ())
    return found


def head_revision() -> str:
    known = revisions()
    revised = {down for downs in known.values() for down in downs}
    heads = sorted(set(known) - revised)
    if len(heads) != 1:
        raise SchemaError(f"the migrations have {len(heads)} heads ({', '.join(heads)}); merge them")
    return heads[0]


def configured_url() -> str:
    """DATABASE_URL from the environment or .env, else the default SQLite file (for the plain alembic command)."""
    from storage.database import default_sqlite_url

    url = os.environ.get("DATABASE_URL")
    if not url:
        from dotenv import dotenv_values  # pydantic-settings' own .env reader; storage imports nothing from bot/

        url = dotenv_values(".env").get("DATABASE_URL")
    return url or default_sqlite_url()


def _current(connection: Connection) -> str | None:
    """The revision in alembic_version (what Alembic's get_current_revision reads), None if unstamped."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    found = connection.execute(select(_VERSION_TABLE.c.version_num)).scalars().all()
    if len(found) > 1:
        raise SchemaError(f"the database records {len(found)} schema revisions ({', '.join(found)}); merge them")
    return found[0] if found else None


def _stamp(connection: Connection, revision: str) -> None:
    """Records `revision` as the schema's, as `alembic stamp` would."""
    _VERSION_TABLE.create(connection, checkfirst=True)
    connection.execute(_VERSION_TABLE.delete())
    connection.execute(_VERSION_TABLE.insert().values(version_num=revision))


def _status(connection: Connection) -> SchemaStatus:
    head = head_revision()
    current = _current(connection)
    if current is None:
        present = set(inspect(connection).get_table_names())
        ours = {table.name for table in SQLModel.metadata.sorted_tables}
        return SchemaStatus("unversioned" if present & ours else "empty", None, head)
    if current == head:
        return SchemaStatus("current", current, head)
    return SchemaStatus("behind" if current in revisions() else "unknown", current, head)


def status(engine: Engine) -> SchemaStatus:
    with engine.connect() as connection:
        return _status(connection)


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})


def _add_missing_columns(connection: Connection) -> None:
    """Adds the nullable columns a pre-migration database lacks (only for adopting one)."""
    inspector = inspect(connection)
    for table in SQLModel.metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present and column.nullable and not column.primary_key:
                kind = column.type.compile(dialect=connection.dialect)
                connection.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
                logger.info("added column %s.%s", table.name, column.name)


def ensure(engine: Engine, create: bool = True, upgrade: bool = True) -> SchemaStatus:
    """Makes the schema usable or raises SchemaError.

    create: build an empty database at the newest revision.
    upgrade: migrate an older (or pre-migration) schema to the newest revision.
    """
    with engine.begin() as connection:
        _lock(connection)
        found = _status(connection)
        if found.state == "current":
            return found
        if found.state == "empty" and create:
            SQLModel.metadata.create_all(connection)
            _stamp(connection, found.head)
            logger.info("created the database schema at revision %s", found.head)
            return SchemaStatus("current", found.head, found.head)
        if found.state == "unversioned" and upgrade:
            _adopt(connection)
            return SchemaStatus("current", found.head, found.head)
        if found.state == "behind" and upgrade:
            from alembic import command

            command.upgrade(alembic_config(connection), "head")
            logger.info("upgraded the database schema from %s to %s", found.current, found.head)
            return SchemaStatus("current", found.head, found.head)
    raise SchemaError(f"The database schema is {found.describe()}.")


def _adopt(connection: Connection) -> None:
    logger.warning("adopting a database made before migrations: adding missing tables and columns")
    SQLModel.metadata.create_all(connection)
    _add_missing_columns(connection)
    _stamp(connection, head_revision())


def upgrade(engine: Engine, revision: str = "head") -> tuple[SchemaStatus, SchemaStatus]:
    """`backstride db upgrade`: runs the migrations (an empty database gets them all); returns before, after."""
    with engine.begin() as connection:
        _lock(connection)
        before = _status(connection)
        if before.state == "unknown":
            raise SchemaError(f"The database schema is {before.describe()}.")
        if before.state == "unversioned":
            _adopt(connection)
        else:
            from alembic import command

            command.upgrade(alembic_config(connection), revision)
    return before, status(engine)


def make_revision(message: str) -> list[Path]:
    """`backstride db revision -m ...`: writes a migration for what the tables gained since the newest one.

    Compares SQLModel.metadata with a scratch SQLite database upgraded to the newest
    revision, so it needs no server; check the file it writes before committing it.
    """
    import tempfile

    from alembic import command

    from storage.database import connect

    with tempfile.TemporaryDirectory() as folder:
        engine = connect(f"sqlite:///{Path(folder) / 'scratch.db'}")
        try:
            with engine.begin() as connection:
                config = alembic_config(connection)
                command.upgrade(config, "head")
                scripts = command.revision(config, message=message, autogenerate=True)
        finally:
            engine.dispose()
    scripts = scripts if isinstance(scripts, list) else [scripts]
    return [Path(s.path) for s in scripts if s is not None]
