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
        return (_dumps_indent2(self.review.to_json_dict()) + "\n").encode("utf-8")

    def files(self, stem: str) -> dict[str, bytes]:
        """Output file names (relative) -> content."""
        out = {f"{stem}{ANNOTATED_SUFFIX}": self.annotated, f"{stem}{FINDINGS_SUFFIX}": self.findings_json()}
        for fmt, data in self.feedback.items():
            out[f"{stem}{FEEDBACK_STEM}.{fmt}"] = data
        return out


def _dumps_indent2(obj) -> str:
    """`json.dumps(obj, indent=2, ensure_ascii=False)`, character for character, about three times
    faster: with an indent the standard library uses its pure-Python encoder. Anything but plain
    JSON types goes to json.dumps itself."""
    out: list[str] = []
    try:
        _encode(obj, "\n", out)
    except _NotPlain:
        return json.dumps(obj, indent=2, ensure_ascii=False)
    return "".join(out)


class _NotPlain(Exception):
    pass


_encode_str = json.encoder.encode_basestring  # C version when available, as json.dumps uses
_float_repr = float.__repr__
_int_repr = int.__repr__
_INF = float("inf")


def _encode(o, nl: str, out: list[str]) -> None:
    if isinstance(o, str):
        out.append(_encode_str(o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, int):
        out.append(_int_repr(o))
    elif isinstance(o, float):
        if o != o:
            out.append("NaN")
        elif o == _INF:
            out.append("Infinity")
        elif o == -_INF:
            out.append("-Infinity")
        else:
            out.append(_float_repr(o))
    elif isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        inner = nl + "  "
        sep = "{" + inner
        for k, v in o.items():
            if not isinstance(k, str):
                raise _NotPlain
            out.append(sep)
            out.append(_encode_str(k))
            out.append(": ")
            _encode(v, inner, out)
            sep = "," + inner
        out.append(nl + "}")
    elif isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        inner = nl + "  "
        sep = "[" + inner
        for v in o:
            out.append(sep)
            _encode(v, inner, out)
            sep = "," + inner
        out.append(nl + "]")
    else:
        raise _NotPlain


def review_bytes(data: bytes, source: str, config: Config, previous: Review | None = None) -> ReviewOutputs:
    """One packet, in memory. `source` names the packet in messages (a path or an id)."""
    from analysis import analyze
    from annotate import annotate_document
    from extractors import extract_document, open_checked
    from extractors.container import check_container, packet_deadline
    from render import render_feedback

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
    from deliver.local import write_atomic

    return [write_atomic(Path(out_dir) / name, data) for name, data in outputs.files(stem).items()]
