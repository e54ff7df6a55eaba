"""Transcript tests: say something, tap a button, read what the coach answers."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from dialogs import advice
from dialogs.guidance import load
from dialogs.messages import ChatKind, Visibility
from tests.conftest import Chat, onboard


async def test_first_contact_onboards_and_says_it_is_not_a_clinician(chat: Chat) -> None:
    await chat.say("/start")
    assert "not a" in chat.text.lower() and "clinician" in chat.text.lower() or "doctor" in chat.text.lower()
    assert any(n in chat.text for n in ("999", "112", "911"))
    assert "call you" in chat.text
    await chat.say("Ann")
    assert "time zone" in chat.text.lower()
    await chat.say("Leeds")
    assert "Europe/London" in chat.text
    await chat.tap("Miles")
    await chat.tap("5 or more")
    await chat.tap("Trail / gravel")
    await chat.tap("Yes, right now")
    assert "How old are you" in chat.text and "Skip" in chat.labels  # health facts are optional
    await chat.tap("50–64")
    assert "Osteoporosis (thin bones)" in chat.labels
    await chat.tap("Osteoporosis (thin bones)")
    assert "Anything else" in chat.text and "Osteoporosis (thin bones)" not in chat.labels
    await chat.tap("That's all")
    assert "All set, Ann" in chat.text
    profile = chat.engine.store.load(chat.address).profile
    assert profile is not None
    assert (profile.name, profile.timezone, profile.units, profile.frequency) == ("Ann", "Europe/London", "mi", "5+")
    assert (profile.age_band, profile.risks, profile.risks_asked) == ("50_64", ["osteoporosis"], True)
    assert (profile.usual_surface, profile.back_history, profile.onboarded) == ("trail", "now", True)


async def test_timezone_accepts_offset_and_skip(chat: Chat) -> None:
    await chat.say("/start")
    await chat.say("Bo")
    await chat.say("+05:30")
    assert "UTC+05:30" in chat.text
    await chat.say("/settings")
    await chat.tap("Time zone")
    await chat.say("skip")
    assert chat.engine.store.load(chat.address).profile.timezone == "UTC"


async def test_unknown_timezone_is_reasked_and_name_kept(chat: Chat) -> None:
    await chat.say("/start")
    await chat.say("Cy")
    await chat.say("Qwxyzville")
    assert "don't know that place" in chat.text
    assert chat.state() == "onboarding:timezone"
    assert chat.engine.store.load(chat.address).profile.name == "Cy"


async def test_checkin_by_buttons_with_back_pain_on_concrete_gives_sourced_advice(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("/checkin")
    await chat.say("8 km")
    await chat.say("45 min")
    await chat.tap("Road / concrete")
    await chat.tap("Easy")
    await chat.tap("Something hurts")
    await chat.tap("Low back, middle")
    await chat.tap("4")
    await chat.tap("Ache")
    await chat.tap("Yesterday")
    await chat.tap("Same")
    await chat.tap("No")
    assert "safety check" in chat.text.lower()
    await chat.tap("No")
    await chat.tap("No")
    await chat.tap("No")
    await chat.tap("No")
    assert chat.state() == "idle"
    s2 = load().items["S2"]
    assert s2.text in chat.text
    assert "Source:" in chat.text or "source" in chat.text.lower()
    runs = chat.engine.store.recent_runs(chat.address)
    assert len(runs) == 1 and runs[0].pain_score == 4 and runs[0].surface == "road"


async def test_free_text_checkin_asks_only_what_is_missing(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("ran 8 km in 45 min on concrete, lower back aching 4/10 since yesterday")
    assert "How far" not in chat.text and "How long" not in chat.text and "What did you run on" not in chat.text
    assert "How hard" in chat.text
    await chat.tap("Easy")
    assert "better" in chat.text.lower()  # straight to the trend: place, score, kind and since were given
    await chat.tap("Same")
    await chat.tap("No")
    await chat.tap("No")
    await chat.tap("No")
    await chat.tap("No")
    await chat.tap("No")
    run = chat.engine.store.recent_runs(chat.address)[0]
    assert run.tier == "keep_easy"
    assert load().items["P2"].text not in chat.text  # never "take a week off" under "keep running easy"
    assert (run.distance_km, run.duration_min, run.surface, run.pain_score) == (8.0, 45.0, "road", 4)
    assert run.pain_where == ("low_back_centre",)


async def test_warning_signs_are_asked_whenever_pain_is_reported(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("5k in 30 min on grass, easy, back a bit stiff 2/10 today, better, eases once warm")
    # first report of this pain: every group, one at a time, each a yes / no / not sure question
    assert "safety check" in chat.text.lower() and "between your legs" in chat.text
    assert chat.labels == ["Yes", "No", "Not sure"]
    await chat.tap("No")
    assert "chest pain" in chat.text and chat.labels == ["Yes", "No", "Not sure"]
    await chat.tap("No")
    assert "fever" in chat.text and chat.labels == ["Yes", "No", "Not sure"]
    await chat.tap("No")
    assert "weight loss" in chat.text and chat.labels == ["Yes", "No", "Not sure"]
    await chat.tap("No")
    assert chat.state() == "idle"
    assert chat.engine.store.recent_runs(chat.address)[0].tier == "keep_easy"
    assert "Safety net: call 999 (or 112) now" in chat.replies[-1].text
    # the same pain reported again: the emergency groups every time, not the whole screen
    chat.engine.clock.now += timedelta(days=1)
    await chat.say("5k in 30 min on grass, easy, back a bit stiff 2/10 since yesterday, better, eases once warm")
    assert "between your legs" in chat.text
    await chat.tap("No")
    assert "chest pain" in chat.text
    await chat.tap("No")
    assert chat.state() == "idle"
    assert chat.engine.store.recent_runs(chat.address)[0].tier == "keep_easy"


async def test_no_pain_skips_warning_signs_and_gives_post_run_stretches(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("10 km in 55 min on the track, moderate, no pain")
    assert "safety check" not in chat.text.lower()
    assert load().items["A1"].text in chat.text


async def test_saddle_numbness_in_free_text_gives_only_the_emergency_message(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("ran 5k on road, back hurts 3/10 and I'm numb around my groin")
    assert len(chat.replies) == 1
    reply = chat.replies[0]
    assert reply.kind == "emergency" and not reply.buttons
    assert "999 (or 112)" in reply.text and "A&E" in reply.text  # a Europe/London runner gets UK numbers
    for item in load().items.values():
        assert item.text not in reply.text
    assert chat.state() == "idle"
    assert chat.engine.store.recent_runs(chat.address)[0].tier == "emergency"


async def test_yes_to_the_urgent_signs_question_is_an_emergency(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("6 km in 40 min on trail, easy, left buttock sharp 5/10 since today, worse")
    assert "between your legs" in chat.text
    await chat.tap("Yes")
    assert [r.kind for r in chat.replies] == ["emergency"]
    assert chat.state() == "idle"


@pytest.mark.parametrize("answers", [["Not sure"], ["No", "Yes"], ["No", "Not sure"]])
async def test_yes_or_not_sure_to_an_emergency_group_is_an_emergency(chat: Chat, answers: list[str]) -> None:
    await onboard(chat)
    await chat.say("6 km in 40 min on trail, easy, left buttock sharp 5/10 since today, worse")
    for answer in answers:
        await chat.tap(answer)
    assert [r.kind for r in chat.replies] == ["emergency"]
    assert chat.engine.store.recent_runs(chat.address)[0].tier == "emergency"


async def test_spasm_centred_in_low_back_gets_strain_self_care(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("7 km 40 min road easy, spasm in the middle of my lower back 5/10 since today, same")
    await chat.tap("No")
    await chat.tap("No")
    await chat.tap("No")
    await chat.tap("No")
    assert load().items["P2"].text in chat.text
    assert chat.engine.store.recent_runs(chat.address)[0].tier == "rest"


async def test_old_button_gets_a_polite_answer_and_does_not_move_the_state(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("/checkin")
    await chat.say("5 km")
    await chat.say("30 min")
    old = chat.button("Grass").payload
    await chat.tap("Track")
    state = chat.state()
    await chat.press(old)
    assert "passed" in chat.text
    assert chat.state() == state
    assert chat.engine.store.load(chat.address).conversation.data["checkin"]["surface"] == "track"


async def test_bad_input_gets_a_specific_reask_and_keeps_answers(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("/checkin")
    await chat.say("500 km")
    assert "500" in chat.text and chat.state() == "checkin:distance_km"
    await chat.say("0")
    assert chat.state() == "checkin:distance_km"
    await chat.say("8")
    await chat.say("30 hours")
    assert chat.state() == "checkin:duration_min"
    await chat.say("🏃‍♀️🔥")
    assert chat.state() == "checkin:duration_min" and "time" in chat.text.lower()
    await chat.say("5 min")
    assert "world record" in chat.text and chat.state() == "checkin:duration_min"
    await chat.say("48 min")
    await chat.tap("Grass")
    await chat.tap("Hard")
    await chat.tap("Something hurts")
    await chat.tap("Upper back")
    await chat.say("11")
    assert "11" in chat.text and "10" in chat.text and chat.state() == "checkin:pain_score"
    data = chat.engine.store.load(chat.address).conversation.data["checkin"]
    assert (data["distance_km"], data["duration_min"], data["surface"], data["effort"]) == (8.0, 48.0, "grass", "hard")


async def test_very_long_message_is_refused_with_its_length(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("/checkin")
    await chat.say("a" * 5000)
    assert "5000 characters" in chat.text
    assert chat.state() == "checkin:distance_km"


async def test_cancel_from_any_step_keeps_what_was_saved(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("10 km in 60 min on grass, easy, no pain")
    await chat.say("/checkin")
    await chat.say("5 km")
    await chat.say("/cancel")
    assert "wasn't logged" in chat.text
    assert chat.state() == "idle"
    assert len(chat.engine.store.recent_runs(chat.address)) == 1
    assert chat.engine.store.load(chat.address).profile.name == "Ann"


async def test_history_lists_runs_with_pain_and_tier(chat: Chat) -> None:
    await onboard(chat, units="Miles")
    await chat.say("5 miles in 50 min on road, easy, no pain")
    await chat.say("/history")
    assert "5.0 mi" in chat.text and "no pain" in chat.text and "keep running easy" in chat.text


async def test_export_is_a_csv_of_the_runners_runs(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("8 km in 45 min on road, easy, no pain")
    await chat.say("/export")
    name, content = chat.replies[0].document
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert name.endswith(".csv") and len(rows) == 1 and rows[0]["distance_km"] == "8.0"


async def test_forget_needs_confirmation_then_deletes_everything(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("8 km in 45 min on road, easy, no pain")
    await chat.say("/forget")
    await chat.tap("No, keep it")
    assert chat.engine.store.load(chat.address).profile is not None
    await chat.say("/forget")
    await chat.tap("Yes, delete everything")
    assert "deleted" in chat.text
    assert chat.engine.store.load(chat.address).profile is None
    assert chat.engine.store.recent_runs(chat.address) == []


async def test_privacy_and_help_and_stretches(chat: Chat) -> None:
    await chat.say("/privacy")
    assert "store" in chat.text.lower() and "/forget" in chat.text
    await chat.say("/help")
    assert "/checkin" in chat.text and "/cancel" in chat.text
    await chat.say("/stretches warmup")
    assert load().items["W1"].text in chat.text
    await chat.say("/stretches")
    await chat.tap("After the run")
    assert load().items["A1"].text in chat.text


async def test_unknown_command_and_chatter(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("/fly")
    assert "/fly" in chat.text
    await chat.say("what a lovely day")
    assert "didn't find a run" in chat.text


async def test_group_never_asks_about_or_echoes_pain(engine) -> None:
    group = Chat(engine, user="dee", chat_kind=ChatKind.GROUP, chat_id="club-1")
    await group.say("my lower back is killing me after the 10k, 7/10")
    assert all(r.visibility is Visibility.ANYWHERE for r in group.replies)
    assert "back" not in group.text.lower() and "7" not in group.text
    assert group.labels == ["Continue privately"]
    await group.say("/checkin")
    assert group.replies[0].kind == "go_private" and "pain" not in group.text.lower()
    assert engine.store.load(group.address).profile is None


async def test_emergency_reply_is_one_message_without_buttons() -> None:
    reply = advice.emergency_reply()
    assert reply.kind == "emergency" and not reply.buttons


async def test_deep_link_payload_opens_the_named_command(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("/start history")
    assert "No runs logged yet" in chat.text
    await chat.say("/start checkin")
    assert chat.state() == "checkin:distance_km"
