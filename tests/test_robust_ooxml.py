"""What we write validates: an annotated copy adds no OOXML validator errors over its original
(openxml-audit, a port of the Open XML SDK's validator), and LibreOffice, an independent reader,
opens it with the reviewer's comments. On the examples and a spread of the real-world corpus."""
from __future__ import annotations

import re
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from conftest import PROMOLINT, soffice_convert

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "docx"
pytestmark = pytest.mark.slow


def _inputs() -> list[Path]:
    files = sorted((REPO / "examples").glob("0*.docx"))
    corpus = sorted(CORPUS.glob("*.docx")) if CORPUS.is_dir() else []
    with_comments = [p for p in corpus if "comment" in p.name.lower()]  # our comments beside a human's
    return files + with_comments + corpus[::25]


def _errors(path: Path) -> Counter:
    from openxml_audit import OpenXmlValidator

    result = OpenXmlValidator().validate(str(path))
    # The kind of error and where, not its details: "N style(s) not in stylesWithEffects: A, B" of
    # the original stays one error when the copy adds a style to styles.xml.
    return Counter((e.error_type.value, e.part_uri, re.sub(r"\d+", "N", e.description.split(": ")[0]))
                   for e in result.errors)


@pytest.fixture(scope="module")
def annotated(tmp_path_factory) -> dict[Path, Path]:
    out = tmp_path_factory.mktemp("ooxml-out")
    inputs = _inputs()
    subprocess.run([str(PROMOLINT), "review", *map(str, inputs), "--out", str(out)], capture_output=True, timeout=900)
    made = {p.name.removesuffix(".annotated.docx"): p for p in out.rglob("*.annotated.docx")}
    pairs = {src: made[src.stem] for src in inputs if src.stem in made}
    assert len(pairs) >= 8, sorted(made)  # most inputs are packets we review; rejected ones have no copy
    return pairs


def test_the_annotated_copy_adds_no_validator_errors(annotated):
    added = {}
    for src, copy in annotated.items():
        extra = _errors(copy) - _errors(src)
        if extra:
            added[src.name] = dict(extra)
    assert not added, added


def _undefined_comment_styles(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as z:
        used = set()
        for part in ("word/document.xml", "word/comments.xml"):
            if part in z.namelist():
                used |= set(re.findall(r'<w:(?:r|p)Style w:val="(Comment[A-Za-z]*)"', z.read(part).decode("utf-8")))
        styles = z.read("word/styles.xml").decode("utf-8") if "word/styles.xml" in z.namelist() else ""
    return used - set(re.findall(r'w:styleId="([^"]+)"', styles))


def test_the_comment_styles_we_reference_are_defined(annotated):
    """The check that found 27 errors on example 01: every comment style the copy uses is defined,
    unless the original's own comments already used it undefined and we added none."""
    for src, copy in annotated.items():
        assert _undefined_comment_styles(copy) <= _undefined_comment_styles(src), src.name


def test_libreoffice_reads_the_annotated_examples_with_their_comments(annotated, tmp_path):
    """Converted to ODT by LibreOffice headless, the reviewer's comments survive as annotations."""
    for src, copy in annotated.items():
        if src.parent.name != "examples":
            continue
        odt = soffice_convert(copy, "odt", tmp_path)
        with zipfile.ZipFile(odt) as z:
            content = z.read("content.xml").decode("utf-8")
        assert content.count("<office:annotation") >= 1, src.name
