"""Reminder tables and queries: the database is the source of truth for what is due.

Each occurrence of a reminder is one `Reminder` row (pending -> claimed -> sent
or skipped). The dispatcher claims due rows with one conditional UPDATE, so two
processes never send the same row (on PostgreSQL the due ids are taken with
FOR UPDATE SKIP LOCKED, so parallel dispatchers take disjoint batches without
waiting on each other); sending a recurring row inserts the next occurrence in
the same transaction that marks it sent. Occurrences carry a unique `key`, so a
plan change racing a dispatcher cannot create a twin. The dispatcher's hot paths
(claim, load, finish) read and write plain rows through Core, not ORM objects.

The weekly digest is one occurrence at a time, scheduled when a run is logged
(a week without runs has nothing to report), at a time spread over the
evening by runner (`digest_offset`), so a Sunday's digests are drawn and sent
tick by tick instead of all at 18:00; a club's weekly summary is kept
scheduled by `sync_club_runs` while its admins have it on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, Sequence

from sqlalchemy import Row, Select, Update, bindparam, delete, func, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dialogs import timezones
from dialogs.reminders import schedule
from dialogs.messages import Address, ChatKind
from dialogs.models import Tier
from dialogs.ports import PlanInfo
from storage.tables import CLAIMED, PENDING, SENT, SKIPPED, Club, ClubRun, Reminder, ReminderPlan, Run, Runner, utcnow

logger = logging.getLogger(__name__)

PLAN_KINDS = ("warmup", "after_run", "daily")
DIGEST, CLUB_SUMMARY = "digest", "club_summary"  # sent with content the dispatcher composes (dialogs.digest)
CLUB_WARMUP_LEAD = timedelta(minutes=30)
CLUB_AFTER_DELAY = timedelta(minutes=90)
MAX_ATTEMPTS = 5
DIGEST_SPREAD_S = 2 * 3600  # 18:00-20:00: 100,000 digests in one zone come due at ~14 a second, under 30/s
SPREAD_HASH = 2654435761  # Knuth's multiplicative hash: consecutive runner ids land far apart in the window
LOOKAHEAD_OCCURRENCES = 3  # look past an occurrence in quiet hours (a DST switch may free the next)


_REMINDER = Reminder.__table__  # type: ignore[attr-defined]  # the hot paths use Core: plain rows, no ORM objects


class OccurrenceRow(Protocol):
    """What closing an occurrence reads from it: a plain row of `_CLOSE_COLUMNS`."""

    id: int
    runner_id: int | None
    kind: str
    weekday: int | None
    at: str | None
    run_at: datetime | None
    repeat: bool


_CLOSE_COLUMNS = tuple(_REMINDER.c[name] for name in ("id", "runner_id", "kind", "weekday", "at", "run_at", "repeat"))


def _utc(moment: datetime) -> datetime:
    """Reads a stored time as aware UTC (SQLite hands some back naive)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


_PLAN_COLUMNS = ("slots", "lead_min", "after_min", "daily", "quiet_start", "quiet_end", "paused")


def plan_info(row: ReminderPlan | None) -> PlanInfo:
    """The settings of a plan row (an ORM object or a plain row with `_PLAN_COLUMNS`)."""
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


def _plan_row(session: Session, runner_id: int) -> ReminderPlan | None:
    return session.exec(select(ReminderPlan).where(ReminderPlan.runner_id == runner_id)).first()


# ------------------------------------------------------------------ building occurrences


def _occurrence(
    runner_id: int, kind: str, weekday: int | None, at: str, plan: PlanInfo, zone: str, after: datetime
) -> dict[str, Any]:
    """Returns the column values of the next occurrence of a plan reminder due after `after`."""
    lead, later = timedelta(minutes=plan.lead_min), timedelta(minutes=plan.after_min)
    shift = {"warmup": lead, "after_run": -later}.get(kind, timedelta(0))
    first: dict[str, Any] | None = None
    cursor = after + shift
    for _ in range(LOOKAHEAD_OCCURRENCES):
        run_at = schedule.next_occurrence(weekday, at, zone, cursor)
        cursor = run_at
        due = run_at - shift
        expires = run_at if kind == "warmup" else due + schedule.GRACE[kind]
        placed = schedule.place(due, expires, zone, plan.quiet_start, plan.quiet_end)
        values = dict(
            runner_id=runner_id, kind=kind, stage=1, weekday=weekday, at=at, run_at=run_at, due_at=placed or due,
            expires_at=expires, state=PENDING, attempts=0, repeat=True, created_at=after,
            key=f"r{runner_id}:{kind}:{weekday}:{at}:{run_at:%Y%m%dT%H%M}",
        )  # fmt: skip
        first = first or values
        if placed is not None:
            return values
    return first  # type: ignore[return-value]  # always quiet: the dispatcher skips it and moves on


def plan_occurrences(runner_id: int, plan: PlanInfo, zone: str, after: datetime) -> list[dict[str, Any]]:
    """Returns the column values of the next occurrence of every reminder the plan asks for."""
    rows = []
    for weekday, at in plan.slots:
        rows.append(_occurrence(runner_id, "warmup", weekday, at, plan, zone, after))
        rows.append(_occurrence(runner_id, "after_run", weekday, at, plan, zone, after))
    if plan.daily:
        rows.append(_occurrence(runner_id, "daily", None, plan.daily, plan, zone, after))
    return rows


def insert_new(session: Session, rows: list[dict[str, Any]]) -> None:
    """Inserts occurrences, leaving out any whose key already exists (a twin from a racing writer)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as upsert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert  # type: ignore[assignment]
    else:
        for row in rows:
            try:
                with session.begin_nested():
                    session.add(Reminder(**row))
            except IntegrityError:
                logger.debug("occurrence %s already scheduled", row.get("key"))
        return
    columns = set(rows[0])
    same = [r for r in rows if set(r) == columns]
    session.execute(upsert(_REMINDER).on_conflict_do_nothing(index_elements=["key"]), same)
    if len(same) != len(rows):
        insert_new(session, [r for r in rows if set(r) != columns])


def replan(session: Session, runner_id: int, zone: str, now: datetime) -> None:
    """Replaces the runner's pending plan reminders after a plan or time-zone change."""
    session.execute(
        delete(Reminder).where(
            Reminder.runner_id == runner_id,  # type: ignore[arg-type]
            Reminder.kind.in_(PLAN_KINDS),  # type: ignore[attr-defined]
            Reminder.state == PENDING,  # type: ignore[arg-type]
            Reminder.repeat.is_(True),  # type: ignore[attr-defined]
        )
    )
    insert_new(session, plan_occurrences(runner_id, plan_info(_plan_row(session, runner_id)), zone, now))
    pending_digest = session.execute(
        select(_REMINDER.c.id).where(
            _REMINDER.c.runner_id == runner_id, _REMINDER.c.kind == DIGEST, _REMINDER.c.state == PENDING
        )
    ).first()
    if pending_digest is not None:  # a new time zone moves it to that zone's Sunday evening
        schedule_digest(session, runner_id, zone, now)


def schedule_digest(session: Session, runner_id: int, zone: str, now: datetime) -> None:
    """Replaces the runner's pending weekly digest with the next Sunday evening's (local time, outside quiet hours).

    Called when a run is logged: a week without runs needs no digest, so each
    digest is a single occurrence and the next run schedules the next one.
    """
    cancel_digest(session, runner_id)
    plan = plan_info(_plan_row(session, runner_id))
    insert_new(session, [_digest_row(runner_id, plan, zone, now)])


def _digest_row(runner_id: int, plan: PlanInfo, zone: str, now: datetime) -> dict[str, Any]:
    """The next Sunday-evening digest row, spread over the evening by runner."""
    row = _occurrence(runner_id, DIGEST, schedule.DIGEST_WEEKDAY, schedule.DIGEST_AT, plan, zone, now)
    row["repeat"] = False
    spread = timedelta(seconds=digest_offset(runner_id))
    later = row["due_at"] + spread
    if row["due_at"] == row["run_at"] and not schedule.in_quiet(later, zone, plan.quiet_start, plan.quiet_end):
        row["due_at"], row["expires_at"] = later, row["expires_at"] + spread  # else 18:00, as before spreading
    return row


def digest_offset(runner_id: int) -> int:
    """Seconds after 18:00 that this runner's digest comes due: the same every week, spread evenly over runners."""
    return (runner_id * SPREAD_HASH) % 2**32 % DIGEST_SPREAD_S


def cancel_digest(session: Session, runner_id: int) -> None:
    """Drops the runner's pending weekly digest (they turned it off)."""
    session.execute(
        delete(Reminder).where(
            Reminder.runner_id == runner_id, Reminder.kind == DIGEST, Reminder.state == PENDING  # type: ignore[arg-type]
        )
    )


def next_after(row: OccurrenceRow, zone: str, plan: PlanInfo, now: datetime) -> dict[str, Any] | None:
    """Returns the occurrence that follows a recurring runner reminder, if its slot is still planned."""
    if row.run_at is None or row.at is None or row.runner_id is None:
        return None
    planned = (row.weekday, row.at) in plan.slots if row.kind != "daily" else plan.daily == row.at
    if not planned:
        return None
    shift = {"warmup": timedelta(minutes=plan.lead_min), "after_run": -timedelta(minutes=plan.after_min)}.get(
        row.kind, timedelta(0)
    )
    after = max(_utc(row.run_at) - shift, now)  # never catch up on occurrences missed while down
    return _occurrence(row.runner_id, row.kind, row.weekday, row.at, plan, zone, after)


# ------------------------------------------------------------------ hooks from SqlStore.save


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
    """Drops the run day's after-run prompt and daily check-in; schedules the weekly digest and the follow-up after pain.

    wants_digest: the runner is onboarded and has the digest on. `run_at` is when the
    run was (a past day told in chat, a file's start); the follow-up after it comes the
    next morning (schedule.followup_due). One read of the plan, one insert for the
    digest and the follow-up together.
    """
    plan = plan_info(_plan_row(session, runner_id))
    new_rows = []
    if wants_digest:
        cancel_digest(session, runner_id)
        new_rows.append(_digest_row(runner_id, plan, zone, logged_at))
    day = timezones.local(run_at or logged_at, zone).date()  # a run told a day late checks off that day
    t = _REMINDER
    todays = session.execute(
        select(*_CLOSE_COLUMNS).where(
            t.c.runner_id == runner_id, t.c.kind.in_(("after_run", "daily")), t.c.state == PENDING
        )
    ).all()
    done = [
        (row, SKIPPED, "checked in")
        for row in todays
        if row.run_at is not None and timezones.local(_utc(row.run_at), zone).date() == day
    ]
    _close(session, done, logged_at)
    if has_pain:
        session.execute(
            update(Reminder)
            .where(Reminder.runner_id == runner_id, Reminder.kind == "followup", Reminder.state == PENDING)  # type: ignore[arg-type]
            .values(state=SKIPPED, note="superseded")
        )
        stage = 0 if tier == Tier.EMERGENCY.value else 1
        new_rows.append(followup_values(runner_id, stage, schedule.followup_due(stage, logged_at, run_at, zone), zone, plan, logged_at))
    insert_new(session, new_rows)


def followup_values(
    runner_id: int, stage: int, due: datetime, zone: str, plan: PlanInfo, now: datetime
) -> dict[str, Any]:
    """The column values of a follow-up (the same columns as a plan occurrence, so they insert together)."""
    expires = due + schedule.GRACE["followup"]
    placed = schedule.place(due, expires, zone, plan.quiet_start, plan.quiet_end)
    return dict(
        runner_id=runner_id, kind="followup", stage=stage, weekday=None, at=None, run_at=None, due_at=placed or due,
        expires_at=expires, state=PENDING, attempts=0, repeat=False, created_at=now, key=None,
    )  # fmt: skip


def followup_row(runner_id: int, stage: int, due: datetime, zone: str, plan: PlanInfo) -> Reminder:
    return Reminder(**followup_values(runner_id, stage, due, zone, plan, utcnow()))


# ------------------------------------------------------------------ the dispatcher's queries


@dataclass(frozen=True)
class Due:
    """A claimed reminder with everything needed to decide and deliver it."""

    reminder_id: int
    kind: str
    stage: int
    due_at: datetime
    expires_at: datetime
    run_at: datetime | None
    attempts: int
    address: Address | None  # None: the runner or club is gone
    zone: str
    quiet: tuple[str, str]  # ("00:00", "00:00") means none
    paused: bool
    active: bool
    checked_in: bool  # a run was logged on the local day of the planned run
    seed: int
    place_name: str = ""
    runner_id: int | None = None
    club_id: int | None = None
    opted_in: bool = True  # False: the runner turned the digest off, or the club its summary


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
        wanted = {row.runner_id for row in claimed if row.runner_found is not None and row.kind in ("after_run", "daily")}
        last_runs = _last_runs(connection, wanted)
    return [_club_due(row) if row.club_id is not None else _runner_due(row, last_runs.get(row.runner_id)) for row in claimed]


def _last_runs(connection: Connection, runner_ids: set[int]) -> dict[int, datetime]:
    if not runner_ids:
        return {}
    runs = Run.__table__  # type: ignore[attr-defined]
    when = func.coalesce(runs.c.started_at, runs.c.logged_at)  # the day it was run, as everywhere else
    query = select(runs.c.runner_id, func.max(when)).where(runs.c.runner_id.in_(runner_ids)).group_by(runs.c.runner_id)
    return {runner_id: _utc(last) for runner_id, last in connection.execute(query)}


def _common(row: Row[Any]) -> dict[str, Any]:
    return dict(
        reminder_id=row.id,
        runner_id=row.runner_id,
        club_id=row.club_id,
        kind=row.kind,
        stage=row.stage,
        due_at=_utc(row.due_at),
        expires_at=_utc(row.expires_at),
        run_at=_utc(row.run_at) if row.run_at else None,
        attempts=row.attempts,
    )


def _club_due(row: Row[Any]) -> Due:
    found = row.club_found is not None
    if row.kind == CLUB_SUMMARY:
        gone = not found
    else:
        gone = not found or row.run_club is None or row.run_club != row.club_id
    return Due(
        **_common(row),
        address=None if gone else Address(row.club_platform, row.club_chat, "", chat_kind=ChatKind.GROUP),
        zone=row.club_zone if found else "UTC",
        quiet=("00:00", "00:00"),  # the club chose the time; no quiet hours in a group
        paused=False,
        active=bool(found and row.club_active),
        checked_in=False,
        seed=(row.club_run_id or 0) + (_utc(row.run_at).toordinal() if row.run_at else 0),
        place_name=row.place or "",
        opted_in=bool(row.summary) if row.kind == CLUB_SUMMARY else True,
    )


def _runner_due(row: Row[Any], last_run: datetime | None) -> Due:
    if row.runner_found is None:
        return Due(**_common(row), address=None, zone="UTC", quiet=("00:00", "00:00"), paused=False, active=False, checked_in=False, seed=0)
    has_plan = row.quiet_start is not None
    checked_in = False
    if row.kind in ("after_run", "daily") and row.run_at is not None and last_run is not None:
        local = timezones.local(_utc(row.run_at), row.timezone)
        checked_in = last_run >= local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
    default = PlanInfo()
    return Due(
        **_common(row),
        address=Address(row.platform, row.chat_id, row.user_id),
        zone=row.timezone,
        quiet=(row.quiet_start, row.quiet_end) if has_plan else (default.quiet_start, default.quiet_end),
        paused=bool(row.paused) if has_plan else default.paused,
        active=row.active,
        checked_in=checked_in,
        seed=row.warmups_sent if has_plan else 0,
        opted_in=bool(row.digest) if row.kind == DIGEST else True,
    )


def _close(session: Session, rows: Sequence[tuple[OccurrenceRow, str, str | None]], now: datetime) -> None:
    """Marks rows sent or skipped and schedules what follows the recurring ones (plain UPDATEs, no ORM objects)."""
    if not rows:
        return
    runner_ids = {row.runner_id for row, _, _ in rows if row.repeat and row.runner_id is not None}
    zones: dict[int, str] = {}
    plans: dict[int, PlanInfo] = {}
    if runner_ids:
        runner, plan = Runner.__table__, ReminderPlan.__table__  # type: ignore[attr-defined]
        query = (
            select(runner.c.id.label("rid"), runner.c.timezone, *(plan.c[name] for name in _PLAN_COLUMNS))
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
            nxt = next_after(row, zones[row.runner_id], plans[row.runner_id], now)  # type: ignore[index]
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
    insert_new(session, following)


def finish_many(engine: Engine, token: str, outcomes: list[tuple[int, str, str | None]], now: datetime) -> int:
    """Records delivered or skipped reminders (only those this claim still holds); returns how many."""
    if not outcomes:
        return 0
    t = _REMINDER
    with Session(engine) as session, session.begin():
        by_id = {o[0]: o for o in outcomes}
        held = session.execute(
            select(*_CLOSE_COLUMNS).where(t.c.id.in_(list(by_id)), t.c.state == CLAIMED, t.c.claimed_by == token)
        ).all()
        _close(session, [(row, by_id[row.id][1], by_id[row.id][2]) for row in held], now)
        for row in held:
            if by_id[row.id][1] == SKIPPED:
                logger.info("reminder %s (%s) skipped: %s", row.id, row.kind, by_id[row.id][2])
        return len(held)


def finish(engine: Engine, reminder_id: int, token: str, state: str, now: datetime, note: str | None = None) -> bool:
    """Records one delivered or skipped reminder (only if this claim still holds it)."""
    return finish_many(engine, token, [(reminder_id, state, note)], now) == 1


def release(engine: Engine, reminder_id: int, token: str, due: datetime, note: str | None = None) -> bool:
    """Puts a claimed row back to wait until `due` (quiet hours, a failed send)."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.state == CLAIMED, Reminder.claimed_by == token)  # type: ignore[arg-type]
            .values(state=PENDING, claimed_by=None, due_at=due, note=note)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def set_club_active(engine: Engine, platform: str, chat_id: str, active: bool) -> None:
    with Session(engine) as session, session.begin():
        club = session.exec(select(Club).where(Club.platform == platform, Club.chat_id == chat_id)).first()
        if club is not None:
            club.active = active


def sync_club_runs(engine: Engine, now: datetime) -> int:
    """Makes sure every active club's next warm-up and after-run posts, and its weekly summary if on, are scheduled."""
    with Session(engine) as session, session.begin():
        pairs = session.exec(select(ClubRun, Club).join(Club, Club.id == ClubRun.club_id).where(Club.active == True)).all()  # type: ignore[arg-type]  # noqa: E712
        wanted: dict[str, Reminder] = {}
        for club_run, club in pairs:
            for kind, shift in (("club_warmup", CLUB_WARMUP_LEAD), ("club_after", -CLUB_AFTER_DELAY)):
                run_at = schedule.next_occurrence(club_run.weekday, club_run.time, club.timezone, now + shift)
                due = run_at - shift
                key = f"c{club_run.id}:{kind}:{run_at:%Y%m%dT%H%M}"
                expires = run_at if kind == "club_warmup" else due + schedule.GRACE["club_after"]
                wanted[key] = dict(
                    club_id=club.id, club_run_id=club_run.id, kind=kind, stage=1, run_at=run_at, due_at=due,
                    expires_at=expires, state=PENDING, attempts=0, repeat=False, created_at=now, key=key,
                )  # fmt: skip
        summaries = session.exec(select(Club).where(Club.active == True, Club.summary == True)).all()  # noqa: E712
        for club in summaries:
            run_at = schedule.next_occurrence(schedule.DIGEST_WEEKDAY, schedule.DIGEST_AT, club.timezone, now)
            key = f"s{club.id}:{CLUB_SUMMARY}:{run_at:%Y%m%dT%H%M}"
            wanted[key] = dict(
                club_id=club.id, club_run_id=None, kind=CLUB_SUMMARY, stage=1, run_at=run_at, due_at=run_at,
                expires_at=run_at + schedule.GRACE[CLUB_SUMMARY], state=PENDING, attempts=0, repeat=False,
                created_at=now, key=key,
            )  # fmt: skip
        if not wanted:
            return 0
        have = set(session.exec(select(Reminder.key).where(Reminder.key.in_(list(wanted)))).all())  # type: ignore[union-attr]
        missing = [row for key, row in wanted.items() if key not in have]
        insert_new(session, missing)
        return len(missing)


def purge_finished(engine: Engine, before: datetime) -> int:
    """Deletes sent and skipped rows older than `before` (they only matter for a while)."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            delete(Reminder).where(Reminder.state.in_((SENT, SKIPPED)), Reminder.due_at < before)  # type: ignore[attr-defined,operator]
        )
        return result.rowcount  # type: ignore[attr-defined,no-any-return]
