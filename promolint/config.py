"""Configuration: embedded defaults in config/default.yaml, overlaid by an organisation's file.

Paths inside a config file are relative to that file, so an organisation's rules, principles
and templates can live beside its own config.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from promolint.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"
TEMPLATES_DIR = REPO_ROOT / "templates"
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SectionsConfig(_Strict):
    what_you_did_aliases: list[str]


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


class DeliveryConfig(_Strict):
    author_from: list[str] = ["core_properties", "name_line", "file_name"]
    per_author_folders: bool = False


class Config(_Strict):
    sections: SectionsConfig
    rules: RulesConfig
    principles: Path
    templates_dir: Path = TEMPLATES_DIR
    output: OutputConfig = OutputConfig()
    limits: LimitsConfig = LimitsConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    extra: dict[str, Any] = {}


_PATH_KEYS = (("rules", "files"), ("principles",), ("templates_dir",))


def _resolve_paths(data: dict, base: Path) -> None:
    rules = data.get("rules") or {}
    if "files" in rules:
        rules["files"] = [str((base / p).resolve()) for p in rules["files"]]
    if "extra_files" in rules:
        rules["extra_files"] = [str((base / p).resolve()) for p in rules["extra_files"]]
    for key in ("principles", "templates_dir"):
        if data.get(key):
            data[key] = str((base / data[key]).resolve())


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML ({e.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
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
