"""The store's reminder half: a runner's plan, pending reminders, follow-up answers and snoozes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dialogs.reminders import schedule
from dialogs.messages import Address
from dialogs.ports import FollowupInfo, PlanInfo, ReminderReply, ScheduledInfo, SetPlan
from storage import rows, turns
from storage.occurrences import followup_row, plan_info, replan
from storage.occurrences import plan_row as _plan_row
from storage.occurrences import utc as _utc
from storage.tables import CLAIMED, PENDING, SENT, Reminder, ReminderPlan, Runner, utcnow


class ReminderStore:
    """The reminder half of dialogs.ports.Store; SqlStore inherits it."""

    engine: Engine

    def plan(self, address: Address) -> PlanInfo | None:
        with turns.using(self.engine) as session:
            runner = rows.runner_of(session, address)
            row = _plan_row(session, runner.id) if runner else None  # type: ignore[arg-type]
            return plan_info(row) if row else None

    def set_plan(self, address: Address, plan: PlanInfo, now: datetime) -> None:
        with turns.using(self.engine, write=True) as session:
            runner = rows.runner_of(session, address)
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
        with turns.using(self.engine) as session:
            runner = rows.runner_of(session, address)
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
        runner = rows.runner_of(session, address)
        row = session.get(Reminder, reminder_id)
        if runner is None or row is None or row.runner_id != runner.id:
            return None
        return row

    def followup(self, address: Address, reminder_id: int) -> FollowupInfo | None:
        with turns.using(self.engine) as session:
            row = self._own(session, address, reminder_id)
            if row is None or row.kind != "followup" or row.state != SENT:
                return None
            return FollowupInfo(row.id, row.stage, row.answer)  # type: ignore[arg-type]

    def answer_followup(self, address: Address, reminder_id: int, answer: str, next_due: datetime | None) -> bool:
        with turns.using(self.engine, write=True) as session:
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

    def snoozable(self, address: Address, reminder_id: int) -> bool:
        with turns.using(self.engine) as session:
            row = self._own(session, address, reminder_id)
            return row is not None and row.state == SENT

    def apply_plan_effect(self, address: Address, effect: SetPlan | ReminderReply) -> None:
        """Applies one of a step's reminder effects (dialogs.ports.PLAN_EFFECTS) in the open turn."""
        if isinstance(effect, SetPlan):
            self.set_plan(address, effect.plan, effect.now)
        elif effect.answer is not None:
            self.answer_followup(address, effect.reminder_id, effect.answer, effect.next_due)
        elif effect.snooze_until is not None:
            self.snooze(address, effect.reminder_id, effect.snooze_until)

    def snooze(self, address: Address, reminder_id: int, due: datetime) -> bool:
        with turns.using(self.engine, write=True) as session:
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


