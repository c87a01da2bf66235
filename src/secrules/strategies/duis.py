"""Hypothesis strategies for the SMI and DUIS: EUIs, variants, devices, inventories, requests.

``duis_request_xml()`` draws well-formed, schema-shaped SR 12.2 / SR 8.4 requests as bytes with
random namespace prefixes (the parser matches URIs, never prefixes); ``mutated_duis_xml()`` draws
damaged or hostile variants of them, which must parse or raise ``DecodeError`` and nothing else.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from hypothesis import strategies as st

from secrules.core.rules import RuleSet
from secrules.inventory import (
    Device,
    DeviceStatus,
    DeviceType,
    EsmeVariant,
    Inventory,
    VariantChange,
    variant_catalogue,
)

__all__ = [
    "device_statuses",
    "device_types",
    "devices",
    "duis_request_xml",
    "esme_variants",
    "euis",
    "inventories",
    "mutated_duis_xml",
]

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
DS = "http://www.w3.org/2000/09/xmldsig#"


@st.composite
def euis(draw: st.DrawFn, *, upper: bool = False) -> str:
    """An EUI-64 in DUIS form ``HH-HH-...`` (mixed case unless ``upper``)."""
    octets = draw(st.binary(min_size=8, max_size=8))
    text = "-".join(f"{b:02x}" for b in octets)
    if upper or draw(st.booleans()):
        return text.upper()
    return text


def device_types() -> st.SearchStrategy[DeviceType]:
    """One of the eight DUIS device types."""
    return st.sampled_from(list(DeviceType))


def device_statuses() -> st.SearchStrategy[DeviceStatus]:
    """One of the nine SMI statuses."""
    return st.sampled_from(list(DeviceStatus))


def esme_variants(era: str | None = None) -> st.SearchStrategy[EsmeVariant]:
    """An ESMEVariant of ``era`` (any known era when None)."""
    catalogue = variant_catalogue()
    codes = sorted(catalogue.all_codes) if era is None else list(catalogue.set(era).codes)
    return st.sampled_from(codes).map(EsmeVariant)


_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=8
)


@st.composite
def devices(
    draw: st.DrawFn,
    *,
    device_type: DeviceType | None = None,
    status: DeviceStatus | None = None,
    era: str | None = None,
) -> Device:
    """A consistent SMI record (an ESMEVariant only on an ESME)."""
    kind = device_type or draw(device_types())
    supplier = draw(euis(upper=True))
    return Device(
        device_id=draw(euis()),
        device_type=kind,
        status=status or draw(device_statuses()),
        manufacturer=draw(_TEXT),
        model=draw(_TEXT),
        esme_variant=draw(st.none() | esme_variants(era)) if kind is DeviceType.ESME else None,
        installing_supplier=supplier,
        responsible_supplier=draw(st.just(supplier) | euis(upper=True)),
    )


@st.composite
def inventories(
    draw: st.DrawFn,
    *,
    rules: RuleSet[VariantChange] | None = None,
    era: str = "2020",
    max_size: int = 5,
) -> Inventory:
    """An inventory of up to ``max_size`` devices of ``era`` under ``rules`` (None: the SMI's)."""
    records = draw(st.lists(devices(era=era), max_size=max_size, unique_by=lambda d: d.device_id))
    return Inventory({d.device_id: d for d in records}, rules=rules, era=era)


def _element(prefix: str, name: str, content: str) -> str:
    tag = f"{prefix}:{name}" if prefix else name
    return f"<{tag}>{content}</{tag}>" if content else f"<{tag}/>"


@st.composite
def duis_request_xml(draw: st.DrawFn, *, kind: str | None = None) -> bytes:
    """A schema-shaped SR 12.2 or SR 8.4 request (UTF-8 bytes) with random prefixes."""
    chosen = kind or draw(st.sampled_from(["12.2", "8.4-details", "8.4-delete", "8.4-status"]))
    prefix = draw(st.sampled_from(["sr", "x", "ns0", ""]))
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"

    def el(name: str, content: str = "") -> str:
        return _element(prefix, name, content)

    sender, target = draw(euis()), draw(euis())
    counter = draw(st.integers(min_value=0, max_value=2**64 - 1))
    reference = "12.2" if chosen == "12.2" else "8.4"
    header = el(
        "Header",
        el("RequestID", f"{sender}:{target}:{counter}")
        + el("CommandVariant", "8")
        + el("ServiceReference", reference)
        + el("ServiceReferenceVariant", reference),
    )
    text = st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFFFD, exclude_categories=["Cs"]),
        min_size=1,
        max_size=20,
    )
    if chosen == "12.2":
        device_type = draw(device_types())
        parts = [
            el("DeviceID", draw(euis())),
            el("DeviceManufacturer", escape(draw(text)[:30])),
            el("DeviceModel", escape(draw(text)[:30])),
            el("DeviceType", device_type.value),
        ]
        if draw(st.booleans()):
            parts.append(el("FirmwareVersion", escape(draw(text)[:8])))
        if device_type is DeviceType.ESME and draw(st.booleans()):
            parts.append(el("ESMEVariant", draw(esme_variants("duis-5.x")).code))
        body = el("DevicePrenotification", "".join(parts))
    else:
        if chosen == "8.4-details":
            choice = el(
                "UpdateDeviceDetails",
                el("DeviceModel", escape(draw(text)[:30]))
                + el("ESMEVariant", draw(esme_variants("duis-5.x")).code),
            )
        elif chosen == "8.4-status":
            choice = el(
                "UpdateDeviceStatusExceptCH",
                draw(st.sampled_from(["Pending", "InstalledNotCommissioned"])),
            )
        else:
            choice = el("DeleteDevice")
        body = el("UpdateInventory", el("DeviceID", draw(euis())) + choice)
    root_tag = f"{prefix}:Request" if prefix else "Request"
    version = draw(st.sampled_from(["5.0", "5.1", "5.2", "5.3", "5.4"]))
    signature = ""
    if draw(st.booleans()):
        signature = (
            f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'
            '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
            '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>'
            '<ds:Reference URI=""><ds:Transforms><ds:Transform '
            'Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>'
            '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
            "<ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo>"
            "<ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>"
        )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root_tag} {xmlns}={quoteattr(SR)} '
        f'schemaVersion="{version}">{header}{el("Body", body)}{signature}</{root_tag}>'
    )
    return document.encode("utf-8")


_HOSTILE = (
    b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">',
    b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>',
)


@st.composite
def mutated_duis_xml(draw: st.DrawFn, base: bytes | None = None) -> bytes:
    """A valid request (or ``base``) damaged: bytes flipped, cut, spliced or made hostile."""
    data = bytearray(base if base is not None else draw(duis_request_xml()))
    how = draw(st.sampled_from(["flip", "truncate", "delete", "insert", "hostile", "duplicate"]))
    if how == "flip" and data:
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    elif how == "truncate":
        del data[draw(st.integers(0, len(data))) :]
    elif how == "delete" and data:
        i = draw(st.integers(0, len(data) - 1))
        del data[i : i + draw(st.integers(1, 40))]
    elif how == "insert":
        i = draw(st.integers(0, len(data)))
        data[i:i] = draw(
            st.sampled_from([b"<", b">", b"&", b"&lol;", b"<x/>", b"]]>", b"\x00", b"\xff"])
            | st.binary(max_size=8)
        )
    elif how == "hostile":
        start = data.find(b"?>")
        i = start + 2 if start >= 0 else 0
        data[i:i] = draw(st.sampled_from(_HOSTILE))
    elif data:
        # Duplicate a random slice in place: repeated or misplaced elements.
        i = draw(st.integers(0, len(data) - 1))
        j = draw(st.integers(i, min(len(data), i + 200)))
        data[j:j] = data[i:j]
    return bytes(data)
