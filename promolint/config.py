"""Configuration: embedded defaults in config/default.yaml, overlaid by an organisation's file.

Paths inside a config file are relative to that file, so an organisation's rules, principles
and templates can live beside its own config.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from promolint.errors import ConfigError

# Package data: the repo's config/ and templates/ folders, installed as promolint.defaults/.templates.
CONFIG_DIR = Path(str(files("promolint.defaults")))
TEMPLATES_DIR = Path(str(files("promolint.templates")))
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SkipSection(_Strict):
    why: str
    phrases: list[str]
    whole: bool = False  # the phrase must be the whole heading ("Resources", not "Resource Planning")
    unless_reported: bool = False  # read anyway when the text reports work done (past tense, no plans)
    top_level: bool = False  # only a heading at the top (a project's own "Background" is part of its story)


class SectionsConfig(_Strict):
    what_you_did_aliases: list[str]
    skip: list[SkipSection] = []       # headings that hold no claims, by phrase
    date_heading: str = r"$^"          # regex: a heading naming a year, quarter, month, week or day
    placeholders: list[str] = []       # regexes of left-over template placeholders
    template_markers: list[str] = []   # phrases that announce a template ("sample template")
    template_titles: list[str] = []    # words that name a template in the document's first heading
    document_titles: list[str] = []    # phrases that make a first heading the document's title ("brag doc")
    next_year: str | None = None       # skip reason of a closing heading naming a year after all before it
    template_share: float = 0.5        # share of instruction/placeholder lines that makes a template
    template_prompts: list[str] = []   # imperative first words of a template's prompts ("Describe", "List")
    messages: dict[str, str] = {}      # wording of the template / placeholder findings


class RulesConfig(_Strict):
    files: list[Path]
    disable: list[str] = []
    severity: dict[str, str] = {}


class OutputConfig(_Strict):
    formats: list[str] = ["docx"]
    comment_author: str = "promolint"
    comment_initials: str = "PL"


class LimitsConfig(_Strict):
    max_file_bytes: int = 25 * 1024 * 1024
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_zip_members: int = 2000
    max_xml_depth: int = 256
    max_paragraphs: int = 60_000
    max_chars: int = 2_000_000
    timeout_seconds: float = 120.0
    memory_mb: int = 2048              # address space a review may add to its worker process (0: no cap)
    workers: int = 0                   # review processes (0: one per CPU core)


class DeliveryConfig(_Strict):
    author_from: list[str] = ["core_properties", "name_line", "file_name"]
    per_author_folders: bool = False


class GDriveConfig(_Strict):
    """The `gdrive:` section: Drive credentials, delivery and sharing (see docs/DRIVE.md)."""

    credentials: Path | None = None          # service account key or authorized-user token file
    subject: str | None = None               # user to impersonate (domain-wide delegation)
    root_url: str | None = None              # API root override; PROMOLINT_DRIVE_ROOT_URL wins
    reviewed_folder: str | None = None       # folder id or URL for outputs; None: beside the packet
    deliver_as: Literal["gdoc", "docx"] = "gdoc"
    share: bool = True                       # share outputs with the packet's author as commenter
    notify: bool = True                      # send Drive's notification email with the message below
    share_role: Literal["commenter", "reader"] = "commenter"
    message_template: str = "share_message.txt.j2"
    author_from: list[Literal["mapping", "owner", "packet"]] = ["mapping", "owner", "packet"]
    authors: dict[str, str] = {}             # packet author name or Drive file id -> email
    share_domains: list[str] = []            # if set, only these email domains are ever shared with
    mark_reviewed: bool = True               # record the reviewed revision in the packet's appProperties
    page_size: int = 1000
    resumable_threshold: int = 5 * 1024 * 1024   # bytes; larger uploads are resumable
    chunk_size: int = 5 * 1024 * 1024            # resumable chunk; a multiple of 256 KiB
    retry_attempts: int = 6
    retry_initial: float = 1.0                   # seconds
    retry_max: float = 64.0                      # seconds, also caps Retry-After
    timeout: float = 60.0                        # seconds per HTTP request

    @classmethod
    def from_config(cls, config: Any | None) -> "GDriveConfig":
        return getattr(config, "gdrive", None) or cls()


class CycleDeployment(_Strict):
    source: str | None = None          # folder (or gdrive://...) reviewed by the scheduled cycle
    out: str | None = None
    cron: str = "0 6 * * 1"            # Mondays 06:00
    timezone: str = "UTC"


class WatchDeployment(_Strict):
    source: str | None = None
    out: str | None = None
    interval_seconds: int = 300


class FlowsConfig(_Strict):
    concurrency: int = 4               # packets in flight at once
    task_runner: str = "thread"        # thread | dask
    dask_workers: int = 2              # processes when task_runner is dask
    chunk_size: int = 0                # packets per task (0: about 8 tasks per review worker)
    retries: int = 2                   # transient failures only (I/O, timeouts)
    retry_delay_seconds: float = 2.0
    settle_seconds: float = 2.0        # a watched file must keep size and mtime this long
    debounce_ms: int = 1600            # watchfiles grouping of change events
    drive_poll_seconds: float = 60.0   # `promolint watch gdrive://...`: one changes.list per pass
    summary_formats: list[str] | None = None   # default: md plus output.formats
    cycle: CycleDeployment = CycleDeployment()
    watch: WatchDeployment = WatchDeployment()


class Config(_Strict):
    sections: SectionsConfig
    rules: RulesConfig
    principles: Path
    templates_dir: Path = TEMPLATES_DIR
    output: OutputConfig = OutputConfig()
    limits: LimitsConfig = LimitsConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    gdrive: GDriveConfig = GDriveConfig()
    flows: FlowsConfig = FlowsConfig()


def _resolve_paths(data: dict, base: Path) -> None:
    rules = data.get("rules") or {}
    if "files" in rules:
        rules["files"] = [str((base / p).resolve()) for p in rules["files"]]
    if "extra_files" in rules:
        rules["extra_files"] = [str((base / p).resolve()) for p in rules["extra_files"]]
    gdrive = data.get("gdrive") or {}
    if gdrive.get("credentials"):
        gdrive["credentials"] = str((base / gdrive["credentials"]).expanduser().resolve())
    for key in ("principles", "templates_dir"):
        if data.get(key):
            data[key] = str((base / data[key]).resolve())


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


# Config and rule files are small; these bounds stop a file (or an alias bomb: a few hundred bytes
# whose aliases expand to gigabytes downstream) from costing more than a bad config should.
MAX_YAML_BYTES = 1024 * 1024
MAX_YAML_NODES = 200_000   # after aliases are expanded; the default rules are a few thousand


class _AliasBomb(yaml.YAMLError):
    pass


def _expanded_size(node, memo: dict, limit: int) -> int:
    """Nodes once aliases are expanded, counted on the composed graph (shared nodes once each)."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 1  # a recursive anchor counts once
    if isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_expanded_size(c, memo, limit) for c in node.value)
    elif isinstance(node, yaml.MappingNode):
        n = 1 + sum(_expanded_size(k, memo, limit) + _expanded_size(v, memo, limit) for k, v in node.value)
    else:
        n = 1
    if n > limit:
        raise _AliasBomb()
    memo[id(node)] = n
    return n


# libyaml's safe loader when PyYAML has it: several times faster, same nodes and errors.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml_mapping(path: Path, what: str = "config") -> dict:
    """A YAML file whose top level is a mapping, or a one-line ConfigError naming the file."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_YAML_BYTES + 1)
        if len(raw) > MAX_YAML_BYTES:
            raise ConfigError(f"{path}: {what} file is larger than {MAX_YAML_BYTES // 1024} KB")
        loader = _YAML_LOADER(raw.decode("utf-8"))
        try:
            node = loader.get_single_node()
            if node is not None:
                _expanded_size(node, {}, MAX_YAML_NODES)
            data = (loader.construct_document(node) if node is not None else None) or {}
        finally:
            loader.dispose()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a {what} file") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text (byte {e.start})") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read ({e.strerror or type(e).__name__})") from None
    except _AliasBomb:
        raise ConfigError(f"{path}: YAML aliases expand to more than {MAX_YAML_NODES} nodes (refused as an alias bomb)") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where} ({e.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    return data


def _read(path: Path) -> dict:
    data = read_yaml_mapping(path)
    _resolve_paths(data, path.parent)
    return data


def load_config(path: str | Path | None = None) -> Config:
    """Defaults, then the organisation's file on top. `rules.extra_files` appends rule files."""
    data = _read(DEFAULT_CONFIG)
    if path is not None:
        user = _read(Path(path))
        extra_files = (user.get("rules") or {}).pop("extra_files", [])
        data = _merge(data, user)
        data["rules"]["files"] = list(data["rules"]["files"]) + list(extra_files)
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        where = path or DEFAULT_CONFIG
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{where}: {loc}: {first['msg']}") from None
