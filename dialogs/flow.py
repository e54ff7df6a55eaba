"""The pieces every flow is built from: the step context, its outcome, and questions.

A flow is a module with string-named states ("checkin:surface") and a `step`
function. Questions are declared as data; `ask` draws one with buttons whose
payloads carry the question number, so an old button cannot answer a newer
question.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from dialogs.clock import as_utc
from dialogs.messages import Address, Button, Incoming, Reply, rows
from dialogs.models import Profile, RunRecord
from dialogs.parsing import InputError
from dialogs.ports import IDLE, STORE_VIEW, Change, Conversation, Effect, StoreView

logger = logging.getLogger(__name__)

ANSWER_PREFIX = "a"  # "a<question>:<value>" answers the question numbered <question>


@dataclass
class Context:
    """What a step can see: who wrote, their profile and state, the time, and reads."""

    address: Address
    profile: Profile
    known: bool  # the runner has written before
    conversation: Conversation
    now: datetime
    store: StoreView


class ReadOnlyStore:
    """The store as a step sees it: the reads of dialogs.ports.StoreView; anything else raises.

    A step that wants something written returns it as an effect in its Outcome.
    It lives for one turn, so it keeps the widest run window read so far per
    runner and answers narrower `runs_since` calls, and `recent_runs` calls the
    window holds enough runs for, from it: the advice, the load notes and the
    coaching views of a check-in's last turn then read the runs once.
    """

    def __init__(self, store: StoreView) -> None:
        self._store = store
        self._windows: dict[tuple[str, str], tuple[datetime, list[RunRecord]]] = {}

    def runs_since(self, address: Address, since: datetime) -> list[RunRecord]:
        """The runs logged since `since`, newest first, from the turn's widest window when it covers them."""
        key = (address.platform, address.user_id)
        window = self._windows.get(key)
        if window is None or as_utc(window[0]) > as_utc(since):
            window = self._windows[key] = (since, self._store.runs_since(address, since))
        runs = window[1]
        if since == window[0]:
            return list(runs)
        cut = as_utc(since)  # newest first, so the runs since `cut` are a head of the window
        return runs[: next((i for i, r in enumerate(runs) if as_utc(r.logged_at) < cut), len(runs))]

    def recent_runs(self, address: Address, limit: int = 10) -> list[RunRecord]:
        """The latest `limit` runs, newest first (limit=0: all); from the window when it holds that many."""
        window = self._windows.get((address.platform, address.user_id))
        if window is not None and 0 < limit <= len(window[1]):
            return window[1][:limit]  # the same order as the store's, so the newest `limit` are its head
        return self._store.recent_runs(address, limit)

    def __getattr__(self, name: str) -> Any:
        if name not in STORE_VIEW:
            raise AttributeError(f"a step may only read the store; return an effect instead of calling {name!r}")
        return getattr(self._store, name)


@dataclass
class Outcome:
    replies: list[Reply]
    conversation: Conversation
    profile: Profile | None = None
    effects: list[Effect] = field(default_factory=list)

    def change(self) -> Change:
        return Change(conversation=self.conversation, profile=self.profile, effects=self.effects)


@dataclass(frozen=True)
class Question:
    """One closed or open question: its prompt, its buttons and how to read typed answers."""

    slot: str
    prompt: str
    options: tuple[tuple[str, str], ...] = ()  # (label, value)
    parse: Callable[[str, Context], Any] | None = None  # typed text -> value, None if not understood
    convert: Callable[[str], Any] = str  # button value -> slot value
    reask: str = "Sorry, I didn't catch that."
    per_row: int = 3

    def option_for(self, text: str) -> str | None:
        """Returns the option value whose label, value or number the runner typed."""
        typed = text.strip().lower()
        for label, value in self.options:
            if typed in (label.lower(), value.lower()):
                return value
        return None


def fresh(conversation: Conversation) -> Conversation:
    """Returns a copy of the conversation a step may change freely."""
    return conversation.copy()


def idle(conversation: Conversation) -> Conversation:
    """Returns the conversation back at rest, keeping the question counter."""
    return Conversation(state=IDLE, data={}, question=conversation.question)


def ask(conversation: Conversation, question: Question, prefix: str = "", bump: bool = True) -> Reply:
    """Draws the question; bumps the question number unless it is a re-ask."""
    if bump:
        conversation.question += 1
    buttons = [Button(label, f"{ANSWER_PREFIX}{conversation.question}:{value}") for label, value in question.options]
    text = f"{prefix}\n\n{question.prompt}" if prefix else question.prompt
    return Reply(text=text, buttons=rows(buttons, question.per_row), kind="question")


def parse_answer_payload(payload: str) -> tuple[int, str] | None:
    """Splits an answer payload into (question number, value); None if it is not one."""
    if not payload.startswith(ANSWER_PREFIX):
        return None
    number, sep, value = payload[len(ANSWER_PREFIX) :].partition(":")
    if not sep or not number.isdecimal():
        return None
    return int(number), value


class NotUnderstood(Exception):
    """The typed answer matched nothing; the step re-asks."""


def read_answer(question: Question, incoming: Incoming, ctx: Context) -> Any:
    """Returns the slot value from a button value or typed text.

    Raises InputError with a specific message for recognised-but-wrong input,
    NotUnderstood when nothing was recognised.
    """
    if incoming.kind == "button" and incoming.payload is not None:
        parsed = parse_answer_payload(incoming.payload)
        if parsed is None:
            raise NotUnderstood
        value = parsed[1]
        if value not in {v for _, v in question.options}:
            raise NotUnderstood  # a forged or mismatched payload; typed-only questions have no buttons
        return question.convert(value)
    option = question.option_for(incoming.text)
    if option is not None:
        return question.convert(option)
    if question.parse is not None:
        value = question.parse(incoming.text, ctx)
        if value is not None:
            return value
    raise NotUnderstood


__all__ = [
    "Context",
    "Outcome",
    "Question",
    "InputError",
    "NotUnderstood",
    "ask",
    "fresh",
    "idle",
    "parse_answer_payload",
    "read_answer",
]
