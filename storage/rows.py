"""The two reads every part of the store shares: a runner's row by address, and their runs as plain records."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, select

from dialogs.messages import Address
from dialogs.models import RunRecord
from storage.tables import PainReport, Run, Runner, TriageRecord


def runner_of(session: Session, address: Address) -> Runner | None:
    """The runner's row for this platform user, or None."""
    query = select(Runner).where(Runner.platform == address.platform, Runner.user_id == address.user_id)
    return session.exec(query).first()


_run, _pain, _triage = Run.__table__, PainReport.__table__, TriageRecord.__table__  # type: ignore[attr-defined]
_RUNS = (
    select(
        _run.c.id, _run.c.logged_at, _run.c.distance_km, _run.c.duration_min, _run.c.surface, _run.c.effort,
        _run.c.started_at, _pain.c.id.label("pain_id"), _pain.c.score, _pain.c.places, _pain.c.kinds, _pain.c.signs,
        _triage.c.tier,
    )
    .select_from(_run.outerjoin(_pain, _pain.c.run_id == _run.c.id).outerjoin(_triage, _triage.c.run_id == _run.c.id))
    .order_by(_run.c.logged_at.desc(), _run.c.id.desc())
)



def runs_of(session: Session, runner_id: int, limit: int | None, since: datetime | None = None) -> list[RunRecord]:
    """One runner's runs with their pain report and triage, newest first, as plain rows (no ORM objects)."""
    query = _RUNS.where(_run.c.runner_id == runner_id)
    if since is not None:
        query = query.where(_run.c.logged_at >= since)
    if limit:
        query = query.limit(limit)
    return [
        RunRecord(
            run_id=row.id,
            logged_at=row.logged_at,
            distance_km=row.distance_km,
            duration_min=row.duration_min,
            surface=row.surface,
            effort=row.effort,
            pain_score=row.score,
            pain_where=tuple(row.places) if row.pain_id is not None else (),
            pain_kind=tuple(row.kinds) if row.pain_id is not None else (),
            tier=row.tier,
            signs=tuple(row.signs) if row.pain_id is not None else (),
            started_at=as_utc(row.started_at),
        )
        for row in session.connection().execute(query)
    ]


def as_utc(moment: datetime | str | None) -> datetime | None:
    """Returns an ISO string or a datetime as aware UTC (SQLite hands back naive UTC)."""
    if not moment:
        return None
    moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
