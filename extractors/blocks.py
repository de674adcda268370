"""Paragraphs of the body as Blocks: text, kind, and heading level (real or typed-by-hand).

Word heading styles and outline levels are trusted first; people who never use styles type
their headings, so short all-bold or underlined lines, a bold name followed by pipe-separated fields ("**BC2** | 2024 |
Shipped"), outline-numbered lines ("2. Impact", "2.1 Billing",
"II. Highlights"; not a run of numbered list lines), ALL CAPS lines, short lines ending in a colon,
Markdown pasted as text ("## Projects"), a date or date range alone on a line, lines underlined with '****' in pasted plain text, short lines
at the margin over indented text, and lines that are exactly a "What You Did" alias count as
pseudo-headings. Like reStructuredText adornments, each look gets the next level the first time it
is seen. List items, table cells and long lines are never headings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from docx.document import Document
from docx.styles import BabelFish
from lxml import etree

from promolint.deadline import check_deadline
from promolint.ooxml import W_R, W_RPR, W_VAL, body_paragraphs, default_styles, visible_pieces, w
from promolint.model import Block

_HEADING_STYLE = re.compile(r"heading\s*(\d)$", re.I)
_NUMBERED = re.compile(r"^(?:(\d{1,2})[.)]|([IVXLC]{1,5})[.)]|(\d{1,2}(?:\.\d{1,2})+)[.)]?)\s+(\S.*)$")
_SMALL_WORDS = {"a", "an", "and", "or", "nor", "but", "of", "the", "to", "in", "into", "on", "onto", "for", "at", "by",
                "with", "from", "over", "via", "per", "as", "vs", "&"}  # lower case in Title Case
_ON = {None, "1", "true", "on"}
MAX_HEADING_WORDS = 8
MAX_LARGE_HEADING_WORDS = 16  # a bold line typed larger than the body text may be a long title
MAX_COLON_WORDS = 5  # "Q1:", "Key wins:" on a line of their own lead in what follows
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(?=\S)")
_TYPED_BULLET = re.compile(r"^\s*[*•·‣◦-]\s+\S")  # "* Shipped X" typed or pasted as plain text
_UNDERLINE = re.compile(r"^([=*~#^+-])\1{2,}$")  # a plain-text underline (setext / RST): "*****"; "___" is a form blank
_W_STYLE, _W_STYLE_ID, _W_DEFAULT, _W_TYPE = w("style"), w("styleId"), w("default"), w("type")
_W_HYPERLINK = w("hyperlink")
_WORD = re.compile(r"\w")


@dataclass
class _Style:
    name: str
    based_on: str | None
    outline: int | None
    numbered: bool
    bold: bool | None


class StyleSheet:
    """Paragraph/character style facts by style id, following based-on chains."""

    def __init__(self, document: Document):
        self._elements: dict[str, etree._Element] = {}
        self._styles: dict[str, _Style] = {}  # read on first use: a packet uses few of its styles
        self._memo: dict[tuple, object] = {}  # (style id, a _Style field; None: name()) -> answer
        self.default_paragraph: str | None = None
        # Raw XML rather than document.styles: python-docx raises on a style with no w:type, and
        # document.styles would add a default styles part to a package without one (we only read).
        for el in _styles_element(document).iter(_W_STYLE):
            style_id = el.get(_W_STYLE_ID)
            if style_id is None:
                continue
            self._elements[style_id] = el
            if el.get(_W_DEFAULT) in ("1", "true") and el.get(_W_TYPE) == "paragraph":
                self.default_paragraph = style_id

    def _style(self, style_id: str) -> _Style:
        style = self._styles.get(style_id)
        if style is None:
            el = self._elements[style_id]
            style = self._styles[style_id] = _Style(
                name=BabelFish.internal2ui(_val(el.find(w("name"))) or style_id),
                based_on=_val(el.find(w("basedOn"))),
                outline=_int(_val(el.find(f"{w('pPr')}/{w('outlineLvl')}"))),
                numbered=el.find(f"{w('pPr')}/{w('numPr')}") is not None,
                bold=_bold(el.find(f"{w('rPr')}/{w('b')}")),
            )
        return style

    def chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id in self._elements and style_id not in seen:
            seen.add(style_id)
            style = self._style(style_id)
            yield style
            style_id = style.based_on

    # Memoised per style id: every run of every paragraph asks (the styles do not change while read).
    def name(self, style_id: str | None) -> str | None:
        key = (style_id, None)
        try:
            return self._memo[key]
        except KeyError:
            v = self._memo[key] = next((s.name for s in self.chain(style_id)), None)
            return v

    def first(self, style_id: str | None, attr: str):
        key = (style_id, attr)
        try:
            return self._memo[key]
        except KeyError:
            v = self._memo[key] = next((getattr(s, attr) for s in self.chain(style_id)
                                        if getattr(s, attr) is not None), None)
            return v


def _styles_element(document: Document) -> etree._Element:
    """The styles part's root; python-docx's default styles (not added to the package) if none."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        return document.part.part_related_by(RT.STYLES).element
    except KeyError:
        return default_styles()


def _val(el: etree._Element | None) -> str | None:
    return None if el is None else el.get(W_VAL)


def _int(v: str | None) -> int | None:
    return int(v) if v is not None and v.isdigit() else None


def _bold(b: etree._Element | None) -> bool | None:
    return None if b is None else b.get(W_VAL) in _ON


@dataclass
class RawBlock:
    """A paragraph before section analysis: its Block plus the facts pseudo-headings need."""

    block: Block
    all_bold: bool
    in_table: bool
    real_heading: bool
    size: int = 0  # largest run font size in half-points (0: the style's default)
    indent: int = 0  # left indent in twips: the paragraph's own, or its leading spaces/tabs as typed
    all_underlined: bool = False  # every visible run underlined: a heading typed the old way
    link_only: bool = False  # all its words are a hyperlink's text: a reference ("[My talk](url)"), not a claim
    header_cell: bool = False  # a column label ("Goal | Status | Notes") or a row label ("2021/7/1")
    lead_bold: bool = False  # its first words are bold ("**BC2** | 2024 | Shipped"): a name set off from the rest


def read_blocks(document: Document) -> list[RawBlock]:
    styles = StyleSheet(document)
    out, labels = [], {}
    for i, p in enumerate(body_paragraphs(document.element.body)):
        if not i & 255:
            check_deadline()
        out.append(_read(i, p, styles, labels))
    return out


def _read(index: int, p: etree._Element, styles: StyleSheet, labels: dict[int, tuple]) -> RawBlock:
    pieces = list(visible_pieces(p))
    text = "".join(piece.text for piece in pieces)
    style_id = _val(p.find(f"{w('pPr')}/{w('pStyle')}")) or styles.default_paragraph
    level = _heading_level(p, style_id, styles)
    in_table = _in_table(p)
    kind = "heading" if level is not None else "table_cell" if in_table else (
        "list_item" if _is_list(p, style_id, styles) or _TYPED_BULLET.match(text) else "paragraph")
    bold = bool(text.strip()) and all(
        _run_bold(piece.run, style_id, styles) for piece in pieces if piece.text.strip())
    block = Block(index=index, kind=kind, text=text, style=styles.name(style_id), level=level)
    size = max((_run_size(piece.run) for piece in pieces if piece.text.strip()), default=0)
    worded = [piece for piece in pieces if _WORD.search(piece.text)]
    underlined = bool(worded) and all(_run_underlined(piece.run) for piece in worded)
    link_only = bool(worded) and all(piece.run.getparent().tag == _W_HYPERLINK for piece in worded)
    lead = next((piece for piece in worded), None)
    return RawBlock(block, bold, in_table, level is not None, size, _indent(p, text), underlined, link_only,
                    in_table and _header_cell(p, labels),
                    lead is not None and _run_bold(lead.run, style_id, styles))


def _indent(p: etree._Element, text: str) -> int:
    ind = p.find(f"{w('pPr')}/{w('ind')}")
    own = _int((ind.get(w("left")) or ind.get(w("start"))) if ind is not None else None) or 0
    typed = len(text) - len(text.lstrip(" \t"))
    return own + 120 * (typed + 3 * text[:typed].count("\t"))  # a space ~ 6pt, a tab ~ 4 spaces


def _run_size(r: etree._Element) -> int:
    rpr = r.find(W_RPR) if r.tag == W_R else None
    return _int(_val(rpr.find(w("sz")))) or 0 if rpr is not None else 0


def _heading_level(p: etree._Element, style_id: str | None, styles: StyleSheet) -> int | None:
    own = _int(_val(p.find(f"{w('pPr')}/{w('outlineLvl')}")))
    if own is not None:
        return own + 1 if own < 9 else None
    name = (styles.name(style_id) or "").strip().lower()
    if name == "title":
        return 0
    m = _HEADING_STYLE.match(name)
    if m:
        return int(m.group(1))
    outline = styles.first(style_id, "outline")
    return outline + 1 if outline is not None and outline < 9 else None


def _is_list(p: etree._Element, style_id: str | None, styles: StyleSheet) -> bool:
    num_id = _val(p.find(f"{w('pPr')}/{w('numPr')}/{w('numId')}"))
    if num_id is not None:
        return num_id != "0"
    if any(s.numbered for s in styles.chain(style_id)):
        return True
    return (styles.name(style_id) or "").lower().startswith("list")


def _in_table(p: etree._Element) -> bool:
    """True for a cell paragraph; a text box inside a cell starts its own story, so stops the search."""
    for anc in p.iterancestors():
        if anc.tag == w("tc"):
            return True
        if anc.tag in (w("txbxContent"), w("body")):
            return False
    return False


def _header_cell(p: etree._Element, labels: dict[int, tuple]) -> bool:
    """A cell of a marked header row, of a first row of short column labels over more rows, or of a
    column of row labels: labels, not claims (a one-column layout box is never one)."""
    row = next((a for a in p.iterancestors(w("tr"))), None)
    table = row.getparent() if row is not None else None
    if table is None:
        return False
    if row.find(f"{w('trPr')}/{w('tblHeader')}") is not None:
        return True
    first, label_columns = _table_labels(table, labels)
    if row is first:
        return True
    cells = row.findall(w("tc"))
    cell = next(a for a in p.iterancestors(w("tc")))
    return cells.index(cell) in label_columns if cell in cells else False


MAX_LABEL_WORDS = 3  # "2021/7/1", "Week 3", "CATcher": a column of these labels the rows, it claims nothing


def _table_labels(table: etree._Element, labels: dict[int, tuple]) -> tuple:
    """(the first row if it is short column labels over more rows, else None; the columns whose every
    body cell is a short label, a date, a week, a project name, in a table that also has a column of
    longer text: the row's claim is in the long column). Worked out once a table."""
    # Keyed by id() with the element kept in the value: lxml hands out a new proxy per access, and a
    # proxy that is kept alive keeps its id (unique, and the same on the next cell's lookup).
    cached = labels.get(id(table))
    if cached is None:
        rows = table.findall(w("tr"))
        head = rows[0].findall(w("tc")) if rows else []
        first = rows[0] if len(rows) > 1 and len(head) > 1 and all(_words(c) <= 4 for c in head) else None
        words: dict[int, int] = {}
        for row in rows[1:]:
            for j, c in enumerate(row.findall(w("tc"))):
                words[j] = max(words.get(j, 0), _words(c))
        long = any(n > MAX_LABEL_WORDS + 1 for n in words.values())
        columns = frozenset(j for j, n in words.items() if long and n <= MAX_LABEL_WORDS)
        cached = labels[id(table)] = (table, first, columns)
    return cached[1], cached[2]


def _run_bold(r: etree._Element, style_id: str | None, styles: StyleSheet) -> bool:
    if r.tag != W_R:
        return False
    rpr = r.find(W_RPR)
    own = _bold(rpr.find(w("b"))) if rpr is not None else None
    if own is not None:
        return own
    char_style = _val(rpr.find(w("rStyle"))) if rpr is not None else None
    inherited = styles.first(char_style, "bold")
    if inherited is None:
        inherited = styles.first(style_id, "bold")
    return bool(inherited)


def _run_underlined(r: etree._Element) -> bool:
    rpr = r.find(W_RPR) if r.tag == W_R else None
    u = rpr.find(w("u")) if rpr is not None else None
    return u is not None and u.get(W_VAL) not in ("none", None)


def pseudo_heading_kind(raw: RawBlock, is_alias, body_size: int = 0, names_section=None,
                        in_numbered_run: bool = False) -> str | None:
    """How a typed heading looks (numbered, caps, bold, ...), or None for ordinary text.

    `body_size` is the document's usual text size: bold text larger than it is typed as a title.
    `names_section(text)` is true for a date or a configured section name (aliases, skip phrases).
    `in_numbered_run`: the line's neighbours are numbered like it, so it is an item of a typed list.
    """
    block = raw.block
    text = block.text.strip()
    m = _NUMBERED.match(text)
    words = (m.group(4) if m else text).split()  # "5.1" is not a word of the heading
    large = raw.all_bold and raw.size > body_size
    limit = MAX_LARGE_HEADING_WORDS if large else MAX_HEADING_WORDS
    hashes = MARKDOWN_HEADING.match(text)
    if hashes and not (raw.real_heading or raw.in_table) and len(words) <= MAX_LARGE_HEADING_WORDS + 1:
        return f"hash{len(hashes.group(1))}"  # Markdown pasted as text: "## Projects", marked as plainly as a style
    if raw.real_heading or raw.in_table or block.kind == "list_item" or not words:
        return None  # list items and table cells are never headings, even "Impact: ..." in bold
    if (raw.all_bold or raw.lead_bold) and fields_line(text):
        return "fields"  # "**AG31.1** | Oct 2022 – Nov 2023 | Mass Production", as resume headings are typed
    if len(words) > limit:
        return None
    if text[-1] in ".;,":
        return None
    if m and not in_numbered_run and m.group(4)[0].isupper():
        return "numbered_sub" if m.group(3) else "numbered"  # "2. My accomplishments", "2.1 Project: Foo"
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        return "caps"  # "ACCOMPLISHMENT: DEFINED CORE METRICS"
    if ":" in text[:-1] and not large and not (raw.all_bold and _title_case(text.split(":", 1)[1])):
        return None  # "Impact: cut costs" in bold is a claim; "Project: Billing Migration" names one
    if m and not in_numbered_run and (is_alias(text) or _title_case(m.group(4)) or raw.all_bold):
        return "numbered_sub" if m.group(3) else "numbered"
    if raw.all_bold:
        return "bold"
    if raw.all_underlined:
        return "underline"
    if text.endswith(":") and len(words) <= MAX_COLON_WORDS and _names(text[:-1], names_section):
        return "colon"  # "Q1:", "Key Wins:"; a lead-in like "For example:" or "You can use:" is text
    is_date = getattr(is_alias, "is_date", None)
    if is_date is not None and block.kind == "paragraph" and is_date(text):
        return "date"  # a log's "Jan 27, 2025 - Feb 2, 2025" or "2024-03-11" typed on a line of its own
    return "plain" if is_alias(text) else None


MAX_FIELD_WORDS = 5


def fields_line(text: str) -> bool:
    """A line of short fields set apart by pipes (name | dates | status), none a sentence or a label."""
    fields = [f.strip() for f in text.split("|")]
    return (len(fields) >= 2 and all(0 < len(f.split()) <= MAX_FIELD_WORDS for f in fields)
            and ":" not in fields[0] and text[-1] not in ".;,")


def numbered(text: str) -> tuple[int, ...] | None:
    """(2,) for "2. Impact", (2, 1) for "2.1 Projects", None for a line without an arabic outline number."""
    m = _NUMBERED.match(text.strip())
    number = m and (m.group(1) or m.group(3))
    return tuple(int(n) for n in number.split(".")) if number else None


def is_outdented_heading(raw: RawBlock, following: RawBlock, names_section=None) -> bool:
    """A short title-like line at the margin with indented text under it: the shape of an outline
    typed with indentation only ("Platform" over "    Migrated billing ...")."""
    text = raw.block.text.strip()
    return (not raw.real_heading and raw.block.kind == "paragraph" and raw.indent == 0 and 0 < len(text.split())
            <= MAX_HEADING_WORDS and text[-1] not in ".;,:" and following.block.kind == "paragraph"
            and following.indent > 0 and bool(following.block.text.strip())
            and (_names(text, names_section) or len(text.split()) == 1 and text[0].isupper()))


def _names(text: str, names_section) -> bool:
    """Reads as a heading's name: a date or configured section name, or a Title Case phrase."""
    if not re.search(r"[^\W\d_]", text):
        return False
    if names_section is not None and names_section(text):
        return True
    return text[0].isupper() and _title_case(text) and len(text.split()) >= 2 or (text.isupper() and len(text) > 1)


def is_underline(raw: RawBlock) -> bool:
    return not raw.in_table and bool(_UNDERLINE.match(raw.block.text.strip()))


def _title_case(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    return bool(words) and all(wd[0].isupper() or wd.lower() in _SMALL_WORDS for wd in words)


def _words(cell: etree._Element) -> int:
    """Words of the text a reader sees in the cell (w:t only, not field codes or other nodes)."""
    return len("".join(cell.itertext(w("t"))).split())
