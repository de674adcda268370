"""Turn a .docx packet into the shared `Packet` model (see promolint.model)."""
from __future__ import annotations

import logging

from docx.document import Document

from promolint.extractors.authors import document_author
from promolint.extractors.blocks import read_blocks
from promolint.extractors.container import ContainerInfo, check_container
from promolint.deadline import check_deadline
from promolint.extractors.sections import HeadingMatcher, assign_levels, build_sections, extract_claims, mark_reviewed
from promolint.extractors.templates import find_placeholders, looks_like_template
from promolint.config import Config
from promolint.errors import PacketRejected
from promolint.model import Block, Packet
from promolint.ooxml import document_from_parts, open_docx

__all__ = ["extract_document", "extract_packet", "open_checked", "open_document"]

log = logging.getLogger(__name__)



def open_document(data: bytes, source: str, config: Config) -> Document:
    """Checked python-docx Document; Strict/.docm files open as the container's normalised copy."""
    return open_checked(check_container(data, source, config.limits), source)


def open_checked(info: ContainerInfo, source: str) -> Document:
    """The python-docx Document of a package that passed `check_container`.

    The gate has already unzipped the package and parsed the parts python-docx parses (with
    python-docx's own parser); those trees are used as they are, so nothing is unzipped or
    parsed twice. A normalised copy (Strict, .docm) is opened from its bytes.
    """
    try:
        if info.parts and info.package is not None:
            return document_from_parts(info.parts, info.take_parsed(), info.package)
        return open_docx(info.package)
    except PacketRejected:
        raise
    except Exception as e:  # python-docx raises many types; none of them should reach the user raw
        log.info("python-docx could not open %s (%s)", source, e.__class__.__name__)
        raise PacketRejected(source, "could not be opened as a Word document", code="unreadable") from None


def extract_packet(data: bytes, source: str, config: Config) -> Packet:
    return extract_document(open_document(data, source, config), source, config)


def extract_document(document: Document, source: str, config: Config) -> Packet:
    """The Packet of an opened document. Only reads: the document can be annotated afterwards."""
    raw_blocks = read_blocks(document)
    check_deadline()
    _check_size(raw_blocks, source, config)
    match = HeadingMatcher(config.sections)
    blocks = assign_levels(raw_blocks, match)
    sections = build_sections(blocks, {r.block.index for r in raw_blocks if r.header_cell})
    template = looks_like_template(blocks, config.sections)
    links = {r.block.index for r in raw_blocks if r.link_only}
    owners, found, timeline = mark_reviewed(sections, match, links)
    if template:  # instructions and placeholders: nothing to review, the packet finding says why
        owners = {}
        for section in sections:
            section.reviewed, section.skip_reason = False, "unfilled template"
    claims = extract_claims(sections, owners, links, {r.block.index for r in raw_blocks if r.lead_bold})
    placeholders = find_placeholders(sections, owners, config.sections)
    held = {(p.paragraph, p.offset) for p in placeholders}
    return Packet(
        source=source,
        title=_title(document, blocks, sections),
        author=_author(document, blocks, config),
        sections=sections,
        claims=[c for c in claims if (c.paragraph, c.offset) not in held],
        what_you_did_found=found is not None,
        what_you_did_match=found,
        template=template,
        placeholders=placeholders,
        timeline=timeline,
    )


def _check_size(raw_blocks, source: str, config: Config) -> None:
    if len(raw_blocks) > config.limits.max_paragraphs:
        raise PacketRejected(source, f"is too long to review (more than {config.limits.max_paragraphs:,} paragraphs)",
                             code="too-long")
    if sum(len(r.block.text) for r in raw_blocks) > config.limits.max_chars:
        raise PacketRejected(source, f"is too long to review (more than {config.limits.max_chars:,} characters)",
                             code="too-long")


def _core(document: Document):
    """The core properties if the package has them; never adds a default part (extraction only reads)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        return document.part.package.part_related_by(RT.CORE_PROPERTIES).core_properties
    except (KeyError, ValueError, AttributeError):
        return None


def _title(document: Document, blocks: list[Block], sections) -> str | None:
    """Core title, else a Title-style heading, else the heading read as the document's title; a
    document whose first heading is a section ("Prior Work in 2021") has no title of its own."""
    core_props = _core(document)
    core = ((core_props.title if core_props is not None else None) or "").strip()
    if core:
        return core
    titled = [b for b in blocks if b.kind == "heading" and b.text.strip() and (b.style or "").lower() == "title"]
    if titled:
        return titled[0].text.strip()
    first = next((s for s in sections if s.heading_index is not None), None)
    return first.title if first is not None and first.skip_reason == "document title" else None


def _author(document: Document, blocks: list[Block], config: Config) -> str | None:
    core_props = _core(document)
    return document_author(core_props.author if core_props is not None else None,
                           (b.text for b in blocks), config.delivery.author_from)
