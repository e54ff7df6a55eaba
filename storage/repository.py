"""SqlStore: the SQLModel implementation of dialogs.ports.Store."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from dialogs.messages import Address, ChatKind
from dialogs.models import Profile, RunRecord
from dialogs.ports import Change, ClubRunInfo, Conversation, Forget, NewRun, Snapshot
from storage import coaching, reminders
from storage.tables import (
    Club,
    ClubMember,
    ClubRun,
    ConversationState,
    PainReport,
    Run,
    Runner,
    TriageRecord,
    utcnow,
)

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("name", "timezone", "units", "frequency", "usual_surface", "back_history", "onboarded", "digest")


def _utc(moment: datetime | str | None) -> datetime | None:
    """Returns an ISO string or a datetime as aware UTC (SQLite hands back naive UTC)."""
    if not moment:
        return None
    moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _json_row(row: Any) -> dict[str, Any]:
    """A table row as JSON-ready values: times as ISO 8601 UTC, JSON columns as they are."""
    return {key: (_utc(value).isoformat() if isinstance(value, datetime) else value) for key, value in row.items()}  # type: ignore[union-attr]


def _profile_of(runner: Runner) -> Profile:
    return Profile(**{f: getattr(runner, f) for f in PROFILE_FIELDS})


class SqlStore(reminders.ReminderStore, coaching.CoachingStore):
    """Reads and writes runners, their conversations and runs through SQLModel."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _runner(self, session: Session, address: Address) -> Runner | None:
        query = select(Runner).where(Runner.platform == address.platform, Runner.user_id == address.user_id)
        return session.exec(query).first()

    def _conversation_row(self, session: Session, runner_id: int, chat_id: str) -> ConversationState | None:
        query = select(ConversationState).where(
            ConversationState.runner_id == runner_id, ConversationState.chat_id == chat_id
        )
        return session.exec(query).first()

    def load(self, address: Address) -> Snapshot:
        """Reads the runner and this chat's conversation in one query, as plain rows."""
        runners, conversations = Runner.__table__, ConversationState.__table__  # type: ignore[attr-defined]
        joined = runners.outerjoin(
            conversations,
            and_(conversations.c.runner_id == runners.c.id, conversations.c.chat_id == address.chat_id),
        )
        query = (
            select(runners, conversations.c.state, conversations.c.data, conversations.c.question)
            .select_from(joined)
            .where(runners.c.platform == address.platform, runners.c.user_id == address.user_id)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            return Snapshot(profile=None, conversation=Conversation())
        conversation = (
            Conversation(state=row["state"], data=dict(row["data"] or {}), question=row["question"])
            if row["state"] is not None
            else Conversation()
        )
        profile = Profile(**{name: row[name] for name in PROFILE_FIELDS})
        return Snapshot(profile=profile, conversation=conversation, active=row["active"])

    def save(self, address: Address, change: Change) -> None:
        if self._save_conversation_only(address, change):
            return
        with Session(self.engine) as session, session.begin():
            runner = self._runner(session, address)
            if any(isinstance(e, Forget) for e in change.effects):
                if runner is not None:
                    self._delete_runner(session, runner.id)  # type: ignore[arg-type]
                return
            if runner is None:
                runner = Runner(platform=address.platform, user_id=address.user_id, chat_id=address.chat_id)
                session.add(runner)
                session.flush()
            if address.chat_kind is ChatKind.PRIVATE:
                runner.chat_id = address.chat_id
            runner.active = True
            old_zone, old_digest = runner.timezone, runner.digest
            if change.profile is not None:
                for name in PROFILE_FIELDS:
                    setattr(runner, name, getattr(change.profile, name))
            runner.updated_at = utcnow()
            if runner.timezone != old_zone:
                reminders.replan(session, runner.id, runner.timezone, utcnow())  # type: ignore[arg-type]
            if old_digest and not runner.digest:
                reminders.cancel_digest(session, runner.id)  # type: ignore[arg-type]
            elif runner.digest and not old_digest and runner.onboarded:
                reminders.schedule_digest(session, runner.id, runner.timezone, utcnow())  # type: ignore[arg-type]
            for effect in change.effects:
                if isinstance(effect, NewRun):
                    self._add_run(session, runner.id, effect)  # type: ignore[arg-type]
                    reminders.on_new_run(
                        session, runner, effect.logged_at, bool(effect.checkin.has_pain), effect.result.tier.value,
                        run_at=_utc(effect.checkin.started_at),
                    )
                elif isinstance(effect, coaching.EFFECTS):
                    coaching.apply(session, runner.id, effect)  # type: ignore[arg-type]
            row = self._conversation_row(session, runner.id, address.chat_id)  # type: ignore[arg-type]
            if row is None:
                row = ConversationState(runner_id=runner.id, chat_id=address.chat_id)  # type: ignore[arg-type]
                session.add(row)
            row.state = change.conversation.state
            row.data = dict(change.conversation.data)
            row.question = change.conversation.question
            row.updated_at = utcnow()

    def _save_conversation_only(self, address: Address, change: Change) -> bool:
        """Writes just the conversation row when nothing else changed (most turns).

        Returns False, having written nothing, when the full path is needed: a new
        runner or chat, a profile change, an effect, or a runner marked inactive.
        """
        if change.profile is not None or change.effects:
            return False
        runners, conversations = Runner.__table__, ConversationState.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as connection:
            runner = connection.execute(
                select(runners.c.id, runners.c.active, runners.c.chat_id).where(
                    runners.c.platform == address.platform, runners.c.user_id == address.user_id
                )
            ).first()
            if runner is None or not runner.active:
                return False
            if address.chat_kind is ChatKind.PRIVATE and runner.chat_id != address.chat_id:
                return False
            updated = connection.execute(
                update(conversations)
                .where(conversations.c.runner_id == runner.id, conversations.c.chat_id == address.chat_id)
                .values(
                    state=change.conversation.state,
                    data=dict(change.conversation.data),
                    question=change.conversation.question,
                    updated_at=utcnow(),
                )
            )
            return updated.rowcount == 1

    def _add_run(self, session: Session, runner_id: int, effect: NewRun) -> None:
        c = effect.checkin
        run = Run(
            runner_id=runner_id,
            logged_at=effect.logged_at,
            distance_km=c.distance_km,
            duration_min=c.duration_min,
            surface=c.surface,
            effort=c.effort,
            effort_score=c.effort_score,
            started_at=_utc(c.started_at),
            source=c.source,
        )
        session.add(run)
        session.flush()
        if c.has_pain:
            session.add(
                PainReport(
                    runner_id=runner_id,
                    run_id=run.id,  # type: ignore[arg-type]
                    score=c.pain_score,
                    places=list(c.pain_where),
                    kinds=list(c.pain_kind),
                    since_days=c.pain_since_days,
                    trend=c.pain_trend,
                    eases_with_warmup=c.eases_with_warmup,
                    every_run=c.every_run,
                    signs=list(c.signs),
                )
            )
        session.add(
            TriageRecord(
                runner_id=runner_id,
                run_id=run.id,  # type: ignore[arg-type]
                tier=effect.result.tier.value,
                rules=list(effect.result.rules),
                created_at=effect.logged_at,
            )
        )

    def _delete_runner(self, session: Session, runner_id: int) -> None:
        """Deletes the runner's rows from every table that has a runner_id, then the runner."""
        for table in reversed(SQLModel.metadata.sorted_tables):
            if "runner_id" in table.c:
                session.execute(delete(table).where(table.c.runner_id == runner_id))
        session.execute(delete(Runner).where(Runner.id == runner_id))  # type: ignore[arg-type]
        logger.info("runner %s forgotten", runner_id)

    def _runs(self, session: Session, runner_id: int, limit: int | None, since: datetime | None = None) -> list[RunRecord]:
        query = (
            select(Run, PainReport, TriageRecord)
            .join(PainReport, PainReport.run_id == Run.id, isouter=True)  # type: ignore[arg-type]
            .join(TriageRecord, TriageRecord.run_id == Run.id, isouter=True)  # type: ignore[arg-type]
            .where(Run.runner_id == runner_id)
            .order_by(Run.logged_at.desc(), Run.id.desc())  # type: ignore[union-attr,attr-defined]
        )
        if since is not None:
            query = query.where(Run.logged_at >= since)  # type: ignore[operator]
        if limit:
            query = query.limit(limit)
        records = []
        for run, pain, tri in session.exec(query).all():
            records.append(
                RunRecord(
                    run_id=run.id,  # type: ignore[arg-type]
                    logged_at=run.logged_at,
                    distance_km=run.distance_km,
                    duration_min=run.duration_min,
                    surface=run.surface,
                    effort=run.effort,
                    pain_score=pain.score if pain else None,
                    pain_where=tuple(pain.places) if pain else (),
                    pain_kind=tuple(pain.kinds) if pain else (),
                    tier=tri.tier if tri else None,
                    signs=tuple(pain.signs) if pain else (),
                    started_at=_utc(run.started_at),
                )
            )
        return records

    def recent_runs(self, address: Address, limit: int = 10) -> list[RunRecord]:
        with Session(self.engine) as session:
            runner = self._runner(session, address)
            return self._runs(session, runner.id, limit) if runner else []  # type: ignore[arg-type]

    def export_rows(self, address: Address) -> list[dict[str, Any]]:
        """Returns one row per run with its pain report and triage, oldest first."""
        return [r.export_row() for r in reversed(self.recent_runs(address, limit=0))]

    def export_all(self, address: Address) -> dict[str, Any]:
        """Returns every stored row about the runner, table by table, as JSON-ready values.

        Walks the same tables /forget deletes from (every table with a runner_id, and the
        runner row), so a table added later is exported without a change here. Empty when
        nothing is stored about them.
        """
        with Session(self.engine) as session:
            runner = self._runner(session, address)
            if runner is None:
                return {}
            runner_table = Runner.__table__  # type: ignore[attr-defined]
            about: dict[str, Any] = {
                "runner": _json_row(session.execute(select(runner_table).where(runner_table.c.id == runner.id)).mappings().one())
            }
            for table in SQLModel.metadata.sorted_tables:
                if "runner_id" in table.c:
                    query = select(table).where(table.c.runner_id == runner.id).order_by(*table.primary_key.columns)
                    about[table.name] = [_json_row(row) for row in session.execute(query).mappings()]
            return about

    def set_active(self, platform: str, user_id: str, active: bool) -> None:
        """Marks a runner reachable or not (e.g. after the platform says they blocked us)."""
        with Session(self.engine) as session, session.begin():
            runner = session.exec(
                select(Runner).where(Runner.platform == platform, Runner.user_id == user_id)
            ).first()
            if runner is not None:
                runner.active = active

    # What the weekly digest and club summary are made of (read by the reminder dispatcher).

    def digest_inputs(self, runner_id: int, since: datetime) -> tuple[Profile, list[RunRecord]] | None:
        """Returns the runner's profile and the runs logged since `since`; None if the runner is gone."""
        with Session(self.engine) as session:
            runner = session.get(Runner, runner_id)
            if runner is None:
                return None
            return _profile_of(runner), self._runs(session, runner_id, None, since)

    def club_member_runs(self, club_id: int, since: datetime) -> dict[str, list[RunRecord]]:
        """Returns each member's runs logged since `since`, keyed by an opaque member key (never shown)."""
        with Session(self.engine) as session:
            members = session.exec(select(ClubMember.runner_id).where(ClubMember.club_id == club_id)).all()
            return {str(runner_id): self._runs(session, runner_id, None, since) for runner_id in members}

    # Clubs: group chats and their weekly runs.

    def note_club_member(self, address: Address) -> None:
        """Records that the runner used a command in this group (only a runner we already know)."""
        with Session(self.engine) as session, session.begin():
            runner = self._runner(session, address)
            if runner is None:
                return
            club = self._club(session, address.platform, address.chat_id, create=True)
            query = select(ClubMember).where(ClubMember.club_id == club.id, ClubMember.runner_id == runner.id)  # type: ignore[union-attr]
            member = session.exec(query).first()
            if member is None:
                session.add(ClubMember(club_id=club.id, runner_id=runner.id))  # type: ignore[union-attr,arg-type]
            else:
                member.seen_at = utcnow()

    def club_summary_on(self, platform: str, chat_id: str) -> bool:
        with Session(self.engine) as session:
            club = self._club(session, platform, chat_id)
            return bool(club and club.summary)

    def set_club_summary(self, platform: str, chat_id: str, on: bool) -> None:
        """Turns the weekly anonymous summary on or off; off drops the one already scheduled."""
        with Session(self.engine) as session, session.begin():
            club = self._club(session, platform, chat_id, create=True)
            club.summary = on  # type: ignore[union-attr]
            if not on:
                session.execute(
                    delete(reminders.Reminder).where(
                        reminders.Reminder.club_id == club.id,  # type: ignore[union-attr,arg-type]
                        reminders.Reminder.kind == reminders.CLUB_SUMMARY,  # type: ignore[arg-type]
                        reminders.Reminder.state == reminders.PENDING,  # type: ignore[arg-type]
                    )
                )

    def _club(self, session: Session, platform: str, chat_id: str, create: bool = False) -> Club | None:
        club = session.exec(select(Club).where(Club.platform == platform, Club.chat_id == chat_id)).first()
        if club is None and create:
            club = Club(platform=platform, chat_id=chat_id)
            session.add(club)
            session.flush()
        return club

    def club_runs(self, platform: str, chat_id: str) -> list[ClubRunInfo]:
        with Session(self.engine) as session:
            club = self._club(session, platform, chat_id)
            if club is None:
                return []
            query = select(ClubRun).where(ClubRun.club_id == club.id).order_by(ClubRun.weekday, ClubRun.time)
            return [ClubRunInfo(r.id, r.weekday, r.time, r.place) for r in session.exec(query)]  # type: ignore[arg-type]

    def club_timezone(self, platform: str, chat_id: str) -> str:
        with Session(self.engine) as session:
            club = self._club(session, platform, chat_id)
            return club.timezone if club else "UTC"

    def set_club_timezone(self, platform: str, chat_id: str, zone: str) -> None:
        with Session(self.engine) as session, session.begin():
            self._club(session, platform, chat_id, create=True).timezone = zone  # type: ignore[union-attr]

    def add_club_run(self, platform: str, chat_id: str, run: ClubRunInfo) -> None:
        with Session(self.engine) as session, session.begin():
            club = self._club(session, platform, chat_id, create=True)
            session.add(ClubRun(club_id=club.id, weekday=run.weekday, time=run.time, place=run.place))  # type: ignore[union-attr,arg-type]

    def remove_club_run(self, platform: str, chat_id: str, run_id: int) -> None:
        with Session(self.engine) as session, session.begin():
            club = self._club(session, platform, chat_id)
            if club is not None:
                session.execute(delete(ClubRun).where(ClubRun.id == run_id, ClubRun.club_id == club.id))  # type: ignore[arg-type]

    def set_club_active(self, platform: str, chat_id: str, active: bool, title: str | None = None) -> None:
        """Records the coach being added to (or removed from) a group; settings are kept either way."""
        with Session(self.engine) as session, session.begin():
            club = self._club(session, platform, chat_id, create=True)
            club.active = active  # type: ignore[union-attr]
            if title:
                club.title = title  # type: ignore[union-attr]

    def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """Moves a club to its new chat id (a Telegram group upgraded to a supergroup)."""
        with Session(self.engine) as session, session.begin():
            club = self._club(session, platform, old_chat_id)
            if club is not None and self._club(session, platform, new_chat_id) is None:
                club.chat_id = new_chat_id
