"""SqlStore: the SQLModel implementation of dialogs.ports.Store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, select

from dialogs.messages import Address, ChatKind
from dialogs.models import Profile, RunRecord
from dialogs.ports import PLAN_EFFECTS, ClubChange, Change, Conversation, Effect, Forget, NewRun, Snapshot
from dialogs.ports import PLATFORM_EFFECTS, ChatMigrated, ClubActive
from storage import coaching, occurrences, rows, turns
from storage.rows import as_utc as _utc
from storage.clubs import ClubStore
from storage.plans import ReminderStore
from storage.database import TURN_OPTION, checkpoint
from storage.tables import (
    ClubMember,
    ConversationState,
    PainReport,
    Run,
    Runner,
    TriageRecord,
    utcnow,
)
from storage.turns import Loaded, StaleTurn

__all__ = ["SqlStore", "StaleTurn"]

logger = logging.getLogger(__name__)

PROFILE_FIELDS = (
    "name", "timezone", "units", "frequency", "usual_surface", "back_history", "onboarded", "digest",
    "age_band", "risks", "risks_asked", "country",
)


def _json_row(row: Any) -> dict[str, Any]:
    """A table row as JSON-ready values: times as ISO 8601 UTC, JSON columns as they are."""
    return {key: (_utc(value).isoformat() if isinstance(value, datetime) else value) for key, value in row.items()}  # type: ignore[union-attr]


def _strip_nul(value: Any) -> Any:
    """Drops NUL characters from every string in the value (PostgreSQL text cannot hold them)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_strip_nul(k): _strip_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_strip_nul(v) for v in value)
    return value


def _without_nul(change: Change) -> Change:
    """The change with NULs taken out of the profile and the conversation data."""
    profile = change.profile
    if profile is not None:
        profile = replace(profile, **{f: _strip_nul(getattr(profile, f)) for f in PROFILE_FIELDS})
    conversation = replace(change.conversation, data=_strip_nul(change.conversation.data))
    return replace(change, conversation=conversation, profile=profile)


_runner_t, _conv = Runner.__table__, ConversationState.__table__  # type: ignore[attr-defined]
# The turn's load and save, built once: a turn only binds its values.
_LOAD = (
    select(
        _runner_t, _conv.c.id.label("conversation_id"), _conv.c.state, _conv.c.data, _conv.c.question, _conv.c.version
    )
    .select_from(
        _runner_t.outerjoin(_conv, and_(_conv.c.runner_id == _runner_t.c.id, _conv.c.chat_id == bindparam("chat_id")))
    )
    .where(_runner_t.c.platform == bindparam("platform"), _runner_t.c.user_id == bindparam("user_id"))
)
_SAVE = (
    update(_conv)
    .where(_conv.c.id == bindparam("cid"))
    .values(
        state=bindparam("state"), data=bindparam("data", type_=_conv.c.data.type), question=bindparam("question"),
        version=_conv.c.version + 1, updated_at=bindparam("updated_at", type_=_conv.c.updated_at.type),
    )
)
_SAVE_CHECKED = _SAVE.where(_conv.c.version == bindparam("loaded_version"))
# A logged run's three rows (a check-in's last turn).
_INSERT_RUN = insert(Run.__table__)  # type: ignore[attr-defined]
_INSERT_PAIN = insert(PainReport.__table__)  # type: ignore[attr-defined]
_INSERT_TRIAGE = insert(TriageRecord.__table__)  # type: ignore[attr-defined]


def _profile_of(runner: Runner) -> Profile:
    return Profile(**{f: getattr(runner, f) for f in PROFILE_FIELDS})


class SqlStore(ClubStore, ReminderStore, coaching.CoachingStore):
    """Reads and writes runners, their conversations and runs through SQLModel."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._turn_engine = engine.execution_options(**{TURN_OPTION: True})
        self.waits_on_network = engine.dialect.name != "sqlite"

    def _runner(self, session: Session, address: Address) -> Runner | None:
        return rows.runner_of(session, address)

    def _runner_id(self, session: Session, address: Address) -> int | None:
        """The runner's id: from the open turn when it loaded one, else one query."""
        return rows.runner_id_of(session, address)

    def _conversation_row(self, session: Session, runner_id: int, chat_id: str) -> ConversationState | None:
        query = select(ConversationState).where(
            ConversationState.runner_id == runner_id, ConversationState.chat_id == chat_id
        )
        return session.exec(query).first()

    @contextmanager
    def turn(self, address: Address) -> Iterator[Snapshot]:
        """Holds the runner's lock from load to save; every store call inside shares its transaction."""
        with turns.opened(self._turn_engine, address) as turn:
            snapshot, turn.loaded = self._load(turn.connection, address)
            yield snapshot
        if turn.forgot:
            checkpoint(self.engine)

    def load(self, address: Address) -> Snapshot:
        """Reads the runner and this chat's conversation (outside a turn: no lock)."""
        with self.engine.connect() as connection:
            return self._load(connection, address)[0]

    def _load(self, connection: Connection, address: Address) -> tuple[Snapshot, Loaded]:
        """Reads the runner and this chat's conversation in one query, as plain rows."""
        keys = {"platform": address.platform, "user_id": address.user_id, "chat_id": address.chat_id}
        row = connection.execute(_LOAD, keys).mappings().first()
        if row is None:
            return Snapshot(profile=None, conversation=Conversation()), Loaded()
        conversation = (
            Conversation(state=row["state"], data=dict(row["data"] or {}), question=row["question"])
            if row["state"] is not None
            else Conversation()
        )
        profile = Profile(**{name: row[name] for name in PROFILE_FIELDS})
        profile.risks = list(profile.risks or [])
        loaded = Loaded(
            runner_id=row["id"],
            active=row["active"],
            chat_id=row["chat_id"],
            conversation_id=row["conversation_id"],
            version=row["version"] or 0,
            conversation=conversation.copy() if row["conversation_id"] is not None else None,
            profile=profile,
        )
        return Snapshot(profile=profile, conversation=conversation, active=row["active"]), loaded

    def save(self, address: Address, change: Change) -> None:
        """Writes what a step changed, atomically; in a turn, only if the conversation is still as loaded."""
        if change.effects and all(isinstance(e, PLATFORM_EFFECTS) for e in change.effects):
            self._record_platform(address, change.effects)
            return
        change = _without_nul(change)
        turn = turns.current(address)
        if turn is None:
            with self.turn(address):  # one transaction under the runner's lock, as the engine's turns have
                self.save(address, change)
            return
        if address.is_group:
            self._apply_club(address, change.effects)
            return
        if self._unchanged(address, change, turn.loaded):
            return  # e.g. /help: nothing to write
        turn.wrote = True
        if self._conversation_only(address, change, turn.loaded):  # most turns: one UPDATE, no ORM session
            self._write_conversation(turn.connection, turn.loaded, change.conversation, check=True)
            return
        turn.forgot = self._apply(turn.session, address, change, turn.loaded, check=True)

    def _apply_club(self, address: Address, effects: list[Effect]) -> None:
        """Applies a group message's club effects; a group message never writes anything about the runner."""
        for effect in effects:
            if not isinstance(effect, ClubChange):
                raise ValueError(f"{type(effect).__name__} cannot come from a group message")
            self.apply_club_change(address.platform, address.chat_id, effect)

    def _record_platform(self, address: Address, effects: list[Effect]) -> None:
        """Applies what happened on the platform (dialogs.ports.PLATFORM_EFFECTS); no conversation is written."""
        for effect in effects:
            if isinstance(effect, ClubActive):
                self.set_club_active(address.platform, address.chat_id, effect.active, title=effect.title or None)
            elif isinstance(effect, ChatMigrated):
                self.migrate_chat(address.platform, address.chat_id, effect.new_chat_id)
            else:  # RunnerBlocked
                self.set_active(address.platform, address.user_id, False)

    @staticmethod
    def _reachable_here(address: Address, loaded: Loaded) -> bool:
        """The runner row already says they are active and reachable in this chat."""
        if loaded.runner_id is None or not loaded.active:
            return False
        return address.chat_kind is not ChatKind.PRIVATE or loaded.chat_id == address.chat_id

    def _unchanged(self, address: Address, change: Change, loaded: Loaded) -> bool:
        return self._conversation_only(address, change, loaded) and change.conversation == loaded.conversation

    def _conversation_only(self, address: Address, change: Change, loaded: Loaded) -> bool:
        """Only the conversation row changes (no profile, no effects, the runner row already right)."""
        return (
            change.profile is None and not change.effects and loaded.conversation_id is not None
            and self._reachable_here(address, loaded)
        )  # fmt: skip

    def _apply(self, session: Session, address: Address, change: Change, loaded: Loaded, check: bool) -> bool:
        """Applies the change in `session`; returns True if the runner was forgotten.

        check: refuse (StaleTurn) if the conversation row's version moved since `loaded`.
        """
        if any(isinstance(e, Forget) for e in change.effects):
            if loaded.runner_id is not None:
                self._delete_runner(session, loaded.runner_id)
            return True
        runner: Runner | None = None
        if loaded.runner_id is None or not self._reachable_here(address, loaded) or change.profile is not None:
            runner = session.get(Runner, loaded.runner_id) if loaded.runner_id is not None else None
            if runner is None:
                runner = Runner(platform=address.platform, user_id=address.user_id, chat_id=address.chat_id)
                session.add(runner)
                session.flush()
            self._update_runner(session, runner, address, change.profile)
        runner_id = runner.id if runner is not None else loaded.runner_id
        profile = _profile_of(runner) if runner is not None else loaded.profile
        for effect in change.effects:
            if isinstance(effect, NewRun):
                self._add_run(session, runner_id, effect)  # type: ignore[arg-type]
                occurrences.on_new_run(
                    session,
                    runner_id,  # type: ignore[arg-type]
                    profile.timezone,  # type: ignore[union-attr]
                    bool(profile.digest and profile.onboarded),  # type: ignore[union-attr]
                    effect.logged_at,
                    bool(effect.checkin.has_pain),
                    effect.result.tier.value,
                    run_at=_utc(effect.checkin.started_at),
                )
            elif isinstance(effect, coaching.EFFECTS):
                coaching.apply(session, runner_id, effect)  # type: ignore[arg-type]
            elif isinstance(effect, PLAN_EFFECTS):
                self.apply_plan_effect(address, effect)
        if loaded.conversation_id is not None:
            self._write_conversation(session.connection(), loaded, change.conversation, check)
        else:
            session.add(
                ConversationState(
                    runner_id=runner_id,  # type: ignore[arg-type]
                    chat_id=address.chat_id,
                    state=change.conversation.state,
                    data=dict(change.conversation.data),
                    question=change.conversation.question,
                )
            )
        session.flush()
        return False

    def _update_runner(self, session: Session, runner: Runner, address: Address, profile: Profile | None) -> None:
        """Marks the runner reachable here and applies a new profile, keeping their reminders in step."""
        if address.chat_kind is ChatKind.PRIVATE:
            runner.chat_id = address.chat_id
        runner.active = True
        old_zone, old_digest = runner.timezone, runner.digest
        if profile is not None:
            for name in PROFILE_FIELDS:
                setattr(runner, name, getattr(profile, name))
        runner.updated_at = utcnow()
        if runner.timezone != old_zone:
            occurrences.replan(session, runner.id, runner.timezone, utcnow())  # type: ignore[arg-type]
        if old_digest and not runner.digest:
            occurrences.cancel_digest(session, runner.id)  # type: ignore[arg-type]
        elif runner.digest and not old_digest and runner.onboarded:
            occurrences.schedule_digest(session, runner.id, runner.timezone, utcnow())  # type: ignore[arg-type]

    def _write_conversation(self, connection: Connection, loaded: Loaded, conversation: Conversation, check: bool) -> None:
        """One UPDATE of the conversation row; with `check`, only if its version is the one loaded."""
        values = {
            "cid": loaded.conversation_id, "state": conversation.state, "data": dict(conversation.data),
            "question": conversation.question, "updated_at": utcnow(),
        }
        if check:
            done = connection.execute(_SAVE_CHECKED, {**values, "loaded_version": loaded.version})
        else:
            done = connection.execute(_SAVE, values)
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleTurn("the conversation changed since this turn loaded it")

    def _add_run(self, session: Session, runner_id: int, effect: NewRun) -> None:
        """Inserts the run, its pain report and its triage record (plain INSERTs, no ORM objects)."""
        c = effect.checkin
        connection = session.connection()
        run_id = connection.execute(_INSERT_RUN, {
            "runner_id": runner_id, "logged_at": effect.logged_at, "distance_km": c.distance_km,
            "duration_min": c.duration_min, "surface": c.surface, "effort": c.effort, "effort_score": c.effort_score,
            "started_at": _utc(c.started_at), "source": c.source,
        }).inserted_primary_key[0]  # fmt: skip
        if c.has_pain:
            connection.execute(_INSERT_PAIN, {
                "runner_id": runner_id, "run_id": run_id, "score": c.pain_score, "places": list(c.pain_where),
                "kinds": list(c.pain_kind), "since_days": c.pain_since_days, "trend": c.pain_trend,
                "eases_with_warmup": c.eases_with_warmup, "every_run": c.every_run, "signs": list(c.signs),
            })  # fmt: skip
        connection.execute(_INSERT_TRIAGE, {
            "runner_id": runner_id, "run_id": run_id, "tier": effect.result.tier.value,
            "rules": list(effect.result.rules), "created_at": effect.logged_at,
        })  # fmt: skip

    def _delete_runner(self, session: Session, runner_id: int) -> None:
        """Deletes the runner's rows from every table that has a runner_id, then the runner."""
        for table in reversed(SQLModel.metadata.sorted_tables):
            if "runner_id" in table.c:
                session.execute(delete(table).where(table.c.runner_id == runner_id))
        session.execute(delete(Runner).where(Runner.id == runner_id))  # type: ignore[arg-type]
        logger.info("runner %s forgotten", runner_id)

    def _runs(self, session: Session, runner_id: int, limit: int | None, since: datetime | None = None) -> list[RunRecord]:
        return rows.runs_of(session, runner_id, limit, since)

    def recent_runs(self, address: Address, limit: int = 10) -> list[RunRecord]:
        """The runner's latest runs, newest first; limit=0 for all of them."""
        with turns.reading(self.engine) as connection:
            runner_id = rows.runner_id_of(connection, address)
            return rows.runs_of(connection, runner_id, limit) if runner_id is not None else []

    def runs_since(self, address: Address, since: datetime) -> list[RunRecord]:
        """The runs logged since `since`, newest first (one indexed range read).

        An imported run is logged after it happened, so every run whose file
        start time is after `since` is here too; callers that go by the start
        time (progress.run_time) filter the few logged since but run before.
        """
        with turns.reading(self.engine) as connection:
            runner_id = rows.runner_id_of(connection, address)
            return rows.runs_of(connection, runner_id, None, since) if runner_id is not None else []

    def export_rows(self, address: Address) -> list[dict[str, Any]]:
        """Returns one row per run with its pain report and triage, oldest first."""
        return [r.export_row() for r in reversed(self.recent_runs(address, limit=0))]

    def export_all(self, address: Address) -> dict[str, Any]:
        """Returns every stored row about the runner, table by table, as JSON-ready values.

        Walks the same tables /forget deletes from (every table with a runner_id, and the
        runner row), so a table added later is exported without a change here. Empty when
        nothing is stored about them.
        """
        with turns.using(self.engine) as session:
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
        with turns.using(self.engine, write=True) as session:
            runner = session.exec(
                select(Runner).where(Runner.platform == platform, Runner.user_id == user_id)
            ).first()
            if runner is not None:
                runner.active = active

    # What the weekly digest and club summary are made of (read by the reminder dispatcher).

    def digest_inputs(self, runner_id: int, since: datetime) -> tuple[Profile, list[RunRecord]] | None:
        """Returns the runner's profile and the runs logged since `since`; None if the runner is gone."""
        with turns.using(self.engine) as session:
            runner = session.get(Runner, runner_id)
            if runner is None:
                return None
            return _profile_of(runner), self._runs(session, runner_id, None, since)

    def club_member_runs(self, club_id: int, since: datetime) -> dict[str, list[RunRecord]]:
        """Returns each member's runs logged since `since`, keyed by an opaque member key (never shown)."""
        with turns.using(self.engine) as session:
            members = session.exec(select(ClubMember.runner_id).where(ClubMember.club_id == club_id)).all()
            return {str(runner_id): self._runs(session, runner_id, None, since) for runner_id in members}
