"""One packet's time limit, shared by every stage of the pipeline.

`packet_deadline` bounds a review; long loops call `check_deadline()` so the limit also holds in
worker threads, where signals never arrive.
"""
from __future__ import annotations

import signal
import threading
import time
from contextvars import ContextVar

from promolint.errors import PacketRejected

_deadline: ContextVar[tuple[float, str, float] | None] = ContextVar("promolint_packet_deadline", default=None)


class _Timeout(BaseException):
    """Raised by the alarm; BaseException so `except Exception` in library code cannot swallow it."""


class packet_deadline:
    """Bound one packet's review to `seconds`; on expiry raise PacketRejected(code="timeout").

    In the main thread of a POSIX process an interval timer interrupts pure-Python loops; in
    other threads (e.g. Prefect task runners) only `check_deadline()` calls in long loops stop
    the work. Hard isolation (C code, memory) needs a subprocess: see docs/ROBUSTNESS.md.

    A class, not a generator: the repeating alarm can fire while the context is being left, and
    only an `__exit__` of our own can disarm first and absorb an alarm that lands meanwhile.
    """

    def __init__(self, seconds: float, source: str) -> None:
        self.seconds, self.source = seconds, source
        self._active = bool(seconds and seconds > 0)
        self._armed = False
        self._token = None

    def __enter__(self) -> None:
        if not self._active:
            return
        self._token = _deadline.set((time.monotonic() + self.seconds, self.source, self.seconds))
        self._use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if self._use_alarm:
            self._armed = True
            self._old_handler = signal.signal(signal.SIGALRM, self._on_alarm)
            # The alarm repeats: a raise that lands where Python swallows exceptions (a __del__, a
            # weakref callback) is followed by another one a moment later.
            self._old_timer = signal.setitimer(signal.ITIMER_REAL, self.seconds, _ALARM_REPEAT)

    def _on_alarm(self, _signum, frame) -> None:
        if not self._armed:
            return
        if frame is not None and frame.f_code is _EXIT_CODE:  # leaving already: the work is done
            return
        raise _Timeout()

    def __exit__(self, exc_type, exc, tb) -> bool:
        if not self._active:
            return False
        timed_out = exc_type is _Timeout
        while True:
            try:
                self._disarm()
                break
            except _Timeout:  # an alarm that fired before `_armed` was cleared
                timed_out = True
        if timed_out:
            raise PacketRejected(self.source, timeout_reason(self.seconds), "timeout") from None
        return False

    def _disarm(self) -> None:
        self._armed = False
        if self._use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old_handler)
            if self._old_timer and self._old_timer[0] > 0:  # re-arm an enclosing deadline
                signal.setitimer(signal.ITIMER_REAL, *self._old_timer)
            self._use_alarm = False  # a retried disarm must not restore twice
        if self._token is not None:
            _deadline.reset(self._token)
            self._token = None


_EXIT_CODE = packet_deadline.__exit__.__code__
_ALARM_REPEAT = 0.25  # seconds between repeated alarms once the limit has run out


def check_deadline() -> None:
    """Cheap cooperative check for long loops (extraction, analysis, annotation)."""
    current = _deadline.get()
    if current is not None and time.monotonic() > current[0]:
        _end, source, seconds = current
        raise PacketRejected(source, timeout_reason(seconds), "timeout")


def timeout_reason(seconds: float) -> str:
    return f"took longer than {seconds:g} seconds to review and was stopped"
