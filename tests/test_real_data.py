"""Integrity of the real (other people's) text under tests/data/real: the quality figures rest on it."""
from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
from docx.oxml.ns import qn
import pytest

REAL = Path(__file__).resolve().parent / "data" / "real"
EXCLUDED = Path(__file__).resolve().parent.parent.parent / "shared" / "dev" / "EXCLUDED_SOURCES.md"

_spec = importlib.util.spec_from_file_location("real_data_load", REAL / "load.py")
real = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(real)

_spec = importlib.util.spec_from_file_location("real_data_build", REAL / "build_packets.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

CLAIMS = real.load_claims()
PACKETS = real.load_packets()
MARKUP = sorted([*(REAL / "packets").glob("*.md"), *(REAL / "packets").glob("*.org")])
SOURCES = sorted({row["source"] for row in CLAIMS} | {p["source"] for p in PACKETS})


def test_every_claim_row_has_its_fields_and_allowed_values():
    for row in CLAIMS:
        assert set(row) == set(real.FIELDS), row
        assert row["text"].strip() and row["text"] == " ".join(row["text"].split()), row
        assert row["label"] in real.LABELS, row
        assert row["standard"] in real.STANDARDS, row
        assert row["domain"] in real.DOMAINS, row
        assert row["split"] in real.SPLITS, row
        assert row["source"].startswith(("https://", "http://")), row


def test_claim_texts_are_unique():
    seen = {}
    for row in CLAIMS:
        key = re.sub(r"\W+", " ", row["text"].lower()).strip()
        assert key not in seen, (row["text"], seen.get(key))
        seen[key] = row["source"]


def test_splits_follow_the_source_hash_rule():
    for source in SOURCES:
        expected = "holdout" if int(hashlib.sha1(source.encode()).hexdigest(), 16) % 10 < 3 else "tune"
        assert real.split_for(source) == expected
    for row in CLAIMS:
        assert row["split"] == real.split_for(row["source"]), row
    for packet in PACKETS:
        assert packet["split"] == real.split_for(packet["source"]), packet["name"]


def test_both_splits_and_both_standards_are_populated():
    for split in real.SPLITS:
        for standard in real.STANDARDS:
            rows = real.load_claims(split=split, standard=standard)
            assert {r["label"] for r in rows} == {"weak", "strong"}, (split, standard)
    assert real.load_packets(split="tune") and real.load_packets(split="holdout")


def test_no_source_is_from_the_excluded_lists():
    if not EXCLUDED.exists():
        pytest.skip(f"{EXCLUDED} not present")
    text = EXCLUDED.read_text(encoding="utf-8")
    sites_part, _, repos_part = text.partition("## GitHub")
    sites = re.findall(r"^- (\S+\.\S+)\s*$", sites_part, re.M)
    repos = re.findall(r"^- (\S+/\S+)\s*$", repos_part, re.M)
    assert sites and repos
    for source in SOURCES:
        host = source.split("/")[2].lower()
        assert not any(host == s or host.endswith("." + s) for s in sites), source
        assert not any(f"/{r.lower()}/" in source.lower() + "/" for r in repos), source


@pytest.mark.parametrize("packet", PACKETS, ids=[p["name"] for p in PACKETS])
def test_packet_files_open_and_expected_claims_are_in_the_text(packet):
    md = packet["md"].read_text(encoding="utf-8")
    assert md.lstrip().startswith(("<!-- source:", "---", "# source:")) and f"source: {packet['source']}" in md
    raw, visible = " ".join(md.split()), real.visible_text(md)
    for claim in packet["claims"]:
        assert claim["label"] in real.LABELS and claim["why"], claim
        assert claim["text"] in raw or claim["text"] in visible, claim["text"]
    for placeholder in packet["placeholders"]:
        assert placeholder in raw, placeholder
    assert packet["template"] or packet["claims"], "a filled document needs its claims labelled"
    assert packet["min_claims"] <= max(len(packet["claims"]), 0) or packet["template"]
    paths = [packet["docx"]] + ([packet["typed_docx"]] if packet["typed_docx"] else [])
    for path in paths:
        document = docx.Document(str(path))
        body = document.element.body  # every paragraph, table cells included (a table-only log)
        text = " ".join(" ".join("".join(p.itertext(qn("w:t"))) for p in body.iter(qn("w:p"))).split())
        for claim in packet["claims"][:3]:
            assert real.visible_text(claim["text"])[:40] in real.visible_text(text), (path.name, claim["text"])


@pytest.mark.parametrize("packet", PACKETS, ids=[p["name"] for p in PACKETS])
def test_expected_sections_are_the_documents_headings(packet):
    document = docx.Document(str(packet["docx"]))
    headings = {p.text for p in document.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"}
    listed = set(packet["sections_read"]) | {s["heading"] for s in packet["sections_skipped"]}
    plain = set(packet.get("plain_headings", []))  # heading lines of plain text: Normal paragraphs
    assert plain <= {p.text for p in document.paragraphs} and not plain & headings
    assert listed == headings | plain
    assert not set(packet["sections_read"]) & {s["heading"] for s in packet["sections_skipped"]}


def _styled_paragraphs(path: Path) -> list[tuple[str, str]]:
    document = docx.Document(str(path))
    return [(p.style.name, p.text) for p in document.paragraphs]


@pytest.mark.parametrize("md", MARKUP, ids=[m.name for m in MARKUP])
def test_committed_docx_is_what_pandoc_builds_from_the_markdown(md, tmp_path):
    """The fixtures are made the way real Markdown packets become Word files; nobody edited them by hand."""
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc not installed (.ci/run installs it; it could not here)")
    rebuilt = build.build_docx(md, tmp_path / md.with_suffix(".docx").name)
    assert _styled_paragraphs(rebuilt) == _styled_paragraphs(md.with_suffix(".docx"))


def test_typed_copies_have_no_heading_styles_but_bold_lines():
    typed = [p for p in PACKETS if p["typed_docx"]]
    assert typed
    for packet in typed:
        document = docx.Document(str(packet["typed_docx"]))
        assert not [p for p in document.paragraphs if p.style.name.startswith("Heading")]
        bold = {p.text for p in document.paragraphs if p.runs and all(r.bold for r in p.runs)}
        assert set(packet["sections_read"]) <= bold, packet["name"]
def test_there_is_enough_real_text():
    assert len(CLAIMS) >= 800
    assert len({row["source"] for row in CLAIMS}) >= 120
    assert len(PACKETS) >= 30
    committee_strong = [r for r in CLAIMS if r["standard"] == "committee" and r["label"] == "strong"]
    assert len(committee_strong) >= 150


def test_readme_counts_are_regenerated_from_the_data():
    """README.md is make_readme.py's output: a row or packet added without regenerating it shows here."""
    out = subprocess.run([sys.executable, str(REAL / "make_readme.py")], capture_output=True, text=True, check=True)
    assert out.stdout == (REAL / "README.md").read_text(encoding="utf-8")


