"""Prefect flows over flows.core: thin wrappers, references in, counts out.

Parameters are source specs, output folders and PacketRefs, never packet text. Task results are
not persisted and not cached (the ledger is the idempotency record), so the Prefect database
never holds packet content.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable, Iterator

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.states import Completed, Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from promolint.flows.core import (PacketResult, cached_config, cached_source, check_source, chunk_size,
                                  clean_partial_writes, list_source, out_lock, pending, process_chunk, process_packet,
                                  record_failure, result_from_ledger, save_watch_state, skipped_results,
                                  source_changes)
from promolint.flows.ledger import Ledger
from promolint.flows.settings import summary_formats
from promolint.flows.summary import build_summary, render_markdown, write_summary
from promolint.config import load_config
from promolint.sources import PacketRef
from promolint.workers import active_pool, pool_scope, worker_count

# Set by `promolint batch` for its progress bar; called in the flow's process per finished packet.
PROGRESS: Callable[[PacketResult], None] | None = None
TOTAL: Callable[[int], None] | None = None


# Logged (no packet text) when another run holds the out folder: this one waits for it.
WAITING = "waiting: another promolint run is writing this out folder"


def _notify(r: PacketResult) -> None:
    if PROGRESS:
        PROGRESS(r)


def make_task_runner(config_path: str | None):
    config = cached_config(config_path)
    fc = config.flows
    if fc.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(cluster_kwargs={"n_workers": fc.dask_workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": ":0"})
    # Two packets in flight per worker, so a worker never waits on Prefect's bookkeeping.
    return ThreadPoolTaskRunner(max_workers=max(fc.concurrency, 2 * worker_count(config)))


def review_pool(config_path: str | None):
    """Worker processes for this flow's tasks (thread runner); Dask tasks review in their own process."""
    config = cached_config(config_path)
    return nullcontext() if config.flows.task_runner == "dask" else pool_scope(config)


@task(name="review-packet", task_run_name="review-{ref.name}", persist_result=False, cache_policy=NO_CACHE,
      retries=2, retry_delay_seconds=2)
def review_packet_task(ref: PacketRef, source: str, out: str, config_path: str | None = None,
                       force: bool = False) -> State:
    result = process_packet(cached_source(source, config_path), ref, Path(out), cached_config(config_path),
                            force=force, pool=active_pool(), spec=source)
    get_run_logger().info("%s: %s code=%s rules=%s", ref.name, result.status, result.code or "-",
                          ",".join(sorted(result.rules)))
    return packet_state(result)


def packet_state(r: PacketResult) -> State:
    """Rejected and failed packets get a state of their own name, filterable in the UI; the
    message is the reason code only (a reason could one day quote the packet)."""
    if r.status == "rejected":
        return Completed(data=r, name="Rejected", message=r.code or "rejected")
    if r.status == "failed":
        return Failed(data=r, name="Failed", message=r.code or "failed")
    return Completed(data=r)


def artifact_key(kind: str, out: str | Path) -> str:
    """Per out folder (so one cycle's "latest" is never another folder's): the folder's name as a
    slug plus a short hash of its full path, in Prefect's key alphabet (a-z, 0-9, -)."""
    path = str(Path(out).resolve())
    slug = re.sub(r"[^a-z0-9]+", "-", Path(path).name.lower()).strip("-")[:40] or "root"
    return f"promolint-{kind}-{slug}-{hashlib.sha256(path.encode()).hexdigest()[:8]}"


def publish(summary: dict, kind: str, out: str) -> None:
    create_markdown_artifact(markdown=render_markdown(summary), key=artifact_key(kind, out),
                             description=f"promolint {kind} summary for {out} (identifiers, scores and rule ids only)")
    create_table_artifact(table=summary["packets"], key=artifact_key(f"{kind}-packets", out),
                          description=f"promolint {kind}: one row per packet")


def final_state(results: list[PacketResult], counts: dict, kind: str, out: str) -> State:
    """Completed either way (the run did its job) with the counts as its result; named Quarantined
    when packets were rejected or failed, so the run list says so without opening the run."""
    rejected, failed = (sum(r.status == s for r in results) for s in ("rejected", "failed"))
    if not rejected and not failed:
        return Completed(data=counts, message=f"{len(results)} packets, none rejected or failed")
    return Completed(data=counts, name="Quarantined",
                     message=f"{rejected} rejected, {failed} failed of {len(results)} packets; see artifact "
                             f"{artifact_key(f'{kind}-packets', out)}")


@flow(name="review-packet", persist_result=False)
def review_packet(ref: PacketRef, source: str, out: str, config_path: str | None = None,
                  force: bool = False) -> PacketResult:
    """One packet through extract, analyze, annotate, render and deliver; ends in the task's state.
    `force`: review again even if the ledger says this version was done (docs/FLOWS.md, re-run one)."""
    with out_lock(Path(out), on_wait=lambda: get_run_logger().info(WAITING)), review_pool(config_path):
        state = review_packet_task(ref, source, out, config_path, force, return_state=True)
    result = state.result(raise_on_failure=False)
    return packet_state(result) if isinstance(result, PacketResult) else state


@task(name="review-packets", task_run_name="review-{refs[0].name}-and-more", persist_result=False,
      cache_policy=NO_CACHE, retries=0)
def review_chunk_task(refs: list[PacketRef], source: str, out: str, config_path: str | None = None) -> State:
    """A chunk of packets on the flow's review pool, each retried on its own (process_chunk)."""
    results = process_chunk(active_pool(), source, refs, Path(out), cached_config(config_path))
    codes = Counter(r.code or r.status for r in results if r.status in ("rejected", "failed"))
    get_run_logger().info("%d packets: %s", len(results), dict(Counter(r.status for r in results)))
    return Completed(data=results, message=", ".join(f"{n} {c}" for c, n in sorted(codes.items())) or None)


@flow(name="review-batch", persist_result=False)
def review_batch(refs: list[PacketRef], source: str, out: str, config_path: str | None = None) -> list[PacketResult]:
    """Maps packets over the configured task runner: threads that hand each packet to a review
    process (promolint.workers), one task per packet or per chunk of packets; or Dask processes."""
    config = cached_config(config_path)
    fc = config.flows
    results = []
    with review_pool(config_path) as pool:
        size = chunk_size(config, len(refs), pool.size) if pool is not None else 1
        if size > 1:
            chunks = [refs[i:i + size] for i in range(0, len(refs), size)]
            futures = review_chunk_task.map(chunks, unmapped(source), unmapped(out), unmapped(config_path))
        else:
            reviewer = review_packet_task.with_options(retries=fc.retries, retry_delay_seconds=fc.retry_delay_seconds)
            chunks = [[r] for r in refs]
            futures = reviewer.map(refs, unmapped(source), unmapped(out), unmapped(config_path))
        by_id = {f.task_run_id: c for f, c in zip(futures, chunks)}
        for fut in as_completed(futures):
            res = fut.result(raise_on_failure=False)
            if isinstance(res, PacketResult):
                res = [res]
            elif not isinstance(res, list):  # retries exhausted: quarantined, the batch goes on
                exc = res if isinstance(res, BaseException) else None
                res = [record_failure(Path(out), r, exc) for r in by_id[fut.task_run_id]]
            for r in res:
                results.append(r)
                _notify(r)
    return results


def _run_batch(refs, source, out, config_path):
    if not refs:
        return []
    return review_batch.with_options(task_runner=make_task_runner(config_path))(refs, source, out, config_path)


@contextmanager
def holding(src, out: str, logger) -> Iterator[tuple[Path, Ledger]]:
    """A usable source first (a failed run leaves nothing behind in OUT), then OUT to this run
    alone (another run on it is waited for), cleared of a killed run's partial writes."""
    check_source(src)
    out_root = Path(out)
    with out_lock(out_root, on_wait=lambda: logger.info(WAITING)):
        clean_partial_writes(out_root)
        yield out_root, Ledger(out_root)


@flow(name="review-cycle", persist_result=False)
def review_cycle(source: str, out: str, config_path: str | None = None) -> State:
    """Every packet in a source; writes and publishes the cycle summary."""
    logger = get_run_logger()
    config = load_config(config_path or None)
    src = cached_source(source, config_path)
    with holding(src, out, logger) as (out_root, ledger):
        refs, skipped = list_source(src)
        if TOTAL:
            TOTAL(len(refs) + len(skipped))
        todo = pending(refs, ledger)
        todo_ids = {r.source_id for r in todo}
        done = [result_from_ledger(ledger, r) for r in refs if r.source_id not in todo_ids]
        results = skipped_results(skipped, ledger)  # packets the source marks as reviewed count as unchanged
        for r in done + results:
            _notify(r)
        results += done + _run_batch(todo, source, out, config_path)
        summary = build_summary(results)
        write_summary(summary, out_root, summary_formats(config))
        publish(summary, "cycle", out)
        logger.info("cycle: %s", summary["counts"])
        return final_state(results, summary["counts"], "cycle", out)


@flow(name="watch-folder", persist_result=False)
def watch_folder(source: str, out: str, config_path: str | None = None) -> State:
    """Reviews only packets that are new or changed since the last run and have stopped changing.

    A source with a change feed (Drive) is read from the position saved in
    OUT/.promolint/<scheme>-state.json (a full listing only on the first pass). Any other source is
    listed, and the source says which new packets have settled (a local file must keep its size
    and mtime for `settle_seconds`).
    """
    logger = get_run_logger()
    fc = load_config(config_path or None).flows
    src = cached_source(source, config_path)
    with holding(src, out, logger) as (out_root, ledger):
        feed = source_changes(src, out_root)
        refs, skipped = feed[:2] if feed is not None else list_source(src)
        ready, moving = src.settle(pending(refs, ledger), fc.settle_seconds)
        results = _run_batch(ready, source, out, config_path)
        counts = {s: sum(r.status == s for r in results) for s in ("reviewed", "rejected", "failed", "deferred")}
        counts["deferred"] += len(moving)
        counts["unchanged"] = len(refs) - len(ready) - len(moving)
        if feed is not None:
            # Failed or deferred packets are not in the next change feed: keep them to retry next pass.
            by_id = {r.source_id: r for r in ready}
            retry = [by_id[r.source_id] for r in results if r.status in ("failed", "deferred") and r.source_id in by_id]
            save_watch_state(out_root, src, {**feed[2], "retry": [r.model_dump() for r in retry]})
        if results:  # an idle pass publishes nothing, so "latest" stays the last pass that did something
            publish(build_summary(results), "watch", out)
        logger.info("watch: %s", counts)
        return final_state(results, counts, "watch", out)
