"""Sandboxed Jinja environments and the template folder's manifest.

An organisation changes wording, branding and section order by pointing `templates_dir` at its
own folder; nothing here names a section or a sentence.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2 import ChainableUndefined, FileSystemLoader, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from promolint.cache import jinja_bytecode_cache
from promolint.config import read_yaml_mapping
from promolint.deadline import check_deadline
from promolint.errors import ConfigError

MANIFEST = "feedback.yaml"
BODY_TEMPLATE = "body.html.j2"
PAGE_TEMPLATE = "feedback.html.j2"
DOCX_TEMPLATE = "feedback.docx"
WORDING = "wording.j2"

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def brief(text: object, limit: int = 90) -> str:
    """Shorten a quoted claim on a word boundary so a quote stays a quote, not a paragraph."""
    s = " ".join(str(text or "").split())
    if len(s) <= limit:
        return s
    cut = s[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"


def pct(value: object) -> str:
    """Share 0..1 as a whole percentage; anything else is 'n/a' so a missing key never crashes."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "n/a"
    return f"{round(value * 100)}%"


def na(value: object) -> object:
    return "n/a" if value is None or value == "" else value


def datefmt(value: object, fmt: str = "%d %B %Y") -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.strftime(fmt).lstrip("0")
    return "n/a"


def sentence(text: object) -> str:
    """Analysis labels are fragments ("first-person ownership"): start upper, end with a stop.
    Unlike Jinja's `capitalize`, keeps acronyms (ETA, SLA) intact."""
    s = str(text or "").strip()
    if s:
        s = s[0].upper() + s[1:]
        s = s if s[-1] in ".!?…" else s + "."
    return Markup(s) if isinstance(text, Markup) else s  # a macro's output is already escaped


def _filters(env: SandboxedEnvironment) -> None:
    env.filters.update(brief=brief, pct=pct, na=na, datefmt=datefmt, sentence=sentence)


@dataclass(frozen=True)
class Manifest:
    sections: tuple[str, ...]
    appendix: tuple[str, ...]
    progress_after: str | None
    table_style: str
    chart: bool
    date_format: str
    raw: dict
    # How the memo ranks what to fix first: weight of one finding per severity, how many changes
    # the bottom line names, how many questions the FAQ asks.
    change_weights: dict = field(default_factory=lambda: {"error": 3.0, "warning": 2.0, "info": 0.5})
    top_changes: int = 3
    faq_limit: int = 8
    stories_shown: int = 6  # stories told in full in the main part; the rest go to the appendix table


def _manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    # The config files' reader: libyaml, size and alias limits, one-line errors naming the file.
    data = read_yaml_mapping(path, "template manifest") if path.exists() else {}
    names = {}
    for key in ("sections", "appendix"):
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(n, str) and _NAME.match(n) for n in value):
            raise ConfigError(f"{path}: {key}: must be a list of template names (lowercase, _)")
        for n in value:
            if not (folder / "sections" / f"{n}.html.j2").is_file():
                raise ConfigError(f"{path}: {key}: no template sections/{n}.html.j2")
        names[key] = tuple(value)
    docx = data.get("docx") or {}
    return Manifest(
        sections=names["sections"],
        appendix=names["appendix"],
        progress_after=data.get("progress_after"),
        table_style=str(docx.get("table_style", "Light Grid Accent 1")),
        chart=bool(data.get("chart", True)),
        date_format=str(data.get("date_format", "%d %B %Y")),
        raw=data,
        **_ranking(path, data.get("ranking") or {}),
    )


def _ranking(path: Path, ranking) -> dict:
    if not isinstance(ranking, dict):
        raise ConfigError(f"{path}: ranking: must be a mapping")
    out: dict = {}
    try:
        if "change_weights" in ranking:
            out["change_weights"] = {str(k): float(v) for k, v in dict(ranking["change_weights"]).items()}
        for key in ("top_changes", "faq_limit", "stories_shown"):
            if key in ranking:
                out[key] = int(ranking[key])
    except (TypeError, ValueError):
        raise ConfigError(f"{path}: ranking: change_weights are numbers per severity; top_changes, faq_limit, stories_shown counts") from None
    return out


_DICT_ATTRS = frozenset(dir(dict))


class _Sandbox(SandboxedEnvironment):
    """Every call a template makes (macros, filters' callers, methods) checks the packet's time
    limit, so a render that loops over tens of thousands of claims stops in worker threads too."""

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        check_deadline()
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj, attribute):
        # `ctx.key` on a plain dict: Jinja tries the attribute, catches the AttributeError, then
        # reads the item (most lookups of a render, ~1,400 a memo). Same result without the exception.
        if type(obj) is dict and attribute not in _DICT_ATTRS and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


class _StringCachingSandbox(_Sandbox):
    """docxtpl compiles each Word part's XML with `from_string` on every render; the parts of one
    template are the same every time, so compile each source once (the result is the same), and
    keep the compiled code in the bytecode cache as the file templates do (a fresh process then
    compiles none of them: ~20 ms of a cold review). The sources are the template's own parts;
    packet text only ever reaches them as context values."""

    _MAX = 64

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._compiled: dict = {}

    def from_string(self, source, globals=None, template_class=None):
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        key = (source, self.autoescape)
        template = self._compiled.get(key)
        if template is None:
            template = self._load_string(source)
            if len(self._compiled) >= self._MAX:
                self._compiled.clear()
            self._compiled[key] = template
        return template

    def _load_string(self, source: str):
        bcc = self.bytecode_cache
        if bcc is None:
            return super().from_string(source)
        # One entry per part and autoescape setting (the code depends on it); the bucket also checks
        # the source's checksum and Jinja's version.
        digest = hashlib.sha1(source.encode("utf-8")).hexdigest()
        bucket = bcc.get_bucket(self, f"docx-part:{self.autoescape!r}:{digest}", None, source)
        if bucket.code is None:
            bucket.code = self.compile(source)
            bcc.set_bucket(bucket)
        return self.template_class.from_code(self, bucket.code, self.make_globals(None), None)


@dataclass(frozen=True)
class Templates:
    folder: Path
    html: SandboxedEnvironment
    docx: SandboxedEnvironment
    manifest: Manifest
    docx_bytes: bytes | None


def _stamp(folder: Path) -> tuple:
    """Modification times of the folder's files, so an edited template is picked up without restart."""
    try:
        return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()))
    except OSError:
        return ()


@lru_cache(maxsize=8)
def _load(folder: Path, stamp: tuple) -> Templates:
    if not folder.is_dir():
        raise ConfigError(f"{folder}: templates_dir is not a folder")
    html = _Sandbox(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=jinja_bytecode_cache(),  # a fresh process need not recompile the templates
    )
    _filters(html)
    # docxtpl renders the Word XML itself: autoescape keeps packet titles from breaking the XML.
    docx = _StringCachingSandbox(autoescape=True, undefined=ChainableUndefined, bytecode_cache=jinja_bytecode_cache())
    _filters(docx)
    docx_path = folder / DOCX_TEMPLATE
    return Templates(
        folder=folder,
        html=html,
        docx=docx,
        manifest=_manifest(folder),
        docx_bytes=docx_path.read_bytes() if docx_path.is_file() else None,
    )


def load_templates(folder: str | Path) -> Templates:
    folder = Path(folder).resolve()
    return _load(folder, _stamp(folder))
