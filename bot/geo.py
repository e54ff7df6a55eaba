"""Finds the time zone at a shared location, offline (tzfpy: zone boundaries compiled into a 5 MB wheel)."""

from __future__ import annotations

import logging
import math

logger = logging.getLogger(__name__)


def zone_at(latitude: float, longitude: float) -> str | None:
    """Returns the IANA zone at the coordinates, or None for bad input."""
    from tzfpy import get_tz

    try:
        latitude, longitude = float(latitude), float(longitude)
        if not (math.isfinite(latitude) and math.isfinite(longitude)) or abs(latitude) > 90 or abs(longitude) > 180:
            raise ValueError("out of range")
        return get_tz(longitude, latitude) or None
    except (ValueError, TypeError):
        logger.info("no time zone for a shared location")
        return None
