"""Turn a .docx packet into the shared `Packet` model (see promolint.model)."""
from __future__ import annotations

import io
import logging
import re

import docx
from docx.document import Document

from extractors.blocks import read_blocks
from extractors.container import check_container
from extractors.sections import alias_matcher, assign_levels, build_sections, extract_claims, mark_reviewed
from promolint.config import Config
from promolint.errors import PacketRejected
from promolint.model import Block, Packet

__all__ = ["extract_packet", "open_document"]

log = logging.getLogger(__name__)

_NAME_LINE = re.compile(
    r"^\s*(?:name|candidate|nominee|employee|engineer|prepared by)\s*[:\-–—]\s*(\S.{0,79}?)\s*$", re.I)
_PLACEHOLDER_AUTHORS = {"", "python-docx", "author", "user", "microsoft office user", "windows user", "admin"}
NAME_LINE_WINDOW = 15


def open_document(data: bytes, source: str, config: Config) -> Document:
    """Checked python-docx Document; Strict/.docm files open as the container's normalised copy."""
    info = check_container(data, source, config.limits)
    package = getattr(info, "package", None) or data
    try:
        return docx.Document(io.BytesIO(package))
    except Exception as e:  # python-docx raises many types; none of them should reach the user raw
        log.info("python-docx could not open %s (%s)", source, e.__class__.__name__)
        raise PacketRejected(source, "could not be opened as a Word document", code="unreadable") from None


def extract_packet(data: bytes, source: str, config: Config) -> Packet:
    document = open_document(data, source, config)
    raw_blocks = read_blocks(document)
    _check_size(raw_blocks, source, config)
    is_alias = alias_matcher(config.sections.what_you_did_aliases)
    blocks = assign_levels(raw_blocks, is_alias)
    sections = build_sections(blocks)
    owners = mark_reviewed(sections, is_alias)
    found = any(sections[i].heading_index is not None and is_alias(sections[i].title) for i in owners)
    return Packet(
        source=source,
        title=_title(document, blocks),
        author=_author(document, blocks),
        sections=sections,
        claims=extract_claims(sections, owners),
        what_you_did_found=found,
    )


def _check_size(raw_blocks, source: str, config: Config) -> None:
    if len(raw_blocks) > config.limits.max_paragraphs:
        raise PacketRejected(source, "too many paragraphs to review", code="too_large")
    if sum(len(r.block.text) for r in raw_blocks) > config.limits.max_chars:
        raise PacketRejected(source, "too much text to review", code="too_large")


def _title(document: Document, blocks: list[Block]) -> str | None:
    core = (document.core_properties.title or "").strip()
    if core:
        return core
    headings = [b for b in blocks if b.kind == "heading" and b.text.strip()]
    titled = [b for b in headings if (b.style or "").lower() == "title"]
    first = next(iter(titled or headings), None)
    return first.text.strip() if first else None


def _author(document: Document, blocks: list[Block]) -> str | None:
    core = (document.core_properties.author or "").strip()
    if core.lower() not in _PLACEHOLDER_AUTHORS:
        return core
    for block in [b for b in blocks if b.text.strip()][:NAME_LINE_WINDOW]:
        m = _NAME_LINE.match(block.text)
        if m:
            return m.group(1)
    return None
