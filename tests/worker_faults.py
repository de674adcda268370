"""Faults no real packet can be trusted to produce on every machine, injected into review workers
by tests only: `monkeypatch.setattr(promolint.workers, "_init_worker", init_hostile)`. The pool
pickles its initializer by name, so a worker (forked or from the forkserver) imports this module
and patches only its own analysis stage. Nothing here ships."""
from __future__ import annotations

import signal
import time

from promolint.workers import _init_worker as _real_init


def init_hostile(config, *args) -> None:
    import promolint.analysis as analysis

    _real_init(config, *args)
    real = analysis.analyze

    def analyze(packet, cfg):
        """A packet named hang* ignores every alarm (like C code that never returns); one named
        hog* allocates until the worker's cap; any other gets the real analysis."""
        name = str(packet.source).rsplit("/", 1)[-1]
        if name.startswith("hang"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            while True:
                time.sleep(60)
        if name.startswith("hog"):
            hoard = []
            while True:
                hoard.append(bytearray(32 * 1024 * 1024))
        return real(packet, cfg)

    analysis.analyze = analyze
