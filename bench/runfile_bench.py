"""Time and peak memory of reading run files, per library, to choose the parsers with numbers.

Each (library, file) pair runs in a fresh Python process, several times, and
prints min/median/max of wall time and of the child's peak RSS (ru_maxrss,
which includes the interpreter and the library's imports). Files: an ordinary
two-hour run recorded once a second, the densest well-formed file under the
5 MB cap, and (GPX) the repeated ` xmlns` that is quadratic for gpxpy.

    .venv/bin/python -m bench.runfile_bench [--rounds 3] [--only lxml,fitdecode] [--ours]

`--ours` measures dialogs.runfile_parse (what the bot runs) instead of the
bare libraries. Candidates not installed are reported as such. The machine is
shared, so run it twice and compare spreads, not single numbers.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.runfile_makers import dense_fit, dense_gpx, make_fit, make_gpx, slow_gpx

CHILD_LIMIT_S = 60  # the old libraries on the worst files: give up, report "over"
CHILD_MEMORY = 3 * 1024**3  # fit-tool would need ~20 GB for the densest file: report the MemoryError
FILES = {
    "gpx": {
        "2h-1Hz": lambda: make_gpx(km=20, minutes=120, every_s=1),
        "dense-5MB": dense_gpx,
        "xmlns-1MB": lambda: slow_gpx(1_000_000),
        "xmlns-5MB": lambda: slow_gpx(5 * 1024 * 1024 - 1024),
    },
    "fit": {"2h-1Hz": lambda: make_fit(km=20, minutes=120, records=7200), "dense-5MB": dense_fit},
}
LIBRARIES = {"gpx": ("gpxpy", "lxml", "defusedxml"), "fit": ("fit-tool", "fitdecode", "garmin-fit-sdk")}


def read_gpxpy(data: bytes) -> int:
    import gpxpy

    return gpxpy.parse(data.decode()).get_track_points_no()


def read_lxml(data: bytes) -> int:
    from lxml import etree

    count = 0
    for _, element in etree.iterparse(io.BytesIO(data), events=("end",), resolve_entities=False, no_network=True):
        if etree.QName(element).localname == "trkpt":
            count += 1
        element.clear(keep_tail=False)
    return count


def read_defusedxml(data: bytes) -> int:
    from defusedxml.ElementTree import iterparse

    count = 0
    for _, element in iterparse(io.BytesIO(data), events=("end",), forbid_dtd=True):
        if element.tag.endswith("trkpt"):
            count += 1
        element.clear()
    return count


def read_fit_tool(data: bytes) -> int:
    from fit_tool import FitFile

    return len(FitFile.from_bytes(data).records)


def read_fitdecode(data: bytes) -> int:
    import fitdecode

    with fitdecode.FitReader(io.BytesIO(data)) as reader:
        return sum(1 for frame in reader if isinstance(frame, fitdecode.FitDataMessage))


def read_garmin(data: bytes) -> int:
    from garmin_fit_sdk import Decoder, Stream

    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    return sum(len(v) for v in messages.values())


def read_ours(data: bytes) -> int:
    from dialogs import runfile_parse

    try:
        return int(runfile_parse.parse("file", data).distance_km * 1000)
    except runfile_parse.RunFileError as refused:
        return -len(str(refused))  # refused: still a measured outcome


READERS = {"gpxpy": read_gpxpy, "lxml": read_lxml, "defusedxml": read_defusedxml, "fit-tool": read_fit_tool,
           "fitdecode": read_fitdecode, "garmin-fit-sdk": read_garmin, "ours": read_ours}  # fmt: skip


def child(library: str, path: str) -> None:
    data = Path(path).read_bytes()
    began = time.perf_counter()
    result = READERS[library](data)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "result": result}))


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def measure(library: str, path: str, rounds: int) -> str:
    times, peaks = [], []
    for _ in range(rounds):
        try:
            done = subprocess.run([sys.executable, "-m", "bench.runfile_bench", "--child", library, path],
                                  capture_output=True, text=True, timeout=CHILD_LIMIT_S, preexec_fn=_limit)
        except subprocess.TimeoutExpired:
            return f"over {CHILD_LIMIT_S} s"
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            return f"failed: {last[:80]}"
        row = json.loads(done.stdout.strip().splitlines()[-1])
        times.append(row["seconds"])
        peaks.append(row["peak_mb"])

    def spread(values: list[float], fmt: str) -> str:
        return "/".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))

    return f"{spread(times, '.3f')} s   peak {spread(peaks, '.0f')} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated libraries")
    parser.add_argument("--ours", action="store_true", help="measure dialogs.runfile_parse")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    only = {name for name in args.only.split(",") if name}
    print(f"min/median/max over {args.rounds} fresh processes; time of the read only, RSS of the whole child")
    with tempfile.TemporaryDirectory() as folder:
        for kind, files in FILES.items():
            libraries = ("ours",) if args.ours else LIBRARIES[kind]
            for label, make in files.items():
                path = os.path.join(folder, f"{label}.{kind}")
                Path(path).write_bytes(make())
                size = os.path.getsize(path) / 1e6
                for library in libraries:
                    if only and library not in only:
                        continue
                    print(f"{kind} {label:10} {size:5.2f} MB  {library:15} {measure(library, path, args.rounds)}",
                          flush=True)


if __name__ == "__main__":
    main()
