from __future__ import annotations

import pytest

import secrules
from secrules.core import Outcome, RuleSet
from secrules.duis import DUIS_RULES, check_request
from secrules.errors import InvalidValueError
from secrules.inventory import (
    ACTOR_RULE,
    DEVICE_TYPE_RULE,
    KNOWN_RULE,
    Inventory,
    Prenotify,
    User,
    variant_rules,
)

VARIANT_PATH = "/Request/Body/DevicePrenotification/ESMEVariant"
IS_USER = User("90-B3-D5-1F-30-01-00-07", "IS")
OTHER_IS = User("90-B3-D5-1F-30-01-00-99", "IS")


def failures(findings):
    return [f for f in findings if f.outcome is Outcome.FAIL]


def dp125_rules(regime):
    """DP125's baseline (the SMI's own rules) or proposed rule set."""
    return secrules.get_proposal("DP125").require_model().rulesets()[regime]


@pytest.mark.parametrize("key", ["12.2", "8.4", "8.2"])
@pytest.mark.parametrize("regime", ["baseline", "proposed"])
def test_templates_pass(template, key, regime):
    findings = check_request(template(key), rules=dp125_rules(regime))
    assert findings
    assert not failures(findings), failures(findings)
    assert all(f.clauses for f in findings)


def test_other_sr_templates_are_checked_generically(template):
    findings = check_request(template("ECS37"))
    assert not failures(findings)
    agree = [f for f in findings if f.rule_id == "duis.header.service-reference"]
    assert agree[0].outcome is Outcome.PASS


def test_unknown_variant_names_the_path(template, edit):
    data = edit(
        template("12.2"),
        b"<sr:ESMEVariant>AD</sr:ESMEVariant>",
        b"<sr:ESMEVariant>XYZ</sr:ESMEVariant>",
    )
    bad = failures(check_request(data))
    assert [f.rule_id for f in bad] == [KNOWN_RULE]
    assert bad[0].path == VARIANT_PATH
    assert bad[0].offset == data.index(b"<sr:ESMEVariant>")
    assert "XYZ" in bad[0].message
    assert {c.clause for c in bad[0].clauses} >= {"ESMEVariant enumeration"}


def test_variant_case_sensitive(template, edit):
    data = edit(
        template("12.2"),
        b"<sr:ESMEVariant>AD</sr:ESMEVariant>",
        b"<sr:ESMEVariant>ad</sr:ESMEVariant>",
    )
    assert [f.path for f in failures(check_request(data))] == [VARIANT_PATH]


def test_era_default_follows_schema_version(template, edit):
    # ADF exists from DUIS 5.0 on, not in the inferred 2020 set.
    data = edit(
        template("12.2"),
        b"<sr:ESMEVariant>AD</sr:ESMEVariant>",
        b"<sr:ESMEVariant>ADF</sr:ESMEVariant>",
    )
    assert not failures(check_request(data))
    assert failures(check_request(data, era="2020"))
    old = edit(data, b'schemaVersion="5.4"', b'schemaVersion="4.0"')
    assert [f.rule_id for f in failures(check_request(old))] == [KNOWN_RULE]
    with pytest.raises(InvalidValueError, match="unknown ESMEVariant era"):
        check_request(data, era="1999")


def test_variant_on_a_non_esme_fails_in_both_regimes(fixtures_dir):
    data = (fixtures_dir / "duis" / "12.2_gsme_with_esme_variant.xml").read_bytes()
    for rules in (None, dp125_rules("baseline"), dp125_rules("proposed")):
        bad = failures(check_request(data, rules=rules))
        assert [f.rule_id for f in bad] == [DEVICE_TYPE_RULE]
        assert bad[0].path == VARIANT_PATH


def test_field_problems_are_all_reported(template, edit):
    data = template("12.2")
    data = edit(data, b"00-DB-12-34-56-78-90-A0", b"00-DB-12-34-56-78-90")
    data = edit(data, b"<sr:DeviceType>ESME", b"<sr:DeviceType>esme")
    data = edit(data, b"0002012F", b"0002012F0")
    data = edit(data, b"<sr:CommandVariant>8", b"<sr:CommandVariant>3")
    data = edit(data, b"<sr:DeviceManufacturer>AB01", b"<sr:DeviceManufacturer>" + b"M" * 31)
    bad = {(f.rule_id, f.path) for f in failures(check_request(data))}
    assert bad == {
        ("duis.field.eui", "/Request/Body/DevicePrenotification/DeviceID"),
        ("duis.field.enumeration", "/Request/Body/DevicePrenotification/DeviceType"),
        ("duis.field.length", "/Request/Body/DevicePrenotification/FirmwareVersion"),
        ("duis.field.length", "/Request/Body/DevicePrenotification/DeviceManufacturer"),
        ("duis.header.command-variant-8", "/Request/Header/CommandVariant"),
    }


def test_service_reference_must_match_body(template, edit):
    data = edit(template("8.4"), b"<sr:ServiceReference>8.4", b"<sr:ServiceReference>12.2")
    data = edit(data, b"<sr:ServiceReferenceVariant>8.4", b"<sr:ServiceReferenceVariant>12.2")
    bad = failures(check_request(data))
    assert [f.rule_id for f in bad] == ["duis.header.service-reference"]
    assert bad[0].path == "/Request/Header/ServiceReferenceVariant"


def test_header_values(template, edit):
    data = edit(template("8.2"), b":1000<", b":01000<")
    data = edit(data, b"<sr:CommandVariant>8", b"<sr:CommandVariant>10")
    bad = {f.rule_id for f in failures(check_request(data))}
    assert bad == {"duis.header.request-id", "duis.header.command-variant"}


def test_empty_update_device_details_is_nothing_to_update(fixtures_dir):
    data = (fixtures_dir / "duis" / "8.4_update_device_details_empty.xml").read_bytes()
    bad = failures(check_request(data))
    assert [f.rule_id for f in bad] == ["duis.8-4.nothing-to-update"]
    assert bad[0].path == "/Request/Body/UpdateInventory/UpdateDeviceDetails"


def test_correction_without_inventory_is_indeterminate(fixtures_dir):
    data = (fixtures_dir / "duis" / "8.4_update_device_details_esme_variant.xml").read_bytes()
    findings = check_request(data)
    assert not failures(findings)
    undecided = {f.rule_id for f in findings if f.outcome is Outcome.INDETERMINATE}
    assert undecided == {ACTOR_RULE, DEVICE_TYPE_RULE}
    proposed = check_request(data, rules=dp125_rules("proposed"))
    assert {f.rule_id for f in proposed if f.outcome is Outcome.INDETERMINATE} == undecided


def _commissioned_inventory() -> Inventory:
    from secrules.inventory import ChangeOfSupplier, Commission, Install, Whitelist

    device = "00-DB-12-34-56-78-90-C1"
    inv = Inventory(era="duis-5.x")
    steps = [
        (
            Prenotify(device, device_type="ESME", manufacturer="M", model="X", esme_variant="A"),
            OTHER_IS,
        ),
        (Whitelist(device), None),
        (Install(device), OTHER_IS),
        (Commission(device), OTHER_IS),
        (ChangeOfSupplier(device, new_supplier=IS_USER), None),
    ]
    for request, user in steps:
        outcome = inv.apply(request, user)
        assert outcome.accepted, outcome.reason
        inv = outcome.inventory
    return inv


def test_correction_against_an_inventory_differs_by_regime(fixtures_dir):
    data = (fixtures_dir / "duis" / "8.4_update_device_details_esme_variant.xml").read_bytes()
    inv = _commissioned_inventory()
    base = check_request(data, rules=dp125_rules("baseline"), inventory=inv, sender=IS_USER)
    prop = check_request(data, rules=dp125_rules("proposed"), inventory=inv, sender=IS_USER)
    outcome_b = next(f for f in base if f.rule_id == "duis.inventory.outcome")
    outcome_p = next(f for f in prop if f.rule_id == "duis.inventory.outcome")
    assert outcome_b.verdict == "refused"
    assert outcome_p.verdict == "accepted"
    actor_b = next(f for f in base if f.rule_id == ACTOR_RULE)
    assert actor_b.outcome is Outcome.FAIL
    assert actor_b.path == "/Request/Body/UpdateInventory/UpdateDeviceDetails/ESMEVariant"
    # Under DP125 the exception decides in place of the actor rule, reported once.
    decided = [f for f in prop if f.rule_id.startswith("dp125.")]
    assert [f.outcome for f in decided] == [Outcome.PASS]
    assert decided[0].path == actor_b.path
    assert ACTOR_RULE not in {f.rule_id for f in prop}
    # No rules given: the SMI's own, the same as DP125's baseline.
    default = check_request(data, inventory=inv, sender=IS_USER)
    assert [(f.rule_id, f.outcome) for f in default] == [(f.rule_id, f.outcome) for f in base]
    # The inventory passed in is never changed.
    assert inv.get("00-DB-12-34-56-78-90-C1").esme_variant.code == "A"
    with pytest.raises(InvalidValueError):
        check_request(data, inventory=inv)


def test_rules_are_checked(template):
    with pytest.raises(InvalidValueError, match="rules"):
        check_request(template("8.2"), rules="proposed")
    with pytest.raises(InvalidValueError, match=ACTOR_RULE):
        check_request(template("8.2"), rules=RuleSet.of("other", []))
    assert dp125_rules("baseline") is variant_rules()


def test_every_duis_rule_cites_a_clause_with_provenance():
    for rule in DUIS_RULES:
        assert rule.clauses
        assert all(c.version and c.provenance for c in rule.clauses)


def test_huge_numbers_are_findings_not_crashes(template, edit):
    digits = b"9" * 5000
    data = edit(template("8.2"), b":1000<", b":" + digits + b"<")
    data = edit(data, b"<sr:CommandVariant>8", b"<sr:CommandVariant>" + digits)
    bad = {f.rule_id for f in failures(check_request(data))}
    assert bad == {"duis.header.request-id", "duis.header.command-variant"}
