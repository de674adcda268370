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
import zipfile
from copy import deepcopy

from docx.shared import Inches
from docx.styles import BabelFish
from docxtpl import DocxTemplate
from lxml import etree

from promolint.deadline import check_deadline
from promolint.ooxml import WP_NS, document_from_parts, replace_document_element, xml_text
from promolint.render.blocks import Block, Run

_PARA_STYLE = {"title": "Title", "subtitle": "Subtitle", "quote": "Quote"}
_CHART_WIDTH = Inches(5.6)
# Characters XML 1.0 forbids; a packet may carry them (pasted from elsewhere).
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(text: str) -> str:
    return xml_text(_BAD_XML.sub("", text))


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
        xml = f"<w:r>{rpr}{'<w:br/>'.join(parts)}</w:r>"
        if "\t" in xml:  # what docxtpl's listing pass makes of a tab: a run of its own
            xml = xml.replace("\t", f'</w:t></w:r><w:r>{rpr}<w:tab/></w:r><w:r>{rpr}<w:t xml:space="preserve">')
        out.append(xml)
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
    inline = _drop_inherited_ns(etree.tostring(part.new_pic_inline(io.BytesIO(data), cx, cy), encoding="unicode"),
                                part.element.nsmap)
    return f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:drawing>{inline}</w:drawing></w:r></w:p>'


_NS_DECL = re.compile(r'\s+xmlns:([A-Za-z_][\w.-]*)="([^"]*)"')


def _drop_inherited_ns(xml: str, inherited: dict) -> str:
    """Namespace declarations on the fragment's first tag that the document root already makes
    are left out, as lxml drops them when a parsed fragment is moved into the document."""
    head, sep, rest = xml.partition(">")
    head = _NS_DECL.sub(lambda m: "" if inherited.get(m.group(1)) == m.group(2) else m.group(0), head)
    return head + sep + rest


class _Xml(str):
    """Marks the body as ready XML so docxtpl's autoescape leaves it alone."""

    def __html__(self) -> str:
        return str(self)


_BODY_MARK = "promolint-body-7d1f0c"
_BODY_PARSER = etree.XMLParser(recover=True)  # what docxtpl parses the rendered body with
_DOCPR = etree.XPath("//wp:docPr", namespaces={"wp": WP_NS})


def _template_doc(template: bytes):
    """A fresh python-docx Document of the template, from members and trees parsed once per process."""
    cached = _TEMPLATE_CACHE.get(template)
    if cached is None:
        from docx.oxml.parser import oxml_parser

        with zipfile.ZipFile(io.BytesIO(template)) as z:
            parts = {n: z.read(n) for n in z.namelist() if not n.endswith("/")}
        trees = {}
        for name, blob in parts.items():
            if name.endswith(".xml") and not name.startswith("[") and b"<!DOCTYPE" not in blob:
                try:
                    trees[name] = etree.fromstring(blob, oxml_parser)
                except etree.XMLSyntaxError:
                    pass
        if len(_TEMPLATE_CACHE) >= 4:
            _TEMPLATE_CACHE.clear()
        cached = _TEMPLATE_CACHE[template] = (parts, trees)
    parts, trees = cached
    # Only parts python-docx parses take a tree; each render gets its own copies (docxtpl edits them).
    return document_from_parts(parts, {name: deepcopy(tree) for name, tree in trees.items()}, template)


_TEMPLATE_CACHE: dict[bytes, tuple[dict, dict]] = {}


def _body_xml(blocks: list[Block], doc, table_style: str) -> str:
    section = doc.sections[0]
    width = int((section.page_width - section.left_margin - section.right_margin) / 635)  # EMU -> twips
    styles = _Styles(doc)
    out = []
    for n, b in enumerate(blocks):
        if not n & 255:
            check_deadline()
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
    return "".join(out)


def to_docx(blocks: list[Block], template: bytes, context: dict, env, table_style: str) -> bytes:
    """`context` fills the template's own fields (doc_title, title, author, review_date).

    docxtpl renders the template (its fields, headers, footers, properties) with a one-paragraph
    placeholder body; the body is then put in the placeholder's place as elements. docxtpl's own
    passes over the body would not change it: it is written with tabs as their own runs (its
    listing pass), tables with full grids (its table fix), and image ids are renumbered here in
    document order as it does. Passing the body through them costs more than everything else.
    """
    tpl = DocxTemplate(io.BytesIO(template))
    try:
        tpl.docx = _template_doc(template)
    except Exception:  # noqa: BLE001 - an odd template opens the ordinary (slower) way
        tpl.docx = None
    body_xml = _body_xml(blocks, tpl.get_docx(), table_style)
    mark = f"<w:p><w:r><w:t>{_BODY_MARK}</w:t></w:r></w:p>"
    tpl.render({**context, "body": _Xml(mark)}, jinja_env=env, autoescape=True)
    doc = tpl.docx
    xml = etree.tostring(doc.element, encoding="unicode")
    if xml.count(mark) == 1:
        # Text splice and one parse of the whole document part, which then replaces the part's
        # tree. (Moving a large parsed body into the existing tree, as docxtpl does, costs time
        # that grows with the square of its size.)
        root = etree.fromstring(xml.replace(mark, body_xml), _BODY_PARSER)
        for i, el in enumerate(_DOCPR(root), start=1001):  # docxtpl numbers them 1001... in order
            el.attrib["id"] = str(i)
        replace_document_element(doc, root)
    else:  # the template repeats, hides or wraps {{p body }}: let docxtpl lay the body out itself
        tpl = DocxTemplate(io.BytesIO(template))
        body_xml = _body_xml(blocks, tpl.get_docx(), table_style)
        tpl.render({**context, "body": _Xml(body_xml)}, jinja_env=env, autoescape=True)
    tpl.docx.core_properties.title = context.get("doc_title", "")
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()
