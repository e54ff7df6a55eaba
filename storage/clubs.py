"""The store's club half: group chats that added the coach, their weekly runs and members."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dialogs.messages import Address
from dialogs.ports import ClubChange, ClubRunInfo
from dialogs.reminders.schedule import CLUB_SUMMARY
from storage import rows, turns
from storage.tables import PENDING, Club, ClubMember, ClubRun, Reminder, utcnow


class ClubStore:
    """Clubs for dialogs.ports.Store; SqlStore inherits it."""

    engine: Engine


    def apply_club_change(self, platform: str, chat_id: str, change: ClubChange) -> None:
        """Applies a group step's /clubrun change in the open turn."""
        if change.timezone is not None:
            self.set_club_timezone(platform, chat_id, change.timezone)
        if change.add is not None:
            self.add_club_run(platform, chat_id, change.add)
        if change.remove is not None:
            self.remove_club_run(platform, chat_id, change.remove)
        if change.summary is not None:
            self.set_club_summary(platform, chat_id, change.summary)

    def note_club_member(self, address: Address) -> None:
        """Records that the runner used a command in this group (only a runner we already know)."""
        with turns.using(self.engine, write=True) as session:
            runner = rows.runner_of(session, address)
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
        with turns.using(self.engine) as session:
            club = self._club(session, platform, chat_id)
            return bool(club and club.summary)

    def set_club_summary(self, platform: str, chat_id: str, on: bool) -> None:
        """Turns the weekly anonymous summary on or off; off drops the one already scheduled."""
        with turns.using(self.engine, write=True) as session:
            club = self._club(session, platform, chat_id, create=True)
            club.summary = on  # type: ignore[union-attr]
            if not on:
                session.execute(
                    delete(Reminder).where(
                        Reminder.club_id == club.id,  # type: ignore[union-attr,arg-type]
                        Reminder.kind == CLUB_SUMMARY,  # type: ignore[arg-type]
                        Reminder.state == PENDING,  # type: ignore[arg-type]
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
        with turns.using(self.engine) as session:
            club = self._club(session, platform, chat_id)
            if club is None:
                return []
            query = select(ClubRun).where(ClubRun.club_id == club.id).order_by(ClubRun.weekday, ClubRun.time)
            return [ClubRunInfo(r.id, r.weekday, r.time, r.place) for r in session.exec(query)]  # type: ignore[arg-type]

    def club_timezone(self, platform: str, chat_id: str) -> str:
        with turns.using(self.engine) as session:
            club = self._club(session, platform, chat_id)
            return club.timezone if club else "UTC"

    def set_club_timezone(self, platform: str, chat_id: str, zone: str) -> None:
        with turns.using(self.engine, write=True) as session:
            self._club(session, platform, chat_id, create=True).timezone = zone  # type: ignore[union-attr]

    def add_club_run(self, platform: str, chat_id: str, run: ClubRunInfo) -> None:
        with turns.using(self.engine, write=True) as session:
            club = self._club(session, platform, chat_id, create=True)
            session.add(ClubRun(club_id=club.id, weekday=run.weekday, time=run.time, place=run.place))  # type: ignore[union-attr,arg-type]

    def remove_club_run(self, platform: str, chat_id: str, run_id: int) -> None:
        with turns.using(self.engine, write=True) as session:
            club = self._club(session, platform, chat_id)
            if club is not None:
                session.execute(delete(ClubRun).where(ClubRun.id == run_id, ClubRun.club_id == club.id))  # type: ignore[arg-type]

    def set_club_active(self, platform: str, chat_id: str, active: bool, title: str | None = None) -> None:
        """Records the coach being added to (or removed from) a group; settings are kept either way."""
        with turns.using(self.engine, write=True) as session:
            club = self._club(session, platform, chat_id, create=True)
            club.active = active  # type: ignore[union-attr]
            if title:
                club.title = title  # type: ignore[union-attr]

    def migrate_chat(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """Moves a club to its new chat id (a Telegram group upgraded to a supergroup)."""
        with turns.using(self.engine, write=True) as session:
            club = self._club(session, platform, old_chat_id)
            if club is not None and self._club(session, platform, new_chat_id) is None:
                club.chat_id = new_chat_id
