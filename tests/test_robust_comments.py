"""Damaged-but-openable comment parts: non-integer or missing comment ids are reviewed, not
internal errors; a human comment sharing an id with one of ours keeps its anchor."""
from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest

import hostile
from promolint.config import load_config
from promolint.pipeline import review_bytes


def _commented() -> bytes:
    d = docx.Document()
    d.add_heading("What You Did", 1)
    p = d.add_paragraph("I helped with the migration of things.")
    d.add_comment(p.runs, text="human note", author="Boss", initials="B")
    d.add_paragraph("I was involved in improving the service a lot.")
    b = io.BytesIO()
    d.save(b)
    return b.getvalue()


def _part(data: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode()


@pytest.mark.parametrize("damage", ["non-integer", "missing"])
def test_damaged_comment_ids_are_reviewed(damage):
    base = _commented()
    com = _part(base, "word/comments.xml")
    com = com.replace('w:id="0"', 'w:id="x"') if damage == "non-integer" else re.sub(' w:id="0"', "", com)
    out = review_bytes(hostile.replace_members(base, {"word/comments.xml": com.encode()}), "p.docx", load_config(None))
    assert "human note" in _part(out.annotated, "word/comments.xml")
    assert _part(out.annotated, "word/comments.xml").count("promolint") >= 1


def test_a_human_comment_sharing_our_id_keeps_its_anchor():
    base = _commented()
    com = _part(base, "word/comments.xml")
    ours = '<w:comment w:id="0" w:author="promolint" w:initials="PL"><w:p><w:r><w:t>old</w:t></w:r></w:p></w:comment>'
    com = com.replace("</w:comments>", ours + "</w:comments>")
    out = review_bytes(hostile.replace_members(base, {"word/comments.xml": com.encode()}), "p.docx", load_config(None))
    doc = _part(out.annotated, "word/document.xml")
    assert 'commentRangeStart w:id="0"' in doc and 'commentReference w:id="0"' in doc
    comments = _part(out.annotated, "word/comments.xml")
    assert "human note" in comments and ">old<" not in comments


def test_two_styles_relationships_are_one_clear_rejection():
    from promolint.errors import PacketRejected

    base = _commented()
    rels = _part(base, "word/_rels/document.xml.rels").replace("</Relationships>", (
        '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"'
        ' Target="styles.xml"/></Relationships>'))
    with pytest.raises(PacketRejected) as e:
        review_bytes(hostile.replace_members(base, {"word/_rels/document.xml.rels": rels.encode()}), "p.docx",
                     load_config(None))
    assert e.value.code == "corrupt-docx" and "two styles parts" in e.value.reason
