"""The one Word XML layer every stage shares: namespaces, paragraph text, comment anchors, and
opening a python-docx Document from members already unpacked.

Extractor and annotator must agree on what a paragraph's text is and which paragraph is number N, or an
annotation lands on the wrong words. So both use `body_paragraphs` and `visible_pieces` from here.
Visible text means tracked changes accepted: insertions and moves-to count, deletions and
moves-from do not; field codes are hidden, field results shown; nested paragraphs (text boxes)
are their own paragraphs. Per-element text follows python-docx's `Paragraph.text`.
"""
from __future__ import annotations

import io
from copy import deepcopy
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Iterator, NamedTuple

from lxml import etree

if TYPE_CHECKING:
    from docx.document import Document

# -- namespaces (transitional OOXML; promolint.extractors.container maps Strict onto these)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CP_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC_NS = "http://purl.org/dc/elements/1.1/"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
W15_NS = "http://schemas.microsoft.com/office/word/2012/wordml"
W16CID_NS = "http://schemas.microsoft.com/office/word/2016/wordml/cid"
W16CEX_NS = "http://schemas.microsoft.com/office/word/2018/wordml/cex"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
RT_OFFICE_DOCUMENT = f"{R_NS}/officeDocument"

# Word 2013+ comment side parts. Registered with python-docx as XML parts (its documented
# extension point, as python-docx registers its own) so they are edited through `part.element`.
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
CT_COMMENTS_SIDE_PARTS = (f"{_WML}commentsExtended+xml", f"{_WML}commentsIds+xml", f"{_WML}commentsExtensible+xml")


# XML escapes as xml.sax.saxutils gives them, without its import (it loads urllib.request, http and ssl).
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                               "\t": "&#9;"})


def xml_text(s: str) -> str:
    return s.translate(_TEXT_ESCAPES)


def xml_attr(s: str) -> str:
    """For a double-quoted attribute; line ends and tabs kept as character references."""
    return s.translate(_ATTR_ESCAPES)


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


W_P, W_R, W_T, W_RPR, W_ID, W_VAL = w("p"), w("r"), w("t"), w("rPr"), w("id"), w("val")
MC_FALLBACK = f"{{{MC_NS}}}Fallback"
RANGE_START, RANGE_END, REFERENCE = w("commentRangeStart"), w("commentRangeEnd"), w("commentReference")

# Paragraph content that is never visible text (or is its own paragraph).
_HIDDEN = {
    w("del"), w("moveFrom"), w("pPr"), w("rPr"), w("sdtPr"), w("sdtEndPr"), w("customXmlPr"),
    w("smartTagPr"), w("p"), w("tbl"), w("txbxContent"), MC_FALLBACK,
    f"{{{M_NS}}}oMath", f"{{{M_NS}}}oMathPara",
}
_SYNTHETIC = {w("tab"): "\t", w("ptab"): "\t", w("cr"): "\n", w("noBreakHyphen"): "-"}
_LINE_BREAK_TYPES = {None, "textWrapping"}


class Piece(NamedTuple):
    """A stretch of visible text: `t` is its w:t, or None for a tab/break; `element` is its source."""

    text: str
    t: etree._Element | None
    element: etree._Element
    run: etree._Element


def body_paragraphs(body: etree._Element) -> list[etree._Element]:
    """Every w:p of the body in document order (tables, text boxes), skipping mc:Fallback copies."""
    duplicates = {id(p) for fb in body.iter(MC_FALLBACK) for p in fb.iter(W_P)}
    return [p for p in body.iter(W_P) if id(p) not in duplicates]


def visible_pieces(p: etree._Element) -> Iterator[Piece]:
    """The paragraph's visible text pieces, in order; empty pieces are skipped."""
    return _walk(p)


def paragraph_text(p: etree._Element) -> str:
    return "".join(piece.text for piece in visible_pieces(p))


def _walk(el: etree._Element) -> Iterator[Piece]:
    for child in el:
        tag = child.tag
        if tag == W_R:
            yield from _run_pieces(child)
        elif isinstance(tag, str) and tag not in _HIDDEN:
            yield from _walk(child)  # ins, moveTo, hyperlink, sdt, smartTag, fldSimple, customXml...


def _run_pieces(r: etree._Element) -> Iterator[Piece]:
    for child in r:
        tag = child.tag
        if tag == W_T:
            if child.text:
                yield Piece(child.text, child, child, r)
        elif tag in _SYNTHETIC:
            yield Piece(_SYNTHETIC[tag], None, child, r)
        elif tag == w("br") and child.get(w("type")) in _LINE_BREAK_TYPES:
            yield Piece("\n", None, child, r)


# -- anchoring: make run boundaries at text offsets, then put comment markers around runs --


def ensure_boundary(p: etree._Element, offset: int) -> None:
    """Split runs (and a w:t if needed) so a run starts exactly at `offset`. Text is unchanged."""
    pos = 0
    for piece in visible_pieces(p):
        end = pos + len(piece.text)
        if pos <= offset < end:
            target = piece.element if offset == pos else _split_t(piece.t, offset - pos)
            _split_run_before(piece.run, target)
            return
        pos = end


def _split_t(t: etree._Element, k: int) -> etree._Element:
    tail = t.makeelement(W_T, {})
    tail.text, t.text = t.text[k:], t.text[:k]
    for el in (t, tail):
        el.set(XML_SPACE, "preserve")
    t.addnext(tail)
    return tail


def _split_run_before(r: etree._Element, child: etree._Element) -> None:
    """Move `child` and what follows it into a new run with a copy of the run's formatting."""
    before = [c for c in child.itersiblings(preceding=True) if c.tag != W_RPR]
    if not before:
        return
    new_r = r.makeelement(W_R, dict(r.attrib))
    rpr = r.find(W_RPR)
    if rpr is not None:
        new_r.append(deepcopy(rpr))
    for c in [child, *child.itersiblings()]:
        new_r.append(c)
    r.addnext(new_r)


def mark_comment_range(p: etree._Element, start: int, end: int, comment_id: int) -> bool:
    """Anchor comment `comment_id` on visible text [start, end) of `p`. False if the span is empty."""
    ensure_boundary(p, start)
    ensure_boundary(p, end)
    runs, pos = [], 0
    for piece in visible_pieces(p):
        if pos >= start and pos + len(piece.text) <= end:
            runs.append(piece.run)
        pos += len(piece.text)
    if not runs:
        return False
    first, last = runs[0], runs[-1]
    first.addprevious(first.makeelement(RANGE_START, {W_ID: str(comment_id)}))
    range_end = last.makeelement(RANGE_END, {W_ID: str(comment_id)})
    last.addnext(range_end)
    # The reference run sits at paragraph level so it is not part of a link or tracked insertion.
    outer = _child_of(p, last)
    (range_end if outer is last else outer).addnext(_reference_run(p, comment_id))
    return True


def _child_of(p: etree._Element, el: etree._Element) -> etree._Element:
    while el.getparent() is not p:
        el = el.getparent()
    return el


def _reference_run(p: etree._Element, comment_id: int) -> etree._Element:
    r = p.makeelement(W_R, {})
    rpr = etree.SubElement(r, W_RPR)
    etree.SubElement(rpr, w("rStyle"), {W_VAL: "CommentReference"})
    etree.SubElement(r, REFERENCE, {W_ID: str(comment_id)})
    return r


def comment_id(el: etree._Element) -> int | None:
    """A comment's or marker's w:id; None when a damaged file has none or a non-integer one."""
    try:
        return int(el.get(W_ID))
    except (TypeError, ValueError):
        return None


def comment_spans(p: etree._Element) -> dict[int, tuple[int, int]]:
    """Comment id -> visible-text span of ranges that start and end in this paragraph."""
    starts, spans, pos = {}, {}, 0
    for el in _walk_with_marks(p):
        if isinstance(el, Piece):
            pos += len(el.text)
            continue
        cid = comment_id(el)
        if cid is None:
            continue
        if el.tag == RANGE_START:
            starts[cid] = pos
        elif cid in starts:
            spans[cid] = (starts[cid], pos)
    return spans


def _walk_with_marks(el: etree._Element):
    for child in el:
        tag = child.tag
        if tag == W_R:
            yield from _run_pieces(child)
        elif tag in (RANGE_START, RANGE_END):
            yield child
        elif isinstance(tag, str) and tag not in _HIDDEN:
            yield from _walk_with_marks(child)


def remove_comment_marks(root: etree._Element, comment_ids: set[int]) -> None:
    """Drop range markers and references of `comment_ids`, then re-join the runs we split."""
    ids = {str(i) for i in comment_ids}
    marks = [el for tag in (RANGE_START, RANGE_END, REFERENCE) for el in root.iter(tag) if el.get(W_ID) in ids]
    containers = set()
    for el in marks:
        parent = el.getparent()
        parent.remove(el)
        if el.tag == REFERENCE and parent.tag == W_R and all(c.tag == W_RPR for c in parent):
            parent.getparent().remove(parent)
        else:
            containers.add(parent)
    for container in containers:
        merge_twin_runs(container)


def merge_twin_runs(container: etree._Element) -> None:
    """Join adjacent runs with identical attributes and formatting (undoes ensure_boundary)."""
    for r in list(container.iterchildren(W_R)):
        prev = r.getprevious()
        if prev is None or prev.tag != W_R or not _twins(prev, r):
            continue
        for child in [c for c in r if c.tag != W_RPR]:
            last = prev[-1] if len(prev) else None
            if child.tag == W_T and last is not None and last.tag == W_T:
                last.text = (last.text or "") + (child.text or "")
                last.set(XML_SPACE, "preserve")
            else:
                prev.append(child)
        container.remove(r)


def _twins(a: etree._Element, b: etree._Element) -> bool:
    if dict(a.attrib) != dict(b.attrib):
        return False
    pa, pb = a.find(W_RPR), b.find(W_RPR)
    return (pa is None and pb is None) or (
        pa is not None and pb is not None and etree.tostring(pa, method="c14n") == etree.tostring(pb, method="c14n"))


# -- python-docx documents


def _register_side_parts() -> None:
    from docx.opc.part import PartFactory, XmlPart

    for ct in CT_COMMENTS_SIDE_PARTS:
        PartFactory.part_type_for.setdefault(ct, XmlPart)


_register_side_parts()


def open_docx(package: bytes) -> "Document":
    import docx

    return docx.Document(io.BytesIO(package))


def document_from_parts(parts: dict[str, bytes], trees: dict, package: bytes) -> "Document":
    """What `docx.Document(package)` returns, built from members already unpacked (`parts`) and
    trees already parsed with python-docx's parser (`trees`, consumed), so nothing is unzipped or
    parsed twice. python-docx has no public loader for that, so this drives its package reader;
    if those internals differ from the ones it was written against, the package opens the
    ordinary way (slower, same result).
    """
    try:
        load = _internal_loader()
    except (ImportError, AttributeError, TypeError):
        return open_docx(package)
    return load(parts, trees)


def _internal_loader():
    """python-docx's package reader, driven over unpacked members (python-docx 1.x internals)."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.package import Unmarshaller
    from docx.opc.part import PartFactory, XmlPart
    from docx.opc.pkgreader import PackageReader, _ContentTypeMap
    from docx.opc.packuri import PACKAGE_URI
    from docx.package import Package

    srels_for, load_parts = PackageReader._srels_for, PackageReader._load_serialized_parts
    part_cls_for, xml_load = PartFactory._part_cls_for, XmlPart.load.__func__

    def load(parts: dict[str, bytes], trees: dict) -> "Document":
        phys = _PartsReader(parts)
        content_types = _ContentTypeMap.from_xml(phys.content_types_xml)
        pkg_srels = srels_for(phys, PACKAGE_URI)
        reader = PackageReader(content_types, pkg_srels, load_parts(phys, pkg_srels, content_types))

        def part_factory(partname, content_type, reltype, blob, package):
            tree = trees.pop(partname.membername, None)
            if tree is not None:
                cls = PartFactory.part_class_selector(content_type, reltype) if PartFactory.part_class_selector else None
                cls = cls or part_cls_for(content_type)
                if getattr(cls.load, "__func__", None) is xml_load:
                    return cls(partname, content_type, tree, package)
            return PartFactory(partname, content_type, reltype, blob, package)

        pkg = Package()
        Unmarshaller.unmarshal(reader, pkg, part_factory)
        document_part = pkg.main_document_part
        if document_part.content_type != CT.WML_DOCUMENT_MAIN:
            raise ValueError("not a Word document")
        return document_part.document

    return load


class _PartsReader:
    """python-docx's physical package reader, over members already unpacked."""

    def __init__(self, parts: dict[str, bytes]):
        self._parts = parts

    def blob_for(self, pack_uri):
        return self._parts[pack_uri.membername]

    @property
    def content_types_xml(self):
        return self._parts["[Content_Types].xml"]

    def rels_xml_for(self, source_uri):
        return self._parts.get(source_uri.rels_uri.membername)

    def close(self):
        pass


@lru_cache(maxsize=1)
def default_styles() -> etree._Element:
    """The styles python-docx gives a document without a styles part (its own default-styles.xml)."""
    from docx.oxml.parser import parse_xml

    return parse_xml((files("docx") / "templates" / "default-styles.xml").read_bytes())


def replace_document_element(document: "Document", root: etree._Element) -> None:
    """Make `root` (a whole w:document tree) the document part's XML. python-docx has no setter;
    the part and the Document object both hold the element, so both are pointed at it."""
    document.part._element = document._element = root
