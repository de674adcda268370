"""The review pipeline: one packet's bytes to its outputs, and one source reference to an outcome.

`review_bytes` is the in-memory core (extract, analyze, annotate, render). `review_ref` is the one
per-packet path every command and flow takes: fetch, review, find the author, write, deliver
back, record; it returns a `PacketResult` whose status is one of `OUTCOMES`, and `exit_code`
turns a run's results into the exit code of the table in the README.

Privacy: a `PacketResult` holds identifiers, statuses, one-line reasons, scores and rule ids.
Nothing here logs or raises packet text: a stage's exception is reported by its class name only.
"""
from __future__ import annotations

import os
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

import orjson
from pydantic import BaseModel

from promolint.config import Config
from promolint.errors import ConfigError, OutputFault, PacketRejected, UnsafeOutput
from promolint.model import SEVERITY_RANK, Review

if TYPE_CHECKING:
    from promolint.flows.ledger import Ledger
    from promolint.sources.base import PacketRef, Skipped, Source

FINDINGS_SUFFIX = ".findings.json"
ANNOTATED_SUFFIX = ".annotated.docx"
FEEDBACK_STEM = ".feedback"

# What can happen to one packet. deferred: it changed while being read; the next pass takes it.
OUTCOMES = ("reviewed", "unchanged", "rejected", "failed", "deferred")

# The exit code of every command: the first row that applies. The README's table is this one.
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_REJECTED, EXIT_FAILED, EXIT_ENVIRONMENT = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell's convention
EXIT_TABLE = (
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C); outputs already written are complete, the rest are redone by the next run"),
    (EXIT_USAGE, "usage error: bad arguments, configuration or source (link, credentials, folder); nothing ran"),
    (EXIT_ENVIRONMENT, "the output folder could not be written (read-only, disk full, permission); one line names the file and the reason, and the run stopped there"),
    (EXIT_FAILED, "a packet failed: internal error, or a service or file-system error that outlasted the retries"),
    (EXIT_REJECTED, "a file was rejected (one line names it and the reason); every other file was still reviewed"),
    (EXIT_FINDINGS, "a finding at or above `--fail-on` (review)"),
    (EXIT_OK, "every packet reviewed or unchanged (findings are not errors; deferred packets wait for the next pass)"),
)

# Rejections that say nothing lasting about the content (the limit may be raised, the machine less
# busy): recorded as transient, so the next run tries again.
TRANSIENT_CODES = frozenset({"timeout"})

# Worth retrying: the file system, the network, a busy ledger, a stage timeout.
TRANSIENT = (OSError, TimeoutError, ConnectionError, sqlite3.OperationalError)


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
    from promolint.deadline import packet_deadline
    from promolint.extractors import extract_document, open_checked
    from promolint.extractors.container import check_container
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


class PacketResult(BaseModel):
    source_id: str
    name: str
    status: str                    # one of OUTCOMES
    reason: str | None = None
    code: str | None = None        # rejected: the reason code; failed: internal | transient | the source's
    stem: str | None = None
    author: str | None = None
    author_dir: str | None = None
    outputs: list[str] = []
    readiness: str | None = None
    claims: int = 0
    weak_claims: int = 0
    scores: dict[str, float] = {}
    rules: dict[str, int] = {}     # rule id -> findings
    worst: int = -1                # highest SEVERITY_RANK among the findings (-1: none)
    progress: dict[str, int] = {}  # resolved / new / remaining vs the previous review
    note: str | None = None        # delivery note, e.g. "not shared: author unknown"
    drive: dict[str, str] = {}     # outputs delivered back to the source: role -> id there
    shared_with: list[str] = []    # who the source shared those outputs with
    error: str | None = None       # failed: the exception's class name (never its message)
    structure: str | None = None   # sections read / skipped and why (counts and reasons, no headings)


def review_ref(source: "Source", ref: "PacketRef", config: Config, out_root: Path, *,
               ledger: "Ledger | None" = None, per_author: bool = False, stem: str | None = None,
               force: bool = False) -> PacketResult:
    """Fetch, review, write, deliver back and record one packet; never raises for a packet's fault.

    With a ledger (batch, watch, flows) an unchanged packet is not reviewed again, the previous
    review feeds the progress section, and the outcome is recorded. Outputs go to `out_root`, or
    `out_root/<author>/` with `per_author`, and back to the source when it delivers beside packets.
    """
    from promolint.deliver.local import claim_stem
    from promolint.deliver.local_authors import LocalAuthorDestination
    from promolint.extractors.authors import resolve_author

    base = dict(source_id=ref.source_id, name=ref.name)
    if ledger is not None and not force and ledger.is_current(ref):
        return result_from_ledger(ledger, ref)
    try:
        data = source.fetch(ref)
        if not source.fetched_current(ref, data):
            return PacketResult(**base, status="deferred", reason="changed while being read")
        previous = ledger.previous_review(ref.source_id) if ledger is not None else None
        outputs = review_bytes(data, ref.source_id, config, previous=previous)
        author = resolve_author(outputs.review.packet.get("author"), ref.name, config.delivery.author_from)
        try:
            stem = stem or (ledger.stem_for(ref) if ledger is not None else claim_stem(out_root, ref.stem, ref.source_id))
            files = outputs.files(stem)
            dest = LocalAuthorDestination(out_root, per_author=per_author)
            delivered = dest.deliver(ref, files, author)
            if ledger is not None:
                ledger.save_review(ref.source_id, outputs.findings_json())
        except OSError as e:
            raise OutputFault.of(e, str(out_root)) from None
        written = sorted(delivered.locations.values())
        back = source.destination(config)
        remote = back.deliver(ref, {k: v for k, v in files.items() if not k.endswith(FINDINGS_SUFFIX)}, author) \
            if back is not None else None
        note = "; ".join(n for n in (delivered.note, remote.note if remote else None) if n) or None
        author_dir = str(dest.folder_for(author).relative_to(out_root)) if per_author else "."
        if ledger is not None:
            old = ledger.get(ref.source_id)
            for stale in set(old.outputs if old else []) - set(written):
                Path(stale).unlink(missing_ok=True)  # e.g. the author's folder changed
            ledger.record(ref, "reviewed", stem=stem, author_dir=author_dir, outputs=written, note=note)
    except PacketRejected as e:
        if ledger is not None:
            ledger.record(ref, "rejected", reason=e.reason,
                          kind="transient" if e.code in TRANSIENT_CODES else "permanent")
        return PacketResult(**base, status="rejected", reason=e.reason, code=e.code)
    except MemoryError:  # the worker's memory cap (promolint.workers): this packet only
        return _memory_result(ref, config, ledger)
    except ConfigError:
        raise  # not this packet's fault: every packet would fail alike, so the caller says it once
    except OutputFault as e:  # not recorded: the ledger sits on the same failing disk
        return PacketResult(**base, status="failed", reason=str(e), code="environment", error=type(e).__name__)
    except UnsafeOutput as e:  # a symlink below --out: refused for this packet, said once
        if ledger is not None:
            ledger.record(ref, "failed", reason=e.reason)
        return PacketResult(**base, status="failed", reason=str(e), code="unsafe-output", error=type(e).__name__)
    except Exception as e:  # a stage bug or a service error must not stop the others, nor leak text
        if out_of_memory(e):  # a library that turned the MemoryError into its own error
            return _memory_result(ref, config, ledger)
        if os.environ.get("PROMOLINT_DEBUG"):
            raise
        service = source.failure_reason(e)
        if service is None and isinstance(e, TRANSIENT):
            reason, code = f"transient error ({type(e).__name__})", "transient"
        else:
            reason, code = service or f"internal error ({type(e).__name__})", "service" if service else "internal"
        if ledger is not None:
            ledger.record(ref, "failed", reason=reason)
        return PacketResult(**base, status="failed", reason=reason, code=code, error=type(e).__name__)
    return PacketResult(**base, status="reviewed", stem=stem, author=author, author_dir=author_dir, outputs=written,
                        note=note, drive=remote.locations if remote else {},
                        shared_with=remote.shared_with if remote else [],
                        progress=progress_counts(previous, outputs.review), **review_facts(outputs.review))


def out_of_memory(e: BaseException | None) -> bool:
    """A MemoryError anywhere in the chain, or libxml2's own allocation failure (lxml raises it as
    a parse error)."""
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, MemoryError) or "Memory allocation failed" in str(getattr(e, "msg", "") or ""):
            return True
        e = e.__cause__ or e.__context__
    return False


# Set in a review worker (promolint.workers): a worker whose review ran out of memory exits at once
# (its heap may still be full, so even writing the ledger could fail) and its pool reports the packet.
on_memory_exhausted: "Callable[[], None] | None" = None


def _memory_result(ref: "PacketRef", config: Config, ledger: "Ledger | None") -> PacketResult:
    if on_memory_exhausted is not None:
        on_memory_exhausted()
    return limit_result(ref, "too-large", memory_reason(config.limits.memory_mb), ledger)


def memory_reason(mb: int) -> str:
    return f"needed more than {mb} MB of memory to review and was stopped"


def limit_result(ref: "PacketRef", code: str, reason: str, ledger: "Ledger | None" = None) -> PacketResult:
    """A packet stopped at a resource limit (time, memory): rejected in this run, recorded as
    transient so the next run tries again (the limit may have been raised)."""
    if ledger is not None:
        ledger.record(ref, "rejected", reason=reason, kind="transient")
    return PacketResult(source_id=ref.source_id, name=ref.name, status="rejected", reason=reason, code=code)


def failed_result(ref: "PacketRef", reason: str, code: str, ledger: "Ledger | None" = None,
                  error: str | None = None) -> PacketResult:
    """A packet whose review could not finish outside the review itself (retries ran out, its
    process died): recorded failed, so the next run tries again."""
    if ledger is not None:
        ledger.record(ref, "failed", reason=reason)
    return PacketResult(source_id=ref.source_id, name=ref.name, status="failed", reason=reason, code=code, error=error)


def skipped_result(item: "Skipped", ledger: "Ledger | None" = None) -> PacketResult:
    """A file the source would not offer: rejected with its reason, or unchanged when the source
    itself records its current version as reviewed (with this ledger's facts when it has them)."""
    from promolint.sources.base import PacketRef

    if not item.already_reviewed:
        return PacketResult(source_id=item.source_id, name=item.name, status="rejected", reason=item.reason,
                            code=item.code)
    e = ledger.get(item.source_id) if ledger is not None else None
    if e is not None and e.status == "reviewed":
        return result_from_ledger(ledger, PacketRef(source_id=item.source_id, name=item.name, version=e.version))
    return PacketResult(source_id=item.source_id, name=item.name, status="unchanged", reason=item.reason,
                        note="reviewed elsewhere (recorded on the source)" if ledger is not None else None)


def result_from_ledger(ledger: "Ledger", ref: "PacketRef") -> PacketResult:
    e = ledger.get(ref.source_id)
    base = dict(source_id=ref.source_id, name=ref.name)
    if e is None:
        return PacketResult(**base, status="failed", reason="not in ledger", code="internal")
    if e.status == "rejected":
        return PacketResult(**base, status="rejected", reason=e.reason, code="rejected")
    prev = ledger.previous_review(ref.source_id)
    facts = review_facts(prev) if prev else {}
    return PacketResult(**base, status="unchanged", stem=e.stem, author_dir=e.author_dir, outputs=e.outputs,
                        note=e.note, **facts)


def review_facts(review: Review) -> dict:
    """Readiness, dimension scores, rule counts and the worst severity: the review facts that leave."""
    s = review.summary or {}
    readiness = s.get("readiness")
    scores = {str(k): float(v["score"]) for k, v in (s.get("dimensions") or {}).items()
              if isinstance(v, dict) and isinstance(v.get("score"), (int, float))}
    findings = [*(f for c in review.claims for f in c.findings), *(f for st in review.stories for f in st.findings),
                *review.packet_findings]
    return {"readiness": str(readiness) if readiness is not None else None, "scores": scores,
            "claims": int(s.get("claims", len(review.claims))), "weak_claims": int(s.get("weak_claims", 0)),
            "rules": dict(Counter(f.rule for f in findings)),
            "worst": max((SEVERITY_RANK[f.severity] for f in findings), default=-1),
            "structure": structure_note(review.packet)}


def structure_note(packet: dict) -> str:
    """'read 3 sections, skipped 2 (goals and plans; instructions)': reasons are config words,
    never headings, so the line carries no packet text."""
    if packet.get("template"):
        return "looks like an unfilled template, nothing reviewed"
    skipped = [s.get("why") for s in packet.get("sections_skipped") or [] if isinstance(s, dict)]
    reasons = sorted({str(w) for w in skipped if w})
    read = len(packet.get("sections_reviewed") or [])
    note = f"read {read} section{'s' if read != 1 else ''}"
    if skipped:
        note += f", skipped {len(skipped)} ({'; '.join(reasons)})"  # reasons may hold commas
    return note + (", no 'What You Did' heading" if packet.get("what_you_did_found") is False else "")


def _finding_keys(review: Review) -> set[tuple]:
    """Finding identity across revisions: rule plus where (section, claim text hash)."""
    from promolint.sources.local import content_hash

    keys = {(f.rule, c.section, content_hash(c.text.encode())) for c in review.claims for f in c.findings}
    keys |= {(f.rule, "story", st.title) for st in review.stories for f in st.findings}
    keys |= {(f.rule, "packet", "") for f in review.packet_findings}
    return keys


def progress_counts(previous: Review | None, current: Review) -> dict[str, int]:
    if previous is None:
        return {}
    old, new = _finding_keys(previous), _finding_keys(current)
    return {"resolved": len(old - new), "new": len(new - old), "remaining": len(old & new)}


def exit_code(outcomes: Mapping[str, int], findings: bool = False, environment: bool = False) -> int:
    """The README's exit-code table over a run's outcome counts (status -> packets); `findings`:
    some reviewed packet has a finding at or above --fail-on; `environment`: an OutputFault."""
    if environment:
        return EXIT_ENVIRONMENT
    if outcomes.get("failed"):
        return EXIT_FAILED
    if outcomes.get("rejected"):
        return EXIT_REJECTED
    return EXIT_FINDINGS if findings else EXIT_OK
