"""One turn's transaction: the runner's lock held from load to save, shared by every store call in between.

`SqlStore.turn(address)` opens it. While it is open, every store method the
step calls (reads, plan changes, club changes) runs in the same session, so the
whole turn commits or rolls back as one, and nothing else can handle the same
runner until it ends:

- SQLite: the transaction starts with BEGIN IMMEDIATE (storage.database), which
  takes the database's write lock; other processes wait (busy timeout).
- PostgreSQL: `pg_advisory_xact_lock` on a key made from the runner's address,
  so a runner with no row yet is locked too; other runners are not held up.

A turn that wrote nothing rolls back (nothing written, nothing committed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from dialogs.messages import Address
from dialogs.models import Profile
from dialogs.ports import Conversation


class StaleTurn(Exception):
    """The conversation row changed since this turn loaded it; the save is refused."""


@dataclass
class Loaded:
    """The row ids and values a save checks against: what the turn read."""

    runner_id: int | None = None
    active: bool = True
    chat_id: str | None = None
    conversation_id: int | None = None
    version: int = 0
    conversation: Conversation | None = None
    profile: Profile | None = None


@dataclass
class Turn:
    """An open turn: its connection (in the transaction), and an ORM session on it made when first asked for."""

    address: Address
    connection: Connection
    loaded: Loaded
    wrote: bool = False
    forgot: bool = False
    _session: Session | None = None

    @property
    def session(self) -> Session:
        """A session joined to the turn's transaction (most turns use only the plain statements on `connection`)."""
        if self._session is None:
            self._session = Session(bind=self.connection, join_transaction_mode="rollback_only")
        return self._session

    def flush(self) -> None:
        """Sends what ORM objects the session holds, before the transaction commits."""
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


_CURRENT: ContextVar[Turn | None] = ContextVar("backstride_turn", default=None)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def current(address: Address | None = None) -> Turn | None:
    """The open turn (for `address`, when given), else None."""
    turn = _CURRENT.get()
    if turn is None or (address is not None and (turn.address.platform, turn.address.user_id) != (address.platform, address.user_id)):
        return None
    return turn


def lock_key(address: Address) -> int:
    """A signed 64-bit advisory-lock key for the runner (stable across processes)."""
    digest = hashlib.blake2b(f"{address.platform}\x1f{address.user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def using(engine: Engine, write: bool = False) -> Iterator[Session]:
    """The open turn's session, or a new session (a transaction when `write`) outside a turn."""
    turn = _CURRENT.get()
    if turn is not None:
        turn.wrote = turn.wrote or write
        yield turn.session
        return
    with Session(engine) as session:
        if write:
            with session.begin():
                yield session
        else:
            yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """The open turn's connection (no ORM session needed), or a connection of its own outside a turn, for reads."""
    turn = _CURRENT.get()
    if turn is not None:
        yield turn.connection
        return
    with engine.connect() as connection:
        yield connection


@contextmanager
def opened(engine: Engine, address: Address) -> Iterator[Turn]:
    """Begins the turn's transaction, takes the runner's lock, and ends it: commit if it wrote, else roll back."""
    if _CURRENT.get() is not None:
        raise RuntimeError("a turn is already open in this context")
    with engine.connect() as connection:
        transaction = connection.begin()
        turn = Turn(address=address, connection=connection, loaded=Loaded())
        try:
            if engine.dialect.name == "postgresql":
                connection.execute(_LOCK, {"key": lock_key(address)})
            token = _CURRENT.set(turn)
            try:
                yield turn
            finally:
                _CURRENT.reset(token)
            if turn.wrote:
                turn.flush()
                transaction.commit()
            else:
                transaction.rollback()
        except BaseException:
            transaction.rollback()
            raise
        finally:
            turn.close()
