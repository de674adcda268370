"""Build packets without a .docx: from bare sentences (quality bench) or packet YAML (labelled data).

Packet YAML: {title, author, sections: [{title, reviewed, paragraphs: [..]} | {title, reviewed,
stories: [{heading, paragraphs: [..], expect: {...}}]}], expected: {...}}.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from promolint.model import Block, Claim, Packet, Section

WHAT_YOU_DID = "What You Did"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; a simple splitter, enough for labelled data."""
    out, pos = [], 0
    for part in _SENT.split(text):
        start = text.index(part, pos)
        out.append((start, part))
        pos = start + len(part)
    return out


def packet_from_sentences(sentences: list[str], source: str = "sentences") -> Packet:
    """One claim per sentence, each its own paragraph, in a reviewed "What You Did" section."""
    claims = [
        Claim(id=f"c{i + 1}", section=WHAT_YOU_DID, paragraph=i + 1, offset=0, text=s)
        for i, s in enumerate(sentences)
    ]
    blocks = [Block(index=i + 1, kind="paragraph", text=s) for i, s in enumerate(sentences)]
    return Packet(source=source, sections=[Section(title=WHAT_YOU_DID, level=1, heading_index=0, blocks=blocks, reviewed=True)], claims=claims)


def packet_from_yaml(path: str | Path) -> tuple[Packet, dict]:
    """The packet and its `expected` readings (plus per-story `expect`, keyed by heading)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    sections, claims = [], []
    index = 0
    story_expect: dict[str, dict] = {}
    for sec in data["sections"]:
        index += 1
        section = Section(title=sec["title"], level=1, heading_index=index, reviewed=bool(sec.get("reviewed", False)))
        groups = [(None, sec.get("paragraphs", []))] + [(s["heading"], s["paragraphs"]) for s in sec.get("stories", [])]
        for st in sec.get("stories", []):
            story_expect[st["heading"]] = st.get("expect", {})
        for heading, paragraphs in groups:
            if heading:
                index += 1
                section.blocks.append(Block(index=index, kind="heading", text=heading, level=2))
            for para in paragraphs:
                index += 1
                section.blocks.append(Block(index=index, kind="paragraph", text=para))
                if section.reviewed:
                    for off, sent in split_sentences(para):
                        claims.append(Claim(id=f"c{len(claims) + 1}", section=section.title, subsection=heading,
                                            paragraph=index, offset=off, text=sent))
        sections.append(section)
    packet = Packet(source=str(Path(path).name), title=data.get("title"), author=data.get("author"),
                    sections=sections, claims=claims)
    expected = dict(data.get("expected") or {})
    expected["stories"] = story_expect
    return packet, expected
