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


def test_a_batch_killed_with_sigkill_leaves_no_prefect_server_behind(tmp_path):
    """`promolint batch` without PREFECT_API_URL starts a Prefect server; SIGKILL gives the CLI no
    chance to stop it, so the server must die with its parent (it used to keep running)."""
    import os

    import psutil
    from tenacity import retry, stop_after_delay, wait_fixed

    from promolint.flows.ledger import Ledger

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for i in range(40):
        build_packet(src / f"p{i:02d}.docx", ["I led the migration of the billing service and cut p99 latency by 40%."],
                     author=f"Author {i:02d}")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    proc = subprocess.Popen([str(PROMOLINT), "batch", str(src), "--out", str(out), "--no-progress"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @retry(stop=stop_after_delay(300), wait=wait_fixed(0.2), reraise=True)
    def reviewing():  # the server is up and the flow is running
        assert proc.poll() is None, "the batch ended before it could be killed"
        assert (out / ".promolint").exists() and any(e.status == "reviewed" for e in Ledger(out).entries())

    try:
        reviewing()
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any("server" in " ".join(c.cmdline()) for c in children), [c.cmdline() for c in children]
    finally:
        proc.kill()
        proc.wait()

    @retry(stop=stop_after_delay(120), wait=wait_fixed(0.5), reraise=True)
    def all_gone():
        alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert not alive, [c.cmdline() for c in alive]

    try:
        all_gone()
    finally:
        for c in children:  # never leave one running, even when the test fails
            try:
                c.kill()
            except psutil.NoSuchProcess:
                pass
