"""Storage contract: what a step writes is stored atomically and read back as written.

Every test here runs against SQLite and against PostgreSQL (skipped, with the
reason, when TEST_DATABASE_URL is unset or its server does not answer).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel, func, select

from dialogs.messages import Address
from dialogs.models import Checkin, Profile, Tier, TriageResult
from dialogs.ports import Change, Conversation, Forget, NewRun
from storage.database import open_database
from storage.repository import SqlStore
from storage.tables import Runner

ANN = Address("terminal", "ann", "ann")
BOB = Address("terminal", "bob", "bob")
WHEN = datetime(2026, 11, 22, 7, 30, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """The store under contract, once per database kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'backstride.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = open_database(url)
    yield SqlStore(engine)
    engine.dispose()


def _pain_run() -> NewRun:
    checkin = Checkin(distance_km=8, duration_min=45, surface="road", effort="easy", has_pain=True,
                      pain_where=["low_back_centre"], pain_score=4, pain_kind=["ache"], signs=["night_pain"])
    return NewRun(checkin, TriageResult(Tier.DOCTOR_SOON, ("S1",), ("night_pain",)), WHEN)


def test_unknown_runner_loads_empty(store: SqlStore) -> None:
    snap = store.load(ANN)
    assert snap.profile is None and snap.conversation.state == "idle"


def test_profile_conversation_and_run_round_trip(store: SqlStore) -> None:
    conv = Conversation(state="checkin:surface", data={"checkin": {"distance_km": 8.0}}, question=3)
    store.save(ANN, Change(conversation=conv, profile=Profile(name="Ann", timezone="Europe/London", units="mi")))
    snap = store.load(ANN)
    assert snap.profile.name == "Ann" and snap.profile.units == "mi"
    assert snap.conversation == conv
    store.save(ANN, Change(conversation=Conversation(), effects=[_pain_run()]))
    [run] = store.recent_runs(ANN)
    assert (run.distance_km, run.pain_score, run.tier, run.signs) == (8, 4, "doctor_soon", ("night_pain",))
    assert run.logged_at == WHEN


def test_runners_do_not_see_each_other(store: SqlStore) -> None:
    store.save(ANN, Change(conversation=Conversation(), effects=[_pain_run()]))
    store.save(BOB, Change(conversation=Conversation(state="checkin:effort")))
    assert store.recent_runs(BOB) == [] and store.export_rows(BOB) == []
    assert store.load(ANN).conversation.state == "idle"


def test_a_failed_save_writes_nothing(store: SqlStore) -> None:
    store.save(ANN, Change(conversation=Conversation(state="checkin:surface")))
    broken = NewRun(Checkin(), "not a triage result", WHEN)  # type: ignore[arg-type]
    with pytest.raises(Exception):
        store.save(ANN, Change(conversation=Conversation(state="idle"), effects=[broken]))
    assert store.load(ANN).conversation.state == "checkin:surface"
    assert store.recent_runs(ANN) == []


def test_forget_leaves_no_row_about_the_runner_in_any_table(store: SqlStore) -> None:
    store.save(ANN, Change(conversation=Conversation(), profile=Profile(name="Ann"), effects=[_pain_run()]))
    store.save(BOB, Change(conversation=Conversation(), effects=[_pain_run()]))
    with Session(store.engine) as session:
        ann_id = session.exec(select(Runner.id).where(Runner.user_id == "ann")).one()
        owned = [t for t in SQLModel.metadata.sorted_tables if "runner_id" in t.c]
        before = {t.name: session.exec(select(func.count()).select_from(t).where(t.c.runner_id == ann_id)).one() for t in owned}
    assert before["run"] == before["painreport"] == before["triagerecord"] == 1
    store.save(ANN, Change(conversation=Conversation(), effects=[Forget()]))
    with Session(store.engine) as session:
        for table in owned:
            assert session.exec(select(func.count()).select_from(table).where(table.c.runner_id == ann_id)).one() == 0, table.name
        assert session.exec(select(Runner).where(Runner.id == ann_id)).first() is None
    assert store.load(BOB).profile is not None and len(store.recent_runs(BOB)) == 1


def test_export_has_every_run_field(store: SqlStore) -> None:
    store.save(ANN, Change(conversation=Conversation(), effects=[_pain_run()]))
    [row] = store.export_rows(ANN)
    assert row["pain_where"] == "low_back_centre" and row["warning_signs"] == "night_pain" and row["tier"] == "doctor_soon"
