"""The per-packet and per-cycle work as plain functions; flows.py only wraps them in Prefect.

Privacy: what leaves `process_packet` (a `PacketResult`) holds identifiers, statuses, one-line
reasons, scores and rule ids. Exceptions raised from here carry an error class name, never a
message, since a stage's message could quote the packet.
"""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from pydantic import BaseModel

from promolint.deliver.base import Delivered
from promolint.deliver.local import write_atomic
from promolint.deliver.local_authors import LocalAuthorDestination, resolve_author
from promolint.flows.ledger import LEDGER_DIR, Ledger
from promolint.config import Config, load_config
from promolint.errors import PacketRejected
from promolint.model import Review
from promolint.sources import PacketRef, Skipped, open_source
from promolint.sources.local import content_hash

# Worth retrying: the file system, the network (Drive), a busy ledger, a stage timeout.
TRANSIENT = (OSError, TimeoutError, ConnectionError, sqlite3.OperationalError)


class TransientFailure(Exception):
    """Raised so Prefect retries; the message is only the original error's class name."""


class PacketResult(BaseModel):
    source_id: str
    name: str
    status: str                    # reviewed | unchanged | rejected | failed | deferred | skipped
    reason: str | None = None
    code: str | None = None
    stem: str | None = None
    author_dir: str | None = None
    outputs: list[str] = []
    readiness: str | None = None
    scores: dict[str, float] = {}
    rules: dict[str, int] = {}     # rule id -> findings
    progress: dict[str, int] = {}  # resolved / new / remaining vs the previous review
    note: str | None = None        # delivery note, e.g. "not shared: author unknown"
    drive: dict[str, str] = {}     # Drive outputs: role -> file id (Drive sources only)


@lru_cache(maxsize=8)
def cached_config(config_path: str | None) -> Config:
    return load_config(config_path or None)


@lru_cache(maxsize=8)
def cached_source(spec: str, config_path: str | None = None):
    """One source per (spec, config) and process, so a Drive source's client and metadata are reused."""
    return open_source(spec, cached_config(config_path))


def is_drive_ref(ref: PacketRef) -> bool:
    return ref.kind.startswith("gdrive")


def deliver_back(source, ref: PacketRef, files: dict[str, bytes], author: str | None, config: Config) -> Delivered | None:
    """Return the outputs to where the packet came from, when that is Google Drive (None otherwise).

    The one place Drive delivery happens: used by the flows (`process_packet`) and `promolint review`.
    The findings JSON stays local; the destination uploads the annotated copy and the feedback.
    """
    if not is_drive_ref(ref):
        return None
    from promolint.deliver.gdrive import GDriveDestination

    dest = getattr(source, "_promolint_destination", None)
    if dest is None:
        dest = GDriveDestination.for_source(source, config)
        source._promolint_destination = dest
    return dest.deliver(ref, {k: v for k, v in files.items() if not k.endswith(".json")}, author)


def drive_failure(e: BaseException) -> str | None:
    """A one-line reason for a Drive error that survived the client's retries (status only)."""
    if type(e).__module__.startswith("googleapiclient"):
        return f"Drive error (HTTP {getattr(getattr(e, 'resp', None), 'status', '?')})"
    if type(e).__name__ == "DriveAuthError":
        return "Drive credentials rejected"
    return None


def review_facts(review: Review) -> dict:
    """Readiness, dimension scores and rule counts: the only review facts that leave a task."""
    s = review.summary or {}
    readiness = s.get("readiness")
    if isinstance(readiness, dict):
        readiness = readiness.get("level") or readiness.get("label") or readiness.get("verdict")
    scores: dict[str, float] = {}
    raw = s.get("scores") or s.get("dimensions") or {}
    if isinstance(raw, dict):
        for k, v in raw.items():
            v = v.get("score") if isinstance(v, dict) else v
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                scores[str(k)] = float(v)
    elif isinstance(raw, list):
        for d in raw:
            if isinstance(d, dict) and isinstance(d.get("score"), (int, float)):
                scores[str(d.get("name") or d.get("id") or d.get("dimension"))] = float(d["score"])
    return {"readiness": str(readiness) if readiness is not None else None, "scores": scores,
            "rules": dict(Counter(rule_keys(review)))}


def rule_keys(review: Review) -> list[str]:
    out = [f.rule for c in review.claims for f in c.findings]
    out += [f.rule for st in review.stories for f in st.findings]
    out += [f.rule for f in review.packet_findings]
    return out


def _finding_keys(review: Review) -> set[tuple]:
    """Finding identity across revisions: rule plus where (section, claim text hash)."""
    keys = {(f.rule, c.section, content_hash(c.text.encode())) for c in review.claims for f in c.findings}
    keys |= {(f.rule, "story", st.title) for st in review.stories for f in st.findings}
    keys |= {(f.rule, "packet", "") for f in review.packet_findings}
    return keys


def progress_counts(previous: Review | None, current: Review) -> dict[str, int]:
    if previous is None:
        return {}
    old, new = _finding_keys(previous), _finding_keys(current)
    return {"resolved": len(old - new), "new": len(new - old), "remaining": len(old & new)}


def process_packet(source, ref: PacketRef, out_root: Path, config: Config, ledger: Ledger | None = None,
                   force: bool = False) -> PacketResult:
    """Fetch, review, deliver and record one packet. Idempotent per (source id, version)."""
    from promolint.pipeline import review_bytes

    ledger = ledger or Ledger(out_root)
    base = dict(source_id=ref.source_id, name=ref.name)
    if not force and ledger.is_current(ref):
        return result_from_ledger(ledger, ref)
    try:
        data = source.fetch(ref)
        if ref.kind == "local" and content_hash(data) != ref.version:
            # Changed between listing and reading (still being written): next run takes it.
            return PacketResult(**base, status="deferred", reason="changed while being read")
        previous = ledger.previous_review(ref.source_id)
        outputs = review_bytes(data, ref.source_id, config, previous=previous)
        author = resolve_author(data, ref, config.delivery.author_from)
        stem = ledger.stem_for(ref)
        files = outputs.files(stem)
        dest = LocalAuthorDestination(out_root, per_author=config.delivery.per_author_folders)
        delivered = dest.deliver(ref, files, author)
        written = sorted(delivered.locations.values())
        remote = deliver_back(source, ref, files, author, config)
        note = "; ".join(n for n in (delivered.note, remote.note if remote else None) if n) or None
        old = ledger.get(ref.source_id)
        for stale in set(old.outputs if old else []) - set(written):
            Path(stale).unlink(missing_ok=True)  # e.g. the author's folder changed
        ledger.save_review(ref.source_id, outputs.findings_json())
        author_dir = str(dest.folder_for(author).relative_to(out_root)) if dest.per_author else "."
        ledger.record(ref, "reviewed", stem=stem, author_dir=author_dir, outputs=written, note=note)
    except PacketRejected as e:
        ledger.record(ref, "rejected", reason=e.reason)
        return PacketResult(**base, status="rejected", reason=e.reason, code=e.code)
    except TRANSIENT as e:
        raise TransientFailure(type(e).__name__) from None
    except Exception as e:  # a stage bug must not fail the batch, nor leak text via its message
        reason = drive_failure(e) or f"internal error ({type(e).__name__})"
        ledger.record(ref, "failed", reason=reason)
        return PacketResult(**base, status="failed", reason=reason, code="drive" if reason.startswith("Drive") else "internal")
    return PacketResult(**base, status="reviewed", stem=stem, author_dir=author_dir, outputs=written, note=note,
                        drive=remote.locations if remote else {},
                        progress=progress_counts(previous, outputs.review), **review_facts(outputs.review))


def result_from_ledger(ledger: Ledger, ref: PacketRef) -> PacketResult:
    e = ledger.get(ref.source_id)
    base = dict(source_id=ref.source_id, name=ref.name)
    if e is None:
        return PacketResult(**base, status="failed", reason="not in ledger")
    if e.status == "rejected":
        return PacketResult(**base, status="rejected", reason=e.reason, code="rejected")
    prev = ledger.previous_review(ref.source_id)
    facts = review_facts(prev) if prev else {}
    return PacketResult(**base, status="unchanged", stem=e.stem, author_dir=e.author_dir, outputs=e.outputs,
                        note=e.note, **facts)


def already_reviewed_on_drive(item: Skipped) -> bool:
    """A Drive packet whose markers say its current content was reviewed (by any worker)."""
    gdrive = sys.modules.get("promolint.sources.gdrive")  # only Drive sources produce it, and they import it
    return gdrive is not None and item.reason == gdrive.ALREADY_REVIEWED


def skipped_results(skipped: list[Skipped], ledger: Ledger) -> list[PacketResult]:
    """Skipped files; packets already reviewed on Drive count as unchanged (with this ledger's facts)."""
    out = []
    for s in skipped:
        if already_reviewed_on_drive(s):
            e = ledger.get(s.source_id)
            if e is not None and e.status == "reviewed":
                out.append(result_from_ledger(ledger, PacketRef(source_id=s.source_id, name=s.name, version=e.version)))
            else:  # reviewed by another worker (another --out): nothing to report but its status
                out.append(PacketResult(source_id=s.source_id, name=s.name, status="unchanged",
                                        note="reviewed elsewhere (recorded on Drive)"))
        else:
            out.append(PacketResult(source_id=s.source_id, name=s.name, status="skipped", reason=s.reason))
    return out


DRIVE_STATE = "gdrive-state.json"


def load_watch_state(out_root: Path) -> dict | None:
    """The Drive watcher's saved position (folder, change-feed token, packets to retry); None at first."""
    p = Path(out_root) / LEDGER_DIR / DRIVE_STATE
    try:
        state = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def save_watch_state(out_root: Path, state: dict) -> None:
    write_atomic(Path(out_root) / LEDGER_DIR / DRIVE_STATE, json.dumps(state, sort_keys=True).encode())


def drive_changes(source, out_root: Path) -> tuple[list[PacketRef], list[Skipped], dict]:
    """A Drive watcher pass: what changed since the saved state, plus last pass's packets to retry.

    Returns (refs, skipped, new_state); the caller saves new_state (with `retry` filled in) only
    after the pass has finished, so a crashed pass is read again.
    """
    state = load_watch_state(out_root)
    retry = [PacketRef.model_validate(r) for r in (state or {}).get("retry", [])]
    items, new_state = source.changed_since(state)
    new_state.pop("retry", None)
    refs = {i.source_id: i for i in items if isinstance(i, PacketRef)}
    skipped = [i for i in items if isinstance(i, Skipped)]
    seen = set(refs) | {s.source_id for s in skipped}
    for r in retry:  # failed or deferred last time; a newer change (above) wins
        if r.source_id not in seen:
            refs[r.source_id] = r
    return list(refs.values()), skipped, new_state


def record_failure(out_root: Path, ref: PacketRef, exc: BaseException | None) -> PacketResult:
    """A packet whose retries ran out: quarantined for this run, retried next run."""
    reason = f"failed after retries ({exc})" if isinstance(exc, TransientFailure) else "failed after retries"
    Ledger(out_root).record(ref, "failed", reason=reason)
    return PacketResult(source_id=ref.source_id, name=ref.name, status="failed", reason=reason, code="transient")


def list_source(source) -> tuple[list[PacketRef], list[Skipped]]:
    refs, skipped = [], []
    for item in source.list():
        (skipped if isinstance(item, Skipped) else refs).append(item)
    return refs, skipped


def pending(refs: Iterable[PacketRef], ledger: Ledger) -> list[PacketRef]:
    """New or changed since the last run."""
    return [r for r in refs if not ledger.is_current(r)]


def stable(refs: list[PacketRef], settle_seconds: float) -> tuple[list[PacketRef], list[PacketRef]]:
    """(stable, still-changing) local files: size and mtime unchanged across `settle_seconds`.

    One wait covers all candidates; files already untouched for that long need no wait. Non-local
    refs (Drive) are complete once listed.
    """
    def stat(r: PacketRef):
        try:
            s = os.stat(r.source_id)
            return (s.st_size, s.st_mtime_ns)
        except OSError:
            return None

    local = [r for r in refs if r.kind == "local"]
    first = {r.source_id: stat(r) for r in local}
    now_ns = time.time_ns()
    young = [r for r in local if first[r.source_id] is None or now_ns - first[r.source_id][1] < settle_seconds * 1e9]
    if young:
        time.sleep(settle_seconds)
    moving = {r.source_id for r in young if first[r.source_id] is None or stat(r) != first[r.source_id]}
    return [r for r in refs if r.source_id not in moving], [r for r in refs if r.source_id in moving]


def clean_partial_writes(out_root: Path) -> int:
    """Temp files left by a killed run (write_atomic's `.name.*.part`); the next run redoes them."""
    n = 0
    for p in Path(out_root).rglob(".*.part"):
        p.unlink(missing_ok=True)
        n += 1
    return n
