"""The reminder queue: claim due rows, record what the dispatcher decided, release, re-queue and purge.

A row goes pending -> claimed -> sent or skipped. The dispatcher claims due
rows with one conditional UPDATE, so two processes never send the same row (on
PostgreSQL the due ids are taken with FOR UPDATE SKIP LOCKED, so parallel
dispatchers take disjoint batches without waiting on each other); recording a
recurring row sent inserts its next occurrence in the same transaction. The hot
paths (claim, load, finish) read and write plain rows through Core, not ORM
objects. What to do with a row is decided in dialogs.reminders.dispatch.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, Update, delete, func, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from dialogs.messages import Address, ChatKind
from dialogs.ports import PlanInfo
from dialogs.reminders import schedule
from dialogs.reminders.dispatch import Due
from storage.occurrences import CLOSE_COLUMNS, close, utc
from storage.tables import CLAIMED, PENDING, SENT, SKIPPED, Club, ClubRun, Reminder, ReminderPlan, Run, Runner

__all__ = ["CLAIMED", "PENDING", "SENT", "SKIPPED", "claim_due", "finish_many", "release", "requeue_stale"]

logger = logging.getLogger(__name__)

_REMINDER = Reminder.__table__  # type: ignore[attr-defined]
NO_QUIET = ("00:00", "00:00")


def requeue_stale(engine: Engine, now: datetime, timeout: timedelta) -> int:
    """Puts rows claimed by a process that died (claimed longer than `timeout`) back in the queue."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(Reminder)
            .where(Reminder.state == CLAIMED, Reminder.claimed_at < now - timeout)  # type: ignore[arg-type,operator]
            .values(state=PENDING, claimed_by=None)
        )
    if result.rowcount:  # type: ignore[attr-defined]
        logger.warning("re-queued %d reminders left claimed by a stopped process", result.rowcount)  # type: ignore[attr-defined]
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


def _claim(dialect: str, now: datetime, token: str, limit: int) -> Update:
    """The statement that marks up to `limit` due rows claimed by `token`.

    PostgreSQL: the due ids are locked with FOR UPDATE SKIP LOCKED in a
    materialised CTE, so parallel dispatchers take disjoint batches without
    waiting on each other's row locks. SQLite (one writer at a time): one
    UPDATE over a LIMIT subquery.
    """
    t = _REMINDER
    due = select(t.c.id).where(t.c.state == PENDING, t.c.due_at <= now).order_by(t.c.due_at).limit(limit)
    values = dict(state=CLAIMED, claimed_by=token, claimed_at=now, attempts=t.c.attempts + 1)
    if dialect == "postgresql":
        ids = due.with_for_update(skip_locked=True).cte("due_ids").prefix_with("MATERIALIZED")
        return update(t).where(t.c.id == ids.c.id, t.c.state == PENDING).values(**values)
    return update(t).where(t.c.id.in_(due.scalar_subquery()), t.c.state == PENDING).values(**values)


def _load_query(token: str) -> Select[Any]:
    """Plain columns of the claimed rows with their runner, plan, club and club run (no ORM objects)."""
    t, runner, plan = _REMINDER, Runner.__table__, ReminderPlan.__table__  # type: ignore[attr-defined]
    club, club_run = Club.__table__, ClubRun.__table__  # type: ignore[attr-defined]
    joined = (
        t.outerjoin(runner, runner.c.id == t.c.runner_id)
        .outerjoin(plan, plan.c.runner_id == t.c.runner_id)
        .outerjoin(club, club.c.id == t.c.club_id)
        .outerjoin(club_run, club_run.c.id == t.c.club_run_id)
    )
    return (
        select(
            t.c.id, t.c.kind, t.c.stage, t.c.due_at, t.c.expires_at, t.c.run_at, t.c.attempts,
            t.c.runner_id, t.c.club_id, t.c.club_run_id,
            runner.c.id.label("runner_found"), runner.c.platform, runner.c.chat_id, runner.c.user_id,
            runner.c.timezone, runner.c.active, runner.c.digest,
            plan.c.quiet_start, plan.c.quiet_end, plan.c.paused, plan.c.warmups_sent,
            club.c.id.label("club_found"), club.c.platform.label("club_platform"), club.c.chat_id.label("club_chat"),
            club.c.timezone.label("club_zone"), club.c.active.label("club_active"), club.c.summary,
            club_run.c.club_id.label("run_club"), club_run.c.place,
        )  # fmt: skip
        .select_from(joined)
        .where(t.c.claimed_by == token, t.c.state == CLAIMED)
    )


def claim_due(engine: Engine, now: datetime, token: str, limit: int = 500) -> list[Due]:
    """Atomically claims up to `limit` due rows for this tick and loads their recipients."""
    with engine.begin() as connection:
        connection.execute(_claim(connection.dialect.name, now, token, limit))
    with engine.connect() as connection:
        claimed = connection.execute(_load_query(token)).all()
        wanted = {row.runner_id for row in claimed if row.runner_found is not None and row.kind in schedule.CHECKED_OFF_KINDS}
        last_runs = _last_runs(connection, wanted)
    return [_club_due(row) if row.club_id is not None else _runner_due(row, last_runs.get(row.runner_id)) for row in claimed]


def _last_runs(connection: Connection, runner_ids: set[int]) -> dict[int, datetime]:
    if not runner_ids:
        return {}
    runs = Run.__table__  # type: ignore[attr-defined]
    when = func.coalesce(runs.c.started_at, runs.c.logged_at)  # the day it was run, as everywhere else
    query = select(runs.c.runner_id, func.max(when)).where(runs.c.runner_id.in_(runner_ids)).group_by(runs.c.runner_id)
    return {runner_id: utc(last) for runner_id, last in connection.execute(query)}


def _common(row: Row[Any]) -> dict[str, Any]:
    return dict(
        reminder_id=row.id,
        runner_id=row.runner_id,
        club_id=row.club_id,
        kind=row.kind,
        stage=row.stage,
        due_at=utc(row.due_at),
        expires_at=utc(row.expires_at),
        run_at=utc(row.run_at) if row.run_at else None,
        attempts=row.attempts,
    )


def _club_due(row: Row[Any]) -> Due:
    found = row.club_found is not None
    if row.kind == schedule.CLUB_SUMMARY:
        gone = not found
    else:  # its club run was removed, or the row points at another club's run
        gone = not found or row.run_club is None or row.run_club != row.club_id
    return Due(
        **_common(row),
        address=None if gone else Address(row.club_platform, row.club_chat, "", chat_kind=ChatKind.GROUP),
        zone=row.club_zone if found else "UTC",
        quiet=NO_QUIET,  # the club chose the time; no quiet hours in a group
        paused=False,
        active=bool(found and row.club_active),
        club_run_id=row.club_run_id,
        place_name=row.place or "",
        opted_in=bool(row.summary) if row.kind == schedule.CLUB_SUMMARY else True,
    )


def _runner_due(row: Row[Any], last_run: datetime | None) -> Due:
    if row.runner_found is None:
        return Due(**_common(row), address=None, zone="UTC", quiet=NO_QUIET, paused=False, active=False)
    has_plan = row.quiet_start is not None
    default = PlanInfo()
    return Due(
        **_common(row),
        address=Address(row.platform, row.chat_id, row.user_id),
        zone=row.timezone,
        quiet=(row.quiet_start, row.quiet_end) if has_plan else (default.quiet_start, default.quiet_end),
        paused=bool(row.paused) if has_plan else default.paused,
        active=row.active,
        last_run=last_run,
        warmups_sent=row.warmups_sent if has_plan else 0,
        opted_in=bool(row.digest) if row.kind == schedule.DIGEST else True,
    )


def finish_many(engine: Engine, token: str, outcomes: list[tuple[int, str, str | None]], now: datetime) -> int:
    """Records delivered or skipped reminders (only those this claim still holds); returns how many."""
    if not outcomes:
        return 0
    t = _REMINDER
    with Session(engine) as session, session.begin():
        by_id = {o[0]: o for o in outcomes}
        held = session.execute(
            select(*CLOSE_COLUMNS).where(t.c.id.in_(list(by_id)), t.c.state == CLAIMED, t.c.claimed_by == token)
        ).all()
        close(session, [(row, by_id[row.id][1], by_id[row.id][2]) for row in held], now)
        for row in held:
            if by_id[row.id][1] == SKIPPED:
                logger.info("reminder %s (%s) skipped: %s", row.id, row.kind, by_id[row.id][2])
        return len(held)


def release(engine: Engine, reminder_id: int, token: str, due: datetime, note: str | None = None) -> bool:
    """Puts a claimed row back to wait until `due` (quiet hours, a failed send)."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.state == CLAIMED, Reminder.claimed_by == token)  # type: ignore[arg-type]
            .values(state=PENDING, claimed_by=None, due_at=due, note=note)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def mark_unreachable(engine: Engine, runner_id: int | None, club_id: int | None) -> None:
    """Records that a runner or a club's group blocked us: inactive until they write (or add the coach) again."""
    table = Club if club_id is not None else Runner
    with Session(engine) as session, session.begin():
        session.execute(update(table).where(table.id == (club_id if club_id is not None else runner_id)).values(active=False))  # type: ignore[attr-defined]


def purge_finished(engine: Engine, before: datetime) -> int:
    """Deletes sent and skipped rows older than `before` (they only matter for a while)."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            delete(Reminder).where(Reminder.state.in_((SENT, SKIPPED)), Reminder.due_at < before)  # type: ignore[attr-defined,operator]
        )
        return result.rowcount  # type: ignore[attr-defined,no-any-return]
