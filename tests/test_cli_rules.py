"""`promolint rules` and `promolint explain` as a user runs them."""
from __future__ import annotations

import re

from conftest import run_cli

from promolint.analysis import list_rules
from promolint.config import load_config


def test_rules_lists_every_rule_with_its_severity():
    r = run_cli("rules", env={"COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    rules = list_rules(load_config())
    assert len(rules) >= 20
    for rule in rules:
        assert re.search(rf"^{re.escape(rule['id'])}\s+{rule['severity']}\b", r.stdout, re.M), rule["id"]


def test_explain_prints_the_rationale_and_unknown_rules_fail(tmp_path):
    r = run_cli("explain", "ownership.diluting-verb")
    assert r.returncode == 0, r.stderr
    assert "Why:" in r.stdout and "Example:" in r.stdout
    bad = run_cli("explain", "no.such-rule")
    assert bad.returncode == 2 and "promolint rules" in bad.stderr


def test_an_org_config_disables_and_relevels_rules(tmp_path):
    org = tmp_path / "org.yaml"
    org.write_text("rules:\n  disable: [ownership.diluting-verb]\n  severity: {ownership.collective-subject: info}\n")
    r = run_cli("rules", "--config", org, env={"COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    assert re.search(r"^ownership\.diluting-verb\s+off\b", r.stdout, re.M)
    assert re.search(r"^ownership\.collective-subject\s+info\b", r.stdout, re.M)


def test_a_disabled_rule_does_not_fire_in_a_review(tmp_path, packet_factory):
    import json

    org = tmp_path / "org.yaml"
    org.write_text("rules:\n  disable: [ownership.diluting-verb]\n")
    pk = packet_factory(["I helped migrate the ledger service to Aurora."])
    for args, out in (((), "default"), (("--config", org), "org")):
        assert run_cli("review", pk, "--out", tmp_path / out, *args).returncode == 0
    rules = {name: {f["rule"] for c in json.loads((tmp_path / name / "packet.findings.json").read_text())["claims"]
                    for f in c["findings"]} for name in ("default", "org")}
    assert "ownership.diluting-verb" in rules["default"]
    assert "ownership.diluting-verb" not in rules["org"]
