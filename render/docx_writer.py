"""Lay the body blocks out in the organisation's Word template with docxtpl.

Styles are looked up by name in the template (Heading 1/2, Title, List Bullet, Table Text), so a
restyled feedback.docx rebrands the document; this module only maps block kinds to style names.
The body is written as WordprocessingML text: building it through python-docx objects costs
~10x more, and the render budget is 150 ms.
"""
from __future__ import annotations

import base64
import io
import re
from xml.sax.saxutils import escape

from docx.shared import Inches
from docx.styles import BabelFish
from docxtpl import DocxTemplate
from lxml import etree

from render.blocks import Block, Run

_PARA_STYLE = {"title": "Title", "subtitle": "Subtitle", "quote": "Quote"}
_CHART_WIDTH = Inches(5.6)
# Characters XML 1.0 forbids; a packet may carry them (pasted from elsewhere).
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(text: str) -> str:
    return escape(_BAD_XML.sub("", text))


class _Styles:
    """Style name -> id from the template, read once per render."""

    def __init__(self, doc):
        # Word stores built-in names lowercased ("heading 1"); BabelFish maps them to UI names.
        self.ids = {BabelFish.internal2ui(st.name_val): st.styleId for st in doc.styles.element.style_lst if st.name_val}

    def __call__(self, name: str, fallback: str = "Normal") -> str:
        return self.ids.get(name) or self.ids.get(fallback) or ""


def _runs(runs: list[Run]) -> str:
    out = []
    for r in runs:
        props = ("<w:b/>" if r.bold else "") + ("<w:i/>" if r.italic else "")
        rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
        parts = [f'<w:t xml:space="preserve">{_text(t)}</w:t>' for t in r.text.split("\n")]
        out.append(f"<w:r>{rpr}{'<w:br/>'.join(parts)}</w:r>")
    return "".join(out)


def _p(style: str, runs: list[Run] | None = None, extra: str = "") -> str:
    ppr = (f'<w:pStyle w:val="{style}"/>' if style else "") + extra
    return f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{_runs(runs or [])}</w:p>"


def _bold(runs: list[Run]) -> list[Run]:
    # Table styles' header formatting is not rendered by every reader; bold is.
    return [Run(r.text, True, r.italic) for r in runs]


def _table(b: Block, styles: _Styles, table_style: str, width: int) -> str:
    ncols = max(len(r) for r in b.rows)
    shares = list(b.widths[:ncols]) + [None] * (ncols - len(b.widths))
    free = max(0.0, 1.0 - sum(w for w in shares if w))
    unknown = sum(1 for w in shares if not w) or 1
    cols = [int(width * (w or free / unknown)) for w in shares]
    cell_style = styles("Table Text")
    rows = []
    for i, row in enumerate(b.rows):
        head_row = i < len(b.header) and b.header[i]
        head = f"<w:trPr>{'<w:tblHeader/>' if head_row else ''}<w:cantSplit/></w:trPr>"
        cells = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{cols[j]}" w:type="dxa"/></w:tcPr>'
            f"{_p(cell_style, _bold(row[j]) if head_row else row[j]) if j < len(row) else _p(cell_style)}</w:tc>"
            for j in range(ncols)
        )
        rows.append(f"<w:tr>{head}{cells}</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{c}"/>' for c in cols)
    return (
        f'<w:tbl><w:tblPr><w:tblStyle w:val="{styles(table_style, "Table Grid")}"/>'
        f'<w:tblW w:w="{sum(cols)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
        '<w:tblLook w:val="0420" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def _image(part, b: Block) -> str:
    if not b.src.startswith("data:image/png;base64,"):
        return ""  # only the embedded chart; never fetch a URL
    data = base64.b64decode(b.src.split(",", 1)[1])
    rid, image = part.get_or_add_image(io.BytesIO(data))
    cx, cy = image.scaled_dimensions(_CHART_WIDTH, None)
    inline = etree.tostring(part.new_pic_inline(io.BytesIO(data), cx, cy), encoding="unicode")
    return f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:drawing>{inline}</w:drawing></w:r></w:p>'


class _Xml(str):
    """Marks the body as ready XML so docxtpl's autoescape leaves it alone."""

    def __html__(self) -> str:
        return str(self)


def to_docx(blocks: list[Block], template: bytes, context: dict, env, table_style: str) -> bytes:
    """`context` fills the template's own fields (doc_title, title, author, review_date)."""
    tpl = DocxTemplate(io.BytesIO(template))
    doc = tpl.get_docx()
    section = doc.sections[0]
    width = int((section.page_width - section.left_margin - section.right_margin) / 635)  # EMU -> twips
    styles = _Styles(doc)
    out = []
    for b in blocks:
        if b.kind == "heading":
            brk = "<w:pageBreakBefore/>" if "appendix" in b.cls.split() else ""
            out.append(_p(styles(f"Heading {min(b.level, 9)}"), b.runs, brk))
        elif b.kind == "para":
            out.append(_p(styles(_PARA_STYLE.get(b.cls, "Normal")), b.runs))
        elif b.kind == "bullets":
            out.extend(_p(styles("List Bullet"), item) for item in b.items)
        elif b.kind == "table" and b.rows:
            out.append(_table(b, styles, table_style, width))
            out.append(_p(styles("Table Text")))  # breathing room after a table
        elif b.kind == "image":
            out.append(_image(doc.part, b))
    tpl.render({**context, "body": _Xml("".join(out))}, jinja_env=env, autoescape=True)
    tpl.docx.core_properties.title = context.get("doc_title", "")
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()
