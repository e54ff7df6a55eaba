"""Turns what a runner types for a time zone into a zone name, and back into a tzinfo.

Accepts an IANA name ("Europe/London"), a city in English or its local spelling
("Manchester", "München", "Sao Paulo": the offline table dialogs/city_zones.tsv.gz,
made by tools/make_city_zones.py from GeoNames), a common abbreviation ("PST",
"CET": the real zone with its daylight saving), an offset ("+01:00", "UTC-5",
"GMT+5:30") or "skip" (UTC). Offsets are stored as "UTC+01:00" and become a
fixed-offset tzinfo.
"""

from __future__ import annotations

import gzip
import logging
import re
import unicodedata
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

logger = logging.getLogger(__name__)

SKIP_WORDS = {"skip", "utc", "gmt", "z", "none", "no", "dunno", "don't know", "dont know"}
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
MAX_OFFSET_HOURS = 14
CITY_TABLE = "city_zones.tsv.gz"
# Zone files that name no place: the machine's own setting and tzdata's placeholder.
NOT_PLACES = {"localtime", "factory", "posixrules"}
# What people write for their zone, mapped to the zone they almost always mean, so the
# clock follows daylight saving (IANA's own "EST" or "MST" is a fixed offset all year).
ABBREVIATIONS = {
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "pacific time": "America/Los_Angeles",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver", "mountain time": "America/Denver",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago", "central time": "America/Chicago",
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York", "eastern time": "America/New_York",
    "akst": "America/Anchorage", "akdt": "America/Anchorage", "hst": "Pacific/Honolulu",
    "ast": "America/Halifax", "adt": "America/Halifax", "nst": "America/St_Johns", "ndt": "America/St_Johns",
    "bst": "Europe/London", "ist": "Asia/Kolkata", "wet": "Europe/Lisbon", "west": "Europe/Lisbon",
    "cet": "Europe/Paris", "cest": "Europe/Paris", "met": "Europe/Paris", "mez": "Europe/Berlin",
    "mesz": "Europe/Berlin", "eet": "Europe/Athens", "eest": "Europe/Athens", "msk": "Europe/Moscow",
    "sast": "Africa/Johannesburg", "cat": "Africa/Maputo", "eat": "Africa/Nairobi", "wat": "Africa/Lagos",
    "pkt": "Asia/Karachi", "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong", "jst": "Asia/Tokyo",
    "kst": "Asia/Seoul", "wib": "Asia/Jakarta", "pht": "Asia/Manila",
    "awst": "Australia/Perth", "acst": "Australia/Adelaide", "acdt": "Australia/Adelaide",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
    "brt": "America/Sao_Paulo", "art": "America/Argentina/Buenos_Aires",
}


def fold(text: str) -> str:
    """Returns the text as the lookups compare it: no accents, lower case, one space between words."""
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-.,']+", " ", text).strip().lower()


@lru_cache(maxsize=1)
def _iana_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name in available_timezones():
        if name.lower() in NOT_PLACES or name.startswith(("posix/", "right/")):
            continue
        index[fold(name)] = name
        index.setdefault(fold(name.rsplit("/", 1)[-1]), name)
    return index


@lru_cache(maxsize=1)
def _city_index() -> dict[str, str]:
    """Maps a folded city name to its zone (the table ships inside the package)."""
    raw = (resources.files("dialogs") / CITY_TABLE).read_bytes()
    index: dict[str, str] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        key, _, zone_name = line.partition("\t")
        index[key] = zone_name
    return index


def resolve(text: str) -> str | None:
    """Returns a storable zone name for the runner's answer, or None if unknown."""
    raw = text.strip()
    folded = fold(raw)
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
    if folded in ABBREVIATIONS:
        return ABBREVIATIONS[folded]
    index = _iana_index()
    if folded in index:
        return index[folded]
    return _city_index().get(folded)


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
