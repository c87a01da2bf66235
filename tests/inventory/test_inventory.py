from __future__ import annotations

import pytest
from hypothesis import given

import secrules
from secrules.core import Outcome, Rule, RuleSet, Verdict
from secrules.errors import DataFileError, InvalidValueError
from secrules.inventory import (
    ACTOR_RULE,
    DEVICE_TYPE_RULE,
    ChangeOfSupplier,
    Commission,
    CompleteRecovery,
    Decommission,
    DeleteDevice,
    Device,
    DeviceStatus,
    EsmeVariant,
    Install,
    Inventory,
    Prenotify,
    Restore,
    StartRecovery,
    Suspend,
    UpdateDetails,
    UpdateStatus,
    User,
    Whitelist,
    load_variant_policy,
    variant_policy,
    variant_rules,
)
from secrules.strategies import devices, inventories

ESME = "00-DB-12-34-56-78-90-A0"
HUB = "00-DB-12-34-56-78-90-B0"
INSTALLER = User("90-B3-D5-1F-30-01-00-00", "IS")
GAINER = User("90-B3-D5-1F-30-01-00-01", "IS")
GAS = User("90-B3-D5-1F-30-02-00-00", "GS")
DNO = User("90-B3-D5-1F-30-03-00-00", "ED")


def run(inv, *steps):
    for request, user in steps:
        outcome = inv.apply(request, user)
        assert outcome.accepted, outcome.reason
        inv = outcome.inventory
    return inv


def dp125_rules(regime):
    """DP125's baseline or proposed rule set (the baseline is the SMI's own)."""
    return secrules.get_proposal("DP125").require_model().rulesets()[regime]


def commissioned(rules=None):
    return run(
        Inventory(rules=rules),
        (
            Prenotify(ESME, device_type="ESME", manufacturer="M", model="X", esme_variant="AD"),
            INSTALLER,
        ),
        (Whitelist(ESME), None),
        (Install(ESME), INSTALLER),
        (Commission(ESME), INSTALLER),
    )


def test_full_lifecycle():
    inv = commissioned()
    device = inv.get(ESME.lower())
    assert device.status is DeviceStatus.COMMISSIONED
    assert device.installing_supplier == device.responsible_supplier == INSTALLER.id
    assert device.history == (
        DeviceStatus.PENDING,
        DeviceStatus.WHITELISTED,
        DeviceStatus.INSTALLED_NOT_COMMISSIONED,
        DeviceStatus.COMMISSIONED,
    )
    inv = run(inv, (Suspend(ESME), None))
    assert inv.get(ESME).status is DeviceStatus.SUSPENDED
    inv = run(inv, (Restore(ESME), None))
    assert inv.get(ESME).status is DeviceStatus.COMMISSIONED
    inv = run(inv, (StartRecovery(ESME), None), (CompleteRecovery(ESME), None))
    assert inv.get(ESME).status is DeviceStatus.RECOVERED
    inv = commissioned()
    inv = run(inv, (Decommission(ESME), INSTALLER))
    assert inv.get(ESME).status is DeviceStatus.DECOMMISSIONED


def test_refusals_change_nothing():
    inv = commissioned()
    for request, user in [
        (UpdateDetails(ESME, esme_variant="BD"), DNO),
        (UpdateDetails(ESME, esme_variant="BD"), GAINER),
        (Prenotify(ESME, device_type="ESME", esme_variant="A"), INSTALLER),
        (Install(ESME), INSTALLER),
        (DeleteDevice(ESME), INSTALLER),
        (Suspend(ESME), INSTALLER),
        (Commission(ESME), None),
        (UpdateDetails(ESME), INSTALLER),
        (Whitelist("00-DB-00-00-00-00-00-01"), None),
    ]:
        outcome = inv.apply(request, user)
        assert not outcome.accepted, request
        assert outcome.inventory is inv
        assert outcome.findings
        assert all(f.clauses for f in outcome.findings)


def test_status_refusal_carries_e5_and_others_none():
    inv = commissioned()
    status = inv.apply(DeleteDevice(ESME), INSTALLER)
    assert status.response_code == "E5"
    access = inv.apply(UpdateDetails(ESME, model="Y"), DNO)
    assert access.response_code is None
    variant = commissioned().apply(UpdateDetails(ESME, esme_variant="BD"), INSTALLER)
    assert not variant.accepted
    assert variant.response_code is None


def test_change_of_supplier_moves_responsibility():
    inv = run(commissioned(), (ChangeOfSupplier(ESME, new_supplier=GAINER), None))
    device = inv.get(ESME)
    assert device.responsible_supplier == GAINER.id
    assert device.installing_supplier == INSTALLER.id
    refused = inv.apply(ChangeOfSupplier(ESME, new_supplier=GAS), None)
    assert not refused.accepted
    by_user = inv.apply(ChangeOfSupplier(ESME, new_supplier=GAINER), GAINER)
    assert not by_user.accepted


def test_variant_correction_by_regime():
    for regime, gainer_ok in (("baseline", False), ("proposed", True)):
        inv = run(
            commissioned(dp125_rules(regime)), (ChangeOfSupplier(ESME, new_supplier=GAINER), None)
        )
        outcome = inv.apply(UpdateDetails(ESME, esme_variant="CD"), GAINER)
        assert outcome.accepted is gainer_ok
        expected = "CD" if gainer_ok else "AD"
        assert outcome.inventory.get(ESME).esme_variant.code == expected
        # The installer lost responsibility: refused in both regimes once commissioned.
        assert not inv.apply(UpdateDetails(ESME, esme_variant="CD"), INSTALLER).accepted


def test_installer_corrects_before_commissioning_in_both_regimes():
    for regime in ("baseline", "proposed"):
        inv = run(
            Inventory(rules=dp125_rules(regime)),
            (Prenotify(ESME, device_type="ESME", esme_variant="A"), INSTALLER),
        )
        inv = run(inv, (UpdateDetails(ESME, esme_variant="B"), INSTALLER))
        assert inv.get(ESME).esme_variant.code == "B"


def test_gaining_supplier_before_commissioning_stays_refused():
    # The MP281 pattern: open point of DP125, refused in both regimes (A125-5 as written).
    for regime in ("baseline", "proposed"):
        inv = run(
            Inventory(rules=dp125_rules(regime)),
            (Prenotify(ESME, device_type="ESME", esme_variant="A"), INSTALLER),
            (ChangeOfSupplier(ESME, new_supplier=GAINER), None),
        )
        assert not inv.apply(UpdateDetails(ESME, esme_variant="B"), GAINER).accepted


def test_prenotification_rules():
    inv = Inventory(era="2020")
    assert not inv.apply(
        Prenotify(ESME, device_type="ESME", esme_variant="ADF"), INSTALLER
    ).accepted
    ok = Inventory(era="duis-5.x").apply(
        Prenotify(ESME, device_type="ESME", esme_variant="ADF"), INSTALLER
    )
    assert ok.accepted
    gsme = inv.apply(Prenotify(ESME, device_type="GSME", esme_variant="A"), GAS)
    assert not gsme.accepted
    assert any(f.rule_id == DEVICE_TYPE_RULE for f in gsme.findings)
    assert not inv.apply(Prenotify(ESME, device_type="ESME"), GAS).accepted
    assert not inv.apply(Prenotify(ESME, device_type="ESME"), DNO).accepted
    assert inv.apply(Prenotify(ESME, device_type="GSME"), GAS).accepted


def test_hub_status_updates():
    inv = run(
        Inventory(),
        (Prenotify(HUB, device_type="CHF", manufacturer="M", model="H"), INSTALLER),
    )
    assert not inv.apply(UpdateStatus(HUB, target="Pending"), INSTALLER).accepted
    withdrawn = run(inv, (UpdateStatus(HUB, target="Withdrawn"), INSTALLER))
    assert withdrawn.get(HUB).status is DeviceStatus.WITHDRAWN
    assert (
        withdrawn.apply(UpdateStatus(HUB, target="Commissioned"), INSTALLER).response_code == "E5"
    )
    esme = run(inv, (Prenotify(ESME, device_type="ESME"), INSTALLER))
    assert not esme.apply(UpdateStatus(ESME, target="Withdrawn"), INSTALLER).accepted
    moved = run(esme, (UpdateStatus(ESME, target="InstalledNotCommissioned"), INSTALLER))
    assert moved.get(ESME).status is DeviceStatus.INSTALLED_NOT_COMMISSIONED


def test_delete_removes_a_pending_device():
    inv = run(Inventory(), (Prenotify(ESME, device_type="ESME"), INSTALLER))
    gone = run(inv, (DeleteDevice(ESME), INSTALLER))
    assert ESME not in gone
    assert len(gone) == 0
    assert ESME in inv


def test_bad_inputs():
    with pytest.raises(InvalidValueError, match="rules"):
        Inventory(rules="proposed")
    with pytest.raises(InvalidValueError, match=ACTOR_RULE):
        Inventory(rules=RuleSet.of("other", []))
    with pytest.raises(InvalidValueError):
        Inventory(era="1999")
    with pytest.raises(InvalidValueError):
        Device("00-11", "ESME", "Pending")
    variant = EsmeVariant("A")
    with pytest.raises(InvalidValueError, match="only an ESME"):
        Device(ESME, "GSME", "Pending", esme_variant=variant)
    with pytest.raises(InvalidValueError):
        User("x", "Supplier")


@given(devices())
def test_generated_devices_are_consistent(device):
    assert device.esme_variant is None or device.device_type.value == "ESME"


@given(inventories())
def test_generated_inventories_are_immutable(inv):
    with pytest.raises(TypeError):
        inv.devices["00-00-00-00-00-00-00-00"] = None  # type: ignore[index]
    assert len(inv) == len(list(inv))


def test_default_rules_are_the_smi_baseline():
    assert Inventory().applied_rules is variant_rules() is variant_rules(variant_policy())
    assert Inventory() == Inventory(rules=variant_rules())
    assert Inventory() != Inventory(rules=dp125_rules("proposed"))
    assert all(rule.id.startswith("inventory.") for rule in variant_rules())


def test_an_exception_to_the_actor_rule_decides_in_its_place():
    """A derived rule set letting the installer correct a Commissioned ESME: the SMI applies it."""

    def installer_on_commissioned(change):
        return change.actor.installing and change.status is DeviceStatus.COMMISSIONED

    base = variant_rules()
    widened = base.derive(
        "test-widened",
        add=[
            Rule(
                "test.installer-may-correct",
                "the installer may correct once Commissioned",
                base.rule(ACTOR_RULE).clauses,
                lambda change: Verdict(Outcome.PASS, "installer permitted"),
                exception_to=ACTOR_RULE,
                when=installer_on_commissioned,
            )
        ],
    )
    refused = commissioned().apply(UpdateDetails(ESME, esme_variant="BD"), INSTALLER)
    assert not refused.accepted
    assert [f.rule_id for f in refused.findings if f.failed] == [ACTOR_RULE]
    accepted = commissioned(widened).apply(UpdateDetails(ESME, esme_variant="BD"), INSTALLER)
    assert accepted.accepted
    assert accepted.inventory.get(ESME).esme_variant.code == "BD"
    assert "test.installer-may-correct" in {f.rule_id for f in accepted.findings}
    assert ACTOR_RULE not in {f.rule_id for f in accepted.findings}
    # The DNO is still refused by access control: the exception widens only the variant rule.
    assert not commissioned(widened).apply(UpdateDetails(ESME, esme_variant="BD"), DNO).accepted
    assert base.ids == (ACTOR_RULE, DEVICE_TYPE_RULE, "inventory.esme-variant-known")


def test_broken_variant_policy_is_refused_naming_the_file(tmp_path):
    bundled = variant_policy()
    assert bundled.as_of
    assert bundled.duis_version
    assert [g.assumption for g in bundled.grants] == ["A125-4"]
    path = tmp_path / "variant_policy.toml"
    path.write_text('document = "x"\nas_of = "x"\nduis_version = "x"\n', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"variant_policy\.toml"):
        load_variant_policy(path)
