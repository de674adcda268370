"""The feedback document: one set of Jinja templates, laid out as .docx, Markdown and HTML.

Templates run in a sandbox with HTML autoescaping: packet text is data, never template code.
"""
from __future__ import annotations

import base64
import datetime as _dt

from jinja2 import TemplateError
from markupsafe import Markup

from promolint.config import TEMPLATES_DIR
from promolint.errors import ConfigError
from promolint.model import Review
from promolint.render.blocks import parse, to_markdown
from promolint.render.context import build_context
from promolint.render.env import BODY_TEMPLATE, PAGE_TEMPLATE, WORDING, load_templates

FORMATS = ("docx", "md", "html")

__all__ = ["FORMATS", "render_feedback", "render_chart_png"]


def _templates(config):
    return load_templates(getattr(config, "templates_dir", None) or TEMPLATES_DIR)


def _chart(templates, summary: dict) -> bytes:
    from promolint.render.chart import render_chart  # lazy: Pillow is only needed when a chart is drawn

    module = templates.html.get_template(WORDING).module
    return render_chart(summary, {k: getattr(module, k, {}) for k in ("LAYER", "DIMENSION", "CHART")})


def render_chart_png(review: Review, config) -> bytes:
    """The chart alone (for the benchmark and for callers that want the image file)."""
    templates = _templates(config)
    return _chart(templates, build_context(review, config, None, None, None, templates.manifest)["summary"])


def render_feedback(
    review: Review,
    config,
    formats: list[str],
    previous: Review | None = None,
    *,
    today: _dt.date | None = None,
    chart: bool | None = None,
) -> dict[str, bytes]:
    """Render the feedback document in `formats` (docx, md, html). `today` is the review date
    (default: the clock); `chart=False` leaves the chart out (default: the manifest decides)."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(f"output.formats: unknown feedback format {unknown[0]!r} (use {', '.join(FORMATS)})")
    if not formats:
        return {}
    templates = _templates(config)
    manifest = templates.manifest
    today = today or _dt.date.today()
    try:
        ctx = build_context(review, config, previous, today, None, manifest)
        ctx["manifest"] = manifest
        if manifest.chart if chart is None else chart:
            png = _chart(templates, ctx["summary"])
            ctx["chart"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        body = Markup(templates.html.get_template(BODY_TEMPLATE).render(ctx))
        out: dict[str, bytes] = {}
        if "html" in formats:
            out["html"] = templates.html.get_template(PAGE_TEMPLATE).render({**ctx, "body": body}).encode("utf-8")
        if "md" in formats or "docx" in formats:
            blocks = parse(str(body))
            if "md" in formats:
                out["md"] = to_markdown(blocks).encode("utf-8")
            if "docx" in formats:
                out["docx"] = _docx(templates, blocks, ctx)
    except TemplateError as e:
        where = getattr(e, "filename", None) or getattr(e, "name", None) or templates.folder
        line = getattr(e, "lineno", None)
        raise ConfigError(f"{where}{f':{line}' if line else ''}: template error ({e.__class__.__name__}: {e.message})") from None
    return {f: out[f] for f in formats}


def _docx(templates, blocks, ctx) -> bytes:
    from promolint.render.docx_writer import to_docx

    if templates.docx_bytes is None:
        raise ConfigError(f"{templates.folder}: no feedback.docx template for the docx format")
    doc_title = Markup(str(templates.html.get_template(WORDING).module.doc_title(ctx["packet"]))).unescape()
    fields = {"doc_title": doc_title, "title": ctx["packet"]["title"] or "", "author": ctx["packet"]["author"] or "",
              "review_date": ctx["review_date"]}
    return to_docx(blocks, templates.docx_bytes, fields, templates.docx, templates.manifest.table_style)
