"""Hostile and implausible run files: read outside the bot's process, within limits, refused with a clear answer.

Every file is generated here. The slow GPX (` xmlns` repeated) took gpxpy 75 s
of the bot's CPU per MB; the 60,000-record FIT took fit-tool 2.4 GB of the
bot's memory. Values a typed answer could never give (a negative or zero
duration, 17,633 km, a run in 1900 or 2100, NaN, 1e300 m) are refused as a
damaged file, never "something went wrong on my side".
"""

from __future__ import annotations

import resource
from datetime import datetime, timedelta, timezone

import pytest

from dialogs import imports, runfile_worker
from dialogs.messages import Attachment, Incoming
from tests.conftest import Chat, onboard
from tests.runfile_makers import START, dense_fit, gpx_document, make_fit, make_gpx, slow_gpx

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)  # the clock fixture's "now"


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(row for row in status if row.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _refusal(name: str, content: bytes) -> str:
    with pytest.raises(imports.RunFileError) as caught:
        imports.parse_run_file(name, content, NOW)
    return str(caught.value)


def test_slow_gpx_is_refused_without_costing_the_bot_cpu() -> None:
    before = _cpu_s()
    answer = _refusal("evil.gpx", slow_gpx(1_000_000))
    assert "damaged" in answer
    assert _cpu_s() - before < 1.0  # gpxpy spent ~75 s of this process's CPU on this file


def test_large_fit_is_read_in_the_worker_not_in_the_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "LIMITS", runfile_worker.Limits(wall_s=60))  # memory is the point here, not time
    content = make_fit(km=21.1, minutes=1000, records=60_000)  # 60k records, about 1.1 MB
    rss_before = _rss_mb()
    run = imports.parse_run_file("long.fit", content, NOW)
    assert run.distance_km == pytest.approx(21.1) and run.moving_min == pytest.approx(1000)
    assert _rss_mb() - rss_before < 50  # fit-tool kept ~39 KB a record here: 2.4 GB


def test_file_over_the_record_cap_is_too_big() -> None:
    answer = _refusal("dense.fit", dense_fit())
    assert "too big or damaged" in answer


def test_wall_time_limit_kills_a_slow_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "LIMITS", runfile_worker.Limits(wall_s=0.2))
    answer = _refusal("dense.fit", make_fit(records=90_000, minutes=1500))  # ~2.5 s to read
    assert "too big or damaged" in answer


def test_memory_limit_applies_in_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "LIMITS", runfile_worker.Limits(memory_bytes=24 * 1024 * 1024))
    assert "too big or damaged" in _refusal("run.fit", make_fit())
    monkeypatch.setattr(imports, "LIMITS", runfile_worker.DEFAULT)
    assert imports.parse_run_file("run.fit", make_fit(), NOW).distance_km == pytest.approx(10.0)


def _gpx(points: list[tuple[str, str, str | None, str | None]]) -> bytes:
    rows = []
    for lat, lon, ele, moment in points:
        inner = (f"<ele>{ele}</ele>" if ele is not None else "") + (f"<time>{moment}</time>" if moment else "")
        rows.append(f'<trkpt lat="{lat}" lon="{lon}">{inner}</trkpt>')
    return gpx_document(rows)


def _line(count: int, **changes: object) -> list[tuple[str, str, str | None, str | None]]:
    """A 1 km northward GPX line, one point a minute; `changes` replace one point's fields by index."""
    rows = []
    for i in range(count):
        moment = START + timedelta(minutes=i)
        rows.append((f"{51.5 + i * 0.001:.4f}", "-0.12", "50.0", f"{moment:%Y-%m-%dT%H:%M:%SZ}"))
    for key, value in changes.items():
        index, field = int(key.split("_")[1]), key.split("_")[0]
        lat, lon, ele, moment = rows[index]
        rows[index] = {"lat": (value, lon, ele, moment), "lon": (lat, value, ele, moment),
                       "ele": (lat, lon, value, moment), "time": (lat, lon, ele, value)}[field]  # type: ignore[assignment]
    return rows


BAD_VALUES = [
    ("backwards.fit", make_fit(session=False, minutes=-30, records=31), "damaged"),  # timestamps going backwards
    ("zero.fit", make_fit(duration_s=0), "damaged"),
    ("far.fit", make_fit(km=17_633, minutes=3000), "more than one run covers"),
    ("long.fit", make_fit(km=150, minutes=3000), "longer than one run lasts"),
    # FIT counts seconds from 31 Dec 1989; below 2**28 they are a device's uptime, not a date
    ("early.fit", make_fit(start=datetime(1989, 12, 31, 1, tzinfo=timezone.utc)), "a time I can't read"),
    ("future.fit", make_fit(start=datetime(2100, 6, 1, tzinfo=timezone.utc)), "01 Jun 2100"),
    ("old.gpx", make_gpx(start=datetime(1900, 5, 1, tzinfo=timezone.utc)), "01 May 1900"),
    ("future.gpx", make_gpx(start=datetime(2100, 5, 1, tzinfo=timezone.utc)), "01 May 2100"),
    ("backwards.gpx", _gpx(list(reversed(_line(20)))), "damaged"),
    ("nan.gpx", _gpx(_line(20, lat_3="nan")), "position that isn't on Earth"),
    ("inf.gpx", _gpx(_line(20, lon_3="inf")), "position that isn't on Earth"),
    ("pole.gpx", _gpx(_line(20, lat_3="91.5")), "position that isn't on Earth"),
    ("high.gpx", _gpx(_line(20, ele_5="1e300")), "elevation no run reaches"),
    ("low.gpx", _gpx(_line(20, ele_5="-1e300")), "elevation no run reaches"),
    ("nan-ele.gpx", _gpx(_line(20, ele_5="NaN")), "elevation no run reaches"),
    ("mixed.gpx", _gpx(_line(20, time_4="2026-11-21T07:34:00")), "a time I can't read"),
    ("words.gpx", _gpx(_line(20, time_4="21/11/2026 07:34")), "a time I can't read"),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD_VALUES, ids=[row[0] for row in BAD_VALUES])
def test_implausible_values_are_a_damaged_file(name: str, content: bytes, expected: str) -> None:
    answer = _refusal(name, content)
    assert expected in answer
    assert "looks damaged" in answer or "too big or damaged" in answer


def test_consistent_zone_less_or_offset_times_are_read_as_utc() -> None:
    plain = [(lat, lon, ele, moment.rstrip("Z")) for lat, lon, ele, moment in _line(20)]  # type: ignore[union-attr]
    assert imports.parse_run_file("plain.gpx", _gpx(plain), NOW).started_at == START
    shifted = [(lat, lon, ele, moment.replace("Z", "+01:00").replace("T07", "T08"))  # type: ignore[union-attr]
               for lat, lon, ele, moment in _line(20)]
    assert imports.parse_run_file("offset.gpx", _gpx(shifted), NOW).started_at == START


async def test_damaged_values_through_the_engine_keep_the_runner_where_they_were(chat: Chat, store) -> None:
    await onboard(chat)
    for name, content, _ in BAD_VALUES:
        upload = Incoming(chat.address, attachment=Attachment(name, len(content), content), kind="attachment")
        chat.replies = await chat.engine.handle(upload)
        assert "looks damaged" in chat.text or "too big or damaged" in chat.text, (name, chat.text)
        assert "wrong on my side" not in chat.text and chat.state() == "idle"
    assert store.recent_runs(chat.address) == []


async def test_read_async_leaves_the_event_loop_free() -> None:
    import asyncio

    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beating = asyncio.create_task(heartbeat())
    try:
        run = await runfile_worker.read_async("long.fit", make_fit(km=21.1, minutes=1000, records=40_000),
                                              runfile_worker.Limits(wall_s=60))
    finally:
        beating.cancel()
    assert run.distance_km == pytest.approx(21.1)
    assert ticks >= 20  # the loop kept running through a read of a second or more


def test_no_coordinates_reach_the_log_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    damaged = _gpx(_line(20, ele_5="1e300"))
    unreadable = make_gpx()[:-400]  # gpxpy logged such a file, GPS points and all
    for content in (damaged, unreadable, make_gpx()):
        try:
            imports.parse_run_file("run.gpx", content, NOW)
        except imports.RunFileError:
            pass
    assert "51.5" not in caplog.text and "-0.12" not in caplog.text
