"""The review pipeline as plain functions: extract, analyze, annotate, render, write.

`promolint review` calls these directly (no Prefect); flows/ wrap the same functions as tasks.
Nothing here logs or raises packet text: errors are `PacketRejected` with a one-line reason.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from promolint.config import Config
from promolint.model import Review

FINDINGS_SUFFIX = ".findings.json"
ANNOTATED_SUFFIX = ".annotated.docx"
FEEDBACK_STEM = ".feedback"


@dataclass
class ReviewOutputs:
    """Everything one review produces, in memory, before it is written anywhere."""

    review: Review
    annotated: bytes
    feedback: dict[str, bytes] = field(default_factory=dict)  # format -> bytes ("docx", "md", "html")

    def findings_json(self) -> bytes:
        return (json.dumps(self.review.to_json_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    def files(self, stem: str) -> dict[str, bytes]:
        """Output file names (relative) -> content."""
        out = {f"{stem}{ANNOTATED_SUFFIX}": self.annotated, f"{stem}{FINDINGS_SUFFIX}": self.findings_json()}
        for fmt, data in self.feedback.items():
            out[f"{stem}{FEEDBACK_STEM}.{fmt}"] = data
        return out


def review_bytes(data: bytes, source: str, config: Config, previous: Review | None = None) -> ReviewOutputs:
    """One packet, in memory. `source` names the packet in messages (a path or an id)."""
    from analysis import analyze
    from annotate import annotate
    from extractors import extract_packet
    from render import render_feedback

    packet = extract_packet(data, source, config)
    review = analyze(packet, config)
    annotated = annotate(data, review, config)
    feedback = render_feedback(review, config, formats=config.output.formats, previous=previous)
    return ReviewOutputs(review=review, annotated=annotated, feedback=feedback)


def write_outputs(outputs: ReviewOutputs, out_dir: Path, stem: str) -> list[Path]:
    from deliver.local import write_atomic

    return [write_atomic(Path(out_dir) / name, data) for name, data in outputs.files(stem).items()]
