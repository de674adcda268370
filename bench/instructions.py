"""Instruction counts (valgrind cachegrind) of a review beside the python-docx floor.

On a shared machine wall and CPU times move with the neighbours' load by 20-50%; the number of
instructions a run executes does not (it moves by well under 1% between runs), so it settles
whether a change made the code cheaper. It is not time: the ratios here are not the bench's ratios
(Python bytecode runs at a lower rate per instruction than lxml's C), only a steadier view of them.

    .venv/bin/python bench/corpus.py /tmp/corpus --n 40
    .venv/bin/python bench/instructions.py /tmp/corpus            # about 2 minutes

Cold: the whole `promolint review FILE` (its forked review process counts the parent's work before
the fork too, so it is the figure) vs `python -c` loading and saving the file with python-docx.
Warm: one process reviews the files after a warm-up review, minus the same process without them.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
PROMOLINT = str(Path(PY).parent / "promolint")

_WARM = """
import sys
from pathlib import Path
import docx
from promolint.config import load_config
from promolint.pipeline import review_bytes, write_outputs
mode, out, files = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
cfg = load_config(None)
def review(f):
    write_outputs(review_bytes(Path(f).read_bytes(), f, cfg), out, Path(f).stem)
def floor(f):
    docx.Document(f).save(str(out / "floor.docx"))
review(files[0]); floor(files[0])  # warm-up: imports, rules, templates
for f in files if mode != "setup" else ():
    (review if mode == "review" else floor)(f)
"""


def instructions(cmd: list[str], env: dict) -> int:
    """Instructions of the run's largest process (see the module docstring)."""
    r = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *cmd],
                       capture_output=True, text=True, env=env, cwd=str(REPO))
    counts = [int(m.replace(",", "")) for m in re.findall(r"I\s+refs:\s+([\d,]+)", r.stderr)]
    if not counts:
        raise SystemExit(f"valgrind gave no count for {cmd[:3]}: {r.stderr[-300:]}")
    return max(counts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="a folder of .docx packets (bench/corpus.py)")
    ap.add_argument("--files", type=int, default=5, help="packets for the warm figure, spread over the sizes")
    a = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    files = sorted(str(p) for p in a.corpus.glob("*.docx"))
    if not files:
        raise SystemExit(f"{a.corpus}: no .docx files")
    by_words = sorted(files, key=lambda f: Path(f).stat().st_size)
    cold_file = by_words[len(by_words) * 2 // 3]
    step = max(1, len(by_words) // a.files)
    warm_files = by_words[::step][: a.files]
    work = Path(tempfile.mkdtemp(prefix="promolint-instr-"))
    env = {**os.environ, "PROMOLINT_CACHE_DIR": str(work / "cache")}
    try:
        sys.path.insert(0, str(REPO / "bench"))
        from run import byte_compile  # what a wheel install does; an editable one recompiles each start

        byte_compile()
        review = [PY, PROMOLINT, "review", cold_file, "--out", str(work / "cold")]
        for _ in range(2):  # fill the on-disk caches (rules, patterns, templates) first
            subprocess.run(review, capture_output=True, env=env, cwd=str(REPO))
        cold = instructions(review, env)
        cold_floor = instructions([PY, "-c", "import sys, docx; docx.Document(sys.argv[1]).save(sys.argv[2])",
                                   cold_file, str(work / "floor.docx")], env)
        script = work / "warm.py"
        script.write_text(_WARM)
        (work / "out").mkdir()
        run = {m: instructions([PY, str(script), m, str(work / "out"), *warm_files], env)
               for m in ("setup", "review", "floor")}
        warm, warm_floor = run["review"] - run["setup"], run["floor"] - run["setup"]
        print(f"cold  `promolint review {Path(cold_file).name}`: {cold / 1e6:,.0f} M instructions; "
              f"python-docx process {cold_floor / 1e6:,.0f} M; ratio {cold / cold_floor:.2f}x")
        print(f"warm  {len(warm_files)} packets ({', '.join(Path(f).stem for f in warm_files)}): "
              f"{warm / 1e6:,.0f} M; python-docx load+save {warm_floor / 1e6:,.0f} M; ratio {warm / warm_floor:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
