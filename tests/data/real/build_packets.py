"""Rebuild packets/*.docx from packets/*.md with pandoc (GitHub Markdown), and *.typed.docx for TYPED.

Plain-text sources (packets/*.txt; GitHub shows them as text, not Markdown) become one Normal paragraph
per line, as text pasted into Word does; the source comment on the first line is left out. Org-mode
sources (packets/*.org) go through pandoc's Org reader, as GitHub renders them as Org.

Typed copies keep the same text but turn every heading style into a Normal paragraph whose runs are
bold, sized by level (as people type headings by hand), so extractors are tested without styles.
NAME.numbered.docx / NAME.caps.docx (VARIANTS) type the headings with numbering or capitals alone;
NAME.pasted.docx (PASTED) is the Markdown pasted into Word as plain lines ('## Projects', '- Shipped X').
Run: .venv/bin/python tests/data/real/build_packets.py
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docx
from docx.shared import Pt

PACKETS = Path(__file__).resolve().parent / "packets"
TYPED = ("pragmatic_self_review", "geekygirlsarah_accomplishments", "micah_hype_doc", "twellman_accomplishments", "brickey_accomplishment_log",
         "meechanism_self_review", "whereby_brag_2025", "mainshayne_accomplishments", "srombauts_brag_2024_2025",
         "chuksugo_brag_2025", "nus_eclipse_dominator_progress",
         "nus_hcy123902_progress", "danyeric_brag_2025", "smitha_self_recommendation")
# GitHub-flavoured: these files were written for GitHub, so they are read the way GitHub renders them.
FORMAT = "gfm+yaml_metadata_block"
SIZE = {"Title": 18, "Heading 1": 16, "Heading 2": 14, "Heading 3": 12, "Heading 4": 11, "Heading 5": 11}


def build_docx(md: Path, out: Path | None = None) -> Path:
    out = out or md.with_suffix(".docx")
    reader = "org" if md.suffix == ".org" else FORMAT
    # Read to pandoc JSON first: the filter drops site-absolute blog images ("/img/x.png") before the docx
    # writer tries to fetch them (pandoc 2.17 aborts on those instead of warning).
    lua = str(Path(__file__).with_name("site_images.lua"))
    ast = subprocess.run(["pandoc", "-f", reader, "--lua-filter", lua, str(md), "-t", "json"],
                         check=True, capture_output=True).stdout
    subprocess.run(["pandoc", "-f", "json", "-o", str(out)], input=ast, check=True, capture_output=True)
    return out


def build_plain(txt: Path, out: Path | None = None) -> Path:
    out = out or txt.with_suffix(".docx")
    document = docx.Document()
    lines = txt.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if not line.startswith("<!-- source:"):
            document.add_paragraph(line)
    document.save(str(out))
    return out


def build_typed(source: Path) -> Path:
    document = docx.Document(str(source))
    normal = document.styles["Normal"]
    for paragraph in document.paragraphs:
        name = paragraph.style.name
        if name in SIZE:
            paragraph.style = normal
            for run in paragraph.runs:
                run.bold = True
                run.font.size = Pt(SIZE[name])
    out = source.with_name(source.stem + ".typed.docx")
    document.save(str(out))
    return out


# Typed headings with one cue, as people type them, in body-size text: outline numbers ("2.", "2.1") at
# every level, or ALL CAPS sections over bold sub-headings. A lone first heading over the rest (the title)
# stays typed large and bold.
VARIANTS = {"numbered": ("srombauts_brag_2024_2025", "twellman_accomplishments",
                         "pragmatic_self_review"),
            "caps": ("srombauts_brag_2024_2025", "twellman_accomplishments",
                     "chuksugo_brag_2025")}
# The Markdown source pasted into Word as it is, one Normal paragraph a line: '## Projects', '- Shipped X'.
PASTED = ("srombauts_brag_2024_2025", "pragmatic_self_review", "mbashas_monthly_brag")


def build_variant(source: Path, variant: str) -> Path:
    document = docx.Document(str(source))
    normal = document.styles["Normal"]
    headings = [p for p in document.paragraphs if p.style.name in SIZE]
    levels = [int(p.style.name[-1]) if p.style.name[-1].isdigit() else 0 for p in headings]
    title = headings[0] if headings and levels.count(levels[0]) == 1 else None
    counters: list[int] = []
    for paragraph, level in zip(headings, levels):
        name = paragraph.style.name
        paragraph.style = normal
        if paragraph is title:
            for run in paragraph.runs:
                run.bold, run.font.size = True, Pt(SIZE[name])
            continue
        depth = sorted(set(levels[1:] if title is not None else levels)).index(level) + 1
        counters = (counters + [0] * depth)[:depth]
        counters[-1] += 1
        if variant == "numbered":
            number = ".".join(map(str, counters)) + ("." if depth == 1 else "")
            paragraph.runs[0].text = f"{number} {paragraph.runs[0].text}" if paragraph.runs else number
        elif depth == 1:
            for run in paragraph.runs:
                run.text = run.text.upper()
        else:  # people who type capitals for sections type their sub-headings another way: bold
            for run in paragraph.runs:
                run.bold = True
    out = source.with_name(f"{source.stem}.{variant}.docx")
    document.save(str(out))
    return out


def main() -> int:
    for txt in sorted(PACKETS.glob("*.txt")):
        build_plain(txt)
    for md in sorted([*PACKETS.glob("*.md"), *PACKETS.glob("*.org")]):
        built = build_docx(md)
        if md.stem in TYPED:
            build_typed(built)
        for variant, names in VARIANTS.items():
            if md.stem in names:
                build_variant(built, variant)
        if md.stem in PASTED:
            build_plain(md, md.with_name(f"{md.stem}.pasted.docx"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
