"""DP129 / MP129: signing variants by signer party, and no device-observable change."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.core.findings import Outcome
from secrules.core.regimes import REGIMES
from secrules.core.rules import decide
from secrules.core.sensitivity import sensitivity
from secrules.errors import DataFileError, InvalidValueError
from secrules.gbcs import parse_message, verify_message
from secrules.gbcs.keystore import DirectoryKeyStore, MemoryKeyStore
from secrules.gbcs.signing import SIGNING_VARIANT_RULE_ID, signature_rules
from secrules.gbcs.variants import SigningVariant
from secrules.gbcs.verification import SignatureSubject
from secrules.proposals.dp129 import (
    EXCEPTION_RULE_ID,
    NOT_APPLICABLE,
    NOT_PERMITTED,
    PERMITTED,
    Dp129Model,
    device_acceptance,
    load_policy,
)
from secrules.report import as_json, reading_difference
from secrules.strategies.ecdsa import signed_gbcs_messages


def _model() -> Dp129Model:
    model = secrules.get_proposal("DP129").require_model()
    assert isinstance(model, Dp129Model)
    return model


REMOTE_PARTIES = 10


def test_readings_beis_authoritative_then_the_dsp():
    model = _model()
    readings = model.readings()
    assert [r.id for r in readings] == ["beis", "dsp"]
    assert [r.authoritative for r in readings] == [True, False]
    assert model.reading == readings[0]
    assert {r.held_by for r in readings} == {"BEIS", "the DSP"}
    for reading in readings:
        assert reading.provenance.value == "stated"
        assert "28 May 2020" in reading.source
    assert model.with_reading("dsp").reading == readings[1]


def test_under_beis_reading_mp129_changes_no_verdict():
    report = secrules.impact("DP129")
    assert report.reading is not None
    assert report.reading.id == "beis"
    assert report.changed_count == 0
    for row in report.rows:
        if row.scenario["kind"] == "remote party":
            assert row.baseline.verdict == row.proposed.verdict == PERMITTED
    assert [r.reading.id for r in report.by_reading if r.reading] == ["beis", "dsp"]
    assert "changes no verdict" in reading_difference(report)


def test_unknown_reading_is_an_error_naming_the_readings():
    with pytest.raises(InvalidValueError, match=r"no reading 'nope'.*beis, dsp"):
        _model().with_reading("nope")
    with pytest.raises(InvalidValueError, match="no reading"):
        secrules.get_proposal("DP133").require_model().with_reading("beis")


def test_reading_rows_are_checked(tmp_path):
    bundled = resources.files("secrules.data").joinpath("dp129_policy.toml").read_text()
    path = tmp_path / "policy.toml"
    path.write_text(bundled.replace("authoritative = false", "authoritative = true"))
    with pytest.raises(DataFileError, match="exactly one reading"):
        load_policy(path)


def test_impact_changes_exactly_the_remote_party_cnsa_rows():
    report = secrules.impact("DP129").alternatives[0]
    assert report.reading is not None
    assert report.reading.id == "dsp"
    parties = load_policy().parties
    assert len(parties) == REMOTE_PARTIES + 1
    assert report.total == 2 * len(parties)
    changed = {(r.scenario["signer"], r.scenario["variant"]) for r in report.changed_rows}
    expected = {(p.name, "cnsa") for p in parties if p.is_remote_party}
    assert changed == expected
    assert report.changed_count == REMOTE_PARTIES
    for row in report.changed_rows:
        assert (row.baseline.verdict, row.proposed.verdict) == (NOT_PERMITTED, PERMITTED)
        assert row.in_scope
    for row in report.rows:
        if row.scenario["kind"] == "device":
            assert row.baseline.verdict == row.proposed.verdict == NOT_APPLICABLE
        elif row.scenario["variant"] == "gbcs":
            assert row.baseline.verdict == row.proposed.verdict == PERMITTED
    assert report.out_of_scope_changes == ()


def test_device_acceptance_is_computed_per_row():
    report = secrules.impact("DP129")
    assert all(row.scenario["device_accepts"] is True for row in report.rows)
    for row in report.rows:
        assert "device_accepts: true" in row.baseline.message
    ids = {a.id for a in report.assumptions}
    assert {"A129-3", "A129-8"} <= ids


@pytest.mark.parametrize("variant", SigningVariant.all())
def test_device_acceptance_check(variant):
    check = device_acceptance(variant)
    assert check.accepts
    assert "pass" in check.detail
    assert "fail" in check.detail  # the tampered copy was rejected


def test_json_report():
    data = json.loads(json.dumps(as_json(secrules.impact("DP129"))))
    assert data["changed_count"] == 0
    assert data["reading"] == "beis"
    readings = data["readings"]
    assert [(r["id"], r["authoritative"], r["changed_count"]) for r in readings] == [
        ("beis", True, 0),
        ("dsp", False, REMOTE_PARTIES),
    ]
    assert set(readings[0]) >= {"name", "held_by", "text", "provenance", "source", "total"}
    assert {r["scenario"]["variant"] for r in readings[1]["changed"]} == {"cnsa"}
    assert data["reading_difference"].startswith("Under BEIS's reading (authoritative)")
    assert data["sensitivity"] == []
    assert set(data["rows"][0]["scenario"]) == {
        "signer",
        "kind",
        "role_code",
        "variant",
        "device_accepts",
    }


def test_sensitivity_to_a129_5_depends_on_the_reading():
    model = _model()
    (beis,) = sensitivity(secrules.get_proposal("DP129"), model)
    assert beis.assumption == "A129-5"
    assert beis.robust
    (dsp,) = sensitivity(secrules.get_proposal("DP129"), model.with_reading("dsp"))
    assert not dsp.robust
    assert dict(dsp.counts) == {
        "every Remote Party signer (as modelled)": REMOTE_PARTIES,
        "only the DSP and the DCC-role signers (01, 04, 05, 06)": 5,
    }


def test_text_report_shows_both_readings(run_cli):
    result = run_cli("impact", "DP129")
    assert result.code == 0
    assert "beis: BEIS's reading (held by BEIS, authoritative; stated): 0 of 22" in result.out
    assert "dsp: the DSP's reading (held by the DSP; stated): 10 of 22" in result.out
    assert "so it is a clarification" in result.out


def test_proposed_is_baseline_plus_one_exception():
    sets = _model().rulesets()
    baseline, proposed = sets["baseline"], sets["proposed"]
    assert proposed.parent is baseline
    assert baseline.ids == (SIGNING_VARIANT_RULE_ID,)
    assert proposed.ids == (SIGNING_VARIANT_RULE_ID, EXCEPTION_RULE_ID)
    assert proposed.rule(SIGNING_VARIANT_RULE_ID) is baseline.rule(SIGNING_VARIANT_RULE_ID)
    exception = proposed.rule(EXCEPTION_RULE_ID)
    assert exception.exception_to == SIGNING_VARIANT_RULE_ID
    assert all(rule.id.startswith("gbcs.") for rule in baseline)
    assert exception.id.startswith("dp129.")
    for ruleset in (baseline, proposed):
        for rule in ruleset:
            assert rule.clauses[0].provenance.value == "assumed"


def test_every_scenario_and_regime_evaluates_with_the_typed_rule_set():
    """The old mixed set raised AttributeError here (a signature rule on a signing subject)."""
    model = _model()
    sets = model.rulesets()
    for scenario in model.scenarios():
        subject = model.subject(scenario)
        for regime in REGIMES:
            findings = sets[regime].evaluate(subject)
            assert len(findings) == 1
            assert decide(sets[regime], subject, model.combine) == findings[0]
            assert model.evaluate(scenario, regime).outcome is findings[0].outcome


def test_exception_decides_only_for_remote_parties():
    model = _model()
    proposed = model.rulesets()["proposed"]
    for scenario in model.scenarios():
        finding = proposed.evaluate(model.subject(scenario))[0]
        expected = (
            EXCEPTION_RULE_ID if scenario["kind"] == "remote party" else (SIGNING_VARIANT_RULE_ID)
        )
        assert finding.rule_id == expected


def test_subject_from_parameters_alone():
    model = _model()
    for scenario in model.scenarios():
        bare = secrules.Scenario(scenario.as_dict())
        assert model.subject(bare) == model.subject(scenario)
        assert model.evaluate(bare, "proposed") == model.evaluate(scenario, "proposed")
    with pytest.raises(InvalidValueError, match="Nobody"):
        model.subject(
            secrules.Scenario({"signer": "Nobody", "variant": "gbcs", "device_accepts": True})
        )


def test_mp129_does_not_reform_the_device_side_rules():
    assert _model().signature_reform(signature_rules()) is None


def test_every_rtds_message_verifies_as_verify_message_says(rtds_files, hexfile, keystore_dir):
    """The Device-side rules DP129 leaves unchanged decide every RTDS message as a Device does."""
    store = DirectoryKeyStore(keystore_dir)
    outcomes = set()
    for path in rtds_files:
        raw = hexfile(path)
        finding = decide(signature_rules(), SignatureSubject(parse_message(raw), store))
        assert finding == verify_message(raw, store), path.name
        outcomes.add(finding.outcome)
    assert Outcome.PASS in outcomes


@given(signed_gbcs_messages(variants=st.sampled_from(SigningVariant.regulatory_variants())))
def test_generated_signatures_verify_whatever_the_variant(sample):
    store = MemoryKeyStore()
    store.add_key(sample.originator, sample.public_key)
    finding = decide(signature_rules(), SignatureSubject(parse_message(sample.message), store))
    assert finding.outcome is Outcome.PASS


def test_user_policy_table(tmp_path):
    bundled = resources.files("secrules.data").joinpath("dp129_policy.toml").read_text()
    text = bundled.replace('remote_party = ["gbcs", "cnsa"]', 'remote_party = ["gbcs"]')
    path = tmp_path / "policy.toml"
    path.write_text(text)
    model = Dp129Model().with_table(path).with_reading("dsp")
    for scenario in model.scenarios():
        baseline = model.evaluate(scenario, "baseline")
        assert baseline.verdict == model.evaluate(scenario, "proposed").verdict
        assert baseline.verdict in (PERMITTED, NOT_PERMITTED, NOT_APPLICABLE)
        assert (baseline.verdict == PERMITTED) == (
            scenario["kind"] == "remote party" and scenario["variant"] == "gbcs"
        )
    path.write_text(text.replace('remote_party = ["gbcs"]', 'remote_party = ["ecdsa"]', 1))
    with pytest.raises(DataFileError, match="ecdsa"):
        load_policy(path)
