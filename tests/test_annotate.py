"""Annotation on real .docx files: comments land on the finding's words and change nothing else."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.text.paragraph import Paragraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from promolint.annotate import annotate, remove_comments_by
from conftest import SHARED, build_packet
from promolint.extractors import extract_packet
from promolint.ooxml import body_paragraphs, comment_spans, mark_comment_range, paragraph_text
from promolint.config import load_config
from promolint.model import ClaimReview, Finding, Review

CORPUS = SHARED / "corpus" / "docx"
CONFIG = load_config()
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def review_of(data: bytes, findings_for) -> Review:
    """Extract, then give each claim the findings `findings_for(claim)` returns."""
    packet = extract_packet(data, "test.docx", CONFIG)
    claims = [ClaimReview(**c.model_dump(exclude={"kind"}), layer="execution", findings=findings_for(c))
              for c in packet.claims]
    return Review(packet={"source": "test.docx"}, claims=claims)


def finding(severity="warning", start=None, end=None, message="Say what you did.", suggestion="Name your part."):
    return Finding(rule="ownership.vague", category="ownership", severity=severity, message=message,
                   suggestion=suggestion, start=start, end=end)


def anchored(data: bytes) -> dict[int, tuple[str, str, str]]:
    """comment id -> (author, comment text, anchored text), reconstructed from the raw XML."""
    d = docx.Document(io.BytesIO(data))
    meta = {c.comment_id: (c.author, c.text) for c in d.comments}
    out = {}
    for p in body_paragraphs(d.element.body):
        text = paragraph_text(p)
        for cid, (a, b) in comment_spans(p).items():
            out[cid] = (*meta[cid], text[a:b])
    return out


def all_texts(data: bytes) -> tuple[list[str], list[str]]:
    """python-docx's text and our visible text for every body paragraph."""
    d = docx.Document(io.BytesIO(data))
    ps = body_paragraphs(d.element.body)
    return [Paragraph(p, None).text for p in ps], [paragraph_text(p) for p in ps]


def raw_anchored_text(data: bytes, cid: int) -> str:
    """Independent check: every w:t between the range markers, in document order."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = etree.fromstring(z.read("word/document.xml"))
    text, on = [], False
    for el in body.iter():
        if el.tag == W + "commentRangeStart" and el.get(W + "id") == str(cid):
            on = True
        elif el.tag == W + "commentRangeEnd" and el.get(W + "id") == str(cid):
            return "".join(text)
        elif on and el.tag == W + "t":
            text.append(el.text or "")
    raise AssertionError("range never closed")


def test_comment_lands_on_the_finding_words(packet_factory):
    data = packet_factory(["I helped migrate the ledger service to Aurora.", "We rebuilt pricing."]).read_bytes()
    review = review_of(data, lambda c: [finding(start=2, end=8)] if c.text.startswith("I helped") else [])
    out = annotate(data, review, CONFIG)
    comments = anchored(out)
    assert list(comments.values()) == [("promolint", "Say what you did.\n→ Name your part.", "helped")]
    assert raw_anchored_text(out, next(iter(comments))) == "helped"
    assert all_texts(out) == all_texts(data)


def test_whole_claim_when_finding_has_no_span_and_second_sentence_offset(packet_factory):
    data = packet_factory(["I led it. We rebuilt pricing on Flink."]).read_bytes()
    review = review_of(data, lambda c: [finding()] if c.text.startswith("We") else [])
    assert [v[2] for v in anchored(annotate(data, review, CONFIG)).values()] == ["We rebuilt pricing on Flink."]


def test_info_only_claims_get_no_comment(packet_factory):
    data = packet_factory(["I led it."]).read_bytes()
    out = annotate(data, review_of(data, lambda c: [finding("info")]), CONFIG)
    assert anchored(out) == {}


def test_most_severe_finding_is_anchored_and_all_are_listed(packet_factory):
    data = packet_factory(["We helped the team ship faster."]).read_bytes()
    review = review_of(data, lambda c: [
        finding("warning", 3, 9, message="Vague verb.", suggestion="Use a verb of ownership."),
        finding("error", 0, 2, message="Who is we?", suggestion="Say what you did."),
    ])
    [(author, text, words)] = anchored(annotate(data, review, CONFIG)).values()
    assert words == "We"
    assert text == "Who is we?\n→ Say what you did.\nVague verb.\n→ Use a verb of ownership."


def test_author_and_initials_come_from_config(packet_factory):
    data = packet_factory(["I led it."]).read_bytes()
    config = CONFIG.model_copy(update={"output": CONFIG.output.model_copy(
        update={"comment_author": "Committee bot", "comment_initials": "CB"})})
    out = annotate(data, review_of(data, lambda c: [finding()]), config)
    [comment] = list(docx.Document(io.BytesIO(out)).comments)
    assert (comment.author, comment.initials) == ("Committee bot", "CB")


def mid_word_packet(tmp_path: Path) -> bytes:
    d = docx.Document()
    d.add_heading("What You Did", 1)
    p = d.add_paragraph()
    p.add_run("I hel").italic = True
    r = p.add_run("ped ")
    r.bold = True
    r.font.color.rgb = docx.shared.RGBColor(0xC0, 0, 0)
    p.add_run("migrate the ledger.")
    path = tmp_path / "m.docx"
    d.save(path)
    return path.read_bytes()


def test_runs_split_mid_word_keep_their_formatting(tmp_path):
    data = mid_word_packet(tmp_path)
    review = review_of(data, lambda c: [finding(start=3, end=11)])  # "elped mi"
    out = annotate(data, review, CONFIG)
    assert [v[2] for v in anchored(out).values()] == ["elped mi"]
    assert all_texts(out) == all_texts(data)
    p = next(p for p in docx.Document(io.BytesIO(out)).paragraphs if "hel" in p.text)
    runs = [(r.text, r.italic, r.bold, r.font.color.rgb) for r in p.runs if r.text]
    red = docx.shared.RGBColor(0xC0, 0, 0)
    assert runs == [("I h", True, None, None), ("el", True, None, None), ("ped ", None, True, red),
                    ("mi", None, None, None), ("grate the ledger.", None, None, None)]


def test_spaces_at_split_points_are_preserved(tmp_path):
    d = docx.Document()
    d.add_heading("What You Did", 1)
    d.add_paragraph("I led the  migration of everything.")
    path = tmp_path / "s.docx"
    d.save(path)
    data = path.read_bytes()
    out = annotate(data, review_of(data, lambda c: [finding(start=9, end=20)]), CONFIG)
    assert [v[2] for v in anchored(out).values()] == ["  migration"]
    assert all_texts(out) == all_texts(data)


def xml_packet(tmp_path: Path, inner: str) -> bytes:
    d = docx.Document()
    d.add_heading("What You Did", 1)
    d.element.body.insert(len(d.element.body) - 1, parse_xml(f"<w:p {nsdecls('w', 'r')}>{inner}</w:p>"))
    path = tmp_path / "x.docx"
    d.save(path)
    return path.read_bytes()


CONTAINERS = (
    '<w:r><w:t xml:space="preserve">I wrote </w:t></w:r>'
    '<w:hyperlink r:id="rId99"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr><w:t>the design doc</w:t></w:r></w:hyperlink>'
    '<w:ins w:id="7" w:author="a"><w:r><w:t xml:space="preserve"> and the</w:t></w:r></w:ins>'
    '<w:del w:id="8" w:author="a"><w:r><w:delText> never</w:delText></w:r></w:del>'
    '<w:sdt><w:sdtContent><w:r><w:t xml:space="preserve"> rollout plan</w:t></w:r></w:sdtContent></w:sdt>'
    '<w:smartTag w:uri="u" w:element="e"><w:r><w:t xml:space="preserve"> for Atlas.</w:t></w:r></w:smartTag>'
)


@pytest.mark.parametrize("words", ["design", "the design doc and", "doc and the rollout", "plan for", "Atlas",
                                   "I wrote the design doc and the rollout plan for Atlas."])
def test_anchors_inside_and_across_links_insertions_controls_and_smart_tags(tmp_path, words):
    data = xml_packet(tmp_path, CONTAINERS)
    sentence = "I wrote the design doc and the rollout plan for Atlas."
    start = sentence.index(words)
    out = annotate(data, review_of(data, lambda c: [finding(start=start, end=start + len(words))]), CONFIG)
    assert [v[2] for v in anchored(out).values()] == [words]
    assert all_texts(out) == all_texts(data)
    body = docx.Document(io.BytesIO(out)).element.body
    [ref] = list(body.iter(W + "commentReference"))
    assert ref.getparent().getparent().tag == W + "p"  # the reference run is never inside a link/insertion
    assert not [r for r in body.iter(W + "del") for _ in r.iter(W + "commentRangeStart")]


def test_tab_and_break_inside_span(tmp_path):
    data = xml_packet(tmp_path, '<w:r><w:t>Cut</w:t><w:tab/><w:t>cost</w:t><w:br/><w:t>by half.</w:t></w:r>')
    review = review_of(data, lambda c: [finding()] if c.text == "Cut\tcost" else [])
    assert [v[2] for v in anchored(annotate(data, review, CONFIG)).values()] == ["Cut\tcost"]


@pytest.mark.parametrize("name", ["poi__testComment.docx", "mammoth__comments.docx", "docx2python__comments.docx",
                                  "python-docx__comments-rich-para.docx"])
def test_existing_comments_keep_ids_content_and_anchors(name):
    data = (CORPUS / name).read_bytes()
    before = anchored(data)
    human = {c.comment_id: (c.author, c.text) for c in docx.Document(io.BytesIO(data)).comments}
    assert human
    out = annotate(data, review_of(data, lambda c: [finding()]), CONFIG)
    after_doc = docx.Document(io.BytesIO(out))
    after = {c.comment_id: (c.author, c.text) for c in after_doc.comments}
    assert {k: after[k] for k in human} == human
    assert {k: v for k, v in anchored(out).items() if k in before} == before
    assert all_texts(out) == all_texts(data)
    ours = [c for c in after_doc.comments if c.author == "promolint"]
    assert len(ours) == sum(1 for c in review_of(data, lambda c: [finding()]).claims)


def test_reannotating_replaces_our_comments_and_keeps_human_ones():
    data = (CORPUS / "mammoth__comments.docx").read_bytes()
    review = review_of(data, lambda c: [finding()])
    once = annotate(data, review, CONFIG)
    twice = annotate(once, review, CONFIG)
    def summary(d):
        return sorted((a, t, words) for a, t, words in anchored(d).values())
    assert summary(twice) == summary(once)
    assert all_texts(twice) == all_texts(data)


def test_remove_comments_by_drops_markers_and_reference_runs(packet_factory):
    data = packet_factory(["I led it. We shipped."]).read_bytes()
    out = annotate(data, review_of(data, lambda c: [finding()]), CONFIG)
    d = docx.Document(io.BytesIO(out))
    assert remove_comments_by(d, "promolint") == 2
    body = d.element.body
    assert not any(True for tag in ("commentRangeStart", "commentRangeEnd", "commentReference") for _ in body.iter(W + tag))
    assert len(list(d.comments)) == 0
    buf = io.BytesIO()
    d.save(buf)
    assert all_texts(buf.getvalue()) == all_texts(data)
    original_runs = [len(p.runs) for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert [len(p.runs) for p in docx.Document(buf).paragraphs] == original_runs


def test_stale_claim_is_skipped_not_misplaced(packet_factory):
    data = packet_factory(["I led it."]).read_bytes()
    review = review_of(data, lambda c: [finding()])
    review.claims[0].text = "Something the packet no longer says."
    assert anchored(annotate(data, review, CONFIG)) == {}


# -- property: any text, any run segmentation, any span --

_segment = st.text(alphabet=st.sampled_from(list("abc XYZ.,;'-\u00e9\u4e2d")), min_size=1, max_size=6)


@st.composite
def runs_and_span(draw):
    segments = draw(st.lists(_segment, min_size=1, max_size=8))
    text = "".join(segments)
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    bolds = draw(st.lists(st.booleans(), min_size=len(segments), max_size=len(segments)))
    return segments, bolds, start, end


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=runs_and_span())
def test_any_segmentation_any_span_preserves_text_and_anchors_exactly(case):
    segments, bolds, start, end = case
    d = docx.Document()
    p = d.add_paragraph()
    for seg, bold in zip(segments, bolds):
        p.add_run(seg).bold = bold
    before = [(r.text, r.bold) for r in p.runs]
    text = p.text
    assert mark_comment_range(p._p, start, end, 5)
    assert p.text == text and paragraph_text(p._p) == text
    assert comment_spans(p._p) == {5: (start, end)}
    per_char_before = [b for t, b in before for _ in t]
    per_char_after = [r.bold for r in p.runs for _ in r.text]
    assert per_char_after == per_char_before  # formatting follows every character
