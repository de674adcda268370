"""The `promolint` script's plain `review` path (promolint/launch.py) against typer's, through the
installed script on real packets: same outputs, same lines, same exit codes, and no typer import."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, run_cli

from promolint.launch import plain_review_args

PACKET = REPO / "examples" / "01_weak_backend_l4_l5.docx"


def _findings(folder):
    (f,) = folder.glob("*.findings.json")
    data = json.loads(f.read_text())
    data.pop("reviewed_at", None)
    return data


def test_plain_and_typer_forms_give_the_same_review(tmp_path):
    plain = run_cli("review", PACKET, "-o", tmp_path / "plain", "--format", "md,docx")
    typed = run_cli("review", PACKET, f"--out={tmp_path / 'typed'}", "--format=md,docx")  # `=` forms: typer's path
    assert plain.returncode == typed.returncode == 0, (plain.stderr, typed.stderr)
    assert plain.stderr.replace(str(tmp_path / "plain"), "OUT") == typed.stderr.replace(str(tmp_path / "typed"), "OUT")
    assert sorted(p.name for p in (tmp_path / "plain").iterdir()) == sorted(p.name for p in (tmp_path / "typed").iterdir())
    assert _findings(tmp_path / "plain") == _findings(tmp_path / "typed")
    md = PACKET.stem + ".feedback.md"
    assert (tmp_path / "plain" / md).read_text() == (tmp_path / "typed" / md).read_text()


@pytest.mark.parametrize("args, code, line", [
    (["--fail-on", "bogus"], 2, "--fail-on takes error or warning"),
    (["-f", "pdf"], 2, "unknown format pdf (choose from docx, md, html)"),
    (["--fail-on", "warning"], 1, "reviewed 1, rejected 0"),
])
def test_plain_path_exit_codes_and_messages(tmp_path, args, code, line):
    r = run_cli("review", PACKET, "-o", tmp_path, *args)
    assert r.returncode == code, r.stderr
    assert line in r.stderr


def test_a_plain_review_imports_neither_typer_nor_rich(tmp_path):
    code = (f"import sys; sys.argv = ['promolint', 'review', {str(PACKET)!r}, '-o', {str(tmp_path)!r}]\n"
            "from promolint.launch import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    print(e.code, 'typer' in sys.modules, 'rich' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.stdout.split() == ["0", "False", "False"], r.stderr


@pytest.mark.parametrize("argv", [[], ["--help"], ["rules"], ["review"], ["review", "--help"], ["review", "a.docx", "--out"],
                                  ["review", "a.docx", "--out=x"], ["review", "a.docx", "-o", "-x"], ["review", "--", "a.docx"],
                                  ["review", "a.docx", "--verbose"]])
def test_anything_but_the_plain_form_goes_to_typer(argv):
    assert plain_review_args(argv) is None


def test_the_plain_form_is_read_as_typer_reads_it():
    assert plain_review_args(["review", "a.docx", "-o", "out", "b.docx", "--config", "c.yaml", "-f", "md",
                              "--fail-on", "error", "-o", "out2"]) == (
        ["a.docx", "b.docx"], {"out": "out2", "config": "c.yaml", "format": "md", "fail_on": "error"})


def test_the_plain_form_knows_exactly_the_options_of_typers_review():
    # a new review option declared only in cli.py must not be silently mis-read by the fast path
    import typer.main

    from promolint.cli import app
    from promolint.launch import _REVIEW_OPTIONS

    review = typer.main.get_command(app).commands["review"]
    declared = {opt: p.name for p in review.params if p.param_type_name == "option" and p.name != "help"
                for opt in p.opts}
    assert declared == _REVIEW_OPTIONS
