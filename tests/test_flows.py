"""The flows on the real Prefect engine (one prefect_test_harness server for the module)."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from promolint.pipeline import EXIT_REJECTED

from conftest import build_packet  # noqa: E402
from prefect_harness import harness  # noqa: E402,F401  (fixture)

MARKER = "QUIXOTIC-MARMOT-4471"
WEAK = ["I helped with the migration.", "We improved latency a lot.", "Was involved in the on-call rotation."]
STRONG = ["I led the payments migration, cutting p99 latency from 900 ms to 120 ms for 4 million users.",
          "I decided to shard the ledger after benchmarking three designs, which saved $40k per month."]


def write_config(path: Path, per_author: bool | None = None, formats=("docx", "md"), **flows) -> Path:
    """per_author None: the default (per-author folders on)."""
    flows = {"retries": 1, "retry_delay_seconds": 0, "concurrency": 2, **flows}
    data = {"output": {"formats": list(formats)}, "flows": flows}
    if per_author is not None:
        data["delivery"] = {"per_author_folders": per_author}
    path.write_text(yaml.safe_dump(data))
    return path


def outputs(out: Path) -> dict[str, float]:
    """Output files (not the ledger) -> mtime."""
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and ".promolint" not in p.parts}


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    build_packet(src / "dana.docx", WEAK, author="Dana Reyes")
    build_packet(src / "sam.docx", STRONG, author="Sam Okafor")
    build_packet(src / "lee-chen.docx", WEAK + STRONG, author="")  # no author: file name
    (src / "broken.docx").write_bytes(b"this is not a zip")       # rejected, quarantined
    return src


def test_cycle_is_idempotent_and_re_reviews_only_a_changed_packet(harness, folder, tmp_path):
    from promolint.flows.flows import review_cycle

    out, cfg = tmp_path / "out", str(write_config(tmp_path / "c.yaml"))
    counts = review_cycle(str(folder), str(out), cfg)
    assert counts["reviewed_this_run"] == 3 and counts["skipped"] == 1 and counts["failed"] == 0, (out / "cycle-summary.md").read_text()
    first = outputs(out)
    assert "Dana Reyes/dana.annotated.docx" in first and "Sam Okafor/sam.feedback.docx" in first
    assert "Lee Chen/lee-chen.findings.json" in first
    assert {"cycle-summary.md", "cycle-summary.docx"} <= set(first)
    summary = (out / "cycle-summary.md").read_text()
    assert "broken.docx" in summary and "| rejected |" in summary

    # Re-run: nothing reviewed again, no new or rewritten packet outputs.
    counts = review_cycle(str(folder), str(out), cfg)
    assert counts["reviewed_this_run"] == 0 and counts["reviewed"] == 3
    again = outputs(out)
    assert {k: v for k, v in again.items() if "cycle-summary" not in k} == \
           {k: v for k, v in first.items() if "cycle-summary" not in k}

    # The author revises one packet: only it is re-reviewed, and the feedback shows progress.
    build_packet(folder / "dana.docx", STRONG + WEAK[:1], author="Dana Reyes")
    counts = review_cycle(str(folder), str(out), cfg)
    assert counts["reviewed_this_run"] == 1
    third = outputs(out)
    changed = {k for k in third if third[k] != first.get(k) and "cycle-summary" not in k}
    assert changed and all(k.startswith("Dana Reyes/") for k in changed)
    assert len([k for k in third if k.endswith(".annotated.docx")]) == 3  # replaced, not duplicated


def read_artifacts(keys: list[str]) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))


def test_cycle_summary_is_published_as_artifacts_without_packet_text(harness, tmp_path):
    from promolint.flows.flows import artifact_key, review_cycle

    src = tmp_path / "in"
    src.mkdir()
    build_packet(src / "a.docx", WEAK + [f"I shipped {MARKER} to production."], author="Ana Lima")
    (src / "broken.docx").write_bytes(b"this is not a zip")
    out = tmp_path / "Cycle Out_2026"
    review_cycle(str(src), str(out), str(write_config(tmp_path / "c.yaml")))
    key, table_key = artifact_key("cycle", out), artifact_key("cycle-packets", out)
    assert re.fullmatch(r"promolint-cycle-cycle-out-2026-[0-9a-f]{8}", key), key
    assert artifact_key("cycle", tmp_path / "other") != key  # per out folder, not one global key
    arts = read_artifacts([key, table_key])
    assert {a.type for a in arts} == {"markdown", "table"}
    rows = {r["name"]: r for r in json.loads(next(a.data for a in arts if a.type == "table"))}
    a, broken = rows["a.docx"], rows["broken.docx"]
    assert a["status"] == "reviewed" and a["findings"] >= 1 and a["rules"] and a["readiness"]
    assert any(k.startswith("score:") for k in a) and a["weak_claims"] >= 1
    assert broken["status"] == "rejected" and broken["code"]  # the reason code is in the table
    assert not any(MARKER in str(x.data) for x in arts)


def test_task_and_flow_states_name_rejections(harness, folder, tmp_path):
    """A rejected packet's task is a named Rejected state with its reason code; the cycle's final
    state is Quarantined, saying how many; a clean cycle is plain Completed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterId, FlowRunFilterParentFlowRunId,
                                                TaskRunFilter, TaskRunFilterName)

    from promolint.flows.flows import artifact_key, review_cycle

    out = tmp_path / "out"
    state = review_cycle(str(folder), str(out), str(write_config(tmp_path / "c.yaml")), return_state=True)
    assert state.is_completed() and state.name == "Quarantined", state
    assert state.message.startswith("1 rejected, 0 failed of 4 packets") and artifact_key("cycle-packets", out) in state.message
    assert state.result()["reviewed_this_run"] == 3
    with get_client(sync_client=True) as client:
        sub = client.read_flow_runs(flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(
            any_=[state.state_details.flow_run_id])))
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[r.id for r in sub])),
                                      task_run_filter=TaskRunFilter(name=TaskRunFilterName(
                                          any_=["review-broken.docx", "review-dana.docx"])))
    by_name = {t.name: t.state for t in tasks}
    assert by_name["review-dana.docx"].name == "Completed"
    rejected = by_name["review-broken.docx"]
    assert rejected.name == "Rejected" and rejected.is_completed()
    assert re.fullmatch(r"[a-z-]+", rejected.message), rejected.message  # a reason code, no text

    clean = tmp_path / "clean"
    clean.mkdir()
    build_packet(clean / "ok.docx", STRONG, author="Ok Author")
    state = review_cycle(str(clean), str(tmp_path / "out3"), str(write_config(tmp_path / "c.yaml")), return_state=True)
    assert state.name == "Completed", state


@pytest.mark.parametrize("flow_name", ["review_cycle", "watch_folder"])
def test_a_missing_source_fails_the_flow_with_one_line(harness, tmp_path, flow_name):
    import promolint.flows.flows as ff
    from promolint.errors import SourceError

    missing = tmp_path / "no-such-folder"
    state = getattr(ff, flow_name)(str(missing), str(tmp_path / "out"), str(write_config(tmp_path / "c.yaml")),
                                   return_state=True)
    assert state.is_failed(), state
    assert str(missing) in state.message and "no such file or folder" in state.message and "\n" not in state.message
    with pytest.raises(SourceError):
        state.result()
    assert not (tmp_path / "out").exists()  # nothing written for a run that could not start


def test_an_unreadable_source_fails_the_flow(harness, tmp_path):
    from promolint.flows.flows import review_cycle

    if os.geteuid() == 0:
        pytest.skip("root reads any folder")
    locked = tmp_path / "locked"
    locked.mkdir()
    build_packet(locked / "a.docx", STRONG, author="A B")
    locked.chmod(0)
    try:
        state = review_cycle(str(locked), str(tmp_path / "out"), str(write_config(tmp_path / "c.yaml")),
                             return_state=True)
    finally:
        locked.chmod(0o755)
    assert state.is_failed() and "cannot be read" in state.message, state


def test_the_watcher_publishes_its_pass_and_names_its_state(harness, folder, tmp_path):
    from promolint.flows.flows import artifact_key, watch_folder

    out = tmp_path / "out"
    state = watch_folder(str(folder), str(out), str(write_config(tmp_path / "c.yaml", settle_seconds=0.1)),
                         return_state=True)
    assert state.name == "Quarantined" and state.message.startswith("1 rejected"), state
    arts = read_artifacts([artifact_key("watch", out), artifact_key("watch-packets", out)])
    assert {a.type for a in arts} == {"markdown", "table"}
    rows = {r["name"]: r for r in json.loads(next(a.data for a in arts if a.type == "table"))}
    assert rows["broken.docx"]["status"] == "rejected" and rows["broken.docx"]["code"]
    assert rows["sam.docx"]["status"] == "reviewed"


def test_a_transient_failure_is_retried_then_quarantined_and_the_batch_goes_on(harness, folder, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    from promolint.flows.flows import review_batch
    from promolint.sources import PacketRef, open_source

    out, cfg = tmp_path / "out", str(write_config(tmp_path / "c.yaml", retries=2))
    good = next(r for r in open_source(folder).list() if r.name == "sam.docx")
    gone = PacketRef(source_id=str(folder / "gone.docx"), name="gone.docx", version="0" * 64)
    results = {r.name: r for r in review_batch([gone, good], str(folder), str(out), cfg)}
    assert results["sam.docx"].status == "reviewed"
    assert results["gone.docx"].status == "failed"
    assert results["gone.docx"].reason == "failed after retries (FileNotFoundError)"
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=["review-gone.docx"])))
    assert [r.run_count for r in runs] == [3]  # first try + 2 retries
    # Retries exhausted: the task itself ends Failed, its message the reason (class names only).
    assert runs[0].state.is_failed() and runs[0].state.name == "Failed", runs[0].state
    assert "TransientFailure: FileNotFoundError" in runs[0].state.message, runs[0].state.message
    from promolint.flows.ledger import Ledger
    assert not Ledger(out).is_current(gone)  # retried on the next run


def test_review_packet_flow_takes_a_reference(harness, folder, tmp_path):
    from promolint.flows.flows import review_packet
    from promolint.sources import open_source

    ref = next(r for r in open_source(folder).list() if r.name == "dana.docx")
    res = review_packet(ref, str(folder), str(tmp_path / "out"), str(write_config(tmp_path / "c.yaml", per_author=False)))
    assert res.status == "reviewed"
    annotated = tmp_path / "out" / "dana.annotated.docx"
    assert annotated.exists()
    before = annotated.stat().st_mtime_ns
    cfg = str(tmp_path / "c.yaml")
    assert review_packet(ref, str(folder), str(tmp_path / "out"), cfg).status == "unchanged"
    assert annotated.stat().st_mtime_ns == before
    assert review_packet(ref, str(folder), str(tmp_path / "out"), cfg, force=True).status == "reviewed"
    assert annotated.stat().st_mtime_ns != before  # re-run one packet on purpose


def test_no_packet_text_in_prefect_database_logs_or_results(harness, tmp_path, caplog):
    from promolint.flows.flows import review_cycle, watch_folder

    src = tmp_path / "in"
    src.mkdir()
    build_packet(src / "m.docx", [f"I helped {MARKER} with the migration.", *WEAK], author="Mo Haddad")
    build_packet(src / "n.docx", [f"We improved {MARKER} somewhat."], heading="Other Things", author="Ny Tran")
    (src / "bad.docx").write_bytes(f"PK garbage {MARKER}".encode())
    out = tmp_path / "out"
    caplog.set_level("DEBUG")
    review_cycle(str(src), str(out), str(write_config(tmp_path / "c.yaml")))
    build_packet(src / "m.docx", [f"I led {MARKER} to done."], author="Mo Haddad")
    watch_folder(str(src), str(out), str(write_config(tmp_path / "c.yaml", settle_seconds=0.1)))
    # The test can fail: the marker did reach the pipeline and the outputs.
    assert any(MARKER in p.read_text(errors="ignore") for p in out.rglob("*.findings.json"))
    assert MARKER not in caplog.text
    scanned = 0
    for root in (harness["home"], harness["db_dir"]):
        for p in Path(root).rglob("*"):
            if p.is_file():
                scanned += 1
                assert MARKER.encode() not in p.read_bytes(), p
    assert scanned >= 1


def test_killed_batch_leaves_no_half_written_file_and_the_rerun_finishes(harness, tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    n = 40
    for i in range(n):
        build_packet(src / f"p{i:02d}.docx", WEAK + STRONG, author=f"Author {i:02d}")
    cfg = write_config(tmp_path / "c.yaml", concurrency=1)
    code = ("import sys; from pathlib import Path; from promolint.flows.commands import run_batch; "
            "sys.exit(run_batch(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), False))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(src), str(out), str(cfg)],
                            env={**os.environ, "PREFECT_API_URL": harness["api_url"]})
    deadline = time.monotonic() + 240
    from promolint.flows.ledger import Ledger

    def recorded():
        return [e for e in Ledger(out).entries() if e.status == "reviewed"] if (out / ".promolint").exists() else []

    while len(recorded()) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = {p.name for p in out.rglob("*.findings.json")}
    assert 1 <= len(done_before) < n, "the batch must be killed mid-way"
    for p in out.rglob("*.findings.json"):
        json.loads(p.read_text())  # every visible output is complete
    for p in out.rglob("*.annotated.docx"):
        import zipfile
        assert zipfile.ZipFile(p).testzip() is None

    before = {Path(o): Path(o).stat().st_mtime_ns for e in recorded() for o in e.outputs}
    assert before
    from promolint.flows.commands import run_batch
    assert run_batch(str(src), out, cfg, progress=False) == 0
    assert len(list(out.rglob("*.findings.json"))) == n
    assert all(p.stat().st_mtime_ns == m for p, m in before.items())  # recorded ones not redone
    assert not list(out.rglob("*.part"))


def test_dask_task_runner_reviews_the_cycle(harness, folder, tmp_path):
    from promolint.flows.flows import review_cycle

    cfg = str(write_config(tmp_path / "c.yaml", task_runner="dask", dask_workers=2))
    counts = review_cycle(str(folder), str(tmp_path / "out"), cfg)
    assert counts["reviewed_this_run"] == 3 and counts["skipped"] == 1


def test_batch_progress_bar_on_a_terminal(harness, folder, tmp_path, monkeypatch):
    """run_batch's rich progress path: a Console forced to act as a terminal."""
    import io

    from rich.console import Console

    import promolint.flows.commands as commands
    buf = io.StringIO()
    monkeypatch.setattr(commands, "err", Console(file=buf, force_terminal=True, width=120))
    code = commands.run_batch(str(folder), tmp_path / "out", write_config(tmp_path / "c.yaml"), progress=True)
    assert code == EXIT_REJECTED  # broken.docx is quarantined
    import re

    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.getvalue())  # without the terminal's escape codes
    assert "reviewing" in text and "4/4" in text
    assert "3 reviewed (3 this run), 1 rejected, 0 failed" in text


def test_batch_over_a_missing_folder_is_a_one_line_usage_error(harness, tmp_path, monkeypatch):
    import io

    from rich.console import Console

    import promolint.flows.commands as commands
    from promolint.pipeline import EXIT_USAGE

    buf = io.StringIO()
    monkeypatch.setattr(commands, "err", Console(file=buf, width=300))
    missing = tmp_path / "no-such-folder"
    assert commands.run_batch(str(missing), tmp_path / "out", write_config(tmp_path / "c.yaml"), progress=False) == EXIT_USAGE
    assert buf.getvalue() == f"promolint: {missing}: no such file or folder\n"
    assert not (tmp_path / "out").exists()


def test_one_run_per_out_folder_a_cycle_and_a_watcher_take_turns(harness, folder, tmp_path):
    """A cycle and a watcher on the same out folder (separate processes, as a served cycle and a
    deployed watcher are): while the folder is held both wait and write nothing; released, they
    run one after the other, so every packet is reviewed once (without the lock, twice)."""
    from tenacity import retry, stop_after_delay, wait_fixed

    from promolint.flows.core import out_lock
    from promolint.flows.flows import WAITING

    out, cfg = tmp_path / "out", write_config(tmp_path / "c.yaml", settle_seconds=0.1)
    code = ("import json, sys; import promolint.flows.flows as ff; "
            "print('RESULT', json.dumps(getattr(ff, sys.argv[1])(*sys.argv[2:])), flush=True)")
    runs = {}

    @retry(stop=stop_after_delay(240), wait=wait_fixed(0.5), reraise=True)
    def waiting(name):
        log, proc = runs[name]
        assert proc.poll() is None, log.read_text()[-2000:]  # it must wait, not finish or fail
        assert WAITING in log.read_text()

    with out_lock(out):  # another run holds the folder
        for name in ("review_cycle", "watch_folder"):
            log = tmp_path / f"{name}.log"
            with log.open("w") as sink:
                runs[name] = (log, subprocess.Popen([sys.executable, "-c", code, name, str(folder), str(out), str(cfg)],
                                                    env={**os.environ, **harness["env"]}, stdout=sink,
                                                    stderr=subprocess.STDOUT))
        for name in runs:
            waiting(name)
        assert outputs(out) == {}  # nobody wrote while the folder was held
    counts = {}
    for name, (log, proc) in runs.items():
        assert proc.wait(timeout=300) == 0, log.read_text()[-2000:]
        counts[name] = json.loads(next(line for line in log.read_text().splitlines() if line.startswith("RESULT "))[7:])
    assert counts["review_cycle"]["reviewed_this_run"] + counts["watch_folder"]["reviewed"] == 3, counts
    assert len(list(out.rglob("*.annotated.docx"))) == 3
