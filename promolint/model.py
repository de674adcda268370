"""The typed packet and review model every stage shares.

Extractors produce a `Packet`; analysis turns it into a `Review`; annotation, rendering and
delivery read only these. Offsets are in characters of Python strings.
"""
from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field

Severity = Literal["error", "warning", "info"]
Layer = Literal["execution", "process", "outcome"]
BlockKind = Literal["paragraph", "list_item", "table_cell", "heading"]

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
# The vocabulary every stage shares: Impact Pyramid layers, bottom up, and a story's parts, in order.
LAYERS: tuple[str, ...] = get_args(Layer)
STORY_PARTS: tuple[str, ...] = ("situation", "complication", "decision", "outcome")


class Block(BaseModel):
    """A paragraph-like unit of visible text (tracked changes accepted)."""

    index: int = Field(description="Ordinal of the w:p in the main document part, in document order; the annotator's locator")
    kind: BlockKind
    text: str
    style: str | None = None
    level: int | None = Field(None, description="Heading level for headings and pseudo-headings")


class Section(BaseModel):
    title: str
    level: int
    heading_index: int | None = Field(None, description="Block index of the heading; None for text before the first heading")
    blocks: list[Block] = []
    reviewed: bool = False
    skip_reason: str | None = Field(None, description="Why a section holding text was not reviewed (config sections.skip)")


class Claim(BaseModel):
    """One sentence of a reviewed section: the unit the committee reads."""

    id: str
    section: str
    subsection: str | None = None
    paragraph: int = Field(description="Block index (see Block.index)")
    offset: int = Field(description="Start of this sentence inside the block text")
    text: str
    kind: BlockKind = "paragraph"


class Packet(BaseModel):
    source: str = Field(description="Reference to the input (path or Drive id), never its content")
    title: str | None = None
    author: str | None = None
    sections: list[Section] = []
    claims: list[Claim] = []
    what_you_did_found: bool = Field(True, description="False when no alias matched and the whole body was reviewed")
    what_you_did_match: dict | None = Field(None, description="{heading, alias, score} of the chosen What You Did heading")
    template: bool = Field(False, description="Mostly instructions and placeholders: nothing to review")
    placeholders: list[Claim] = Field([], description="Left-over placeholders ('[Project]', 'X%', 'TBD'), anchored like claims")
    timeline: bool = Field(False, description="Date headings (years, quarters, months, weeks): reviewed whole as a timeline")

    @property
    def sections_reviewed(self) -> list[str]:
        return [s.title for s in self.sections if s.reviewed]

    @property
    def sections_skipped(self) -> list[dict]:
        return [{"title": s.title, "why": s.skip_reason} for s in self.sections if s.skip_reason]


class Finding(BaseModel):
    rule: str
    category: str
    severity: Severity
    message: str
    suggestion: str = ""
    start: int | None = None
    end: int | None = None


class ClaimReview(BaseModel):
    id: str
    section: str
    subsection: str | None = None
    paragraph: int
    offset: int
    text: str
    layer: Layer
    signals: list[str] = []
    findings: list[Finding] = []

    @property
    def weak(self) -> bool:
        return any(f.severity in ("warning", "error") for f in self.findings)


class Story(BaseModel):
    id: str
    title: str
    claim_ids: list[str]
    parts: dict[str, bool] = Field(default_factory=dict, description="STORY_PARTS -> present")
    findings: list[Finding] = []
    question: str | None = None
    rewrite: str | None = None
    strengths: list[str] = []


class Review(BaseModel):
    """The findings document (schema promolint.findings/1)."""

    schema_: str = Field("promolint.findings/1", alias="schema")
    packet: dict
    claims: list[ClaimReview] = []
    stories: list[Story] = []
    packet_findings: list[Finding] = []
    summary: dict = {}

    model_config = {"populate_by_name": True}

    def to_json_dict(self) -> dict:
        return self.model_dump(by_alias=True, mode="json")
