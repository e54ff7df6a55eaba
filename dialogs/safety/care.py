"""Which numbers and services to name: the runner's country first, 112 as the fallback.

The country is the runner's /settings choice or the one tzdata's zone.tab gives
for their time zone; the numbers and service names are data in care.toml.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from dialogs.models import Profile

logger = logging.getLogger(__name__)

FALLBACK = "112"


@dataclass(frozen=True)
class Care:
    """Where to get help, in words ready for a sentence."""

    country: str | None
    name: str
    emergency: str  # the number(s) to call now, ending with the 112 fallback
    urgent: str
    doctor: str
    ed: str

    def fill(self, text: str) -> str:
        """Fills {emergency}, {urgent}, {doctor} and {ed} in a guidance text."""
        return text.format(emergency=self.emergency, urgent=self.urgent, doctor=self.doctor, ed=self.ed)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return tomllib.loads(resources.files("dialogs.safety").joinpath("care.toml").read_text("utf-8"))


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """Time zone -> ISO country code, from tzdata's zone.tab."""
    table: dict[str, str] = {}
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - tzdata is a dependency
        logger.warning("tzdata's zone.tab is missing; care numbers fall back to the generic list")
        return table
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                table[parts[2]] = parts[0]
    table.setdefault("Europe/Belfast", "GB")
    table.setdefault("GB", "GB")
    return table


def countries() -> tuple[str, ...]:
    """The ISO codes care.toml has numbers for."""
    return tuple(_data()["countries"])


def country_of(timezone: str | None) -> str | None:
    return _zone_countries().get(timezone or "")


def services_for(profile: Profile) -> Care:
    """The care numbers for this runner."""
    return for_country(profile.country or country_of(profile.timezone))


def for_country(country: str | None) -> Care:
    entry = _data()["countries"].get(country or "")
    if entry is None:
        d = _data()["default"]
        return Care(None, d["name"], d["emergency"], d["urgent"], d["doctor"], d["ed"])
    emergency = entry["emergency"]
    if FALLBACK not in emergency:
        emergency = f"{emergency} (or {FALLBACK})"
    return Care(country, entry["name"], emergency, entry["urgent"], entry["doctor"], entry["ed"])
