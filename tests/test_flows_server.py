"""End to end on a real `prefect server` on 127.0.0.1 (own PREFECT_HOME, free port): served
deployments, `promolint watch --poll`, and a process work pool deployed from prefect.yaml running
the per-packet map on Dask processes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tenacity import retry, stop_after_delay, wait_fixed

from conftest import build_packet

REPO = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).parent / "prefect")
pytestmark = pytest.mark.slow
CLAIMS = ["I helped with the migration.", "I led the payments migration, cutting p99 latency from 900 ms to 120 ms."]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from promolint.flows.deploy import start_local_server

    home = tmp_path_factory.mktemp("prefect-server-home")
    env = {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           # The scheduler's loop, so a scheduled run appears within seconds rather than a minute.
           "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2"}
    proc, url = start_local_server(env=env)
    yield {"url": url, "env": {**os.environ, **env, "PREFECT_API_URL": url}}
    proc.terminate()
    proc.wait(timeout=30)


def stop(proc: subprocess.Popen) -> None:
    """Ctrl-C, as an operator stops `serve` (SIGTERM pauses the deployments); killed if it hangs."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: the flow-run children go too
        proc.wait(timeout=30)


def packets(folder: Path, n: int = 3) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        build_packet(folder / f"p{i}.docx", CLAIMS, author=f"Author {i}")
    return folder


@retry(stop=stop_after_delay(120), wait=wait_fixed(0.5), reraise=True)
def deployment_id(client, name: str, out: Path | None = None):
    """Waits for the deployment (and, given `out`, for this test's parameters: the server is shared
    by the module, and an earlier test may have registered a deployment of the same name)."""
    dep = client.read_deployment_by_name(name)
    assert out is None or dep.parameters.get("out") == str(out), dep.parameters
    return dep.id


def run_and_wait(env: dict, name: str, out: Path | None = None):
    """Triggers a deployment through the API and waits for its final state."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}):
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            deployment_id(client, name, out)
        return run_deployment(name, timeout=300)


def test_the_ui_of_a_server_the_cli_started_calls_its_own_api(server):
    """The UI asks /ui-settings where the API is; without PREFECT_UI_API_URL it answered the
    default port, not the free port start_local_server picked."""
    import httpx

    settings = httpx.get(server["url"].removesuffix("/api") + "/ui-settings", timeout=30).json()
    assert settings["api_url"] == server["url"]


def test_served_deployments_run_a_cycle_through_the_api(server, tmp_path):
    """Paths in the config are relative to the config file, whatever the serving directory; serve
    says what it serves without a terminal (its output here is a file)."""
    src, out = packets(tmp_path / "in"), (tmp_path / "out").resolve()
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"flows": {   # per-author folders: the default
        "cycle": {"source": "in", "out": "out", "cron": "0 0 1 1 *"},
        "watch": {"source": "in", "out": "out", "interval_seconds": 3600}}}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = "import sys; from pathlib import Path; from promolint.flows.commands import run_serve; sys.exit(run_serve(Path(sys.argv[1])))"
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        serving = subprocess.Popen([sys.executable, "-c", code, str(cfg)], env=server["env"], cwd=elsewhere,
                                   stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        run = run_and_wait(server["env"], "review-cycle/promolint-cycle", out)
        assert run.state.is_completed(), run.state
        assert (out / "cycle-summary.md").exists() and not (elsewhere / "out").exists()
        assert sorted(p.name for p in out.glob("Author */*.annotated.docx")) == ["p0.annotated.docx", "p1.annotated.docx",
                                                                                 "p2.annotated.docx"]
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings
        with temporary_settings({PREFECT_API_URL: server["url"]}), get_client(sync_client=True) as client:
            watch = client.read_deployment_by_name("watch-folder/promolint-watch")
        assert watch.schedules and watch.schedules[0].schedule.interval.total_seconds() == 3600
        assert watch.parameters["source"] == str(src.resolve())
        said = log.read_text()
        assert f"serving review-cycle/promolint-cycle: cron '0 0 1 1 *' (UTC); source {src.resolve()} -> out {out}" in said
        assert "serving watch-folder/promolint-watch: every 3600 s" in said
        assert f"Prefect UI: {server['url'].removesuffix('/api')}" in said
    finally:
        stop(serving)


def assert_both_packets_reviewed(run, out: Path) -> None:
    """The watcher's run completed and left p0 and p1 reviewed in their author folders."""
    assert run.state.is_completed(), run.state
    assert sorted(p.name for p in out.glob("Author */*.annotated.docx")) == ["p0.annotated.docx", "p1.annotated.docx"]


def test_watch_poll_serves_the_interval_deployment(server, tmp_path):
    """`promolint watch SRC --out OUT --poll`: serves watch-folder; a run through the API reviews."""
    src, out = packets(tmp_path / "in", 2), tmp_path / "out"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"flows": {"settle_seconds": 0.1, "watch": {"interval_seconds": 3600}}}))
    promolint = str(Path(sys.executable).parent / "promolint")
    serving = subprocess.Popen([promolint, "watch", str(src), "--out", str(out), "--poll", "--config", str(cfg)],
                               env=server["env"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        run = run_and_wait(server["env"], "watch-folder/promolint-watch", out)
        assert_both_packets_reviewed(run, out)
    finally:
        stop(serving)


def deploy(env: dict, prefect_file: Path | None = None) -> None:
    """`prefect --no-prompt deploy --all` from the repo; one retry (a loaded server can time a request out)."""
    extra = ["--prefect-file", str(prefect_file)] if prefect_file else []
    for attempt in range(2):
        deployed = subprocess.run([PREFECT, "--no-prompt", "deploy", "--all", *extra], cwd=REPO, env=env,
                                  capture_output=True, text=True, timeout=300)
        if deployed.returncode == 0:
            return
    raise AssertionError(deployed.stdout[-3000:] + deployed.stderr[-3000:])


def deploy_and_start_worker(env: dict, cwd: Path, prefect_file: Path | None = None) -> subprocess.Popen:
    """The process work pool, the deployments of `prefect_file` (default: the repo's), one worker."""
    subprocess.run([PREFECT, "work-pool", "create", "promolint-local", "--type", "process", "--overwrite"], env=env,
                   check=True, capture_output=True, timeout=120)
    deploy(env, prefect_file)
    return subprocess.Popen([PREFECT, "worker", "start", "--pool", "promolint-local", "--limit", "1"], env=env,
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def test_process_work_pool_with_dask_runner_from_prefect_yaml(server, tmp_path):
    """prefect.yaml's entrypoints are module paths (flows.flows:...), so the flow's tasks pickle by
    reference to the installed `flows` package and Dask worker processes can load them. (With a
    file path entrypoint, flows/flows.py was loaded as a top-level module named `flows`, which the
    Dask workers then failed to unpickle: the run hung.)"""
    src, out = packets(tmp_path / "in", 4), tmp_path / "out"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"delivery": {"per_author_folders": False},
                                   "flows": {"task_runner": "dask", "dask_workers": 2}}))
    env = {**server["env"], "PROMOLINT_REPO": str(REPO), "PROMOLINT_SOURCE": str(src), "PROMOLINT_OUT": str(out),
           "PROMOLINT_CONFIG": str(cfg)}
    worker = deploy_and_start_worker(env, tmp_path)
    try:
        run = run_and_wait(env, "review-cycle/promolint-cycle", out)
        assert run.state.is_completed(), run.state
        assert len(list(out.glob("*.annotated.docx"))) == 4
        assert "| 4 | 4 | 4 |" in (out / "cycle-summary.md").read_text()
    finally:
        stop(worker)


@retry(stop=stop_after_delay(300), wait=wait_fixed(2), reraise=True)
def scheduled_run_completed(url: str, deployment: str, out: Path):
    """A Completed run of `deployment` that the scheduler created (auto_scheduled), for this `out`."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName, FlowRunFilter
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment])),
                                     flow_run_filter=FlowRunFilter())
    done = [r for r in runs if r.auto_scheduled and r.parameters.get("out") == str(out) and r.state.is_completed()]
    assert done, [(r.name, r.auto_scheduled, r.state.name) for r in runs]
    return done[0]


def test_interval_watcher_runs_on_its_schedule_with_nobody_triggering_it(server, tmp_path):
    """The reason promolint uses Prefect: the scheduler creates the watcher's runs by itself (this
    failed with SQLAlchemy 2.1, whose bulk DML the 3.8.8 scheduler cannot use), and they review."""
    src, out = packets(tmp_path / "in", 2), tmp_path / "out"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"flows": {"settle_seconds": 0.1, "watch": {"interval_seconds": 5}}}))
    promolint = str(Path(sys.executable).parent / "promolint")
    serving = subprocess.Popen([promolint, "watch", str(src), "--out", str(out), "--poll", "--config", str(cfg)],
                               env={**server["env"], "PREFECT_RUNNER_POLL_FREQUENCY": "2"}, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        run = scheduled_run_completed(server["url"], "promolint-watch", out)
        assert_both_packets_reviewed(run, out)
    finally:
        stop(serving)


def test_deployed_watcher_runs_on_its_schedule_on_a_work_pool(server, tmp_path):
    """prefect.yaml's watcher, deployed to a process work pool (its interval shortened to 5 s in a
    copy): the server's scheduler creates its runs and the worker runs them, nobody triggers."""
    src, out = packets(tmp_path / "in", 2), tmp_path / "out"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"flows": {"settle_seconds": 0.1}}))
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())
    [watch] = [d for d in spec["deployments"] if d["name"] == "promolint-watch"]
    # its own name: the served watcher of the test before left runs scheduled ahead under "promolint-watch"
    spec["deployments"] = [{**watch, "name": "promolint-watch-pool", "schedules": [{"interval": 5, "active": True}]}]
    prefect_file = tmp_path / "prefect.yaml"
    prefect_file.write_text(yaml.safe_dump(spec))
    env = {**server["env"], "PROMOLINT_REPO": str(REPO), "PROMOLINT_SOURCE": str(src), "PROMOLINT_OUT": str(out),
           "PROMOLINT_CONFIG": str(cfg), "PREFECT_WORKER_QUERY_SECONDS": "2"}
    worker = deploy_and_start_worker(env, tmp_path, prefect_file)
    try:
        run = scheduled_run_completed(server["url"], "promolint-watch-pool", out)
        assert_both_packets_reviewed(run, out)
    finally:
        stop(worker)
