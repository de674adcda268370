"""promolint benchmark: analyzer vs proselint and write-good, end to end vs python-docx, Prefect vs loop.

    .venv/bin/python bench/run.py                 # default run (about 15 minutes), writes docs/BENCHMARKS.md
    .venv/bin/python bench/run.py --quick         # smoke run (a few minutes); writes bench/results/quick.md
    .venv/bin/python bench/run.py --full          # every batch size even if it exceeds --budget-minutes
    .venv/bin/python bench/run.py --batch-sizes 100,500,1000 --batch-repeats 3 --rounds 7

Needs write-good: `npm ci --prefix bench` (without it the write-good column says "not installed").

Everything is measured in one run on the same seeded corpus (bench/corpus.py), interleaved, so the
figures that matter are RATIOS between tools measured side by side; absolute times on a shared
machine move from run to run. Each measurement runs in its own subprocess so peak RSS of one
does not contaminate another. Nothing here asserts a time: targets are reported as met/missed.

Sections:
  analyzer   promolint analysis.analyze vs proselint (PyPI) vs write-good (npm) on the same plain
             text, words per second; per file, tools in rotating order, median over rounds.
  cold       a fresh `promolint review FILE` process (about 3,000 words) vs a fresh python-docx
             load+save process, whole-process wall; `promolint --help` beside them.
  e2e        review_bytes + write_outputs (extract, analyze, annotate, render, write) vs the floor,
             python-docx load + save of the same file; per file, alternating order, median over rounds.
  memory     peak RSS (VmHWM) of one review of the largest packet, in a fresh process.
  batch      flows.flows.review_cycle (Prefect, as configured) vs the plain loop `promolint review`
             runs, for each N, alternating order; peak RSS of the whole process tree (Prefect's
             server is a subprocess) sampled with psutil.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

RESULT_TAG = "@@RESULT "
DOCS = REPO / "docs" / "BENCHMARKS.md"
DEFAULT_CORPUS = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "promolint-bench"

TARGETS = {
    "e2e_vs_floor": 3.0,          # end to end <= 3x python-docx load+save
    "analyzer_vs_proselint": 10.0,  # analyzer >= 10x proselint words/s
    "prefect_overhead": 0.25,     # Prefect <= 1.25x the plain loop
    "batch_1000_seconds": 120.0,  # 1,000 packets < 2 minutes on 2 cores
}


# --------------------------------------------------------------------------------------------
# workers: each runs in its own process (`run.py --worker KIND ARGS_JSON`) and prints one result
# --------------------------------------------------------------------------------------------

def _maxrss_mb() -> float:
    """This process's peak RSS. VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across
    fork+exec, so a worker would report the (larger) parent's size as its own peak."""
    try:
        for ln in Path("/proc/self/status").read_text().splitlines():
            if ln.startswith("VmHWM:"):
                return int(ln.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _plain_text(packet) -> str:
    """The packet's visible text, block by block: what the peers lint and what words count."""
    return "\n\n".join(b.text for s in packet.sections for b in s.blocks if b.text.strip())


def worker_analyzer(a: dict) -> dict:
    from proselint.checks import __register__
    from proselint.config import DEFAULT
    from proselint.registry import CheckRegistry
    from proselint.tools import LintFile

    from promolint.analysis import analyze
    from promolint.extractors import extract_packet
    from promolint.config import load_config

    cfg = load_config(None)
    CheckRegistry().register_many(__register__)
    pl_config = {**DEFAULT, "max_errors": 10**9}  # no early stop: lint the whole text, like the others
    files = a["files"]
    packets, texts = [], []
    for f in files:
        p = extract_packet(Path(f).read_bytes(), f, cfg)
        packets.append(p)
        texts.append(_plain_text(p))
    words = [len(t.split()) for t in texts]
    claim_words = [sum(len(c.text.split()) for c in p.claims) for p in packets]

    wg = None
    if a.get("write_good"):
        tf = Path(a["tmp"]) / "texts.json"
        tf.write_text(json.dumps(texts))
        wg = subprocess.Popen(["node", str(HERE / "writegood_worker.js"), str(tf)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, bufsize=1)

    def t_promolint(i):
        t = time.perf_counter()
        r = analyze(packets[i], cfg)
        return time.perf_counter() - t, sum(len(c.findings) for c in r.claims) + len(r.packet_findings)

    def t_proselint(i):
        t = time.perf_counter()
        r = LintFile("<bench>", texts[i]).lint(pl_config)
        return time.perf_counter() - t, len(r)

    def t_writegood(i):
        wg.stdin.write(f"{i}\n")
        wg.stdin.flush()
        _, ns, n = wg.stdout.readline().split()
        return int(ns) / 1e9, int(n)

    tools = {"promolint": t_promolint, "proselint": t_proselint}
    if wg:
        tools["write-good"] = t_writegood
    names = list(tools)
    times = {n: [[] for _ in files] for n in names}
    found = {n: [0] * len(files) for n in names}
    for i in range(min(2, len(files))):  # warm-up: regex compilation, JIT, imports
        for n in names:
            tools[n](i)
    for rnd in range(a["rounds"]):
        for i in range(len(files)):
            order = names[(rnd + i) % len(names):] + names[:(rnd + i) % len(names)]
            for n in order:
                sec, k = tools[n](i)
                times[n][i].append(sec)
                found[n][i] = k
    if wg:
        wg.stdin.close()
        wg.wait(timeout=30)
    return {"files": files, "words": words, "claim_words": claim_words, "times": times, "found": found}


def worker_e2e(a: dict) -> dict:
    import docx

    from promolint.config import load_config
    from promolint.pipeline import review_bytes, write_outputs

    cfg = load_config(None)
    out = Path(a["out"])
    files = a["files"]

    cpu = {"floor": [[] for _ in files], "e2e": [[] for _ in files]}

    def floor(i):
        f = files[i]
        t, c = time.perf_counter(), time.process_time()
        d = docx.Document(f)
        d.save(str(out / f"floor_{i}.docx"))
        cpu["floor"][i].append(time.process_time() - c)
        return time.perf_counter() - t

    def e2e(i):
        f = files[i]
        t, c = time.perf_counter(), time.process_time()
        data = Path(f).read_bytes()
        o = review_bytes(data, f, cfg)
        write_outputs(o, out / "reviewed", Path(f).stem)
        cpu["e2e"][i].append(time.process_time() - c)
        return time.perf_counter() - t

    floor(0), e2e(0)  # warm-up: imports, templates, fonts
    cpu = {"floor": [[] for _ in files], "e2e": [[] for _ in files]}
    res = {"floor": [[] for _ in files], "e2e": [[] for _ in files]}
    for rnd in range(a["rounds"]):
        for i in range(len(files)):
            pair = [("floor", floor), ("e2e", e2e)]
            if (rnd + i) % 2:
                pair.reverse()
            for n, fn in pair:
                res[n][i].append(fn(i))
    # CPU time beside wall: on a shared machine it moves less with the load (the review is one thread)
    res["cpu"] = cpu
    # one pass with the stages timed separately (same calls review_bytes makes), for the breakdown
    from promolint.analysis import analyze
    from promolint.annotate import annotate_document
    from promolint.extractors import extract_document, open_checked
    from promolint.extractors.container import check_container
    from promolint.pipeline import ReviewOutputs
    from promolint.render import render_feedback

    stages = {k: [] for k in ("read", "extract", "analyze", "annotate", "render", "write")}
    for f in files:
        t0 = time.perf_counter()
        data = Path(f).read_bytes()
        t1 = time.perf_counter()
        document = open_checked(check_container(data, f, cfg.limits), f)  # the gate, once per review
        p = extract_document(document, f, cfg)
        t2 = time.perf_counter()
        r = analyze(p, cfg)
        t3 = time.perf_counter()
        ann = annotate_document(document, r, cfg)
        t4 = time.perf_counter()
        fb = render_feedback(r, cfg, formats=cfg.output.formats, previous=None)
        t5 = time.perf_counter()
        write_outputs(ReviewOutputs(review=r, annotated=ann, feedback=fb), out / "stages", Path(f).stem)
        t6 = time.perf_counter()
        for k, v in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
            stages[k].append(v)
    res["stages"] = stages
    res["files"] = files
    return res


def worker_peak(a: dict) -> dict:
    """Peak RSS of one review (or of imports only / of the floor) in this fresh process."""
    import docx

    from promolint.config import load_config
    from promolint.pipeline import review_bytes, write_outputs

    cfg = load_config(None)
    from promolint import analysis, annotate, extractors, render  # noqa: F401  (imports counted in the baseline)

    base = _rss_mb()
    t = time.perf_counter()
    if a["mode"] == "review":
        o = review_bytes(Path(a["file"]).read_bytes(), a["file"], cfg)
        write_outputs(o, Path(a["out"]), Path(a["file"]).stem)
    elif a["mode"] == "floor":
        docx.Document(a["file"]).save(str(Path(a["out"]) / "floor.docx"))
    return {"rss_after_imports_mb": base, "peak_rss_mb": _maxrss_mb(), "seconds": time.perf_counter() - t}


def worker_loop(a: dict) -> dict:
    """The plain pipeline loop, as `promolint review FOLDER` runs it (no Prefect, no ledger)."""
    t_start = time.perf_counter()
    from promolint.config import load_config
    from promolint.pipeline import review_bytes, write_outputs
    from promolint.sources.local import LocalSource

    cfg = load_config(None)
    out = Path(a["out"])
    t0 = time.perf_counter()
    done = []
    for item in LocalSource([Path(a["source"])]).list():
        data = Path(item.source_id).read_bytes()
        o = review_bytes(data, item.name, cfg)
        write_outputs(o, out, Path(item.name).stem)
        done.append(time.perf_counter() - t0)
    return {"seconds": time.perf_counter() - t0, "import_seconds": t0 - t_start, "packets": len(done),
            "at": _milestones(done), "peak_rss_mb": _maxrss_mb()}


def worker_prefect(a: dict) -> dict:
    """flows.flows.review_cycle on the folder, on a private PREFECT_HOME (ephemeral server)."""
    t_start = time.perf_counter()
    import promolint.flows.flows as ff
    from prefect import flow

    @flow(name="bench-warm-up", persist_result=False)
    def warm_up() -> int:
        return 1

    t_imp = time.perf_counter()
    warm_up()  # starts the ephemeral server: timed separately from the batch
    t0 = time.perf_counter()
    done = []
    ff.PROGRESS = lambda r: done.append(time.perf_counter() - t0)
    counts = ff.review_cycle(source=a["source"], out=a["out"], config_path=a.get("config"))
    sec = time.perf_counter() - t0
    return {"seconds": sec, "import_seconds": t_imp - t_start, "server_start_seconds": t0 - t_imp,
            "counts": counts, "packets": len(done), "at": _milestones(sorted(done)), "peak_rss_mb": _maxrss_mb()}


def worker_prefect_init(a: dict) -> dict:
    """Creates and migrates the template PREFECT_HOME once (first start runs migrations)."""
    from prefect import flow

    @flow(name="bench-init", persist_result=False)
    def init() -> int:
        return 1

    t = time.perf_counter()
    init()
    return {"seconds": time.perf_counter() - t}


def _milestones(done: list[float]) -> dict:
    return {str(k): done[k - 1] for k in (1, 10, 100, 250, 500, 750, 1000) if k <= len(done)}


WORKERS = {"analyzer": worker_analyzer, "e2e": worker_e2e, "peak": worker_peak, "loop": worker_loop,
           "prefect": worker_prefect, "prefect_init": worker_prefect_init}


# --------------------------------------------------------------------------------------------
# parent: spawns workers, samples tree RSS, writes the report
# --------------------------------------------------------------------------------------------

class TreeRSS(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants, sampled every `interval` s."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.stop = pid, interval, 0, threading.Event()

    def run(self):
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.is_set():
            total = 0
            try:
                procs = [root] + root.children(recursive=True)
            except psutil.Error:
                break
            for p in procs:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self.stop.wait(self.interval)


def spawn(kind: str, args: dict, env: dict | None = None, timeout: float = 7200, log: Path | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, json.dumps(args)]
    t = time.perf_counter()
    errf = open(log, "a") if log else subprocess.DEVNULL
    full_env = {**os.environ, **(env or {})}
    if "PREFECT_HOME" in (env or {}):
        full_env.pop("PREFECT_API_URL", None)  # always the private ephemeral server, never a shared one
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf, text=True, cwd=str(REPO), env=full_env)
    sampler = TreeRSS(proc.pid)
    sampler.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        sampler.stop.set()
        sampler.join()
        if log:
            errf.close()
    wall = time.perf_counter() - t
    lines = [ln for ln in out.splitlines() if ln.startswith(RESULT_TAG)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"worker {kind} failed (exit {proc.returncode}); see {log or 'stderr'}")
    res = json.loads(lines[-1][len(RESULT_TAG):])
    res["process_wall_seconds"] = wall
    res["tree_peak_rss_mb"] = sampler.peak / 2**20
    return res


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def machine() -> dict:
    cpu = "unknown"
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        free = subprocess.run(["free", "-m"], capture_output=True, text=True).stdout.strip()
    except OSError:
        free = ""
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        node = "not installed"
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    from importlib.metadata import version

    def v(p):
        try:
            return version(p)
        except Exception:
            return "?"

    return {"cpu": cpu, "cores": os.cpu_count(), "free": free, "python": platform.python_version(),
            "platform": platform.platform(), "node": node, "loadavg_at_start": load,
            "versions": {p: v(p) for p in ("promolint", "prefect", "python-docx", "proselint")},
            "write_good": _write_good_version()}


def _write_good_version() -> str | None:
    pj = HERE / "node_modules" / "write-good" / "package.json"
    try:
        return json.loads(pj.read_text())["version"] if shutil.which("node") else None
    except (OSError, ValueError, KeyError):
        return None


def pick_sample(metas: list[dict], per_size: int) -> list[dict]:
    """The first `per_size` packets of every page count, in corpus order."""
    out, seen = [], {}
    for m in metas:
        if seen.get(m["pages"], 0) < per_size:
            seen[m["pages"]] = seen.get(m["pages"], 0) + 1
            out.append(m)
    return sorted(out, key=lambda m: (m["pages"], m["index"]))


def main(argv=None) -> int:
    raw_argv = sys.argv[1:] if argv is None else list(argv)
    if raw_argv[:1] == ["--worker"]:
        res = WORKERS[raw_argv[1]](json.loads(raw_argv[2]))
        print(RESULT_TAG + json.dumps(res), flush=True)
        return 0
    ap = argparse.ArgumentParser(description="promolint benchmark (see the module docstring)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--batch-sizes", default="100,500,1000", help="comma-separated N for the batch section")
    ap.add_argument("--batch-repeats", type=int, default=None,
                    help="runs per N (default: 3 for N<=100, else 1; alternating loop/Prefect)")
    ap.add_argument("--per-size", type=int, default=2, help="packets per page count (1..12) for analyzer/e2e")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds per file for analyzer/e2e")
    ap.add_argument("--budget-minutes", type=float, default=15.0,
                    help="skip batch sizes whose estimated time would exceed this total (see --full)")
    ap.add_argument("--full", action="store_true", help="run every batch size whatever the estimate")
    ap.add_argument("--dask", action="store_true",
                    help="also run the batch with flows.task_runner=dask, 2 worker processes (one per core)")
    ap.add_argument("--skip", default="", help="comma-separated sections to skip: analyzer,cold,e2e,memory,batch")
    ap.add_argument("--quick", action="store_true", help="small smoke run: N=20,50; 1 packet per size; 2 rounds")
    ap.add_argument("--corpus-dir", type=Path, default=None, help=f"corpus cache (default {DEFAULT_CORPUS}/SEED)")
    ap.add_argument("--output", type=Path, default=None, help="report path (default docs/BENCHMARKS.md; "
                                                             "--quick: bench/results/quick.md)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    ap.add_argument("--rerender", type=Path, default=None, metavar="RESULTS_JSON",
                    help="only rewrite the report from a results JSON (e.g. bench/results/latest.json)")
    a = ap.parse_args(argv)
    if a.rerender:
        (a.output or DOCS).write_text(render_report(json.loads(a.rerender.read_text())))
        return 0

    from corpus import DEFAULT_SEED, WORDS_PER_PAGE, corpus_digest, generate

    if a.quick:
        a.batch_sizes, a.per_size, a.rounds = "20,50", 1, 2
    seed = a.seed if a.seed is not None else DEFAULT_SEED
    sizes = sorted({int(x) for x in a.batch_sizes.split(",") if x.strip()})
    skip = {s.strip() for s in a.skip.split(",") if s.strip()}
    output = a.output or (HERE / "results" / "quick.md" if a.quick else DOCS)
    argv_shown = " ".join(["bench/run.py", *raw_argv])
    t_begin = time.perf_counter()
    deadline = t_begin + a.budget_minutes * 60
    work = Path(tempfile.mkdtemp(prefix="promolint-bench-"))
    log = work / "workers.log"
    say = lambda *m: print(f"[{time.perf_counter() - t_begin:6.0f}s]", *m, file=sys.stderr, flush=True)  # noqa: E731
    results: dict = {"machine": machine(), "command": f".venv/bin/python {argv_shown}", "seed": seed,
                     "started": dt.datetime.now().isoformat(timespec="seconds"), "sections": {}}
    try:
        corpus_dir = a.corpus_dir or DEFAULT_CORPUS / str(seed)
        n_corpus = max(sizes + [12 * a.per_size, 12])
        say(f"corpus: {n_corpus} packets in {corpus_dir} (generated once, then reused)")
        metas = generate(corpus_dir, n_corpus, seed)
        results["corpus"] = {"dir": str(corpus_dir), "n": len(metas), "digest_all": corpus_digest(metas),
                             "words_per_page": WORDS_PER_PAGE,
                             "pages_hist": {p: sum(m["pages"] == p for m in metas) for p in range(1, 13)},
                             "mean_words": statistics.mean(m["words"] for m in metas),
                             "styled_share": statistics.mean(m["styled"] for m in metas)}
        sample = pick_sample(metas, a.per_size)
        files = [m["path"] for m in sample]
        results["sample"] = [{k: m[k] for k in ("name", "pages", "words", "bytes")} for m in sample]
        per_packet_estimate = 1.5  # seconds; replaced by the e2e measurement

        if "analyzer" not in skip:
            say(f"analyzer: {len(files)} packets x {a.rounds} rounds, promolint vs proselint vs write-good")
            wg = _write_good_version() is not None
            if not wg:
                say("write-good not installed: run `npm ci --prefix bench`")
            r = spawn("analyzer", {"files": files, "rounds": a.rounds, "write_good": wg, "tmp": str(work)}, log=log)
            results["sections"]["analyzer"] = r
        if "cold" not in skip:
            target = min(metas, key=lambda m: abs(m["words"] - 3000))
            say(f"cold: fresh `promolint review` of {target['name']} vs a fresh python-docx load+save process")
            results["sections"]["cold"] = run_cold(target, work, a.rounds + 2)
        if "e2e" not in skip:
            say(f"e2e: {len(files)} packets x {a.rounds} rounds, review vs python-docx load+save")
            (work / "e2e").mkdir()
            r = spawn("e2e", {"files": files, "rounds": a.rounds, "out": str(work / "e2e")}, log=log)
            results["sections"]["e2e"] = r
            # corpus-weighted per-packet time for the batch estimate: seconds per word * mean words
            w = {m["path"]: m["words"] for m in sample}
            spw = med([med(t) / w[f] for f, t in zip(r["files"], r["e2e"])])
            per_packet_estimate = spw * results["corpus"]["mean_words"]
            shutil.rmtree(work / "e2e", ignore_errors=True)
        if "memory" not in skip:
            largest = max(metas, key=lambda m: m["words"])
            say(f"memory: peak RSS reviewing the largest packet ({largest['name']}, {largest['words']} words)")
            mem = {"file": largest["name"], "words": largest["words"], "runs": {}}
            for mode in ("imports", "floor", "review"):
                mem["runs"][mode] = []
                for _ in range(3):
                    d = work / f"peak_{mode}"
                    d.mkdir(exist_ok=True)
                    mem["runs"][mode].append(spawn("peak", {"mode": mode, "file": largest["path"], "out": str(d)}, log=log))
            results["sections"]["memory"] = mem
        if "batch" not in skip:
            results["sections"]["batch"] = run_batch(a, sizes, metas, work, log, say, deadline, per_packet_estimate)
    finally:
        results["total_minutes"] = (time.perf_counter() - t_begin) / 60
        raw = HERE / "results" / ("quick.json" if a.quick else "latest.json")
        if a.output:
            raw = a.output.with_suffix(".json")
        results["raw"] = str(raw.relative_to(REPO)) if raw.is_relative_to(REPO) else str(raw)
        raw.parent.mkdir(exist_ok=True)
        raw.write_text(json.dumps(results, indent=1, default=str))
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"kept {work}")
    report = render_report(results)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
    say(f"wrote {output} and {raw} in {results['total_minutes']:.1f} min")
    for ln in headline(results)[2:-2]:
        say(ln)
    print(report)
    return 0


def _wall(cmd: list[str], env: dict, cpu: list | None = None) -> float:
    """Wall seconds of one whole process; its CPU seconds (user + sys) appended to `cpu`, which
    move less than wall time when the shared machine is busy."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=str(REPO), env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall


def byte_compile() -> int:
    """Byte-compile the package's source folders, as `pip install` does for a wheel: an editable
    install leaves them uncompiled, and with PYTHONDONTWRITEBYTECODE set (as on this machine) every
    fresh process would compile them again. Returns how many folders were compiled."""
    import compileall
    import tomllib

    dirs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"].values()
    done = 0
    for d in sorted(set(dirs)):
        if (REPO / d).is_dir() and compileall.compile_dir(str(REPO / d), quiet=1, maxlevels=0):
            done += 1
    return done


def run_cold(meta: dict, work: Path, rounds: int) -> dict:
    """Wall time of whole processes, as a user runs them: `promolint review FILE`, `promolint
    --help`, and a `python -c` that loads and saves the file with python-docx (the floor). The
    ruleset cache is private to the run: the first review builds it (reported apart), later ones
    load it. Alternating order per round; medians."""
    cache = work / "rules-cache"
    env = {**os.environ, "PROMOLINT_CACHE_DIR": str(cache)}
    exe = str(Path(sys.executable).parent / "promolint")
    f, out = meta["path"], work / "cold"
    review = [exe, "review", f, "--out", str(out)]
    floor = [sys.executable, "-c", "import sys, docx; docx.Document(sys.argv[1]).save(sys.argv[2])", f,
             str(work / "cold_floor.docx")]
    helpc = [exe, "--help"]
    shutil.rmtree(cache, ignore_errors=True)
    compiled = byte_compile()
    first = _wall(review, env)  # builds and writes the ruleset cache
    res = {"file": meta["name"], "words": meta["words"], "first_review": first, "byte_compiled_dirs": compiled,
           "review": [], "floor": [], "help": [], "cpu": {"review": [], "floor": [], "help": []}}
    for rnd in range(rounds):
        order = [("review", review), ("floor", floor), ("help", helpc)]
        if rnd % 2:
            order.reverse()
        for k, cmd in order:
            res[k].append(_wall(cmd, env, res["cpu"][k]))
    return res


def run_batch(a, sizes, metas, work, log, say, deadline, per_packet) -> dict:
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    template = work / "prefect-home-template"
    penv = {"PREFECT_HOME": str(template), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    say("batch: migrating a private PREFECT_HOME once (first start runs migrations)")
    init = spawn("prefect_init", {}, env=penv, log=log)
    variants = [("prefect", None)]
    if a.dask:
        cfg = work / "dask.yaml"
        cfg.write_text("flows:\n  task_runner: dask\n  dask_workers: 2\n")
        variants.append(("prefect-dask", str(cfg)))
    out = {"init_seconds": init["seconds"], "per_packet_estimate": per_packet, "runs": {}, "not_run": {}}
    for k, n in enumerate(sizes):
        wanted = a.batch_repeats or (3 if n <= 100 else 1)
        one = per_packet * n * (1 + len(variants)) * 1.15 + 40 * len(variants)  # + Prefect server start
        left = deadline - time.perf_counter()
        reps = wanted if a.full else min(wanted, int(left // one))
        if reps < 1 and k == 0:
            reps = 1  # the smallest N always runs once, so the ratio is always measured
        if reps < 1:
            out["not_run"][str(n)] = f"estimated {one / 60:.0f} min per repeat, {max(left, 0) / 60:.0f} min left"
            say(f"batch N={n}: skipped ({out['not_run'][str(n)]}; pass --full to run it)")
            continue
        if reps < wanted:
            say(f"batch N={n}: {reps} of {wanted} repeats fit in --budget-minutes")
        src = work / f"corpus_{n}"
        src.mkdir(exist_ok=True)
        for m in metas[:n]:
            link = src / m["name"]
            if not link.exists():
                os.symlink(m["path"], link)
        runs = {k: [] for k in ["loop"] + [v for v, _ in variants]}
        for rep in range(reps):
            order = [("loop", None)] + variants
            if rep % 2:
                order.reverse()
            for kind, cfgp in order:
                say(f"batch N={n} run {rep + 1}/{reps}: {kind}")
                o = work / f"out_{n}_{kind}_{rep}"
                if kind == "loop":
                    r = spawn("loop", {"source": str(src), "out": str(o)}, log=log)
                else:
                    home = work / f"prefect-home-{n}-{kind}-{rep}"
                    shutil.copytree(template, home)
                    r = spawn("prefect", {"source": str(src), "out": str(o), "config": cfgp},
                              env={**penv, "PREFECT_HOME": str(home)}, log=log)
                    shutil.rmtree(home, ignore_errors=True)
                runs[kind].append(r)
                shutil.rmtree(o, ignore_errors=True)
        out["runs"][str(n)] = runs
    return out


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------

def _f(x, nd=2, unit=""):
    if x is None:
        return "n/a"
    if isinstance(x, float) and abs(x) >= 100:
        return f"{x:,.0f}{unit}"
    return f"{x:,.{nd}f}{unit}"


def _met(ok) -> str:
    return "n/a (not measured)" if ok is None else ("**met**" if ok else "**missed**")


def headline(res: dict) -> list[str]:
    """The single-packet figures side by side with their python-docx floor, measured in this run."""
    s = res["sections"]
    rows = []
    co = s.get("cold")
    if co:
        rv, fl = med(co["review"]), med(co["floor"])
        rows.append(f"| Cold `promolint review` ({co['words']} words, fresh process) | {rv:.2f} s | "
                    f"{fl:.2f} s (fresh python-docx load+save process) | **{rv / fl:.1f}x** | 3x |")
    e = s.get("e2e")
    if e:
        fl = [med(x) for x in e["floor"]]
        ee = [med(x) for x in e["e2e"]]
        ratios = [b / a for a, b in zip(fl, ee)]
        pages = {r["name"]: r["pages"] for r in res.get("sample", [])}
        i_med = sorted(range(len(ratios)), key=ratios.__getitem__)[len(ratios) // 2]
        i_max = max(range(len(ratios)), key=ratios.__getitem__)
        for label, i, r in (("median packet", i_med, med(ratios)), ("worst packet", i_max, ratios[i_max])):
            name = Path(e["files"][i]).name
            rows.append(f"| Warm end to end, {label} ({name}, {pages.get(name, '?')} pages) | {ee[i] * 1000:.0f} ms | "
                        f"{fl[i] * 1000:.0f} ms (python-docx load+save, same file) | **{r:.1f}x** | 3x |")
    if not rows:
        return []
    return ["## Headline: one packet vs python-docx", "",
            "| Figure | promolint | python-docx floor | ratio | target |", "| --- | ---: | ---: | ---: | ---: |",
            *rows, "", "Details and the per-packet table below.", ""]


def render_report(res: dict) -> str:
    m, s = res["machine"], res["sections"]
    L = ["# Benchmarks", "",
         "Generated by `bench/run.py` (see the README's development section); do not edit by hand.",
         "All figures come from **one run** on one seeded corpus with the tools interleaved on the same files,",
         "so the **ratios** are the result; absolute times depend on the machine and its load (the machine is",
         "shared). Times are medians over repeated runs. Nothing in the benchmark or the tests asserts a time.", "",
         "## Machine and command", "",
         f"- CPU: {m['cpu']}, {m['cores']} cores; load average at start {m.get('loadavg_at_start')}",
         f"- Python {m['python']} on {m['platform']}; Node {m['node']}",
         f"- Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
         + f", write-good {m.get('write_good') or 'not installed'}",
         f"- Run started {res['started']}, took {res.get('total_minutes', 0):.1f} min",
         "- Memory (`free -m`):", "", "```", m["free"], "```", "",
         f"Command: `{res['command']}` (`make bench`; `npm ci --prefix bench` first for write-good)", ""]
    L += headline(res)
    c = res.get("corpus")
    if c:
        L += ["## Corpus", "",
              f"`bench/corpus.py`, seed {res['seed']}: {c['n']} packets (digest `{c['digest_all']}`), "
              f"1 to 12 pages at about {c['words_per_page']} words a page, mean {c['mean_words']:.0f} words; "
              f"{c['styled_share'] * 100:.0f}% with Word heading styles, the rest unstyled (ALL CAPS sections, "
              "bold story titles); weak, mixed and strong writing across eight engineering areas; "
              "bullets, metric tables, quotes and 1 to 9 stories per packet.", "",
              "Pages: " + ", ".join(f"{p}p: {n}" for p, n in c["pages_hist"].items()), "",
              f"Per-packet sections use {len(res.get('sample', []))} packets "
              f"(the first of each page count, 1 to 12).", ""]
    verdicts = []

    an = s.get("analyzer")
    if an:
        tools = list(an["times"])
        words = an["words"]
        per = {t: [med(x) for x in an["times"][t]] for t in tools}
        tot_w = sum(words)
        wps = {t: tot_w / sum(per[t]) for t in tools}
        L += ["## Analyzer throughput (same plain text)", "",
              "promolint: `analysis.analyze(packet)` on the extracted packet; proselint "
              f"{m['versions']['proselint']}: `LintFile(text).lint()` with every check and no error cap; write-good "
              f"{m.get('write_good') or '-'}: `writeGood(text)` in a persistent Node process (only the call is timed). "
              "The text is every block of the packet joined; words are whitespace-separated tokens of that text. "
              "Per file, the tools run in rotating order; median per file over the rounds; words/s = total words / "
              "sum of per-file medians.", "",
              "| Tool | words/s | median ms per packet | promolint speed ratio (promolint words/s / tool words/s) |",
              "| --- | ---: | ---: | ---: |"]
        for t in tools:
            L.append(f"| {t} | {wps[t]:,.0f} | {med(per[t]) * 1000:.1f} | {wps['promolint'] / wps[t]:.2f}x |")
        ratio_files = [per["proselint"][i] / per["promolint"][i] for i in range(len(words))]
        L += ["", f"Per-file ratio proselint time / promolint time: median {med(ratio_files):.2f}x, "
                  f"min {min(ratio_files):.2f}x, max {max(ratio_files):.2f}x. promolint reviews the claims of the "
                  f"What You Did section ({sum(an['claim_words']) / tot_w * 100:.0f}% of the words) plus "
                  "packet-level checks; the peers lint all of the text.", ""]
        r = wps["promolint"] / wps["proselint"]
        verdicts.append(("Analyzer >= 10x proselint throughput", f"{r:.2f}x", r >= TARGETS["analyzer_vs_proselint"]))

    co = s.get("cold")
    if co:
        rv, fl, hp = med(co["review"]), med(co["floor"]), med(co["help"])
        L += ["## Cold single review (a fresh process)", "",
              f"`promolint review {co['file']}` ({co['words']} words) as a user runs it, whole-process wall time, "
              "vs a fresh `python -c` process that loads and saves the same file with python-docx. The first "
              "review of the run builds the on-disk caches (`promolint/cache.py`: rulesets, principles, the "
              "stages' import-time patterns); the others load them. The package's modules are byte-compiled "
              "first, as a wheel install does (an editable install does not). "
              f"Alternating order; median of {len(co['review'])}.", "",
              "| Process | wall s | vs python-docx process | CPU s | CPU vs python-docx |",
              "| --- | ---: | ---: | ---: | ---: |"]
        cpu = {k: med(v) for k, v in co.get("cpu", {}).items()}
        c_fl = cpu.get("floor")
        for label, k, w in (("python-docx load+save", "floor", fl), ("`promolint review` (ruleset cache warm)", "review", rv),
                            ("`promolint --help`", "help", hp)):
            c = cpu.get(k)
            L.append(f"| {label} | {w:.2f} | {w / fl:.2f}x | {_f(c)} | "
                     f"{f'{c / c_fl:.2f}x' if c is not None and c_fl else 'n/a'} |")
        L += [f"| `promolint review`, first run (builds the cache) | {co['first_review']:.2f} | "
              f"{co['first_review'] / fl:.2f}x |  |  |", ""]
        verdicts.append(("Cold single review <= 3x the python-docx process", f"{rv / fl:.2f}x",
                         rv / fl <= TARGETS["e2e_vs_floor"]))

    e = s.get("e2e")
    if e:
        fl = [med(x) for x in e["floor"]]
        ee = [med(x) for x in e["e2e"]]
        ratios = [b / a_ for a_, b in zip(fl, ee)]
        sample = {r_["name"]: r_ for r_ in res.get("sample", [])}
        L += ["## End to end per packet vs python-docx load+save", "",
              "End to end: read the file, `review_bytes` (extract, analyze, annotate, render the feedback memo as "
              ".docx) and `write_outputs` (annotated copy, findings JSON, memo; atomic writes with fsync). Floor: "
              "`docx.Document(path)` then `.save()` of the same file. Alternating order per file; median over rounds.",
              "",
              "| Packet | pages | words | floor ms | end-to-end ms | ratio |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for f, a_, b, r_ in zip(e["files"], fl, ee, ratios):
            meta = sample.get(Path(f).name, {})
            L.append(f"| {Path(f).name} | {meta.get('pages', '')} | {meta.get('words', '')} | {a_ * 1000:.0f} | "
                     f"{b * 1000:.0f} | {r_:.1f}x |")
        agg = sum(ee) / sum(fl)
        pages = [sample.get(Path(f).name, {}).get("pages", 0) for f in e["files"]]
        big = [r_ for r_, p in zip(ratios, pages) if p == max(pages)]
        L += ["", f"Median ratio over packets **{med(ratios):.1f}x** (total time ratio {agg:.1f}x; "
                  f"min {min(ratios):.1f}x, worst {max(ratios):.1f}x; largest size, {max(pages)} pages: "
                  f"{med(big):.1f}x).", ""]
        c = e.get("cpu")
        if c:
            c_ratios = [med(b) / med(a_) for a_, b in zip(c["floor"], c["e2e"]) if a_ and b and med(a_)]
            L += [f"In CPU time (process_time of this one-threaded process, which moves less with the machine's "
                  f"load than wall time): median ratio {med(c_ratios):.1f}x, worst {max(c_ratios):.1f}x.", ""]
        st = e.get("stages")
        if st:
            tot = sum(sum(v) for v in st.values())
            L += ["Where the time goes (one pass over the same packets, stages timed separately):", "",
                  "| Stage | median ms | share of total |", "| --- | ---: | ---: |"]
            for k, v in st.items():
                L.append(f"| {k} | {med(v) * 1000:.0f} | {sum(v) / tot * 100:.0f}% |")
            L.append("")
        verdicts.append(("Warm end to end <= 3x python-docx load+save (median packet)", f"{med(ratios):.1f}x",
                         med(ratios) <= TARGETS["e2e_vs_floor"]))
        verdicts.append(("Warm end to end <= 3x python-docx load+save (worst packet)", f"{max(ratios):.1f}x",
                         max(ratios) <= TARGETS["e2e_vs_floor"]))

    mem = s.get("memory")
    if mem:
        L += ["## Peak memory, largest packet", "",
              f"`{mem['file']}` ({mem['words']} words); a fresh process per run with all promolint stages imported; "
              "peak RSS is the process's VmHWM, median of 3 runs.", "",
              "| Process | RSS after imports MB | peak RSS MB | seconds |", "| --- | ---: | ---: | ---: |"]
        for mode, runs in mem["runs"].items():
            label = {"imports": "imports only", "floor": "python-docx load+save", "review": "one review"}[mode]
            L.append(f"| {label} | {med([r_['rss_after_imports_mb'] for r_ in runs]):.0f} | "
                     f"{med([r_['peak_rss_mb'] for r_ in runs]):.0f} | {med([r_['seconds'] for r_ in runs]):.2f} |")
        L.append("")

    b = s.get("batch")
    if b:
        L += render_batch(b, verdicts)

    L += ["## Targets", "", "| Target | Measured | Verdict |", "| --- | --- | --- |"]
    for name, measured, ok in verdicts:
        L.append(f"| {name} | {measured} | {_met(ok)} |")
    L += ["", f"Raw figures of this run: `{res.get('raw', 'bench/results/latest.json')}`.", ""]
    L += [f"Note: {n}." for n in res.get("notes", [])]
    return "\n".join(L)


def render_batch(b: dict, verdicts: list) -> list[str]:
    L = ["## Batch: Prefect vs the plain loop", "",
         "Plain loop: one process, `review_bytes` + `write_outputs` per file (what `promolint review FOLDER` does). "
         "Prefect: `flows.flows.review_cycle` (ledger, task per packet on the configured task runner, cycle summary, "
         "artifacts) on a private PREFECT_HOME with the ephemeral server; batch time is from the flow call to its "
         "return, after a warm-up flow started the server (server start is shown separately). "
         "Process = whole subprocess wall time, imports and server included. "
         "Peak RSS is the summed RSS of the process tree (Prefect's server is a subprocess), sampled every 0.2 s. "
         "Alternating order per repeat; medians.", "",
         "| N | runs | variant | batch s | per packet ms | process s | Prefect / loop (batch) | Prefect / loop (process) | server start s | peak RSS tree MB |",
         "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    per_packet = {}
    rss = {}
    worst = None
    for n, runs in b["runs"].items():
        loop_s = med([r["seconds"] for r in runs["loop"]])
        loop_p = med([r["process_wall_seconds"] for r in runs["loop"]])
        for kind, rs in runs.items():
            sec = med([r["seconds"] for r in rs])
            proc = med([r["process_wall_seconds"] for r in rs])
            srv = med([r.get("server_start_seconds") for r in rs])
            peak = med([r["tree_peak_rss_mb"] for r in rs])
            per_packet.setdefault(kind, {})[int(n)] = sec / int(n)
            rss.setdefault(kind, {})[int(n)] = peak
            ratio = "" if kind == "loop" else f"{sec / loop_s:.2f}x"
            ratio_p = "" if kind == "loop" else f"{proc / loop_p:.2f}x"
            if kind == "prefect":
                worst = max(worst or 0, sec / loop_s)
            L.append(f"| {n} | {len(rs)} | {kind} | {sec:.1f} | {sec / int(n) * 1000:.0f} | {proc:.1f} | {ratio} | "
                     f"{ratio_p} | {_f(srv, 1) if kind != 'loop' else ''} | {peak:.0f} |")
    for n, why in b.get("not_run", {}).items():
        L.append(f"| {n} | 0 | not run | {why} |  |  |  |  |  |  |")
    L.append("")
    if len(next(iter(per_packet.values()), {})) >= 2:
        L += ["Growth with N (per-packet time and peak RSS, relative to the smallest N):", ""]
        for kind in per_packet:
            ns = sorted(per_packet[kind])
            L.append(f"- {kind}: per-packet time " + ", ".join(
                f"N={n}: {per_packet[kind][n] / per_packet[kind][ns[0]]:.2f}x" for n in ns)
                + "; peak RSS " + ", ".join(f"N={n}: {rss[kind][n] / rss[kind][ns[0]]:.2f}x" for n in ns))
        L.append("")
    if worst is not None:
        verdicts.append(("Prefect batch overhead <= 25% over the plain loop (worst N, batch time)",
                         f"{(worst - 1) * 100:+.0f}%", worst <= 1 + TARGETS["prefect_overhead"]))
    best_1000 = None
    for kind in ("prefect", "prefect-dask"):
        r = b["runs"].get("1000", {}).get(kind)
        if r:
            s_ = med([x["process_wall_seconds"] for x in r])
            best_1000 = s_ if best_1000 is None else min(best_1000, s_)
    verdicts.append(("1,000 packets through Prefect < 2 minutes on 2 cores (process wall time)",
                     "not run" if best_1000 is None else f"{best_1000:.0f} s",
                     None if best_1000 is None else best_1000 < TARGETS["batch_1000_seconds"]))
    if "prefect" in per_packet and len(per_packet["prefect"]) >= 2:
        ns = sorted(per_packet["prefect"])
        g = per_packet["prefect"][ns[-1]] / per_packet["prefect"][ns[0]]
        verdicts.append((f"Time linear in N (Prefect per-packet time, N={ns[-1]} vs N={ns[0]}, within 1.25x)",
                         f"{g:.2f}x", g <= 1.25))
        gm = rss["prefect"][ns[-1]] / rss["prefect"][ns[0]]
        verdicts.append((f"Memory flat in N (Prefect peak RSS, N={ns[-1]} vs N={ns[0]}, within 1.25x)",
                         f"{gm:.2f}x", gm <= 1.25))
    if b["runs"].get("1000"):
        r = b["runs"]["1000"]
        L += ["Peak RSS of the 1,000-packet batch: " + ", ".join(
            f"{k} {med([x['tree_peak_rss_mb'] for x in v]):.0f} MB" for k, v in r.items()), ""]
    return L


if __name__ == "__main__":
    sys.exit(main())
