"""Alembic's environment: Backstride's tables (SQLModel.metadata) and the app's database.

Run through `backstride db ...` (storage/schema.py), which hands over an open
connection in `config.attributes["connection"]`. Run by the plain `alembic`
command, it reads DATABASE_URL (or the default SQLite file) instead.
"""

from __future__ import annotations

import logging

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.database  # noqa: F401  (registers every table on SQLModel.metadata)

logger = logging.getLogger(__name__)

config = context.config
target_metadata = SQLModel.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things in place
        compare_type=True,
        compare_server_default=True,
    )


def run_migrations_offline() -> None:
    from storage.schema import configured_url

    context.configure(
        url=config.get_main_option("sqlalchemy.url") or configured_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from storage.database import connect
    from storage.schema import configured_url

    engine = connect(config.get_main_option("sqlalchemy.url") or configured_url())
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
