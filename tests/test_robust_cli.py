"""`promolint review` on hostile files: one clean line per rejected file, no traceback, originals intact."""
from __future__ import annotations

import hashlib
import time
import zipfile

import docx
import pytest

import hostile
from conftest import run_cli
from promolint.extractors.container import check_container
from promolint.config import LimitsConfig
from promolint.errors import PacketRejected

EXIT_REJECTED = 3


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _expected_reason(path) -> str:
    try:
        check_container(path.read_bytes(), path.name, LimitsConfig())
    except PacketRejected as e:
        return e.reason
    raise AssertionError(f"{path.name} was expected to be rejected")


LONG = "many-paragraphs.docx"
TIME_LIMIT = 30  # seconds, via an organisation config: the long packet must finish or be stopped


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """All hostile files but the 50,000-paragraph one through one CLI process (the batch case)."""
    root = tmp_path_factory.mktemp("hostile")
    files = hostile.write_all(root / "in", names=set(hostile.HOSTILE) - {LONG})
    hashes = {p: _sha(p) for p in files}
    proc = run_cli("review", root / "in", "--out", root / "out", timeout=600)
    return files, hashes, proc, root / "out"


def test_batch_goes_past_every_bad_file(hostile_run):
    files, _hashes, proc, out = hostile_run
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output and "internal error" not in output, output[-2000:]
    assert proc.returncode == EXIT_REJECTED
    lines = proc.stderr.splitlines()
    for path, code in files.items():
        mine = [ln for ln in lines if ln.startswith(f"{path.name}:")]
        assert len(mine) == 1, (path.name, mine)
        if code is None:
            assert (out / f"{path.stem}.annotated.docx").exists(), path.name
            assert "rejected" not in mine[0]
        else:
            assert mine[0] == f"{path.name}: rejected: {_expected_reason(path)}"
            assert not list(out.glob(f"{path.stem}.*")), f"outputs written for rejected {path.name}"
    n_rejected = sum(1 for c in files.values() if c)
    assert f"reviewed {len(files) - n_rejected}, rejected {n_rejected}" in proc.stderr


def test_batch_leaves_originals_untouched(hostile_run):
    files, hashes, _proc, _out = hostile_run
    assert {p: _sha(p) for p in files} == hashes


def test_reviewed_docm_output_has_no_macros(hostile_run):
    _files, _hashes, _proc, out = hostile_run
    annotated = out / "macro.annotated.docx"
    z = zipfile.ZipFile(annotated)
    assert not [n for n in z.namelist() if "vba" in n.lower()]
    assert b"macroEnabled" not in z.read("[Content_Types].xml")
    docx.Document(str(annotated))


def test_reviewed_strict_output_opens(hostile_run):
    _files, _hashes, _proc, out = hostile_run
    d = docx.Document(str(out / "strict.annotated.docx"))
    assert any("billing service" in p.text for p in d.paragraphs)


@pytest.mark.slow
def test_fifty_thousand_paragraphs_finish_or_stop_within_the_time_limit(tmp_path):
    (src,) = hostile.write_all(tmp_path / "in", names={LONG})
    cfg = tmp_path / "org.yaml"
    cfg.write_text(f"limits:\n  timeout_seconds: {TIME_LIMIT}\n")
    t = time.perf_counter()
    proc = run_cli("review", src, "--out", tmp_path / "out", "--config", cfg, timeout=TIME_LIMIT * 8)
    elapsed = time.perf_counter() - t
    assert "Traceback" not in proc.stdout + proc.stderr
    line = proc.stderr.splitlines()[0]
    stopped = f"{LONG}: rejected: took longer than {TIME_LIMIT} seconds to review and was stopped"
    if line == stopped:
        assert proc.returncode == EXIT_REJECTED
    else:
        assert line.startswith(f"{LONG}: 50000 claims"), line[:200]
        assert len(docx.Document(str(tmp_path / "out" / "many-paragraphs.annotated.docx")).paragraphs) == 50_000
    # the limit is enforced: start-up and writing aside, nothing runs far past it
    assert elapsed < TIME_LIMIT + 30


@pytest.mark.parametrize("name", ["billion-laughs.docx", "encrypted.docx", "renamed-doc.docx", "truncated.docx"])
def test_single_rejected_file(tmp_path, name):
    path = hostile.write_all(tmp_path / "in", names={name})
    (src,) = path
    before = _sha(src)
    proc = run_cli("review", src, "--out", tmp_path / "out")
    assert proc.returncode == EXIT_REJECTED
    assert "Traceback" not in proc.stdout + proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first == f"{name}: rejected: {_expected_reason(src)}"
    assert _sha(src) == before
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_rejection_line_carries_no_packet_text(tmp_path):
    # an XXE file whose visible text would be "billing service" if it were ever parsed and echoed
    src = tmp_path / "xxe.docx"
    src.write_bytes(hostile.make_external_entity())
    proc = run_cli("review", src, "--out", tmp_path / "out")
    assert "billing" not in proc.stderr and "root:" not in proc.stderr
    assert proc.returncode == EXIT_REJECTED
