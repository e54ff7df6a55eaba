"""Private chats end to end: the real python-telegram-bot Application against the fake Bot API."""

from __future__ import annotations

import logging

import pytest

from dialogs.messages import Address
from tests.telegram.conftest import Runner, onboard
from tests.telegram.fake_bot_api import TOKEN


async def test_checkin_by_buttons(api, make_adapter, store) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    await onboard(ann)
    await ann.say("/checkin")
    await ann.say("8 km")
    await ann.say("45 min")
    await ann.tap("Road / concrete")
    await ann.tap("Easy")
    await ann.tap("Something hurts")
    await ann.tap("Low back, middle")
    await ann.tap("4")
    await ann.tap("Ache")
    await ann.tap("Yesterday")
    await ann.tap("Same")
    await ann.tap("No")
    assert "safety check" in ann.text.lower()
    await ann.tap("No")
    await ann.tap("No")
    await ann.tap("No")
    await ann.tap("No")
    assert "source" in ann.text.lower()
    runs = store.recent_runs(ann_address(ann))
    assert len(runs) == 1 and runs[0].pain_score == 4 and runs[0].surface == "road"
    # every press was answered, and each pressed question became the next step in place:
    # one edit per press instead of retiring the keyboard and sending a new message
    assert len(api.calls_of("answerCallbackQuery")) == 19  # 6 in onboarding, 13 in the check-in
    edits = api.calls_of("editMessageText")
    assert len(edits) == 19 and not api.calls_of("editMessageReplyMarkup")
    asked = [e for e in edits if e.keyboard]
    assert len(asked) >= 16  # the next question, with its buttons, took the pressed one's place
    shown = api.messages[(ANN_ID, edits[-1].params["message_id"])]
    assert shown["text"] == edits[-1].params["text"]


ANN_ID = 501


def ann_address(runner: Runner):  # type: ignore[no-untyped-def]
    from dialogs.messages import Address

    return Address("telegram", str(runner.chat_id), str(runner.user_id))


async def test_checkin_by_free_text(api, make_adapter, store) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    await onboard(ann)
    await ann.say("ran 8 km in 45 min on concrete, lower back aching 4/10 since yesterday")
    assert "How hard" in ann.text and "How far" not in ann.text
    assert ann.last[-1].buttons and all(len(b["callback_data"].encode()) <= 64 for b in ann.last[-1].buttons)
    await ann.tap("Easy")
    await ann.tap("Same")
    await ann.tap("No")
    await ann.tap("No")
    await ann.tap("No")
    await ann.tap("No")
    await ann.tap("No")
    run = store.recent_runs(ann_address(ann))[0]
    assert (run.distance_km, run.duration_min, run.surface, run.pain_score) == (8.0, 45.0, "road", 4)


async def test_emergency_is_one_message_without_keyboard(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    await onboard(ann)
    sent = await ann.say("ran 5k on road, back hurts 3/10 and I'm numb around my groin")
    assert len(sent) == 1
    assert "reply_markup" not in sent[0].params
    assert "999" in sent[0].text and "112" in sent[0].text


async def test_stale_button_gets_that_question_has_passed(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    await onboard(ann)
    await ann.say("/checkin")
    await ann.say("5 km")
    asked = await ann.say("30 min")
    old_message = api.messages[(ann.chat_id, asked[-1].result["message_id"])]
    grass = next(b["callback_data"] for b in asked[-1].buttons if b["text"] == "Grass")
    await ann.say("track")  # answered by typing: the old keyboard is still on screen
    await ann.press(grass, old_message)
    assert "That question has passed" in ann.text


async def test_deep_link_start_opens_the_checkin(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    await onboard(ann)
    await ann.say("/start checkin")
    assert "How far" in ann.text or "far" in ann.text.lower()


async def test_photo_sticker_voice_and_document_get_a_friendly_note(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    for what in ("photo", "sticker", "voice"):
        sent = await ann._turn(lambda: api.send_other(ann.user_id, what))
        assert len(sent) == 1 and "text" in sent[0].text.lower(), what


async def test_sharing_a_location_at_the_time_zone_question_sets_the_zone(api, make_adapter, tmp_path) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    await ann.say("/start")
    await ann.say("Ann")
    sent = await ann._turn(lambda: api.send_other(ann.user_id, "location"))  # London coordinates
    assert "Europe/London" in sent[0].text
    profile = adapter.engine.store.load(Address("telegram", str(ann.user_id), str(ann.user_id))).profile
    assert profile.timezone == "Europe/London"
    dump = "\n".join(str(row) for row in adapter.engine.store.export_rows(
        Address("telegram", str(ann.user_id), str(ann.user_id))))
    assert "51.5" not in dump  # the coordinates themselves are not kept
    sent = await ann._turn(lambda: api.send_other(ann.user_id, "location"))
    assert "/settings" in sent[0].text


GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Morning run</name><trkseg>
<trkpt lat="51.5000" lon="-0.1200"><ele>10</ele><time>2026-11-21T07:00:00Z</time></trkpt>
<trkpt lat="51.5200" lon="-0.1200"><ele>12</ele><time>2026-11-21T07:12:00Z</time></trkpt>
<trkpt lat="51.5400" lon="-0.1200"><ele>11</ele><time>2026-11-21T07:24:00Z</time></trkpt>
</trkseg></trk></gpx>"""


async def test_a_gpx_file_is_downloaded_and_starts_a_checkin(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    await onboard(ann)
    sent = await ann._turn(lambda: api.send_file(ann.user_id, "morning.gpx", GPX))
    assert api.calls_of("getFile") and api.calls_of("download")
    assert sent and "couldn't download" not in ann.text
    assert "4.5 km in 24 min" in ann.text and "What did you run on" in ann.text


async def test_command_menus_are_set_for_private_chats_and_groups(api, make_adapter) -> None:
    await make_adapter()
    scopes = {c.params["scope"]["type"]: c.params["commands"] for c in api.calls_of("setMyCommands")}
    assert set(scopes) == {"all_private_chats", "all_group_chats"}
    private = {c["command"] for c in scopes["all_private_chats"]}
    group = {c["command"] for c in scopes["all_group_chats"]}
    assert {"checkin", "history", "forget"} <= private
    assert "clubrun" in group and "forget" not in group


async def test_export_arrives_as_a_document(api, make_adapter) -> None:
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    await onboard(ann)
    await ann.say("10 km in 55 min on the track, moderate, no pain")
    sent = await ann.say("/export")
    documents = [c for c in sent if c.method == "sendDocument"]
    assert documents and documents[0].files["document"][0].endswith(".csv")
    assert b"distance_km" in documents[0].files["document"][1]


async def test_the_token_never_reaches_the_logs(api, make_adapter, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.fail("sendMessage", status=500)
    api.fail("sendMessage", disconnect=True)
    api.fail("getUpdates", status=502)
    adapter = await make_adapter()
    ann = Runner(api, adapter)
    await ann.say("/start")
    await ann.say("Ann")
    assert caplog.records
    secret = TOKEN.split(":", 1)[1]
    leaks = [(r.name, r.getMessage()[:300]) for r in caplog.records if secret in r.getMessage()]
    assert not leaks
    assert secret not in caplog.text
