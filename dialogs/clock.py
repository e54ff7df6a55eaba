"""The one clock every layer defaults to: the current UTC time, as an aware datetime."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Returns the current time in UTC."""
    return datetime.now(timezone.utc)
