"""Shows distances and durations the way the runner reads them."""

from __future__ import annotations

KM_PER_MILE = 1.609344


def format_distance(km: float | None, units: str = "km") -> str:
    """Returns "8.0 km" or "5.0 mi" for a distance stored in km."""
    if km is None:
        return "?"
    if units == "mi":
        return f"{km / KM_PER_MILE:.1f} mi"
    return f"{km:.1f} km"


def format_duration(minutes: float | None) -> str:
    """Returns "45 min" or "1 h 05 min"."""
    if minutes is None:
        return "?"
    total = round(minutes)
    hours, rest = divmod(total, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"
