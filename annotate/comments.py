"""promolint's own Word comments: add one per weak claim, or remove earlier ones.

Removing matters because revised packets are re-reviewed: our comments are replaced, never
stacked, while every human comment keeps its id, text and anchor.
"""
from __future__ import annotations

import datetime as dt
import logging
import re

from docx.document import Document
from docx.oxml.ns import nsdecls
from docx.oxml.parser import parse_xml
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.parts.styles import StylesPart
from lxml import etree

from promolint.deadline import check_deadline
from promolint.ooxml import (W14_NS, W15_NS, W16CEX_NS, W16CID_NS, body_paragraphs, comment_id, mark_comment_range,
                             paragraph_text, remove_comment_marks, w, xml_attr, xml_text)
from promolint.model import SEVERITY_RANK, ClaimReview, Finding

log = logging.getLogger(__name__)

MAX_FINDINGS_PER_COMMENT = 4
W14_PARA_ID = f"{{{W14_NS}}}paraId"
W15, W16CID, W16CEX = W15_NS, W16CID_NS, W16CEX_NS


def comment_text(claim: ClaimReview) -> str:
    """Margin-sized: each finding's message, then its suggestion, most severe first."""
    findings = sorted(claim.findings, key=lambda f: -SEVERITY_RANK[f.severity])
    lines = []
    for f in findings[:MAX_FINDINGS_PER_COMMENT]:
        lines.append(f.message.strip())
        if f.suggestion.strip():
            lines.append(f"→ {f.suggestion.strip()}")
    if len(findings) > MAX_FINDINGS_PER_COMMENT:
        lines.append(f"(+{len(findings) - MAX_FINDINGS_PER_COMMENT} more in the feedback report)")
    return "\n".join(lines)


def anchor_span(claim: ClaimReview) -> tuple[int, int]:
    """Paragraph offsets of the most severe finding's words, or of the whole claim."""
    worst: Finding = max(claim.findings, key=lambda f: SEVERITY_RANK[f.severity])
    start, end = claim.offset, claim.offset + len(claim.text)
    if worst.start is not None and worst.end is not None and 0 <= worst.start < worst.end <= len(claim.text):
        start, end = claim.offset + worst.start, claim.offset + worst.end
    return start, end


def add_claim_comments(document: Document, claims: list[ClaimReview], author: str, initials: str) -> int:
    """One comment per weak claim; claims whose text no longer matches the paragraph are skipped."""
    paragraphs = body_paragraphs(document.element.body)
    todo = []
    skipped = 0
    for n, claim in enumerate(claims):
        if not n & 255:
            check_deadline()
        if not claim.weak:
            continue
        p = paragraphs[claim.paragraph] if 0 <= claim.paragraph < len(paragraphs) else None
        if p is None or paragraph_text(p)[claim.offset:claim.offset + len(claim.text)] != claim.text:
            skipped += 1
            continue
        todo.append((claim, p))
    if todo:
        ensure_comment_styles(document)
        ids = _add_comments(document, [comment_text(c) for c, _p in todo], author, initials)
        for n, ((claim, p), comment_id) in enumerate(zip(todo, ids)):
            if not n & 255:
                check_deadline()
            start, end = anchor_span(claim)
            mark_comment_range(p, start, end, comment_id)
    if skipped:
        log.warning("%d weak claims did not match the document and got no comment", skipped)
    return len(todo)


def _add_comments(document: Document, texts: list[str], author: str, initials: str | None) -> list[int]:
    """What `document.comments.add_comment(text, author, initials)` does for each text, in one go:
    the same elements, ids and attributes, built as one XML string and parsed once (python-docx
    finds the next id by scanning all comments and builds each line through its object model)."""
    comments = document.comments  # creates the comments part if the packet has none, as add_comment does
    root = document.part.part_related_by(RT.COMMENTS).element
    used = [i for i in map(comment_id, root.iter(w("comment"))) if i is not None]
    first = max(used, default=-1) + 1
    if first + len(texts) - 1 > 2**31 - 1 or any(_NOT_XML.search(t) for t in texts):
        # python-docx hunts for unused ids, or raises on characters XML cannot hold: let it
        return [comments.add_comment(t, author=author, initials=initials).comment_id for t in texts]
    head = f' w:author="{xml_attr(author)}"' + ("" if initials is None else f' w:initials="{xml_attr(initials)}"')
    xml = []
    for i, text in enumerate(texts):
        lines = text.split("\n")
        paras = [f"<w:p>{_COMMENT_PPR}{_ANNOTATION_REF}{_run(lines[0])}</w:p>"]
        paras += [f"<w:p>{_COMMENT_PPR}{_run(line)}</w:p>" for line in lines[1:]]
        xml.append(f'<w:comment w:id="{first + i}"{head}>{"".join(paras)}</w:comment>')
    parsed = parse_xml(f'<w:comments {nsdecls("w")}>{"".join(xml)}</w:comments>')
    for el in list(parsed):
        el.date = dt.datetime.now(dt.timezone.utc)
        root.append(el)
    return [first + i for i in range(len(texts))]


# The two styles our comments name, as Word defines them when it adds the first comment: without
# them the copy references styles it does not define (Word falls back silently; validators do not).
_COMMENT_STYLES = {
    "CommentReference": ("character", "annotation reference", "DefaultParagraphFont", "<w:sz w:val=\"16\"/>"),
    "CommentText": ("paragraph", "annotation text", "Normal", "<w:sz w:val=\"20\"/>"),
}


def ensure_comment_styles(document: Document) -> None:
    if not any(rel.reltype == RT.STYLES for rel in document.part.rels.values()):
        # an empty styles part of our own: python-docx's default one is a whole template that restyles the packet
        part = StylesPart(PackURI("/word/styles.xml"), CT.WML_STYLES, parse_xml(f"<w:styles {nsdecls('w')}/>"),
                          document.part.package)
        document.part.relate_to(part, RT.STYLES)
    styles = document.styles.element
    have = set(styles.xpath("./w:style/@w:styleId"))
    for style_id, (kind, name, based_on, size) in _COMMENT_STYLES.items():
        if style_id in have:
            continue
        base = f'<w:basedOn w:val="{based_on}"/>' if based_on in have else ""
        styles.append(parse_xml(
            f'<w:style {nsdecls("w")} w:type="{kind}" w:styleId="{style_id}"><w:name w:val="{name}"/>{base}'
            f'<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:rPr>{size}</w:rPr></w:style>'))


_COMMENT_PPR = '<w:pPr><w:pStyle w:val="CommentText"/></w:pPr>'
_ANNOTATION_REF = '<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:annotationRef/></w:r>'
_SPECIAL = re.compile(r"([\t\r\n])")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _run(text: str) -> str:
    """python-docx's run for `text`: w:t pieces, w:tab for tabs, w:br for line ends; none if empty."""
    if not text:
        return ""
    out = []
    for piece in _SPECIAL.split(text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            out.append(f"<w:t{space}>{xml_text(piece)}</w:t>")
    return f"<w:r>{''.join(out)}</w:r>"


def remove_comments_by(document: Document, author: str) -> int:
    """Delete comments written by `author`, their anchors and their Word 2013+ side records."""
    try:
        part = document.part.part_related_by(RT.COMMENTS)
    except KeyError:
        return 0
    root = part.element
    ours = [c for c in root.iter(w("comment")) if c.get(w("author")) == author]
    if not ours:
        return 0
    # A damaged file may give a human comment one of our ids: its anchor stays.
    theirs = {comment_id(c) for c in root.iter(w("comment")) if c.get(w("author")) != author}
    ids = {comment_id(c) for c in ours} - theirs - {None}
    para_ids = {p.get(W14_PARA_ID) for c in ours for p in c.iter(w("p"))} - {None}
    for c in ours:
        root.remove(c)
    remove_comment_marks(document.element.body, ids)
    _prune_side_parts(document, para_ids)
    return len(ours)


def _prune_side_parts(document: Document, para_ids: set[str]) -> None:
    """Word keeps threading/ids in commentsExtended, commentsIds and commentsExtensible parts."""
    if not para_ids:
        return
    parts = {rel.reltype.rsplit("/", 1)[-1]: rel.target_part
             for rel in document.part.rels.values() if not rel.is_external}
    durable: set[str] = set()
    if "commentsExtended" in parts:
        _edit_part(parts["commentsExtended"], lambda root: _prune_extended(root, para_ids))
    if "commentsIds" in parts:
        _edit_part(parts["commentsIds"], lambda root: durable.update(_prune_ids(root, para_ids)))
    if "commentsExtensible" in parts and durable:
        _edit_part(parts["commentsExtensible"], lambda root: _prune_by(root, f"{{{W16CEX}}}durableId", durable))


def _edit_part(part, edit) -> None:
    """Side parts load as XML parts (promolint.ooxml registers them), so they are edited in place."""
    edit(part.element)


def _prune_extended(root: etree._Element, para_ids: set[str]) -> None:
    _prune_by(root, f"{{{W15}}}paraId", para_ids)
    for el in root:
        if el.get(f"{{{W15}}}paraIdParent") in para_ids:
            del el.attrib[f"{{{W15}}}paraIdParent"]  # a human reply to our comment stands alone


def _prune_ids(root: etree._Element, para_ids: set[str]) -> set[str]:
    gone = [el for el in root if el.get(f"{{{W16CID}}}paraId") in para_ids]
    for el in gone:
        root.remove(el)
    return {el.get(f"{{{W16CID}}}durableId") for el in gone}


def _prune_by(root: etree._Element, attr: str, values: set[str]) -> None:
    for el in [el for el in root if el.get(attr) in values]:
        root.remove(el)
