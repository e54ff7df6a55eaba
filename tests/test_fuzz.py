"""Hypothesis fuzzing: whatever arrives at whatever step, the coach answers and stays sane."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs import checkin, onboarding
from dialogs.engine import Engine
from dialogs.messages import Address, Incoming
from dialogs.models import Checkin, Profile
from dialogs.ports import Change, Conversation
from storage.database import open_database
from storage.repository import SqlStore

STATES = (
    ["idle", "settings:menu", "forget:confirm"]
    + [f"checkin:{slot}" for slot in checkin.QUESTIONS]
    + [f"onboarding:{slot}" for slot in onboarding.QUESTIONS]
    + [f"settings:{slot}" for slot in onboarding.QUESTIONS]
)
VALID_PREFIXES = ("idle", "checkin:", "onboarding:", "settings:", "forget:confirm")
COMMANDS = ["/start", "/checkin", "/cancel", "/help", "/history", "/stretches", "/settings", "/privacy",
            "/export", "/forget", "/start checkin", "/nonsense", "/"]
PAYLOADS = st.one_of(
    st.text(max_size=64),
    st.builds(lambda q, v: f"a{q}:{v}", st.integers(0, 5), st.sampled_from(["yes", "no", "none", "3", "road", "easy", "x"])),
    st.sampled_from(["x:routine:warmup", "x:how:A1", "x:more:shoes_form", "x:nope", "/checkin", "a:", "a99999:1"]),
)
MESSAGES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(COMMANDS),
    st.from_regex(r"(ran )?\d{1,4}(\.\d)? ?(km|k|mi|miles|min|h)( in \d{1,3} ?min)?", fullmatch=True),
    st.text(alphabet="🏃‍♀️🔥💥😭0123456789/:-", max_size=20),
)

_counter = itertools.count()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    fixed = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)
    return Engine(SqlStore(open_database(f"sqlite:///{path}")), clock=lambda: fixed)


def _runner_in(engine: Engine, state: str) -> Address:
    address = Address("fuzz", str(next(_counter)), str(next(_counter)))
    half_done = Checkin(distance_km=5, duration_min=30, surface="road", effort="easy", has_pain=True,
                        pain_where=["low_back_centre"], pain_score=3, pain_kind=["ache"])
    conversation = Conversation(state=state, data={"checkin": half_done.to_dict(), "skipped": []}, question=2)
    engine.store.save(address, Change(conversation=conversation, profile=Profile(name="F", onboarded=True)))
    return address


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=st.sampled_from(STATES), texts=st.lists(MESSAGES, min_size=1, max_size=4), payload=PAYLOADS)
def test_every_step_answers_any_input_and_keeps_a_valid_state(engine: Engine, state: str, texts: list[str], payload: str) -> None:
    address = _runner_in(engine, state)
    incomings = [Incoming.from_text(address, t) for t in texts] + [Incoming.button(address, payload)]
    for incoming in incomings:
        replies = engine.handle_sync(incoming)
        assert replies, f"no reply to {incoming!r} in {state}"
        assert all(r.text.strip() for r in replies)
        assert not any("Traceback" in r.text or "went wrong" in r.text for r in replies)
        snapshot = engine.store.load(address)
        if snapshot.profile is None:  # /forget was confirmed
            continue
        assert snapshot.conversation.state.startswith(VALID_PREFIXES)
        Checkin.from_dict(snapshot.conversation.data.get("checkin", {}))


async def test_many_runners_at_once_and_one_runner_in_order(engine: Engine) -> None:
    runners = [Address("load", f"r{i}", f"r{i}") for i in range(30)]
    for address in runners:
        engine.store.save(address, Change(conversation=Conversation(), profile=Profile(onboarded=True)))
    report = "8 km in 45 min on road, easy, no pain"
    await asyncio.gather(*(engine.handle(Incoming.from_text(a, report)) for a in runners for _ in range(3)))
    for address in runners:
        assert len(engine.store.recent_runs(address)) == 3
