"""Watched-folder helpers: half-written files are left for a later pass."""
from __future__ import annotations

import os
import threading

from flows.core import clean_partial_writes, stable
from sources import LocalSource


def test_a_file_still_growing_is_deferred_and_a_quiet_one_is_not(tmp_path):
    quiet, growing = tmp_path / "quiet.docx", tmp_path / "growing.docx"
    quiet.write_bytes(b"done")
    os.utime(quiet, (1_000_000, 1_000_000))  # untouched for ages
    growing.write_bytes(b"PK")
    stop = threading.Event()

    def copy_in():  # a slow copy: keeps appending until the check has finished
        while not stop.is_set():
            with growing.open("ab") as f:
                f.write(b"x" * 1024)
            stop.wait(0.05)

    t = threading.Thread(target=copy_in)
    t.start()
    try:
        refs = [r for r in LocalSource([tmp_path]).list()]
        ready, moving = stable(refs, settle_seconds=0.5)
    finally:
        stop.set()
        t.join()
    assert [r.name for r in ready] == ["quiet.docx"]
    assert [r.name for r in moving] == ["growing.docx"]


def test_a_recently_written_file_that_stopped_changing_is_ready(tmp_path):
    (tmp_path / "new.docx").write_bytes(b"PK")
    ready, moving = stable(list(LocalSource([tmp_path]).list()), settle_seconds=0.2)
    assert [r.name for r in ready] == ["new.docx"] and moving == []


def test_partial_writes_of_a_killed_run_are_cleaned(tmp_path):
    (tmp_path / "Jane Doe").mkdir()
    (tmp_path / "Jane Doe" / ".a.findings.json.x1.part").write_bytes(b"{")
    (tmp_path / "a.findings.json").write_bytes(b"{}")
    assert clean_partial_writes(tmp_path) == 1
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["a.findings.json"]
