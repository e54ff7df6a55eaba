"""The warning-sign screen as a runner meets it: group by group, every message, every answer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from dialogs.messages import ChatKind
from dialogs.safety import care
from tests.conftest import Chat, Clock, onboard

PAIN = "ran 5 km in 30 min on the road, easy, lower back aching 3/10 since today, same, eases once warm"
SAFETY_NET = "Safety net: call"


async def _screen_answers(chat: Chat, answers: list[str]) -> list[str]:
    """Answers each screen question in turn; returns the question texts seen."""
    seen = []
    for answer in answers:
        seen.append(chat.text)
        await chat.tap(answer)
    return seen


async def test_each_group_is_its_own_yes_no_not_sure_question_emergency_first(chat: Chat) -> None:
    await onboard(chat)
    await chat.say(PAIN)
    assert chat.labels == ["Yes", "No", "Not sure"]
    assert "between your legs" in chat.text and "bladder" in chat.text  # the spine group comes first
    seen = await _screen_answers(chat, ["No", "No", "No", "No"])
    assert "chest pain" in seen[1] and "tearing" in seen[1]
    assert "fever" in seen[2] and "weight loss" in seen[3]
    assert "You can keep running" in chat.text and chat.text.rstrip().splitlines()[-1].startswith(SAFETY_NET)


@pytest.mark.parametrize("group", [0, 1])
async def test_not_sure_to_an_emergency_group_is_an_emergency(chat: Chat, group: int) -> None:
    await onboard(chat)
    await chat.say(PAIN)
    if group:
        await chat.tap("No")
    await chat.tap("Not sure")
    assert chat.replies[0].kind == "emergency" and len(chat.replies) == 1
    assert "999" in chat.text and "112" in chat.text  # a UK runner: 999 first, 112 as the fallback


async def test_not_sure_to_a_doctor_group_asks_each_sign_on_its_own(chat: Chat) -> None:
    await onboard(chat)
    await chat.say(PAIN)
    await _screen_answers(chat, ["No", "No", "Not sure"])
    assert "one at a time" in chat.text and "This one?" in chat.text and "weak" in chat.text
    await chat.tap("No")
    assert "fever" in chat.text
    await chat.tap("Yes")
    while "This one?" in chat.text:
        await chat.tap("No")
    await chat.tap("No")  # the soon group
    assert "seen by a doctor today" in chat.text


async def test_an_emergency_group_is_asked_every_time_and_the_rest_once_an_episode(chat: Chat, clock: Clock) -> None:
    await onboard(chat)
    await chat.say(PAIN)
    await _screen_answers(chat, ["No", "No", "No", "No"])
    clock.now += timedelta(days=2)
    await chat.say(PAIN)
    seen = await _screen_answers(chat, ["No", "No"])
    assert "between your legs" in seen[0] and "chest" in seen[1]
    assert "Logged" in chat.text  # same episode, nothing new: no doctor groups
    clock.now += timedelta(days=1)
    await chat.say(PAIN.replace("3/10", "6/10"))  # something new: the score jumped
    await _screen_answers(chat, ["No", "No"])
    assert "fever" in chat.text


async def test_signs_written_in_the_message_are_not_asked_again_and_no_cannot_lower_them(chat: Chat) -> None:
    await onboard(chat)
    await chat.say(PAIN + ", and I've had a fever since last night")
    seen = await _screen_answers(chat, ["No", "No"])
    assert not any("fever" in s for s in seen)
    await chat.tap("No")  # the soon group; the today group was answered by the message
    assert "seen by a doctor today" in chat.text


async def test_health_facts_are_asked_once_at_the_first_pain_report(chat: Chat, clock: Clock) -> None:
    await chat.say("/start")
    await chat.say("Ann")
    await chat.say("Europe/London")
    await chat.tap("Kilometres")
    await chat.tap("3–4 times")
    await chat.tap("Road / concrete")
    # a runner onboarded before health facts existed has none on file
    profile = chat.engine.store.load(chat.address).profile
    assert profile is not None
    await chat.tap("In the past")
    await chat.tap("Skip")
    await chat.tap("Skip")
    profile = chat.engine.store.load(chat.address).profile
    assert profile is not None and profile.risks_asked and profile.risks == []
    await chat.say(PAIN)
    await _screen_answers(chat, ["No", "No", "No", "No"])
    assert "How old are you" not in chat.text
    clock.now += timedelta(days=20)
    await chat.say(PAIN)
    await _screen_answers(chat, ["No", "No", "No", "No"])
    assert "How old are you" not in chat.text and "Logged" in chat.text


async def test_past_cancer_makes_new_back_pain_a_same_day_doctor(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("/settings")
    await chat.tap("Age and health facts")
    await chat.tap("50–64")
    await chat.tap("Cancer in the past")
    await chat.tap("That's all")
    assert "cancer in the past" in chat.text
    await chat.say(PAIN)
    await _screen_answers(chat, ["No", "No", "No", "No"])
    assert "seen by a doctor today" in chat.text
    assert "ibuprofen" not in chat.text.lower() and "naproxen" not in chat.text.lower()
    assert "strain" not in chat.text.lower()  # no guessing at the cause under a doctor tier
    assert "pharmacist" in chat.text
    await chat.say("/privacy")
    assert "cancer in the past" in chat.text and "50–64" in chat.text
    await chat.say("/export")
    exported = next(r.document for r in chat.replies if r.document and r.document[0].endswith(".json"))
    runner = json.loads(exported[1])["runner"]
    assert (runner["risks"], runner["age_band"]) == (["cancer"], "50_64")


@pytest.mark.parametrize(
    "message",
    [
        "numbness near my groin",
        "numbess round my groin since the run",  # a typo must never lower a sign
        "i cant feel the toilet paper when i wipe",
        "weak are both legs after the run",
        "chest pain spreading into my left arm on the hill",
        "got hit by a bike on the towpath",
        "oh and i havent been able to pee properly since yesterday",  # tester C: retention said plainly
        "i came off my mountain bike going down a drop, back's pretty bad",  # tester C: a high-energy crash
    ],
)
async def test_the_very_first_message_is_screened_before_any_welcome(chat: Chat, message: str) -> None:
    await chat.say(message)
    assert [r.kind for r in chat.replies] == ["emergency"]
    assert "Hi, I'm Backstride" not in chat.text


async def test_an_answer_to_an_unrelated_question_is_screened(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("/plan")
    await chat.say("mon and wed, my legs went numb on the stairs and I can't pee")
    assert [r.kind for r in chat.replies] == ["emergency"]
    assert chat.state() == "idle"


@pytest.mark.parametrize(
    "message",
    [
        "ran 5k, numb-groin since this morning",
        "5k easy, then both-legs went numb",
        "ran 5k, tingling in my inner-thighs and numbness around my back-passage",
        "ran 5k and now a loss of bladder-control",
        "stopped at 3k with crushing chest-pain and sweating",
    ],
)
async def test_hyphenated_warning_signs_are_emergencies(chat: Chat, message: str) -> None:
    await onboard(chat)
    await chat.say(message)
    assert [r.kind for r in chat.replies] == ["emergency"]


async def test_hyphenated_denials_stay_denials(chat: Chat) -> None:
    await onboard(chat)
    await chat.say(f"{PAIN}, no numb-groin, no bladder-problems")
    assert chat.replies[0].kind != "emergency"


@pytest.mark.parametrize(
    "message",
    ["no numbness, bladder's fine, legs feel fine", "normal toilet stop mid run, no tingling anywhere", "didn't fall, no chest pain"],
)
async def test_negations_do_not_escalate(chat: Chat, message: str) -> None:
    await onboard(chat)
    await chat.say(f"{PAIN}, {message}")
    assert chat.replies[0].kind != "emergency"
    await _screen_answers(chat, ["No", "No", "No", "No"])
    assert "You can keep running" in chat.text


@pytest.mark.parametrize(
    ("message", "asks"),
    [("5k easy in 30 min, felt a bit numb after", "odd feeling"), ("5k easy in 30 min, felt dizzy at the end", "faint"), ("ran 5k in 30 min, my legs feel weak", "both legs")],
)
async def test_an_unclear_word_gets_a_direct_question_first(chat: Chat, message: str, asks: str) -> None:
    await onboard(chat)
    await chat.say(message)
    assert asks in chat.text and chat.labels == ["Yes", "No", "Not sure"]
    assert "How far" not in chat.text
    await chat.tap("Yes")
    assert chat.replies[0].kind == "emergency"


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        ("what if both my legs go numb on a long run? asking for the marathon", "both legs"),
        ("5k in 30 min, pain 9/10 and i cant walk to the kitchen", "both legs"),  # pain or legs that fail: asked
    ],
)
async def test_a_question_about_a_sign_is_asked_about_not_taken_as_a_report(chat: Chat, message: str, asks: str) -> None:
    await onboard(chat)
    await chat.say(message)
    assert chat.replies[0].kind != "emergency"
    assert asks in chat.text and chat.labels == ["Yes", "No", "Not sure"]
    await chat.tap("Yes")
    assert chat.replies[0].kind == "emergency"


async def test_a_report_followed_by_a_worry_is_a_report(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("both my legs went numb from the knees down on the run and still are, should i be worried?")
    assert [r.kind for r in chat.replies] == ["emergency"]


@pytest.mark.parametrize(
    "message",
    [
        "is it normal to have bladder problems with back pain? i dont, just wondering. 5k easy in 30 min, back 2/10",
        "when should leg weakness worry me? my legs are fine, 6k easy in 36 min, back 1/10",
        "ran 5 km in 30 min on the road, easy, mid back seized up like a cramp 4/10 since today",
    ],
)
async def test_questions_and_cramps_are_not_warning_signs(chat: Chat, message: str) -> None:
    await onboard(chat)
    await chat.say(message)
    for _ in range(12):  # the check-in's own questions: the first option, and No to every screen group
        if chat.replies[0].kind != "question" or not chat.labels:
            break
        await chat.tap("No" if "No" in chat.labels else chat.labels[0])
    assert [r.kind for r in chat.replies][0] == "advice"
    assert "You can keep running" in chat.text or "Pause running for now" in chat.text


async def test_no_to_a_direct_question_goes_back_to_where_we_were(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("/plan")
    asked = chat.text
    await chat.say("tuesdays, though my legs feel weak lately")
    assert "both legs" in chat.text
    await chat.tap("No")
    assert "Back to where we were" in chat.text
    assert chat.state().startswith("plan:")
    assert asked


async def test_a_group_message_with_emergency_words_gets_help_without_the_symptom(chat: Chat) -> None:
    await onboard(chat)
    group = Chat(chat.engine, user="ann", chat_kind=ChatKind.GROUP, chat_id="club")
    await group.say("cant feel my groin since the long run and my bladder is weird")
    assert len(group.replies) == 1
    text = group.text.lower()
    assert "999" in text and "privately" in text
    assert "groin" not in text and "bladder" not in text
    assert group.labels == ["Continue privately"]


async def test_every_non_emergency_answer_ends_with_the_safety_net(chat: Chat) -> None:
    await onboard(chat)
    for report in ("5k in 30 min, easy on grass, no pain", PAIN, "ran 6k in 35 min on road, easy, back spasm 7/10 since today, same"):
        await chat.say(report)
        while chat.labels == ["Yes", "No", "Not sure"]:
            await chat.tap("No")
        assert len(chat.replies) <= 2
        assert chat.replies[-1].text.rstrip().splitlines()[-1].startswith(SAFETY_NET), report


async def test_keep_running_and_rest_answers_to_pain_include_stretching(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("ran 6k in 35 min on road, easy, lower back spasm 7/10 since today, same")
    while chat.labels == ["Yes", "No", "Not sure"]:
        await chat.tap("No")
    assert "Pause running" in chat.text
    assert "pelvic tilt" in chat.text.lower() or "stretch" in chat.text.lower()
    assert "keep running" not in chat.text.lower()  # no contradicting advice beside "pause running"


async def test_sore_hamstrings_after_a_long_run_are_not_nerve_pain(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("20k long run in 2 hours on road, easy, hamstrings really sore 4/10 since today, same, eases once warm")
    while chat.labels == ["Yes", "No", "Not sure"]:
        await chat.tap("No")
    assert "You can keep running" in chat.text
    assert "nerve" not in chat.text.lower()


async def test_mild_stiffness_improving_on_day_four_is_not_a_referral(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("5k in 30 min on road, easy, lower back a bit stiff 2/10, started 4 days ago, getting better, goes after the warm-up")
    while chat.labels == ["Yes", "No", "Not sure"]:
        await chat.tap("No")
    assert "You can keep running" in chat.text
    assert "Book a check-up" not in chat.text


@pytest.mark.parametrize("country", care.countries())
def test_every_listed_country_names_its_own_number_first_and_112(country: str) -> None:
    services = care.for_country(country)
    assert "112" in services.emergency
    assert services.name and services.urgent and services.doctor and services.ed


@pytest.mark.parametrize(
    ("zone", "first"),
    [("Europe/London", "999"), ("America/New_York", "911"), ("America/Toronto", "911"), ("Australia/Sydney", "000"),
     ("Pacific/Auckland", "111"), ("Europe/Berlin", "112"), ("Asia/Tokyo", "119"), ("UTC", "112")],
)
def test_the_time_zone_picks_the_country(zone: str, first: str) -> None:
    from dialogs.models import Profile

    assert care.services_for(Profile(timezone=zone)).emergency.startswith(first)


async def test_a_us_runner_is_not_sent_to_nhs_111(chat: Chat) -> None:
    await chat.say("/start")
    for answer in ("Sam", "America/Chicago"):
        await chat.say(answer)
    for label in ("Miles", "3–4 times", "Road / concrete", "In the past", "Skip", "None of these"):
        await chat.tap(label)
    await chat.say("ran 3 miles in 30 min on road, easy, lower back aching 3/10 since today, same, eases once warm, fever since last night")
    while chat.labels == ["Yes", "No", "Not sure"]:
        await chat.tap("No")
    assert "seen by a doctor today" in chat.text
    assert "NHS 111" not in chat.text and "GP" not in chat.text and "911" in chat.text


def test_every_warning_sign_has_words_for_the_runner() -> None:
    from dialogs.advice import _SIGN_WORDS
    from dialogs.models import Sign

    assert set(_SIGN_WORDS) == {s.value for s in Sign}
