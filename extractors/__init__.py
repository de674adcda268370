"""Turn a .docx packet into the shared `Packet` model (see promolint.model)."""
from __future__ import annotations

import io
import logging
import re

import docx
from docx.document import Document

from promolint.extractors.blocks import read_blocks
from promolint.extractors.container import ContainerInfo, check_container
from promolint.deadline import check_deadline
from promolint.extractors.sections import alias_matcher, assign_levels, build_sections, extract_claims, mark_reviewed
from promolint.config import Config
from promolint.errors import PacketRejected
from promolint.model import Block, Packet

__all__ = ["extract_document", "extract_packet", "open_checked", "open_document"]

log = logging.getLogger(__name__)

_NAME_LINE = re.compile(
    r"^\s*(?:name|candidate|nominee|employee|engineer|prepared by)\s*[:\-–—]\s*(\S.{0,79}?)\s*$", re.I)
_PLACEHOLDER_AUTHORS = {"", "python-docx", "author", "user", "microsoft office user", "windows user", "admin"}
NAME_LINE_WINDOW = 15


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
            return _document_from_parts(info.parts, info.take_parsed())
        return docx.Document(io.BytesIO(info.package))
    except PacketRejected:
        raise
    except Exception as e:  # python-docx raises many types; none of them should reach the user raw
        log.info("python-docx could not open %s (%s)", source, e.__class__.__name__)
        raise PacketRejected(source, "could not be opened as a Word document", code="unreadable") from None


class _PartsReader:
    """python-docx's physical package reader, over members the gate already unpacked."""

    def __init__(self, parts: dict[str, bytes]):
        self._parts = parts

    def blob_for(self, pack_uri):
        return self._parts[pack_uri.membername]

    @property
    def content_types_xml(self):
        return self._parts["[Content_Types].xml"]

    def rels_xml_for(self, source_uri):
        return self._parts.get(source_uri.rels_uri.membername)

    def close(self):
        pass


def _document_from_parts(parts: dict[str, bytes], trees: dict) -> Document:
    """What `docx.Document(file)` does, reading members from `parts` and reusing parsed `trees`."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.package import Unmarshaller
    from docx.opc.part import PartFactory, XmlPart
    from docx.opc.pkgreader import PackageReader, _ContentTypeMap
    from docx.opc.packuri import PACKAGE_URI
    from docx.package import Package

    phys = _PartsReader(parts)
    content_types = _ContentTypeMap.from_xml(phys.content_types_xml)
    pkg_srels = PackageReader._srels_for(phys, PACKAGE_URI)
    reader = PackageReader(content_types, pkg_srels, PackageReader._load_serialized_parts(phys, pkg_srels, content_types))
    xml_load = XmlPart.load.__func__

    def part_factory(partname, content_type, reltype, blob, package):
        tree = trees.pop(partname.membername, None)
        if tree is not None:
            cls = PartFactory.part_class_selector(content_type, reltype) if PartFactory.part_class_selector else None
            cls = cls or PartFactory._part_cls_for(content_type)
            if getattr(cls.load, "__func__", None) is xml_load:
                return cls(partname, content_type, tree, package)
        return PartFactory(partname, content_type, reltype, blob, package)

    package = Package()
    Unmarshaller.unmarshal(reader, package, part_factory)
    document_part = package.main_document_part
    if document_part.content_type != CT.WML_DOCUMENT_MAIN:
        raise ValueError("not a Word document")
    return document_part.document


def extract_packet(data: bytes, source: str, config: Config) -> Packet:
    return extract_document(open_document(data, source, config), source, config)


def extract_document(document: Document, source: str, config: Config) -> Packet:
    """The Packet of an opened document. Only reads: the document can be annotated afterwards."""
    raw_blocks = read_blocks(document)
    check_deadline()
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


def _title(document: Document, blocks: list[Block]) -> str | None:
    core_props = _core(document)
    core = ((core_props.title if core_props is not None else None) or "").strip()
    if core:
        return core
    headings = [b for b in blocks if b.kind == "heading" and b.text.strip()]
    titled = [b for b in headings if (b.style or "").lower() == "title"]
    first = next(iter(titled or headings), None)
    return first.text.strip() if first else None


def _author(document: Document, blocks: list[Block]) -> str | None:
    core_props = _core(document)
    core = ((core_props.author if core_props is not None else None) or "").strip()
    if core.lower() not in _PLACEHOLDER_AUTHORS:
        return core
    for block in [b for b in blocks if b.text.strip()][:NAME_LINE_WINDOW]:
        m = _NAME_LINE.match(block.text)
        if m:
            return m.group(1)
    return None
