"""Rules and signals as data: loading, validation and one-time regex compilation.

A rules file (YAML) may hold any of these top-level keys; files are merged in order, so an
organisation's file can add rules and signals or replace one by reusing its id/name:

    vars:        {NAME: regex}          spliced into patterns as $NAME
    signals:     {name: {patterns | any_of | all_of, strong, label}}
    rules:       [{id, extends, category, severity, message, patterns, ...}]
    story_parts: {situation|complication|decision|outcome: [signal names]}
    layers:      {outcome|process: [signal names]}      (otherwise execution)
    dimensions:  {name: {label, credit: {signal: weight} | any_of: [signal names], owned, scale, ignore}}
    dimension_scoring: {penalty: {severity: factor}, stack, cap}   (see analysis/summary.py)

Rule shapes (`extends`): existence, occurrence, number (claim level); story; packet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from promolint.analysis.gate import Rx, Scanner, uses_group_numbers
from promolint.config import read_yaml_mapping
from promolint.errors import ConfigError

SHAPES = {"existence", "occurrence", "number", "story", "packet"}
SEVERITIES = ("info", "warning", "error")
COMPUTED_SIGNALS = {"has_number", "business_number", "engineering_number", "baseline_number", "measured_number"}
RATIONALE_LINK = "rationale.md#"  # config/rationale.md, shipped as package data


@dataclass
class Signal:
    name: str
    regex: Rx | None = None
    any_of: list[str] = field(default_factory=list)
    all_of: list[str] = field(default_factory=list)
    none_of: list[str] = field(default_factory=list)
    strong: bool = False
    label: str = ""
    # One Rx per listed pattern: `regex` matches somewhere iff one of these does (truth value only),
    # but each part has its own, tighter gate and may take a case-folded fast path on its own.
    # Used for ASCII sentences only, where gates and folds are exact; others run `regex`.
    parts: list[Rx] = field(default_factory=list, repr=False, compare=False)


@dataclass
class Rule:
    id: str
    extends: str
    category: str
    severity: str
    message: str
    suggestion: str = ""
    example: str = ""
    rationale: str = ""
    link: str = ""
    question: str = ""
    patterns: list[Rx] = field(default_factory=list)
    exceptions: list[re.Pattern] = field(default_factory=list)
    when: list[str] = field(default_factory=list)
    unless: list[str] = field(default_factory=list)
    downgrade: list[str] = field(default_factory=list)
    select: dict = field(default_factory=dict)
    min_count: int = 1
    per_match: bool = False
    check: str = ""
    params: dict = field(default_factory=dict)

    @property
    def level(self) -> str:
        """claim, story or packet: where the rule's findings attach."""
        return self.extends if self.extends in ("story", "packet") else "claim"


@dataclass
class RuleSet:
    rules: dict[str, Rule]
    signals: dict[str, Signal]
    story_parts: dict[str, list[str]]
    layers: dict[str, list[str]]
    dimensions: dict[str, dict]
    files: tuple[str, ...] = ()
    dimension_scoring: dict = field(default_factory=dict)
    story_part_wording: dict[str, dict[str, str]] = field(default_factory=dict)
    # The merged `vars` ({NAME: "(?:regex)"}), for engine regexes that name a var (see `expand`).
    vars: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # Built once per load: every signal and rule regex gated in one pass per sentence.
    scanner: Scanner | None = field(default=None, repr=False, compare=False)
    claim_rules: list[Rule] = field(default_factory=list, repr=False, compare=False)
    # Per claim rule: the scanner bits of its patterns (a rule none of whose gates is open cannot match).
    claim_bits: list[int] = field(default_factory=list, repr=False, compare=False)
    story_rules: list[Rule] = field(default_factory=list, repr=False, compare=False)
    strong_signals: list[str] = field(default_factory=list, repr=False, compare=False)
    # Per signal: (regex, parts, any_of, all_of, none_of, positive), what `Signals` evaluates.
    # Per signal: (regex, parts, any_of, all_of, none_of, positive, ascii steps), what `Signals`
    # evaluates; the steps (see `_ascii_step`) serve ASCII sentences with a scanner mask.
    signal_plans: dict[str, tuple] = field(default_factory=dict, repr=False, compare=False)
    claim_steps: list[tuple] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self):
        self.prepare()

    def prepare(self) -> None:
        """(Re)build the derived, compiled-once parts; call again after mutating rules or signals."""
        rxs = [rx for s in self.signals.values() if s.regex is not None for rx in [s.regex, *s.parts]]
        rxs += [rx for r in self.rules.values() for rx in r.patterns]
        self.scanner = Scanner(rxs)
        self.claim_rules = [r for r in self.rules.values() if r.level == "claim"]
        self.claim_bits = [sum(1 << rx.slot for rx in r.patterns) for r in self.claim_rules]
        self.strong_signals = [n for n, s in self.signals.items() if s.strong]
        self.signal_plans = {
            n: (s.regex, tuple(s.parts), tuple(s.any_of), tuple(s.all_of), tuple(s.none_of),
                s.regex is not None or bool(s.any_of),
                tuple(_ascii_step(rx) for rx in (s.parts or ([s.regex] if s.regex is not None else []))))
            for n, s in self.signals.items()
        }
        self.claim_steps = [tuple(_ascii_step(rx) for rx in r.patterns) for r in self.claim_rules]
        self.story_rules = [r for r in self.rules.values() if r.level == "story"]

    def expand(self, pattern: str) -> str:
        """`pattern` with its `$NAME` vars spliced in, as rule patterns get them."""
        return _expand(pattern, self.vars)


def _ascii_step(rx) -> tuple:
    """(required scanner bits, mode, regex, regex2, rx): one regex run on an ASCII sentence, the
    dispatch of `Rx.search_open` decided once per load (mode 0: call the Rx)."""
    plan = rx.ascii_plan() if isinstance(rx, Rx) else (0, None, None)
    return (rx.req, *plan, rx)


def _expand(pattern: str, vars_: dict[str, str]) -> str:
    for name, value in sorted(vars_.items(), key=lambda kv: -len(kv[0])):
        pattern = pattern.replace("$" + name, value)
    return pattern


def _compile(pattern: str, where: str, vars_: dict[str, str]) -> re.Pattern:
    pattern = _expand(pattern, vars_)
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        raise ConfigError(f"{where}: bad regex ({e})") from None


def _alternation(patterns: list[str], where: str, vars_: dict[str, str]) -> re.Pattern:
    return _compile("|".join(f"(?:{p})" for p in patterns), where, vars_)


def _parts(joined: re.Pattern, patterns: list[str], where: str, vars_: dict[str, str]) -> list[Rx]:
    """A signal's patterns compiled one by one (see `Signal.parts`); [] when that is not exact."""
    if len(patterns) < 2:
        return []
    try:
        if uses_group_numbers(joined):
            return []
        parts = [Rx(_compile(f"(?:{p})", where, vars_)) for p in patterns]
    except Exception:
        return []
    if Rx(joined)._low_rx is None:
        # The joined regex runs case-insensitively on the text: parts may only take the vetted
        # ASCII fold, never the looser lower-case twin.
        for rx in parts:
            rx.set_ascii_only()
    return parts


def _as_list(v) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _read(path: Path) -> dict:
    return read_yaml_mapping(path, "rules")


def _build(files: tuple[str, ...]) -> RuleSet:
    raw = [(Path(f), _read(Path(f))) for f in files]
    vars_: dict[str, str] = {}
    for _, data in raw:
        vars_.update({k: f"(?:{v})" for k, v in (data.get("vars") or {}).items()})
    signals: dict[str, Signal] = {}
    rules: dict[str, Rule] = {}
    story_parts: dict[str, list[str]] = {}
    layers: dict[str, list[str]] = {}
    dimensions: dict[str, dict] = {}
    dimension_scoring: dict = {}
    story_part_wording: dict[str, dict[str, str]] = {}
    for path, data in raw:
        for name, spec in (data.get("signals") or {}).items():
            where = f"{path}: signal {name}"
            pats = _as_list(spec.get("patterns"))
            regex = _alternation(pats, where, vars_) if pats else None
            signals[name] = Signal(
                name=name,
                regex=Rx(regex) if pats else None,
                parts=_parts(regex, pats, where, vars_) if pats else [],
                any_of=_as_list(spec.get("any_of")),
                all_of=_as_list(spec.get("all_of")),
                none_of=_as_list(spec.get("none_of")),
                strong=bool(spec.get("strong", False)),
                label=spec.get("label", name.replace("_", " ")),
            )
        for spec in data.get("rules") or []:
            rule = _rule(spec, path, vars_)
            rules[rule.id] = rule
        story_parts.update({k: _as_list(v) for k, v in (data.get("story_parts") or {}).items()})
        layers.update({k: _as_list(v) for k, v in (data.get("layers") or {}).items()})
        dimensions.update(data.get("dimensions") or {})
        dimension_scoring.update(data.get("dimension_scoring") or {})
        story_part_wording.update(data.get("story_part_wording") or {})
    known = set(signals) | COMPUTED_SIGNALS
    for s in signals.values():
        _check_names(s.any_of + s.all_of + s.none_of, known, f"signal {s.name}")
    for r in rules.values():
        _check_names(r.when + r.unless + r.downgrade + _as_list(r.params.get("signals")), known, f"rule {r.id}")
    for where, names in [("story_parts", sum(story_parts.values(), [])), ("layers", sum(layers.values(), []))]:
        _check_names(names, known, where)
    for name, d in dimensions.items():
        if not isinstance(d, dict):
            raise ConfigError(f"dimension {name}: expected a mapping")
        credit = d.get("credit") or {}
        if not isinstance(credit, dict):
            raise ConfigError(f"dimension {name}: credit must map signal names to weights")
        for sig_name, w in credit.items():
            if not isinstance(w, (int, float)) or w < 0:
                raise ConfigError(f"dimension {name}: credit weight for {sig_name} must be a number >= 0")
        _check_names(_as_list(d.get("any_of")) + list(credit), known, f"dimension {name}")
        for key in ("scale",):
            if key in d and (not isinstance(d[key], (int, float)) or d[key] <= 0):
                raise ConfigError(f"dimension {name}: {key} must be a number > 0")
    return RuleSet(rules, signals, story_parts, layers, dimensions, files, dimension_scoring=dimension_scoring,
                   story_part_wording=story_part_wording, vars=vars_)


def _check_names(names: list[str], known: set[str], where: str) -> None:
    missing = [n for n in names if n not in known]
    if missing:
        raise ConfigError(f"{where}: unknown signal(s) {', '.join(missing)}")


def _rule(spec: dict, path: Path, vars_: dict[str, str]) -> Rule:
    rid = spec.get("id")
    if not rid:
        raise ConfigError(f"{path}: a rule has no id")
    where = f"{path}: rule {rid}"
    extends = spec.get("extends", "existence")
    if extends not in SHAPES:
        raise ConfigError(f"{where}: extends must be one of {', '.join(sorted(SHAPES))}")
    sev = spec.get("severity", "warning")
    if sev not in SEVERITIES:
        raise ConfigError(f"{where}: severity must be error, warning or info")
    for key in ("category", "message"):
        if not spec.get(key):
            raise ConfigError(f"{where}: missing {key}")
    if extends in ("existence", "occurrence") and not spec.get("patterns"):
        raise ConfigError(f"{where}: {extends} rules need patterns")
    return Rule(
        id=rid,
        extends=extends,
        category=spec["category"],
        severity=sev,
        message=spec["message"].strip(),
        suggestion=(spec.get("suggestion") or "").strip(),
        example=(spec.get("example") or "").strip(),
        rationale=(spec.get("rationale") or "").strip(),
        link=spec.get("link") or RATIONALE_LINK + spec["category"],
        question=(spec.get("question") or "").strip(),
        patterns=[Rx(_compile(p, where, vars_)) for p in _as_list(spec.get("patterns"))],
        exceptions=[_compile(p, where, vars_) for p in _as_list(spec.get("exceptions"))],
        when=_as_list(spec.get("when")),
        unless=_as_list(spec.get("unless")),
        downgrade=_as_list(spec.get("downgrade")),
        select=spec.get("select") or {},
        min_count=int(spec.get("min_count", 1)),
        per_match=bool(spec.get("per_match", False)),
        check=spec.get("check", ""),
        params=spec.get("params") or {},
    )


@lru_cache(maxsize=16)
def _cached(files: tuple[str, ...], stamps: tuple[float, ...]) -> RuleSet:
    from promolint import cache
    from promolint.analysis import gate

    # Built once per rule-file content and engine source, then loaded from disk (see cache.py).
    return cache.cached_ruleset(files, _build, RuleSet, engine=(__file__, gate.__file__))


def load_ruleset(files) -> RuleSet:
    """Compiled rules for these files; cached until a file changes."""
    paths = tuple(str(Path(f)) for f in files)
    stamps = tuple(Path(p).stat().st_mtime if Path(p).exists() else -1.0 for p in paths)
    return _cached(paths, stamps)


def effective_severity(rule: Rule, config) -> str | None:
    """Severity after config overrides; None when the rule is disabled."""
    rules_cfg = getattr(config, "rules", None)
    if rules_cfg is None:
        return rule.severity
    if rule.id in rules_cfg.disable:
        return None
    sev = rules_cfg.severity.get(rule.id, rule.severity)
    if sev not in SEVERITIES:
        raise ConfigError(f"rules.severity.{rule.id}: must be error, warning or info")
    return sev
