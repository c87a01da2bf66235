from __future__ import annotations

import itertools
import json
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.core.proposals import Scenario
from secrules.errors import DataFileError
from secrules.proposals.dp133 import APPLIES, DOES_NOT_APPLY, Dp133Model, load_mp133
from secrules.report import as_json
from secrules.sec import UserRole
from secrules.sec.section_g import (
    ES_RSA,
    ES_RSA_LIMIT,
    USER_PARTS,
    Subject,
    applicable_parts,
    load_section_g,
    rules,
)
from secrules.strategies.sec import regimes, role_sets

SG = load_section_g()
MODEL = secrules.get_proposal("DP133").require_model()


def bundled_text(name: str) -> str:
    return resources.files("secrules.data").joinpath(name).read_text(encoding="utf-8")


def _verdict(model, roles, part, regime):
    scenario = Scenario({"part": part}, subject=Subject(frozenset(roles), part))
    return model.evaluate(scenario, regime)


def test_impact_changes_exactly_three_rows():
    report = secrules.impact("DP133")
    assert report.total == 127 * 10
    changed = {(tuple(r.scenario["roles"]), r.scenario["part"]) for r in report.changed_rows}
    assert changed == {(("ES",), "G10"), (("RSA",), "G10"), (("ES", "RSA"), "G10")}
    for row in report.changed_rows:
        assert row.baseline.verdict == DOES_NOT_APPLY
        assert row.proposed.verdict == APPLIES
    assert "A133-3" in {a.id for a in report.assumptions}
    assert report.out_of_scope_changes == ()


def test_json_shape():
    data = json.loads(json.dumps(as_json(secrules.impact("DP133"))))
    assert data["proposal"] == "DP133"
    assert data["total"] == 1270
    assert data["changed_count"] == 3
    row = data["rows"][0]
    assert set(row) == {"scenario", "baseline", "proposed", "changed"}
    assert set(row["scenario"]) == {"roles", "part"}
    assert row["baseline"] in {APPLIES, DOES_NOT_APPLY}
    for r in data["rows"]:
        assert r["scenario"]["roles"] == sorted(r["scenario"]["roles"])
    assumed = [a for a in data["assumptions"] if a["provenance"] == "assumed"]
    assert any(a["id"] == "A133-3" for a in assumed)


def test_assumptions_are_a133_1_to_7():
    ids = [a.id for a in MODEL.assumptions()]
    assert ids == [f"A133-{i}" for i in range(1, 8)]
    text = {a.id: a.text for a in MODEL.assumptions()}
    assert text["A133-3"].startswith("The baseline G1.7 list is G3, G5, G6 and G8 (read from")
    assert "bundled section_g.toml: g1_7.parts" in text["A133-3"]
    assert text["A133-4"] == (
        "The proposed G1.7 list is the baseline list plus G10"
        " (read from bundled dp133.toml: g1_7.add)."
    )


@given(role_sets(), st.sampled_from(SG.part_ids), regimes())
def test_model_agrees_with_applicable_parts(roles, part, regime):
    """One logic: the model's verdict is applicable_parts on the same rule set."""
    verdict = _verdict(MODEL, roles, part, regime).verdict
    parts = applicable_parts(roles, rules=MODEL.rulesets()[regime])
    assert (verdict == APPLIES) == (part in parts)


@given(role_sets(), st.sampled_from(SG.part_ids))
def test_baseline_is_the_sec_domain_rule_set(roles, part):
    assert MODEL.rulesets()["baseline"] is rules()
    verdict = _verdict(MODEL, roles, part, "baseline").verdict
    assert (verdict == APPLIES) == (part in applicable_parts(roles))


def test_impact_does_not_depend_on_the_g1_7_placeholder():
    """The model's declared alternatives to A133-3 (32 lists) all give the same 3 rows."""
    expected = {
        (frozenset(s), "G10")
        for s in ({UserRole.EXPORT_SUPPLIER}, {UserRole.REGISTERED_SUPPLIER_AGENT}, ES_RSA)
    }
    variations = list(MODEL.variations())
    assert len(variations) == 32
    assert {v.assumption for v in variations} == {"A133-3"}
    lists = set()
    for variation in variations:
        model = variation.build()
        assert isinstance(model, Dp133Model)
        listed = model.section_g.g1_7.parts
        assert "G10" not in listed
        assert listed <= SG.user_parts
        lists.add(listed)
        sets = model.rulesets()
        changed = set()
        for roles in _all_role_sets():
            base = applicable_parts(roles, section_g=model.section_g, rules=sets["baseline"])
            prop = applicable_parts(roles, section_g=model.section_g, rules=sets["proposed"])
            changed |= {(roles, part) for part in base ^ prop}
        assert changed == expected, sorted(listed)
    assert len(lists) == 32  # every subset of the user parts other than G10, once


def _all_role_sets():
    roles = list(UserRole)
    for n in range(1, len(roles) + 1):
        for combo in itertools.combinations(roles, n):
            yield frozenset(combo)


def test_exception_rule_is_replaced_not_the_base_rule():
    sets = MODEL.rulesets()
    base, prop = sets["baseline"], sets["proposed"]
    assert prop.parent is base
    assert base.rule(USER_PARTS) is prop.rule(USER_PARTS)
    assert base.rule(ES_RSA_LIMIT) is not prop.rule(ES_RSA_LIMIT)
    assert prop.rule(ES_RSA_LIMIT).exception_to == USER_PARTS
    assert prop.ids == base.ids


def test_findings_cite_g1_7_with_provenance():
    finding = _verdict(MODEL, {UserRole.EXPORT_SUPPLIER}, "G10", "baseline")
    assert finding.rule_id == ES_RSA_LIMIT
    assert finding.verdict == DOES_NOT_APPLY
    clauses = {(c.clause, c.provenance.value) for c in finding.clauses}
    assert clauses == {("G1.7", "stated"), ("G1.7 list (part level)", "assumed")}
    amended = _verdict(MODEL, {UserRole.EXPORT_SUPPLIER}, "G10", "proposed")
    assert amended.verdict == APPLIES
    clauses = {(c.clause, c.version, c.provenance.value) for c in amended.clauses}
    assert ("G1.7 list as amended by MP133 (part level)", "v27.0 (November 2020)", "inferred") in (
        clauses
    )
    other = _verdict(MODEL, {UserRole.IMPORT_SUPPLIER}, "G10", "baseline")
    assert other.rule_id == USER_PARTS
    assert other.verdict == APPLIES


def test_mp133_table():
    mp133 = load_mp133()
    assert mp133.add == ("G10",)
    assert mp133.provenance == "inferred"
    assert mp133.table is not None
    assert mp133.table.label == "bundled dp133.toml"


def test_empty_mp133_addition_is_a_data_file_error(tmp_path):
    text = bundled_text("dp133.toml").replace('add = ["G10"]', "add = []")
    path = tmp_path / "dp133.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_mp133(path)
    assert info.value.key == "g1_7.add"


def test_user_table_without_the_added_part_is_refused(tmp_path):
    text = (
        bundled_text("section_g.toml")
        .replace('id = "G10"', 'id = "G11"')
        .replace("G10's absence", "its absence")
    )
    path = tmp_path / "no_g10.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="no part G10, which MP133 adds") as info:
        MODEL.with_table(path)
    assert info.value.file == str(path)


def test_user_table_via_impact(fixtures_dir):
    report = secrules.impact(
        "DP133", table=fixtures_dir / "section_g" / "user_table_g4_listed.toml"
    )
    assert report.changed_count == 3
