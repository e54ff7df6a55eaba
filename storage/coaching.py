"""Coaching writes and reads: correcting a run (/undo, /edit) and the coaching events the coach learns from.

`apply` writes one effect inside SqlStore.save's transaction, only ever on a run
of the runner who asked. `CoachingStore` is the read half SqlStore inherits:
the runner's coaching events, and everything a reminder or digest needs to
say what the coach suggests next.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dialogs.messages import Address
from dialogs.models import Profile, RunRecord
from dialogs.ports import CoachEvent, CoachNote, EditRun, RemoveRun
from storage.tables import CoachEventRow, PainReport, Run, Runner, TriageRecord

logger = logging.getLogger(__name__)

EFFECTS = (RemoveRun, EditRun, CoachNote)
RUN_COLUMNS = {"distance_km", "duration_min", "surface", "effort"}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def apply(session: Session, runner_id: int, effect: RemoveRun | EditRun | CoachNote) -> None:
    """Writes one coaching effect for this runner (a run id of someone else's changes nothing)."""
    if isinstance(effect, CoachNote):
        session.add(CoachEventRow(runner_id=runner_id, run_id=effect.run_id, kind=effect.kind, at=effect.at, data=dict(effect.data)))
        return
    run = session.exec(select(Run).where(Run.id == effect.run_id, Run.runner_id == runner_id)).first()
    if run is None:
        logger.warning("run correction refused: not the runner's run")
        return
    if isinstance(effect, RemoveRun):
        _remove(session, runner_id, run)
    else:
        _edit(session, runner_id, run, effect.field, effect.value)


def _remove(session: Session, runner_id: int, run: Run) -> None:
    from storage.reminders import PENDING, SKIPPED, Reminder

    latest_pain = session.exec(
        select(PainReport.run_id).where(PainReport.runner_id == runner_id).order_by(PainReport.id.desc())  # type: ignore[union-attr]
    ).first()
    if latest_pain == run.id:  # its "how's your back?" follow-up no longer has a run to ask about
        session.execute(
            update(Reminder)
            .where(Reminder.runner_id == runner_id, Reminder.kind == "followup", Reminder.state == PENDING)  # type: ignore[arg-type]
            .values(state=SKIPPED, note="run removed")
        )
    for table in (PainReport, TriageRecord, CoachEventRow):
        session.execute(delete(table).where(table.run_id == run.id, table.runner_id == runner_id))  # type: ignore[attr-defined]
    session.delete(run)
    logger.info("run removed by its runner")


def _edit(session: Session, runner_id: int, run: Run, field: str, value: Any) -> None:
    if field in RUN_COLUMNS:
        setattr(run, field, value)
    elif field == "date":
        run.started_at = _utc(datetime.fromisoformat(value))
    elif field == "tier":  # a re-triage after a pain edit (dialogs.corrections): the run's triage record follows
        record = session.exec(select(TriageRecord).where(TriageRecord.run_id == run.id)).first()
        if record is not None:
            record.tier = str(value)
            record.rules = [*record.rules, "edit"]
            session.add(record)
    elif field == "pain_score":
        report = session.exec(select(PainReport).where(PainReport.run_id == run.id)).first()
        if report is None:
            if not value:
                return
            report = PainReport(runner_id=runner_id, run_id=run.id)  # type: ignore[arg-type]
        report.score = int(value)
        session.add(report)
    else:
        raise ValueError(f"unknown run field {field!r}")
    session.add(run)
    logger.info("run field %s edited by its runner", field)


def _events(session: Session, runner_id: int, since: datetime) -> list[CoachEvent]:
    query = (
        select(CoachEventRow)
        .where(CoachEventRow.runner_id == runner_id, CoachEventRow.at >= since)  # type: ignore[operator]
        .order_by(CoachEventRow.at, CoachEventRow.id)  # type: ignore[arg-type]
    )
    return [CoachEvent(kind=r.kind, at=_utc(r.at), data=dict(r.data or {}), run_id=r.run_id) for r in session.exec(query)]


class CoachingStore:
    """The coaching half of dialogs.ports.Store; SqlStore inherits it."""

    engine: Engine

    def _runner(self, session: Session, address: Address) -> Runner | None:  # provided by SqlStore
        raise NotImplementedError

    def _runs(self, session: Session, runner_id: int, limit: int | None, since: datetime | None = None) -> list[RunRecord]:
        raise NotImplementedError  # provided by SqlStore

    def coach_events(self, address: Address, since: datetime) -> list[CoachEvent]:
        with Session(self.engine) as session:
            runner = self._runner(session, address)
            return _events(session, runner.id, since) if runner else []  # type: ignore[arg-type]

    def coach_inputs(self, runner_id: int, since: datetime) -> tuple[Profile, list[RunRecord], list[CoachEvent]] | None:
        """The runner's profile, runs logged since `since` and coaching events since then; None if they are gone."""
        from storage.repository import PROFILE_FIELDS

        with Session(self.engine) as session:
            runner = session.get(Runner, runner_id)
            if runner is None:
                return None
            profile = Profile(**{f: getattr(runner, f) for f in PROFILE_FIELDS})
            return profile, self._runs(session, runner_id, None, since), _events(session, runner_id, since)
