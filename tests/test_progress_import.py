"""GPX and FIT run files: parsing, bad files, the pre-filled check-in, duplicates, the terminal's /import.

The files are written by tests.runfile_makers; hostile files and limits are in test_runfile_limits.py.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dialogs import imports
from dialogs.messages import Attachment, ChatKind, Incoming
from tests.conftest import Chat, onboard
from tests.runfile_makers import START, gpx_document, make_fit, make_gpx

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ parsing


def test_gpx_gives_start_distance_moving_time_and_climb() -> None:
    parsed = imports.parse_run_file("morning.gpx", make_gpx())
    assert parsed.kind == "gpx" and parsed.started_at == START
    assert parsed.distance_km == pytest.approx(8.0, rel=0.01)
    assert parsed.moving_min == pytest.approx(45.0, rel=0.03)
    assert parsed.elevation_gain_m == pytest.approx(40.0, abs=8)


def test_fit_session_gives_start_distance_moving_time_and_climb() -> None:
    parsed = imports.parse_run_file("Run.FIT", make_fit())
    assert parsed.kind == "fit" and parsed.started_at == START
    assert parsed.distance_km == pytest.approx(10.0)
    assert parsed.moving_min == pytest.approx(55.0)
    assert parsed.elevation_gain_m == 85


def test_fit_without_session_falls_back_to_records() -> None:
    parsed = imports.parse_run_file("watch.fit", make_fit(session=False))
    assert parsed.started_at == START
    assert parsed.distance_km == pytest.approx(10.0)
    assert parsed.moving_min == pytest.approx(55.0)


def test_files_are_recognised_by_content_not_only_by_name() -> None:
    assert imports.parse_run_file("export", make_fit()).kind == "fit"
    assert imports.parse_run_file("activity.xml", make_gpx()).kind == "gpx"


def _problem(filename: str, content: bytes) -> str:
    with pytest.raises(imports.RunFileError) as caught:
        imports.parse_run_file(filename, content)
    return str(caught.value)


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("run.gpx", b"", "empty"),
        ("run.fit", b"", "empty"),
        ("run.gpx", b"<?xml version='1.0'?><gpx><trk><trkseg><trkpt lat='51", "damaged"),
        ("run.gpx", make_gpx()[:-400], "damaged"),
        ("run.fit", make_fit()[:60], "damaged"),
        ("run.fit", b"definitely not a fit file at all", "damaged"),
        ("run.tcx", b"<TrainingCenterDatabase/>", "not a .tcx file"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * 50, "GPX and FIT"),
        ("route.gpx", make_gpx(times=False), "no times"),
        ("run.gpx", gpx_document([]), "no recorded track"),
        ("ride.fit", make_fit(sport="cycling"), "cycling activity, not a run"),
        ("car.gpx", make_gpx(km=30, minutes=20), "faster than any runner"),
    ],
)
def test_bad_files_get_a_clear_answer(filename: str, content: bytes, expected: str) -> None:
    assert expected in _problem(filename, content)


def test_oversized_files_are_refused_before_parsing() -> None:
    big = make_gpx() + b" " * imports.MAX_BYTES
    assert "up to 5 MB" in _problem("huge.gpx", big)


# ------------------------------------------------------------------ through the engine


def upload(chat: Chat, name: str, content: bytes, size: int | None = None) -> Incoming:
    return Incoming(chat.address, attachment=Attachment(name, len(content) if size is None else size, content),
                    kind="attachment")


async def send(chat: Chat, name: str, content: bytes, size: int | None = None) -> str:
    chat.replies = await chat.engine.handle(upload(chat, name, content, size))
    return chat.text


async def test_imported_gpx_asks_only_surface_effort_and_pain(chat: Chat, store) -> None:
    await onboard(chat)
    text = await send(chat, "morning.gpx", make_gpx())
    assert "From your GPX file: Sat 21 Nov, 07:30, 8.0 km in 45 min moving" in text
    assert "m of climbing" in text
    assert chat.state() == "checkin:surface"
    await chat.tap("Grass")
    assert chat.state() == "checkin:effort"
    await chat.tap("Easy")
    assert chat.state() == "checkin:has_pain"
    await chat.tap("No pain")
    assert "Logged: 8.0 km in 45 min on grass, easy effort, no pain." in chat.text
    [run] = store.recent_runs(chat.address)
    assert run.started_at == START and run.distance_km == pytest.approx(8.0, rel=0.01)
    assert run.surface == "grass" and run.pain_score is None
    assert store.export_rows(chat.address)[0]["distance_km"] == run.distance_km


async def test_same_run_sent_again_is_recognised_not_doubled(chat: Chat, store) -> None:
    await onboard(chat)
    await send(chat, "run.fit", make_fit())
    for label in ("Trail / gravel", "Moderate", "No pain"):
        await chat.tap(label)
    assert "Logged: 10.0 km in 55 min on trail" in chat.text
    again = await send(chat, "run.fit", make_fit())
    assert "I already have this run: Sat 21 Nov, 07:30, 10.0 km" in again
    gpx_of_same_run = await send(chat, "same-run.gpx", make_gpx(km=10, minutes=55, start=START + timedelta(seconds=1)))
    assert "already have this run" in gpx_of_same_run
    assert len(store.recent_runs(chat.address)) == 1
    assert chat.state() == "idle"
    other = await send(chat, "next.fit", make_fit(start=START - timedelta(days=2)))
    assert "From your FIT file: Thu 19 Nov" in other and chat.state() == "checkin:surface"


async def test_bad_files_save_nothing_and_keep_the_conversation(chat: Chat, store) -> None:
    await onboard(chat)
    for name, content, size in [
        ("run.gpx", b"", None),
        ("run.fit", make_fit()[:50], None),
        ("big.gpx", b"<gpx/>", 6 * 1024 * 1024),
        ("notes.txt", b"hello", None),
    ]:
        text = await send(chat, name, content, size)
        assert text and chat.state() == "idle", text
    assert "6.3 MB" in text or "GPX and FIT" in text
    assert store.recent_runs(chat.address) == []


async def test_a_file_mid_checkin_does_not_clobber_it(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("5 km in 30 min")
    assert chat.state() == "checkin:surface"
    assert "finish what we're doing first" in await send(chat, "run.gpx", make_gpx())
    assert chat.state() == "checkin:surface"


async def test_files_from_strangers_and_groups(engine) -> None:
    stranger = Chat(engine, user="zed")
    assert "/start first" in await send(stranger, "run.gpx", make_gpx())
    group = Chat(engine, user="zed", chat_kind=ChatKind.GROUP, chat_id="club")
    assert await send(group, "run.gpx", make_gpx()) == ""


async def test_adapter_that_did_not_download_the_file(chat: Chat) -> None:
    await onboard(chat)
    text = await send(chat, "run.gpx", None, size=1000)  # type: ignore[arg-type]
    assert "couldn't download" in text


# ------------------------------------------------------------------ the terminal


def test_terminal_import_then_progress(tmp_path: Path) -> None:
    older = tmp_path / "older.fit"
    older.write_bytes(make_fit(start=datetime.now(timezone.utc) - timedelta(days=9)))
    newer = tmp_path / "newer run.gpx"
    newer.write_bytes(make_gpx(start=datetime.now(timezone.utc) - timedelta(days=1)))
    lines = ["/start", "Ann", "skip", "Kilometres", "2", "1", "2", "5", "5",
             f"/import {older}", "Grass", "Easy", "No pain",
             f"/import {newer}", "Track", "Moderate", "No pain",
             f"/import {newer}", "/import /nowhere/run.gpx", "/progress"]
    db = f"sqlite:///{tmp_path / 'c.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--as", "ann", "--database-url", db, "--out-dir", str(tmp_path)],
        cwd=ROOT, input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in out + result.stderr
    assert "From your FIT file" in out and "From your GPX file" in out
    assert "How far did you run?" not in out and "How long were you out?" not in out
    assert "I already have this run" in out
    assert "No file found. Usage: /import PATH" in out
    assert "[image saved:" in out and (tmp_path / "backstride-chart.png").exists()
