"""The feedback document: content, structure, safety and customisation, on rendered output."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import io
import re
import shutil
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

import test_render_fixtures as F
from promolint.config import TEMPLATES_DIR
from promolint.errors import ConfigError
from promolint.model import Finding
from promolint.render import render_feedback

SECTIONS = ["Bottom line", "Tenets of the review", "State of the packet", "Story by story",
            "Leadership-principle evidence", "FAQ", "Appendix"]
TODAY = dt.date(2025, 11, 24)


def render(review=None, formats=("docx", "md", "html"), **kw):
    kw.setdefault("today", TODAY)
    kw.setdefault("chart", False)
    return render_feedback(review or F.review(), kw.pop("config", F.config()), list(formats), **kw)


def headings(docx_bytes: bytes, level: int) -> list[str]:
    d = docx.Document(io.BytesIO(docx_bytes))
    return [p.text for p in d.paragraphs if p.style.name == f"Heading {level}"]


def docx_text(docx_bytes: bytes) -> str:
    d = docx.Document(io.BytesIO(docx_bytes))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def html_text(page: bytes) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page.decode()))


@pytest.fixture(scope="module")
def out():
    return render()


def test_sections_are_real_headings_in_order(out):
    assert headings(out["docx"], 1) == SECTIONS
    md_h = [line[3:] for line in out["md"].decode().splitlines() if line.startswith("## ")]
    assert md_h == SECTIONS
    html_h = re.findall(r"<h1[^>]*>(.*?)</h1>", out["html"].decode())
    assert html_h == SECTIONS


def test_every_story_is_discussed_with_its_missing_parts(out):
    review = F.review()
    assert headings(out["docx"], 2) == ["The four dimensions", *[s.title for s in review.stories], "Claim by claim",
                                        "How the review works"]
    md = out["md"].decode()
    for story in review.stories:
        block = md.split(f"### {story.title}\n", 1)[1].split("\n### ", 1)[0]
        missing = [p for p, ok in story.parts.items() if not ok]
        for part in missing:
            assert part in block.split("it has the")[0], (story.title, part)
        if story.rewrite:  # said once; a later story with the same shape points back to it
            assert story.rewrite in block or ("Rewrite shape:** as above." in block and story.rewrite in md)
        if story.question:
            assert story.question in block


def test_numbers_match_the_findings(out):
    review = F.review()
    s = review.summary
    text = docx_text(out["docx"])
    assert f"Of the {len(review.claims)} claims we reviewed, {sum(c.weak for c in review.claims)} would" in text
    for layer, m in s["layer_mix"].items():
        assert f"{layer.capitalize()} claims\n{round(m['share'] * 100)}% ({m['count']})" in text
    assert f"Ownership ratio\n{round(s['ownership_ratio']['ratio'] * 100)}%" in text
    assert f"{s['ownership_ratio']['owned']} claims say what you did; {s['ownership_ratio']['diluted']} hide" in text
    assert f"Claims with a business number\n{round(s['metric_coverage']['business_number'] * 100)}%" in text
    for key, d in s["dimensions"].items():
        assert f"{d['score']}/100" in text
    for p in s["principles"]["without"]:
        assert p in text
    # Every claim is in the appendix table with its findings' messages.
    d = docx.Document(io.BytesIO(out["docx"]))
    appendix = d.tables[-1]
    assert [r.cells[0].text for r in appendix.rows[1:]] == [c.text for c in review.claims]
    for row, claim in zip(appendix.rows[1:], review.claims):
        for f in claim.findings:
            assert f.message in row.cells[2].text


def test_bottom_line_names_the_most_damaging_changes(out):
    md = out["md"].decode()
    bottom = md.split("## Bottom line", 1)[1].split("## ", 1)[0]
    bullets = [line for line in bottom.splitlines() if line.startswith("- ")]
    assert len(bullets) == 3
    # The "we" finding is on five claims: it leads; the error-severity metric finding is second.
    assert F.OWN.suggestion in bullets[0] and "(5 claims" in bullets[0]
    assert F.NOMETRIC.suggestion in bullets[1]


def test_first_page_has_title_author_date_and_styles(out):
    d = docx.Document(io.BytesIO(out["docx"]))
    first = [p for p in d.paragraphs[:2]]
    assert first[0].style.name == "Title" and "Promotion packet: Dana Reyes, L5 to L6" in first[0].text
    assert first[1].style.name == "Subtitle" and "Dana Reyes" in first[1].text and "24 November 2025" in first[1].text
    normal = d.styles["Normal"].font
    assert normal.name == "Arial" and 10 <= normal.size.pt <= 11
    footer = d.sections[0].footer._element
    instr = [f.get(qn("w:instr")) for f in footer.iter(qn("w:fldSimple"))]
    assert "PAGE" in instr
    assert d.core_properties.title == "Feedback on Promotion packet: Dana Reyes, L5 to L6"
    assert d.sections[0].header.paragraphs[0].text == d.core_properties.title


def test_review_date_comes_from_the_caller():
    out = render(today=dt.date(2024, 2, 3), formats=["md"])
    assert "reviewed 3 February 2024" in out["md"].decode()


@pytest.mark.parametrize("evil", ["{{ 7*7 }}", "{% for x in range(3) %}loop{% endfor %}", "{{ ''.__class__ }}"])
def test_packet_text_is_data_never_template_code(evil):
    review = F.review(title=f"Packet {evil}")
    review.claims[0].text = f"We shipped {evil} <script>alert(1)</script> & more"
    out = render(review)
    text = docx_text(out["docx"])
    assert f"Packet {evil}" in text and f"We shipped {evil} <script>alert(1)</script> & more" in text
    assert "49" not in text and "looploop" not in text and "<class" not in text
    page = out["html"].decode()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f"We shipped {evil}" in html_text(out["html"])
    md = out["md"].decode()
    assert r"\<script\>" in md and "<script>" not in md


def test_markdown_escapes_structure_in_packet_text():
    review = F.review()
    review.claims[0].text = "# Not a heading | not a cell **not bold**"
    md = render(review, formats=["md"])["md"].decode()
    row = next(line for line in md.splitlines() if "Not a heading" in line and line.startswith("| "))
    assert row.count(" | ") == 3  # still four cells
    assert r"\# Not a heading \| not a cell \*\*not bold\*\*" in row


def test_missing_summary_keys_render_na_not_crash():
    review = F.review()
    review.summary = {"layer_mix": {"execution": {"count": 3}}, "dimensions": {"leadership": {}}}
    review.stories = []
    out = render(review)
    md = out["md"].decode()
    assert "| Execution claims | n/a (3) |" in md
    assert "| Ownership ratio | n/a |" in md
    assert "| Leadership | n/a | No claim supports this yet |" in md
    assert "could not settle on an overall reading" in md
    assert "did not map claims to leadership principles" in md
    assert headings(out["docx"], 1) == SECTIONS


def test_empty_review_still_renders_every_section():
    review = F.review()
    review.claims, review.stories, review.packet_findings, review.summary = [], [], [], {}
    review.packet = {}
    out = render(review)
    assert headings(out["docx"], 1) == SECTIONS
    assert "Feedback on your promotion packet" in out["md"].decode()


def test_progress_since_last_review():
    previous = F.review()
    current = F.review()
    current.claims[0].findings = [F.OWN]  # the metric finding on claim 1 is resolved
    current.claims[1].findings = [F.VAGUE]  # new
    out = render(current, previous=previous)
    assert headings(out["docx"], 1)[:3] == ["Bottom line", "Progress since the last review", "Tenets of the review"]
    remaining = sum(len(c.findings) for c in previous.claims) - 1 + len(previous.stories) - 1 + 1
    md = out["md"].decode()
    assert f"1 findings resolved, 1 new and {remaining} still open" in md
    part = md.split("## Progress since the last review", 1)[1].split("## ", 1)[0]
    assert F.NOMETRIC.message in part.split("**New.**")[0]
    assert "Progress since" not in render(current, formats=["md"])["md"].decode()


def test_chart_is_embedded_in_docx_and_html_and_described_in_md():
    out = render(chart=True)
    with zipfile.ZipFile(io.BytesIO(out["docx"])) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(media) == 1 and z.read(media[0])[:8] == b"\x89PNG\r\n\x1a\n"
    assert out["html"].count(b'src="data:image/png;base64,') == 1
    assert "*Chart: layer mix" in out["md"].decode()
    no_chart = render(chart=False)
    assert b"data:image/png" not in no_chart["html"]
    with zipfile.ZipFile(io.BytesIO(no_chart["docx"])) as z:
        assert not [n for n in z.namelist() if n.startswith("word/media/")]


def test_chart_png_is_small_and_shows_scores():
    from promolint.render import render_chart_png

    png = render_chart_png(F.review(), F.config())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert 800 <= width <= 1000 and 250 <= height <= 400
    assert len(png) < 120_000


def test_only_requested_formats_and_unknown_rejected():
    assert set(render(formats=["md"])) == {"md"}
    assert set(render(formats=["html", "docx"])) == {"html", "docx"}
    with pytest.raises(ConfigError, match="pdf"):
        render(formats=["pdf"])


def test_html_is_a_standalone_page(out):
    page = out["html"].decode()
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "<title>Feedback on Promotion packet: Dana Reyes, L5 to L6</title>" in page
    assert "<style>" in page and "<link" not in page and "<script" not in page


@pytest.fixture
def org_templates(tmp_path):
    folder = tmp_path / "org-templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    return folder


def test_organisation_templates_change_order_and_wording_without_code(org_templates):
    manifest = (org_templates / "feedback.yaml").read_text()
    manifest = manifest.replace("  - bottom_line\n  - tenets\n", "  - faq\n  - bottom_line\n")
    manifest = manifest.replace("  - principles\n  - faq\n", "  - principles\n")
    (org_templates / "feedback.yaml").write_text(manifest)
    faq = org_templates / "sections" / "faq.html.j2"
    faq.write_text(faq.read_text().replace("<h1>FAQ</h1>", "<h1>Questions the panel will ask</h1>"))
    out = render(config=F.config(org_templates))
    expected = ["Questions the panel will ask", "Bottom line", "State of the packet", "Story by story",
                "Leadership-principle evidence", "Appendix"]
    assert headings(out["docx"], 1) == expected
    assert [line[3:] for line in out["md"].decode().splitlines() if line.startswith("## ")] == expected


def test_organisation_template_cannot_escape_the_sandbox(org_templates):
    bad = org_templates / "sections" / "tenets.html.j2"
    bad.write_text("{{ packet.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(Exception) as e:
        render(config=F.config(org_templates), formats=["md"])
    assert "unsafe" in str(e.value).lower() or "SecurityError" in str(e.value)


def test_manifest_naming_a_missing_section_is_a_config_error(org_templates):
    (org_templates / "feedback.yaml").write_text("sections: [bottom_line, nope]\n")
    with pytest.raises(ConfigError, match="sections/nope.html.j2"):
        render(config=F.config(org_templates), formats=["md"])


def test_story_level_and_packet_level_findings_are_compared_in_progress():
    previous = F.review()
    current = F.review()
    current.packet_findings = [Finding(rule="narrative.new", category="narrative", severity="info", message="New one.")]
    md = render(current, previous=previous, formats=["md"])["md"].decode()
    assert "1 findings resolved, 1 new" in md


def test_story_strengths_read_as_a_sentence_and_stay_escaped():
    review = F.review()
    review.stories[2].strengths = ["first-person ownership", "ETA <p95> & SLA"]
    out = render(review, formats=["html", "md"])
    assert "First-person ownership and ETA &lt;p95&gt; &amp; SLA." in out["html"].decode()
    assert r"First-person ownership and ETA \<p95\> & SLA." in out["md"].decode()


def test_committed_word_template_is_what_the_script_builds(tmp_path):
    from promolint.render.make_template import build

    built = build(tmp_path / "feedback.docx")
    with zipfile.ZipFile(built) as new, zipfile.ZipFile(TEMPLATES_DIR / "feedback.docx") as old:
        for part in ("word/document.xml", "word/styles.xml", "word/header1.xml", "word/footer1.xml"):
            assert new.read(part) == old.read(part), part


def test_the_ranking_of_what_to_fix_first_is_template_data(org_templates):
    default = render(formats=["md"])["md"].decode()
    assert "The three changes below would move it most." in default
    manifest = (org_templates / "feedback.yaml").read_text().replace("  top_changes: 3", "  top_changes: 1")
    (org_templates / "feedback.yaml").write_text(manifest)
    md = render(config=F.config(org_templates), formats=["md"])["md"].decode()
    assert "The change below would move it most." in md
    (org_templates / "feedback.yaml").write_text(manifest.replace("  top_changes: 1", "  top_changes: many"))
    with pytest.raises(ConfigError, match="ranking"):
        render(config=F.config(org_templates), formats=["md"])
