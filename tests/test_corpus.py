"""Every third-party file in ../shared/corpus/docx/: a review or a named rejection, never a crash.

The corpus is read in place (never copied into the repo). EXPECTED_REJECTIONS is justified by
the corpus MANIFEST.tsv "kind" column; the "no-text" files were checked by hand with python-docx
(no visible text in the body: only pictures, footnotes, altChunks or empty paragraphs).
"""
from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
import uuid
from pathlib import Path

import docx
import pytest

from conftest import SHARED, run_cli, soffice
from promolint.extractors.container import check_container
from promolint.config import LimitsConfig
from promolint.errors import PacketRejected

CORPUS = SHARED / "corpus" / "docx"
W_P = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"
EXIT_REJECTED = 3

EXPECTED_REJECTIONS = {
    # kind "corrupt-zip" / "corrupt-zip(crc)"
    "poi__clusterfuzz-testcase-minimized-POIXWPFFuzzer-4959857092198400.docx": "corrupt-zip",
    "poi__clusterfuzz-testcase-minimized-POIXWPFFuzzer-5313273089884160.docx": "corrupt-zip",
    "poi__clusterfuzz-testcase-minimized-POIXWPFFuzzer-6442791109263360.docx": "corrupt-zip",
    "poi__clusterfuzz-testcase-minimized-POIXWPFFuzzer-6733884933668864.docx": "corrupt-zip",
    "poi__crash-517626e815e0afa9decd0ebb6d1dee63fb9907dd.docx": "corrupt-zip",
    "poi__truncated62886.docx": "corrupt-zip",
    "tika__testWORD_truncated.docx": "corrupt-zip",
    # kind "encrypted-ooxml(OLE)" and "legacy-doc;password-protected"
    "poi__bug53475-password-is-pass.docx": "encrypted",
    "poi__bug53475-password-is-solrcell.docx": "encrypted",
    "poi__protected_agile.docx": "encrypted",
    "tika__testWORD_protected_passtika.docx": "encrypted",
    "poi__PasswordProtected.doc": "encrypted",
    "poi__password_password_cryptoapi.doc": "encrypted",
    # kind "legacy-doc", "legacy-doc(Word2)", "WordprocessingML-2003-xml", OLE .doc named .docm
    "poi__SampleDoc.doc": "legacy-doc",
    "poi__Word95.doc": "legacy-doc",
    "poi__cn.orthodox.www_divenbog_APRIL_30-APRIL.DOC": "legacy-doc",
    "poi__cpansearch.perl.org_src_tobyink_acme-rundoc-0.001_word-lib_hello_world.docm": "legacy-doc",
    "poi__word2.doc": "legacy-doc",
    "tika__testWORD.doc": "legacy-doc",
    "tika__testWORDML_tableInsideParagraph.doc": "legacy-doc",
    # kind "template" (.dotx, .dotm)
    "docx4j__Normal.dotm": "template",
    "poi__60316b.dotx": "template",
    "poi__ChronologicalResume.dotx": "template",
    "tika__testDOTM.dotm": "template",
    # kind "not-word" (WordPerfect) and main part with a theme content type
    "tika__testWordPerfect_42.doc": "not-word",
    "poi__stress025.docx": "not-word",
    # kind "xml-doctype/entity"
    "poi__ExternalEntityInText.docx": "unsafe-xml",
    # kind "dangling-relationship"; CA009 declares its HTML altChunk as WordprocessingML XML
    "poi__OPCCompliance_DerivedPartNameFAIL.docx": "corrupt-docx",
    "openxmlpowertools__CA009-altChunk.docx": "corrupt-docx",
    # no visible body text (checked with python-docx)
    "docx2python__has_pict.docx": "no-text",
    "docx2python__nested_paragraphs_in_header.docx": "no-text",
    "docx2python__pic_alt_text.docx": "no-text",
    "docx4j__separator_missing.docx": "no-text",
    "mammoth__empty.docx": "no-text",
    "mammoth__external-picture.docx": "no-text",
    "mammoth__footnote-hyperlink.docx": "no-text",
    "poi__Bug60341.docx": "no-text",
    "poi__comment.docx": "no-text",
    "poi__stress012.docx": "no-text",
    "poi__zero-length.docx": "no-text",
    "python-docx__default.docx": "no-text",
    "python-docx__doc-no-coreprops.docx": "no-text",
    "python-docx__doc-word-default-blank.docx": "no-text",
    "python-docx__having-images.docx": "no-text",
    "python-docx__set-no-settings-part.docx": "no-text",
    "python-docx__shp-inline-shape-access.docx": "no-text",
    "python-docx__sty-having-no-styles-part.docx": "no-text",
    "python-docx__tbl-on-off-props.docx": "no-text",
    "tika__testAltChunkHTML.docx": "no-text",
    "tika__testAltChunkMHT.docx": "no-text",
    "tika__testWPSAttachment.docx": "no-text",
}

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not present at {CORPUS}")


def _manifest() -> dict[str, dict]:
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def _corpus_files() -> list[Path]:
    return sorted(CORPUS / name for name in _manifest())


def _texts(data: bytes) -> list[str]:
    d = docx.Document(io.BytesIO(data))
    return [docx.text.paragraph.Paragraph(p, d).text for p in d.element.body.iter(W_P)]


def _outcome(path: Path):
    try:
        return check_container(path.read_bytes(), path.name, LimitsConfig())
    except PacketRejected as e:
        return e


def test_expectations_name_real_files():
    names = set(_manifest())
    assert set(EXPECTED_REJECTIONS) <= names
    assert len(names) == 239


def test_container_outcome_per_file():
    """Fast: every file gets its expected code, and whatever is accepted python-docx can open."""
    wrong = {}
    for path in _corpus_files():
        got = _outcome(path)
        if isinstance(got, PacketRejected):
            if EXPECTED_REJECTIONS.get(path.name) != got.code:
                wrong[path.name] = got.code
        else:
            if path.name in EXPECTED_REJECTIONS:
                wrong[path.name] = "accepted"
            else:
                docx.Document(io.BytesIO(got.package))  # must not raise
    assert not wrong


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus-out")
    proc = run_cli("review", CORPUS, "--out", out, timeout=1800)
    return proc, out


@pytest.mark.slow
def test_cli_reviews_or_names_a_reason_for_every_file(corpus_run):
    proc, out = corpus_run
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output
    assert "internal error" not in output, [ln for ln in proc.stderr.splitlines() if "internal error" in ln][:10]
    assert proc.returncode == EXIT_REJECTED
    lines = proc.stderr.splitlines()
    problems = []
    for path in _corpus_files():
        mine = [ln for ln in lines if ln.startswith(f"{path.name}: ")]
        if len(mine) != 1:
            problems.append((path.name, "lines", len(mine)))
            continue
        if path.name in EXPECTED_REJECTIONS:
            expected = _outcome(path)
            if mine[0] != f"{path.name}: rejected: {expected.reason}":
                problems.append((path.name, "line", mine[0][:200]))
        elif not (out / f"{path.stem}.annotated.docx").exists():
            problems.append((path.name, "no output", mine[0][:200]))
    assert not problems
    n = len(_corpus_files())
    assert f"reviewed {n - len(EXPECTED_REJECTIONS)}, rejected {len(EXPECTED_REJECTIONS)}" in proc.stderr


@pytest.mark.slow
def test_annotated_outputs_open_and_keep_the_text(corpus_run):
    _proc, out = corpus_run
    changed = []
    for path in _corpus_files():
        if path.name in EXPECTED_REJECTIONS:
            continue
        annotated = out / f"{path.stem}.annotated.docx"
        original = _outcome(path).package  # normalised for Strict/.docm, else the original bytes
        if _texts(annotated.read_bytes()) != _texts(original):
            changed.append(path.name)
    assert not changed


@pytest.mark.slow
def test_originals_unchanged(corpus_run):
    manifest = _manifest()
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in _corpus_files()} == {
        name: row["sha256"] for name, row in manifest.items()}


@pytest.mark.slow
@pytest.mark.libreoffice
def test_annotated_outputs_open_in_libreoffice(corpus_run, tmp_path):
    exe = soffice()
    if exe is None:
        pytest.skip("soffice not installed")
    _proc, out = corpus_run
    annotated = sorted(out.glob("*.annotated.docx"))
    assert annotated
    profile = Path("/tmp") / f"lo-corpus-{uuid.uuid4().hex}"
    try:
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(tmp_path), *map(str, annotated)], capture_output=True, timeout=1800)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    missing = [p.name for p in annotated
               if not (tmp_path / (p.name[: -len(".docx")] + ".pdf")).exists()
               or (tmp_path / (p.name[: -len(".docx")] + ".pdf")).stat().st_size == 0]
    assert not missing
