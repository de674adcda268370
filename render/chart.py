"""The 'state of the packet' chart: layer mix and dimension scores, as a small PNG.

matplotlib is imported on first use: importing it costs more than rendering the whole document.
Labels come from the templates' wording (passed in), so the chart speaks the organisation's words.

Speed: everything but the bars and their numbers (axes, titles, dimension names) is the same for
every packet. It is drawn once per thread and labels, kept as a pixel buffer, and each chart only
restores that buffer and draws its bars and numbers on it, in the order a full draw would use
(bars, then the spine over them, then the numbers), so the pixels match a full `savefig`.
"""
from __future__ import annotations

import io
import threading

_COLORS = {"execution": "#9db4d6", "process": "#c9b27c", "outcome": "#2e7d4f"}
_SCORE = "#2e5597"
_SIZE, _DPI = (6.4, 1.8), 150
_PNG = {"compress_level": 3}

_local = threading.local()  # matplotlib figures are not thread-safe: one cache per thread


class _Frame:
    """A figure with the fixed parts of the chart drawn, and their pixels saved."""

    def __init__(self, names: list[str], titles: tuple[str, str]):
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure  # no pyplot: no global state, safe in threads

        self.fig = fig = Figure(figsize=_SIZE, dpi=_DPI)
        self.canvas = FigureCanvasAgg(fig)
        # Fixed axes positions: a layout engine costs two extra draws (~half the budget).
        self.left = left = fig.add_axes((0.02, 0.06, 0.34, 0.76))
        self.right = right = fig.add_axes((0.66, 0.06, 0.31, 0.76))
        left.set_xlim(0, 1)
        left.set_ylim(-0.6, 0.6)
        left.set_yticks([])
        left.set_xticks([])  # the bars carry their own numbers: fewer artists, faster draw
        left.spines["left"].set_visible(False)
        left.set_title(titles[0], fontsize=8.5, loc="left")

        n = len(names)
        # The y range autoscaling would give the score bars (it depends on their count only).
        bars = right.barh(range(n), [0] * n, color=_SCORE, height=0.6)
        right.set_yticks(range(n), names, fontsize=7.5)
        right.set_xlim(0, 110)
        right.set_xticks([])
        right.set_title(titles[1], fontsize=8.5, loc="left")
        for ax in (left, right):
            for side in ("top", "right", "bottom"):
                ax.spines[side].set_visible(False)
        right.autoscale_view()
        right.set_ylim(right.get_ylim())
        bars.remove()
        self.canvas.draw()  # lays out ticks and labels
        # Lines a full draw paints after the bars (spines, then tick marks, which overlap the spine
        # and may touch a bar's edge): left out of the saved pixels, painted over each chart's bars.
        spines = [s for ax in (left, right) for s in ax.spines.values() if s.get_visible()]
        marks = [line for ax in (left, right) for axis in (ax.xaxis, ax.yaxis) for t in axis.get_major_ticks()
                 for line in (t.tick1line, t.tick2line) if line.get_visible() and t.get_visible()]
        self.over = spines + marks
        for artist in self.over:
            artist.set_visible(False)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(fig.bbox)
        for artist in self.over:
            artist.set_visible(True)


def _frame(names: list[str], titles: tuple[str, str]) -> _Frame:
    frames = getattr(_local, "frames", None)
    if frames is None:
        frames = _local.frames = {}
    key = (tuple(names), titles)
    frame = frames.get(key)
    if frame is None:
        if len(frames) >= 8:
            frames.clear()
        frame = frames[key] = _Frame(names, titles)
    return frame


def _bars(ax, ys, widths, lefts, height: float, color: str) -> list:
    """The rectangles `ax.barh(ys, widths, left=lefts, height=height, color=color)` would add,
    made the way it makes them but not added to the axes: no data-limit bookkeeping (the limits
    are fixed), nothing to take out again. They are drawn straight onto the saved frame."""
    from matplotlib.colors import to_rgba_array
    from matplotlib.patches import Rectangle

    face = to_rgba_array(color)[0]
    out = []
    for y, w, x in zip(ys, widths, lefts):
        r = Rectangle(xy=(x, y - height / 2), width=w, height=height, facecolor=face, edgecolor=None,
                      linewidth=None, label="_nolegend_", hatch=None)
        r.get_path()._interpolation_steps = 100
        r.set_figure(ax.get_figure(root=False))  # what Axes.add_patch sets up
        r.set_transform(ax.transData)
        r.axes = ax
        r.set_clip_path(ax.patch)
        out.append(r)
    return out


def render_chart(summary: dict, labels: dict) -> bytes:
    """`summary` is the normalised summary from render.context; `labels` holds LAYER, DIMENSION, CHART."""
    from matplotlib.image import imsave

    dims = summary["dimensions"][::-1]
    names = [labels["DIMENSION"].get(d["key"], d["key"]) for d in dims]
    frame = _frame(names, (labels["CHART"]["layers"], labels["CHART"]["scores"]))
    left, right = frame.left, frame.right

    patches, texts = [], []
    start = 0.0
    for m in summary["layer_mix"]:
        share = m["share"] or 0.0
        patches += _bars(left, [0], [share], [start], 0.55, _COLORS.get(m["layer"], "#999999"))
        label = f"{labels['LAYER'].get(m['layer'], m['layer'])}\n{round(share * 100)}%"
        if share >= 0.12:
            texts.append(left.text(start + share / 2, 0, label, ha="center", va="center", fontsize=7.5,
                                   color="white" if m["layer"] == "outcome" else "#222222"))
        elif share > 0:  # too thin to hold its label: put it above the bar
            texts.append(left.text(start + share / 2, 0.32, label, ha="center", va="bottom", fontsize=6.5))
        start += share
    scores = [d["score"] or 0 for d in dims]
    patches += _bars(right, range(len(dims)), scores, [0] * len(dims), 0.6, _SCORE)
    for y, d in enumerate(dims):
        texts.append(right.text((d["score"] or 0) + 2, y, "n/a" if d["score"] is None else f"{round(d['score'])}",
                                va="center", fontsize=7))
    try:
        canvas = frame.canvas
        canvas.restore_region(frame.background)
        renderer = canvas.get_renderer()
        for artist in [*patches, *frame.over, *texts]:  # a full draw's z-order: patches, spines, ticks, texts
            artist.draw(renderer)
        out = io.BytesIO()
        imsave(out, canvas.buffer_rgba(), format="png", origin="upper", dpi=frame.fig.dpi, pil_kwargs=dict(_PNG))
        return out.getvalue()
    finally:
        for artist in texts:
            artist.remove()
