"""The 'state of the packet' chart: layer mix and dimension scores, as a small PNG.

matplotlib is imported on first use: importing it costs more than rendering the whole document.
Labels come from the templates' wording (passed in), so the chart speaks the organisation's words.
"""
from __future__ import annotations

import io

_COLORS = {"execution": "#9db4d6", "process": "#c9b27c", "outcome": "#2e7d4f"}
_SCORE = "#2e5597"


def render_chart(summary: dict, labels: dict) -> bytes:
    """`summary` is the normalised summary from render.context; `labels` holds LAYER, DIMENSION, CHART."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure  # no pyplot: no global state, safe in threads

    fig = Figure(figsize=(6.4, 1.8), dpi=150)
    # Fixed axes positions: a layout engine costs two extra draws (~half the budget).
    left = fig.add_axes((0.02, 0.06, 0.34, 0.76))
    right = fig.add_axes((0.66, 0.06, 0.31, 0.76))

    start = 0.0
    for m in summary["layer_mix"]:
        share = m["share"] or 0.0
        left.barh([0], [share], left=start, color=_COLORS.get(m["layer"], "#999999"), height=0.55)
        label = f"{labels['LAYER'].get(m['layer'], m['layer'])}\n{round(share * 100)}%"
        if share >= 0.12:
            left.text(start + share / 2, 0, label, ha="center", va="center", fontsize=7.5,
                      color="white" if m["layer"] == "outcome" else "#222222")
        elif share > 0:  # too thin to hold its label: put it above the bar
            left.text(start + share / 2, 0.32, label, ha="center", va="bottom", fontsize=6.5)
        start += share
    left.set_xlim(0, 1)
    left.set_ylim(-0.6, 0.6)
    left.set_yticks([])
    left.set_xticks([])  # the bars carry their own numbers: fewer artists, faster draw
    left.spines["left"].set_visible(False)
    left.set_title(labels["CHART"]["layers"], fontsize=8.5, loc="left")

    dims = summary["dimensions"][::-1]
    names = [labels["DIMENSION"].get(d["key"], d["key"]) for d in dims]
    scores = [d["score"] or 0 for d in dims]
    right.barh(range(len(dims)), scores, color=_SCORE, height=0.6)
    for y, d in enumerate(dims):
        right.text((d["score"] or 0) + 2, y, "n/a" if d["score"] is None else f"{round(d['score'])}",
                   va="center", fontsize=7)
    right.set_yticks(range(len(dims)), names, fontsize=7.5)
    right.set_xlim(0, 110)
    right.set_xticks([])
    right.set_title(labels["CHART"]["scores"], fontsize=8.5, loc="left")
    for ax in (left, right):
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)

    out = io.BytesIO()
    fig.savefig(out, format="png", pil_kwargs={"compress_level": 3})
    return out.getvalue()
