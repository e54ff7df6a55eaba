"""The reminder dispatcher: one APScheduler interval job that sends what the database says is due.

A due reminder's route, each tick: storage.queue claims due rows atomically
(after re-queueing claims left by a process that died, and keeping club posts
scheduled: storage.occurrences reads the clubs, dialogs.reminders.schedule
names the posts); dialogs.reminders.dispatch decides each one (send, wait out
quiet hours, or skip: recipient gone, blocked, paused, already checked in,
opted out, too late) and composes it, with the coach's next-run lines under a
warm-up (read for the whole claimed batch in one go) or the week's runs for a
digest or club summary; the Sender for the recipient's platform delivers it;
storage.queue records the outcome. Sends stream across batches with up to
`concurrency` in flight, so a big burst keeps the platform's rate limiter busy.
The clock is injected so tests control it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from bot.outbound import Delivery, Sender
from dialogs import coaching
from dialogs.clock import utcnow
from dialogs.messages import Reply
from dialogs.reminders import dispatch, schedule
from dialogs.reminders.dispatch import CoachInputs, Decision, Due
from storage import coaching as coach_reads
from storage import occurrences, queue
from storage.repository import SqlStore

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
JOB_ID = "reminders"
PURGE_AFTER = timedelta(days=30)


class Dispatcher:
    """Claims due reminders from the database and delivers them."""

    def __init__(
        self,
        database: Engine,
        senders: Mapping[str, Sender],
        clock: Clock = utcnow,
        *,
        store: SqlStore | None = None,
        interval: float = 30.0,
        batch: int = 500,
        concurrency: int = 32,
        claim_timeout: timedelta = timedelta(minutes=10),
    ) -> None:
        self.database = database
        self.senders = dict(senders)
        self.clock = clock
        self.store = store if store is not None else SqlStore(database)  # reads the runs of a digest or club summary
        self.interval = interval
        self.batch = batch
        self.claim_timeout = claim_timeout
        self._limit = asyncio.Semaphore(concurrency)
        self.chunk = concurrency * 2  # outcomes are recorded every chunk: a crash re-sends at most this many more
        self.scheduler: AsyncIOScheduler | None = None
        self._last_purge: datetime | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    # ---------------------------------------------------------------- scheduler wiring

    async def start(self) -> None:
        """Starts the one interval job on the running event loop (first tick right away)."""
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)
        self.scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.interval),
            id=JOB_ID,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=datetime.now(timezone.utc),
        )
        self.scheduler.start()
        logger.info("reminder dispatcher started (every %ss)", self.interval)

    async def stop(self, grace: float = 10.0) -> None:
        """Stops the clock, lets a tick in flight finish (up to `grace` s), then shuts the scheduler down.

        A tick still running after that is cancelled; its claims re-queue after the claim timeout.
        """
        if self.scheduler is not None:
            self.scheduler.pause()
            try:
                await asyncio.wait_for(self._idle.wait(), grace)
            except asyncio.TimeoutError:
                logger.warning("reminder tick still running at shutdown; cancelling it")
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
            logger.info("reminder dispatcher stopped")

    # ---------------------------------------------------------------- one tick

    async def tick(self) -> int:
        """Sends everything due now; returns how many reminders were delivered."""
        self._idle.clear()
        try:
            return await self._tick()
        finally:
            self._idle.set()

    async def _tick(self) -> int:
        now = self.clock()
        try:
            await asyncio.to_thread(self._housekeeping, now)
        except Exception:
            logger.exception("reminder housekeeping failed")
        # One stream of sends across batches: the next batch is claimed while the last half of
        # this one still waits for the rate limiter, and outcomes are recorded as they come in,
        # so the sender never idles at a chunk or batch boundary.
        outcomes: dict[str, list[tuple[Due, Decision]]] = {}
        recording = asyncio.Lock()
        sent = 0

        async def record() -> None:
            nonlocal sent
            async with recording:
                taken = {token: rows for token, rows in outcomes.items() if rows}
                outcomes.clear()
                for token, rows in taken.items():
                    sent += await self._record(rows, token)
                    for _ in rows:
                        unrecorded.release()

        # A permit per reminder from before its send until its outcome is committed: a crash can
        # re-send at most `chunk` reminders, however the sends and the recording interleave.
        unrecorded = asyncio.Semaphore(self.chunk)

        async def deliver(due: Due, token: str, inputs: dict[int, CoachInputs]) -> None:
            await unrecorded.acquire()
            try:
                outcome = await self._handle(due, now, inputs)
            except Exception:
                logger.exception("reminder %s crashed", due.reminder_id)
                outcome = dispatch.crashed(now)
            outcomes.setdefault(token, []).append((due, outcome))
            if sum(len(rows) for rows in outcomes.values()) >= self.chunk:
                await record()

        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                token = uuid.uuid4().hex
                claimed = await asyncio.to_thread(queue.claim_due, self.database, now, token, self.batch)
                inputs = await asyncio.to_thread(self._coach_inputs, claimed, now)
                for due in claimed:
                    task = asyncio.create_task(deliver(due, token, inputs))
                    running.add(task)
                    task.add_done_callback(running.discard)
                if len(claimed) < self.batch:
                    break
                while len(running) > self.batch // 2:
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            if running:
                await asyncio.gather(*running)
        finally:
            for task in running:  # only after an error: their claims re-queue after the claim timeout
                task.cancel()
            await record()
        return sent

    def _housekeeping(self, now: datetime) -> None:
        """Re-queues dead claims, keeps every club's next posts scheduled, and purges old rows hourly."""
        queue.requeue_stale(self.database, now, self.claim_timeout)
        slots, summaries = occurrences.club_slots(self.database)
        occurrences.insert_missing(self.database, schedule.club_posts(slots, summaries, now), now)
        if self._last_purge is None or now - self._last_purge > timedelta(hours=1):
            queue.purge_finished(self.database, now - PURGE_AFTER)
            self._last_purge = now

    def _coach_inputs(self, claimed: list[Due], now: datetime) -> dict[int, CoachInputs]:
        """What the warm-ups of a claimed batch say about the next run, read for all their runners at once."""
        wanted = [due.runner_id for due in claimed if dispatch.wants_coaching(due) and dispatch.decide(due, now).action == dispatch.SEND]
        try:
            return coach_reads.coach_inputs_of(self.database, wanted, now - coaching.HISTORY)  # type: ignore[arg-type]
        except Exception:
            logger.exception("coaching lines for %d warm-ups failed", len(wanted))
            return {}

    async def _record(self, rows: list[tuple[Due, Decision]], token: str) -> int:
        """Records outcomes of one claim in one transaction (releases one by one); returns how many were sent."""
        finished: list[tuple[int, str, str | None]] = []
        released: list[tuple[int, datetime, str | None]] = []
        for due, outcome in rows:
            if outcome.action == dispatch.WAIT:
                released.append((due.reminder_id, outcome.until, outcome.note))  # type: ignore[arg-type]
            else:
                state = queue.SENT if outcome.action == dispatch.SENT else queue.SKIPPED
                finished.append((due.reminder_id, state, outcome.note))
        await asyncio.to_thread(queue.finish_many, self.database, token, finished, self.clock())
        for reminder_id, until, note in released:
            await asyncio.to_thread(queue.release, self.database, reminder_id, token, until, note)
        return sum(1 for _, state, _ in finished if state == queue.SENT)

    async def _handle(self, due: Due, now: datetime, inputs: dict[int, CoachInputs]) -> Decision:
        """Decides, composes and delivers one reminder; returns the outcome to record."""
        decision = dispatch.decide(due, now)
        if decision.action != dispatch.SEND:
            return decision
        assert due.address is not None
        sender = self.senders.get(due.address.platform)
        if sender is None:
            logger.warning("no sender for %s; reminder %s waits", due.address.platform, due.reminder_id)
            return dispatch.no_sender(now)
        if due.kind in dispatch.WEEKLY_KINDS:
            replies = await asyncio.to_thread(self._weekly, due)
            if not replies:
                return Decision(dispatch.SKIP, "nothing to report")
        else:
            lines = dispatch.coaching_lines(due, inputs.get(due.runner_id), now) if dispatch.wants_coaching(due) else ()  # type: ignore[arg-type]
            replies = dispatch.reminder_replies(due, lines)
        async with self._limit:
            try:
                delivery = await sender.send(due.address, replies)
            except Exception:
                logger.exception("sending reminder %s failed", due.reminder_id)
                delivery = Delivery.FAILED
        outcome = dispatch.after_send(due, delivery.value, now)
        if outcome.unreachable:
            logger.info("%s recipient blocked us; marking inactive", due.address.platform)
            await asyncio.to_thread(queue.mark_unreachable, self.database, due.runner_id, due.club_id)
        return outcome

    def _weekly(self, due: Due) -> list[Reply]:
        """Reads the week's runs of a weekly digest or club summary and composes it (no replies: nothing to say)."""
        week_of = dispatch.week_of(due)
        if due.kind == schedule.CLUB_SUMMARY:
            member_runs = self.store.club_member_runs(due.club_id, week_of - dispatch.CLUB_WEEK)  # type: ignore[arg-type]
            return dispatch.club_summary_replies(due, member_runs)
        found = self.store.coach_inputs(due.runner_id, week_of - dispatch.WEEKLY_HISTORY)  # type: ignore[arg-type]
        return dispatch.digest_replies(due, found)
