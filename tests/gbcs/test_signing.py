"""GBCS 4.3.3.2 signing variants by signer kind, and the Device-side signature rule set."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules.gbcs.signing as signing_module
from secrules.core.findings import Outcome
from secrules.core.rules import decide
from secrules.errors import DataFileError, InvalidValueError
from secrules.gbcs.signing import (
    REMOTE_PARTY_VARIANT_CLAUSE,
    SIGNING_TABLE,
    SIGNING_VARIANT_RULE_ID,
    SignerKind,
    SignerParty,
    SigningPolicy,
    SigningSubject,
    load_signing_policy,
    signature_rules,
    signing_rules,
)
from secrules.gbcs.variants import SigningVariant

SUPPLIER = SignerParty("import_supplier", "Import Supplier", "remote_party", "02")
DEVICE = SignerParty("device", "Device", "device", "none")


@st.composite
def signing_cases(draw: st.DrawFn) -> tuple[SigningPolicy, SigningSubject]:
    names = [v.name for v in SigningVariant.regulatory_variants()]
    allowed = draw(st.frozensets(st.sampled_from(names), min_size=1))
    policy = SigningPolicy(
        remote_party=allowed,
        as_of=draw(st.sampled_from(["2020-05-28", "2019-11-07"])),
        version="test",
        provenance="assumed",
        note="test",
        file="<test>",
    )
    party = SignerParty(
        id="p",
        name=draw(st.sampled_from(["Network Operator", "Recovery", "Device"])),
        kind=draw(st.sampled_from(list(SignerKind))),
        role_code="03",
    )
    subject = SigningSubject(
        party,
        draw(st.sampled_from(SigningVariant.regulatory_variants())),
        draw(st.none() | st.booleans()),
    )
    return policy, subject


@given(signing_cases())
def test_a_remote_party_passes_exactly_with_a_permitted_variant(case):
    policy, subject = case
    finding = decide(signing_rules(policy), subject)
    assert finding.rule_id == SIGNING_VARIANT_RULE_ID
    assert finding.clauses[0] == REMOTE_PARTY_VARIANT_CLAUSE
    if subject.party.kind is SignerKind.DEVICE:
        assert finding.outcome is Outcome.NOT_APPLICABLE
    elif subject.variant.name in policy.remote_party:
        assert finding.outcome is Outcome.PASS
    else:
        assert finding.outcome is Outcome.FAIL
    assert policy.as_of in finding.message or finding.outcome is Outcome.NOT_APPLICABLE
    assert ("device_accepts" in finding.message) == (subject.device_accepts is not None)


def test_bundled_baseline_is_the_gbcs_variant_only_dated_28_may_2020():
    policy = load_signing_policy()
    assert policy.remote_party == {"gbcs"}
    assert policy.as_of == "2020-05-28"
    assert "MP129" in policy.version
    assert policy.provenance.value == "assumed"
    assert policy.source is not None
    assert policy.source.bundled
    rules = signing_rules()
    assert rules.ids == (SIGNING_VARIANT_RULE_ID,)
    cnsa = decide(rules, SigningSubject(SUPPLIER, SigningVariant.CNSA, True))
    assert cnsa.outcome is Outcome.FAIL
    assert cnsa.message.endswith(
        "(GBCS 4.3.3.2 as at 2020-05-28, as the DSP read it: gbcs only); device_accepts: true"
    )
    assert decide(rules, SigningSubject(SUPPLIER, SigningVariant.GBCS)).outcome is Outcome.PASS
    device = decide(rules, SigningSubject(DEVICE, SigningVariant.CNSA))
    assert device.outcome is Outcome.NOT_APPLICABLE


def test_domain_module_and_table_know_nothing_of_regimes():
    table = resources.files("secrules.data").joinpath(SIGNING_TABLE).read_text()
    source = Path(signing_module.__file__).read_text(encoding="utf-8")
    for text in (table, source):
        assert not re.search(r"\bregimes?\b", text, re.IGNORECASE)
        assert "project spec" not in text


def test_user_copy_of_the_table(tmp_path: Path):
    bundled = resources.files("secrules.data").joinpath(SIGNING_TABLE).read_text()
    path = tmp_path / "signing.toml"
    path.write_text(bundled.replace('variants = ["gbcs"]', 'variants = ["gbcs", "cnsa"]'))
    policy = load_signing_policy(path)
    assert policy.remote_party == {"gbcs", "cnsa"}
    subject = SigningSubject(SUPPLIER, SigningVariant.CNSA)
    assert decide(signing_rules(policy), subject).outcome is Outcome.PASS
    path.write_text(bundled.replace('variants = ["gbcs"]', 'variants = ["deterministic_test"]'))
    with pytest.raises(DataFileError, match="deterministic_test"):
        load_signing_policy(path)
    path.write_text(bundled.replace('variants = ["gbcs"]', "variants = []"))
    with pytest.raises(DataFileError, match="must not be empty"):
        load_signing_policy(path)


def test_signature_rules_hold_the_device_check_only():
    rules = signature_rules()
    assert rules.ids == ("gbcs.signature",)
    assert signature_rules() is rules


def test_unknown_signer_kind_is_invalid_value_error():
    with pytest.raises(InvalidValueError, match="signer kind 'user'"):
        SignerParty("x", "X", "user", "02")
