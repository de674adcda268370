"""On-disk cache of compiled rulesets, so a fresh process does not rebuild them.

Building a ruleset parses and compiles every rule pattern (and its gates and case-folded twins)
with `re`'s pure-Python parser: about 1.5 s, most of a cold `promolint review`. The cache stores
the built `RuleSet` pickled, each regex as its compiled `_sre` code, so loading it compiles
nothing. The key hashes the rule files' paths and bytes, the engine's source (analysis/rules.py,
analysis/gate.py, this file) and the Python version (the code format is CPython's own), so any
change to either rebuilds. A missing, damaged or unreadable entry is ignored and rebuilt; writes
are atomic (temp file + rename) and failures to write only cost the next start its build.

The same store keeps the principles (analysis/summary.py) and a snapshot of `re`'s compile cache
taken before any packet is read (`preload_patterns` / `save_patterns`), so the modules' import-time
`re.compile` calls are lookups too.

Where: $PROMOLINT_CACHE_DIR, else $XDG_CACHE_HOME/promolint, else ~/.cache/promolint
(platformdirs is not in the lock). PROMOLINT_CACHE_DIR=off disables it.
"""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import sys
import tempfile
from pathlib import Path

try:
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another interpreter: patterns pickle as (pattern, flags)
    _sre = None

KEEP = 16  # ruleset entries kept (newest first): each distinct rule set is about 1 MB


def cache_dir() -> Path | None:
    env = os.environ.get("PROMOLINT_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "none") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "promolint"


def ruleset_key(files: tuple[str, ...], engine: tuple[str, ...] = ()) -> str:
    """Hash of the rule files (path and bytes), the engine's source files and the interpreter."""
    h = hashlib.sha256(sys.version.encode())
    for p in (__file__, *engine):
        h.update(Path(p).read_bytes())
    for f in files:
        p = Path(f)
        h.update(str(p.resolve()).encode() + b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(b"\0missing\0")
        h.update(b"\0")
    return h.hexdigest()[:32]


def _rebuild_pattern(pattern, flags, code, groups, groupindex, indexgroup):
    try:
        return _sre.compile(pattern, flags, code, groups, groupindex, indexgroup)
    except Exception:  # a code list this interpreter refuses: compile from the source
        return re.compile(pattern, flags)


def _pattern_reduce(rx: re.Pattern):
    """(pattern, flags, compiled code, ...) when rebuilding from them gives an equal Pattern."""
    if _sre is not None:
        try:
            p = _parser.parse(rx.pattern, rx.flags)
            code = [int(c) for c in _compiler._code(p, rx.flags)]  # opcodes are int subclasses
            groupindex = dict(p.state.groupdict)
            indexgroup = [None] * p.state.groups
            for k, i in groupindex.items():
                indexgroup[i] = k
            args = (rx.pattern, rx.flags | p.state.flags, code, p.state.groups - 1, groupindex, tuple(indexgroup))
            if _rebuild_pattern(*args) == rx:  # Pattern equality compares pattern, flags and code
                return _rebuild_pattern, args
        except Exception:
            pass
    return re.compile, (rx.pattern, rx.flags)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, re.Pattern):
            return _pattern_reduce(obj)
        return NotImplemented


def dumps(obj) -> bytes:
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def load(key: str, kind: type, name: str = "ruleset"):
    """The cached object for `key`, or None when absent, damaged or not a `kind`."""
    d = cache_dir()
    if d is None:
        return None
    path = d / f"{name}-{key}.pickle"
    try:
        obj = pickle.loads(path.read_bytes())
    except Exception:  # missing, truncated, garbage, or from code that no longer exists
        return None
    if not isinstance(obj, kind):
        return None
    try:
        os.utime(path)  # recently used: kept by `_prune`
    except OSError:
        pass
    return obj


def save(key: str, obj, name: str = "ruleset") -> None:
    d = cache_dir()
    if d is None:
        return
    try:
        _write_atomic(d / f"{name}-{key}.pickle", dumps(obj))
        _prune(d, name)
    except Exception:  # read-only home, full disk, an unpicklable rule: just no cache
        return


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune(d: Path, name: str) -> None:
    """Drop all but the KEEP newest entries, so edited or test rule sets do not pile up."""
    entries = sorted(d.glob(f"{name}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for p in entries[KEEP:]:
        p.unlink(missing_ok=True)


def jinja_bytecode_cache():
    """Compiled templates beside the rulesets: Jinja checks each entry's magic and source checksum,
    writes atomically and treats an unreadable entry as a miss."""
    d = cache_dir()
    if d is None:
        return None
    try:
        from jinja2 import FileSystemBytecodeCache

        (d / "jinja").mkdir(parents=True, exist_ok=True)
        return FileSystemBytecodeCache(str(d / "jinja"))
    except OSError:
        return None


def cached_ruleset(files: tuple[str, ...], build, kind: type, engine: tuple[str, ...] = (), name: str = "ruleset"):
    """`build(files)`, from the disk cache when the rule files and the engine are unchanged."""
    try:
        key = ruleset_key(files, engine)
    except Exception:
        return build(files)
    hit = load(key, kind, name)
    if hit is not None:
        return hit
    ruleset = build(files)
    save(key, ruleset, name)
    return ruleset


# `re`'s own compile cache, persisted: the modules' import-time re.compile calls become lookups.
_PRELOADED: set = set()


def _patterns_path() -> Path | None:
    d = cache_dir()
    return None if d is None else d / f"re-{hashlib.sha256(sys.version.encode()).hexdigest()[:16]}.pickle"


def _room() -> int:
    # half of re's cache at most, so the patterns a run compiles itself never evict the loaded ones
    # (an evicted entry would look new and make every run save again)
    return getattr(re, "_MAXCACHE", 512) // 2


def preload_patterns() -> int:
    """Put the saved compiled patterns into `re._cache` (keyed by the caller's pattern and flags,
    as `re` keys it), so `re.compile` of any of them is a dict lookup. Returns how many."""
    cache, path = getattr(re, "_cache", None), _patterns_path()
    if _sre is None or not isinstance(cache, dict) or path is None:
        return 0
    try:
        entries = pickle.loads(path.read_bytes())
    except Exception:  # missing or damaged: patterns compile as usual
        return 0
    room = _room() - len(cache)
    for entry in entries[:max(room, 0)] if isinstance(entries, list) else ():
        try:
            (kind, pattern, flags), rx = entry
        except (TypeError, ValueError):
            continue
        if kind in (str, bytes) and type(pattern) is kind and isinstance(rx, re.Pattern) and rx.pattern == pattern:
            cache.setdefault((kind, pattern, flags), rx)
            _PRELOADED.add((kind, pattern, flags))
    return len(_PRELOADED)


def save_patterns() -> None:
    """Save `re._cache` for preload_patterns when it holds patterns not loaded from disk. Call it
    only before any packet is read: a pattern built from packet text must never be persisted."""
    cache, path = getattr(re, "_cache", None), _patterns_path()
    if _sre is None or not isinstance(cache, dict) or path is None:
        return
    entries = [(k, v) for k, v in list(cache.items()) if isinstance(v, re.Pattern) and k[0] in (str, bytes)]
    if all(k in _PRELOADED for k, _ in entries):
        return
    entries = entries[:_room()]
    try:
        _write_atomic(path, dumps(entries))
        _PRELOADED.update(k for k, _ in entries)
    except Exception:  # read-only home, full disk: just no cache
        return
