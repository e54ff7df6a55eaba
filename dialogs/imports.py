"""Logs a run from a GPX or FIT file, then asks only what the file cannot say.

gpxpy reads GPX and fit-tool reads FIT (both imported when a file arrives, not
at start-up). A file yields its start time, distance, moving time and
elevation gain; the check-in then starts with distance and duration filled in,
so the runner is asked about surface, effort and pain only. The start time is
kept with the run, so sending the same run twice is recognised.

Nothing is saved until the check-in finishes; a file that cannot be read gets
a short answer naming the problem.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import PurePath

from dialogs import checkin, timezones
from dialogs.flow import Context, Outcome, fresh
from dialogs.messages import Incoming, Reply
from dialogs.models import Checkin
from dialogs.ports import IDLE
from dialogs.progress import as_utc
from dialogs.units import format_distance, format_duration

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024  # a two-hour GPX track with one point a second is about 1-2 MB
SAME_START = timedelta(seconds=60)  # a GPX and a FIT export of one activity can differ by a second or two
FIT_SIGNATURE = b".FIT"  # bytes 8-11 of every FIT file header
RUN_SPORTS = {0, 1, 11, 17}  # FIT sport codes: generic, running, walking, hiking

TEXTS = {
    "too_big": "That file is {size:.1f} MB; I read run files up to {cap} MB. Could you export just this run?",
    "no_content": "I couldn't download that file. Please try sending it again.",
    "empty": "That file is empty, so there's nothing to log.",
    "unsupported": (
        "I can read GPX and FIT files from a watch or running app, not {kind}. "
        "Export the run as GPX or FIT, or just tell me about it in words."
    ),
    "corrupt": "I couldn't read that {kind} file; it looks damaged or incomplete. Try exporting it again.",
    "no_track": "That {kind} file has no recorded track in it, so there's no run to log.",
    "no_times": (
        "That GPX file has a route but no times, so it looks like a planned route rather than a recorded run. "
        "Send the recorded activity instead."
    ),
    "no_distance": "That {kind} file doesn't show any distance covered, so I didn't log it.",
    "not_a_run": "That file looks like a {sport} activity, not a run, so I didn't log it.",
    "too_fast": "That file's pace is faster than any runner could go, so it's probably not a run. I didn't log it.",
    "duplicate": "I already have this run: {when}, {distance}. Nothing new was saved.",
    "busy": "Let's finish what we're doing first (or send /cancel), then send the file again.",
    "unknown_runner": "Send /start first so I know your units and time zone, then send the file again.",
    "read": "From your {kind} file: {when}, {distance} in {duration} moving{climb}.",
    "climb": ", {metres} m of climbing",
}


class RunFileError(ValueError):
    """A file that cannot be logged; the message is the answer to show."""


@dataclass(frozen=True)
class ParsedRun:
    """What a run file says about the run."""

    kind: str  # "gpx" | "fit"
    started_at: datetime  # aware UTC
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


def parse_run_file(filename: str, content: bytes) -> ParsedRun:
    """Reads a GPX or FIT file into a ParsedRun; raises RunFileError with the answer to show."""
    if not content:
        raise RunFileError(TEXTS["empty"])
    if len(content) > MAX_BYTES:
        raise RunFileError(TEXTS["too_big"].format(size=len(content) / 1e6, cap=MAX_BYTES // (1024 * 1024)))
    kind = detect(filename, content)
    run = _parse_gpx(content) if kind == "gpx" else _parse_fit(content)
    if run.distance_km <= 0:
        raise RunFileError(TEXTS["no_distance"].format(kind=kind.upper()))
    if run.moving_min > 0 and run.moving_min / run.distance_km < checkin.MIN_PACE_MIN_PER_KM:
        raise RunFileError(TEXTS["too_fast"])
    return run


def _parse_gpx(content: bytes) -> ParsedRun:
    import gpxpy
    import gpxpy.gpx

    try:
        gpx = gpxpy.parse(content.decode("utf-8-sig", errors="replace"))
    except (gpxpy.gpx.GPXException, ValueError) as problem:
        logger.info("unreadable GPX: %s", problem)
        raise RunFileError(TEXTS["corrupt"].format(kind="GPX")) from None
    if gpx.get_track_points_no() == 0:
        raise RunFileError(TEXTS["no_track"].format(kind="GPX"))
    bounds = gpx.get_time_bounds()
    if bounds.start_time is None or bounds.end_time is None:
        raise RunFileError(TEXTS["no_times"])
    moving = gpx.get_moving_data()
    elapsed_s = (bounds.end_time - bounds.start_time).total_seconds()
    moving_s = moving.moving_time if moving and moving.moving_time else elapsed_s
    climb = gpx.get_uphill_downhill().uphill if gpx.has_elevations() else None
    return ParsedRun(
        kind="gpx",
        started_at=as_utc(bounds.start_time).replace(microsecond=0),
        distance_km=gpx.length_2d() / 1000,
        moving_min=moving_s / 60,
        elevation_gain_m=climb,
    )


def _parse_fit(content: bytes) -> ParsedRun:
    from fit_tool import FitError, FitFile
    from fit_tool.profile.messages.record_message import RecordMessage
    from fit_tool.profile.messages.session_message import SessionMessage

    try:
        fit = FitFile.from_bytes(content)
    except (FitError, ValueError, IndexError, KeyError) as problem:  # fit-tool raises ValueError subclasses
        logger.info("unreadable FIT: %s", problem)
        raise RunFileError(TEXTS["corrupt"].format(kind="FIT")) from None
    sessions = [r.message for r in fit.records if isinstance(r.message, SessionMessage)]
    points = [r.message for r in fit.records if isinstance(r.message, RecordMessage) and r.message.timestamp]
    if sessions and sessions[0].start_time:
        session = sessions[0]
        sport = session.sport
        if sport is not None and int(sport) not in RUN_SPORTS:
            raise RunFileError(TEXTS["not_a_run"].format(sport=_sport_name(int(sport))))
        return ParsedRun(
            kind="fit",
            started_at=_from_ms(session.start_time),
            distance_km=sum((s.total_distance or 0.0) for s in sessions) / 1000,
            moving_min=sum((s.total_timer_time or s.total_elapsed_time or 0.0) for s in sessions) / 60,
            elevation_gain_m=float(session.total_ascent) if session.total_ascent is not None else None,
        )
    if not points:  # no session summary and no timed records: a course or settings file
        raise RunFileError(TEXTS["no_track"].format(kind="FIT"))
    distances = [p.distance for p in points if p.distance is not None]
    heights = [p.altitude for p in points if p.altitude is not None]
    return ParsedRun(
        kind="fit",
        started_at=_from_ms(points[0].timestamp),
        distance_km=(max(distances) / 1000) if distances else 0.0,
        moving_min=(points[-1].timestamp - points[0].timestamp) / 60000,
        elevation_gain_m=sum(max(b - a, 0.0) for a, b in zip(heights, heights[1:])) if heights else None,
    )


def _from_ms(ms: int) -> datetime:
    """fit-tool gives times as milliseconds since the Unix epoch."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).replace(microsecond=0)


def _sport_name(code: int) -> str:
    from fit_tool.profile.profile_type import Sport

    try:
        return Sport(code).name.replace("_", " ").lower()
    except ValueError:
        return "non-running"


def _when(moment: datetime, zone: str) -> str:
    local = timezones.local(moment, zone)
    return f"{local:%a %d %b}, {local:%H:%M}"


def handle(ctx: Context, incoming: Incoming) -> Outcome:
    """Reads a sent run file and starts a check-in that asks only surface, effort and pain."""
    unchanged = fresh(ctx.conversation)
    attachment = incoming.attachment
    if incoming.address.is_group or attachment is None:
        return Outcome([], unchanged)  # club members share routes in groups; that's not a check-in
    if not ctx.known:
        return Outcome([Reply(text=TEXTS["unknown_runner"])], unchanged)
    if ctx.conversation.state != IDLE:
        return Outcome([Reply(text=TEXTS["busy"])], unchanged)
    if attachment.size > MAX_BYTES:
        cap = MAX_BYTES // (1024 * 1024)
        return Outcome([Reply(text=TEXTS["too_big"].format(size=attachment.size / 1e6, cap=cap))], unchanged)
    if attachment.content is None:
        return Outcome([Reply(text=TEXTS["no_content"])], unchanged)
    try:
        run = parse_run_file(attachment.filename, attachment.content)
    except RunFileError as problem:
        return Outcome([Reply(text=str(problem))], unchanged)
    units, zone = ctx.profile.units, ctx.profile.timezone
    for old in ctx.store.recent_runs(ctx.address, limit=0):
        if old.started_at is not None and abs(as_utc(old.started_at) - run.started_at) <= SAME_START:
            text = TEXTS["duplicate"].format(
                when=_when(run.started_at, zone), distance=format_distance(old.distance_km, units)
            )
            return Outcome([Reply(text=text)], unchanged)
    climb = TEXTS["climb"].format(metres=round(run.elevation_gain_m)) if run.elevation_gain_m else ""
    intro = TEXTS["read"].format(
        kind=run.kind.upper(),
        when=_when(run.started_at, zone),
        distance=format_distance(run.distance_km, units),
        duration=format_duration(run.moving_min),
        climb=climb,
    )
    prefilled = Checkin(
        distance_km=round(run.distance_km, 2),
        duration_min=round(run.moving_min, 1),
        started_at=run.started_at.isoformat(),
        source=run.kind,
    )
    logger.info("run file read: %s, %.2f km, %.1f min", run.kind, run.distance_km, run.moving_min)
    return checkin.start_prefilled(ctx, prefilled, intro)
