"""The warning-sign screen through the real python-telegram-bot and the fake Bot API."""

from __future__ import annotations

from tests.telegram.conftest import Runner, onboard

GROUP = -1001234567891
SYMPTOM_WORDS = ("numb", "groin", "bladder", "pee", "legs")


async def test_a_first_message_naming_an_emergency_gets_the_emergency_answer_not_the_welcome(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter, 511)
    sent = await ann.say("hi, my legs went numb after my run and I can't pee")
    assert len(sent) == 1
    assert "emergency care now" in sent[0].text and "112" in sent[0].text
    assert "Backstride" not in sent[0].text and not sent[0].buttons


async def test_the_screen_is_asked_group_by_group_with_yes_no_not_sure_buttons(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter, 512)
    await onboard(ann)
    await ann.say("ran 5 km in 30 min on the road, easy, lower back aching 3/10 since today, same, eases once warm")
    assert ann.labels == ["Yes", "No", "Not sure"] and "between your legs" in ann.text
    await ann.tap("No")
    assert "chest pain" in ann.text
    await ann.tap("Not sure")  # not sure counts as yes in the emergency groups
    assert "emergency care now" in ann.text


async def test_emergency_words_in_a_group_get_a_help_line_without_the_symptom(api, make_adapter) -> None:
    adapter = await make_adapter()
    dee = Runner(api, adapter, 513, GROUP, kind="supergroup")
    sent = await dee.say("@backstride_test_bot cant feel my groin since the long run and my bladder is weird")
    assert len(sent) == 1
    text = sent[0].text.lower()
    assert "112" in text and "privately" in text
    assert not any(word in text for word in SYMPTOM_WORDS)
    assert sent[0].buttons[0]["url"].endswith("?start=checkin")
