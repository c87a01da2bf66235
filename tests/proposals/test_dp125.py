from __future__ import annotations

import json
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.core import Outcome, Provenance, Scenario
from secrules.errors import DataFileError
from secrules.inventory import (
    ACTOR_RULE,
    DEVICE_TYPE_RULE,
    KNOWN_RULE,
    Actor,
    DeviceStatus,
    DeviceType,
    VariantChange,
    variant_catalogue,
    variant_rules,
)
from secrules.proposals.dp125 import ACTOR_KINDS, EXCEPTION_RULE, Dp125Model, load_dp125_policy
from secrules.report import as_json

MODEL = secrules.get_proposal("DP125").require_model()

ALLOWED_BASELINE = {
    (actor, "ESME", status)
    for actor in ("installing responsible IS", "installing former IS")
    for status in ("Pending", "Whitelisted", "InstalledNotCommissioned")
}
CHANGED = {
    ("installing responsible IS", "ESME", "Commissioned"),
    ("gaining responsible IS", "ESME", "Commissioned"),
}


@pytest.fixture(scope="module")
def report():
    return secrules.impact("DP125")


def key(row):
    params = row.scenario.as_dict()
    return (params["actor"], params["device_type"], params["status"])


def test_counts(report):
    assert report.total == 720
    assert len({key(r) for r in report.rows}) == 720
    baseline = {key(r) for r in report.rows if r.baseline.verdict == "accepted"}
    proposed = {key(r) for r in report.rows if r.proposed.verdict == "accepted"}
    assert baseline == ALLOWED_BASELINE
    assert len(baseline) == 6
    assert len(proposed) == 8
    assert proposed == baseline | CHANGED
    assert report.changed_count == 2
    assert {key(r) for r in report.changed_rows} == CHANGED
    assert {r.baseline.verdict for r in report.rows} == {"accepted", "refused"}


def test_changed_rows_are_exactly_in_scope(report):
    assert report.out_of_scope_changes == ()
    in_scope = {key(r) for r in report.rows if r.in_scope}
    assert in_scope == CHANGED
    for row in report.rows:
        assert row.changed == row.in_scope


def test_scenario_params_are_json_ready(report):
    params = [r.scenario.as_dict() for r in report.rows]
    assert json.loads(json.dumps(params)) == params
    assert {"actor": "gaining responsible IS", "device_type": "ESME", "status": "Commissioned"} in (
        params
    )
    assert json.dumps(as_json(report))


def test_actor_kinds():
    kinds = [a.kind for a in ACTOR_KINDS]
    assert len(kinds) == len(set(kinds)) == 10
    assert kinds[:4] == [
        "installing responsible IS",
        "installing former IS",
        "gaining responsible IS",
        "unrelated IS",
    ]
    assert {a.role.code for a in ACTOR_KINDS[4:]} == {"ES", "GS", "ED", "GT", "RSA", "OU"}


def test_assumptions_are_listed_and_assumed():
    assumptions = MODEL.assumptions()
    ids = [a.id for a in assumptions]
    assert ids[:8] == [f"A125-{i}" for i in range(1, 9)]
    assert all(a.provenance is Provenance.ASSUMED for a in assumptions[:8])
    assert assumptions[8].provenance is Provenance.INFERRED  # the 2020 variant set
    assert set(MODEL.regimes) == {"baseline", "proposed"}
    assert "A125-4" in MODEL.regimes["baseline"]
    assert "A125-5" in MODEL.regimes["proposed"]


def test_proposed_adds_one_exception_to_the_smi_baseline():
    sets = MODEL.rulesets()
    baseline, proposed = sets["baseline"], sets["proposed"]
    assert baseline is variant_rules()  # the domain's own rules, as at the paper's date
    assert proposed.parent is baseline
    assert baseline.ids == (ACTOR_RULE, DEVICE_TYPE_RULE, KNOWN_RULE)
    assert proposed.ids == (*baseline.ids, EXCEPTION_RULE)
    assert all(rule.id.startswith("inventory.") for rule in baseline)
    for rule_id in baseline.ids:
        assert baseline.rule(rule_id) is proposed.rule(rule_id)
    exception = proposed.rule(EXCEPTION_RULE)
    assert EXCEPTION_RULE.startswith("dp125.")
    assert exception.exception_to == ACTOR_RULE
    assert proposed.exceptions_to(ACTOR_RULE) == (exception,)
    assert "A125-5" in {c.clause for c in exception.clauses}
    assert "A125-5" not in {c.clause for r in baseline for c in r.clauses}
    for rule in proposed:
        assert rule.clauses
        assert rule.text


def test_labels_and_combiner():
    scenario = Scenario(
        params={"actor": "gaining responsible IS", "device_type": "ESME", "status": "Commissioned"}
    )
    base = MODEL.evaluate(scenario, "baseline")
    prop = MODEL.evaluate(scenario, "proposed")
    assert (base.outcome, base.verdict, base.rule_id) == (Outcome.FAIL, "refused", ACTOR_RULE)
    assert (prop.outcome, prop.verdict, prop.rule_id) == (Outcome.PASS, "accepted", EXCEPTION_RULE)
    gsme = Scenario(
        params={"actor": "gaining responsible IS", "device_type": "GSME", "status": "Commissioned"}
    )
    for regime in ("baseline", "proposed"):
        finding = MODEL.evaluate(gsme, regime)
        assert (finding.verdict, finding.rule_id) == ("refused", DEVICE_TYPE_RULE)


def test_registry_sees_the_model():
    proposal = secrules.get_proposal("DP125")
    assert proposal.modelled
    assert proposal.model is MODEL
    assert isinstance(MODEL, Dp125Model)


def _change(actor, device_type, status, variant, era="2020"):
    return VariantChange(
        actor=actor, device_type=device_type, status=status, variant=variant, era=era
    )


@given(
    actor=st.sampled_from(ACTOR_KINDS),
    device_type=st.sampled_from(list(DeviceType)),
    status=st.sampled_from(list(DeviceStatus)),
    first=st.sampled_from(variant_catalogue().set("2020").codes),
    second=st.sampled_from(variant_catalogue().set("2020").codes),
)
def test_verdict_does_not_depend_on_the_variant(actor, device_type, status, first, second):
    for regime in ("baseline", "proposed"):
        one = MODEL.evaluate(
            Scenario(params={}, subject=_change(actor, device_type, status, first)), regime
        )
        two = MODEL.evaluate(
            Scenario(params={}, subject=_change(actor, device_type, status, second)), regime
        )
        assert one.verdict == two.verdict


@given(
    actor=st.sampled_from(ACTOR_KINDS),
    device_type=st.sampled_from(list(DeviceType)),
    status=st.sampled_from(list(DeviceStatus)),
)
def test_proposed_only_widens(actor, device_type, status):
    scenario = Scenario(params={}, subject=_change(actor, device_type, status, "A"))
    base = MODEL.evaluate(scenario, "baseline").verdict
    prop = MODEL.evaluate(scenario, "proposed").verdict
    if base == "accepted":
        assert prop == "accepted"
    if base != prop:
        assert MODEL.in_scope(scenario)


def test_unknown_or_other_era_variant_is_refused_in_both_regimes():
    actor = Actor("IS", installing=True, responsible=True)
    for variant, era in (("XYZ", "2020"), ("ADF", "2020"), ("ad", "duis-5.x")):
        change = _change(actor, DeviceType.ESME, DeviceStatus.PENDING, variant, era)
        for regime in ("baseline", "proposed"):
            finding = MODEL.evaluate(Scenario(params={}, subject=change), regime)
            assert finding.verdict == "refused"
            assert finding.rule_id == KNOWN_RULE
    ok = _change(actor, DeviceType.ESME, DeviceStatus.PENDING, "ADF", "duis-5.x")
    assert MODEL.evaluate(Scenario(params={}, subject=ok), "baseline").verdict == "accepted"


def test_duis_5x_era_gives_the_same_counts():
    model = Dp125Model(era="duis-5.x")
    rows = [
        (model.evaluate(s, "baseline"), model.evaluate(s, "proposed")) for s in model.scenarios()
    ]
    assert sum(b.verdict == "accepted" for b, _ in rows) == 6
    assert sum(p.verdict == "accepted" for _, p in rows) == 8


def test_scenario_from_params_only():
    scenario = Scenario(
        params={"actor": "gaining responsible IS", "device_type": "ESME", "status": "Commissioned"}
    )
    assert MODEL.evaluate(scenario, "baseline").verdict == "refused"
    assert MODEL.evaluate(scenario, "proposed").verdict == "accepted"
    assert MODEL.in_scope(scenario)


def test_broken_policy_file_is_refused(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('default_era = "2020"\n', encoding="utf-8")
    with pytest.raises(DataFileError):
        load_dp125_policy(path)


def test_own_policy_file(tmp_path):
    bundled = resources.files("secrules.data").joinpath("dp125_policy.toml").read_text("utf-8")
    # A reading in which the proposal also lets the responsible IS correct while Suspended.
    widened = bundled.replace(
        'statuses = ["Commissioned"]', 'statuses = ["Commissioned", "Suspended"]'
    )
    path = tmp_path / "policy.toml"
    path.write_text(widened, encoding="utf-8")
    policy = load_dp125_policy(path)
    assert len(policy.grants) == 1
    model = MODEL.with_table(path)
    assert MODEL.table_name == "dp125_policy.toml"
    assert secrules.impact("DP125", table=path).changed_count == 4
    changed = [
        s
        for s in model.scenarios()
        if model.evaluate(s, "baseline").verdict != model.evaluate(s, "proposed").verdict
    ]
    assert len(changed) == 4
    assert len(model.rulesets()["proposed"]) == 4
    assert model.rulesets()["baseline"] is MODEL.rulesets()["baseline"]


@st.composite
def variant_changes(draw):
    """An SR 8.4 or SR 12.2 ESMEVariant change by any actor kind, on any device and status."""
    era = draw(st.sampled_from(sorted(variant_catalogue().sets)))
    codes = variant_catalogue().set(era).codes
    return VariantChange(
        actor=draw(st.sampled_from(ACTOR_KINDS)),
        device_type=draw(st.sampled_from(list(DeviceType))),
        status=draw(st.none() | st.sampled_from(list(DeviceStatus))),
        variant=draw(st.sampled_from([*codes, "XYZ"])),
        era=era,
    )


@given(variant_changes())
def test_exception_decides_exactly_where_a_dp125_grant_covers(change):
    """The proposed actor decision is the union of the SMI's grants and DP125's (A125-5)."""
    baseline, proposed = MODEL.rulesets()["baseline"], MODEL.rulesets()["proposed"]
    base = baseline.evaluate(change, ACTOR_RULE)
    prop = proposed.evaluate(change, ACTOR_RULE)
    assert len(base) == len(prop) == 1
    widened = any(g.allows(change) for g in MODEL.policy.grants)
    assert (prop[0].rule_id == EXCEPTION_RULE) is widened
    if widened:
        assert prop[0].outcome is Outcome.PASS
    else:
        assert prop[0] == base[0]
    # The other rules are the SMI's, untouched by the reform.
    for rule_id in (DEVICE_TYPE_RULE, KNOWN_RULE):
        assert proposed.evaluate(change, rule_id) == baseline.evaluate(change, rule_id)
