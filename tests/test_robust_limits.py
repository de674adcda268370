"""Size checked before reading, and config/rule YAML read with a size and an alias bound: a huge
file or a few hundred bytes of aliases cost a one-line rejection, not the run's memory."""
from __future__ import annotations

import tracemalloc

import pytest

from conftest import build_packet as _build, run_cli
from promolint.config import LimitsConfig, read_yaml_mapping
from promolint.errors import ConfigError, PacketRejected
from promolint.sources import open_source
from promolint.sources.base import Skipped



def build_packet(path, *a, **k):
    path.parent.mkdir(parents=True, exist_ok=True)
    return _build(path, *a, **k)


LIMIT = LimitsConfig().max_file_bytes
CLAIMS = ["I led the migration of the billing service and cut p99 latency by 40%."]

# 9 levels of 9 aliases each: 9**9 (387 million) strings once expanded; well under 1 KB on disk.
ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


def _sparse(path, size):
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def _peak(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_listing_rejects_an_oversized_file_without_reading_it(tmp_path):
    from promolint.config import load_config

    _sparse(tmp_path / "huge.docx", 8 * LIMIT)
    source = open_source(str(tmp_path), load_config(None))
    items, peak = _peak(lambda: list(source.list()))
    assert len(items) == 1 and isinstance(items[0], Skipped) and items[0].code == "too-large"
    assert "too large" in items[0].reason
    assert peak < LIMIT // 4, peak


def test_a_file_grown_after_listing_is_read_only_up_to_the_limit(tmp_path):
    from promolint.config import load_config

    p = build_packet(tmp_path / "grows.docx", CLAIMS)
    source = open_source(str(tmp_path), load_config(None))
    ref = next(iter(source.list()))
    _sparse(p, 4 * LIMIT)
    with pytest.raises(PacketRejected) as e:
        _peak(lambda: source.fetch(ref))
    assert e.value.code == "too-large"
    _, peak = _peak(lambda: pytest.raises(PacketRejected, source.fetch, ref))
    assert peak < LIMIT * 1.5, peak


def test_a_huge_file_beside_good_ones_is_one_line_and_the_rest_are_reviewed(tmp_path):
    src = tmp_path / "in"
    build_packet(src / "good.docx", CLAIMS)
    _sparse(src / "huge.docx", 3 * 1024 ** 3)
    proc = run_cli("review", src, "--out", tmp_path / "out")
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert [ln for ln in proc.stderr.splitlines() if ln.startswith("huge.docx:")] == [
        next(ln for ln in proc.stderr.splitlines() if "huge.docx" in ln)]
    assert "too large" in proc.stderr
    assert (tmp_path / "out" / "good.annotated.docx").exists()


def test_a_yaml_alias_bomb_is_a_config_error(tmp_path):
    p = tmp_path / "bomb.yaml"
    p.write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 1024
    with pytest.raises(ConfigError, match="alias"):
        read_yaml_mapping(p)


@pytest.mark.parametrize("as_rules", [False, True])
def test_alias_bomb_config_or_rule_file_gives_one_line_exit_2(tmp_path, as_rules):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB)
    cfg = bomb
    if as_rules:
        cfg = tmp_path / "org.yaml"
        cfg.write_text("rules:\n  extra_files: [bomb.yaml]\n")
    packet = build_packet(tmp_path / "p.docx", CLAIMS)
    proc = run_cli("review", packet, "--out", tmp_path / "out", "--config", cfg)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bomb.yaml" in lines[0] and "alias" in lines[0], proc.stderr


def test_an_oversized_config_is_refused_before_parsing(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("# pad\n" * 300_000)
    with pytest.raises(ConfigError, match="larger than"):
        read_yaml_mapping(p)
