"""The review pipeline as plain functions: extract, analyze, annotate, render, write.

`promolint review` calls these directly (no Prefect); flows/ wrap the same functions as tasks.
Nothing here logs or raises packet text: errors are `PacketRejected` with a one-line reason.
"""
from __future__ import annotations

import orjson
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
        # orjson: same layout as json.dumps(indent=2, ensure_ascii=False), several times faster.
        return orjson.dumps(self.review.to_json_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)

    def files(self, stem: str) -> dict[str, bytes]:
        """Output file names (relative) -> content."""
        out = {f"{stem}{ANNOTATED_SUFFIX}": self.annotated, f"{stem}{FINDINGS_SUFFIX}": self.findings_json()}
        for fmt, data in self.feedback.items():
            out[f"{stem}{FEEDBACK_STEM}.{fmt}"] = data
        return out


def review_bytes(data: bytes, source: str, config: Config, previous: Review | None = None) -> ReviewOutputs:
    """One packet, in memory. `source` names the packet in messages (a path or an id)."""
    from promolint.analysis import analyze
    from promolint.annotate import annotate_document
    from promolint.extractors import extract_document, open_checked
    from promolint.extractors.container import check_container
    from promolint.deadline import packet_deadline
    from promolint.render import render_feedback

    # One time limit for the whole packet (config.limits.timeout_seconds): PacketRejected(code="timeout").
    # In the main thread an alarm interrupts any stage; in worker threads (Prefect) the stages'
    # long loops call check_deadline().
    with packet_deadline(config.limits.timeout_seconds, source):
        # The container gate runs once; the document is opened once from what it unpacked and parsed.
        # Extraction only reads it, so the annotator then writes its comments into the same document.
        document = open_checked(check_container(data, source, config.limits), source)
        packet = extract_document(document, source, config)
        review = analyze(packet, config)
        annotated = annotate_document(document, review, config)
        del document
        feedback = render_feedback(review, config, formats=config.output.formats, previous=previous)
    return ReviewOutputs(review=review, annotated=annotated, feedback=feedback)


def write_outputs(outputs: ReviewOutputs, out_dir: Path, stem: str) -> list[Path]:
    from promolint.deliver.local import write_atomic

    return [write_atomic(Path(out_dir) / name, data) for name, data in outputs.files(stem).items()]
