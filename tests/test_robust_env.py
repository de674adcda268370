"""Faults of the environment are one line naming the file and the reason, with their own exit code
from the README's table, never a traceback; names are printed literally."""
from __future__ import annotations

import resource
import signal
import subprocess

import pytest

from conftest import PROMOLINT, build_packet as _build, run_cli
from promolint.analysis import list_rules
from promolint.config import load_config
from promolint.pipeline import EXIT_ENVIRONMENT, EXIT_USAGE

CLAIMS = ["I led the migration of the billing service and cut p99 latency by 40%."]


def build_packet(path, *a, **k):
    path.parent.mkdir(parents=True, exist_ok=True)
    return _build(path, *a, **k)


def _one_line(proc):
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_a_full_disk_stops_with_one_line_and_exit_5(tmp_path):
    packet = build_packet(tmp_path / "in" / "p.docx", CLAIMS)
    out = tmp_path / "out"

    def small_disk():  # writes past 4 KiB fail with EFBIG, as a full disk fails with ENOSPC
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = subprocess.run([str(PROMOLINT), "review", str(packet), "--out", str(out)], capture_output=True,
                          text=True, timeout=300, preexec_fn=small_disk)
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stderr
    line = _one_line(proc)
    assert str(out) in line and "cannot write" in line and "File too large" in line
    assert not list(out.rglob("*.part")) and not list(out.glob("*.annotated.docx"))


def test_an_out_folder_that_cannot_be_made_is_one_line(tmp_path):
    packet = build_packet(tmp_path / "in" / "p.docx", CLAIMS)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    proc = run_cli("review", packet, "--out", blocker / "out")
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stderr
    line = _one_line(proc)
    assert str(blocker) in line and "cannot write" in line


@pytest.mark.parametrize("case", ["folder", "not-utf8", "bad-regex", "unknown-severity"])
def test_bad_config_is_one_config_error(tmp_path, case):
    packet = build_packet(tmp_path / "in" / "p.docx", CLAIMS)
    cfg = tmp_path / "org.yaml"
    named = cfg
    if case == "folder":
        cfg.mkdir()
    elif case == "not-utf8":
        cfg.write_bytes("limits:\n  timeout_seconds: 9 # caf\u00e9\n".encode("latin-1"))
    elif case == "bad-regex":
        named = tmp_path / "broken-rules.yaml"
        named.write_text("rules:\n  - id: broken\n    extends: phrase\n    category: clarity\n"
                         "    message: m\n    patterns: ['(unclosed']\n")
        cfg.write_text("rules:\n  extra_files: [broken-rules.yaml]\n")
    else:
        rule = list_rules(load_config(None))[0]["id"]
        cfg.write_text(f"rules:\n  severity:\n    {rule}: catastrophic\n")
    proc = run_cli("review", packet, "--out", tmp_path / "out", "--config", cfg)
    assert proc.returncode == EXIT_USAGE, proc.stderr
    line = _one_line(proc)
    assert line.startswith("config error") and (named.name in line or "severity" in line), line
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.docx"))


def test_names_are_printed_literally(tmp_path):
    name = "[red]x\x1b[2J\u202eq.docx"
    build_packet(tmp_path / "in" / name, CLAIMS)
    out = tmp_path / "o[" / "]out"   # "[/]" in the printed path: rich markup would fail on it
    proc = run_cli("review", tmp_path / "in", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "\x1b" not in proc.stderr and "\u202e" not in proc.stderr
    assert "[red]x\\x1b[2J\\u202eq.docx:" in proc.stderr and f"{out}/" in proc.stderr


def test_out_equal_to_the_source_folder_is_refused(tmp_path):
    build_packet(tmp_path / "in" / "p.docx", CLAIMS)
    proc = run_cli("review", tmp_path / "in", "--out", tmp_path / "in")
    assert proc.returncode == EXIT_USAGE
    assert "folder being reviewed" in _one_line(proc)
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["p.docx"]
