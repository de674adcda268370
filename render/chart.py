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


def render_chart(summary: dict, labels: dict) -> bytes:
    """`summary` is the normalised summary from render.context; `labels` holds LAYER, DIMENSION, CHART."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (_W, _H), "white")
    draw = ImageDraw.Draw(img)

    # Left: one stacked bar of layer shares over x in [0, 1], y in [-0.6, 0.6].
    l, t, r, b = _box(_LEFT)
    _text(draw, (l, t - 6), labels["CHART"]["layers"], 8.5, anchor="ld")
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

    # Right: one bar per dimension (first at the top), x in [0, 110], the y range autoscaling gives.
    dims = summary["dimensions"]
    n = len(dims)
    l, t, r, b = _box(_RIGHT)
    _text(draw, (l, t - 6), labels["CHART"]["scores"], 8.5, anchor="ld")
    lo, hi = -0.3, n - 0.7
    lo, hi = lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)
    y_px = lambda y: b - (y - lo) / (hi - lo) * (b - t)  # noqa: E731
    x_px = lambda x: l + x / 110 * (r - l)  # noqa: E731
    for i, d in enumerate(dims):
        y = n - 1 - i
        score = d["score"] or 0
        if score > 0:
            draw.rectangle((l, y_px(y + 0.3), x_px(score), y_px(y - 0.3)), fill=_SCORE)
        _text(draw, (x_px(score + 2), y_px(y)), "n/a" if d["score"] is None else f"{round(d['score'])}", 7, anchor="lm")
        name = labels["DIMENSION"].get(d["key"], d["key"])
        draw.line((l - 7, y_px(y), l, y_px(y)), fill=_SPINE, width=1)  # tick mark
        _text(draw, (l - 10, y_px(y)), name, 7.5, anchor="rm")
    draw.line((l, t, l, b), fill=_SPINE, width=1)  # the left spine, over the bars as in a full draw

    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False, compress_level=6, dpi=(_DPI, _DPI))
    return out.getvalue()
