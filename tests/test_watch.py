"""Watched-folder helpers: half-written files are left for a later pass."""
from __future__ import annotations

import os
import threading

from promolint.flows.core import clean_partial_writes
from promolint.sources import LocalSource


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
        source = LocalSource([tmp_path])
        ready, moving = source.settle(list(source.list()), 0.5)
    finally:
        stop.set()
        t.join()
    assert [r.name for r in ready] == ["quiet.docx"]
    assert [r.name for r in moving] == ["growing.docx"]


def test_a_recently_written_file_that_stopped_changing_is_ready(tmp_path):
    (tmp_path / "new.docx").write_bytes(b"PK")
    source = LocalSource([tmp_path])
    ready, moving = source.settle(list(source.list()), 0.2)
    assert [r.name for r in ready] == ["new.docx"] and moving == []


def test_partial_writes_of_a_killed_run_are_cleaned(tmp_path):
    (tmp_path / "Jane Doe").mkdir()
    (tmp_path / "Jane Doe" / ".a.findings.json.x1.part").write_bytes(b"{")
    (tmp_path / "a.findings.json").write_bytes(b"{}")
    assert clean_partial_writes(tmp_path) == 1
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["a.findings.json"]


# ---- the watcher on the real Prefect engine: event mode (CLI subprocess) and a Drive folder

import json  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from conftest import PROMOLINT, build_packet  # noqa: E402
from drive_double import DOC_MIME  # noqa: E402
from drive_double.fixtures import drive  # noqa: E402,F401  (fixture)
from prefect_harness import harness  # noqa: E402,F401  (fixture)

CLAIMS = ["I led the payments migration, cutting p99 latency from 900 ms to 120 ms.", "I helped with the on-call rotation."]


def _config(path: Path, **flows) -> Path:
    path.write_text(yaml.safe_dump({"flows": {"retries": 0, "settle_seconds": 0.2, "debounce_ms": 200, **flows}}))
    return path


def _wait_for(predicate, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return predicate()
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_event_mode_reviews_a_file_dropped_into_the_watched_folder(harness, tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    build_packet(src / "first.docx", CLAIMS, author="Ana Lima")
    proc = subprocess.Popen([str(PROMOLINT), "watch", str(src), "--out", str(out), "--config", str(_config(tmp_path / "c.yaml"))],
                            env={**os.environ, **harness["env"]}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: (out / "Ana Lima" / "first.annotated.docx").exists(), 240, proc), proc.stderr and proc.poll()
        # Dropped in after the first pass. The watcher's first wake-up re-lists once (a file may land
        # before it starts watching); the third file, after that, can only be found by an event.
        for name, author in (("second.docx", "Ben Ode"), ("third.docx", "Cy Park")):
            build_packet(tmp_path / name, CLAIMS, author=author).replace(src / name)
            done = out / author / name.replace(".docx", ".annotated.docx")
            assert _wait_for(done.exists, 120, proc), (name, proc.poll())
        time.sleep(3)  # let the pass that wrote it finish: Ctrl-C on an idle watcher
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
    assert code == 130, proc.stderr.read()[-2000:]  # Ctrl-C: the shell's code for SIGINT, not success


def test_drive_watcher_reads_the_change_feed_and_saves_its_position(harness, drive, tmp_path):
    from promolint.flows.commands import run_watch
    from promolint.flows.flows import watch_folder

    folder = drive.add_folder("Packets")
    ana = drive.add_file("ana-lima.docx", folder, build_packet(tmp_path / "a.docx", CLAIMS, author="Ana Lima").read_bytes(),
                         owner="ana@example.com")
    drive.add_file("Ben Ode packet", folder, build_packet(tmp_path / "b.docx", CLAIMS, author="Ben Ode").read_bytes(),
                   mime=DOC_MIME, owner="ben@example.com")
    spec, out, cfg = f"gdrive://{folder}", tmp_path / "out", str(_config(tmp_path / "c.yaml"))

    assert run_watch(spec, out, Path(cfg), once=True) == 0    # first pass: full listing, both reviewed
    state = json.loads((out / ".promolint" / "gdrive-state.json").read_text())
    assert state["folder"] == folder and state["page_token"] and state["retry"] == []
    assert len([f for f in drive.children(folder) if f["appProperties"].get("promolintRole")]) == 4

    drive.reset_counts()
    counts = watch_folder(spec, str(out), cfg)             # idle pass: the change feed only
    assert counts["reviewed"] == 0
    assert dict(drive.calls) == {"drive.changes.list": 1}  # our own outputs and marks are not news

    drive.edit(ana, build_packet(tmp_path / "a2.docx", CLAIMS[:1], author="Ana Lima").read_bytes(), by="ana@example.com")
    drive.reset_counts()
    counts = watch_folder(spec, str(out), cfg)
    assert counts["reviewed"] == 1 and counts["unchanged"] == 0
    # 1 changes.list + 8 for the revised packet (download, 2 checks that the previous outputs are
    # still ours, 2 in-place updates, 2 shares, the packet's mark), 0 for Ben's.
    assert drive.total_calls == 1 + 8, drive.calls
    assert len([f for f in drive.children(folder) if f["appProperties"].get("promolintRole")]) == 4  # replaced, not added


@pytest.mark.parametrize("once", [True, False])
def test_watching_a_folder_that_does_not_exist_names_it_and_exits_2(tmp_path, once):
    """It used to exit 0 having done nothing; nothing is written for a run that could not start."""
    missing, out = tmp_path / "no" / "such-folder", tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # fails before any server is needed
    r = subprocess.run([str(PROMOLINT), "watch", str(missing), "--out", str(out), *(["--once"] if once else [])],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == f"promolint: {missing}: no such file or folder"
    assert not out.exists()


def _cli_on_one_packet(src: Path, command: str, out: Path) -> subprocess.CompletedProcess:
    """`promolint batch|watch --once SRC --out OUT` over one packet, with no Prefect server given."""
    src.mkdir()
    build_packet(src / "p.docx", CLAIMS, author="Ana Lima")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return subprocess.run([str(PROMOLINT), command, str(src), "--out", str(out), *(["--once"] if command == "watch" else [])],
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("command", ["batch", "watch"])
def test_out_equal_to_the_source_folder_is_refused_by_batch_and_watch(tmp_path, command):
    """As `review` does: the next run would list the cycle summary and author folders as packets."""
    src = tmp_path / "in"
    r = _cli_on_one_packet(src, command, src)
    assert r.returncode == 2, r.stderr
    assert "--out is the folder being reviewed" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in src.iterdir()) == ["p.docx"]


@pytest.mark.parametrize("command", ["batch", "watch"])
def test_an_out_folder_that_cannot_be_made_is_one_line_and_exit_5(tmp_path, command):
    """/sys refuses every mkdir, root included: one line naming the folder, the README's exit 5."""
    r = _cli_on_one_packet(tmp_path / "in", command, Path("/sys/promolint-out"))
    assert r.returncode == 5, r.stderr
    assert r.stderr.strip().splitlines() == ["promolint: /sys/promolint-out: cannot write (Operation not permitted)"]
