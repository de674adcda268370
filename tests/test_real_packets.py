"""Real public documents (tests/data/real/packets, TUNE split only) read as a person would.

Each tune packet's pandoc docx and, where built, its typed-headings copy go through the real CLI
in one run; findings.json must read every section expect.yaml lists as read, skip every one it
lists as skipped, review at least min_claims claims, and name templates. Holdout packets are not
tests: bench/structure.py reports their figures separately.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_cli, soffice_convert
from promolint.config import load_config
from promolint.extractors import extract_packet
from promolint.extractors.sections import normalize_title

sys.path.insert(0, str(REPO / "tests" / "data" / "real"))
from load import load_packets  # noqa: E402

TUNE = load_packets(split="tune")
DOCS = [(p, d) for p in TUNE for d in (p["docx"], p["typed_docx"], *p["variants"]) if d is not None]
LONGEST = max(TUNE, key=lambda p: p["min_claims"])


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory) -> Path:
    src, out = tmp_path_factory.mktemp("packets"), tmp_path_factory.mktemp("out")
    for _, docx in DOCS:
        shutil.copy(docx, src / docx.name)
    r = run_cli("review", src, "--out", out)
    assert r.returncode == 0, r.stderr
    assert len(re.findall(r": \d+ claims, \d+ weak", r.stderr)) == len(DOCS), r.stderr
    return out


def _findings(out: Path, docx: Path) -> dict:
    return json.loads((out / f"{docx.stem}.findings.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("packet, docx", DOCS, ids=[d.name for _, d in DOCS])
def test_sections_read_and_skipped_as_expected(reviewed, packet, docx):
    data = _findings(reviewed, docx)
    read = {normalize_title(t) for t in data["packet"]["sections_reviewed"]}
    assert [h for h in packet["sections_read"] if normalize_title(h) not in read] == []
    assert [s["heading"] for s in packet["sections_skipped"] if normalize_title(s["heading"]) in read] == []
    skipped = data["packet"]["sections_skipped"]
    assert skipped and all(s["why"] for s in skipped) or not packet["sections_skipped"]  # each one says why
    assert data["packet"]["template"] is packet["template"]
    if packet["template"]:
        assert data["claims"] == [] or all(f["rule"] == "placeholder" for c in data["claims"] for f in c["findings"])
        assert "unfilled-template" in {f["rule"] for f in data["packet_findings"]}
    else:
        claims = [c for c in data["claims"] if not any(f["rule"] == "placeholder" for f in c["findings"])]
        assert len(claims) >= packet["min_claims"]


def test_date_organised_documents_tell_a_story_per_date_not_per_entry(reviewed):
    """A timeline's claims group under its date headings: never more stories than sections read."""
    timelines = 0
    for _, docx in DOCS:
        data = _findings(reviewed, docx)
        if data["packet"]["timeline"] and not data["packet"]["template"]:
            timelines += 1
            assert len(data["stories"]) <= len(data["packet"]["sections_reviewed"]), docx.name
    assert timelines >= 4


@pytest.mark.parametrize("packet", [p for p in TUNE if p["placeholders"] and not p["template"]],
                         ids=lambda p: p["name"])
def test_left_over_placeholders_are_findings_anchored_on_them(reviewed, packet):
    """Placeholders in read sections are findings on the placeholder itself; those inside skipped
    instructions (a blank 'Template for New Wins') belong to the instructions and stay quiet."""
    data = _findings(reviewed, packet["docx"])
    pieces = []
    for c in data["claims"]:
        for f in c["findings"]:
            if f["rule"] == "placeholder":
                pieces.append(c["text"][f["start"]:f["end"]])
    assert all(any(piece in p for p in packet["placeholders"]) for piece in pieces), pieces
    packet_read = extract_packet(packet["docx"].read_bytes(), packet["docx"].name, load_config())
    read_text = " ".join(b.text for sec in packet_read.sections if sec.reviewed for b in sec.blocks)
    if any(p in read_text for p in packet["placeholders"]):
        assert pieces, "no placeholder reported"
        assert "placeholder" in {f["rule"] for f in data["packet_findings"]}


LONGEST_THREE = sorted(TUNE, key=lambda p: -p["min_claims"])[:3]


@pytest.mark.libreoffice
@pytest.mark.parametrize("packet", LONGEST_THREE, ids=lambda p: p["name"])
def test_longest_packets_memo_main_part_fits_six_pages(reviewed, tmp_path, packet):
    from test_render_pdf import MAX_MAIN_PAGES, _main_pages, _pages

    feedback = reviewed / f"{packet['docx'].stem}.feedback.docx"
    pdf = soffice_convert(feedback, "pdf", tmp_path)
    assert _main_pages(_pages(pdf)) <= MAX_MAIN_PAGES


def test_longest_packet_memo_tells_few_stories_and_repeats_no_sentence(reviewed):
    import docx

    memo = docx.Document(str(reviewed / f"{LONGEST['docx'].stem}.feedback.docx"))
    paragraphs = [p.text for p in memo.paragraphs]
    main = paragraphs[:paragraphs.index("Appendix")]
    stories = main[main.index("Story by story") + 1:]
    told = [p.text for p in memo.paragraphs[paragraphs.index("Story by story") + 1:paragraphs.index("Appendix")]
            if p.style.name == "Heading 2"]
    data = _findings(reviewed, LONGEST["docx"])
    assert len(data["stories"]) > 6 and 0 < len(told) <= 6  # templates/feedback.yaml ranking.stories_shown
    sentences = [s for p in main for s in re.split(r"(?<=[.!?])\s+", p) if len(s) > 40]
    assert max(sentences.count(s) for s in sentences) <= 3  # a shared story shape, at most
    assert not re.search(r"claims\.[A-Z]", " ".join(main)) and "<rest>" not in " ".join(main)
    assert "Nothing stands out yet" not in " ".join(stories)
    assert any(f"the other {len(data['stories']) - len(told)}" in p for p in stories)


def test_no_memo_shows_a_raw_slot_or_a_glued_sentence(reviewed):
    import docx

    for _, path in DOCS:
        text = " ".join(p.text for p in docx.Document(str(reviewed / f"{path.stem}.feedback.docx")).paragraphs)
        assert not re.search(r"claims\.[A-Z]|<rest>|\{[a-z_]+\}|Nothing stands out yet", text), path.name
