"""Reads a GPX or FIT run file into a few numbers, in bounded time and memory.

Both readers stream: GPX through defusedxml's iterparse (expat, no DTDs or
entities), FIT through fitdecode (CRC checked), keeping only running totals,
so memory does not grow with the file. Caps on points, messages and nesting
depth bound the time too. Anything odd in the file (a coordinate out of range,
NaN, an elevation of 1e300, a time that is not a time) is a `RunFileError`
whose message is the answer to show. This module runs inside the run-file
worker process (dialogs.runfile_worker), never in the bot's own process.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import PurePath
from typing import Any

logger = logging.getLogger(__name__)

FIT_SIGNATURE = b".FIT"  # bytes 8-11 of every FIT file header
RUN_SPORTS = {"generic", "running", "walking", "hiking", "trail_running", "treadmill_running"}
MAX_POINTS = 100_000  # a 27-hour run recorded once a second
MAX_FIT_MESSAGES = 100_000  # a 27-hour 1 Hz run; fitdecode reads about 35,000 a second here
MAX_DEPTH = 32  # GPX nests about 7 deep, extensions included
EARTH_RADIUS_M = 6_378_137.0  # as gpxpy used, so a file reads the same distance as before
STOPPED_M_PER_S = 0.3  # slower than this between two points counts as standing still (about 1 km/h)
CLIMB_STEP_M = 2.0  # rises smaller than this are GPS noise, not climbing
ELEVATION_RANGE_M = (-500.0, 9_000.0)
MAX_SESSION_S = 100 * 86_400  # FIT's uint32 times allow 136 years; no recording lasts 100 days

TEXTS = {
    "unsupported": (
        "I can read GPX and FIT files from a watch or running app, not {kind}. "
        "Export the run as GPX or FIT, or just tell me about it in words."
    ),
    "corrupt": "I couldn't read that {kind} file; it looks damaged or incomplete. Try exporting it again.",
    "damaged_value": "That {kind} file looks damaged: {what}. Try exporting the run again.",
    "too_many": "That {kind} file is too big or damaged: it has more than {cap:,} {items}. Could you export just this run?",
    "no_track": "That {kind} file has no recorded track in it, so there's no run to log.",
    "no_times": (
        "That GPX file has a route but no times, so it looks like a planned route rather than a recorded run. "
        "Send the recorded activity instead."
    ),
    "not_a_run": "That file looks like a {sport} activity, not a run, so I didn't log it.",
}
WHAT = {
    "coordinate": "a position that isn't on Earth",
    "elevation": "an elevation no run reaches",
    "time": "a time I can't read",
    "number": "a number that isn't a number",
}


class RunFileError(ValueError):
    """A file that cannot be logged; the message is the answer to show."""


@dataclass(frozen=True)
class ParsedRun:
    """What a run file says about the run (not yet checked for plausibility)."""

    kind: str  # "gpx" | "fit"
    started_at: datetime  # aware UTC
    ended_at: datetime  # aware UTC
    distance_km: float
    moving_min: float
    elevation_gain_m: float | None


def detect(filename: str, content: bytes) -> str:
    """Returns "gpx" or "fit" from the content (or the name's suffix), else raises."""
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if len(content) >= 12 and content[8:12] == FIT_SIGNATURE:
        return "fit"
    if b"<gpx" in content[:2048]:
        return "gpx"
    if suffix in ("gpx", "fit"):
        return suffix
    raise RunFileError(TEXTS["unsupported"].format(kind=f"a .{suffix} file" if suffix else "that kind of file"))


def sniff(kind: str, content: bytes) -> None:
    """Refuses, without reading it, a file whose first bytes cannot start a GPX or FIT file."""
    if kind == "fit" and (len(content) < 14 or content[8:12] != FIT_SIGNATURE):
        raise RunFileError(TEXTS["corrupt"].format(kind="FIT"))
    if kind == "gpx" and b"gpx" not in content[:4096].lower():
        raise RunFileError(TEXTS["corrupt"].format(kind="GPX"))


def parse(filename: str, content: bytes) -> ParsedRun:
    """Reads a GPX or FIT file; raises RunFileError with the answer to show."""
    kind = detect(filename, content)
    return read_gpx(content) if kind == "gpx" else read_fit(content)


def _damaged(kind: str, what: str) -> RunFileError:
    return RunFileError(TEXTS["damaged_value"].format(kind=kind, what=WHAT[what]))


def _finite(value: Any, kind: str, what: str = "number") -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise _damaged(kind, what) from None
    if not math.isfinite(number):
        raise _damaged(kind, what)
    return number


def _utc(moment: datetime) -> datetime:
    """GPX and FIT times are UTC; a time written without a zone is read as UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class Climb:
    """Adds up climbing, ignoring rises smaller than CLIMB_STEP_M (GPS and barometer noise)."""

    def __init__(self) -> None:
        self.gain = 0.0
        self.low: float | None = None
        self.seen = False

    def add(self, height: float) -> None:
        self.seen = True
        if self.low is None or height < self.low:
            self.low = height
        elif height - self.low >= CLIMB_STEP_M:
            self.gain += height - self.low
            self.low = height


# ------------------------------------------------------------------ GPX


class _Track:
    """Running totals over a GPX track's points."""

    def __init__(self) -> None:
        self.points = 0
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.previous: tuple[float, float, datetime | None] | None = None
        self.metres = 0.0
        self.moving_s = 0.0
        self.climb = Climb()
        self.zoned: bool | None = None  # whether the file's times carry a zone; a file must not mix both

    def new_segment(self) -> None:
        self.previous = None

    def add(self, lat: float, lon: float, height: float | None, moment: datetime | None) -> None:
        self.points += 1
        if self.points > MAX_POINTS:
            raise RunFileError(TEXTS["too_many"].format(kind="GPX", cap=MAX_POINTS, items="track points"))
        if height is not None:
            self.climb.add(height)
        if moment is not None:  # in file order: times that run backwards end before they start
            zoned = moment.tzinfo is not None
            if self.zoned is None:
                self.zoned = zoned
            elif zoned != self.zoned:
                raise _damaged("GPX", "time")
            moment = _utc(moment)
            self.first = moment if self.first is None else self.first
            self.last = moment
        if self.previous is not None:
            step = haversine_m(self.previous[0], self.previous[1], lat, lon)
            self.metres += step
            before = self.previous[2]
            if before is not None and moment is not None:
                seconds = (moment - before).total_seconds()
                if seconds > 0 and step / seconds >= STOPPED_M_PER_S:
                    self.moving_s += seconds
        self.previous = (lat, lon, moment)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _gpx_point(element: Any) -> tuple[float, float, float | None, datetime | None]:
    lat = _finite(element.get("lat"), "GPX", "coordinate")
    lon = _finite(element.get("lon"), "GPX", "coordinate")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _damaged("GPX", "coordinate")
    height: float | None = None
    moment: datetime | None = None
    for child in element:
        name = _local(child.tag)
        text = (child.text or "").strip()
        if name == "ele" and text:
            height = _finite(text, "GPX", "elevation")
            if not ELEVATION_RANGE_M[0] <= height <= ELEVATION_RANGE_M[1]:
                raise _damaged("GPX", "elevation")
        elif name == "time" and text:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise _damaged("GPX", "time") from None
    return lat, lon, height, moment


def read_gpx(content: bytes) -> ParsedRun:
    """Streams a GPX file's track points into totals; routes and waypoints are not a run."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    track = _Track()
    stack: list[Any] = []
    try:
        for event, element in iterparse(io.BytesIO(content), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                stack.append(element)
                if len(stack) > MAX_DEPTH:
                    raise RunFileError(TEXTS["corrupt"].format(kind="GPX"))
                if _local(element.tag) == "trkseg":
                    track.new_segment()
                continue
            stack.pop()
            name = _local(element.tag)
            if name == "trkpt":
                track.add(*_gpx_point(element))
            if name in ("trkpt", "rtept", "wpt", "trkseg", "trk", "rte", "metadata", "extensions"):
                element.clear()
                if stack:
                    stack[-1].remove(element)  # the parent keeps nothing of what was read
    except (ParseError, DefusedXmlException, RecursionError):
        raise RunFileError(TEXTS["corrupt"].format(kind="GPX")) from None
    if track.points == 0:
        raise RunFileError(TEXTS["no_track"].format(kind="GPX"))
    if track.first is None or track.last is None:
        raise RunFileError(TEXTS["no_times"])
    return ParsedRun(
        kind="gpx",
        started_at=track.first.replace(microsecond=0),
        ended_at=track.last.replace(microsecond=0),
        distance_km=track.metres / 1000,
        moving_min=track.moving_s / 60,
        elevation_gain_m=track.climb.gain if track.climb.seen else None,
    )


# ------------------------------------------------------------------ FIT


def _fit_value(frame: Any, name: str) -> Any:
    value = frame.get_value(name, fallback=None)
    return value[0] if isinstance(value, tuple) and value else value


def _fit_time(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise _damaged("FIT", "time")
    return _utc(value)


def read_fit(content: bytes) -> ParsedRun:
    """Streams a FIT file: the session summary when there is one, else totals over its records."""
    import fitdecode

    sessions: list[Any] = []
    messages = 0
    first: datetime | None = None
    last: datetime | None = None
    top_distance = 0.0
    climb = Climb()
    try:
        with fitdecode.FitReader(
            io.BytesIO(content), check_crc=fitdecode.CrcCheck.RAISE, error_handling=fitdecode.ErrorHandling.RAISE
        ) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                messages += 1
                if messages > MAX_FIT_MESSAGES:
                    raise RunFileError(TEXTS["too_many"].format(kind="FIT", cap=MAX_FIT_MESSAGES, items="messages"))
                if frame.name == "session":
                    sessions.append(frame)
                elif frame.name == "record":
                    stamp = _fit_value(frame, "timestamp")
                    if stamp is None:
                        continue
                    moment = _fit_time(stamp)  # in file order, as for GPX
                    first = moment if first is None else first
                    last = moment
                    distance = _fit_value(frame, "distance")
                    if distance is not None:
                        top_distance = max(top_distance, _finite(distance, "FIT"))
                    height = _fit_value(frame, "enhanced_altitude")
                    height = _fit_value(frame, "altitude") if height is None else height
                    if height is not None:
                        climb.add(_finite(height, "FIT", "elevation"))
    except fitdecode.FitError:
        raise RunFileError(TEXTS["corrupt"].format(kind="FIT")) from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, EOFError) as problem:
        if isinstance(problem, RunFileError):
            raise
        logger.info("unreadable FIT: %s", type(problem).__name__)
        raise RunFileError(TEXTS["corrupt"].format(kind="FIT")) from None
    started = [s for s in sessions if _fit_value(s, "start_time") is not None]
    if started:
        return _from_sessions(started)
    if first is None or last is None:  # no session summary and no timed records: a course or settings file
        raise RunFileError(TEXTS["no_track"].format(kind="FIT"))
    return ParsedRun(
        kind="fit",
        started_at=first.replace(microsecond=0),
        ended_at=last.replace(microsecond=0),
        distance_km=top_distance / 1000,
        moving_min=(last - first).total_seconds() / 60,
        elevation_gain_m=climb.gain if climb.seen else None,
    )


def _from_sessions(sessions: list[Any]) -> ParsedRun:
    session = sessions[0]
    sport = _fit_value(session, "sport")
    if sport is not None and str(sport) not in RUN_SPORTS:
        name = str(sport).replace("_", " ") if isinstance(sport, str) else "non-running"
        raise RunFileError(TEXTS["not_a_run"].format(sport=name))
    start = _fit_time(_fit_value(session, "start_time"))
    seconds = 0.0
    elapsed = 0.0
    metres = 0.0
    for part in sessions:
        timer = _fit_value(part, "total_timer_time")
        total = _fit_value(part, "total_elapsed_time")
        seconds += _finite(timer if timer is not None else (total or 0.0), "FIT")
        elapsed += _finite(total if total is not None else (timer or 0.0), "FIT")
        metres += _finite(_fit_value(part, "total_distance") or 0.0, "FIT")
    ascent = _fit_value(session, "total_ascent")
    gain = _finite(ascent, "FIT", "elevation") if ascent is not None else None
    if gain is not None and not 0 <= gain <= ELEVATION_RANGE_M[1] * 3:
        raise _damaged("FIT", "elevation")
    if not 0 <= elapsed < MAX_SESSION_S:
        raise _damaged("FIT", "number")
    return ParsedRun(
        kind="fit",
        started_at=start.replace(microsecond=0),
        ended_at=(start + timedelta(seconds=elapsed)).replace(microsecond=0),
        distance_km=metres / 1000,
        moving_min=seconds / 60,
        elevation_gain_m=gain,
    )
