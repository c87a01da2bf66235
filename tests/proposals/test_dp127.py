"""DP127 / MP127: the G4.3 screening duty of AROs, stated in the SMKI RAPP."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.core import Outcome
from secrules.core.impact import compute_impact
from secrules.core.proposals import Scenario
from secrules.core.sensitivity import sensitivity
from secrules.errors import DataFileError
from secrules.proposals.dp127 import Dp127Model
from secrules.sec.screening import (
    G4_3_RULE,
    RAPP_RULE,
    AroSubject,
    Provision,
    Screening,
    load_screening_policy,
    rules,
)

PROPOSAL = secrules.get_proposal("MP127")
MODEL = PROPOSAL.require_model()
POLICY = load_screening_policy()


def _rows_by_provision(report):
    out: dict[str, set[str]] = {p.value: set() for p in Provision}
    for row in report.changed_rows:
        out[row.scenario["provision"]].add(row.scenario["screening"])
    return out


def test_the_rapp_rule_changes_for_all_four_records_and_g4_3_for_none():
    report = secrules.impact("DP127")
    assert report.total == 8
    changed = _rows_by_provision(report)
    assert changed["SMKI RAPP"] == {s.value for s in Screening}
    assert changed["SEC G4.3"] == set()
    for row in report.changed_rows:
        assert row.baseline.outcome is Outcome.NOT_APPLICABLE
        assert row.baseline.rule_id == RAPP_RULE
    by_key = {(r.scenario["screening"], r.scenario["provision"]): r for r in report.rows}
    for screening in Screening:
        g43 = by_key[(screening.value, "SEC G4.3")]
        rapp = by_key[(screening.value, "SMKI RAPP")]
        assert rapp.proposed.verdict == g43.proposed.verdict == g43.baseline.verdict
    assert report.out_of_scope_changes == ()


def test_expected_verdicts_of_the_bundled_treatments():
    verdicts = {
        s: MODEL.evaluate(Scenario({"c": 1}, subject=AroSubject(s, Provision.G4_3)), "baseline")
        for s in Screening
    }
    assert {s: f.outcome for s, f in verdicts.items()} == {
        Screening.BS7858_2019: Outcome.PASS,
        Screening.DECLARED_EQUIVALENT: Outcome.PASS,
        Screening.EARLIER_EDITION: Outcome.INDETERMINATE,
        Screening.NONE: Outcome.FAIL,
    }
    assert "(assumed)" in verdicts[Screening.DECLARED_EQUIVALENT].message


def test_only_the_rapp_rule_is_replaced():
    sets = MODEL.rulesets()
    base, prop = sets["baseline"], sets["proposed"]
    assert base is rules()
    assert prop.parent is base
    assert prop.rule(G4_3_RULE) is base.rule(G4_3_RULE)
    assert prop.rule(RAPP_RULE) is not base.rule(RAPP_RULE)
    assert prop.ids == base.ids


@st.composite
def policies(draw: st.DrawFn):
    """The bundled treatments with any outcome for each assumed row (A127-1, A127-2)."""
    policy = POLICY
    for screening in (Screening.DECLARED_EQUIVALENT, Screening.EARLIER_EDITION):
        outcome = draw(st.sampled_from([Outcome.PASS, Outcome.INDETERMINATE, Outcome.FAIL]))
        policy = policy.with_outcome(screening, outcome)
    return policy


@given(policies(), st.sampled_from(list(Screening)))
def test_g4_3_never_changes_and_the_rapp_then_says_the_same(policy, screening):
    model = Dp127Model(policy)

    def verdict(provision, regime):
        scenario = Scenario({"c": 1}, subject=AroSubject(screening, provision))
        return model.evaluate(scenario, regime)

    g43 = verdict(Provision.G4_3, "baseline")
    assert verdict(Provision.G4_3, "proposed") == g43
    assert verdict(Provision.RAPP, "baseline").outcome is Outcome.NOT_APPLICABLE
    assert verdict(Provision.RAPP, "proposed").outcome is g43.outcome


def test_sensitivity_four_rapp_rows_change_under_every_alternative():
    found = sensitivity(PROPOSAL)
    assert [s.assumption for s in found] == ["A127-1", "A127-2"]
    for s in found:
        assert s.alternatives == 3
        assert all(count == 4 for _label, count in s.counts)
        assert len(s.differing) == 2  # the verdicts move with the assumption; the rows do not
    for variation in MODEL.variations():
        changed = _rows_by_provision(compute_impact(PROPOSAL, variation.build()))
        assert changed["SEC G4.3"] == set(), variation.label
        assert len(changed["SMKI RAPP"]) == 4, variation.label


def test_a_table_without_every_treatment_is_refused(tmp_path):
    text = resources.files("secrules.data").joinpath("aro_screening.toml").read_text("utf-8")
    path = tmp_path / "aro.toml"
    path.write_text(text.replace('screening = "none"', 'screening = "BS 7858:2019"'), "utf-8")
    with pytest.raises(DataFileError, match="duplicate treatment"):
        MODEL.with_table(path)
    path.write_text(text.replace('outcome = "fail"', 'outcome = "maybe"'), "utf-8")
    with pytest.raises(DataFileError) as info:
        MODEL.with_table(path)
    assert info.value.key == "treatment[3].outcome"
