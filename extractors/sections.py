"""Blocks into sections, the "What You Did" sections found, and their sentences as claims."""
from __future__ import annotations

import re
from collections.abc import Callable

from promolint.extractors.blocks import RawBlock, pseudo_heading_kind
from promolint.deadline import check_deadline
from promolint.extractors.sentences import split_sentences
from promolint.model import Block, Claim, Section

_NOT_WORD = re.compile(r"[\W_]+")
_LEADING_NUMBER = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*|[IVXLC]{1,5}|[A-Za-z])[.)]\s+")
_PARENTHETICAL = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*$")
_HAS_WORD = re.compile(r"\w")


def normalize_title(text: str) -> str:
    """Case, punctuation, list numbers and a trailing '(H1 2024)' do not matter."""
    text = _PARENTHETICAL.sub("", _LEADING_NUMBER.sub("", text))
    return _NOT_WORD.sub(" ", text.replace("’", "").replace("'", "")).strip().lower()


def alias_matcher(aliases: list[str]) -> Callable[[str], bool]:
    wanted = {normalize_title(a) for a in aliases}
    return lambda title: normalize_title(title) in wanted


def assign_levels(raw_blocks: list[RawBlock], is_alias: Callable[[str], bool]) -> list[Block]:
    """Pseudo-headings nest below the last real heading, in the order their looks first appear."""
    base, looks, blocks = 0, {}, []
    for raw in raw_blocks:
        block = raw.block
        if raw.real_heading:
            base = block.level or 0
        else:
            look = pseudo_heading_kind(raw, is_alias)
            if look is not None:
                rank = looks.setdefault(look, len(looks) + 1)
                block = block.model_copy(update={"kind": "heading", "level": base + rank})
        blocks.append(block)
    return blocks


def build_sections(blocks: list[Block]) -> list[Section]:
    sections = [Section(title="", level=0)]
    for block in blocks:
        if block.kind == "heading":
            sections.append(Section(title=heading_title(block.text), level=block.level or 0,
                                    heading_index=block.index))
        elif block.text.strip():
            sections[-1].blocks.append(block)
    return sections if sections[0].blocks else sections[1:]


def heading_title(text: str) -> str:
    return text.strip().rstrip(":").strip()


def mark_reviewed(sections: list[Section], is_alias: Callable[[str], bool]) -> dict[int, tuple[str, str | None]]:
    """Section position -> (claim section, claim subsection) for every reviewed section.

    A matching section is reviewed with every deeper section after it. With no match the whole
    body is reviewed and the mapping covers every section under its own title.
    """
    owners: dict[int, tuple[str, str | None]] = {}
    for i, section in enumerate(sections):
        if i in owners or section.heading_index is None or not is_alias(section.title):
            continue
        owners[i] = (section.title, None)
        for j in range(i + 1, len(sections)):
            if sections[j].level <= section.level:
                break
            owners.setdefault(j, (section.title, sections[j].title))
    if not owners:
        owners = {i: (s.title, None) for i, s in enumerate(sections)}
    for i in owners:
        sections[i].reviewed = True
    return owners


def extract_claims(sections: list[Section], owners: dict[int, tuple[str, str | None]]) -> list[Claim]:
    claims: list[Claim] = []
    seen = 0
    for i in sorted(owners):
        section, subsection = owners[i]
        for block in sections[i].blocks:
            seen += 1
            if not seen & 255:
                check_deadline()
            for start, end in split_sentences(block.text):
                text = block.text[start:end]
                if _HAS_WORD.search(text):
                    claims.append(Claim(id=f"c{len(claims) + 1}", section=section, subsection=subsection,
                                        paragraph=block.index, offset=start, text=text, kind=block.kind))
    return claims
