"""What the flows need around the one per-packet path (promolint.pipeline.review_ref).

flows.py only wraps these in Prefect. Exceptions raised from here carry an error class name,
never a message, since a stage's message could quote the packet.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from promolint.config import Config, load_config
from promolint.errors import SourceError
from promolint.deliver.local import write_atomic
from promolint.flows.ledger import LEDGER_DIR, Ledger
from promolint.pipeline import PacketResult, failed_result, result_from_ledger, review_ref, skipped_result
from promolint.sources import PacketRef, Skipped, Source, open_source

if TYPE_CHECKING:
    from promolint.workers import ReviewPool

__all__ = ["PacketResult", "TransientFailure", "cached_config", "cached_source", "check_source", "chunk_size", "clean_partial_writes",
           "list_source", "out_lock", "pending", "process_chunk", "process_packet", "record_failure", "result_from_ledger",
           "save_watch_state", "skipped_results",
           "source_changes"]


class TransientFailure(Exception):
    """Raised so Prefect retries; the message is only the original error's class name."""


@lru_cache(maxsize=8)
def cached_config(config_path: str | None) -> Config:
    return load_config(config_path or None)


@lru_cache(maxsize=8)
def cached_source(spec: str, config_path: str | None = None) -> Source:
    """One source per (spec, config) and process, so a Drive source's client and metadata are reused."""
    return open_source(spec, cached_config(config_path))


def check_source(source: Source) -> None:
    """A source that cannot be used fails the run with one line (SourceError), instead of an empty
    "successful" cycle: credentials and links (`Source.check`), and local paths that are missing
    or unreadable."""
    source.check()
    for p in getattr(source, "paths", []):
        if not p.exists():
            raise SourceError(f"{p}: no such file or folder", code="not-found")
        if not os.access(p, os.R_OK | (os.X_OK if p.is_dir() else 0)):
            raise SourceError(f"{p}: cannot be read (permission denied)", code="unreadable")


def process_packet(source: Source, ref: PacketRef, out_root: Path, config: Config, ledger: Ledger | None = None,
                   force: bool = False, pool: "ReviewPool | None" = None, spec: str | None = None) -> PacketResult:
    """`review_ref` with this output root's ledger and folder layout, in a worker of `pool` (which
    opens `spec` itself) when given. Idempotent per (source id, version); a transient failure raises
    TransientFailure so Prefect retries it."""
    per_author = config.delivery.per_author_folders
    if pool is not None and spec is not None:
        result = pool.review(spec, ref, Path(out_root), ledger=True, per_author=per_author, force=force)
    else:
        result = review_ref(source, ref, config, Path(out_root), ledger=ledger or Ledger(out_root),
                            per_author=per_author, force=force)
    if result.status == "failed" and result.code == "transient":
        raise TransientFailure(result.error)
    return result


def process_chunk(pool: "ReviewPool", spec: str, refs: list[PacketRef], out_root: Path, config: Config,
                  force: bool = False) -> list[PacketResult]:
    """Several packets in one task, all in flight on the pool at once; each transient failure is
    retried on its own (flows.retries, flows.retry_delay_seconds), then quarantined."""
    fc, out_root = config.flows, Path(out_root)
    kw = dict(ledger=True, per_author=config.delivery.per_author_folders, force=force)
    results: dict[int, PacketResult] = {}
    todo = list(range(len(refs)))
    for attempt in range(fc.retries + 1):
        futures = {i: pool.submit(spec, refs[i], out_root, **kw) for i in todo}
        todo = []
        for i, fut in futures.items():
            r = pool.result(fut, refs[i], out_root, ledger=True)
            if r.status == "failed" and r.code == "transient":
                if attempt == fc.retries:
                    r = record_failure(out_root, refs[i], TransientFailure(r.error))
                else:
                    todo.append(i)
                    continue
            results[i] = r
        if not todo:
            break
        time.sleep(fc.retry_delay_seconds)
    return [results[i] for i in range(len(refs))]


def chunk_size(config: Config, packets: int, workers: int) -> int:
    """flows.chunk_size, or (0) about 8 tasks per worker: task overhead is paid per chunk, while
    small cycles keep one task per packet."""
    return config.flows.chunk_size or max(1, packets // (8 * workers))


def skipped_results(skipped: list[Skipped], ledger: Ledger) -> list[PacketResult]:
    return [skipped_result(s, ledger) for s in skipped]


def record_failure(out_root: Path, ref: PacketRef, exc: BaseException | None) -> PacketResult:
    """A packet whose retries ran out: quarantined for this run, retried next run."""
    reason = f"failed after retries ({exc})" if isinstance(exc, TransientFailure) else "failed after retries"
    return failed_result(ref, reason, "transient", Ledger(out_root))


def _state_path(out_root: Path, source: Source) -> Path:
    return Path(out_root) / LEDGER_DIR / f"{source.scheme}-state.json"


def load_watch_state(out_root: Path, source: Source) -> dict | None:
    """A change-feed watcher's saved position (folder, token, packets to retry); None at first."""
    try:
        state = json.loads(_state_path(out_root, source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def save_watch_state(out_root: Path, source: Source, state: dict) -> None:
    write_atomic(_state_path(out_root, source), json.dumps(state, sort_keys=True).encode())


def source_changes(source: Source, out_root: Path) -> tuple[list[PacketRef], list[Skipped], dict] | None:
    """A watcher pass over a source with a change feed: what changed since the saved state, plus
    last pass's packets to retry. None when the source has no feed (it is listed instead).

    Returns (refs, skipped, new_state); the caller saves new_state (with `retry` filled in) only
    after the pass has finished, so a crashed pass is read again.
    """
    state = load_watch_state(out_root, source)
    feed = source.changes(state)
    if feed is None:
        return None
    items, new_state = feed
    new_state.pop("retry", None)
    retry = [PacketRef.model_validate(r) for r in (state or {}).get("retry", [])]
    refs = {i.source_id: i for i in items if isinstance(i, PacketRef)}
    skipped = [i for i in items if isinstance(i, Skipped)]
    seen = set(refs) | {s.source_id for s in skipped}
    for r in retry:  # failed or deferred last time; a newer change (above) wins
        if r.source_id not in seen:
            refs[r.source_id] = r
    return list(refs.values()), skipped, new_state


def list_source(source: Source) -> tuple[list[PacketRef], list[Skipped]]:
    refs, skipped = [], []
    for item in source.list():
        (skipped if isinstance(item, Skipped) else refs).append(item)
    return refs, skipped


def pending(refs: Iterable[PacketRef], ledger: Ledger) -> list[PacketRef]:
    """New or changed since the last run."""
    return [r for r in refs if not ledger.is_current(r)]


LOCK_NAME = "run.lock"


@contextmanager
def out_lock(out_root: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """One run at a time per out folder, across every flow, process and Prefect server that writes
    it (a served cycle, a deployed watcher, a CLI batch). A Prefect concurrency limit would hold
    only within one server, and a killed run would keep its slot until the lease expired; the
    kernel drops a flock the moment its holder dies. A second run waits (after `on_wait`)."""
    path = Path(out_root) / LEDGER_DIR / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def clean_partial_writes(out_root: Path) -> int:
    """Temp files left by a killed run (write_atomic's `.name.*.part`); the next run redoes them."""
    n = 0
    for p in Path(out_root).rglob(".*.part"):
        p.unlink(missing_ok=True)
        n += 1
    return n
