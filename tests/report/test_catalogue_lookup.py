"""The rule catalogue lists every rule ``check`` can emit; ``secrules rules ID`` looks one up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import secrules
from secrules.checking import check_input, check_rulesets, checkable_rule_ids
from secrules.errors import InvalidValueError, SecrulesError
from secrules.inputs import read_input
from secrules.inventory import User, load_inventory
from secrules.report import find_rule, render_rule, rule_catalogue
from secrules.sec import UserRole

CATALOGUE = rule_catalogue(secrules.proposals(), checks=check_rulesets())
CATALOGUED = {entry.rule.id for entry in CATALOGUE}
ROOT = Path(__file__).resolve().parents[2]

#: Bare DLMS input that reaches the decode rule without a schedule (A-XDR double-long-unsigned).
BARE_DLMS = (bytes.fromhex("0600000001"),)


def _emitted(data: bytes | str | Path) -> set[str]:
    ids: set[str] = set()
    for regime in ("baseline", "proposed"):
        for default in (False, True):
            source = data if isinstance(data, bytes | str) else Path(data)
            try:
                findings = secrules.check(source, regime=regime, default_configuration=default)
            except SecrulesError:
                continue  # undecodable or hostile input: nothing emitted
            ids.update(f.rule_id for f in findings)
    return ids


def _emitted_with_inventory(request: Path) -> set[str]:
    """The ids of a DUIS request applied to the fixture inventory by each kind of sender."""
    inventory = load_inventory(ROOT / "fixtures" / "duis" / "inventory.toml")
    ids: set[str] = set()
    for role in UserRole:
        sender = User("90-B3-D5-1F-30-01-00-07", role)
        for regime in ("baseline", "proposed"):
            try:
                findings = check_input(
                    read_input(request.read_bytes()),
                    regime=regime,
                    inventory=inventory,
                    sender=sender,
                )
            except SecrulesError:
                continue
            ids.update(f.rule_id for f in findings)
    return ids


def _corpus(rtds_files: list[Path], duis_dir: Path) -> list[Path]:
    fixtures = sorted(
        p for p in (ROOT / "fixtures").rglob("*") if p.suffix.lower() in {".hex", ".xml"}
    )
    duis = sorted(duis_dir.glob("*.XML"))
    return [*rtds_files[::6], *fixtures, *duis]


def test_every_rule_id_check_emits_is_catalogued(rtds_files, duis_dir):
    corpus = _corpus(rtds_files, duis_dir)
    emitted: dict[str, str] = {}
    for item in [*corpus, *BARE_DLMS]:
        for rule_id in _emitted(item):
            emitted.setdefault(rule_id, str(item))
    for request in (ROOT / "fixtures" / "duis").glob("*.xml"):
        for rule_id in _emitted_with_inventory(request):
            emitted.setdefault(rule_id, f"{request} with --inventory")
    missing = {rule_id: item for rule_id, item in emitted.items() if rule_id not in CATALOGUED}
    assert not missing, f"rule ids check emits but the catalogue lacks: {missing}"
    # The corpus reaches the decode rules, the protection rules and the DUIS rules.
    assert {"gbcs.decode", "dlms.decode", "gbcs.signature", "duis.schema-version"} <= set(emitted)
    assert {"duis.inventory.outcome", "inventory.access-control"} <= set(emitted)
    # The ids the assertion helpers accept are exactly what check can emit, all catalogued.
    assert set(emitted) <= checkable_rule_ids() <= CATALOGUED


def test_decode_rules_are_rules_with_registered_clauses():
    for rule_id, clause_id in (
        ("gbcs.decode", "gbcs.7.2.5-7.2.7.framing"),
        ("dlms.decode", "dlms.access-and-axdr"),
    ):
        (entry,) = find_rule(CATALOGUE, rule_id)
        assert entry.proposal == "Payload decoding"
        assert [c.id for c in entry.rule.clauses] == [clause_id]
        assert entry.rule.module == "secrules.payloads"
        assert entry.rule.text


def test_decode_finding_is_the_rules_finding():
    (finding,) = [f for f in secrules.check(BARE_DLMS[0]) if f.rule_id == "dlms.decode"]
    (entry,) = find_rule(CATALOGUE, "dlms.decode")
    assert finding.clauses == entry.rule.clauses
    assert finding.outcome is secrules.Outcome.PASS


def test_every_catalogued_rule_names_its_module_and_existing_data_files():
    data_dir = ROOT / "src"
    for entry in CATALOGUE:
        assert entry.rule.module.startswith("secrules."), entry.rule.id
        for name in entry.rule.data_files:
            assert (data_dir / name).is_file(), (entry.rule.id, name)
    table_rules = [e for e in CATALOGUE if e.rule.id.startswith("gbcs.table28d.")]
    assert all("secrules/data/table_28d.toml" in e.rule.data_files for e in table_rules)
    proposed = [e for e in table_rules if e.regimes == ("proposed",)]
    assert proposed
    assert all("secrules/data/dp131.toml" in e.rule.data_files for e in proposed)


def test_find_rule_returns_each_definition():
    entries = find_rule(CATALOGUE, "gbcs.table28d.begin_date")
    assert [e.regimes for e in entries] == [("baseline",), ("proposed",)]


def test_unknown_rule_names_close_matches():
    with pytest.raises(
        InvalidValueError, match=r"unknown rule 'gbcs.decod'; did you mean gbcs\.decode"
    ):
        find_rule(CATALOGUE, "gbcs.decod")
    with pytest.raises(InvalidValueError, match="secrules rules` lists every rule id"):
        find_rule(CATALOGUE, "zzz")


def test_render_rule_formats():
    entries = find_rule(CATALOGUE, "gbcs.critical_command_signed")
    text = render_rule(entries, "text")
    assert "defined in:  secrules.gbcs.verification" in text
    assert "secrules/data/gbcs_message_types.toml" in text
    assert "[gbcs.13.3.3.1.krp-signature]" in text
    md = render_rule(entries, "md")
    assert md.startswith("## `gbcs.critical_command_signed`")
    (row,) = json.loads(render_rule(entries, "json"))
    assert row["module"] == "secrules.gbcs.verification"
    assert row["regimes"] == ["both regimes"]
    assert {c["id"] for c in row["clauses"]} >= {"gbcs.13.3.3.1.krp-signature"}
    with pytest.raises(InvalidValueError):
        render_rule(entries, "html")


def test_cli_rules_id(run_cli):
    result = run_cli("rules", "dp125.responsible-supplier-correction")
    assert result.code == 0, result.err
    assert "exception to: inventory.variant-correction-actor" in result.out
    assert "secrules/data/dp125_policy.toml" in result.out
    rows = json.loads(run_cli("rules", "gbcs.decode", "dlms.decode", "--format", "json").out)
    assert [r["id"] for r in rows] == ["gbcs.decode", "dlms.decode"]


def test_cli_rules_unknown_id_is_one_line_exit_2(run_cli):
    result = run_cli("rules", "gbcs.signatur")
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert "gbcs.signature" in result.err
