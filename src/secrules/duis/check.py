"""Field checks and business rules on a DUIS request, reported as findings with XML paths.

:func:`check_request` parses the request safely (:func:`parse_request`; hostile or malformed XML
is a :class:`DecodeError`), then applies the rules of :data:`DUIS_RULES` (schema-level value
checks, stated; business rules, inferred) and, for every ``ESMEVariant`` sent, the SMI's
ESMEVariant rules (:func:`~secrules.inventory.variant_rules`, named assumptions A125-*) or the
rule set the caller passes. Given an :class:`~secrules.inventory.Inventory` and the sending
:class:`~secrules.inventory.User`, it also applies the request to the inventory and reports
whether it would be accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

from secrules.core.citations import cite
from secrules.core.findings import Finding, Outcome, Verdict
from secrules.core.rules import Rule, RuleSet, as_given
from secrules.core.validation import require_text, require_type
from secrules.duis.request import (
    DeleteDevice,
    DevicePrenotification,
    DuisRequest,
    ReadInventory,
    RequestId,
    SignatureInfo,
    Text,
    UpdateDeviceDetails,
    UpdateDeviceStatusCH,
    UpdateDeviceStatusExceptCH,
    UpdateInventory,
    UpdateMPxN,
    parse_request,
)
from secrules.duis.safexml import DEFAULT_MAX_BYTES
from secrules.errors import InvalidValueError
from secrules.inventory import model as inv
from secrules.inventory.types import (
    DeviceStatus,
    DeviceType,
    era_for_schema_version,
    variant_catalogue,
)
from secrules.inventory.variant_policy import (
    ACTOR_RULE,
    DEVICE_TYPE_RULE,
    KNOWN_RULE,
    Actor,
    VariantChange,
    require_variant_rules,
)
from secrules.sec import UserRole

__all__ = ["DUIS_RULES", "RequestContext", "check_request", "to_inventory_request"]


@attrs.frozen
class RequestContext:
    """What the DUIS rules look at: the parsed request and the ESMEVariant era."""

    request: DuisRequest
    era: str


def _ok(text: Text, message: str) -> Verdict:
    return Verdict(Outcome.PASS, message, path=text.path, offset=text.offset)


def _bad(text: Text, message: str) -> Verdict:
    return Verdict(Outcome.FAIL, message, path=text.path, offset=text.offset)


_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_EUI = re.compile(r"^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}$")
_POSITIVE = re.compile(r"^\+?[0-9]{1,20}$")


def _schema_version(ctx: RequestContext) -> Verdict:
    text = ctx.request.schema_version
    if _DECIMAL.match(text.value):
        return _ok(text, f"schemaVersion {text.value} is a decimal")
    return _bad(text, f"schemaVersion {text.raw!r} is not an xs:decimal")


def _request_ids(ctx: RequestContext) -> Iterator[Verdict]:
    header = ctx.request.header
    for text in (header.request_id, header.preceding_request_id):
        if text is None:
            continue
        try:
            rid = RequestId.parse(text.raw)
        except InvalidValueError as exc:
            yield _bad(text, str(exc))
        else:
            yield _ok(
                text, f"{text.name} sender {rid.sender}, target {rid.target}, counter {rid.counter}"
            )


def _first_in_sequence(ctx: RequestContext) -> Verdict:
    text = ctx.request.header.first_in_sequence
    if text is None:
        return Verdict(Outcome.NOT_APPLICABLE, "FirstInSequence is absent (optional)")
    if text.value in ("true", "false", "1", "0"):
        return _ok(text, f"FirstInSequence {text.value} is an xs:boolean")
    return _bad(text, f"FirstInSequence {text.raw!r} is not an xs:boolean (true, false, 1, 0)")


def _command_variant(ctx: RequestContext) -> Verdict:
    text = ctx.request.header.command_variant
    token = text.value
    if _POSITIVE.match(token) and 1 <= int(token) <= 9:
        return _ok(text, f"CommandVariant {int(token)} is in 1-9")
    return _bad(text, f"CommandVariant {text.raw!r} is not a positive integer 1-9")


_BODY_REFERENCES = {
    "DevicePrenotification": ("12.2", "12.2"),
    "UpdateInventory": ("8.4", "8.4"),
    "ReadInventory": ("8.2", "8.2"),
}


def _service_reference(ctx: RequestContext) -> Verdict:
    header = ctx.request.header
    reference = header.service_reference.value
    variant = header.service_reference_variant.value
    body = ctx.request.body
    where = header.service_reference_variant
    if not (variant == reference or variant.startswith(reference + ".")):
        return _bad(
            where,
            f"ServiceReferenceVariant {variant!r} does not belong to ServiceReference "
            f"{reference!r}",
        )
    expected = _BODY_REFERENCES.get(body.element)
    if expected is None:
        return _ok(
            where,
            f"ServiceReferenceVariant {variant} belongs to {reference}; Body "
            f"{body.element} is not modelled",
        )
    if (reference, variant) != expected:
        return _bad(
            where,
            f"Body {body.element} is SR {expected[1]}, but the Header says ServiceReference "
            f"{reference!r}, variant {variant!r}",
        )
    return _ok(where, f"Body {body.element} agrees with SR {variant}")


def _command_variant_8(ctx: RequestContext) -> Verdict:
    header = ctx.request.header
    if ctx.request.body.element not in ("DevicePrenotification", "UpdateInventory"):
        return Verdict(Outcome.NOT_APPLICABLE, "only SR 12.2 and SR 8.4 are checked")
    number = header.command_variant_number
    if number == 8:
        return _ok(header.command_variant, "CommandVariant 8 (DCC Only, synchronous)")
    return _bad(
        header.command_variant,
        f"SR {ctx.request.body.element} must use CommandVariant 8 (DCC Only), not "
        f"{header.command_variant.raw!r}",
    )


def _euis(ctx: RequestContext) -> Iterator[Verdict]:
    body = ctx.request.body
    texts: list[Text | None] = []
    if isinstance(body, DevicePrenotification):
        texts = [body.device_id, body.associated_gpf_device_id]
    elif isinstance(body, UpdateInventory):
        texts = [body.device_id]
    elif isinstance(body, ReadInventory):
        texts = list(body.device_ids)  # every DeviceID sent, not only the first
    for text in texts:
        if text is None:
            continue
        if _EUI.match(text.value):
            yield _ok(text, f"{text.name} {text.value.upper()} is an EUI-64")
        else:
            yield _bad(
                text, f"{text.name} {text.raw!r} is not an EUI-64 (8 hex octets joined by '-')"
            )


_LENGTHS = {
    "DeviceManufacturer": (0, 30),
    "DeviceModel": (0, 30),
    "SMETSCHTSVersion": (1, 20),
    "FirmwareVersion": (1, 8),
    "ImportMPxN": (1, 13),
    "SecondaryImportMPAN": (13, 13),
    "ExportMPAN": (13, 13),
}


def _length_fields(ctx: RequestContext) -> list[Text]:
    body = ctx.request.body
    out: list[Text | None] = []
    if isinstance(body, DevicePrenotification):
        out = [
            body.device_manufacturer,
            body.device_model,
            body.smets_chts_version,
            body.firmware_version,
        ]
    elif isinstance(body, UpdateInventory):
        update = body.update
        if isinstance(update, UpdateDeviceDetails):
            out = [
                update.device_manufacturer,
                update.device_model,
                update.smets_chts_version,
                update.firmware_version,
            ]
        elif isinstance(update, UpdateMPxN):
            out = [update.value]
    return [t for t in out if t is not None]


def _lengths(ctx: RequestContext) -> Iterator[Verdict]:
    for text in _length_fields(ctx):
        lo, hi = _LENGTHS[text.name]
        size = len(text.raw)
        want = f"exactly {hi}" if lo == hi else (f"at most {hi}" if lo == 0 else f"{lo}-{hi}")
        if lo <= size <= hi:
            yield _ok(text, f"{text.name} has {size} characters ({want})")
        else:
            yield _bad(text, f"{text.name} has {size} characters; the schema allows {want}")


_STATUS_CHOICES = {
    "UpdateDeviceStatusExceptCH": ("Pending", "InstalledNotCommissioned"),
    "UpdateDeviceStatusCH": ("Commissioned", "Withdrawn", "InstalledNotCommissioned"),
}


def _enumerations(ctx: RequestContext) -> Iterator[Verdict]:
    body = ctx.request.body
    checks: list[tuple[Text, tuple[str, ...]]] = []
    if isinstance(body, DevicePrenotification):
        checks.append((body.device_type, tuple(t.value for t in DeviceType)))
    elif isinstance(body, UpdateInventory) and isinstance(
        body.update, UpdateDeviceStatusExceptCH | UpdateDeviceStatusCH
    ):
        name = type(body.update).__name__
        checks.append((body.update.status, _STATUS_CHOICES[name]))
    for text, allowed in checks:
        if text.value in allowed:
            yield _ok(text, f"{text.name} {text.value} is allowed")
        else:
            yield _bad(
                text,
                f"{text.name} {text.raw!r} is not one of {', '.join(allowed)} (case-sensitive)",
            )


def _gpf_only_gsme(ctx: RequestContext) -> Verdict:
    body = ctx.request.body
    if not isinstance(body, DevicePrenotification) or body.associated_gpf_device_id is None:
        return Verdict(Outcome.NOT_APPLICABLE, "no AssociatedGPFDeviceID")
    text = body.associated_gpf_device_id
    if body.device_type.value == DeviceType.GSME.value:
        return _ok(text, "AssociatedGPFDeviceID is given for a GSME")
    return _bad(text, f"AssociatedGPFDeviceID is only for a GSME, not a {body.device_type.value}")


def _manufacturer_model(ctx: RequestContext) -> Iterator[Verdict]:
    body = ctx.request.body
    if not isinstance(body, DevicePrenotification):
        return
    for text in (body.device_manufacturer, body.device_model):
        if text.raw.strip():
            yield _ok(text, f"{text.name} is not empty")
        else:
            yield _bad(text, f"{text.name} is empty; a pre-notified device needs one")


def _nothing_to_update(ctx: RequestContext) -> Verdict:
    body = ctx.request.body
    if not isinstance(body, UpdateInventory) or not isinstance(body.update, UpdateDeviceDetails):
        return Verdict(Outcome.NOT_APPLICABLE, "not an UpdateDeviceDetails")
    details = body.update
    if details.empty:
        return Verdict(
            Outcome.FAIL,
            "UpdateDeviceDetails is empty: nothing to update",
            path=details.path,
            offset=details.offset,
        )
    return Verdict(
        Outcome.PASS,
        "UpdateDeviceDetails carries at least one detail",
        path=details.path,
        offset=details.offset,
    )


_EXPECTED_ALGORITHMS = {
    "canonicalization": "http://www.w3.org/2001/10/xml-exc-c14n#",
    "signature_method": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "digest_method": "http://www.w3.org/2001/04/xmlenc#sha256",
}
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


def _signature(ctx: RequestContext) -> Verdict:
    sig: SignatureInfo | None = ctx.request.signature
    if sig is None:
        return Verdict(Outcome.NOT_APPLICABLE, "no ds:Signature (optional in the schema)")
    wrong = [
        f"{name} is {getattr(sig, name)!r}, expected {want!r}"
        for name, want in _EXPECTED_ALGORITHMS.items()
        if getattr(sig, name) != want
    ]
    if _ENVELOPED not in sig.transforms:
        wrong.append("the enveloped-signature transform is missing")
    if sig.reference_uri != "":
        wrong.append(f"Reference URI is {sig.reference_uri!r}, expected '' (whole document)")
    if wrong:
        return Verdict(Outcome.FAIL, "; ".join(wrong), path=sig.path, offset=sig.offset)
    note = " (digest and signature are placeholders)" if sig.placeholder else ""
    return Verdict(
        Outcome.PASS,
        f"ds:Signature structure: exc-c14n, ecdsa-sha256, sha256, enveloped{note}; "
        "not verified (signature verification is out of scope)",
        path=sig.path,
        offset=sig.offset,
    )


DUIS_RULES = RuleSet.of(
    "duis",
    [
        Rule(
            "duis.schema-version",
            "schemaVersion is an xs:decimal",
            (cite("duis.xsd.schema-version"),),
            _schema_version,
            text="The Request carries a required decimal schemaVersion.",
        ),
        Rule(
            "duis.header.request-id",
            "RequestID is EUI:EUI:counter",
            (
                cite("duis.xsd.request-id"),
                cite("duis.request-id-parts"),
            ),
            _request_ids,
            text="RequestID and PrecedingServiceRequestID are two EUI-64s and a counter.",
        ),
        Rule(
            "duis.header.first-in-sequence",
            "FirstInSequence is an xs:boolean",
            (cite("duis.xsd.first-in-sequence"),),
            _first_in_sequence,
            text="FirstInSequence, when present, is true or false (also 1 or 0).",
        ),
        Rule(
            "duis.header.command-variant",
            "CommandVariant is 1-9",
            (cite("duis.xsd.command-variant"),),
            _command_variant,
            text="CommandVariant names one of the nine DUIS command variants, 1 to 9.",
        ),
        Rule(
            "duis.header.service-reference",
            "ServiceReference, variant and Body agree",
            (
                cite("duis.xsd.body-choice"),
                cite("duis.service-reference-body"),
            ),
            _service_reference,
            text="The variant belongs to the reference, and both name the Body's request.",
        ),
        Rule(
            "duis.header.command-variant-8",
            "SR 12.2 and SR 8.4 use CommandVariant 8",
            (
                cite("duis.command-variant-table"),
                cite("duis.command-variant-8-templates"),
            ),
            _command_variant_8,
            text=(
                "Device Pre-notification (12.2) and Update Inventory (8.4) are DCC-only"
                " requests answered synchronously: CommandVariant 8."
            ),
        ),
        Rule(
            "duis.field.eui",
            "Device IDs are EUI-64s",
            (cite("duis.xsd.eui"),),
            _euis,
            text="Every device identifier is an EUI-64 written as eight dash-separated hex octets.",
        ),
        Rule(
            "duis.field.length",
            "String lengths within the schema's limits",
            (cite("duis.xsd.lengths"),),
            _lengths,
            text="Text fields stay within the schema's length limits; an MPAN is 13 characters.",
        ),
        Rule(
            "duis.field.enumeration",
            "DeviceType and status values are enumerated",
            (cite("duis.xsd.enumerations"),),
            _enumerations,
            text="DeviceType is one of the eight types; a status update names an allowed status.",
        ),
        Rule(
            "duis.12-2.gpf-only-gsme",
            "AssociatedGPFDeviceID only for a GSME",
            (cite("duis.12-2.gpf-gsme"),),
            _gpf_only_gsme,
            text="An AssociatedGPFDeviceID is given only when pre-notifying a gas meter (GSME).",
        ),
        Rule(
            "duis.12-2.manufacturer-model-not-empty",
            "Manufacturer and model not empty",
            (cite("duis.12-2.manufacturer-model"),),
            _manufacturer_model,
            text="A pre-notified device names its manufacturer and model (neither empty).",
        ),
        Rule(
            "duis.8-4.nothing-to-update",
            "UpdateDeviceDetails is not empty",
            (
                cite("duis.xsd.8-4.update-device-details"),
                cite("duis.8-4.empty-update"),
            ),
            _nothing_to_update,
            text="An UpdateDeviceDetails with no child element is valid XML but updates nothing.",
        ),
        Rule(
            "duis.signature.structure",
            "ds:Signature structure (not verified)",
            (cite("duis.xsd.signature"),),
            _signature,
            text="The optional signature uses the DUIS algorithms; its value is not verified.",
        ),
    ],
)


def _variant_text(request: DuisRequest) -> Text | None:
    body = request.body
    if isinstance(body, DevicePrenotification):
        return body.esme_variant
    if isinstance(body, UpdateInventory) and isinstance(body.update, UpdateDeviceDetails):
        return body.update.esme_variant
    return None


def _variant_findings(
    ctx: RequestContext,
    ruleset: RuleSet[VariantChange],
    inventory: inv.Inventory | None,
    sender: inv.User | None,
) -> list[Finding]:
    text = _variant_text(ctx.request)
    if text is None:
        return []
    body = ctx.request.body
    if isinstance(body, DevicePrenotification):
        try:
            device_type = DeviceType.parse(body.device_type.value)
        except InvalidValueError:
            device_type = None
        if device_type is None:
            return ruleset.evaluate(_change(text, ctx, DeviceType.ESME, None), KNOWN_RULE)
        return ruleset.evaluate(_change(text, ctx, device_type, None))
    # SR 8.4: the device type, status and the sender's relation live in the inventory.
    assert isinstance(body, UpdateInventory)  # noqa: S101 - _variant_text returned a value
    device = None
    if inventory is not None and sender is not None:
        try:
            device = inventory.get(body.device_id.value)
        except InvalidValueError:
            device = None
    if device is not None and sender is not None and inventory is not None:
        change = attrs.evolve(
            _change(text, ctx, device.device_type, device.status),
            actor=inventory.actor(sender, device),
        )
        return ruleset.evaluate(change)
    findings = ruleset.evaluate(_change(text, ctx, DeviceType.ESME, None), KNOWN_RULE)
    for rule_id in (DEVICE_TYPE_RULE, ACTOR_RULE):
        findings += _undecided(ruleset, rule_id, _change(text, ctx, DeviceType.ESME, None))
    return findings


def _undecided(
    ruleset: RuleSet[VariantChange], rule_id: str, change: VariantChange
) -> list[Finding]:
    """INDETERMINATE for ``rule_id`` (citing the exceptions to it too): no device to judge."""
    rule = ruleset.rule(rule_id)
    if ruleset.is_neutralised(rule_id):
        return [
            attrs.evolve(f, path=change.path, offset=change.offset)
            for f in ruleset.evaluate(change, rule_id)
        ]
    exceptions = ruleset.exceptions_to(rule_id)
    also = "".join(f" (nor whether exception {e.id} applies)" for e in exceptions)
    finding = rule.finding(
        change.verdict(
            Outcome.INDETERMINATE,
            "not decided: the device's type and status and the sender's relation to it are "
            f"not in the XML{also}; give the inventory and the sender to decide (command line: "
            "--inventory FILE --sender ROLE; Python: inventory= and sender=)",
        )
    )
    cited = dict.fromkeys((*rule.clauses, *(c for e in exceptions for c in e.clauses)))
    return [attrs.evolve(finding, clauses=tuple(cited))]


def _change(
    text: Text, ctx: RequestContext, device_type: DeviceType, status: DeviceStatus | None
) -> VariantChange:
    return VariantChange(
        actor=Actor(role=UserRole.IMPORT_SUPPLIER),
        device_type=device_type,
        status=status,
        variant=text.value,
        era=ctx.era,
        path=text.path,
        offset=text.offset,
    )


def _opt(text: Text | None) -> str | None:
    return None if text is None else text.raw


def to_inventory_request(request: DuisRequest) -> inv.InventoryRequest | None:
    """The inventory request a DUIS request asks for (None for bodies that change nothing).

    Raises :class:`InvalidValueError` when a field value cannot be used (bad EUI, unknown
    device type or status); :func:`check_request` reports those as findings instead.
    """
    body = request.body
    if isinstance(body, DevicePrenotification):
        return inv.Prenotify(
            body.device_id.value,
            device_type=body.device_type.value,
            manufacturer=body.device_manufacturer.raw,
            model=body.device_model.raw,
            smets_chts_version=_opt(body.smets_chts_version),
            firmware_version=_opt(body.firmware_version),
            esme_variant=None if body.esme_variant is None else body.esme_variant.value,
            associated_gpf=None
            if body.associated_gpf_device_id is None
            else body.associated_gpf_device_id.value,
        )
    if not isinstance(body, UpdateInventory):
        return None
    device_id = body.device_id.value
    update = body.update
    if isinstance(update, UpdateDeviceDetails):
        return inv.UpdateDetails(
            device_id,
            manufacturer=_opt(update.device_manufacturer),
            model=_opt(update.device_model),
            smets_chts_version=_opt(update.smets_chts_version),
            firmware_version=_opt(update.firmware_version),
            esme_variant=None if update.esme_variant is None else update.esme_variant.value,
        )
    if isinstance(update, UpdateDeviceStatusExceptCH | UpdateDeviceStatusCH):
        return inv.UpdateStatus(device_id, target=update.status.value)
    if isinstance(update, DeleteDevice):
        return inv.DeleteDevice(device_id)
    return None  # UpdateMPxN: registration data, not modelled in the inventory


#: The outcome of applying a request to the inventory given with ``inventory=``/``--inventory``.
INVENTORY_OUTCOME_RULE: Rule[Verdict] = Rule(
    "duis.inventory.outcome",
    "A request applied to the given inventory is accepted (or why it is refused)",
    (cite("inventory.request-applied"),),
    as_given,
    defined_in=__name__,
    text="With an inventory and a sender, the request is applied to the modelled Smart Metering "
    "Inventory: PASS when it is accepted, FAIL with the refusing rule (and DUIS response code "
    "where known) otherwise; NOT_APPLICABLE for a request that changes nothing the model holds.",
)


def _inventory_finding(
    request: DuisRequest, inventory: inv.Inventory, sender: inv.User
) -> list[Finding]:
    body = request.body
    path = getattr(body, "path", None)
    offset = getattr(body, "offset", None)
    try:
        wanted = to_inventory_request(request)
    except InvalidValueError as exc:
        return [
            INVENTORY_OUTCOME_RULE.finding(
                Verdict(
                    Outcome.INDETERMINATE,
                    f"cannot apply the request: {exc}",
                    path=path,
                    offset=offset,
                )
            )
        ]
    if wanted is None:
        return [
            INVENTORY_OUTCOME_RULE.finding(
                Verdict(
                    Outcome.NOT_APPLICABLE,
                    f"{body.element} does not change the modelled inventory",
                    path=path,
                    offset=offset,
                )
            )
        ]
    outcome = inventory.apply(wanted, sender)
    code = f" (response code {outcome.response_code})" if outcome.response_code else ""
    variant_ids = inventory.applied_rules.ids  # reported once, by _variant_findings
    extra = [f for f in outcome.findings if f.rule_id not in variant_ids]
    return [
        *(f if f.path else attrs.evolve(f, path=path, offset=offset) for f in extra),
        INVENTORY_OUTCOME_RULE.finding(
            Verdict(
                Outcome.PASS if outcome.accepted else Outcome.FAIL,
                f"{outcome.verdict}: {outcome.reason}{code}",
                path=path,
                offset=offset,
                label=outcome.verdict,
            )
        ),
    ]


def check_request(
    data: bytes | str,
    *,
    rules: RuleSet[VariantChange] | None = None,
    era: str | None = None,
    inventory: inv.Inventory | None = None,
    sender: inv.User | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[Finding]:
    """Parse a DUIS request safely and return every finding, each with its XML path.

    ``rules`` are the ESMEVariant rules to apply (None: the SMI's own,
    :func:`~secrules.inventory.variant_rules`; a proposal passes the set it derived from them).
    ``era`` names the ESMEVariant set (``"2020"`` or ``"duis-5.x"``); by default it follows the
    request's schemaVersion (5.0 and later: ``duis-5.x``; earlier or unreadable: ``2020``).
    With ``inventory`` and ``sender`` the request is also applied to the inventory under the same
    ``rules`` and era (finding ``duis.inventory.outcome``) and the actor rule is decided. Raises
    :class:`DecodeError` for hostile, malformed or mis-structured XML, and
    :class:`InvalidValueError` for an argument of the wrong type.
    """
    ruleset = require_variant_rules(rules)
    require_text(era, "era", optional=True)
    if inventory is not None:
        require_type(inventory, "inventory", (inv.Inventory,), "an Inventory or None")
    if sender is not None:
        require_type(sender, "sender", (inv.User,), "a User or None")
    request = parse_request(data, max_bytes=max_bytes)
    if (inventory is None) != (sender is None):
        raise InvalidValueError("pass both inventory= and sender=, or neither")
    chosen_era = era_for_schema_version(request.schema_version.value) if era is None else era
    variant_catalogue().set(chosen_era)
    ctx = RequestContext(request=request, era=chosen_era)
    findings = DUIS_RULES.evaluate(ctx)
    findings += _variant_findings(ctx, ruleset, inventory, sender)
    if inventory is not None and sender is not None:
        applied = attrs.evolve(inventory, rules=ruleset, era=chosen_era)
        findings += _inventory_finding(request, applied, sender)
    return findings
