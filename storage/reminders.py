"""Reminder tables and queries: the database is the source of truth for what is due.

Each occurrence of a reminder is one `Reminder` row (pending -> claimed -> sent
or skipped). The dispatcher claims due rows with one conditional UPDATE, so two
processes never send the same row; sending a recurring row inserts the next
occurrence in the same transaction that marks it sent. Occurrences carry a
unique `key`, so a plan change racing a dispatcher cannot create a twin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import JSON, Column, Index, delete, func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from dialogs import plan as schedule
from dialogs.messages import Address, ChatKind
from dialogs.models import Tier
from dialogs.ports import FollowupInfo, PlanInfo, ScheduledInfo
from storage.tables import Club, ClubRun, Run, Runner, utcnow

logger = logging.getLogger(__name__)

PENDING, CLAIMED, SENT, SKIPPED = "pending", "claimed", "sent", "skipped"
PLAN_KINDS = ("warmup", "after_run", "daily")
CLUB_WARMUP_LEAD = timedelta(minutes=30)
CLUB_AFTER_DELAY = timedelta(minutes=90)
MAX_ATTEMPTS = 5
LOOKAHEAD_OCCURRENCES = 3  # look past an occurrence in quiet hours (a DST switch may free the next)


class ReminderPlan(SQLModel, table=True):
    """A runner's reminder settings (dialogs.ports.PlanInfo)."""

    __tablename__ = "reminder_plan"

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int = Field(foreign_key="runner.id", unique=True, index=True)
    slots: list[list[Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lead_min: int = 30
    after_min: int = 120
    daily: str | None = None
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    paused: bool = False
    warmups_sent: int = 0  # seeds the warm-up text so consecutive ones differ
    updated_at: datetime = Field(default_factory=utcnow)


class Reminder(SQLModel, table=True):
    """One occurrence of a reminder to a runner (runner_id) or a club's group (club_id)."""

    __tablename__ = "reminder"
    __table_args__ = (Index("ix_reminder_state_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    runner_id: int | None = Field(default=None, foreign_key="runner.id", index=True)
    club_id: int | None = Field(default=None, index=True)
    club_run_id: int | None = None
    kind: str  # warmup | after_run | daily | followup | club_warmup | club_after
    stage: int = 1  # follow-ups: 1 next day, 2 two days later, 0 the gentle check after an emergency
    weekday: int | None = None  # the plan slot this occurrence came from
    at: str | None = None  # "HH:MM" local
    run_at: datetime | None = None  # UTC start of the planned run
    due_at: datetime = Field(index=True)  # UTC, after quiet hours were applied
    expires_at: datetime  # UTC; not sent after this (grace window)
    state: str = PENDING
    claimed_by: str | None = Field(default=None, index=True)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    repeat: bool = False  # sending (or skipping) it schedules the next occurrence
    answer: str | None = None  # follow-ups: better | same | worse
    note: str | None = None  # why it was skipped
    key: str | None = Field(default=None, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


def _utc(moment: datetime) -> datetime:
    """Reads a stored time as aware UTC (SQLite hands some back naive)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def plan_info(row: ReminderPlan | None) -> PlanInfo:
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
    shift = {"warmup": lead, "after_run": -later, "daily": timedelta(0)}[kind]
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
    session.execute(upsert(Reminder).on_conflict_do_nothing(index_elements=["key"]), same)
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


def next_after(row: Reminder, zone: str, plan: PlanInfo, now: datetime) -> dict[str, Any] | None:
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


def on_new_run(session: Session, runner: Runner, logged_at: datetime, has_pain: bool, tier: str) -> None:
    """Drops today's after-run prompt and daily check-in; schedules the follow-up after pain."""
    zone = runner.timezone
    day = schedule.timezones.local(logged_at, zone).date()
    todays = session.exec(
        select(Reminder).where(
            Reminder.runner_id == runner.id,
            Reminder.kind.in_(("after_run", "daily")),  # type: ignore[attr-defined]
            Reminder.state == PENDING,
        )
    ).all()
    for row in todays:
        if row.run_at is not None and schedule.timezones.local(_utc(row.run_at), zone).date() == day:
            _close(session, [(row, SKIPPED, "checked in")], logged_at)
    if not has_pain:
        return
    plan = plan_info(_plan_row(session, runner.id))  # type: ignore[arg-type]
    session.execute(
        update(Reminder)
        .where(Reminder.runner_id == runner.id, Reminder.kind == "followup", Reminder.state == PENDING)  # type: ignore[arg-type]
        .values(state=SKIPPED, note="superseded")
    )
    stage = 0 if tier == Tier.EMERGENCY.value else 1
    session.add(followup_row(runner.id, stage, logged_at + schedule.FOLLOWUP_DELAY[stage], zone, plan))  # type: ignore[arg-type]


def followup_row(runner_id: int, stage: int, due: datetime, zone: str, plan: PlanInfo) -> Reminder:
    expires = due + schedule.GRACE["followup"]
    placed = schedule.place(due, expires, zone, plan.quiet_start, plan.quiet_end)
    return Reminder(runner_id=runner_id, kind="followup", stage=stage, due_at=placed or due, expires_at=expires)


# ------------------------------------------------------------------ the store's reminder methods


class ReminderStore:
    """The reminder half of dialogs.ports.Store; SqlStore inherits it."""

    engine: Engine

    def _runner(self, session: Session, address: Address) -> Runner | None:  # provided by SqlStore
        raise NotImplementedError

    def plan(self, address: Address) -> PlanInfo | None:
        with Session(self.engine) as session:
            runner = self._runner(session, address)
            row = _plan_row(session, runner.id) if runner else None  # type: ignore[arg-type]
            return plan_info(row) if row else None

    def set_plan(self, address: Address, plan: PlanInfo, now: datetime) -> None:
        with Session(self.engine) as session, session.begin():
            runner = self._runner(session, address)
            if runner is None:
                raise LookupError("set_plan for an unknown runner")
            row = _plan_row(session, runner.id) or ReminderPlan(runner_id=runner.id)  # type: ignore[arg-type]
            row.slots = [list(s) for s in plan.slots]
            row.lead_min, row.after_min, row.daily = plan.lead_min, plan.after_min, plan.daily
            row.quiet_start, row.quiet_end, row.paused = plan.quiet_start, plan.quiet_end, plan.paused
            row.updated_at = utcnow()
            session.add(row)
            session.flush()
            replan(session, runner.id, runner.timezone, now)  # type: ignore[arg-type]

    def scheduled(self, address: Address, now: datetime, limit: int = 10) -> list[ScheduledInfo]:
        with Session(self.engine) as session:
            runner = self._runner(session, address)
            if runner is None:
                return []
            query = (
                select(Reminder)
                .where(Reminder.runner_id == runner.id, Reminder.state.in_((PENDING, CLAIMED)))  # type: ignore[attr-defined]
                .order_by(Reminder.due_at)
                .limit(limit)
            )
            return [ScheduledInfo(r.id, r.kind, _utc(r.due_at)) for r in session.exec(query)]  # type: ignore[arg-type]

    def _own(self, session: Session, address: Address, reminder_id: int) -> Reminder | None:
        runner = self._runner(session, address)
        row = session.get(Reminder, reminder_id)
        if runner is None or row is None or row.runner_id != runner.id:
            return None
        return row

    def followup(self, address: Address, reminder_id: int) -> FollowupInfo | None:
        with Session(self.engine) as session:
            row = self._own(session, address, reminder_id)
            if row is None or row.kind != "followup" or row.state != SENT:
                return None
            return FollowupInfo(row.id, row.stage, row.answer)  # type: ignore[arg-type]

    def answer_followup(self, address: Address, reminder_id: int, answer: str, next_due: datetime | None) -> bool:
        with Session(self.engine) as session, session.begin():
            row = self._own(session, address, reminder_id)
            if row is None:
                return False
            done = session.execute(
                update(Reminder).where(Reminder.id == row.id, Reminder.answer.is_(None)).values(answer=answer)  # type: ignore[arg-type,union-attr]
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return False
            if next_due is not None:
                runner = session.get(Runner, row.runner_id)
                plan = plan_info(_plan_row(session, row.runner_id))  # type: ignore[arg-type]
                session.add(followup_row(row.runner_id, row.stage + 1, next_due, runner.timezone, plan))  # type: ignore[arg-type,union-attr]
            return True

    def snooze(self, address: Address, reminder_id: int, due: datetime) -> bool:
        with Session(self.engine) as session, session.begin():
            row = self._own(session, address, reminder_id)
            if row is None or row.state != SENT:
                return False
            grace = schedule.SNOOZE_GRACE if row.kind == "warmup" else schedule.GRACE.get(row.kind, schedule.SNOOZE_GRACE)
            runner = session.get(Runner, row.runner_id)
            plan = plan_info(_plan_row(session, row.runner_id))  # type: ignore[arg-type]
            placed = schedule.place(due, due + grace, runner.timezone, plan.quiet_start, plan.quiet_end)  # type: ignore[union-attr]
            session.add(
                Reminder(
                    runner_id=row.runner_id,
                    kind=row.kind,
                    stage=row.stage,
                    weekday=row.weekday,
                    at=row.at,
                    run_at=row.run_at,
                    due_at=placed or due,
                    expires_at=due + grace,
                )
            )
            return True


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


def claim_due(engine: Engine, now: datetime, token: str, limit: int = 500) -> list[Due]:
    """Atomically claims up to `limit` due rows for this tick and loads their recipients."""
    with Session(engine) as session, session.begin():
        due_ids = (
            select(Reminder.id)
            .where(Reminder.state == PENDING, Reminder.due_at <= now)  # type: ignore[arg-type,operator]
            .order_by(Reminder.due_at)
            .limit(limit)
        )
        session.execute(
            update(Reminder)
            .where(Reminder.id.in_(due_ids.scalar_subquery()), Reminder.state == PENDING)  # type: ignore[union-attr,arg-type]
            .values(state=CLAIMED, claimed_by=token, claimed_at=now, attempts=Reminder.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    with Session(engine) as session:
        query = (
            select(Reminder, Runner, ReminderPlan)
            .join(Runner, Runner.id == Reminder.runner_id, isouter=True)  # type: ignore[arg-type]
            .join(ReminderPlan, ReminderPlan.runner_id == Reminder.runner_id, isouter=True)  # type: ignore[arg-type]
            .where(Reminder.claimed_by == token, Reminder.state == CLAIMED)
        )
        claimed = session.exec(query).all()
        last_runs = _last_runs(session, {r.runner_id for r, runner, _ in claimed if runner and r.kind in ("after_run", "daily")})
        due: list[Due] = []
        for row, runner, plan in claimed:
            if row.club_id is not None:
                due.append(_club_due(session, row))
            else:
                due.append(_runner_due(row, runner, plan, last_runs.get(row.runner_id)))  # type: ignore[arg-type]
        return due


def _last_runs(session: Session, runner_ids: set[int]) -> dict[int, datetime]:
    if not runner_ids:
        return {}
    query = select(Run.runner_id, func.max(Run.logged_at)).where(Run.runner_id.in_(runner_ids)).group_by(Run.runner_id)  # type: ignore[attr-defined]
    return {runner_id: _utc(last) for runner_id, last in session.exec(query)}  # type: ignore[misc]


def _common(row: Reminder) -> dict[str, Any]:
    return dict(
        reminder_id=row.id,
        kind=row.kind,
        stage=row.stage,
        due_at=_utc(row.due_at),
        expires_at=_utc(row.expires_at),
        run_at=_utc(row.run_at) if row.run_at else None,
        attempts=row.attempts,
    )


def _club_due(session: Session, row: Reminder) -> Due:
    club = session.get(Club, row.club_id)
    club_run = session.get(ClubRun, row.club_run_id) if row.club_run_id else None
    gone = club is None or club_run is None or club_run.club_id != club.id
    return Due(
        **_common(row),
        address=None if gone else Address(club.platform, club.chat_id, "", chat_kind=ChatKind.GROUP),  # type: ignore[union-attr]
        zone=club.timezone if club else "UTC",
        quiet=("00:00", "00:00"),  # the club chose the time; no quiet hours in a group
        paused=False,
        active=bool(club and club.active),
        checked_in=False,
        seed=(row.club_run_id or 0) + (_utc(row.run_at).toordinal() if row.run_at else 0),
        place_name=club_run.place if club_run else "",
    )


def _runner_due(row: Reminder, runner: Runner | None, plan: ReminderPlan | None, last_run: datetime | None) -> Due:
    if runner is None:
        return Due(**_common(row), address=None, zone="UTC", quiet=("00:00", "00:00"), paused=False, active=False, checked_in=False, seed=0)
    info = plan_info(plan)
    checked_in = False
    if row.kind in ("after_run", "daily") and row.run_at is not None and last_run is not None:
        local = schedule.timezones.local(_utc(row.run_at), runner.timezone)
        checked_in = last_run >= local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
    return Due(
        **_common(row),
        address=Address(runner.platform, runner.chat_id, runner.user_id),
        zone=runner.timezone,
        quiet=(info.quiet_start, info.quiet_end),
        paused=info.paused,
        active=runner.active,
        checked_in=checked_in,
        seed=plan.warmups_sent if plan else 0,
    )


def _close(session: Session, rows: list[tuple[Reminder, str, str | None]], now: datetime) -> None:
    """Marks rows sent or skipped and schedules what follows the recurring ones."""
    runner_ids = {row.runner_id for row, _, _ in rows if row.repeat and row.runner_id is not None}
    zones: dict[int, str] = {}
    plans: dict[int, PlanInfo] = {}
    if runner_ids:
        query = select(Runner.id, Runner.timezone, ReminderPlan).join(
            ReminderPlan, ReminderPlan.runner_id == Runner.id, isouter=True  # type: ignore[arg-type]
        ).where(Runner.id.in_(runner_ids))  # type: ignore[union-attr]
        for runner_id, zone, plan_row in session.exec(query):
            zones[runner_id], plans[runner_id] = zone, plan_info(plan_row)
    warmups: dict[int, int] = {}
    following = []
    for row, state, note in rows:
        row.state, row.note, row.claimed_by = state, note, None
        if state == SENT:
            row.sent_at = now
            if row.kind == "warmup" and row.runner_id is not None:
                warmups[row.runner_id] = warmups.get(row.runner_id, 0) + 1
        session.add(row)
        if row.repeat and row.runner_id in zones:
            nxt = next_after(row, zones[row.runner_id], plans[row.runner_id], now)  # type: ignore[index]
            if nxt is not None:
                following.append(nxt)
    session.flush()
    for runner_id, count in warmups.items():
        session.execute(
            update(ReminderPlan)
            .where(ReminderPlan.runner_id == runner_id)  # type: ignore[arg-type]
            .values(warmups_sent=ReminderPlan.warmups_sent + count)
        )
    insert_new(session, following)


def finish_many(engine: Engine, token: str, outcomes: list[tuple[int, str, str | None]], now: datetime) -> int:
    """Records delivered or skipped reminders (only those this claim still holds); returns how many."""
    if not outcomes:
        return 0
    with Session(engine) as session, session.begin():
        by_id = {o[0]: o for o in outcomes}
        held = session.exec(
            select(Reminder).where(Reminder.id.in_(list(by_id)), Reminder.state == CLAIMED, Reminder.claimed_by == token)  # type: ignore[union-attr]
        ).all()
        _close(session, [(row, by_id[row.id][1], by_id[row.id][2]) for row in held], now)  # type: ignore[index]
        for row in held:
            if row.state == SKIPPED:
                logger.info("reminder %s (%s) skipped: %s", row.id, row.kind, row.note)
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
    """Makes sure every active club's next warm-up post and after-run post are scheduled."""
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
