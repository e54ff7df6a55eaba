"""Start-up reads the schema's revision without Alembic, and agrees with Alembic about it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage import schema
from storage.database import open_database

ROOT = Path(__file__).resolve().parent.parent


def test_the_head_read_from_the_files_is_alembics() -> None:
    script = ScriptDirectory.from_config(schema.alembic_config())
    assert [schema.head_revision()] == script.get_heads()
    assert set(schema.revisions()) == {s.revision for s in script.walk_revisions()}


def test_a_new_database_is_stamped_as_alembic_would(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'n.db'}")
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == schema.head_revision()
    assert schema.status(engine).state == "current"
    engine.dispose()


def test_starting_on_a_current_database_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    open_database(url).dispose()  # created and stamped (by this process)
    probe = (
        "import sys; from storage.database import open_database; from bot import cli, terminal; "
        f"open_database({url!r}).dispose(); print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
