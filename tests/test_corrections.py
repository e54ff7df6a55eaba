"""A log the runner can correct: /undo, /edit and past-day check-ins, checked in /history, the CSV and the chart's weeks."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from dialogs import progress
from dialogs.engine import Engine
from storage.repository import SqlStore
from tests.conftest import Chat, Clock, onboard

UTC = timezone.utc


async def checkin(chat: Chat, text: str) -> str:
    """Logs a pain-free run from one line, answering what is still missing."""
    await chat.say(text)
    for _ in range(6):
        if "Logged:" in chat.text:
            return chat.text
        pick = next((l for l in ("Easy", "No pain", "Grass") if l in chat.labels), None)
        assert pick, chat.text
        await chat.tap(pick)
    raise AssertionError(chat.text)


async def history(chat: Chat) -> list[str]:
    await chat.say("/history")
    return chat.text.splitlines()[1:]


async def csv_rows(chat: Chat) -> list[dict[str, str]]:
    await chat.say("/export")
    document = next(r.document for r in chat.replies if r.document and r.document[0].endswith(".csv"))
    return list(csv.DictReader(io.StringIO(document[1].decode())))


def chart_weeks(store: SqlStore, chat: Chat, now: datetime, zone: str) -> dict[str, float]:
    """The weekly distances the /progress chart and the digest draw."""
    weeks = progress.weekly(store.recent_runs(chat.address, limit=0), now, zone)
    return {f"{w.start:%Y-%m-%d}": w.distance_km for w in weeks if w.has_data}


async def test_undo_asks_then_removes_the_last_run_everywhere(chat: Chat, store: SqlStore, clock: Clock) -> None:
    await onboard(chat)
    await checkin(chat, "ran 5 km in 30 min on grass, easy, no pain")
    clock.now += timedelta(days=2)
    await checkin(chat, "ran 8 km in 48 min on grass, easy, no pain")
    await chat.say("/undo")
    assert "Remove your last logged run? Tue 24 Nov: 8.0 km, 48 min, grass, easy, no pain" in chat.text
    await chat.tap("No, keep it")
    assert "Nothing was removed" in chat.text and len(await history(chat)) == 2
    await chat.say("/undo")
    await chat.tap("Yes, remove it")
    assert "Removed: Tue 24 Nov: 8.0 km" in chat.text
    assert await history(chat) == ["Sun 22 Nov: 5.0 km, 30 min, grass; no pain; keep running easy"]
    rows = await csv_rows(chat)
    assert [(r["date"], r["distance_km"]) for r in rows] == [("2026-11-22", "5.0")]
    assert chart_weeks(store, chat, clock.now, "Europe/London") == {"2026-11-16": 5.0}
    await chat.say("/undo")
    await chat.tap("Yes, remove it")
    await chat.say("/undo")
    assert "no run to change" in chat.text


async def test_a_stale_undo_button_removes_nothing(chat: Chat, store: SqlStore) -> None:
    await onboard(chat)
    await checkin(chat, "ran 5 km in 30 min on grass, easy, no pain")
    await chat.say("/undo")
    stale = chat.button("Yes, remove it").payload
    await chat.say("/cancel")
    await chat.press(stale)
    assert "passed" in chat.text and len(store.recent_runs(chat.address)) == 1


async def test_edit_distance_and_date_keep_history_csv_and_chart_in_step(chat: Chat, store: SqlStore, clock: Clock) -> None:
    await onboard(chat)
    clock.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday
    await checkin(chat, "ran 5 km in 30 min on grass, easy, no pain")
    await checkin(chat, "ran 6 km in 36 min on road, easy, no pain")
    await chat.say("/edit")
    assert chat.labels[:2] == ["Wed 25 Nov: 6.0 km, 36 min, road, easy, no pain", "Wed 25 Nov: 5.0 km, 30 min, grass, easy, no pain"]
    await chat.tap("Wed 25 Nov: 5.0 km, 30 min, grass, easy, no pain")
    assert chat.labels == ["Distance", "Time", "Surface", "Effort", "Pain score", "Date"]
    await chat.tap("Distance")
    await chat.say("banana")
    assert "couldn't read that as a distance" in chat.text and chat.state() == "edit:value"
    await chat.say("7 km")
    assert "Changed. Wed 25 Nov: 7.0 km, 30 min, grass" in chat.text and chat.state() == "idle"
    await chat.say("/edit")
    await chat.tap("Wed 25 Nov: 7.0 km, 30 min, grass, easy, no pain")
    await chat.tap("Date")
    await chat.say("tomorrow")
    assert "still to come" in chat.text and chat.state() == "edit:value"
    await chat.say("last Saturday")
    assert "Changed. Sat 21 Nov: 7.0 km" in chat.text
    assert await history(chat) == [
        "Wed 25 Nov: 6.0 km, 36 min, road; no pain; keep running easy",
        "Sat 21 Nov: 7.0 km, 30 min, grass; no pain; keep running easy",
    ]
    rows = await csv_rows(chat)
    assert [(r["date"], r["distance_km"]) for r in rows] == [("2026-11-21", "7.0"), ("2026-11-25", "6.0")]
    assert chart_weeks(store, chat, clock.now, "Europe/London") == {"2026-11-16": 7.0, "2026-11-23": 6.0}


async def test_edit_pain_score_and_surface_by_buttons(chat: Chat, store: SqlStore) -> None:
    await onboard(chat)
    await checkin(chat, "ran 5 km in 30 min on grass, easy, no pain")
    await chat.say("/edit")  # one run: straight to its fields
    await chat.tap("Pain score")
    await chat.tap("3")
    await chat.say("/edit")
    await chat.tap("Surface")
    await chat.tap("Track")
    [run] = store.recent_runs(chat.address)
    assert (run.pain_score, run.surface) == (3, "track")
    assert "pain 3/10" in "\n".join(await history(chat))


async def test_nobody_can_edit_or_undo_someone_elses_run(engine: Engine, store: SqlStore) -> None:
    ann, bob = Chat(engine, user="ann"), Chat(engine, user="bob")
    await onboard(ann)
    await onboard(bob)
    await checkin(ann, "ran 5 km in 30 min on grass, easy, no pain")
    await checkin(bob, "ran 9 km in 50 min on grass, easy, no pain")
    await ann.say("/undo")
    payload = ann.button("Yes, remove it").payload
    await bob.say("/undo")
    await bob.press(payload)  # bob answers his own question with ann's button: his own run is removed, never hers
    assert [r.distance_km for r in store.recent_runs(ann.address)] == [5.0]


async def test_yesterday_is_filed_under_the_runners_yesterday_across_a_time_zone_boundary(
    chat: Chat, store: SqlStore, clock: Clock
) -> None:
    await chat.say("/start")
    await chat.say("Ann")
    await chat.say("America/Los_Angeles")
    await chat.tap("Kilometres")
    await chat.tap("3–4 times")
    await chat.tap("Road / concrete")
    await chat.tap("In the past")
    await chat.tap("Skip")  # age band
    await chat.tap("None of these")  # health facts
    clock.now = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Monday in UTC, still Sunday 21:00 in Los Angeles
    text = await checkin(chat, "ran 5 km yesterday in 30 min on grass, easy, no pain")
    assert "filed under Sat 21 Nov" in text  # the runner's yesterday, not UTC's (Sunday)
    await checkin(chat, "ran 3 km in 20 min on grass, easy, no pain")
    assert await history(chat) == [
        "Sun 22 Nov: 3.0 km, 20 min, grass; no pain; keep running easy",
        "Sat 21 Nov: 5.0 km, 30 min, grass; no pain; keep running easy",
    ]
    rows = await csv_rows(chat)
    assert [r["date"] for r in rows] == ["2026-11-21", "2026-11-22"]
    # Saturday and Sunday are one local week (Mon 16 Nov): the chart must not split them
    assert chart_weeks(store, chat, clock.now, "America/Los_Angeles") == {"2026-11-16": 8.0}


async def test_a_pain_onset_day_is_not_taken_for_the_run_day(chat: Chat, store: SqlStore) -> None:
    await onboard(chat)
    await chat.say("ran 5 km in 30 min on grass, easy, lower back aching 3/10 since yesterday")
    [line] = [r.text for r in chat.replies[:1]]
    assert "Filed under" not in line
    await chat.say("/cancel")


async def test_a_named_day_too_far_back_or_ahead_gets_a_short_answer_and_today(chat: Chat, store: SqlStore) -> None:
    await onboard(chat)
    text = await checkin(chat, "ran 5 km tomorrow in 30 min on grass, easy, no pain")
    assert "still to come" in text and "/edit changes the date" in text
    [run] = store.recent_runs(chat.address)
    assert run.started_at is None  # filed under today, nothing the runner said was lost


async def test_superscript_digits_are_not_read_as_numbers(chat: Chat) -> None:
    """'²' passes str.isdigit() but int() refuses it: it must get a re-ask, not a crash."""
    await chat.say("/start")
    await chat.say("Ann")
    await chat.say("Europe/London")
    await chat.tap("Kilometres")
    await chat.say("²")
    assert "went wrong" not in chat.text
    await chat.press("a²:yes")
    await chat.press("f:²:better")
    assert "went wrong" not in chat.text


async def test_editing_pain_up_to_9_triages_again_and_never_down(chat: Chat, store: SqlStore) -> None:
    await onboard(chat)
    await checkin(chat, "ran 5 km in 30 min on grass, easy, no pain")
    await chat.say("/edit")
    await chat.tap("Pain score")
    await chat.tap("9")
    [run] = store.recent_runs(chat.address)
    assert (run.pain_score, run.tier) == (9, "doctor_today")
    assert "doctor" in chat.text.lower()
    await chat.say("/edit")
    await chat.tap("Pain score")
    await chat.tap("2")
    [run] = store.recent_runs(chat.address)
    assert (run.pain_score, run.tier) == (2, "doctor_today")  # lowering the score keeps the advice given
    await chat.say("/plan")
    assert "stopped suggesting runs" in chat.text  # the safety gate follows the raised tier
