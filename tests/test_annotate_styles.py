"""The annotated copy defines every style it references: the comment styles Word adds with a
comment (CommentReference, CommentText) are added when the packet lacks them."""
from __future__ import annotations

import io
import zipfile

from lxml import etree

import hostile
from conftest import build_packet, run_cli

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CLAIMS = ["I helped with the migration.", "I was involved in improving things a lot."]


def _undefined_styles(data: bytes) -> set[str]:
    z = zipfile.ZipFile(io.BytesIO(data))
    defined = {s.get(f"{W}styleId") for s in etree.fromstring(z.read("word/styles.xml")).iter(f"{W}style")}
    used = set()
    for part in ("word/document.xml", "word/comments.xml"):
        if part in z.namelist():
            root = etree.fromstring(z.read(part))
            used |= {e.get(f"{W}val") for tag in ("rStyle", "pStyle") for e in root.iter(f"{W}{tag}")}
    return used - defined


def test_annotated_copy_defines_the_comment_styles(tmp_path):
    packet = build_packet(tmp_path / "p.docx", CLAIMS)
    assert _undefined_styles(packet.read_bytes()) == set()
    proc = run_cli("review", packet, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    annotated = (tmp_path / "out" / "p.annotated.docx").read_bytes()
    z = zipfile.ZipFile(io.BytesIO(annotated))
    assert b"CommentReference" in z.read("word/comments.xml")     # comments were added
    assert _undefined_styles(annotated) == set()
    # a second review of the annotated copy does not add the styles twice
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "p.docx").write_bytes(annotated)
    run_cli("review", tmp_path / "again" / "p.docx", "--out", tmp_path / "out2")
    styles = zipfile.ZipFile(io.BytesIO((tmp_path / "out2" / "p.annotated.docx").read_bytes())).read("word/styles.xml")
    assert styles.count(b'w:styleId="CommentText"') == 1


def test_a_packet_without_a_styles_part_gets_the_styles_too(tmp_path):
    body = hostile._DOC_OPEN + hostile.paragraphs_xml(["What You Did", *CLAIMS]) + hostile._DOC_CLOSE
    base = hostile.with_document_xml(body)
    rels = etree.fromstring(zipfile.ZipFile(io.BytesIO(base)).read("word/_rels/document.xml.rels"))
    for rel in [r for r in rels if r.get("Target") == "styles.xml"]:
        rels.remove(rel)
    data = hostile.replace_members(base, {"word/_rels/document.xml.rels": etree.tostring(rels)},
                                   drop={"word/styles.xml"})
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bare.docx").write_bytes(data)
    proc = run_cli("review", tmp_path / "in" / "bare.docx", "--out", tmp_path / "out")
    annotated = tmp_path / "out" / "bare.annotated.docx"
    assert annotated.exists(), proc.stderr
    assert _undefined_styles(annotated.read_bytes()) == set()
