"""Each review in a child process: a hard per-packet limit on time and memory, and every core used.

A `ReviewPool` is a pebble ProcessPool of forked workers. Each worker runs the one per-packet
path (`pipeline.review_ref`: fetch, review, write, record) under an address-space cap
(`limits.memory_mb` over what the worker started with); the pool kills a worker whose packet
outlives `limits.timeout_seconds` (plus a short grace, so the worker's own alarm usually ends it
first and the worker stays warm) and forks a new one. A killed packet is reported `timeout` or
`too-large` and recorded as transient, and the packets beside it never notice. A worker whose
review ran out of memory exits at once (its heap may stay full) and is replaced the same way.

A command with one packet (a single-threaded process) forks one child for it instead
(`_ForkedReview`): the same initializer, cap and hard timeout, without pebble's pool.

Only references, paths and `PacketResult`s (identifiers, codes, counts) cross the process
boundary: packet bytes are read, reviewed and written inside the worker.

Workers are forked from a parent that has already imported the pipeline and loaded the ruleset
(`warm`), so every worker, including one forked after a kill, starts ready (copy-on-write); under
Prefect's threads they come from a forkserver that preloads the same modules (see `_context`).
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from promolint import pipeline
from promolint.config import Config
from promolint.pipeline import PacketResult, failed_result, limit_result, memory_reason, review_ref

if TYPE_CHECKING:
    from promolint.sources.base import PacketRef

EXIT_OUT_OF_MEMORY = 75
GRACE_SECONDS = 2.0  # past the cooperative deadline before the worker is killed

_worker_config: Config | None = None  # set in each worker by _init_worker
_cap = 0  # the worker's address-space cap in bytes (0: none)
# What a review imports: loaded before the first packet (in the parent, the forkserver, a worker).
_STAGES = ["promolint.analysis", "promolint.annotate", "promolint.extractors", "promolint.render",
           "promolint.flows.ledger", "promolint.sources"]


def worker_count(config: Config) -> int:
    return config.limits.workers or os.cpu_count() or 1


def hard_timeout(config: Config) -> float | None:
    t = config.limits.timeout_seconds
    return t + GRACE_SECONDS if t and t > 0 else None


def warm(config: Config) -> None:
    """Import the stages and load the ruleset (the disk cache makes it cheap): in the parent once,
    so forked workers inherit them, and in each worker (a no-op when inherited)."""
    import importlib

    for name in _STAGES:
        importlib.import_module(name)
    from promolint.analysis import list_rules

    list_rules(config)


def _address_space() -> int | None:
    try:  # /proc/self/statm: total program size in pages
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _vm_peak() -> int:
    try:
        with open("/proc/self/status", "rb") as f:
            line = next(ln for ln in f if ln.startswith(b"VmPeak:"))
        return int(line.split()[1]) * 1024
    except (OSError, StopIteration, ValueError, IndexError):
        return 0


def _hit_cap(peak_before: int) -> bool:
    """This packet raised the worker's peak address space to within a tenth of the budget of its
    cap: an internal error then is most likely a failed allocation in C code."""
    if not _cap:
        return False
    peak = _vm_peak()
    return peak > peak_before and peak >= _cap - _worker_config.limits.memory_mb * 1024 * 1024 // 10


def _init_worker(config: Config, env: dict[str, str], cwd: str) -> None:
    global _worker_config, _cap
    _worker_config = config
    # A forkserver keeps the environment and folder it started with: take the parent's of now.
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent handles it
    _die_with_parent()
    warm(config)
    pipeline.on_memory_exhausted = _exit_out_of_memory
    mb = config.limits.memory_mb
    start = _address_space()
    if mb and start is not None:
        import resource

        cap = _cap = start + mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))


def _die_with_parent() -> None:
    """Linux: a worker gets SIGKILL when its parent dies (a killed batch leaves no reviewer behind)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@lru_cache(maxsize=8)
def _source(spec: str):
    from promolint.sources import open_source

    return open_source(spec, _worker_config)


def _review_in_worker(spec: str, ref: "PacketRef", out_root: str, use_ledger: bool, per_author: bool,
                      force: bool) -> PacketResult:
    from promolint.flows.ledger import Ledger

    ledger = Ledger(Path(out_root)) if use_ledger else None
    before = _vm_peak()
    result = review_ref(_source(spec), ref, _worker_config, Path(out_root), ledger=ledger, per_author=per_author,
                        force=force)
    if result.status == "failed" and result.code == "internal" and _hit_cap(before):
        _exit_out_of_memory()
    return result


def _exit_out_of_memory() -> None:
    os._exit(EXIT_OUT_OF_MEMORY)  # the pool sees the worker die, reports `too-large` and forks a new one


def _context():
    """fork from a single-threaded parent (a command): workers start warm and at once. From a
    threaded one (Prefect), a fork could copy a lock some other thread holds (SQLite, logging) and
    hang the worker, so workers come from a forkserver: a clean process that preloads the stages."""
    import threading

    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["promolint.workers", *_STAGES])
    return ctx



class WorkerExited(Exception):
    """A forked review process ended without a result (killed, out of memory): pebble's ProcessExpired."""

    def __init__(self, exitcode: int | None):
        super().__init__(f"the review process exited with code {exitcode}")
        self.exitcode = exitcode


class _ForkedReview:
    """One review in one child forked for it, with the pool's limits (the initializer's memory
    cap, the hard timeout). For a command with one packet: pebble, the asyncio it imports and its
    pool's threads cost a cold review ~100 ms, and no later packet needs a warm worker."""

    def __init__(self, timeout: float | None, initargs: tuple, args: tuple):
        ctx = multiprocessing.get_context("fork")
        self._conn, child_end = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_forked_review, args=(child_end, initargs, args), daemon=True)
        self._proc.start()
        child_end.close()
        self._timeout = timeout

    def result(self) -> PacketResult:
        if not self._conn.poll(self._timeout):
            self.cancel()
            raise TimeoutError()
        try:
            ok, value = self._conn.recv()
        except (EOFError, OSError):
            self._proc.join()
            raise WorkerExited(self._proc.exitcode) from None
        self._proc.join()
        if ok:
            return value
        raise value

    def cancel(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()


def _forked_review(conn, initargs: tuple, args: tuple) -> None:
    try:
        _init_worker(*initargs)
        reply = (True, _review_in_worker(*args))
    except BaseException as e:  # noqa: BLE001  (re-raised in the parent, as pebble does)
        reply = (False, e)
    conn.send(reply)
    conn.close()
    os._exit(0)  # no atexit handlers or buffers of the parent's run twice


class ReviewPool:
    """`with ReviewPool(config) as pool: pool.review(spec, ref, out)`; `submit` + `result` to overlap.
    `packets=1` (a command with one packet, single-threaded): the review runs in a child forked
    for it, under the same limits, without starting a pool."""

    def __init__(self, config: Config, workers: int | None = None, wait: bool = True, packets: int | None = None):
        warm(config)
        self.config = config
        self.size = workers or worker_count(config)
        self.timeout = hard_timeout(config)
        self.wait = wait  # False: a command about to exit does not wait for the workers to be reaped
        self._initargs = (config, dict(os.environ), os.getcwd())
        self._forked: list[_ForkedReview] = []
        self._pool = None
        self._expired: tuple[type[BaseException], ...] = (WorkerExited,)
        if packets != 1 or _context().get_start_method() != "fork":
            from pebble import ProcessExpired, ProcessPool

            self._pool = ProcessPool(max_workers=self.size, initializer=_init_worker, initargs=self._initargs,
                                     context=_context())
            self._expired += (ProcessExpired,)

    def submit(self, spec: str, ref: "PacketRef", out_root: Path, *, ledger: bool = False, per_author: bool = False,
               force: bool = False) -> "Future | _ForkedReview":
        args = (spec, ref, str(out_root), ledger, per_author, force)
        if self._pool is None:
            self._forked.append(_ForkedReview(self.timeout, self._initargs, args))
            return self._forked[-1]
        return self._pool.schedule(_review_in_worker, args=args, timeout=self.timeout)

    def result(self, future: Future, ref: "PacketRef", out_root: Path, *, ledger: bool = False) -> PacketResult:
        """The worker's PacketResult, or the limit it hit. A ConfigError from the worker is re-raised."""
        from promolint.deadline import timeout_reason

        book = _ledger(out_root) if ledger else None
        try:
            return future.result()
        except TimeoutError:
            return limit_result(ref, "timeout", timeout_reason(self.config.limits.timeout_seconds), book)
        except self._expired as e:
            # Under a memory cap a worker that dies mid-review (the kernel's OOM killer, an allocation
            # that aborted in C, a MemoryError in the pool's own plumbing) ran out of memory.
            if self.config.limits.memory_mb:
                return limit_result(ref, "too-large", memory_reason(self.config.limits.memory_mb), book)
            reason = f"internal error (the review process exited with code {e.exitcode})"
            return failed_result(ref, reason, "internal", book, error="ProcessExpired")

    def review(self, spec: str, ref: "PacketRef", out_root: Path, **kw) -> PacketResult:
        return self.result(self.submit(spec, ref, out_root, **kw), ref, out_root, ledger=kw.get("ledger", False))

    def close(self) -> None:
        for f in self._forked:
            f.cancel()
        if self._pool is not None:
            self._pool.stop()
            if self.wait:
                self._pool.join()

    def __enter__(self) -> "ReviewPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _ledger(out_root: Path):
    from promolint.flows.ledger import Ledger

    return Ledger(Path(out_root))


# The pool of the running flow or command; Prefect's thread runner copies it into task threads.
_ACTIVE: ContextVar[ReviewPool | None] = ContextVar("promolint_review_pool", default=None)


def active_pool() -> ReviewPool | None:
    return _ACTIVE.get()


@contextmanager
def pool_scope(config: Config):
    """A pool for everything reviewed inside the block (the enclosing one if there is one)."""
    if _ACTIVE.get() is not None:
        yield _ACTIVE.get()
        return
    with ReviewPool(config) as pool:
        token = _ACTIVE.set(pool)
        try:
            yield pool
        finally:
            _ACTIVE.reset(token)
