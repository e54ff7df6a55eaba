"""Small courtesies: short replies outside a flow, and the location offer only where a location can be sent."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dialogs.engine import Engine
from dialogs.ports import IDLE
from tests.conftest import Chat, onboard


@pytest.mark.parametrize("typed", ["yes", "ok", "Thanks!", "cheers", "no"])
async def test_a_short_reply_outside_a_flow_gets_a_short_answer_not_a_check_in(chat: Chat, typed: str) -> None:
    await onboard(chat)
    replies = await chat.say(typed)
    assert chat.state() == IDLE
    assert len(replies) == 1 and not replies[0].buttons
    assert "/help" in replies[0].text


async def test_a_run_report_still_starts_a_check_in(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("ok, ran 5 km in 30 min")
    assert chat.state() != IDLE


async def test_yes_inside_a_flow_still_answers_the_question(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("/settings")
    await chat.tap("Weekly digest")
    await chat.say("no")
    assert "weekly digest is now off" in chat.text.lower()


@pytest.mark.parametrize("platform, offered", [("telegram", True), ("terminal", False), ("discord", False)])
async def test_the_time_zone_question_offers_a_location_only_where_one_can_be_sent(
    engine: Engine, platform: str, offered: bool
) -> None:
    chat = Chat(engine, user=f"{platform}-ann")
    chat.address = replace(chat.address, platform=platform)
    await chat.say("/start")
    replies = await chat.say("Ann")
    question = replies[-1]
    assert "time zone" in question.text
    assert question.asks_location is offered
    assert ("location" in question.text.lower()) is offered
