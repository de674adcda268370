"""The rendered body (a small HTML subset) as layout blocks, and the Markdown writer.

The templates write the words once, as HTML; the .docx and .md writers read these blocks, so
no sentence is repeated per format. Unknown tags are transparent; script/style are dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from promolint.deadline import check_deadline


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Block:
    kind: str  # heading | para | bullets | table | image
    level: int = 0
    cls: str = ""
    runs: list[Run] = field(default_factory=list)
    items: list[list[Run]] = field(default_factory=list)  # bullets
    rows: list[list[list[Run]]] = field(default_factory=list)  # table: rows of cells of runs
    header: list[bool] = field(default_factory=list)  # table: row is a header row
    widths: list[float | None] = field(default_factory=list)  # table: column share from style="width:N%"
    src: str = ""
    alt: str = ""


_WS = re.compile(r"\s+")
_NL_SPACES = re.compile(r" *\n *")
_WIDTH = re.compile(r"width\s*:\s*([\d.]+)\s*%")
_SKIP = {"script", "style", "head", "title"}


def _tidy(runs: list[Run]) -> list[Run]:
    """Trim whitespace at the edges of a block and merge runs with the same formatting."""
    out: list[Run] = []
    for r in runs:
        if out and out[-1].bold == r.bold and out[-1].italic == r.italic:
            out[-1] = Run(out[-1].text + r.text, r.bold, r.italic)
        elif r.text:
            out.append(Run(r.text, r.bold, r.italic))
    for r in out:
        if "\n" in r.text:
            r.text = _NL_SPACES.sub("\n", r.text)
    while out and not out[0].text.lstrip(" \n"):
        out.pop(0)
    while out and not out[-1].text.rstrip(" \n"):
        out.pop()
    if out:
        out[0].text = out[0].text.lstrip(" \n")
        out[-1].text = out[-1].text.rstrip(" \n")
    return out


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.runs: list[Run] | None = None  # the open inline container
        self.block: Block | None = None
        self.bold = self.italic = 0
        self.skip = 0
        self.cls_stack: list[str] = []

    # inline container management
    def _open(self, block: Block | None) -> None:
        self._close()
        self.block = block
        self.runs = block.runs if block is not None else []

    def _close(self) -> None:
        if self.block is not None and self.block.kind in ("heading", "para"):
            self.block.runs[:] = _tidy(self.block.runs)
            if self.block.runs:
                self.blocks.append(self.block)
        self.block, self.runs = None, None

    def _table(self) -> Block | None:
        return self.blocks[-1] if self.blocks and self.blocks[-1].kind == "table" and self.in_table else None

    in_table = False
    in_list = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in _SKIP:
            self.skip += 1
            return
        if tag in ("h1", "h2", "h3", "h4"):
            self._open(Block("heading", level=int(tag[1]), cls=a.get("class") or ""))
        elif tag == "p" and not (self.in_table or self.in_list):
            self._open(Block("para", cls=a.get("class") or ("quote" if "blockquote" in self.cls_stack else "")))
        elif tag == "blockquote":
            self.cls_stack.append("blockquote")
        elif tag in ("ul", "ol"):
            self._close()
            self.in_list = True
            self.blocks.append(Block("bullets"))
        elif tag == "li" and self.in_list:
            self.blocks[-1].items.append([])
            self.runs = self.blocks[-1].items[-1]
        elif tag == "table":
            self._close()
            self.in_table = True
            self.blocks.append(Block("table", cls=a.get("class") or ""))
        elif tag == "tr" and self._table():
            self._table().rows.append([])
            self._table().header.append(True)
        elif tag in ("td", "th") and self._table() and self._table().rows:
            t = self._table()
            t.rows[-1].append([])
            if tag == "td":
                t.header[-1] = False
            if len(t.rows) == 1:
                m = _WIDTH.search(a.get("style") or "")
                t.widths.append(float(m.group(1)) / 100 if m else None)
            self.runs = t.rows[-1][-1]
        elif tag == "img":
            self._close()
            self.blocks.append(Block("image", src=a.get("src") or "", alt=a.get("alt") or ""))
        elif tag == "br" and self.runs is not None:
            self.runs.append(Run("\n", self.bold > 0, self.italic > 0))
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in ("h1", "h2", "h3", "h4") or (tag == "p" and self.block is not None):
            self._close()
        elif tag == "blockquote" and self.cls_stack:
            self.cls_stack.pop()
        elif tag in ("ul", "ol"):
            self.in_list = False
            if self.blocks and self.blocks[-1].kind == "bullets":
                self.blocks[-1].items = [r for r in (_tidy(i) for i in self.blocks[-1].items) if r]
            self.runs = None
        elif tag in ("td", "th", "li"):
            self.runs = None
        elif tag == "table":
            t = self._table()
            if t is not None:
                t.rows = [[_tidy(c) for c in row] for row in t.rows]
            self.in_table = False
            self.runs = None
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)

    def handle_data(self, data):
        if self.skip:
            return
        text = _WS.sub(" ", data)
        if self.runs is None:
            if not text.strip():
                return
            self._open(Block("para"))  # stray text still reaches the author
        self.runs.append(Run(text, self.bold > 0, self.italic > 0))

    def close(self):
        super().close()
        self._close()


def parse(html: str) -> list[Block]:
    p = _Parser()
    if not _fast_feed(p, html):
        p = _Parser()
        p.feed(html)
    p.close()
    return p.blocks


# The body our templates render is plain tags, attributes and escaped text. For such input this
# tokenizer makes exactly the handler calls html.parser would (one handle_data per text run
# between tags, entities converted; start and end calls for "<x/>"), several times faster. For
# anything else (comments, declarations, script/style, a stray "<") it declines and html.parser
# reads the whole document.
_TAG = re.compile(r"<(?:([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))?)*)"
                  r"\s*(/?)>|/([a-zA-Z][a-zA-Z0-9]*)\s*>)")
_ATTR = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'))?")
_RAW_TEXT = {"script", "style"}


def _attr_pair(m: re.Match) -> tuple[str, str | None]:
    from html import unescape

    value = m.group(2) if m.group(2) is not None else m.group(3)
    return m.group(1).lower(), (unescape(value) if value else value)


def _fast_feed(p: _Parser, html: str) -> bool:
    """Feed `html` to `p` if it is all simple tags and text; False (p then half-fed) if not."""
    from html import unescape

    start, finish, data = p.handle_starttag, p.handle_endtag, p.handle_data
    last = 0
    for n, m in enumerate(_TAG.finditer(html)):
        if not n & 1023:
            check_deadline()
        at = m.start()
        if at > last:
            text = html[last:at]
            if "<" in text:
                return False
            data(unescape(text) if "&" in text else text)
        name, attrs, close, end = m.groups()
        if end is not None:
            finish(end.lower())
        else:
            tag = name.lower()
            if tag in _RAW_TEXT:
                return False
            start(tag, [_attr_pair(a) for a in _ATTR.finditer(attrs)] if attrs else [])
            if close:
                finish(tag)
        last = m.end()
    if last < len(html):
        text = html[last:]
        if "<" in text:
            return False
        data(unescape(text) if "&" in text else text)
    return True


# Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^(\s*)(#|[-+](?=\s)|\d+[.)](?=\s))", re.M)


def _md_text(text: str) -> str:
    """Escape so packet text shows literally instead of becoming Markdown structure."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_inline(runs: list[Run], newline: str = "  \n") -> str:
    out = []
    for r in runs:
        text = _md_text(r.text).replace("\n", newline)
        mark = ("**" if r.bold else "") + ("*" if r.italic else "")
        core = text.strip(" ")
        if mark and core:
            lead, trail = text[: len(text) - len(text.lstrip(" "))], text[len(text.rstrip(" ")):]
            text = f"{lead}{mark}{core}{mark[::-1]}{trail}"
        out.append(text)
    return _MD_LINE_START.sub(r"\1\\\2", "".join(out))


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind == "heading":
            # The document title is the only level-1 heading in Markdown.
            out.append("#" * min(6, b.level + 1) + " " + _md_inline(b.runs, " "))
        elif b.kind == "para":
            if b.cls == "title":
                out.append("# " + _md_inline(b.runs, " "))
            elif b.cls == "subtitle":
                out.append("*" + _md_inline(b.runs, " ").strip() + "*")
            elif b.cls == "quote":
                out.append("> " + _md_inline(b.runs, "\n> "))
            else:
                out.append(_md_inline(b.runs))
        elif b.kind == "bullets":
            out.append("\n".join("- " + _md_inline(i, "  \n  ") for i in b.items))
        elif b.kind == "table" and b.rows:
            width = max(len(r) for r in b.rows)
            lines = []
            for n, row in enumerate(b.rows):
                cells = [_md_inline(c, "<br>") for c in row] + [""] * (width - len(row))
                lines.append("| " + " | ".join(cells) + " |")
                if n == 0:
                    lines.append("|" + "---|" * width)
            out.append("\n".join(lines))
        elif b.kind == "image" and b.alt:
            out.append("*" + _md_text(b.alt) + "*")
    return "\n\n".join(out) + "\n"
