"""Ctrl-C during `review` exits 130 (the shell's code for SIGINT), with no traceback and no
half-written output."""
from __future__ import annotations

import signal
import subprocess

import hostile
from conftest import PROMOLINT, build_packet


def test_ctrl_c_exits_130(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    build_packet(src / "a.docx", ["I led the migration of the billing service and cut p99 latency by 40%."])
    for name in ("b.docx", "c.docx", "d.docx"):
        (src / name).write_bytes(hostile.make_many_paragraphs(50_000))
    out = tmp_path / "out"
    proc = subprocess.Popen([str(PROMOLINT), "review", str(src), "--out", str(out)], stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()            # a.docx is done: the run is inside the long ones
    assert first.startswith("a.docx:"), first
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=300) == 130, rest
    assert "Traceback" not in rest and "interrupted" in rest
    assert not list(out.rglob("*.part"))
