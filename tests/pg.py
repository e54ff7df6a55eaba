"""PostgreSQL for the tests: a fresh schema per test on the server named by TEST_DATABASE_URL.

Without TEST_DATABASE_URL, or when that server does not answer, every test that
asks for `pg_url` is skipped with the reason (`-ra` shows it). `.ci/run` starts
a throw-away server and sets the variable; `eval "$(.ci/postgres start)"` does
the same on a developer's machine.

TEST_ALL_ON_POSTGRES=1 also points the suite-wide `db_url` fixture at PostgreSQL,
to run every test that uses the database against it once in a while.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ENV = "TEST_DATABASE_URL"


@cache
def _server() -> tuple[str | None, str]:
    """Returns (url, "") when the server answers, else (None, why not)."""
    url = os.environ.get(ENV, "").strip()
    if not url:
        return None, f"PostgreSQL not available: set {ENV}=postgresql+psycopg://user:pass@host/db (.ci/run does)"
    if not url.startswith("postgresql"):
        return None, f"{ENV} is not a postgresql:// URL"
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as error:  # noqa: BLE001  any failure means: skip with the reason
        return None, f"PostgreSQL not available at {make_url(url).render_as_string(hide_password=True)}: {error}"
    finally:
        engine.dispose()
    return url, ""


def postgres_url() -> str:
    """Returns TEST_DATABASE_URL, or skips the calling test saying why it cannot be used."""
    url, why = _server()
    if url is None:
        pytest.skip(why)
    return url


def with_schema(url: str, schema: str) -> str:
    """The same database, with `schema` first on the search path (psycopg passes `options` to libpq)."""
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose connections see only a new, empty schema, dropped after the test."""
    base = postgres_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_schema(base, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def all_on_postgres() -> bool:
    return os.environ.get("TEST_ALL_ON_POSTGRES", "") not in ("", "0")
