"""The hard per-packet limit (promolint.workers): each review in a pool process with a wall-clock
and a memory cap. A packet that hangs or allocates without bound is stopped and reported as
`timeout` or `too-large`; the good packets beside it are reviewed, in `review` and in `batch`.

Two hostile packets are real inputs (an organisation rule that backtracks catastrophically on a
claim, a packet whose review needs more memory than the cap). Two need a review that ignores
every signal (C code that never returns, an allocation loop): tests/worker_faults.py patches the
analysis stage inside the workers of these tests only, through the pool's initializer.
"""
from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

import hostile
import worker_faults
from conftest import build_packet, run_cli
from prefect_harness import harness  # noqa: F401  (fixture)
from promolint.pipeline import EXIT_REJECTED

GOOD = ["I led the payments migration, cutting p99 latency from 900 ms to 120 ms for 4 million users.",
        "I helped with the migration of the billing service."]


@pytest.fixture
def hostile_analysis(monkeypatch):
    import promolint.workers as workers

    monkeypatch.setattr(workers, "_init_worker", worker_faults.init_hostile)


def _config(path, **limits):
    path.write_text(yaml.safe_dump({"limits": {"timeout_seconds": 5, "memory_mb": 256, **limits},
                                    "output": {"formats": ["md"]},
                                    "flows": {"retries": 0, "retry_delay_seconds": 0}}))
    return path


def _folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    build_packet(src / "ann.docx", GOOD, author="Ann Lee")
    build_packet(src / "hang.docx", GOOD, author="Hal Ng")
    build_packet(src / "hog.docx", GOOD, author="Hope Oz")
    build_packet(src / "zed.docx", GOOD, author="Zed Roe")
    return src


def test_review_stops_a_hanging_and_a_hoarding_packet_and_reviews_the_rest(tmp_path, hostile_analysis):
    from promolint.cli import app

    src, out = _folder(tmp_path), tmp_path / "out"
    res = CliRunner().invoke(app, ["review", str(src), "--out", str(out), "--config", str(_config(tmp_path / "c.yaml"))])
    text = res.output
    assert res.exit_code == EXIT_REJECTED, text
    assert "hang.docx: rejected: took longer than 5 seconds to review and was stopped" in text
    assert "hog.docx: rejected: needed more than 256 MB of memory to review and was stopped" in text
    assert "reviewed 2, rejected 2" in text
    assert {p.name for p in out.glob("*.findings.json")} == {"ann.findings.json", "zed.findings.json"}
    # The lines come in listing order, each packet once.
    names = [ln.split(":")[0] for ln in text.splitlines() if ".docx: " in ln]
    assert names == ["ann.docx", "hang.docx", "hog.docx", "zed.docx"], text


def _backtracking_rule_config(tmp_path):
    """A config with an organisation's rule of nested quantifiers, which "y" + many "x" sets off."""
    rules = tmp_path / "org-rules.yaml"
    rules.write_text(yaml.safe_dump({"rules": [{
        "id": "org.hype", "category": "outcome", "severity": "warning", "message": "Hype: {match}",
        "patterns": [r"\by(?:x+x+)+y\b"]}]}))
    cfg = _config(tmp_path / "c.yaml")
    data = yaml.safe_load(cfg.read_text())
    data["rules"] = {"extra_files": [str(rules)]}
    cfg.write_text(yaml.safe_dump(data))
    return cfg


def test_a_rule_that_backtracks_forever_is_a_timeout_for_that_packet_only(tmp_path):
    """A real input: an organisation's rule with nested quantifiers, and a claim that sets it off."""
    cfg = _backtracking_rule_config(tmp_path)
    src = tmp_path / "in"
    src.mkdir()
    build_packet(src / "calm.docx", GOOD, author="Cal Mo")
    build_packet(src / "wild.docx", [f"I shipped y{'x' * 40} to every customer.", *GOOD], author="Wil D")
    out = tmp_path / "out"
    proc = run_cli("review", src, "--out", out, "--config", cfg, timeout=120)
    assert proc.returncode == EXIT_REJECTED, proc.stderr
    assert "wild.docx: rejected: took longer than 5 seconds to review and was stopped" in proc.stderr
    assert "calm.docx: 2 claims" in proc.stderr
    assert (out / "calm.findings.json").exists() and not (out / "wild.findings.json").exists()


@pytest.mark.parametrize("name, reason", [
    ("hang.docx", "took longer than 5 seconds to review and was stopped"),
    ("hog.docx", "needed more than 256 MB of memory to review and was stopped"),
    ("ann.docx", None)])
def test_one_packet_runs_in_a_child_forked_for_it_under_the_same_limits(tmp_path, hostile_analysis, name, reason):
    """A review of one packet forks one child instead of starting a pool: the limits still hold."""
    from promolint.cli import app

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    build_packet(src / name, GOOD, author="Ann Lee")
    res = CliRunner().invoke(app, ["review", str(src / name), "--out", str(out),
                                   "--config", str(_config(tmp_path / "c.yaml"))])
    if reason:
        assert res.exit_code == EXIT_REJECTED and f"{name}: rejected: {reason}" in res.output, res.output
        assert not list(out.glob("*.findings.json")) and not list(out.rglob("*.part"))
    else:
        assert res.exit_code == 0 and f"{name}: 2 claims" in res.output, res.output
        assert (out / "ann.findings.json").exists()


def test_one_packet_whose_rule_backtracks_forever_is_stopped(tmp_path):
    """A real input in a fresh single-threaded process (the command as a user runs it)."""
    cfg = _backtracking_rule_config(tmp_path)
    build_packet(tmp_path / "wild.docx", [f"I shipped y{'x' * 40} to every customer.", *GOOD], author="Wil D")
    proc = run_cli("review", tmp_path / "wild.docx", "--out", tmp_path / "out", "--config", cfg, timeout=120)
    assert proc.returncode == EXIT_REJECTED, proc.stderr
    assert "wild.docx: rejected: took longer than 5 seconds to review and was stopped" in proc.stderr


def test_batch_reviews_every_good_packet_beside_hostile_ones(harness, tmp_path, hostile_analysis):
    """Through the real Prefect cycle: a hang, a hoarder and a real packet too big for the cap.
    Each is rejected with its code and recorded as transient (retried next run); the cap and the
    kill touch no other packet."""
    from promolint.flows.flows import review_cycle
    from promolint.flows.ledger import Ledger
    from promolint.sources import open_source

    src, out = _folder(tmp_path), tmp_path / "out"
    (src / "huge.docx").write_bytes(hostile.make_many_paragraphs(50_000))  # real: needs > 80 MB
    cfg = _config(tmp_path / "c.yaml", memory_mb=80, timeout_seconds=10, max_paragraphs=100_000)
    counts = review_cycle(str(src), str(out), str(cfg))
    assert counts["reviewed_this_run"] == 2 and counts["skipped"] == 3, (out / "cycle-summary.md").read_text()
    rows = {e.name: e for e in Ledger(out).entries()}
    assert rows["ann.docx"].status == rows["zed.docx"].status == "reviewed"
    assert rows["hang.docx"].reason == "took longer than 10 seconds to review and was stopped"
    assert "MB of memory" in rows["hog.docx"].reason and "MB of memory" in rows["huge.docx"].reason
    refs = {r.name: r for r in open_source(str(src)).list()}
    for name in ("hang.docx", "hog.docx", "huge.docx"):
        assert rows[name].status == "rejected" and rows[name].kind == "transient"
        assert not Ledger(out).is_current(refs[name])  # tried again next run
    assert len(list(out.rglob("*.findings.json"))) == 2
    assert not list(out.rglob("*.part"))



def test_chunked_tasks_retry_each_packet_and_quarantine_only_the_one_that_keeps_failing(harness, tmp_path,
                                                                                          hostile_analysis):
    """Packets in chunks (one Prefect task per chunk): a packet whose file is gone is retried on
    its own and quarantined; a hanging one is stopped; the others in its chunk are reviewed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId, TaskRunFilter

    from promolint.flows.flows import review_batch
    from promolint.flows.ledger import Ledger
    from promolint.sources import PacketRef, open_source

    src, out = _folder(tmp_path), tmp_path / "out"
    cfg = _config(tmp_path / "c.yaml")
    data = yaml.safe_load(cfg.read_text())
    data["flows"].update(chunk_size=2, retries=2)
    cfg.write_text(yaml.safe_dump(data))
    refs = sorted(open_source(str(src)).list(), key=lambda r: r.name)
    gone = PacketRef(source_id=str(src / "gone.docx"), name="gone.docx", version="0" * 64)
    state = review_batch([gone, *refs], str(src), str(out), str(cfg), return_state=True)
    results = {r.name: r for r in state.result()}
    assert results["gone.docx"].status == "failed"
    assert results["gone.docx"].reason == "failed after retries (FileNotFoundError)"
    assert (results["hang.docx"].code, results["hog.docx"].code) == ("timeout", "too-large")
    assert results["ann.docx"].status == results["zed.docx"].status == "reviewed"
    assert not Ledger(out).is_current(gone)
    with get_client(sync_client=True) as client:
        subs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[state.state_details.flow_run_id])))
        ids = [state.state_details.flow_run_id, *(r.id for r in subs)]
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": ids}), task_run_filter=TaskRunFilter())
    names = sorted(t.name for t in tasks if t.name.startswith("review-"))
    assert names == ["review-gone.docx-and-more", "review-hang.docx-and-more", "review-zed.docx-and-more"], names
