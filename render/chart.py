"""The 'state of the packet' chart: layer mix and dimension scores, as a small PNG.

Drawn with Pillow: importing matplotlib (and drawing its first figure) cost a cold review about
a second, four times the rest of the memo; two rows of bars need none of it. The geometry is the
one the matplotlib version used (6.4 x 1.8 in at 150 dpi, the same axes boxes and font sizes).
Labels come from the templates' wording (passed in), so the chart speaks the organisation's words.
"""
from __future__ import annotations

import io
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

_COLORS = {"execution": "#9db4d6", "process": "#c9b27c", "outcome": "#2e7d4f"}
_SCORE = "#2e5597"
_INK, _SPINE = "#222222", "#000000"
_W, _H, _DPI = 960, 270, 150
_LEFT = (0.02, 0.06, 0.34, 0.76)   # axes boxes: x, y (from the bottom), width, height, in figure units
_RIGHT = (0.66, 0.06, 0.31, 0.76)


@lru_cache(maxsize=None)
def _font(points: float):
    """DejaVu Sans (shipped with matplotlib, found without importing it), else Pillow's own."""
    from PIL import ImageFont

    size = round(points * _DPI / 72)
    spec = find_spec("matplotlib")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _box(axes):
    """Pixel box (left, top, right, bottom) of an axes given in figure units."""
    x, y, w, h = axes
    return x * _W, (1 - y - h) * _H, (x + w) * _W, (1 - y) * _H


def _text(draw, xy, s: str, points: float, fill=_INK, anchor="mm") -> None:
    draw.multiline_text(xy, s, font=_font(points), fill=fill, anchor=anchor, align="center", spacing=2)


def _y_scale(n: int):
    """Pixel y of a score bar's data y: the range matplotlib's autoscaling gave n bars of height 0.6."""
    l, t, r, b = _box(_RIGHT)
    lo, hi = -0.3, n - 0.7
    lo, hi = lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)
    return lambda y: b - (y - lo) / (hi - lo) * (b - t)


@lru_cache(maxsize=8)
def _frame(names: tuple[str, ...], titles: tuple[str, str]):
    """The parts every packet's chart shares (titles, dimension names, ticks), drawn once.
    Pillow images are copied before drawing on them, so the cached frame is never mutated."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (_W, _H), "white")
    draw = ImageDraw.Draw(img)
    l, t, _r, _b = _box(_LEFT)
    _text(draw, (l, t - 6), titles[0], 8.5, anchor="ld")
    l, t, _r, _b = _box(_RIGHT)
    _text(draw, (l, t - 6), titles[1], 8.5, anchor="ld")
    y_px = _y_scale(len(names))
    for i, name in enumerate(names):
        y = y_px(len(names) - 1 - i)
        draw.line((l - 7, y, l, y), fill=_SPINE, width=1)  # tick mark
        _text(draw, (l - 10, y), name, 7.5, anchor="rm")
    return img


def render_chart(summary: dict, labels: dict) -> bytes:
    """`summary` is the normalised summary from render.context; `labels` holds LAYER, DIMENSION, CHART."""
    from PIL import ImageDraw

    dims = summary["dimensions"]
    names = tuple(labels["DIMENSION"].get(d["key"], d["key"]) for d in dims)
    img = _frame(names, (labels["CHART"]["layers"], labels["CHART"]["scores"])).copy()
    draw = ImageDraw.Draw(img)

    # Left: one stacked bar of layer shares over x in [0, 1], y in [-0.6, 0.6].
    l, t, r, b = _box(_LEFT)
    ymid, half = (t + b) / 2, 0.55 / 1.2 * (b - t) / 2
    start = 0.0
    for m in summary["layer_mix"]:
        share = m["share"] or 0.0
        x0, x1 = l + start * (r - l), l + (start + share) * (r - l)
        if share > 0:
            draw.rectangle((x0, ymid - half, x1, ymid + half), fill=_COLORS.get(m["layer"], "#999999"))
        label = f"{labels['LAYER'].get(m['layer'], m['layer'])}\n{round(share * 100)}%"
        if share >= 0.12:
            _text(draw, ((x0 + x1) / 2, ymid), label, 7.5, fill="white" if m["layer"] == "outcome" else _INK)
        elif share > 0:  # too thin to hold its label: put it above the bar
            _text(draw, ((x0 + x1) / 2, ymid - 0.32 / 1.2 * (b - t)), label, 6.5, anchor="md")
        start += share

    # Right: one bar per dimension (first at the top), x in [0, 110].
    n = len(dims)
    l, t, r, b = _box(_RIGHT)
    y_px = _y_scale(n)
    x_px = lambda x: l + x / 110 * (r - l)  # noqa: E731
    for i, d in enumerate(dims):
        y = n - 1 - i
        score = d["score"] or 0
        if score > 0:
            draw.rectangle((l, y_px(y + 0.3), x_px(score), y_px(y - 0.3)), fill=_SCORE)
        _text(draw, (x_px(score + 2), y_px(y)), "n/a" if d["score"] is None else f"{round(d['score'])}", 7, anchor="lm")
    draw.line((l, t, l, b), fill=_SPINE, width=1)  # the left spine, over the bars as in a full draw

    out = io.BytesIO()
    # The format from the name, not format="PNG": Pillow then imports only its PNG plugin, not the
    # BMP, GIF, JPEG and PPM ones too (~20-70 ms of a cold review).
    out.name = "chart.png"
    img.save(out, optimize=False, compress_level=1, dpi=(_DPI, _DPI))
    return out.getvalue()
