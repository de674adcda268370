"""Build templates/feedback.docx, the Word template docxtpl fills (run: python -m promolint.render.make_template).

Kept as code so the template is reproducible; an organisation may instead edit the .docx in Word
(styles, header, footer, logo) as long as the body keeps the `{{p body }}` paragraph.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor
from docx.styles import BabelFish

from promolint.config import TEMPLATES_DIR

# Arial is on every Word install and LibreOffice substitutes the metric-identical Liberation Sans,
# so page counts measured here hold for the author.
FONT = "Arial"
INK = RGBColor(0x22, 0x22, 0x22)
ACCENT = RGBColor(0x1F, 0x38, 0x64)
ACCENT2 = RGBColor(0x2E, 0x55, 0x97)
GREY = RGBColor(0x66, 0x66, 0x66)


def _font(style, size: float, bold: bool = False, color: RGBColor = INK) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = color
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # theme fonts would override the named font
    fonts.set(qn("w:cs"), FONT)
    fonts.set(qn("w:eastAsia"), FONT)


def _spacing(style, before: float, after: float, line: float | None = None) -> None:
    pf = style.paragraph_format
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if line:
        pf.line_spacing = line


def _field(paragraph, code: str) -> None:
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


# Styles the writer uses, plus what they build on; the rest of python-docx's 160 styles and the
# duplicate stylesWithEffects part make every render parse and re-zip ~800 KB for nothing.
KEEP_STYLES = {
    "Normal", "Default Paragraph Font", "Table Normal", "Normal Table", "No List", "Title", "Subtitle", "Heading 1",
    "Heading 2", "Heading 3", "List Bullet", "List Paragraph", "Quote", "Header", "Footer", "Table Grid",
    "Light Grid Accent 1", "Light List Accent 1", "Light Shading Accent 1", "Table Text",
}
DROP_RELS = ("stylesWithEffects", "customXml", "webSettings", "thumbnail")


def _prune(doc) -> None:
    root = doc.styles.element
    for st in list(root.style_lst):
        if BabelFish.internal2ui(st.name_val or "") not in KEEP_STYLES:
            root.remove(st)
        else:
            for tag in ("w:link", "w:rsid"):
                for el in st.findall(qn(tag)):
                    st.remove(el)
    latent = root.find(qn("w:latentStyles"))
    if latent is not None:
        root.remove(latent)
    for owner in (doc.part, doc.part.package):
        for rid, rel in list(owner.rels.items()):
            if any(rel.reltype.endswith(k) for k in DROP_RELS):
                owner.rels.pop(rid)


def build(path: Path) -> Path:
    doc = Document()
    styles = doc.styles
    _font(styles["Normal"], 10.5)
    _spacing(styles["Normal"], 0, 6, 1.12)
    for name, size, color, before, after in (
        ("Title", 22, ACCENT, 0, 2),
        ("Subtitle", 11, GREY, 0, 14),
        ("Heading 1", 14, ACCENT, 14, 4),
        ("Heading 2", 11.5, ACCENT2, 10, 3),
        ("Heading 3", 10.5, ACCENT2, 8, 2),
    ):
        st = styles[name]
        _font(st, size, bold=name.startswith("Heading") or name == "Title", color=color)
        _spacing(st, before, after)
        st.font.italic = False
    # The Title style's bottom border in the default template reads as clutter.
    ppr = styles["Title"].element.find(qn("w:pPr"))
    if ppr is not None and ppr.find(qn("w:pBdr")) is not None:
        ppr.remove(ppr.find(qn("w:pBdr")))
    for name in ("List Bullet", "Quote"):
        _font(styles[name], 10.5)
        _spacing(styles[name], 0, 3)
    table_text = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = styles["Normal"]
    _font(table_text, 9)
    _spacing(table_text, 1, 1, 1.0)
    for name in ("Header", "Footer"):
        _font(styles[name], 8.5, color=GREY)

    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    section.left_margin = section.right_margin = Inches(1)
    section.top_margin, section.bottom_margin = Inches(0.9), Inches(0.8)
    section.different_first_page_header_footer = True

    header = section.header.paragraphs[0]
    header.text = "{{ doc_title }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for footer in (section.footer, section.first_page_footer):
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run("Page ")
        _field(p, "PAGE")
        p.add_run(" of ")
        _field(p, "NUMPAGES")

    _prune(doc)
    doc.add_paragraph("{{p body }}")
    doc.core_properties.title = "{{ doc_title }}"
    doc.core_properties.author = "promolint"
    doc.core_properties.comments = ""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES_DIR / "feedback.docx"
    print(build(out))
