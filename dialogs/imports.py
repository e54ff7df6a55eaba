"""Logs a run from a GPX or FIT file, then asks only what the file cannot say.

The file is read in a separate, limited process (dialogs.runfile_worker, with
the streaming readers of dialogs.runfile_parse), so a hostile file never slows
or bloats the bot. What the file says then goes through the same limits as a
typed answer (dialogs.parsing's distance and duration caps, the check-in's
fastest pace) and a date between 1990 and tomorrow. A file yields its start
time, distance, moving time and elevation gain; the check-in then starts with
distance, duration and the start time filled in, so the runner is asked about
surface, effort and pain only, and the run is dated by the file. Sending the
same run twice is recognised by its start time.

Nothing is saved until the check-in finishes; a file that cannot be read gets
a short answer naming the problem.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
import logging
from datetime import datetime, timedelta, timezone

from dialogs import checkin, parsing, runfile_worker, timezones
from dialogs.flow import Context, Outcome, fresh
from dialogs.messages import Incoming, Reply
from dialogs.models import Checkin
from dialogs.ports import IDLE
from dialogs.clock import as_utc
from dialogs.runfile_parse import ParsedRun, RunFileError, detect, sniff
from dialogs.units import format_distance, format_duration

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024  # a two-hour GPX track with one point a second is about 1-2 MB
SAME_START = timedelta(seconds=60)  # a GPX and a FIT export of one activity can differ by a second or two
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)  # before GPS watches recorded runs
LATEST_AHEAD = timedelta(days=1)  # "tomorrow": a watch a few hours ahead of the server's clock
MIN_DISTANCE_KM = 0.01  # the check-in keeps distance to 10 m
MIN_DURATION_MIN = 0.1  # and moving time to 6 s
LIMITS = runfile_worker.DEFAULT

TEXTS = {
    "too_big": "That file is {size:.1f} MB; I read run files up to {cap} MB. Could you export just this run?",
    "no_content": "I couldn't download that file. Please try sending it again.",
    "empty": "That file is empty, so there's nothing to log.",
    "no_distance": "That {kind} file doesn't show any distance covered, so I didn't log it.",
    "no_duration": "That {kind} file looks damaged: its times don't add up to any time spent running.",
    "too_far": "That {kind} file looks damaged: {distance} is more than one run covers.",
    "too_long": "That {kind} file looks damaged: {duration} is longer than one run lasts.",
    "bad_date": "That {kind} file looks damaged: it says the run was on {day}, which can't be right.",
    "too_fast": "That file's pace is faster than any runner could go, so it's probably not a run. I didn't log it.",
    "duplicate": "I already have this run: {when}, {distance}. Nothing new was saved.",
    "busy": "Let's finish what we're doing first (or send /cancel), then send the file again.",
    "unknown_runner": "Send /start first so I know your units and time zone, then send the file again.",
    "read": "From your {kind} file: {when}, {distance} in {duration} moving{climb}.",
    "climb": ", {metres} m of climbing",
}

__all__ = ["MAX_BYTES", "ParsedRun", "RunFileError", "detect", "parse_run_file", "check", "handle", "read_ahead"]


def check(run: ParsedRun, now: datetime) -> ParsedRun:
    """Applies the limits a typed run gets; raises RunFileError naming what is wrong."""
    kind = run.kind.upper()
    if run.started_at < EARLIEST or run.started_at > now + LATEST_AHEAD:
        raise RunFileError(TEXTS["bad_date"].format(kind=kind, day=f"{run.started_at:%d %b %Y}"))
    if run.distance_km < MIN_DISTANCE_KM:
        raise RunFileError(TEXTS["no_distance"].format(kind=kind))
    if run.distance_km > parsing.MAX_DISTANCE_KM:
        raise RunFileError(TEXTS["too_far"].format(kind=kind, distance=f"{run.distance_km:,.0f} km"))
    if run.moving_min < MIN_DURATION_MIN or run.ended_at < run.started_at:
        raise RunFileError(TEXTS["no_duration"].format(kind=kind))
    if run.moving_min > parsing.MAX_DURATION_MIN:
        raise RunFileError(TEXTS["too_long"].format(kind=kind, duration=format_duration(run.moving_min)))
    if run.moving_min / run.distance_km < checkin.MIN_PACE_MIN_PER_KM:
        raise RunFileError(TEXTS["too_fast"])
    return run


def parse_run_file(filename: str, content: bytes, now: datetime | None = None) -> ParsedRun:
    """Reads a GPX or FIT file in the worker and checks it; raises RunFileError with the answer to show."""
    if not content:
        raise RunFileError(TEXTS["empty"])
    if len(content) > MAX_BYTES:
        raise RunFileError(TEXTS["too_big"].format(size=len(content) / 1e6, cap=MAX_BYTES // (1024 * 1024)))
    sniff(detect(filename, content), content)  # unsupported or junk files are answered without a process
    ahead = _READ_AHEAD.pop(_key(filename, content), None)
    if isinstance(ahead, RunFileError):
        raise ahead
    run = ahead if ahead is not None else runfile_worker.read(filename, content, LIMITS)
    return check(run, now or datetime.now(timezone.utc))


_READ_AHEAD: OrderedDict[tuple[str, str], ParsedRun | RunFileError] = OrderedDict()
READ_AHEAD_KEPT = 16


def _key(filename: str, content: bytes) -> tuple[str, str]:
    return filename, hashlib.sha256(content).hexdigest()


async def read_ahead(incoming: Incoming) -> None:
    """Reads a sent file in its worker before the turn, so the turn never holds the database while it waits."""
    attachment = incoming.attachment
    if incoming.address.is_group or attachment is None or not attachment.content or len(attachment.content) > MAX_BYTES:
        return
    try:
        sniff(detect(attachment.filename, attachment.content), attachment.content)
        result: ParsedRun | RunFileError = await runfile_worker.read_async(attachment.filename, attachment.content, LIMITS)
    except RunFileError as problem:
        result = problem
    _READ_AHEAD[_key(attachment.filename, attachment.content)] = result
    while len(_READ_AHEAD) > READ_AHEAD_KEPT:
        _READ_AHEAD.popitem(last=False)


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
        run = parse_run_file(attachment.filename, attachment.content, ctx.now)
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
