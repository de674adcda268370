"""The committed example packets in examples/ keep the structural promises the README makes."""
from __future__ import annotations

import importlib.util
import re
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml.ns import qn

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
WEAK = "01_weak_backend_l4_l5.docx"
MIXED = "02_mixed_mobile_l5_l6.docx"
STRONG = "03_strong_sre_l6_l7.docx"
UNSTYLED = "04_unstyled_ml_l5_l6.docx"
STYLED = [WEAK, MIXED, STRONG]
ALL = STYLED + [UNSTYLED]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


ALIASES = {
    _norm(a)
    for a in yaml.safe_load((ROOT / "config" / "default.yaml").read_text())["sections"][
        "what_you_did_aliases"
    ]
}


def _open(name: str):
    return docx.Document(str(EXAMPLES / name))


def _paragraphs(document):
    return [p for p in document.paragraphs if p.text.strip()]


def _is_bold_line(p) -> bool:
    runs = [r for r in p.runs if r.text.strip()]
    return bool(runs) and all(r.bold for r in runs) and len(p.text.split()) <= 10


def _is_caps_line(p) -> bool:
    text = p.text.strip()
    return text.isupper() and len(text.split()) <= 5


def _sections(document, styled: bool) -> dict[str, list]:
    """Top-level section title (normalised) -> its paragraphs, as a reader sees them."""
    sections: dict[str, list] = {}
    current = None
    for p in _paragraphs(document):
        top = p.style.name == "Heading 1" if styled else _is_caps_line(p)
        if top:
            current = _norm(p.text)
            sections[current] = []
        elif current is not None:
            sections[current].append(p)
    return sections


def _stories(document, styled: bool) -> list[tuple[str, list]]:
    (body,) = [v for k, v in _sections(document, styled).items() if k in ALIASES]
    stories: list[tuple[str, list]] = []
    for p in body:
        sub = p.style.name == "Heading 2" if styled else _is_bold_line(p)
        if sub:
            stories.append((p.text, []))
        elif stories:
            stories[-1][1].append(p)
    return stories


def test_all_examples_exist_with_sources():
    for name in ALL:
        assert (EXAMPLES / name).is_file(), name
        assert (EXAMPLES / "src" / name.replace(".docx", ".md")).is_file(), name


@pytest.mark.parametrize("name", ALL)
def test_title_author_and_name_line(name):
    document = _open(name)
    props = document.core_properties
    paras = _paragraphs(document)
    assert props.author and props.author != "python-docx"
    assert props.title and props.title in paras[0].text
    assert props.created.year == 2025 and props.modified >= props.created
    name_lines = [p.text for p in paras[:4] if p.text.startswith("Name: ")]
    assert name_lines == [f"Name: {props.author}"]


@pytest.mark.parametrize("name", ALL)
def test_summary_and_what_you_did_with_stories(name):
    styled = name in STYLED
    document = _open(name)
    sections = _sections(document, styled)
    assert "summary" in sections and sections["summary"]
    assert [k for k in sections if k in ALIASES], f"no What You Did alias among {list(sections)}"
    assert len(sections) >= 4, "expected other sections around the main one"
    stories = _stories(document, styled)
    assert 2 <= len(stories) <= 4
    for title, blocks in stories:
        words = sum(len(p.text.split()) for p in blocks)
        assert len(blocks) >= 2 and words >= 60, f"story {title!r} is too thin"


@pytest.mark.parametrize("name", ALL)
def test_every_packet_has_bullet_lists_inside_stories(name):
    document = _open(name)
    story_bullets = [
        p
        for _, blocks in _stories(document, name in STYLED)
        for p in blocks
        if p.style.name == "List Bullet"
    ]
    assert len(story_bullets) >= 3


@pytest.mark.parametrize("name", ALL)
def test_length_is_a_realistic_packet(name):
    words = sum(len(p.text.split()) for p in _open(name).paragraphs)
    assert 600 <= words <= 2500


def test_metrics_table_before_after():
    tables = [t for name in ALL for t in _open(name).tables]
    headers = [[c.text for c in t.rows[0].cells] for t in tables]
    assert any(h[:1] == ["Metric"] and "Before" in h[1] and "After" in h[2] for h in headers), headers
    for t in tables:
        assert len(t.rows) >= 3 and all(c.text.strip() for c in t.rows[0].cells)


def test_styled_packets_use_heading_styles():
    for name in STYLED:
        styles = {p.style.name for p in _open(name).paragraphs}
        assert {"Title", "Heading 1", "Heading 2", "List Bullet"} <= styles, name


def test_unstyled_packet_has_no_heading_styles():
    document = _open(UNSTYLED)
    styles = {p.style.name for p in document.paragraphs}
    assert not {s for s in styles if s.startswith("Heading") or s in ("Title", "Subtitle")}
    paras = _paragraphs(document)
    assert sum(_is_caps_line(p) for p in paras) >= 4  # SUMMARY, KEY CONTRIBUTIONS, ...
    assert sum(_is_bold_line(p) for p in paras) >= 3  # title + story lines
    assert "key contributions" in _sections(document, styled=False)


def test_unstyled_packet_keeps_a_human_comment():
    document = _open(UNSTYLED)
    comments = list(document.comments)
    assert len(comments) == 1
    (comment,) = comments
    assert comment.author == "Gareth Olumide" and comment.initials == "GO"
    assert "Search Ranking" in comment.text
    assert comment.timestamp is not None and comment.timestamp.year == 2025
    body = document.element.body
    starts = body.findall(".//" + qn("w:commentRangeStart"))
    ends = body.findall(".//" + qn("w:commentRangeEnd"))
    refs = body.findall(".//" + qn("w:commentReference"))
    ids = {e.get(qn("w:id")) for e in starts + ends + refs}
    assert ids == {str(comment.comment_id)}
    # The comment covers exactly the collaboration phrase.
    start = starts[0]
    covered = []
    for sib in start.itersiblings():
        if sib.tag == qn("w:commentRangeEnd"):
            break
        covered.extend(t.text for t in sib.iter(qn("w:t")))
    assert "".join(covered) == "I partnered with the Search Ranking team"


def test_unstyled_packet_keeps_a_tracked_insertion():
    document = _open(UNSTYLED)
    inserts = document.element.body.findall(".//" + qn("w:ins"))
    assert len(inserts) == 1
    ins = inserts[0]
    assert ins.get(qn("w:author")) == "Gareth Olumide"
    assert ins.get(qn("w:date")).startswith("2025-10-08")
    assert "".join(t.text for t in ins.iter(qn("w:t"))) == " (four-week holdout, 1.1M orders)"
    paragraph = ins.getparent()
    assert paragraph.tag == qn("w:p")
    full = "".join(t.text for t in paragraph.iter(qn("w:t")))
    assert full == (
        "Substitution acceptance rose from 61% to 72% (four-week holdout, 1.1M orders) "
        "across all markets."
    )


def test_packets_carry_the_patterns_they_demonstrate():
    def text(name):
        return "\n".join(p.text for p in _open(name).paragraphs)

    weak, mixed, strong = text(WEAK), text(MIXED), text(STRONG)
    for phrase in ("We migrated", "I helped", "worked on", "is expected to", "Leveraged",
                   "improved the performance", "Reviewed over 300 pull requests"):
        assert phrase in weak, phrase
    assert "I owned" not in weak
    for phrase in ("I owned the rebuild", "from 3.2% to 3.8%", "I chose Jetpack Compose",
                   "We rolled the project back"):
        assert phrase in mixed, phrase
    for phrase in ("I owned the failover design", "The Ledger team owned", "I pushed back",
                   "accepting a recovery point", "What I learned", "I decided to stop",
                   "from $14.2M to $10.6M", "across three organisations"):
        assert phrase in strong, phrase


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_examples", EXAMPLES / "build_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_examples_match_their_sources(tmp_path):
    """Rebuilding from examples/src gives the same package parts as the committed .docx files."""
    builder = _load_builder()
    built = {builder.build(src, tmp_path).name for src in builder.sources()}
    assert built == set(ALL)
    for name in ALL:
        with zipfile.ZipFile(EXAMPLES / name) as old, zipfile.ZipFile(tmp_path / name) as new:
            assert old.namelist() == new.namelist(), name
            for member in old.namelist():
                assert old.read(member) == new.read(member), f"{name}:{member} is stale; rerun build_examples.py"


# The reading each example exists to show (examples/README.md): readiness, and a band for its weak claims.
READINGS = {
    WEAK: ("not ready", 0.6, 1.0),
    MIXED: ("needs work", 0.1, 0.5),
    STRONG: ("strong", 0.0, 0.05),  # at most a couple of weak claims in a strong packet
    UNSTYLED: ("needs work", 0.05, 0.45),
}


@pytest.mark.parametrize("name", ALL)
def test_examples_read_as_their_readme_says(name):
    from promolint.analysis import analyze
    from promolint.config import load_config
    from promolint.extractors import extract_packet

    config = load_config()
    summary = analyze(extract_packet((EXAMPLES / name).read_bytes(), name, config), config).summary
    readiness, low, high = READINGS[name]
    share = summary["weak_claims"] / summary["claims"]
    assert summary["readiness"] == readiness, (name, summary["readiness"], summary["weak_claims"], summary["claims"])
    assert low <= share <= high, (name, summary["weak_claims"], summary["claims"])
    if name == STRONG:
        assert summary["weak_claims"] <= 2, summary["weak_claims"]
