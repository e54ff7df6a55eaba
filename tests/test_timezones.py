"""What a runner types for a time zone: cities in local spellings, abbreviations with daylight saving, junk refused."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone
from importlib import resources

import pytest

from dialogs import timezones
from dialogs.timezones import resolve

UTC = timezone.utc


@pytest.mark.parametrize(
    "typed, zone",
    [
        ("München", "Europe/Berlin"),
        ("Munich", "Europe/Berlin"),
        ("muenchen", "Europe/Berlin"),
        ("Zürich", "Europe/Zurich"),
        ("Zurich", "Europe/Zurich"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Köln", "Europe/Berlin"),
        ("Cologne", "Europe/Berlin"),  # not the Italian village of that name
        ("Roma", "Europe/Rome"),
        ("Genf", "Europe/Zurich"),
        ("Kraków", "Europe/Warsaw"),
        ("Leeds", "Europe/London"),
        ("st. petersburg", "Europe/Moscow"),
        ("europe/london", "Europe/London"),
    ],
)
def test_cities_in_english_and_local_spellings(typed: str, zone: str) -> None:
    assert resolve(typed) == zone


@pytest.mark.parametrize(
    "typed, zone",
    [("PST", "America/Los_Angeles"), ("pdt", "America/Los_Angeles"), ("EST", "America/New_York"),
     ("CET", "Europe/Paris"), ("CEST", "Europe/Paris"), ("BST", "Europe/London"), ("AEST", "Australia/Sydney"),
     ("IST", "Asia/Kolkata"), ("Eastern Time", "America/New_York")],
)
def test_abbreviations_become_real_zones(typed: str, zone: str) -> None:
    assert resolve(typed) == zone


def test_est_follows_daylight_saving() -> None:
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC)
    winter = datetime(2026, 1, 1, 12, tzinfo=UTC)
    zone = resolve("EST")
    assert zone is not None
    assert timezones.local(summer, zone).hour == 8  # EDT, UTC-4
    assert timezones.local(winter, zone).hour == 7  # EST, UTC-5


@pytest.mark.parametrize("typed", ["localtime", "Factory", "posixrules", "", "   ", "qwzxv", "UTC+15"])
def test_names_that_are_no_place_are_refused(typed: str) -> None:
    assert resolve(typed) is None


def test_offsets_and_skip_still_work() -> None:
    assert resolve("+01:00") == "UTC+01:00"
    assert resolve("skip") == "UTC"


def test_city_table_is_small_and_every_zone_in_it_is_real() -> None:
    raw = (resources.files("dialogs") / timezones.CITY_TABLE).read_bytes()
    assert len(raw) < 3_000_000
    zones = {line.partition("\t")[2] for line in gzip.decompress(raw).decode().splitlines()}
    assert len(zones) > 300
    for name in zones:
        assert timezones.zone(name) is not UTC or name == "UTC"


@pytest.mark.parametrize(
    "latitude, longitude, zone",
    [(51.5, -0.12, "Europe/London"), (48.14, 11.58, "Europe/Berlin"), (40.71, -74.0, "America/New_York"),
     (-33.87, 151.21, "Australia/Sydney"), (float("nan"), 0.0, None), (95.0, 0.0, None)],
)
def test_a_shared_location_gives_its_zone(latitude: float, longitude: float, zone: str | None) -> None:
    from bot.geo import zone_at

    assert zone_at(latitude, longitude) == zone
