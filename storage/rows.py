"""The reads every part of the store shares: a runner's row or id by address, and their runs as plain records."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import bindparam
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from dialogs.messages import Address
from dialogs.models import RunRecord
from storage import turns
from storage.tables import PainReport, Run, Runner, TriageRecord


def runner_of(session: Session, address: Address) -> Runner | None:
    """The runner's row for this platform user, or None."""
    query = select(Runner).where(Runner.platform == address.platform, Runner.user_id == address.user_id)
    return session.exec(query).first()


def connection_of(reader: Session | Connection) -> Connection:
    """The plain connection to run Core statements on: a session's, or the connection itself."""
    return reader.connection() if isinstance(reader, Session) else reader


_runner = Runner.__table__  # type: ignore[attr-defined]
_RUNNER_ID = select(_runner.c.id).where(
    _runner.c.platform == bindparam("platform"), _runner.c.user_id == bindparam("user_id")
)


def runner_id_of(reader: Session | Connection, address: Address) -> int | None:
    """The runner's id: from the open turn when it loaded one, else one query."""
    turn = turns.current(address)
    if turn is not None and turn.loaded.runner_id is not None:
        return turn.loaded.runner_id
    keys = {"platform": address.platform, "user_id": address.user_id}
    return connection_of(reader).execute(_RUNNER_ID, keys).scalar()


_run, _pain, _triage = Run.__table__, PainReport.__table__, TriageRecord.__table__  # type: ignore[attr-defined]
_RUNS = (
    select(
        _run.c.id, _run.c.logged_at, _run.c.distance_km, _run.c.duration_min, _run.c.surface, _run.c.effort,
        _run.c.started_at, _pain.c.id.label("pain_id"), _pain.c.score, _pain.c.places, _pain.c.kinds, _pain.c.signs,
        _triage.c.tier,
    )
    .select_from(_run.outerjoin(_pain, _pain.c.run_id == _run.c.id).outerjoin(_triage, _triage.c.run_id == _run.c.id))
    .order_by(_run.c.logged_at.desc(), _run.c.id.desc())
    .where(_run.c.runner_id == bindparam("runner_id"))
)
_SINCE = _run.c.logged_at >= bindparam("since")
# Built once: a statement built per call costs about four times its execution (cache key, coercions).
_RUNS_BY = {  # (limited, since)
    (False, False): _RUNS,
    (True, False): _RUNS.limit(bindparam("limit")),
    (False, True): _RUNS.where(_SINCE),
    (True, True): _RUNS.where(_SINCE).limit(bindparam("limit")),
}


def runs_of(
    reader: Session | Connection, runner_id: int, limit: int | None, since: datetime | None = None
) -> list[RunRecord]:
    """One runner's runs with their pain report and triage, newest first, as plain rows (no ORM objects)."""
    params: dict[str, object] = {"runner_id": runner_id}
    if limit:
        params["limit"] = limit
    if since is not None:
        params["since"] = since
    return [
        RunRecord(
            run_id=run_id,
            logged_at=logged_at,
            distance_km=distance_km,
            duration_min=duration_min,
            surface=surface,
            effort=effort,
            pain_score=score,
            pain_where=tuple(places) if pain_id is not None else (),
            pain_kind=tuple(kinds) if pain_id is not None else (),
            tier=tier,
            signs=tuple(signs) if pain_id is not None else (),
            started_at=as_utc(started_at),
        )  # positional: the order of _RUNS's columns (a run per row, so attribute lookups add up)
        for run_id, logged_at, distance_km, duration_min, surface, effort, started_at, pain_id, score, places, kinds, signs, tier
        in connection_of(reader).execute(_RUNS_BY[bool(limit), since is not None], params).all()
    ]


def as_utc(moment: datetime | str | None) -> datetime | None:
    """Returns an ISO string or a datetime as aware UTC (SQLite hands back naive UTC)."""
    if not moment:
        return None
    moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
