"""Finds the time zone at a shared location, offline (timezonefinder's bundled data)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _finder() -> Any:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(latitude: float, longitude: float) -> str | None:
    """Returns the IANA zone at the coordinates, or None (at sea, or bad input)."""
    try:
        return _finder().timezone_at(lat=latitude, lng=longitude)
    except (ValueError, TypeError):
        logger.info("no time zone for a shared location")
        return None
