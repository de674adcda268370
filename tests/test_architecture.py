"""The layering the design promises, checked on the source: the shared model, config and errors
depend on no stage; no module imports another stage's private names; python-docx internals are
reached from one module only; sources are asked for capabilities, not tested for their kind."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
STAGES = {"extractors", "analysis", "annotate", "render", "sources", "deliver", "flows"}
FOUNDATIONS = ("promolint.model", "promolint.config", "promolint.errors")


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every installed Python module (package-dir mapping)."""
    out = {}
    for package, folder in PACKAGE_DIRS.items():
        for f in sorted((ROOT / folder).glob("*.py")):
            out[package if f.stem == "__init__" else f"{package}.{f.stem}"] = f
    return out


MODULES = _modules()


def _imports(path: Path, module: str) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import, at any depth."""
    out = []
    package = module if path.stem == "__init__" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            out += [(base, a.name, node.lineno) for a in node.names]
    return out


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "promolint" and parts[1] in STAGES else None


def test_the_mapping_covers_every_stage_folder():
    assert {m.split(".")[1] for m in MODULES if _stage(m)} == STAGES
    assert len(MODULES) > 40


@pytest.mark.parametrize("module", FOUNDATIONS)
def test_model_config_and_errors_import_no_stage(module):
    bad = [(target, line) for target, _name, line in _imports(MODULES[module], module)
           if _stage(target) or (target == "promolint" and _name in STAGES)]
    assert not bad, f"{module} imports stages: {bad}"


def test_no_module_imports_another_stages_private_names():
    bad = []
    for module, path in MODULES.items():
        for target, name, line in _imports(path, module):
            if not target.startswith("promolint") or _stage(target) == _stage(module) and _stage(module):
                continue
            private = (name or "").startswith("_") or any(p.startswith("_") and p != "__init__"
                                                           for p in target.split(".")[1:])
            if private:
                bad.append(f"{path.relative_to(ROOT)}:{line} {target}.{name}")
    assert not bad, bad


def test_python_docx_internals_are_reached_from_the_ooxml_module_only():
    """Private python-docx names (imports or attributes of its objects) outside promolint/ooxml.py
    would pin python-docx to one release again."""
    known_private = {"_comments_elm", "_blob", "_srels_for", "_load_serialized_parts", "_part_cls_for",
                     "_default_styles_xml", "_ContentTypeMap", "_comments_part", "_element"}
    bad = []
    for module, path in MODULES.items():
        if module == "promolint.ooxml":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("docx"):
                bad += [f"{path.name}:{node.lineno} {a.name}" for a in node.names if a.name.startswith("_")]
            elif isinstance(node, ast.Attribute) and node.attr in known_private:
                bad.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert not bad, bad


def test_namespaces_are_declared_in_the_ooxml_module_only():
    main = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    holders = [m for m, p in MODULES.items() if main in p.read_text(encoding="utf-8")]
    assert holders == ["promolint.ooxml"]


def test_sources_are_asked_not_sniffed():
    """No caller tests a source's kind by string shape, sys.modules or exception class names."""
    smells = ("isinstance(spec, str)", 'sys.modules.get("promolint.sources', "sys.modules.get('promolint.sources",
              "type(e).__name__ in", "type(e).__module__", "is_gdrive_spec", 'startswith("gdrive")')
    allowed = {"promolint.sources", "promolint.sources.gdrive", "promolint.sources.gdrive_auth", "promolint.deliver.gdrive"}
    bad = [(m, s) for m, p in MODULES.items() if m not in allowed
           for s in smells if s in p.read_text(encoding="utf-8")]
    assert not bad, bad
    cli = MODULES["promolint.cli"].read_text(encoding="utf-8")


def test_a_third_source_is_one_module_plus_its_registration(tmp_path, monkeypatch):
    """Register a new scheme and open it: nothing else needs to know about it."""
    import sys

    from promolint import sources
    from promolint.sources.base import PacketRef, Source

    mod = tmp_path / "memsource.py"
    mod.write_text(
        "from promolint.sources.base import PacketRef, Source\n"
        "class MemSource(Source):\n"
        "    scheme = 'mem'\n"
        "    def __init__(self, spec): self.spec = spec\n"
        "    def list(self): yield PacketRef(source_id='mem-1', name='a.docx', version='1', kind='mem')\n"
        "    def fetch(self, ref): return b''\n"
        "def open_mem(spec, config=None): return MemSource(spec)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sources, "_KINDS", dict(sources._KINDS))
    sources.register("mem", "memsource:open_mem", hosts=("mem.example",))
    try:
        src = sources.open_source("mem://bucket/packets")
        assert isinstance(src, Source) and src.scheme == "mem"
        assert [r.source_id for r in src.list()] == ["mem-1"]
        assert sources.scheme_of("https://mem.example/x") == "mem"
        assert src.destination(None) is None and src.changes(None) is None and src.watch_paths() == []
        assert isinstance(next(src.list()), PacketRef)
    finally:
        sys.modules.pop("memsource", None)


def test_every_rule_links_to_a_rationale_that_ships_with_the_package():
    from promolint.analysis import ruleset_for
    from promolint.config import CONFIG_DIR, load_config

    headings = {}
    for rule in ruleset_for(load_config()).rules.values():
        path, _, anchor = rule.link.partition("#")
        assert "://" not in path, rule.id
        target = CONFIG_DIR / path
        assert target.is_file(), (rule.id, rule.link)
        if target not in headings:
            headings[target] = {line[3:].strip().lower().replace(" ", "-")
                                for line in target.read_text(encoding="utf-8").splitlines() if line.startswith("## ")}
        assert anchor in headings[target], (rule.id, rule.link)
    # package data: setuptools ships config/*.md as promolint.defaults
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "*.md" in data["promolint.defaults"]


def test_the_ooxml_loader_falls_back_to_python_docxs_public_api(monkeypatch):
    """If python-docx's package-reader internals change, documents still open (the ordinary way)."""
    import io
    import zipfile

    import docx

    from promolint import ooxml

    d = docx.Document()
    d.add_paragraph("I owned the rollout.")
    buf = io.BytesIO()
    d.save(buf)
    data = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    fast = ooxml.document_from_parts(parts, {}, data)
    def changed():  # what a python-docx release without these internals looks like to the loader
        raise AttributeError("_srels_for")

    monkeypatch.setattr(ooxml, "_internal_loader", changed)
    slow = ooxml.document_from_parts(parts, {}, data)
    assert [p.text for p in fast.paragraphs] == [p.text for p in slow.paragraphs] == ["I owned the rollout."]
