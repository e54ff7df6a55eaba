"""Coaching writes and reads: correcting a run (/undo, /edit) and the coaching events the coach learns from.

`apply` writes one effect inside SqlStore.save's transaction, only ever on a run
of the runner who asked. `CoachingStore` is the read half SqlStore inherits:
the runner's coaching events, and everything a reminder or digest needs to
say what the coach suggests next.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from sqlalchemy import bindparam, delete, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from dialogs.messages import Address
from dialogs.models import Profile, RunRecord
from dialogs.ports import CoachEvent, CoachNote, EditRun, RemoveRun
from storage import rows, turns
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
    from storage.tables import PENDING, SKIPPED, Reminder

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


_event = CoachEventRow.__table__  # type: ignore[attr-defined]
_EVENTS_SINCE = (  # built once, like storage.rows' run reads
    select(_event.c.runner_id, _event.c.kind, _event.c.at, _event.c.data, _event.c.run_id)
    .where(_event.c.at >= bindparam("since"))
    .order_by(_event.c.at, _event.c.id)
)
_EVENTS = _EVENTS_SINCE.where(_event.c.runner_id == bindparam("runner_id"))
_EVENTS_OF = _EVENTS_SINCE.where(_event.c.runner_id.in_(bindparam("runner_ids", expanding=True)))


def _events(reader: Session | Connection, runner_id: int, since: datetime) -> list[CoachEvent]:
    """One runner's coaching events since `since`, oldest first."""
    found = rows.connection_of(reader).execute(_EVENTS, {"runner_id": runner_id, "since": since}).all()
    return [_event_of(row) for row in found]


def _events_of(session: Session, runner_ids: Sequence[int], since: datetime) -> dict[int, list[CoachEvent]]:
    """Each runner's coaching events since `since`, oldest first (one query)."""
    found: dict[int, list[CoachEvent]] = {}
    for row in session.connection().execute(_EVENTS_OF, {"runner_ids": list(runner_ids), "since": since}):
        found.setdefault(row[0], []).append(_event_of(row))
    return found


def _event_of(row: Any) -> CoachEvent:
    _, kind, at, data, run_id = row
    return CoachEvent(kind=kind, at=_utc(at), data=dict(data or {}), run_id=run_id)


def _runs_of(session: Session, runner_ids: Sequence[int], since: datetime) -> dict[int, list[RunRecord]]:
    """Each runner's runs logged since `since`, newest first, with their pain and triage (one query, plain rows)."""
    run, pain, tri = Run.__table__, PainReport.__table__, TriageRecord.__table__  # type: ignore[attr-defined]
    query = (
        select(
            run.c.runner_id, run.c.id.label("run_id"), run.c.logged_at, run.c.distance_km, run.c.duration_min,
            run.c.surface, run.c.effort, pain.c.score.label("pain_score"), pain.c.places.label("pain_where"),
            pain.c.kinds.label("pain_kind"), tri.c.tier, pain.c.signs, run.c.started_at,
        )  # fmt: skip
        .select_from(run.outerjoin(pain, pain.c.run_id == run.c.id).outerjoin(tri, tri.c.run_id == run.c.id))
        .where(run.c.runner_id.in_(runner_ids), run.c.logged_at >= since)
        .order_by(run.c.runner_id, run.c.logged_at.desc(), run.c.id.desc())
    )
    found: dict[int, list[RunRecord]] = {}
    for row in session.connection().execute(query).mappings():
        values = dict(row)
        runner_id = values.pop("runner_id")
        for name in ("pain_where", "pain_kind", "signs"):
            values[name] = tuple(values[name] or ())
        values["started_at"] = _utc(values["started_at"]) if values["started_at"] is not None else None
        found.setdefault(runner_id, []).append(RunRecord(**values))
    return found


def coach_inputs_of(
    engine: Engine, runner_ids: Iterable[int], since: datetime
) -> dict[int, tuple[Profile, list[RunRecord], list[CoachEvent]]]:
    """Each runner's profile, runs logged since `since` and coaching events since then, in three queries
    however many runners (a claimed batch of warm-ups); runners who are gone are left out."""
    from storage.repository import PROFILE_FIELDS

    ids = sorted(set(runner_ids))
    if not ids:
        return {}
    runner = Runner.__table__  # type: ignore[attr-defined]
    with Session(engine) as session:
        rows = session.connection().execute(
            select(runner.c.id, *(runner.c[f] for f in PROFILE_FIELDS)).where(runner.c.id.in_(ids))
        ).mappings()
        profiles = {row["id"]: Profile(**{f: row[f] for f in PROFILE_FIELDS}) for row in rows}
        runs, events = _runs_of(session, ids, since), _events_of(session, ids, since)
    return {rid: (profile, runs.get(rid, []), events.get(rid, [])) for rid, profile in profiles.items()}


class CoachingStore:
    """The coaching half of dialogs.ports.Store; SqlStore inherits it."""

    engine: Engine

    def coach_events(self, address: Address, since: datetime) -> list[CoachEvent]:
        """The runner's coaching events from `since` on, oldest first (in the open turn's transaction)."""
        with turns.reading(self.engine) as connection:
            runner_id = rows.runner_id_of(connection, address)
            return _events(connection, runner_id, since) if runner_id is not None else []

    def coach_inputs(self, runner_id: int, since: datetime) -> tuple[Profile, list[RunRecord], list[CoachEvent]] | None:
        """The runner's profile, runs logged since `since` and coaching events since then; None if they are gone."""
        from storage.repository import PROFILE_FIELDS

        with Session(self.engine) as session:
            runner = session.get(Runner, runner_id)
            if runner is None:
                return None
            profile = Profile(**{f: getattr(runner, f) for f in PROFILE_FIELDS})
            return profile, rows.runs_of(session, runner_id, None, since), _events(session, runner_id, since)
