"""The SMI driven through its lifecycle under DP125's two rule sets in lockstep (property 2).

The baseline is the SMI's own ESMEVariant rules; the proposed set is DP125's reform of them.
"""

from __future__ import annotations

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import secrules
from secrules.inventory import (
    ChangeOfSupplier,
    Commission,
    Decommission,
    DeleteDevice,
    DeviceStatus,
    DeviceType,
    Install,
    Inventory,
    Prenotify,
    Restore,
    Suspend,
    UpdateDetails,
    UpdateStatus,
    User,
    Whitelist,
    variant_catalogue,
)

DEVICES = {
    "00-DB-00-00-00-00-00-01": "ESME",
    "00-DB-00-00-00-00-00-02": "CHF",
}
USERS = [
    User("90-B3-D5-1F-30-01-00-01", "IS"),
    User("90-B3-D5-1F-30-01-00-02", "IS"),
    User("90-B3-D5-1F-30-01-00-03", "IS"),
    User("90-B3-D5-1F-30-02-00-01", "GS"),
    User("90-B3-D5-1F-30-03-00-01", "ES"),
    User("90-B3-D5-1F-30-04-00-01", "ED"),
    User("90-B3-D5-1F-30-05-00-01", "GT"),
    User("90-B3-D5-1F-30-06-00-01", "RSA"),
    User("90-B3-D5-1F-30-07-00-01", "OU"),
]
PRE_COMMISSIONED = {
    DeviceStatus.PENDING,
    DeviceStatus.WHITELISTED,
    DeviceStatus.INSTALLED_NOT_COMMISSIONED,
}

device_ids = st.sampled_from(sorted(DEVICES))
users = st.sampled_from(USERS[:3]) | st.sampled_from(USERS)
any_variant = st.sampled_from([*sorted(variant_catalogue().all_codes), "XYZ", "ad", ""])


def _record(device):
    """Everything but the variant, which is the one thing the regimes may disagree on."""
    return attrs.evolve(device, esme_variant=None)


class LockstepInventory(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.inv: dict[str, Inventory] = {}
        self.era = "2020"
        self.variant_changes = 0

    @initialize(era=st.sampled_from(["2020", "duis-5.x"]))
    def start(self, era):
        self.era = era
        rulesets = secrules.get_proposal("DP125").require_model().rulesets()
        self.inv = {r: Inventory(rules=rulesets[r], era=era) for r in ("baseline", "proposed")}

    def apply(self, request, user):
        outcomes = {}
        for regime, inv in self.inv.items():
            outcome = inv.apply(request, user)
            before = inv.devices.get(request.device_id)
            after = outcome.inventory.devices.get(request.device_id)
            if not outcome.accepted:
                # A refused request changes nothing at all.
                assert outcome.inventory is inv
            elif (
                before is not None
                and after is not None
                and (before.esme_variant != after.esme_variant)
            ):
                self.check_variant_change(regime, before, user)
            outcomes[regime] = outcome
            self.inv[regime] = outcome.inventory
        base, prop = outcomes["baseline"], outcomes["proposed"]
        if base.accepted != prop.accepted:
            self.check_difference(request, user, base, prop)
            event("regimes differ")
        return outcomes

    def check_variant_change(self, regime, before, user):
        """Only the parties the regime allows ever change a variant."""
        self.variant_changes += 1
        assert before.device_type is DeviceType.ESME
        assert user is not None
        assert user.role.code == "IS"
        installing = before.installing_supplier == user.id
        responsible = before.responsible_supplier == user.id
        allowed = installing and before.status in PRE_COMMISSIONED
        if regime == "proposed":
            allowed = allowed or (responsible and before.status is DeviceStatus.COMMISSIONED)
        assert allowed, (regime, before, user)

    def check_difference(self, request, user, base, prop):
        """The regimes differ only where DP125 says: a Commissioned ESME, its responsible IS."""
        assert isinstance(request, UpdateDetails)
        assert request.esme_variant is not None
        assert prop.accepted
        assert not base.accepted
        device = self.inv["baseline"].get(request.device_id)
        assert device.device_type is DeviceType.ESME
        assert device.status is DeviceStatus.COMMISSIONED
        assert user.role.code == "IS"
        assert device.responsible_supplier == user.id

    @rule(
        device_id=device_ids,
        user=users,
        variant=st.none() | any_variant,
        wrong_type=st.booleans(),
    )
    def prenotify(self, device_id, user, variant, wrong_type):
        kind = "IHD" if wrong_type else DEVICES[device_id]
        self.apply(
            Prenotify(
                device_id, device_type=kind, manufacturer="M", model="X", esme_variant=variant
            ),
            user,
        )

    @rule(device_id=device_ids)
    def whitelist(self, device_id):
        self.apply(Whitelist(device_id), None)

    @rule(device_id=device_ids, user=users)
    def install(self, device_id, user):
        self.apply(Install(device_id), user)

    @rule(device_id=device_ids, user=users)
    def commission(self, device_id, user):
        self.apply(Commission(device_id), user)

    @rule(device_id=device_ids, user=users)
    def change_of_supplier(self, device_id, user):
        self.apply(ChangeOfSupplier(device_id, new_supplier=user), None)

    @rule(device_id=device_ids, user=users, variant=any_variant)
    def correct_variant(self, device_id, user, variant):
        self.apply(UpdateDetails(device_id, esme_variant=variant), user)

    @rule(
        device_id=device_ids,
        kind=st.sampled_from(["installing", "responsible"]),
        variant=st.sampled_from(["A", "B", "C", "AD", "BD", "CD", "ADF", "AEG"]),
    )
    def correct_variant_as(self, device_id, kind, variant):
        """A correction by the device's installing or responsible supplier, whoever that is."""
        device = self.inv["baseline"].devices.get(device_id)
        if device is None:
            return
        wanted = device.installing_supplier if kind == "installing" else device.responsible_supplier
        user = next(u for u in USERS if u.id == wanted)
        self.apply(UpdateDetails(device_id, esme_variant=variant), user)

    @rule(device_id=device_ids, user=st.sampled_from(USERS[:3]), all_the_way=st.booleans())
    def advance(self, device_id, user, all_the_way):
        """Steps along the happy path (pre-notify, whitelist, install, commission)."""
        for _ in range(4 if all_the_way else 1):
            device = self.inv["baseline"].devices.get(device_id)
            if device is None:
                kind = DEVICES[device_id]
                variant = "A" if kind == "ESME" else None
                self.apply(Prenotify(device_id, device_type=kind, esme_variant=variant), user)
                continue
            installer = next(u for u in USERS if u.id == device.installing_supplier)
            steps = {
                DeviceStatus.PENDING: (Whitelist(device_id), None),
                DeviceStatus.WHITELISTED: (Install(device_id), installer),
                DeviceStatus.INSTALLED_NOT_COMMISSIONED: (Commission(device_id), installer),
            }
            if device.status not in steps:
                return
            self.apply(*steps[device.status])

    @rule(device_id=device_ids, user=users)
    def update_model(self, device_id, user):
        self.apply(UpdateDetails(device_id, model="Y"), user)

    @rule(device_id=device_ids)
    def suspend(self, device_id):
        self.apply(Suspend(device_id), None)

    @rule(device_id=device_ids)
    def restore(self, device_id):
        self.apply(Restore(device_id), None)

    @rule(device_id=device_ids, user=users)
    def decommission(self, device_id, user):
        self.apply(Decommission(device_id), user)

    @rule(
        device_id=device_ids,
        user=users,
        status=st.sampled_from(["Pending", "InstalledNotCommissioned", "Withdrawn"]),
    )
    def update_status(self, device_id, user, status):
        self.apply(UpdateStatus(device_id, target=status), user)

    @rule(device_id=device_ids, user=users)
    def delete(self, device_id, user):
        self.apply(DeleteDevice(device_id), user)

    @invariant()
    def regimes_agree_on_everything_but_variants(self):
        if not self.inv:
            return
        base, prop = self.inv["baseline"], self.inv["proposed"]
        assert set(base.devices) == set(prop.devices)
        for device_id, device in base.devices.items():
            assert _record(device) == _record(prop.devices[device_id])

    @invariant()
    def variants_stay_in_the_era_and_on_esmes(self):
        codes = set(variant_catalogue().set(self.era).codes)
        for inv in self.inv.values():
            for device in inv:
                if device.esme_variant is not None:
                    assert device.device_type is DeviceType.ESME
                    assert device.esme_variant.code in codes


# 50 runs of 50 steps, whatever the profile: in CI about 19 of them reach a request the two
# regimes decide differently, as many as 250 runs did (``--hypothesis-show-statistics``).
LockstepInventory.TestCase.settings = settings(max_examples=50, stateful_step_count=50)
TestLockstepInventory = LockstepInventory.TestCase
