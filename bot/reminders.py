"""The reminder dispatcher: one APScheduler interval job that sends what the database says is due.

Every tick it re-queues claims left by a process that died, makes sure club
runs have their next posts scheduled, claims due rows atomically, decides for
each (send, wait out quiet hours, or skip: runner gone, blocked, paused,
already checked in, opted out, too late), delivers through the Sender for the
recipient's platform, and records the outcome. Reminder texts come from
dialogs/reminders/texts.py; the weekly digest and club summary are composed by dialogs.digest
from the runs of their week (skipped when there is nothing to report). Sends
stream across batches with up to `concurrency` in flight, so a big burst keeps
the platform's rate limiter busy. The clock is injected so tests control it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from bot.outbound import Delivery, Sender
from dialogs import coaching, digest, timezones
from dialogs.clock import utcnow
from dialogs.reminders import schedule, texts
from dialogs.messages import Reply
from storage import reminders as queue
from storage.repository import SqlStore

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Outcome = tuple[str, object, "str | None"]  # ("finish", state, note) or ("release", until, note)
JOB_ID = "reminders"
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
NO_SENDER_RETRY = timedelta(minutes=10)
PURGE_AFTER = timedelta(days=30)
WEEKLY_HISTORY = timedelta(weeks=13)  # runs read for a digest: the chart's 12 weeks and the week before them


@dataclass(frozen=True)
class Decision:
    action: str  # send | skip | wait
    note: str = ""
    until: datetime | None = None


def decide(due: queue.Due, now: datetime) -> Decision:
    """Chooses what to do with a claimed reminder at `now`."""
    if due.address is None:
        return Decision("skip", "recipient gone")
    if not due.active:
        return Decision("skip", "inactive")
    if due.paused:
        return Decision("skip", "paused")
    if not due.opted_in:
        return Decision("skip", "opted out")
    if due.checked_in:
        return Decision("skip", "checked in")
    if now >= due.expires_at:
        return Decision("skip", f"late by {now - due.due_at}")
    placed = schedule.place(now, due.expires_at, due.zone, *due.quiet)
    if placed is None:
        return Decision("skip", "quiet hours")
    if placed > now:
        return Decision("wait", "quiet hours", placed)
    return Decision("send")


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
        self.store = store if store is not None else SqlStore(database)  # marks blocked runners, reads runs for digests
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
            await asyncio.to_thread(queue.requeue_stale, self.database, now, self.claim_timeout)
            await asyncio.to_thread(queue.sync_club_runs, self.database, now)
            if self._last_purge is None or now - self._last_purge > timedelta(hours=1):
                await asyncio.to_thread(queue.purge_finished, self.database, now - PURGE_AFTER)
                self._last_purge = now
        except Exception:
            logger.exception("reminder housekeeping failed")
        # One stream of sends across batches: the next batch is claimed while the last half of
        # this one still waits for the rate limiter, and outcomes are recorded as they come in,
        # so the sender never idles at a chunk or batch boundary.
        outcomes: dict[str, list[tuple[queue.Due, Outcome]]] = {}
        recording = asyncio.Lock()
        sent = 0

        async def record() -> None:
            nonlocal sent
            async with recording:
                taken = {token: rows for token, rows in outcomes.items() if rows}
                outcomes.clear()
                for token, rows in taken.items():
                    sent += await self._record(rows, token, now)
                    for _ in rows:
                        unrecorded.release()

        # A permit per reminder from before its send until its outcome is committed: a crash can
        # re-send at most `chunk` reminders, however the sends and the recording interleave.
        unrecorded = asyncio.Semaphore(self.chunk)

        async def deliver(due: queue.Due, token: str) -> None:
            await unrecorded.acquire()
            try:
                outcome = await self._handle(due, now)
            except Exception:
                logger.exception("reminder %s crashed", due.reminder_id)
                outcome = ("release", now + RETRY_AFTER[0], "crashed")
            outcomes.setdefault(token, []).append((due, outcome))
            if sum(len(rows) for rows in outcomes.values()) >= self.chunk:
                await record()

        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                token = uuid.uuid4().hex
                claimed = await asyncio.to_thread(queue.claim_due, self.database, now, token, self.batch)
                for due in claimed:
                    task = asyncio.create_task(deliver(due, token))
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

    async def _record(self, rows: list[tuple[queue.Due, Outcome]], token: str, now: datetime) -> int:
        """Records outcomes of one claim in one transaction (releases one by one); returns how many were sent."""
        finished: list[tuple[int, str, str | None]] = []
        released: list[tuple[int, datetime, str | None]] = []
        for due, (action, value, note) in rows:
            if action == "release":
                released.append((due.reminder_id, value, note))  # type: ignore[arg-type]
            else:
                finished.append((due.reminder_id, value, note))  # type: ignore[arg-type]
        await asyncio.to_thread(queue.finish_many, self.database, token, finished, self.clock())
        for reminder_id, until, note in released:
            await asyncio.to_thread(queue.release, self.database, reminder_id, token, until, note)
        return sum(1 for _, state, _ in finished if state == queue.SENT)

    async def _handle(self, due: queue.Due, now: datetime) -> Outcome:
        """Decides and delivers one reminder; returns ("finish", state, note) or ("release", until, note)."""
        decision = decide(due, now)
        if decision.action == "skip":
            return ("finish", queue.SKIPPED, decision.note)
        if decision.action == "wait":
            return ("release", decision.until, decision.note)
        assert due.address is not None
        sender = self.senders.get(due.address.platform)
        if sender is None:
            logger.warning("no sender for %s; reminder %s waits", due.address.platform, due.reminder_id)
            return ("release", now + NO_SENDER_RETRY, "no sender")
        if due.kind in (queue.DIGEST, queue.CLUB_SUMMARY):
            replies = await asyncio.to_thread(self._weekly, due)
            if not replies:
                return ("finish", queue.SKIPPED, "nothing to report")
        else:
            lines = await asyncio.to_thread(self._coaching, due, now) if due.kind == "warmup" else ()
            replies = [
                texts.reminder_reply(
                    due.kind,
                    due.reminder_id,
                    local_time=f"{timezones.local(due.run_at, due.zone):%H:%M}" if due.run_at else "",
                    stage=due.stage,
                    seed=due.seed,
                    place_name=due.place_name,
                    coaching_lines=lines,
                )
            ]
        async with self._limit:
            try:
                delivery = await sender.send(due.address, replies)
            except Exception:
                logger.exception("sending reminder %s failed", due.reminder_id)
                delivery = Delivery.FAILED
        if delivery is Delivery.SENT:
            return ("finish", queue.SENT, None)
        if delivery is Delivery.AWAY:
            return ("release", now + RETRY_AFTER[0], "recipient away")
        if delivery is Delivery.BLOCKED:
            await asyncio.to_thread(self._mark_blocked, due)
            return ("finish", queue.SKIPPED, "blocked")
        if due.attempts >= queue.MAX_ATTEMPTS:
            return ("finish", queue.SKIPPED, "failed")
        return ("release", now + RETRY_AFTER[min(due.attempts, len(RETRY_AFTER)) - 1], "send failed")

    def _weekly(self, due: queue.Due) -> list[Reply]:
        """Composes a weekly digest or club summary for the week of its Sunday (no replies: nothing to say)."""
        week_of = due.run_at or due.due_at
        if due.kind == queue.CLUB_SUMMARY:
            member_runs = self.store.club_member_runs(due.club_id, week_of - timedelta(days=8))  # type: ignore[arg-type]
            summary = digest.club_summary(member_runs, week_of, due.zone)
            return [summary] if summary is not None else []
        found = self.store.coach_inputs(due.runner_id, week_of - WEEKLY_HISTORY)  # type: ignore[arg-type]
        if found is None:
            return []
        profile, runs, events = found
        return digest.weekly_digest(runs, profile, week_of, events=events)

    def _coaching(self, due: queue.Due, now: datetime) -> tuple[str, ...]:
        """The next-run lines under a warm-up (dialogs.coaching); a failure costs only those lines."""
        try:
            found = self.store.coach_inputs(due.runner_id, now - coaching.HISTORY)  # type: ignore[arg-type]
            if found is None:
                return ()
            profile, runs, events = found
            return tuple(coaching.next_run_lines(profile.units, runs, events, now))
        except Exception:
            logger.exception("coaching lines for reminder %s failed", due.reminder_id)
            return ()

    def _mark_blocked(self, due: queue.Due) -> None:
        address = due.address
        assert address is not None
        logger.info("%s recipient blocked us; marking inactive", address.platform)
        if due.kind.startswith("club_"):
            queue.set_club_active(self.database, address.platform, address.chat_id, False)
        else:
            self.store.set_active(address.platform, address.user_id, False)
