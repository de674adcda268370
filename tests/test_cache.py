"""The on-disk ruleset cache (promolint/cache.py), through real config and rule files.

Each test gets its own cache folder and a copy of the shipped rules beside an organisation
config that names them; the in-process lru cache is cleared so every load goes to disk.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES, run_cli
from packet_fixtures import packet_from_sentences
from promolint.analysis import analyze, rules as rules_mod
from promolint.config import CONFIG_DIR, load_config

SENTENCES = [
    "I helped migrate the ledger to Aurora.",
    "We rebuilt the pricing pipeline on Flink.",
    "I owned the ledger migration to Aurora, cutting p99 latency from 900 ms to 120 ms for 4 million users.",
    "The cache layer was redesigned to reduce misses.",
]


@pytest.fixture
def org(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("PROMOLINT_CACHE_DIR", str(cache))
    rules = tmp_path / "rules"
    shutil.copytree(CONFIG_DIR / "rules", rules)
    names = sorted(p.name for p in rules.glob("*.yaml"))
    cfg = tmp_path / "org.yaml"
    cfg.write_text("rules:\n  files:\n" + "".join(f"    - rules/{n}\n" for n in names))
    rules_mod._cached.cache_clear()
    yield {"config": cfg, "rules": rules, "cache": cache}
    rules_mod._cached.cache_clear()


def _findings(config) -> list:
    review = analyze(packet_from_sentences(SENTENCES), config)
    return [[(f.rule, f.severity, f.message, f.start, f.end) for f in c.findings] for c in review.claims]


def _entries(cache):
    return sorted(cache.glob("ruleset-*.pickle"))


def _fresh_load(config):
    rules_mod._cached.cache_clear()
    return _findings(load_config(config))


def test_cache_hit_gives_the_findings_of_a_fresh_build(org, monkeypatch):
    first = _fresh_load(org["config"])  # builds and writes the entry
    assert len(_entries(org["cache"])) == 1
    built = []
    monkeypatch.setattr(rules_mod, "_build", lambda files: built.append(files) or pytest.fail("rebuilt"))
    hit = _fresh_load(org["config"])
    assert hit == first and not built
    monkeypatch.undo()
    monkeypatch.setenv("PROMOLINT_CACHE_DIR", "off")
    assert _fresh_load(org["config"]) == first  # no cache at all: the same findings
    assert any(fs for fs in first)


def test_changed_rule_file_invalidates(org):
    before = _fresh_load(org["config"])
    target = org["rules"] / "ownership.yaml"
    text = target.read_text()
    assert "helped" in text
    # Same length and mtime-independent: only the content hash can notice.
    target.write_text(text.replace("helped", "hel_ed"))
    after = _fresh_load(org["config"])
    assert len(_entries(org["cache"])) == 2
    assert after != before
    target.write_text(text)
    assert _fresh_load(org["config"]) == before


def test_old_entries_are_pruned(org, monkeypatch):
    from promolint import cache

    monkeypatch.setattr(cache, "KEEP", 2)
    target = org["rules"] / "narrative.yaml"
    text = target.read_text()
    for i in range(4):  # four distinct rule sets: only the two newest stay
        target.write_text(text + f"\n# edit {i}\n")
        _fresh_load(org["config"])
    assert len(_entries(org["cache"])) == 2
    built = []
    monkeypatch.setattr(rules_mod, "_build", lambda files: built.append(files) or pytest.fail("rebuilt"))
    _fresh_load(org["config"])  # the newest is still a hit
    assert not built


@pytest.mark.parametrize("damage", [b"", b"not a pickle at all", None])
def test_damaged_cache_file_is_rebuilt(org, damage):
    good = _fresh_load(org["config"])
    (entry,) = _entries(org["cache"])
    raw = entry.read_bytes()
    entry.write_bytes(raw[: len(raw) // 2] if damage is None else damage)
    assert _fresh_load(org["config"]) == good
    assert entry.read_bytes() == raw  # rewritten whole (atomically, by rename)


def test_cold_cli_runs_agree_with_and_without_the_cache(org, tmp_path):
    packet = EXAMPLES / "01_weak_backend_l4_l5.docx"
    outs = {}
    for run, cache in (("build", str(org["cache"])), ("hit", str(org["cache"])), ("off", "off")):
        out = tmp_path / run
        r = run_cli("review", packet, "--out", out, "--config", org["config"], "--format", "md",
                    env={"PROMOLINT_CACHE_DIR": cache})
        assert r.returncode in (0, 1), r.stderr
        doc = json.loads((out / f"{packet.stem}.findings.json").read_text())
        outs[run] = (doc["claims"], doc["summary"])  # the summary reads the (cached) principles
        if run == "build":
            assert len(_entries(org["cache"])) == 1
            assert len(list(org["cache"].glob("principles-*.pickle"))) == 1
    assert outs["build"] == outs["hit"] == outs["off"]
    assert any(c["findings"] for c in outs["hit"][0])
    assert outs["hit"][1]["principles"]["with_evidence"]


PATTERN = r"(?P<lead>led|owned)\s+the\s+(\w+)\b"


@pytest.fixture
def fresh_re(tmp_path, monkeypatch):
    """`re`'s compile cache emptied and this module's record of what came from disk forgotten."""
    from promolint import cache

    monkeypatch.setenv("PROMOLINT_CACHE_DIR", str(tmp_path / "cache"))
    re.purge()
    cache._PRELOADED.clear()
    yield cache
    re.purge()
    cache._PRELOADED.clear()


def test_saved_patterns_preload_as_the_same_compiled_code(fresh_re):
    cache = fresh_re
    compiled = re.compile(PATTERN, re.IGNORECASE)
    cache.save_patterns()
    (saved,) = (Path(os.environ["PROMOLINT_CACHE_DIR"])).glob("re-*.pickle")
    re.purge()
    cache._PRELOADED.clear()
    assert cache.preload_patterns() >= 1
    loaded = re.compile(PATTERN, re.IGNORECASE)  # a lookup in re's cache: the object from disk
    assert loaded is not compiled and (str, PATTERN, re.IGNORECASE.value) in cache._PRELOADED
    assert loaded == compiled  # Pattern equality compares pattern, flags and compiled code
    text = "I Owned the rollout and led the migration."
    assert [m.groupdict() for m in loaded.finditer(text)] == [m.groupdict() for m in compiled.finditer(text)]
    before = saved.stat().st_mtime_ns
    cache.save_patterns()  # nothing new: not rewritten
    assert saved.stat().st_mtime_ns == before


@pytest.mark.parametrize("damage", [b"", b"garbage", None])
def test_damaged_pattern_file_is_ignored(fresh_re, damage):
    cache = fresh_re
    re.compile(PATTERN)
    cache.save_patterns()
    (saved,) = (Path(os.environ["PROMOLINT_CACHE_DIR"])).glob("re-*.pickle")
    raw = saved.read_bytes()
    saved.write_bytes(raw[: len(raw) // 2] if damage is None else damage)
    re.purge()
    cache._PRELOADED.clear()
    assert cache.preload_patterns() == 0
    assert re.compile(PATTERN).match("led the team")


def test_cli_saves_patterns_before_reading_a_packet(tmp_path):
    from promolint.extractors import extract_packet

    packet = EXAMPLES / "01_weak_backend_l4_l5.docx"
    cache_dir = tmp_path / "cache"
    r = run_cli("review", packet, "--out", tmp_path / "out", "--format", "md",
                env={"PROMOLINT_CACHE_DIR": str(cache_dir)})
    assert r.returncode in (0, 1), r.stderr
    (saved,) = cache_dir.glob("re-*.pickle")
    blob = saved.read_bytes()
    assert len(blob) > 1000  # the stages' import-time patterns
    claims = extract_packet(packet.read_bytes(), packet.name, load_config(None)).claims
    words = {w for c in claims for w in re.findall(r"[A-Za-z]{9,}", c.text)}
    assert claims and not any(c.text.encode() in blob for c in claims)
    leaked = [w for w in words if w.encode() in blob]
    assert len(leaked) < len(words) / 4, leaked  # long common words may appear in rule patterns


def test_in_process_review_after_other_packets_saves_no_patterns(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from promolint.cli import app

    monkeypatch.setenv("PROMOLINT_CACHE_DIR", str(tmp_path / "cache"))
    analyze(packet_from_sentences(SENTENCES), load_config(None))  # this process has read a packet
    packet = EXAMPLES / "01_weak_backend_l4_l5.docx"
    r = CliRunner().invoke(app, ["review", str(packet), "--out", str(tmp_path / "out"), "--format", "md"])
    assert r.exit_code in (0, 1), r.output
    assert (tmp_path / "out" / f"{packet.stem}.findings.json").exists()
    assert not list((tmp_path / "cache").glob("re-*.pickle"))


def test_memo_word_parts_compile_once_into_the_cache_and_hold_no_packet_text(tmp_path, monkeypatch):
    import datetime

    from promolint.render import env as render_env, render_feedback

    monkeypatch.setenv("PROMOLINT_CACHE_DIR", str(tmp_path / "cache"))
    review = analyze(packet_from_sentences(SENTENCES), load_config(None))
    day = datetime.date(2026, 1, 5)
    render_env._load.cache_clear()
    try:
        first = render_feedback(review, load_config(None), ["docx"], today=day)["docx"]
        parts = sorted((tmp_path / "cache" / "jinja").glob("*"))
        assert parts
        blob = b"".join(p.read_bytes() for p in parts)
        assert not any(s.encode() in blob for s in SENTENCES)
        render_env._load.cache_clear()  # a fresh process: new environments, the same cache folder

        def no_compile(self, *a, **kw):
            raise AssertionError("compiled again")

        monkeypatch.setattr(render_env._StringCachingSandbox, "compile", no_compile)
        again = render_feedback(review, load_config(None), ["docx"], today=day)["docx"]
    finally:
        render_env._load.cache_clear()
    import io
    import zipfile

    def members(b):
        with zipfile.ZipFile(io.BytesIO(b)) as z:
            return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}

    assert members(again) == members(first)
