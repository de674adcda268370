"""One packet's time limit, shared by every stage of the pipeline.

`packet_deadline` bounds a review; long loops call `check_deadline()` so the limit also holds in
worker threads, where signals never arrive.
"""
from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from promolint.errors import PacketRejected

_deadline: ContextVar[tuple[float, str, float] | None] = ContextVar("promolint_packet_deadline", default=None)


class _Timeout(BaseException):
    """Raised by the alarm; BaseException so `except Exception` in library code cannot swallow it."""


@contextmanager
def packet_deadline(seconds: float, source: str) -> Iterator[None]:
    """Bound one packet's review to `seconds`; on expiry raise PacketRejected(code="timeout").

    In the main thread of a POSIX process an interval timer interrupts pure-Python loops; in
    other threads (e.g. Prefect task runners) only `check_deadline()` calls in long loops stop
    the work. Hard isolation (C code, memory) needs a subprocess: see docs/ROBUSTNESS.md.
    """
    if not seconds or seconds <= 0:
        yield
        return
    token = _deadline.set((time.monotonic() + seconds, source, seconds))
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    old_handler = old_timer = None
    armed = [True]
    if use_alarm:
        def _on_alarm(_signum, _frame):
            if armed[0]:
                raise _Timeout()

        old_handler = signal.signal(signal.SIGALRM, _on_alarm)
        # The alarm repeats: a raise that lands where Python swallows exceptions (a __del__, a
        # weakref callback) is followed by another one a moment later.
        old_timer = signal.setitimer(signal.ITIMER_REAL, seconds, _ALARM_REPEAT)
    try:
        yield
    except _Timeout:
        armed[0] = False
        raise PacketRejected(source, _timeout_reason(seconds), "timeout") from None
    finally:
        armed[0] = False
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
            if old_timer and old_timer[0] > 0:  # re-arm an enclosing deadline
                signal.setitimer(signal.ITIMER_REAL, *old_timer)
        _deadline.reset(token)


_ALARM_REPEAT = 0.25  # seconds between repeated alarms once the limit has run out


def check_deadline() -> None:
    """Cheap cooperative check for long loops (extraction, analysis, annotation)."""
    current = _deadline.get()
    if current is not None and time.monotonic() > current[0]:
        _end, source, seconds = current
        raise PacketRejected(source, _timeout_reason(seconds), "timeout")


def _timeout_reason(seconds: float) -> str:
    return f"took longer than {seconds:g} seconds to review and was stopped"
