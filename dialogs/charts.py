"""Draws the progress chart with Pillow: weekly distance bars by surface beside back pain on 0-10.

Pillow draws straight onto one RGB image, which is then mapped onto a fixed
palette (the chart's own colours plus the ink-on-white shades of antialiased
text, so no colour shifts) and saved as an 8-bit PNG: Pillow's RGB PNG
encoder alone took ~20 ms, the palette image ~3 ms. A chart costs about 15 ms
of CPU where matplotlib took about 0.3 s, so a Sunday's digests keep up with
Telegram's send rate. Colours are the Okabe-Ito palette, which stays distinguishable with
the common colour-vision deficiencies; surfaces also get hatch patterns, and
the two pain lines differ in colour, dash and marker. Pillow is the optional
`[charts]` extra and is imported only when a chart is drawn: without it
`progress_chart` raises `ChartsUnavailable`, whose message says what to install.
"""

from __future__ import annotations

import functools
import io
import logging
import math
from typing import TYPE_CHECKING, Any

from dialogs.units import KM_PER_MILE

if TYPE_CHECKING:
    from dialogs.progress import Week

logger = logging.getLogger(__name__)

SIZE_PX = (1080, 1080)  # square: fills a phone screen's width in Telegram and Discord
PLOT = (150, 110, 930, 760)  # left, top, right, bottom of the bars' area
FONT_PX = {"title": 40, "axis": 30, "tick": 26, "legend": 27}
BACKGROUND, INK, GRID = "#FFFFFF", "#222222", "#DDDDDD"
EDGE = INK  # bar edges and hatches: a second near-black would merge with it in the palette mapping
BAR_FILL = 0.7  # of each week's slot
PNG_COMPRESSION = 3  # zlib level: 6 (the default) costs more time for ~10% fewer bytes
TEXT_SHADES = 32  # ink-to-white steps kept for antialiased text
SURFACE_STYLE = {  # surface -> (label, Okabe-Ito colour, hatch)
    "road": ("Road", "#0072B2", ""),
    "track": ("Track", "#56B4E9", "//"),
    "trail": ("Trail", "#009E73", "\\\\"),
    "grass": ("Grass", "#F0E442", ".."),
    "treadmill": ("Treadmill", "#CC79A7", "xx"),
    "mixed": ("Mixed", "#E69F00", "--"),
    "unknown": ("Not said", "#BBBBBB", ""),
}
PAIN_MAX_STYLE = {"colour": "#000000", "dash": None, "marker": "circle", "width": 5, "size": 13}
PAIN_AVG_STYLE = {"colour": "#D55E00", "dash": (18, 10), "marker": "diamond", "width": 5, "size": 14}
PAIN_TOP = 10.5
TEXTS = {
    "title": "Your running and your back",
    "left": "Distance per week ({unit})",
    "right": "Back pain (0 to 10)",  # the bundled font has no en dash
    "pain_max": "Worst pain",
    "pain_avg": "Average pain",
    "missing": "Charts need Pillow: install the charts extra (pip install 'backstride[charts]') to see them.",
}


class ChartsUnavailable(RuntimeError):
    """Pillow is not installed; str(e) tells the runner (or admin) which extra to install."""


def available() -> bool:
    """True when the chart library is installed."""
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True


@functools.lru_cache(maxsize=8)
def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)  # Pillow's bundled FreeType font: no system fonts needed


@functools.lru_cache(maxsize=8)
def _hatch(pattern: str) -> Any:
    """A canvas-sized mask of the hatch pattern, drawn once per process."""
    from PIL import Image, ImageDraw

    mask = Image.new("L", SIZE_PX, 0)
    draw = ImageDraw.Draw(mask)
    width, height = SIZE_PX
    step = 16
    if pattern in ("//", "xx"):
        for x in range(-height, width, step):
            draw.line([(x, height), (x + height, 0)], fill=255, width=2)
    if pattern in ("\\\\", "xx"):
        for x in range(-height, width, step):
            draw.line([(x, 0), (x + height, height)], fill=255, width=2)
    if pattern == "--":
        for y in range(0, height, step):
            draw.line([(0, y), (width, y)], fill=255, width=2)
    if pattern == "..":
        for y in range(0, height, step):
            for x in range((y // step) % 2 * step // 2, width, step):
                draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=255)
    return mask


@functools.lru_cache(maxsize=1)
def _palette() -> Any:
    """An image whose palette holds every colour the chart draws, for a lossless mapping."""
    from PIL import Image, ImageColor

    named = [BACKGROUND, INK, EDGE, GRID, PAIN_MAX_STYLE["colour"], PAIN_AVG_STYLE["colour"]]
    named += [colour for _, colour, _ in SURFACE_STYLE.values()]
    colours = [ImageColor.getrgb(c)[:3] for c in named]
    ink = ImageColor.getrgb(INK)[:3]
    for step in range(1, TEXT_SHADES):
        share = step / TEXT_SHADES
        colours.append(tuple(round(255 * (1 - share) + part * share) for part in ink))  # type: ignore[misc]
    flat = [value for colour in colours for value in colour]
    holder = Image.new("P", (1, 1))
    holder.putpalette(flat + [0] * (768 - len(flat)))
    return holder


def nice_step(top: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about `ticks` ticks up to `top`."""
    raw = max(top, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


def _rotated_text(image: Any, text: str, font: Any, angle: float, anchor_xy: tuple[int, int], align: str) -> None:
    """Draws text turned by `angle` degrees; `align` "end" puts its end at the point, "centre" its middle."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = font.getbbox(text)
    label = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(label).text((2 - left, 2 - top), text, font=font, fill=255)
    turned = label.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    x, y = anchor_xy
    if align == "end":  # the text's end at the point: top-right corner for a 45-degree label
        box = (x - turned.width, y)
    else:
        box = (x - turned.width // 2, y - turned.height // 2)
    image.paste(INK, box, mask=turned)


def _dashed(draw: Any, points: list[tuple[float, float]], colour: str, width: int, dash: tuple[int, int]) -> None:
    on, off = dash
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        length = math.hypot(x2 - x1, y2 - y1)
        position = 0.0
        while position < length:
            end = min(position + on, length)
            a, b = position / length, end / length
            draw.line([(x1 + (x2 - x1) * a, y1 + (y2 - y1) * a), (x1 + (x2 - x1) * b, y1 + (y2 - y1) * b)],
                      fill=colour, width=width)
            position += on + off


def _marker(draw: Any, x: float, y: float, kind: str, size: int, colour: str) -> None:
    r = size / 2
    if kind == "diamond":
        draw.polygon([(x, y - r * 1.2), (x + r, y), (x, y + r * 1.2), (x - r, y)], fill=colour, outline=BACKGROUND)
    else:
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour, outline=BACKGROUND, width=2)


def _line(draw: Any, points: list[tuple[float, float]], style: dict[str, Any]) -> None:
    if style["dash"] is None:
        draw.line(points, fill=style["colour"], width=style["width"], joint="curve")
    else:
        _dashed(draw, points, style["colour"], style["width"], style["dash"])
    for x, y in points:
        _marker(draw, x, y, style["marker"], style["size"], style["colour"])


def _swatch(image: Any, draw: Any, box: tuple[int, int, int, int], colour: str, hatch: str) -> None:
    draw.rectangle(box, fill=colour)
    if hatch:
        image.paste(EDGE, box, mask=_hatch(hatch).crop(box))
    draw.rectangle(box, outline=EDGE, width=1)


def progress_chart(weeks: list[Week], units: str = "km") -> bytes:
    """Returns a PNG of the weeks: stacked distance bars by surface and the two pain lines."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        raise ChartsUnavailable(TEXTS["missing"]) from None

    factor = 1 / KM_PER_MILE if units == "mi" else 1.0
    unit = "mi" if units == "mi" else "km"
    image = Image.new("RGB", SIZE_PX, BACKGROUND)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = PLOT
    tick_font, axis_font = _font(FONT_PX["tick"]), _font(FONT_PX["axis"])

    totals = [sum(w.surfaces.get(s, 0.0) for s in SURFACE_STYLE) * factor for w in weeks]
    step = nice_step(max(max(totals, default=0.0) * 1.1, 1.0))
    y_top = step * math.ceil(max(max(totals, default=0.0) * 1.1, 1.0) / step)

    def y_km(value: float) -> float:
        return bottom - (bottom - top) * value / y_top

    def y_pain(value: float) -> float:
        return bottom - (bottom - top) * value / PAIN_TOP

    tick = 0.0
    while tick <= y_top + 1e-9:  # grid and the distance scale on the left
        y = y_km(tick)
        draw.line([(left, y), (right, y)], fill=GRID, width=2)
        draw.text((left - 12, y), _number(round(tick, 6)), font=tick_font, fill=INK, anchor="rm")
        tick += step
    for value in range(0, 11, 2):  # the pain scale on the right
        draw.text((right + 12, y_pain(value)), str(value), font=tick_font, fill=INK, anchor="lm")

    slot = (right - left) / max(len(weeks), 1)
    centres = [left + slot * (i + 0.5) for i in range(len(weeks))]
    present = [s for s in SURFACE_STYLE if any(w.surfaces.get(s) for w in weeks)]
    for centre, week in zip(centres, weeks):
        height = 0.0
        x1, x2 = round(centre - slot * BAR_FILL / 2), round(centre + slot * BAR_FILL / 2)
        for surface in present:
            km = week.surfaces.get(surface, 0.0) * factor
            if km <= 0:
                continue
            _, colour, hatch = SURFACE_STYLE[surface]
            box = (x1, round(y_km(height + km)), x2, round(y_km(height)))
            if box[3] > box[1]:
                _swatch(image, draw, box, colour, hatch)
            height += km

    draw.line([(left, top), (left, bottom), (right, bottom), (right, top)], fill=INK, width=2)
    for key, style in (("pain_max", PAIN_MAX_STYLE), ("pain_avg", PAIN_AVG_STYLE)):
        points = [(c, y_pain(getattr(w, key))) for c, w in zip(centres, weeks) if getattr(w, key) is not None]
        if points:
            _line(draw, points, style)

    for centre, week in zip(centres, weeks):
        _rotated_text(image, f"{week.start.day} {week.start:%b}", tick_font, 45, (round(centre) + 8, bottom + 10),
                      "end")
    _rotated_text(image, TEXTS["left"].format(unit=unit), axis_font, 90, (40, (top + bottom) // 2), "centre")
    _rotated_text(image, TEXTS["right"], axis_font, 90, (SIZE_PX[0] - 40, (top + bottom) // 2), "centre")
    draw.text((SIZE_PX[0] // 2, 50), TEXTS["title"], font=_font(FONT_PX["title"]), fill=INK, anchor="mm")
    _legend(image, draw, present)

    buffer = io.BytesIO()
    indexed = image.quantize(palette=_palette(), dither=Image.Dither.NONE)
    indexed.save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    logger.debug("chart drawn: %d weeks, %d bytes", len(weeks), buffer.tell())
    return buffer.getvalue()


def _legend(image: Any, draw: Any, surfaces: list[str]) -> None:
    """Three columns under the chart: one entry per surface shown, then the two pain lines."""
    font = _font(FONT_PX["legend"])
    entries: list[tuple[str, Any]] = [(SURFACE_STYLE[s][0], ("swatch", s)) for s in surfaces]
    entries += [(TEXTS["pain_max"], ("line", PAIN_MAX_STYLE)), (TEXTS["pain_avg"], ("line", PAIN_AVG_STYLE))]
    column_width, row_height, first_y = (SIZE_PX[0] - 120) // 3, 46, PLOT[3] + 150
    for index, (label, (kind, what)) in enumerate(entries):
        x = 60 + (index % 3) * column_width
        y = first_y + (index // 3) * row_height
        if kind == "swatch":
            _, colour, hatch = SURFACE_STYLE[what]
            _swatch(image, draw, (x, y - 14, x + 44, y + 14), colour, hatch)
        else:
            _line(draw, [(x, y), (x + 44, y)], {**what, "size": what["size"] - 2})
        draw.text((x + 56, y), label, font=font, fill=INK, anchor="lm")
