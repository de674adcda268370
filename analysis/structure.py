"""Findings about a packet's shape (from the extractor's reading): unfilled template, placeholders."""
from __future__ import annotations

from promolint.extractors.templates import placeholder_pattern
from promolint.model import ClaimReview, Finding


def structure_findings(packet, config) -> list[Finding]:
    """Packet findings about the document's shape: an unfilled template, left-over placeholders."""
    msg = config.sections.messages
    out = []
    if packet.template:
        out.append(Finding(rule="unfilled-template", category="structure", severity="warning",
                           message=msg["template"], suggestion=msg["template_fix"]))
    if packet.placeholders:
        out.append(Finding(rule="placeholder", category="structure", severity="warning",
                           message=msg["placeholders"].format(count=len(packet.placeholders)),
                           suggestion=msg["placeholder_fix"]))
    return out


def placeholder_reviews(packet, config) -> list[ClaimReview]:
    """Each sentence holding a placeholder, with one finding anchored on the placeholder itself."""
    placeholder = placeholder_pattern(tuple(config.sections.placeholders))
    msg = config.sections.messages
    out = []
    for p in packet.placeholders:
        m = placeholder.search(p.text)
        out.append(ClaimReview(
            id=p.id, section=p.section, subsection=p.subsection, paragraph=p.paragraph, offset=p.offset,
            text=p.text, layer="execution",
            findings=[Finding(rule="placeholder", category="structure", severity="warning",
                              message=msg["placeholder"], suggestion=msg["placeholder_fix"],
                              start=m.start() if m else None, end=m.end() if m else None)]))
    return out
