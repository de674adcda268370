"""The built wheel, installed the way a user installs it, reviews a packet from any folder.

The wheel is built from this checkout (pip wheel --no-deps: setuptools comes from the index pip
is configured with), installed with --no-deps into a fresh virtualenv that reaches the locked
dependencies of .venv, and run from a temporary directory, so neither the checkout nor an
editable install can stand in for it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "01_weak_backend_l4_l5.docx"

pytestmark = pytest.mark.slow


def _run(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = out / "src"
    # A clean copy of the tracked tree: build artefacts of the checkout cannot leak into the wheel.
    files = _run("git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    for name in filter(None, files.split("\0")):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    r = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, src)
    assert r.returncode == 0, r.stderr[-3000:]
    [whl] = out.glob("promolint-*.whl")
    return whl


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed --no-deps; the locked dependencies come from .venv."""
    venv = tmp_path_factory.mktemp("venv") / "fresh"
    assert _run(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    purelib = Path(_run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                   .stdout.strip())
    # The locked dependencies, reached through a .pth; .pth files in that folder (the checkout's
    # editable install) are not processed, so only the wheel provides promolint.
    (purelib / "locked-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    r = _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps", "--no-index", "-q",
             wheel)
    assert r.returncode == 0, r.stderr[-3000:]
    return venv


def test_the_wheel_holds_promolint_only(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        top_level = z.read(next(n for n in names if n.endswith(".dist-info/top_level.txt"))).decode().split()
    assert top_level == ["promolint"]
    assert {n.split("/")[0] for n in names} == {"promolint", wheel.name.split("-py3")[0] + ".dist-info"}
    # embedded defaults and templates ship; test helpers do not
    for data in ("promolint/defaults/default.yaml", "promolint/defaults/rules/ownership.yaml",
                 "promolint/templates/feedback.docx"):
        assert data in names, data
    assert not [n for n in names if "fixtures" in n or "/tests/" in n or "node_modules" in n]


def test_the_installed_distribution_imports_as_promolint_only(installed):
    code = ("import importlib.metadata as m, promolint; d = m.distribution('promolint');"
            "print(d.read_text('top_level.txt').split()); print(promolint.__file__)")
    r = _run(installed / "bin" / "python", "-c", code, cwd=installed.parent)
    assert r.returncode == 0, r.stderr
    top, where = r.stdout.splitlines()
    assert top == "['promolint']"
    assert Path(where).is_relative_to(installed) and not Path(where).is_relative_to(ROOT)


def test_the_installed_command_reviews_a_packet_from_another_folder(installed, tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(EXAMPLE, work / "packet.docx")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    r = _run(installed / "bin" / "promolint", "review", "packet.docx", "--out", "out", cwd=work, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    produced = sorted(p.name for p in (work / "out").iterdir() if p.name != ".promolint")  # our state folder
    assert produced == ["packet.annotated.docx", "packet.feedback.docx", "packet.findings.json"]
    # the rules' rationale ships with the package, so `explain` works from the wheel too
    r = _run(installed / "bin" / "promolint", "explain", "ownership.collective-subject", cwd=work, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    [ref] = [line.split(": ", 1)[1] for line in r.stdout.splitlines() if line.startswith("Rationale: ")]
    path, anchor = ref.split("#")
    assert Path(path).is_relative_to(installed) and f"## {anchor}" in Path(path).read_text()
