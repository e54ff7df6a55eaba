"""Writes GPX and FIT run files for tests and benches: ordinary ones and hostile ones.

FIT files are written byte by byte to the FIT protocol (header, definition and
data messages, CRC), so a test can make a 60,000-record file in a few
milliseconds and megabytes; the decoders check the CRC, so a wrong byte here
fails loudly. GPX files are plain text.
"""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

START = datetime(2026, 11, 21, 7, 30, tzinfo=timezone.utc)  # the day before the clock fixture's "now"
NORTH_PER_M = 1 / 111_195  # degrees of latitude per metre
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=timezone.utc)
SEMICIRCLES = 2**31 / 180
CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
             0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)  # fmt: skip
SPORTS = {"generic": 0, "running": 1, "cycling": 2, "swimming": 5, "walking": 11}

# (global message number, [(field number, struct code, base type)])
FILE_ID = (0, [(0, "B", 0x00), (1, "H", 0x84), (2, "H", 0x84), (3, "I", 0x8C), (4, "I", 0x86)])
RECORD = (20, [(253, "I", 0x86), (0, "i", 0x85), (1, "i", 0x85), (2, "H", 0x84), (5, "I", 0x86)])
SESSION = (18, [(253, "I", 0x86), (2, "I", 0x86), (5, "B", 0x00), (7, "I", 0x86), (8, "I", 0x86),
                (9, "I", 0x86), (22, "H", 0x84)])  # fmt: skip


def crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = CRC_TABLE[crc & 0xF]
            crc = (crc >> 4) & 0x0FFF
            crc = crc ^ tmp ^ CRC_TABLE[nibble]
    return crc


def fit_time(moment: datetime) -> int:
    return int((moment - FIT_EPOCH).total_seconds())


class FitWriter:
    """Collects FIT messages and returns the finished file."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.formats: dict[int, str] = {}

    def define(self, local: int, message: tuple[int, list[tuple[int, str, int]]]) -> None:
        number, fields = message
        self.body += struct.pack("<BBBHB", 0x40 | local, 0, 0, number, len(fields))
        for field_number, code, base in fields:
            self.body += struct.pack("<BBB", field_number, struct.calcsize(code), base)
        self.formats[local] = "<" + "".join(code for _, code, _ in fields)

    def data(self, local: int, *values: int) -> None:
        self.body += struct.pack("<B", local) + struct.pack(self.formats[local], *values)

    def finish(self) -> bytes:
        header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self.body), b".FIT")
        header += struct.pack("<H", crc16(header))
        whole = header + bytes(self.body)
        return whole + struct.pack("<H", crc16(whole))


def make_fit(km: float = 10.0, minutes: float = 55.0, ascent: int | None = 85, start: datetime = START,
             sport: str = "running", session: bool = True, records: int | None = None,
             duration_s: float | None = None) -> bytes:
    """A FIT activity: `records` evenly spaced track records (default one a minute) and a session summary."""
    count = records if records is not None else int(minutes) + 1
    begin = fit_time(start)
    writer = FitWriter()
    writer.define(0, FILE_ID)
    writer.data(0, 4, 255, 0, 1234, begin)
    writer.define(1, RECORD)
    for i in range(count):
        fraction = i / max(count - 1, 1)
        height = 100.0 + min(fraction, 1 - fraction) * 2 * (ascent or 0)
        lat = (51.5 + km * 1000 * fraction * NORTH_PER_M + 90) % 180 - 90  # a very long "run" wraps round the pole
        writer.data(1, begin + round(minutes * 60 * fraction), round(lat * SEMICIRCLES), round(-0.12 * SEMICIRCLES),
                    round((height + 500) * 5), round(km * 100_000 * fraction))
    if session:
        writer.define(2, SESSION)
        timer = minutes * 60 if duration_s is None else duration_s
        writer.data(2, begin + round(minutes * 60), begin, SPORTS[sport], round((minutes * 60 + 90) * 1000),
                    round(timer * 1000) & 0xFFFFFFFF, round(km * 100_000), 0xFFFF if ascent is None else ascent)
    return writer.finish()


def gpx_point(lat: float, lon: float, ele: float | None, moment: datetime | None) -> str:
    inner = f"<ele>{ele:.1f}</ele>" if ele is not None else ""
    inner += f"<time>{moment:%Y-%m-%dT%H:%M:%SZ}</time>" if moment is not None else ""
    return f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}">{inner}</trkpt>'


def gpx_document(points: list[str], name: str = "Morning run") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{escape(name)}</name><trkseg>{''.join(points)}</trkseg></trk></gpx>\n"
    ).encode()


def make_gpx(km: float = 8.0, minutes: float = 45.0, climb_m: float = 40.0, start: datetime = START,
             times: bool = True, every_s: float = 10.0) -> bytes:
    """A straight northward track, one point every `every_s` seconds, rising then falling by `climb_m`."""
    steps = max(int(minutes * 60 / every_s), 1)
    points = []
    for i in range(steps + 1):
        fraction = i / steps
        height = 50 + climb_m * (1 - abs(2 * fraction - 1))
        moment = start + timedelta(minutes=minutes * fraction) if times else None
        points.append(gpx_point(51.5 + km * 1000 * fraction * NORTH_PER_M, -0.12, height, moment))
    return gpx_document(points)


def slow_gpx(size: int = 1_000_000) -> bytes:
    """The file that took gpxpy's namespace regex 75 s per MB squared: ` xmlns` over and over."""
    head = b'<?xml version="1.0"?><gpx version="1.1"'
    return head + b" xmlns" * ((size - len(head)) // 6)


def dense_gpx(size: int = 5 * 1024 * 1024 - 1024) -> bytes:
    """As many timed points as fit under `size`: the most work a well-formed GPX can ask for."""
    one = gpx_point(51.5, -0.12, None, START)
    points = []
    moment = START
    total = 200
    while total + len(one) < size:
        lat = 51.5 + len(points) * 3 * NORTH_PER_M  # 3 m a second: a run
        points.append(gpx_point(lat, -0.12, None, moment))
        moment += timedelta(seconds=1)
        total += len(points[-1])
    return gpx_document(points)


def dense_fit(size: int = 5 * 1024 * 1024 - 1024) -> bytes:
    """As many 1 Hz records as fit under `size` (19 bytes each), then a session."""
    records = (size - 200) // 19
    return make_fit(km=42.0, minutes=records / 60, records=records)
