"""Build the example promotion packets in examples/*.docx from examples/src/*.md.

Run from the repository root:

    .venv/bin/python examples/build_examples.py            # rewrites examples/*.docx
    .venv/bin/python examples/build_examples.py /tmp/out   # or anywhere else

Each source file is a small Markdown dialect with a YAML front matter block:

    ---
    output: 01_name.docx          # file written next to this script
    title: "..."                  # first paragraph and core_properties.title
    author: ...                   # core_properties.author
    subject: ...                  # core_properties.subject
    created: 2025-01-01T09:00:00Z # fixed, so rebuilding gives the same content
    modified: 2025-01-02T09:00:00Z
    styled: true                  # false: no Word heading styles at all
    comments: [...]               # optional reviewer comments (see below)
    tracked_insertions: [...]     # optional reviewer tracked insertions (w:ins)
    ---

Body lines:

    # Text            Heading 1 (styled packets only)
    ## Text           Heading 2 (styled packets only)
    - text            List Bullet
    > text            Quote
    | a | b |         table row; the first row of a table is its header
    **Text**          a whole line in bold: a pseudo-heading in unstyled packets
    anything else     Normal paragraph; consecutive lines are joined, a blank line ends it

Inline **bold** is supported inside paragraphs. Comments are anchored on the exact phrase
`anchor`; tracked insertions are placed right after the exact phrase `after`. Both phrases
must occur once, inside one paragraph of the body.

The output is deterministic: core properties, comment dates and revision dates come from
the front matter, and the zip members are written with a fixed timestamp, so running the
script twice yields byte-identical files with the same zlib.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

import yaml
from docx import Document
from docx.oxml.ns import qn
from docx.oxml import OxmlElement
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
ZIP_EPOCH = (2025, 1, 1, 0, 0, 0)

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
_INLINE_BOLD = re.compile(r"\*\*(.+?)\*\*")


# --------------------------------------------------------------------------- parsing


def parse_source(path: Path) -> tuple[dict, list[tuple[str, object]]]:
    """Return (front matter, blocks). A block is (kind, payload)."""
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        raise ValueError(f"{path}: missing '---' front matter")
    meta = yaml.safe_load(match.group(1))
    blocks: list[tuple[str, object]] = []
    para: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if para:
            blocks.append(("paragraph", " ".join(para)))
            para.clear()
        if table:
            blocks.append(("table", [row[:] for row in table]))
            table.clear()

    for raw in match.group(2).splitlines():
        line = raw.rstrip()
        if not line:
            flush()
        elif line.startswith("|"):
            if para:
                flush()
            table.append([cell.strip() for cell in line.strip("|").split("|")])
        elif (m := re.match(r"(#{1,3}) (.+)", line)):
            flush()
            blocks.append((f"heading{len(m.group(1))}", m.group(2)))
        elif line.startswith("- "):
            flush()
            blocks.append(("bullet", line[2:]))
        elif line.startswith("> "):
            flush()
            blocks.append(("quote", line[2:]))
        elif re.fullmatch(r"\*\*[^*]+\*\*", line) and not para:
            flush()
            blocks.append(("bold_line", line[2:-2]))
        else:
            if table:
                flush()
            para.append(line.strip())
    flush()
    if not meta.get("styled", True) and any(k.startswith("heading") for k, _ in blocks):
        raise ValueError(f"{path}: an unstyled packet must not use '#' headings")
    return meta, blocks


# --------------------------------------------------------------------------- writing


def _add_inline(paragraph: Paragraph, text: str) -> None:
    """Add `text` as runs, turning **x** into bold runs."""
    pos = 0
    for m in _INLINE_BOLD.finditer(text):
        if m.start() > pos:
            paragraph.add_run(text[pos : m.start()])
        paragraph.add_run(m.group(1)).bold = True
        pos = m.end()
    if pos < len(text):
        paragraph.add_run(text[pos:])


def _add_table(document, rows: list[list[str]]) -> None:
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = document.styles["Table Grid"]
    for r, row in enumerate(rows):
        for c in range(width):
            cell = table.cell(r, c)
            cell_par = cell.paragraphs[0]
            run = cell_par.add_run(row[c] if c < len(row) else "")
            run.bold = r == 0


def _utc(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _w3c(value) -> str:
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _isolate(document, phrase: str) -> Run:
    """Split runs so that `phrase` is exactly one run, and return it.

    The phrase must occur exactly once in the body, inside a single run.
    """
    hits = [
        (p, r)
        for p in document.paragraphs
        for r in p.runs
        if phrase in r.text
    ]
    if len(hits) != 1:
        raise ValueError(f"anchor {phrase!r} found in {len(hits)} runs, expected 1")
    paragraph, run = hits[0]
    before, _, after = run.text.partition(phrase)
    run.text = phrase
    if before:
        prev = copy.deepcopy(run._r)
        prev.text = before  # CT_R.text setter rewrites the run content
        run._r.addprevious(prev)
    if after:
        nxt = copy.deepcopy(run._r)
        nxt.text = after
        run._r.addnext(nxt)
    return Run(run._r, paragraph)


def _add_tracked_insertion(document, spec: dict, revision_id: int) -> None:
    """Insert `spec['text']` after the phrase `spec['after']` as a tracked insertion (w:ins)."""
    anchor = _isolate(document, spec["after"])
    ins = OxmlElement("w:ins")
    ins.set(qn("w:id"), str(revision_id))
    ins.set(qn("w:author"), spec["author"])
    ins.set(qn("w:date"), _w3c(spec["date"]))
    new_r = copy.deepcopy(anchor._r)
    new_r.text = spec["text"]
    ins.append(new_r)
    anchor._r.addnext(ins)


def build(path: Path, out_dir: Path = HERE) -> Path:
    """Write the packet described by `path` into `out_dir` and return the file written."""
    meta, blocks = parse_source(path)
    styled = meta.get("styled", True)
    document = Document()

    if styled:
        document.add_paragraph(meta["title"], style="Title")
    else:
        title = document.add_paragraph()
        run = title.add_run(meta["title"])
        run.bold = True
        run.font.size = Pt(16)

    for kind, payload in blocks:
        if kind.startswith("heading"):
            document.add_heading(payload, level=int(kind[-1]))
        elif kind == "bullet":
            _add_inline(document.add_paragraph(style="List Bullet"), payload)
        elif kind == "quote":
            _add_inline(document.add_paragraph(style="Quote"), payload)
        elif kind == "bold_line":
            document.add_paragraph().add_run(payload).bold = True
        elif kind == "table":
            _add_table(document, payload)
        else:
            _add_inline(document.add_paragraph(), payload)

    for spec in meta.get("comments", []) or []:
        anchor = _isolate(document, spec["anchor"])
        comment = document.add_comment(
            anchor, text=spec["text"], author=spec["author"], initials=spec.get("initials", "")
        )
        comment._comment_elm.date = _utc(spec["date"])
    for i, spec in enumerate(meta.get("tracked_insertions", []) or []):
        _add_tracked_insertion(document, spec, revision_id=9000 + i)

    props = document.core_properties
    props.author = meta["author"]
    props.title = meta["title"]
    props.subject = meta.get("subject", "")
    props.keywords = "promotion packet; promolint example"
    props.comments = "Invented example packet for promolint; all people and companies are fictional."
    props.category = ""
    props.last_modified_by = meta["author"]
    props.revision = 1
    props.created = _utc(meta["created"]).replace(tzinfo=None)
    props.modified = _utc(meta["modified"]).replace(tzinfo=None)

    out = Path(out_dir) / meta["output"]
    buffer = io.BytesIO()
    document.save(buffer)
    out.write_bytes(_normalise_zip(buffer.getvalue()))
    return out


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with a fixed timestamp on every member (python-docx uses 'now')."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def sources() -> list[Path]:
    return sorted(SRC.glob("*.md"))


def main(argv: list[str]) -> int:
    """Usage: build_examples.py [OUT_DIR]  (default: the examples/ folder itself)."""
    out_dir = Path(argv[0]) if argv else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sources():
        out = build(path, out_dir)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
