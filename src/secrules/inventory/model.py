"""The Smart Metering Inventory (SMI) as an immutable model that applies requests.

An :class:`Inventory` maps Device IDs to :class:`Device` records. :meth:`Inventory.apply` takes a
request (pre-notify, whitelist, install, commission, change of supplier, update details, status
updates, suspend / restore, recovery, decommission, delete) and the :class:`User` sending it
(``None`` for the DCC itself or the registration system), and returns a :class:`RequestOutcome`:
accepted with a new inventory, or refused with the unchanged one. A refused request never
changes anything: the outcome's inventory *is* the inventory it was applied to.

The model keeps, beyond what the SMI records, each device's installing supplier (A125-1) and
Responsible Supplier (A125-2). Status refusals carry DUIS response code ``E5`` ("Failed
Authorisation - Invalid Device Status", stated); other refusals carry no code, since the texts of
E0804xx and E1202xx are unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef
from secrules.core.findings import Finding, Outcome, Verdict
from secrules.core.rules import Rule, RuleSet, as_given
from secrules.errors import InvalidValueError
from secrules.inventory.lifecycle import (
    ABSENT,
    PRIOR,
    REMOVED,
    Lifecycle,
    Transition,
    smi_lifecycle,
)
from secrules.inventory.types import (
    DeviceStatus,
    DeviceType,
    EsmeVariant,
    normalise_eui,
    variant_catalogue,
)
from secrules.inventory.variant_policy import (
    Actor,
    VariantChange,
    VariantPolicy,
    require_variant_rules,
    variant_policy,
    variant_rules,
)
from secrules.sec import UserRole

__all__ = [
    "INVENTORY_RULES",
    "ChangeOfSupplier",
    "Commission",
    "CompleteRecovery",
    "Decommission",
    "DeleteDevice",
    "Device",
    "Install",
    "Inventory",
    "InventoryRequest",
    "Prenotify",
    "RequestOutcome",
    "Restore",
    "StartRecovery",
    "Suspend",
    "UpdateDetails",
    "UpdateStatus",
    "User",
    "Whitelist",
]

E5 = "E5"
E5_CLAUSE = cite("duis.response-e5")


def _eui(value: str) -> str:
    return normalise_eui(value)


def _role(value: str | UserRole) -> UserRole:
    return UserRole.parse(value)


def _device_type(value: str | DeviceType) -> DeviceType:
    return DeviceType.parse(value)


def _status(value: str | DeviceStatus) -> DeviceStatus:
    return DeviceStatus.parse(value)


@attrs.frozen
class User:
    """A DCC User (identified by its User ID, e.g. the first EUI of a RequestID) in one role."""

    id: str
    role: UserRole = attrs.field(converter=_role)


@attrs.frozen
class Device:
    """One SMI record, plus the model state the SMI does not hold (installing supplier).

    ``esme_variant`` is set only on an ESME. ``prior_status`` is the status a Suspended device
    returns to. ``history`` lists every status the device has had, oldest first.
    """

    device_id: str = attrs.field(converter=_eui)
    device_type: DeviceType = attrs.field(converter=_device_type)
    status: DeviceStatus = attrs.field(converter=_status)
    manufacturer: str = ""
    model: str = ""
    smets_chts_version: str | None = None
    firmware_version: str | None = None
    esme_variant: EsmeVariant | None = None
    associated_gpf: str | None = None
    installing_supplier: str | None = None
    responsible_supplier: str | None = None
    prior_status: DeviceStatus | None = None
    history: tuple[DeviceStatus, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.esme_variant is not None and self.device_type is not DeviceType.ESME:
            raise InvalidValueError(
                f"{self.device_id}: only an ESME has an ESMEVariant, not a {self.device_type}"
            )

    def moved_to(self, status: DeviceStatus, *, prior: DeviceStatus | None = None) -> Device:
        """A copy in ``status`` with the history extended."""
        return attrs.evolve(
            self, status=status, prior_status=prior, history=(*self.history, status)
        )


# --- requests -----------------------------------------------------------------------------


@attrs.frozen
class InventoryRequest:
    """Base of every request: the device it is about."""

    operation: ClassVar[str] = ""
    device_id: str = attrs.field(converter=_eui)


@attrs.frozen
class Prenotify(InventoryRequest):
    """SR 12.2 DevicePrenotification (T1)."""

    operation: ClassVar[str] = "prenotify"
    device_type: DeviceType = attrs.field(converter=_device_type, kw_only=True)
    manufacturer: str = attrs.field(default="", kw_only=True)
    model: str = attrs.field(default="", kw_only=True)
    smets_chts_version: str | None = attrs.field(default=None, kw_only=True)
    firmware_version: str | None = attrs.field(default=None, kw_only=True)
    esme_variant: str | None = attrs.field(default=None, kw_only=True)
    associated_gpf: str | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class Whitelist(InventoryRequest):
    """DCC checks move a Pending device to Whitelisted (T2)."""

    operation: ClassVar[str] = "whitelist"


@attrs.frozen
class Install(InventoryRequest):
    """SR 8.11 UpdateHANDeviceLog or installation (T3)."""

    operation: ClassVar[str] = "install"


@attrs.frozen
class Commission(InventoryRequest):
    """SR 8.1.1 CommissionDeviceSynchroniseClock / SR 8.14.1 for hubs (T4)."""

    operation: ClassVar[str] = "commission"


@attrs.frozen
class ChangeOfSupplier(InventoryRequest):
    """A new supplier is registered for the device's MPxN (registration, not a DUIS request)."""

    operation: ClassVar[str] = "change-of-supplier"
    new_supplier: User = attrs.field(kw_only=True)


@attrs.frozen
class UpdateDetails(InventoryRequest):
    """SR 8.4 UpdateInventory/UpdateDeviceDetails: only the fields given change."""

    operation: ClassVar[str] = "update-details"
    manufacturer: str | None = attrs.field(default=None, kw_only=True)
    model: str | None = attrs.field(default=None, kw_only=True)
    smets_chts_version: str | None = attrs.field(default=None, kw_only=True)
    firmware_version: str | None = attrs.field(default=None, kw_only=True)
    esme_variant: str | None = attrs.field(default=None, kw_only=True)

    @property
    def empty(self) -> bool:
        """True when nothing would be updated."""
        return all(
            v is None
            for v in (
                self.manufacturer,
                self.model,
                self.smets_chts_version,
                self.firmware_version,
                self.esme_variant,
            )
        )


@attrs.frozen
class UpdateStatus(InventoryRequest):
    """SR 8.4 UpdateDeviceStatusExceptCH (T5) or UpdateDeviceStatusCH (T6, hubs)."""

    operation: ClassVar[str] = "update-status"
    target: DeviceStatus = attrs.field(converter=_status, kw_only=True)


@attrs.frozen
class Suspend(InventoryRequest):
    """The DCC suspends a Commissioned device (T8a)."""

    operation: ClassVar[str] = "suspend"


@attrs.frozen
class Restore(InventoryRequest):
    """The DCC restores a Suspended device to its prior status (T8b)."""

    operation: ClassVar[str] = "restore"


@attrs.frozen
class StartRecovery(InventoryRequest):
    """SMKI recovery starts (T9a)."""

    operation: ClassVar[str] = "start-recovery"


@attrs.frozen
class CompleteRecovery(InventoryRequest):
    """SMKI recovery completes (T9b)."""

    operation: ClassVar[str] = "complete-recovery"


@attrs.frozen
class Decommission(InventoryRequest):
    """SR 8.3 DecommissionDevice (T7)."""

    operation: ClassVar[str] = "decommission"


@attrs.frozen
class DeleteDevice(InventoryRequest):
    """SR 8.4 UpdateInventory/DeleteDevice (T10)."""

    operation: ClassVar[str] = "delete"


# --- outcome ------------------------------------------------------------------------------


@attrs.frozen
class RequestOutcome:
    """What applying one request did.

    ``inventory`` is the new inventory when accepted, the very same object when refused.
    ``response_code`` is set only where its meaning is known (``E5``).
    """

    accepted: bool
    inventory: Inventory
    reason: str
    findings: tuple[Finding, ...] = ()
    response_code: str | None = None
    transition: str | None = None

    @property
    def verdict(self) -> str:
        """``"accepted"`` or ``"refused"``."""
        return "accepted" if self.accepted else "refused"


# --- inventory ----------------------------------------------------------------------------


def _pick(new: str | None, old: str) -> str:
    return old if new is None else new


_INVENTORY_CLAUSE = cite("inventory.request-applied")


def _refusal(ident: str, title: str, text: str) -> Rule[Verdict]:
    return Rule(ident, title, (_INVENTORY_CLAUSE,), as_given, text=text, defined_in=__name__)


#: Why the modelled inventory refuses a request (``Inventory.apply``). Each refusal finding
#: cites its rule's clause and the lifecycle or access row that decided it.
INVENTORY_RULES: RuleSet[Verdict] = RuleSet.of(
    "SMI inventory",
    [
        _refusal(
            "inventory.device-known",
            "A request names a device the inventory holds",
            "A request other than pre-notification must name a Device ID the Smart Metering "
            "Inventory holds; otherwise it is refused.",
        ),
        _refusal(
            "inventory.access-control",
            "The sending User may make this request for this device",
            "Who may send each request (role, and relation to the device: responsible or "
            "installing supplier) is the access row of smi_lifecycle.toml; anyone else is "
            "refused.",
        ),
        _refusal(
            "inventory.prenotify-new-device",
            "SR 12.2 pre-notifies only a device the inventory does not yet hold",
            "Pre-notifying a Device ID the inventory already holds is refused.",
        ),
        _refusal(
            "inventory.lifecycle",
            "The request is a transition the device's status allows",
            "Each request moves a device between statuses along the transitions of "
            "smi_lifecycle.toml; one the current status does not allow is refused.",
        ),
        _refusal(
            "inventory.change-of-supplier",
            "A change of supplier names a new, different supplier of the right role",
            "A change of supplier must come from a supplier of the device's fuel and name a "
            "supplier other than the current one.",
        ),
        _refusal(
            "inventory.device-status",
            "The device's status allows the request (DUIS response code E5 otherwise)",
            "A request the device's status does not allow is refused with DUIS response code "
            "E5 'Failed Authorisation - Invalid Device Status'.",
        ),
    ],
)


def _frozen_devices(value: Mapping[str, Device]) -> Mapping[str, Device]:
    return MappingProxyType(dict(value))


def _check_rules(
    _inst: object,
    _attribute: attrs.Attribute[RuleSet[VariantChange] | None],
    value: RuleSet[VariantChange] | None,
) -> None:
    if value is not None:
        require_variant_rules(value)


@attrs.frozen
class Inventory:
    """An immutable SMI under one set of ESMEVariant rules and era; ``apply`` returns a new one.

    ``rules`` decide who may set or correct a variant (None: the SMI's own rules,
    :func:`~secrules.inventory.variant_rules` of ``policy``); a rule set derived from those may
    add exceptions to them. ``policy`` is the table the SMI's rules and assumptions come from.
    """

    devices: Mapping[str, Device] = attrs.field(factory=dict, converter=_frozen_devices, eq=False)
    rules: RuleSet[VariantChange] | None = attrs.field(
        default=None, validator=_check_rules, eq=False, repr=False, kw_only=True
    )
    era: str = attrs.field(default="2020", kw_only=True)
    lifecycle: Lifecycle = attrs.field(factory=smi_lifecycle, eq=False, repr=False, kw_only=True)
    policy: VariantPolicy = attrs.field(factory=variant_policy, eq=False, repr=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        variant_catalogue().set(self.era)

    @property
    def applied_rules(self) -> RuleSet[VariantChange]:
        """The ESMEVariant rules applied: ``rules``, or the SMI's own when None."""
        return variant_rules(self.policy) if self.rules is None else self.rules

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Inventory):
            return NotImplemented
        return (
            dict(self.devices) == dict(other.devices)
            and self.applied_rules is other.applied_rules
            and self.era == other.era
        )

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.devices.items())), id(self.applied_rules), self.era))

    def __contains__(self, device_id: object) -> bool:
        return isinstance(device_id, str) and device_id.upper().strip() in self.devices

    def __iter__(self) -> Iterator[Device]:
        return iter(self.devices.values())

    def __len__(self) -> int:
        return len(self.devices)

    def get(self, device_id: str) -> Device | None:
        """The record for ``device_id`` (any case), or None."""
        return self.devices.get(normalise_eui(device_id))

    def actor(self, user: User, device: Device) -> Actor:
        """``user`` seen from ``device``: its role and whether it installed / is responsible."""
        return Actor(
            role=user.role,
            installing=device.installing_supplier == user.id,
            responsible=device.responsible_supplier == user.id,
        )

    # -- applying requests --

    def apply(self, request: InventoryRequest, user: User | None = None) -> RequestOutcome:
        """Apply ``request`` sent by ``user`` (None: the DCC or the registration system)."""
        if isinstance(request, Prenotify):
            return self._prenotify(request, user)
        device = self.devices.get(request.device_id)
        if device is None:
            return self._refuse(
                f"{request.device_id} is not in the SMI",
                rule="inventory.device-known",
                clause=self._transition_clause(request.operation),
            )
        if isinstance(request, ChangeOfSupplier):
            return self._change_of_supplier(request, device, user)
        if isinstance(request, UpdateDetails):
            return self._update_details(request, device, user)
        return self._transition(request, device, user)

    def _transition_clause(self, operation: str) -> ClauseRef:
        if operation in self.lifecycle.updates:
            return self.lifecycle.update(operation).clause()
        ops = {"update-status": "update-status-except-ch"}
        try:
            return self.lifecycle.transitions_for(ops.get(operation, operation))[0].clause()
        except InvalidValueError:
            return self.lifecycle.access.clause()

    def _refuse(
        self,
        reason: str,
        *,
        rule: str,
        clause: ClauseRef,
        code: str | None = None,
        findings: tuple[Finding, ...] = (),
    ) -> RequestOutcome:
        known = INVENTORY_RULES.rule(rule) if rule in INVENTORY_RULES else None
        finding = Finding(
            rule_id=rule,
            outcome=Outcome.FAIL,
            message=reason,
            clauses=(clause,) if known is None else tuple(dict.fromkeys((clause, *known.clauses))),
        )
        return RequestOutcome(
            accepted=False,
            inventory=self,
            reason=reason,
            findings=(*findings, finding),
            response_code=code,
        )

    def _accept(
        self,
        device: Device | None,
        reason: str,
        *,
        remove: str | None = None,
        transition: str | None = None,
        findings: tuple[Finding, ...] = (),
    ) -> RequestOutcome:
        devices = dict(self.devices)
        if device is not None:
            devices[device.device_id] = device
        if remove is not None:
            devices.pop(remove, None)
        return RequestOutcome(
            accepted=True,
            inventory=attrs.evolve(self, devices=devices),
            reason=reason,
            findings=findings,
            transition=transition,
        )

    def _check_access(
        self, user: User | None, device_type: DeviceType, device: Device | None, what: str
    ) -> RequestOutcome | None:
        access = self.lifecycle.access
        if user is None:
            return self._refuse(
                f"{what} is a User's Service Request; no User sent it",
                rule="inventory.access-control",
                clause=access.clause(),
            )
        if device is None:
            permitted = access.permits(
                user.role, device_type, None, installing=False, responsible=False
            )
        else:
            actor = self.actor(user, device)
            permitted = access.permits(
                user.role,
                device_type,
                device.status,
                installing=actor.installing,
                responsible=actor.responsible,
            )
        if permitted:
            return None
        return self._refuse(
            f"{user.role.code} User {user.id} fails access control for {what} on a "
            f"{device_type.value}" + ("" if device is None else f" ({device.status.value})"),
            rule="inventory.access-control",
            clause=access.clause(),
        )

    def _variant_findings(
        self, user: User, device_type: DeviceType, device: Device | None, variant: str
    ) -> tuple[Finding, ...]:
        actor = (
            Actor(role=user.role, installing=True, responsible=True)
            if device is None
            else self.actor(user, device)
        )
        change = VariantChange(
            actor=actor,
            device_type=device_type,
            status=None if device is None else device.status,
            variant=variant,
            era=self.era,
        )
        return tuple(self.applied_rules.evaluate(change))

    def _prenotify(self, request: Prenotify, user: User | None) -> RequestOutcome:
        row = self.lifecycle.find("prenotify", ABSENT, request.device_type)
        clause = self._transition_clause("prenotify")
        if request.device_id in self.devices:
            return self._refuse(
                f"{request.device_id} is already in the SMI; SR 12.2 is only for a new device "
                "(A125-3)",
                rule="inventory.prenotify-new-device",
                clause=self.policy.clause("A125-3"),
            )
        if row is None:
            return self._refuse(
                f"no lifecycle row pre-notifies a {request.device_type.value}",
                rule="inventory.lifecycle",
                clause=clause,
            )
        refused = self._check_access(user, request.device_type, None, "SR 12.2")
        if refused is not None or user is None:
            return refused or self._refuse(
                "no User", rule="inventory.access-control", clause=clause
            )
        findings: tuple[Finding, ...] = ()
        variant: EsmeVariant | None = None
        if request.esme_variant is not None:
            findings = self._variant_findings(user, request.device_type, None, request.esme_variant)
            failed = [f for f in findings if f.failed]
            if failed:
                return RequestOutcome(
                    accepted=False, inventory=self, reason=failed[0].message, findings=findings
                )
            variant = EsmeVariant(request.esme_variant)
        status = row.targets[0]
        assert isinstance(status, DeviceStatus)  # noqa: S101 - T1 targets a status
        device = Device(
            device_id=request.device_id,
            device_type=request.device_type,
            status=status,
            manufacturer=request.manufacturer,
            model=request.model,
            smets_chts_version=request.smets_chts_version,
            firmware_version=request.firmware_version,
            esme_variant=variant,
            associated_gpf=request.associated_gpf,
            installing_supplier=user.id,
            responsible_supplier=user.id,
            history=(status,),
        )
        return self._accept(
            device,
            f"{request.device_id} pre-notified ({row.id})",
            transition=row.id,
            findings=findings,
        )

    def _change_of_supplier(
        self, request: ChangeOfSupplier, device: Device, user: User | None
    ) -> RequestOutcome:
        clause = self.lifecycle.access.clause()
        if user is not None:
            return self._refuse(
                "a change of supplier is a registration event, not a User's request",
                rule="inventory.change-of-supplier",
                clause=clause,
            )
        new = request.new_supplier
        if new.role not in self.lifecycle.access.supplier_roles(device.device_type):
            return self._refuse(
                f"a {new.role.code} cannot be the Responsible Supplier of a "
                f"{device.device_type.value}",
                rule="inventory.change-of-supplier",
                clause=clause,
            )
        if device.status in self.lifecycle.terminal:
            return self._refuse(
                f"{device.device_id} is {device.status.value}; no supplier can be registered",
                rule="inventory.change-of-supplier",
                clause=clause,
            )
        updated = attrs.evolve(device, responsible_supplier=new.id)
        return self._accept(updated, f"{new.id} is now the Responsible Supplier (A125-2)")

    def _update_details(
        self, request: UpdateDetails, device: Device, user: User | None
    ) -> RequestOutcome:
        update = self.lifecycle.update("update-details")
        if request.empty:
            return self._refuse(
                "UpdateDeviceDetails carries nothing to update",
                rule="duis.8-4.nothing-to-update",
                clause=update.clause(),
            )
        refused = self._check_access(user, device.device_type, device, "SR 8.4")
        if refused is not None or user is None:
            return refused or self._refuse(
                "no User", rule="inventory.access-control", clause=update.clause()
            )
        findings: tuple[Finding, ...] = ()
        if request.esme_variant is not None:
            findings = self._variant_findings(
                user, device.device_type, device, request.esme_variant
            )
            failed = [f for f in findings if f.failed]
            if failed:
                return RequestOutcome(
                    accepted=False, inventory=self, reason=failed[0].message, findings=findings
                )
        if device.status not in update.statuses:
            return self._refuse(
                f"UpdateDeviceDetails is not allowed on a {device.status.value} device",
                rule="inventory.device-status",
                clause=update.clause(),
                code=E5,
                findings=findings,
            )
        variant = (
            device.esme_variant
            if request.esme_variant is None
            else EsmeVariant(request.esme_variant)
        )
        updated = attrs.evolve(
            device,
            manufacturer=_pick(request.manufacturer, device.manufacturer),
            model=_pick(request.model, device.model),
            smets_chts_version=device.smets_chts_version
            if request.smets_chts_version is None
            else request.smets_chts_version,
            firmware_version=device.firmware_version
            if request.firmware_version is None
            else request.firmware_version,
            esme_variant=variant,
        )
        return self._accept(updated, f"{device.device_id} details updated", findings=findings)

    def _transition(
        self, request: InventoryRequest, device: Device, user: User | None
    ) -> RequestOutcome:
        operation = request.operation
        target: DeviceStatus | None = None
        if isinstance(request, UpdateStatus):
            operation = (
                "update-status-ch"
                if device.device_type is DeviceType.CHF
                else "update-status-except-ch"
            )
            target = request.target
        rows = self.lifecycle.transitions_for(operation)
        row: Transition | None = self.lifecycle.find(
            operation, device.status, device.device_type, target
        )
        by_user = rows[0].by_user
        if by_user:
            refused = self._check_access(user, device.device_type, device, rows[0].trigger)
            if refused is not None:
                return refused
        elif user is not None:
            return self._refuse(
                f"{rows[0].trigger} is done by the DCC, not by a User",
                rule="inventory.access-control",
                clause=rows[0].clause(),
            )
        if row is None:
            wanted = "" if target is None else f" to {target.value}"
            fitting = [r for r in rows if device.device_type in r.device_types]
            if not fitting or (
                target is not None and not any(target in r.targets for r in fitting)
            ):
                return self._refuse(
                    f"{rows[0].trigger} cannot move a {device.device_type.value}{wanted}",
                    rule="inventory.lifecycle",
                    clause=rows[0].clause(),
                )
            return self._refuse(
                f"{rows[0].trigger}{wanted} is not allowed on a {device.status.value} device",
                rule="inventory.device-status",
                clause=rows[0].clause(),
                code=E5,
            )
        final = row.targets[0] if target is None else target
        if final == REMOVED:
            return self._accept(
                None,
                f"{device.device_id} removed ({row.id})",
                remove=device.device_id,
                transition=row.id,
            )
        if final == PRIOR:
            back = device.prior_status or DeviceStatus.COMMISSIONED
            return self._accept(
                device.moved_to(back),
                f"{device.device_id} restored to {back.value} ({row.id})",
                transition=row.id,
            )
        assert isinstance(final, DeviceStatus)  # noqa: S101 - absent is never a target
        prior = device.status if final is DeviceStatus.SUSPENDED else None
        return self._accept(
            device.moved_to(final, prior=prior),
            f"{device.device_id} {device.status.value} -> {final.value} ({row.id})",
            transition=row.id,
        )
