"""Hypothesis fuzzing, at least 10,000 inputs: every step and command, any text, any button payload.

Each example puts a new runner at some step (onboarding, settings, a half-done
check-in, /plan, the /forget confirmation, or idle) with two follow-ups already
sent to them (so their own "f:"/"z:" buttons work), then sends a sequence of
inputs drawn from: the buttons the coach just showed (conversations go deep), typed text, every
command with and without arguments, run files of junk, shared locations, and
tampered button payloads (answers to other questions, other runners' reminder ids,
unknown ids, malformed ones).

After every input: no exception reached the adapter (the engine's "something went
wrong" apology never appears), something was answered, and the stored state is one
the engine knows how to continue from. At the end, a bystander runner's rows are
exactly as they were, and the number of inputs sent is asserted (>= 10,000).
"""

from __future__ import annotations

import itertools
import logging
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from dialogs import checkin, corrections, onboarding, plan
from dialogs.safety import confirm, screen
from dialogs.engine import PRIVATE_COMMANDS, Engine
from dialogs.messages import Address, Attachment, Incoming, Reply
from dialogs.models import Checkin, Profile
from dialogs.ports import IDLE, Change, Conversation, PlanInfo
from storage.database import open_database
from storage.repository import SqlStore
from storage.tables import Run, Runner
from tests.reliability.conftest import add_due_followups, rows_about, runner_id_of

logger = logging.getLogger(__name__)

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)
MIN_INPUTS = 10_000
EXAMPLES = 600
STEPS = (17, 19)  # inputs per example: 600 x 17 >= 10,000 whatever Hypothesis draws

# The safety screen's questions inside a check-in: one per group, a group split item by item,
# a direct question about an unclear word, and the health facts asked at a first pain report.
SAFETY_SLOTS = (
    [f"screen:{name}" for name in screen.groups()]
    + [f"item:{name}:{n}" for name, group in screen.groups().items() for n in range(len(group.items))]
    + [f"confirm:{key}" for key in screen.confirm_keys()]
    + ["age", "risks"]
)
HEALTH_SLOTS = set(onboarding.HEALTH)  # age band and health facts, at onboarding and in /settings
STATES = (
    [IDLE, "settings:menu", "forget:confirm"]
    + [f"checkin:{slot}" for slot in checkin.QUESTIONS]
    + [f"checkin:{slot}" for slot in SAFETY_SLOTS if not slot.startswith("item:")]
    + [f"checkin:item:{name}:0" for name in screen.groups()]
    + [f"onboarding:{slot}" for slot in (*onboarding.QUESTIONS, *onboarding.HEALTH)]
    + [f"settings:{slot}" for slot in dict.fromkeys((*onboarding.MENU, *onboarding.HEALTH))]
    + [f"plan:{slot}" for slot in plan.QUESTIONS]
    + [f"{confirm.PREFIX}:{key}" for key in screen.confirm_keys()]
)  # /undo and /edit states are reached by their commands, which every run sends
SLOTS = {
    "checkin": set(checkin.QUESTIONS) | set(SAFETY_SLOTS),
    "onboarding": set(onboarding.QUESTIONS) | HEALTH_SLOTS,
    "settings": set(onboarding.MENU) | HEALTH_SLOTS | {"menu"},
    "plan": set(plan.QUESTIONS),
    "forget": {"confirm"},
    confirm.PREFIX: set(screen.confirm_keys()),
    **{flow: set(slots) for flow, slots in corrections.STATES.items()},
}
FAILURE_TEXTS = ("went wrong", "can't reach my notebook", "couldn't save that")

# Every option value any question offers, so forged answers carry plausible values.
OPTION_VALUES = sorted(
    {v for flow in (checkin, onboarding, plan) for q in flow.QUESTIONS.values() for _, v in q.options}
    | {"yes", "no", "name", "timezone", "units", "better", "same", "worse", "1h", "1d", ""}
)
COMMAND_ARGS = {
    "start": ["", "checkin", "plan", "history", "nonsense", "start", "forget"],
    "checkin": ["", "ran 5k in 30 min on grass, no pain", "back hurts 7/10", "🏃"],
    "plan": ["", "Mon 07:00", "Mon Wed 07:00, Sat 09:30", "warmup 45", "warmup 999", "daily 20:30", "daily off",
             "quiet 22:00-07:00", "quiet off", "quiet 25:00-99", "off", "Funday 31:99", "every day at 6am"],
    "stretches": ["", "warm", "warmup", "after", "cool", "banana"],
}
TYPED = [
    "yes", "no", "skip", "?", "none", "0", "4", "7", "10", "11", "-3", "8 km", "5k", "3 miles", "45 min", "1h10",
    "1:05:30", "road", "grass", "easy", "hard", "lower back, left side", "both legs", "ache", "sharp", "numb",
    "yesterday", "a week", "better", "worse", "Ann", "Europe/London", "London", "+05:30", "Mars/Olympus",
    "Mon 07:00", "20:30", "off", "Kilometres", "miles", "3–4 times", "In the past", "delete", "Name",
    "numb around my groin", "can't control my bladder", "fever and night pain",
    "ran 8 km in 45 min on road, lower back aching 4/10 since yesterday", "😭😭😭", "   ", "",
    "ran 5k yesterday", "last Tuesday", "28/11", "on the 31st", "5 days ago", "tomorrow", "1990-01-01",
]  # fmt: skip

TEXTS = st.one_of(
    st.sampled_from(TYPED),
    st.text(max_size=120),
    st.from_regex(r"(ran )?\d{1,4}(\.\d)? ?(km|k|mi|miles|min|h)( in \d{1,3} ?min)?( back \d{1,2}/10)?", fullmatch=True),
    st.text(alphabet="🏃‍♀️🔥💥😭0123456789/:-aA ", max_size=20),
    st.just("x" * 1200),  # over the length cap
)


def commands() -> st.SearchStrategy[str]:
    known = sorted(PRIVATE_COMMANDS)
    with_args = st.sampled_from(known).flatmap(
        lambda name: st.one_of(st.sampled_from(COMMAND_ARGS.get(name, [""])), st.text(max_size=30)).map(
            lambda args: f"/{name} {args}".rstrip()
        )
    )
    odd = st.sampled_from(["/", "/nonsense", "/START", "/help@backstride_test_bot", "/help@other_bot", "//", "/ plan"])
    return st.one_of(with_args, odd)


class World:
    """The module's database, engine, a bystander runner and the count of inputs sent."""

    def __init__(self, engine: Engine, bystander: Address, bystander_reminders: list[int]) -> None:
        self.engine = engine
        self.store: SqlStore = engine.store  # type: ignore[assignment]
        self.bystander = bystander
        self.bystander_reminders = bystander_reminders
        self.inputs = 0
        self.states_reached: set[str] = set()  # states an input moved a runner into
        self.states_fuzzed: set[str] = set()  # states a runner was put in before its inputs
        self.commands_sent: set[str] = set()
        self._ids = itertools.count(1)

    def new_runner(self, state: str, known: bool) -> tuple[Address, list[int]]:
        """A runner at `state` (with a half-done check-in in a check-in state) and two sent follow-ups of their own."""
        n = next(self._ids)
        self.states_fuzzed.add(state)
        address = Address("fuzz", f"c{n}", f"u{n}")
        half = Checkin(distance_km=5, duration_min=30, surface="road", effort="easy", has_pain=True,
                       pain_where=["low_back_centre"], pain_score=3, pain_kind=["ache"])  # fmt: skip
        data: dict[str, Any] = {"checkin": half.to_dict(), "skipped": []} if state.startswith("checkin") else {}
        if state.startswith(f"{confirm.PREFIX}:"):  # a direct safety question asked from idle, as the engine does
            data = {"resume": {"state": IDLE, "data": {}, "question": 2}}
        conversation = Conversation(state=state, data=data, question=3)
        known = known or not state.startswith("onboarding")  # half-way through onboarding, or a returning runner
        profile = Profile(name="F", onboarded=known)
        self.store.save(address, Change(conversation=conversation, profile=profile))
        with Session(self.store.engine) as session:
            runner_id = session.exec(select(Runner.id).where(Runner.user_id == address.user_id)).one()
        own = add_due_followups(self.store, [runner_id, runner_id], NOW - timedelta(hours=1), state="sent")
        return address, own


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    database = open_database(f"sqlite:///{path}")
    engine = Engine(SqlStore(database), clock=lambda: NOW)
    store: SqlStore = engine.store  # type: ignore[assignment]
    bystander = Address("fuzz", "bystander", "bystander")
    store.save(bystander, Change(conversation=Conversation(), profile=Profile(name="Bea", onboarded=True)))
    store.set_plan(bystander, PlanInfo(slots=((0, "07:00"), (3, "18:30")), daily="20:00"), NOW)
    with Session(database) as session:
        bystander_id = session.exec(select(Runner.id).where(Runner.user_id == "bystander")).one()
    reminders = add_due_followups(store, [bystander_id] * 3, NOW - timedelta(hours=2), state="sent")
    yield World(engine, bystander, reminders)
    database.dispose()


def _valid(state: str) -> bool:
    if state == IDLE:
        return True
    flow, sep, slot = state.partition(":")
    return bool(sep) and slot in SLOTS.get(flow, set())


# Payload templates: stand-ins ({own0}, {q+1}, ...) are filled in at send time, so what Hypothesis
# draws never depends on ids from the database or on the replies (it replays draws when it shrinks).
IDS = ["{own0}", "{own1}", "{other0}", "{other1}", "{other2}", "0", "999999", "-1"]
NUMBERS = ["{q}", "{q-1}", "{q+1}", "0", str(10**9), "", "x", "-1", "1.5", "٣"]
PAYLOADS = st.one_of(
    st.builds(lambda q, v: f"a{q}:{v}", st.sampled_from(NUMBERS), st.sampled_from(OPTION_VALUES) | st.text(max_size=10)),
    st.builds(lambda i, v: f"f:{i}:{v}", st.sampled_from(IDS), st.sampled_from(["better", "same", "worse", "", "BETTER", "1h"])),
    st.builds(lambda i, v: f"z:{i}:{v}", st.sampled_from(IDS), st.sampled_from(["1h", "1d", "2d", "", "better"])),
    st.sampled_from(["x:routine:warmup", "x:routine:postrun", "x:how:A1", "x:how:W1", "x:more:shoes_form",
                     "x:nope", "x:", "f:", "z:", "f::", "z:1", "a:", "a", "", ":", "/checkin", "/forget",
                     "/plan off", "/nonsense", "/", "c:clear:seen", "c:clear:gone", "c:return:start",
                     "c:return:stop", "c:", "c:return:", "c:clear:maybe", "/undo", "/edit"]),
    st.text(max_size=64),
)  # fmt: skip
OTHERS = st.one_of(
    st.tuples(st.just("attachment"), st.sampled_from(["run.gpx", "run.fit", "notes.txt", "file"]),
              st.sampled_from([b"", b"<gpx></gpx>", b"<?xml version='1.0'?><gpx><trk>"]) | st.binary(max_size=200)),
    st.tuples(st.just("location"), st.sampled_from(["", "Europe/Paris", "Nowhere/Zone"]), st.just(b"")),
    st.tuples(st.just("unsupported"), st.sampled_from(["", "caption"]), st.just(b"")),
)  # fmt: skip
# One input: a kind, then what that kind needs. A tap is an index into the buttons just shown;
# with none shown it picks a typed answer instead, so the draws never depend on the replies.
STEP = st.one_of(
    st.tuples(st.just("tap"), st.integers(0, 24)),
    st.tuples(st.just("tap"), st.integers(0, 24)),  # taps twice as likely: conversations go deep
    st.tuples(st.just("text"), TEXTS),
    st.tuples(st.just("command"), commands()),
    st.tuples(st.just("payload"), PAYLOADS),
    st.tuples(st.just("other"), OTHERS),
)


def _fill(template: str, question: int, own: list[int], others: list[int]) -> str:
    values = {"{q}": question, "{q-1}": question - 1, "{q+1}": question + 1, "{own0}": own[0], "{own1}": own[1],
              "{other0}": others[0], "{other1}": others[1], "{other2}": others[2]}  # fmt: skip
    for key, value in values.items():
        template = template.replace(key, str(value))
    return template


def _incoming(step: tuple[str, Any], address: Address, last: list[Reply], question: int, own: list[int],
              others: list[int]) -> Incoming:
    kind, value = step
    if kind == "tap":
        buttons = [b for r in last for b in r.flat_buttons]
        if buttons:
            return Incoming.button(address, buttons[value % len(buttons)].payload)
        return Incoming.from_text(address, TYPED[value % len(TYPED)])
    if kind == "command":
        return Incoming.from_text(address, value)
    if kind == "payload":
        return Incoming.button(address, _fill(value, question, own, others))
    if kind == "other":
        other, name, content = value
        if other == "attachment":
            return Incoming(address=address, kind="attachment", attachment=Attachment(name, len(content), content))
        return Incoming(address=address, kind=other, text=name)
    return Incoming.from_text(address, value)


def _check(world: World, address: Address, incoming: Incoming, replies: list[Reply], before_q: int) -> int:
    assert replies, f"no answer to {incoming!r}"
    for reply in replies:
        assert reply.text.strip() or reply.document or reply.image, f"an empty reply to {incoming!r}"
        assert not any(t in reply.text for t in FAILURE_TEXTS), f"{incoming!r} broke a step: {reply.text!r}"
    snapshot = world.store.load(address)
    state = snapshot.conversation.state
    if snapshot.profile is None:  # /forget confirmed: nothing left, a new start
        assert state == IDLE
        return 0
    assert _valid(state), f"{incoming!r} left the runner in an unknown state {state!r}"
    world.states_reached.add(state)
    if incoming.kind == "command":
        world.commands_sent.add(incoming.command or "")
    assert snapshot.conversation.question >= before_q, "the question counter went backwards"
    if state.startswith("checkin:"):
        Checkin.from_dict(snapshot.conversation.data.get("checkin", {}))
    return snapshot.conversation.question


def test_ten_thousand_inputs_at_every_step_are_answered_and_leave_a_valid_state(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    bystander_before = rows_about(world.store, runner_id_of(world.store, world.bystander.user_id))
    caplog.set_level(logging.ERROR)
    started = time.monotonic()
    starts = itertools.cycle(STATES)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
    @given(known=st.booleans(), steps=st.lists(STEP, min_size=STEPS[0], max_size=STEPS[1]))
    def conversation(known: bool, steps: list[tuple[str, Any]]) -> None:
        state = next(starts)  # every state in turn: with ~100 states, drawing them could miss some
        address, own = world.new_runner(state, known)
        question, last = 3, []
        for step in steps:
            incoming = _incoming(step, address, last, question, own, world.bystander_reminders)
            last = world.engine.handle_sync(incoming)
            world.inputs += 1
            question = _check(world, address, incoming, last, question)

    conversation()
    elapsed = time.monotonic() - started
    caplog.set_level(logging.WARNING)
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[:5]
    assert world.inputs >= MIN_INPUTS, f"only {world.inputs} inputs were sent"
    assert set(PRIVATE_COMMANDS) <= world.commands_sent, set(PRIVATE_COMMANDS) - world.commands_sent
    # every step was fuzzed: each state was either started in or reached by an input
    covered = world.states_reached | world.states_fuzzed
    assert set(STATES) <= covered, f"never fuzzed {set(STATES) - covered}"
    bystander_after = rows_about(world.store, runner_id_of(world.store, world.bystander.user_id))
    assert bystander_after == bystander_before, "a fuzzed runner changed someone else's data"
    with Session(world.store.engine) as session:
        runs = len(session.exec(select(Run.id)).all())
    logger.warning("fuzz: %d inputs in %.1f s (%.0f/s); %d check-ins completed; %d states reached",
                   world.inputs, elapsed, world.inputs / elapsed, runs, len(world.states_reached))
