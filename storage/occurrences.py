"""Writes the reminder rows dialogs.reminders.schedule names: inserts, replaces and cancels, no policy.

Each occurrence of a reminder is one `Reminder` row (storage/tables.py).
Occurrences carry a unique `key`, so a plan change racing a dispatcher cannot
create a twin: `insert_new` leaves out any whose key already exists. The hooks
SqlStore.save calls (`replan`, `on_new_run`, `schedule_digest`,
`cancel_digest`) run inside the caller's session, so they commit with the step.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any, Protocol, Sequence

from sqlalchemy import bindparam, delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dialogs.clock import utcnow
from dialogs.ports import PlanInfo
from dialogs.reminders import schedule
from dialogs.reminders.schedule import Occurrence
from storage.tables import PENDING, SENT, SKIPPED, Club, ClubRun, Reminder, ReminderPlan, Runner

logger = logging.getLogger(__name__)

_REMINDER = Reminder.__table__  # type: ignore[attr-defined]  # the hot paths use Core: plain rows, no ORM objects
PLAN_COLUMNS = ("slots", "lead_min", "after_min", "daily", "quiet_start", "quiet_end", "paused")
CLOSE_COLUMNS = tuple(_REMINDER.c[name] for name in ("id", "runner_id", "kind", "weekday", "at", "run_at", "repeat"))


def utc(moment: datetime) -> datetime:
    """Reads a stored time as aware UTC (SQLite hands some back naive)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def plan_info(row: ReminderPlan | None) -> PlanInfo:
    """The settings of a plan row (an ORM object or a plain row with `PLAN_COLUMNS`)."""
    if row is None:
        return PlanInfo()
    return PlanInfo(
        slots=tuple((int(d), str(t)) for d, t in row.slots),
        lead_min=row.lead_min,
        after_min=row.after_min,
        daily=row.daily,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        paused=row.paused,
    )


def plan_row(session: Session, runner_id: int) -> ReminderPlan | None:
    return session.exec(select(ReminderPlan).where(ReminderPlan.runner_id == runner_id)).first()


_PLAN_TABLE = ReminderPlan.__table__  # type: ignore[attr-defined]
# Built once: the statements of a logged run's hook, which runs on a check-in's last turn.
_PLAN = select(*(_PLAN_TABLE.c[name] for name in PLAN_COLUMNS)).where(_PLAN_TABLE.c.runner_id == bindparam("rid"))
_CANCEL_DIGEST = delete(_REMINDER).where(
    _REMINDER.c.runner_id == bindparam("rid"), _REMINDER.c.kind == schedule.DIGEST, _REMINDER.c.state == PENDING
)
_CHECKED_OFF = select(*CLOSE_COLUMNS).where(
    _REMINDER.c.runner_id == bindparam("rid"), _REMINDER.c.kind.in_(schedule.CHECKED_OFF_KINDS), _REMINDER.c.state == PENDING
)
_SUPERSEDE_FOLLOWUPS = (
    update(_REMINDER)
    .where(_REMINDER.c.runner_id == bindparam("rid"), _REMINDER.c.kind == "followup", _REMINDER.c.state == PENDING)
    .values(state=SKIPPED, note="superseded")
)
_UPSERTS: dict[str, Any] = {}  # dialect name -> INSERT ... ON CONFLICT (key) DO NOTHING


def plan_of(session: Session, runner_id: int) -> PlanInfo:
    """The runner's reminder plan settings (defaults when they have no plan row), in one plain read."""
    row = session.connection().execute(_PLAN, {"rid": runner_id}).first()
    return plan_info(row)  # type: ignore[arg-type]


def row_values(occurrence: Occurrence, now: datetime) -> dict[str, Any]:
    """The column values of a new pending row for an occurrence."""
    values = {f.name: getattr(occurrence, f.name) for f in fields(occurrence)}  # flat: asdict's deep copy costs more
    return {**values, "state": PENDING, "attempts": 0, "created_at": now}


def plan_occurrences(runner_id: int, plan: PlanInfo, zone: str, after: datetime) -> list[dict[str, Any]]:
    """The rows of the next occurrence of every reminder the plan asks for (bulk loads: the benches)."""
    return [row_values(found, after) for found in schedule.plan_occurrences(runner_id, plan, zone, after)]


def insert_new(session: Session, rows: list[dict[str, Any]]) -> None:
    """Inserts occurrences, leaving out any whose key already exists (a twin from a racing writer)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        for row in rows:
            try:
                with session.begin_nested():
                    session.add(Reminder(**row))
            except IntegrityError:
                logger.debug("occurrence %s already scheduled", row.get("key"))
        return
    columns = set(rows[0])
    same = [r for r in rows if set(r) == columns]
    session.connection().execute(_upsert(dialect), same)
    if len(same) != len(rows):
        insert_new(session, [r for r in rows if set(r) != columns])


def _upsert(dialect: str) -> Any:
    """INSERT INTO reminder ... ON CONFLICT (key) DO NOTHING, built once per dialect."""
    if dialect not in _UPSERTS:
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as upsert
        else:
            from sqlalchemy.dialects.postgresql import insert as upsert  # type: ignore[assignment]
        _UPSERTS[dialect] = upsert(_REMINDER).on_conflict_do_nothing(index_elements=["key"])
    return _UPSERTS[dialect]


def insert(session: Session, occurrences: Sequence[Occurrence], now: datetime) -> None:
    """Inserts occurrences as pending rows (twins left out)."""
    insert_new(session, [row_values(found, now) for found in occurrences])


class OccurrenceRow(Protocol):
    """What closing an occurrence reads from it: a plain row of `CLOSE_COLUMNS`."""

    id: int
    runner_id: int | None
    kind: str
    weekday: int | None
    at: str | None
    run_at: datetime | None
    repeat: bool


def close(session: Session, rows: Sequence[tuple[OccurrenceRow, str, str | None]], now: datetime) -> None:
    """Marks rows sent or skipped and inserts what follows the recurring ones (plain UPDATEs, no ORM objects)."""
    if not rows:
        return
    runner_ids = {row.runner_id for row, _, _ in rows if row.repeat and row.runner_id is not None}
    zones: dict[int, str] = {}
    plans: dict[int, PlanInfo] = {}
    if runner_ids:
        runner, plan = Runner.__table__, ReminderPlan.__table__  # type: ignore[attr-defined]
        query = (
            select(runner.c.id.label("rid"), runner.c.timezone, *(plan.c[name] for name in PLAN_COLUMNS))
            .select_from(runner.outerjoin(plan, plan.c.runner_id == runner.c.id))
            .where(runner.c.id.in_(runner_ids))
        )
        for found in session.execute(query):
            zones[found.rid] = found.timezone
            plans[found.rid] = plan_info(found if found.slots is not None else None)  # type: ignore[arg-type]
    warmups: dict[int, int] = {}
    sent, skipped, following = [], [], []
    for row, state, note in rows:
        if state == SENT:
            sent.append({"rid": row.id, "st": state, "nt": note})
            if row.kind == "warmup" and row.runner_id is not None:
                warmups[row.runner_id] = warmups.get(row.runner_id, 0) + 1
        else:
            skipped.append({"rid": row.id, "st": state, "nt": note})
        if row.repeat and row.runner_id in zones:
            rid = row.runner_id
            run_at = utc(row.run_at) if row.run_at is not None else None
            nxt = schedule.following(rid, row.kind, row.weekday, row.at, run_at, plans[rid], zones[rid], now)  # type: ignore[index,arg-type]
            if nxt is not None:
                following.append(nxt)
    t = _REMINDER
    mark = update(t).where(t.c.id == bindparam("rid")).values(state=bindparam("st"), note=bindparam("nt"), claimed_by=None)
    if sent:
        session.execute(mark.values(sent_at=now), sent)
    if skipped:
        session.execute(mark, skipped)
    if warmups:
        plan = ReminderPlan.__table__  # type: ignore[attr-defined]
        session.execute(
            update(plan).where(plan.c.runner_id == bindparam("rid")).values(warmups_sent=plan.c.warmups_sent + bindparam("n")),
            [{"rid": runner_id, "n": count} for runner_id, count in warmups.items()],
        )
    insert(session, following, now)


def replan(session: Session, runner_id: int, zone: str, now: datetime) -> None:
    """Replaces the runner's pending plan reminders after a plan or time-zone change."""
    session.execute(
        delete(Reminder).where(
            Reminder.runner_id == runner_id,  # type: ignore[arg-type]
            Reminder.kind.in_(schedule.PLAN_KINDS),  # type: ignore[attr-defined]
            Reminder.state == PENDING,  # type: ignore[arg-type]
            Reminder.repeat.is_(True),  # type: ignore[attr-defined]
        )
    )
    insert(session, schedule.plan_occurrences(runner_id, plan_of(session, runner_id), zone, now), now)
    pending_digest = session.execute(
        select(_REMINDER.c.id).where(
            _REMINDER.c.runner_id == runner_id, _REMINDER.c.kind == schedule.DIGEST, _REMINDER.c.state == PENDING
        )
    ).first()
    if pending_digest is not None:  # a new time zone moves it to that zone's Sunday evening
        schedule_digest(session, runner_id, zone, now)


def schedule_digest(session: Session, runner_id: int, zone: str, now: datetime) -> None:
    """Replaces the runner's pending weekly digest with the next one (schedule.digest)."""
    cancel_digest(session, runner_id)
    insert(session, [schedule.digest(runner_id, plan_of(session, runner_id), zone, now)], now)


def cancel_digest(session: Session, runner_id: int) -> None:
    """Drops the runner's pending weekly digest (they turned it off)."""
    session.connection().execute(_CANCEL_DIGEST, {"rid": runner_id})


def on_new_run(
    session: Session,
    runner_id: int,
    zone: str,
    wants_digest: bool,
    logged_at: datetime,
    has_pain: bool,
    tier: str,
    run_at: datetime | None = None,
) -> None:
    """Applies what a logged run cancels and schedules (schedule.after_new_run): one read of the plan, one insert.

    wants_digest: the runner is onboarded and has the digest on.
    """
    connection = session.connection()
    plan = plan_of(session, runner_id)
    change = schedule.after_new_run(runner_id, zone, plan, wants_digest, logged_at, has_pain, tier, run_at)
    if change.replace_digest:
        cancel_digest(session, runner_id)
    pending = connection.execute(_CHECKED_OFF, {"rid": runner_id}).all()
    done = [(row, SKIPPED, "checked in") for row in pending if schedule.on_day(row.run_at and utc(row.run_at), zone, change.day)]
    close(session, done, logged_at)
    if change.replace_followups:
        connection.execute(_SUPERSEDE_FOLLOWUPS, {"rid": runner_id})
    insert(session, change.new, logged_at)


def followup_row(runner_id: int, stage: int, due: datetime, zone: str, plan: PlanInfo) -> Reminder:
    """A new follow-up row (schedule.followup), for the caller to add to its session."""
    return Reminder(**row_values(schedule.followup(runner_id, stage, due, zone, plan), utcnow()))


def club_slots(engine: Engine) -> tuple[list[schedule.ClubSlot], list[tuple[int, str]]]:
    """Every active club's weekly runs, and the (club id, zone) of those with the weekly summary on."""
    with Session(engine) as session:
        pairs = session.exec(select(ClubRun, Club).join(Club, Club.id == ClubRun.club_id).where(Club.active == True)).all()  # type: ignore[arg-type]  # noqa: E712
        slots = [schedule.ClubSlot(club.id, run.id, run.weekday, run.time, club.timezone) for run, club in pairs]  # type: ignore[arg-type]
        summaries = session.exec(select(Club.id, Club.timezone).where(Club.active == True, Club.summary == True)).all()  # noqa: E712
        return slots, [(club_id, zone) for club_id, zone in summaries]  # type: ignore[misc]


def insert_missing(engine: Engine, occurrences: Sequence[Occurrence], now: datetime) -> int:
    """Inserts the occurrences whose key is not scheduled yet; returns how many."""
    if not occurrences:
        return 0
    wanted = {found.key: found for found in occurrences}
    with Session(engine) as session, session.begin():
        have = set(session.exec(select(Reminder.key).where(Reminder.key.in_(list(wanted)))).all())  # type: ignore[union-attr]
        missing = [found for key, found in wanted.items() if key not in have]
        insert(session, missing, now)
        return len(missing)
