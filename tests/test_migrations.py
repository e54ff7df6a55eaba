"""Migrations: they build exactly the tables the code declares, and start-up refuses an old schema.

If `test_migrations_match_the_tables` fails, a table or column changed without a
migration: run `backstride db revision -m "what changed"`, check the file it
writes under storage/migrations/versions/, and commit it with the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bot import cli
from storage import schema
from storage.database import connect, open_database


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    engine = connect(url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Runs the CLI away from any .env, with no token unless a test sets one."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "TELEGRAM_TOKEN", "DISCORD_TOKEN", "TELEGRAM_API_URL", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _upgrade(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(schema.alembic_config(connection), "head")


def _shape(engine: Engine) -> dict[str, object]:
    """Tables, columns (type family, nullability), indexes, unique constraints and foreign keys."""
    inspector = inspect(engine)
    shape: dict[str, object] = {}
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        shape[table] = (
            sorted((c["name"], type(c["type"]).__name__, c["nullable"]) for c in inspector.get_columns(table)),
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)),
            sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in inspector.get_foreign_keys(table)),
        )
    return shape


def test_migrations_match_the_tables(engine: Engine) -> None:
    _upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        diffs = compare_metadata(context, SQLModel.metadata)
    assert diffs == [], (
        "The tables differ from the migrations; run `backstride db revision -m '...'` and commit the file:\n"
        + "\n".join(map(str, diffs))
    )


def test_db_upgrade_on_an_empty_database_gives_the_same_tables_as_create_all(
    url: str, engine: Engine, settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert cli.main(["db", "upgrade", "--database-url", url]) == 0
    assert schema.status(engine).state == "current"
    reference = connect(f"sqlite:///{tmp_path / 'reference.db'}") if url.startswith("sqlite") else None
    if reference is None:  # PostgreSQL: compare with create_all in a second fresh schema
        from tests.pg import postgres_url, with_schema

        with connect(postgres_url()).begin() as connection:
            connection.execute(text('DROP SCHEMA IF EXISTS "reference_schema" CASCADE'))
            connection.execute(text('CREATE SCHEMA "reference_schema"'))
        reference = connect(with_schema(postgres_url(), "reference_schema"))
    try:
        SQLModel.metadata.create_all(reference)
        assert _shape(engine) == _shape(reference)
        assert set(_shape(engine)) == {t.name for t in SQLModel.metadata.sorted_tables}
    finally:
        reference.dispose()
        if not url.startswith("sqlite"):
            with connect(postgres_url()).begin() as connection:
                connection.execute(text('DROP SCHEMA "reference_schema" CASCADE'))


def test_open_database_creates_an_empty_database_at_the_newest_revision(url: str) -> None:
    engine = open_database(url)
    try:
        found = schema.status(engine)
        assert found.state == "current" and found.current == schema.head_revision()
    finally:
        engine.dispose()


def test_an_older_schema_stops_start_up_naming_the_command(
    url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _upgrade(engine)
    monkeypatch.setattr(schema, "head_revision", lambda: "9999_future")
    with pytest.raises(schema.SchemaError, match="backstride db upgrade"):
        open_database(url, upgrade=False)


def test_backstride_run_on_an_old_schema_stops_with_the_command(
    url: str, engine: Engine, settings_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    SQLModel.metadata.create_all(engine)  # tables from before migrations: no version recorded
    settings_env.setenv("DATABASE_URL", url)
    settings_env.setenv("TELEGRAM_TOKEN", "123:not-used-because-start-up-stops-first")
    assert cli.main(["run"]) == 2
    assert "run `backstride db upgrade`" in capsys.readouterr().err
    assert cli.main(["db", "upgrade"]) == 0
    assert schema.status(engine).state == "current"


def test_chat_on_a_configured_old_database_stops_but_the_default_file_upgrades_itself(
    tmp_path: Path, settings_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = connect(f"sqlite:///{tmp_path / 'old.db'}")
    SQLModel.metadata.create_all(old)
    old.dispose()
    assert cli.main(["chat", "--database-url", f"sqlite:///{tmp_path / 'old.db'}"]) == 2
    assert "backstride db upgrade" in capsys.readouterr().err
    settings_env.setattr("storage.database.default_sqlite_url", lambda: f"sqlite:///{tmp_path / 'old.db'}")
    coach = cli._engine(None)
    assert schema.status(coach.store.engine).state == "current"


def test_a_database_made_before_migrations_is_adopted_with_its_missing_columns(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE run DROP COLUMN source"))
    before, after = schema.upgrade(engine)
    assert (before.state, after.state) == ("unversioned", "current")
    assert "source" in {c["name"] for c in inspect(engine).get_columns("run")}


def test_a_schema_from_a_newer_version_is_never_touched(engine: Engine) -> None:
    _upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_newer'"))
    with pytest.raises(schema.SchemaError, match="does not know"):
        schema.ensure(engine)
    with pytest.raises(schema.SchemaError):
        schema.upgrade(engine)


def test_upgrading_a_database_with_runners_gives_them_the_digest_and_clubs_no_summary(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(schema.alembic_config(connection), "0001")
        connection.execute(text(
            "INSERT INTO runner (platform, user_id, chat_id, timezone, units, onboarded, active, created_at, updated_at) "
            "VALUES ('terminal', 'u1', 'c1', 'UTC', 'km', true, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO club (platform, chat_id, timezone, active, created_at) VALUES ('terminal', 'g1', 'UTC', true, CURRENT_TIMESTAMP)"
        ))  # fmt: skip
    _upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT digest FROM runner")).scalar_one() in (True, 1)
        assert connection.execute(text("SELECT summary FROM club")).scalar_one() in (False, 0)
