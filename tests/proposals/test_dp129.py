"""DP129 / MP129: signing variants by signer party, and no device-observable change."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.core.findings import Outcome
from secrules.errors import DataFileError
from secrules.gbcs import parse_message
from secrules.gbcs.keystore import DirectoryKeyStore, MemoryKeyStore
from secrules.gbcs.variants import SigningVariant
from secrules.proposals.dp129 import (
    MODEL,
    NOT_APPLICABLE,
    NOT_PERMITTED,
    PERMITTED,
    Dp129Model,
    device_acceptance,
    load_policy,
)
from secrules.strategies.ecdsa import signed_gbcs_messages

REMOTE_PARTIES = 10


def test_impact_changes_exactly_the_remote_party_cnsa_rows():
    report = secrules.impact("DP129")
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
    data = json.loads(json.dumps(secrules.impact("DP129").to_dict()))
    assert data["changed_count"] == REMOTE_PARTIES
    assert set(data["rows"][0]["scenario"]) == {
        "signer",
        "kind",
        "role_code",
        "variant",
        "device_accepts",
    }


def test_proposed_derives_and_keeps_device_rule():
    sets = MODEL.rulesets()
    assert sets["proposed"].parent is sets["baseline"]
    assert sets["proposed"].rule("gbcs.signature") is sets["baseline"].rule("gbcs.signature")
    assert sets["proposed"].rule("dp129.signing-variant") is not sets["baseline"].rule(
        "dp129.signing-variant"
    )
    for regime in ("baseline", "proposed"):
        clause = sets[regime].rule("dp129.signing-variant").clauses[0]
        assert clause.provenance.value == "assumed"


def test_every_rtds_message_verifies_identically_under_both_regimes(
    rtds_files, hexfile, keystore_dir
):
    store = DirectoryKeyStore(keystore_dir)
    outcomes = set()
    for path in rtds_files:
        raw = hexfile(path)
        message = parse_message(raw)
        baseline = MODEL.verify_under(message, store, "baseline")
        proposed = MODEL.verify_under(message, store, "proposed")
        assert baseline == proposed, path.name
        outcomes.add(baseline.outcome)
    assert Outcome.PASS in outcomes


@given(signed_gbcs_messages(variants=st.sampled_from(SigningVariant.regulatory_variants())))
def test_generated_signatures_verify_identically(sample):
    store = MemoryKeyStore()
    store.add_key(sample.originator, sample.public_key)
    baseline = MODEL.verify_under(sample.message, store, "baseline")
    assert baseline.outcome is Outcome.PASS
    assert MODEL.verify_under(sample.message, store, "proposed") == baseline


def test_user_policy_table(tmp_path):
    bundled = resources.files("secrules.data").joinpath("dp129_policy.toml").read_text()
    text = bundled.replace('remote_party = ["gbcs"]', 'remote_party = ["gbcs", "cnsa"]')
    path = tmp_path / "policy.toml"
    path.write_text(text)
    model = Dp129Model().with_table(path)
    for scenario in model.scenarios():
        baseline = model.evaluate(scenario, "baseline")
        assert baseline.verdict == model.evaluate(scenario, "proposed").verdict
        assert baseline.verdict in (PERMITTED, NOT_APPLICABLE)
    path.write_text(text.replace('remote_party = ["gbcs", "cnsa"]', 'remote_party = ["ecdsa"]', 1))
    with pytest.raises(DataFileError, match="ecdsa"):
        load_policy(path)
