"""DUIS request XML read into typed records (envelope, SR 12.2, SR 8.4, SR 8.2, others).

:func:`parse_request` checks the *shape* of the document against the DUIS XML Schema V5.0-V5.4
(checked): namespace URIs (never prefixes), element order and cardinality, the Body choice, leaf
versus element-only content. A shape violation is a :class:`DecodeError` with the XML path of
the offending element (``/Request/Body/DevicePrenotification/ESMEVariant``) and its byte offset.

Field *values* (EUI format, lengths, enumerations, numbers) are kept as located text
(:class:`Text`) and judged by :func:`secrules.duis.check_request`, which reports every problem
as a finding with its path, so a user sees all of them at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.etree.ElementTree import Element

import attrs

from secrules.core.validation import require_int, require_type
from secrules.duis.safexml import DEFAULT_MAX_BYTES, ParsedXml, local_name, namespace, parse_xml
from secrules.errors import DecodeError, InvalidValueError
from secrules.inventory.types import normalise_eui

__all__ = [
    "DS_NS",
    "SR_NS",
    "Body",
    "DeleteDevice",
    "DevicePrenotification",
    "DuisRequest",
    "Header",
    "OtherBody",
    "ReadInventory",
    "RequestId",
    "SignatureInfo",
    "Text",
    "UpdateDeviceDetails",
    "UpdateDeviceStatusCH",
    "UpdateDeviceStatusExceptCH",
    "UpdateInventory",
    "UpdateMPxN",
    "parse_request",
]

SR_NS = "http://www.dccinterface.co.uk/ServiceUserGateway"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
PLACEHOLDER_B64 = "ZGVmYXVsdA=="  # Base64 of "default", the templates' placeholder value

_REQUEST_ID = re.compile(
    r"^([0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}):([0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}):(0|[1-9][0-9]{0,19})$"
)
_MAX_COUNTER = 2**64 - 1


@attrs.frozen
class Text:
    """A leaf element's text as sent, with its element name, XML path and byte offset."""

    name: str
    raw: str
    path: str
    offset: int | None = None

    @property
    def value(self) -> str:
        """The xs:token value: whitespace runs collapsed, outer whitespace removed."""
        return " ".join(self.raw.split())

    def __str__(self) -> str:
        return self.raw


@attrs.frozen
class RequestId:
    """A DUIS RequestID ``EUI:EUI:counter``: sender User ID, target, User counter (inferred)."""

    sender: str
    target: str
    counter: int

    @classmethod
    def parse(cls, text: str) -> RequestId:
        """Parse an xs:token RequestID; InvalidValueError when malformed."""
        token = " ".join(text.split()) if isinstance(text, str) else ""
        match = _REQUEST_ID.match(token)
        if match is None:
            raise InvalidValueError(
                f"{text!r} is not a RequestID (EUI:EUI:counter, counter without leading zeros)"
            )
        counter = int(match.group(3))
        if counter > _MAX_COUNTER:
            raise InvalidValueError(f"RequestID counter {counter} exceeds 2^64-1")
        return cls(normalise_eui(match.group(1)), normalise_eui(match.group(2)), counter)

    def __str__(self) -> str:
        return f"{self.sender}:{self.target}:{self.counter}"


@attrs.frozen
class Header:
    """``sr:Header``: RequestID, optional sequencing, CommandVariant and the service reference."""

    request_id: Text
    command_variant: Text
    service_reference: Text
    service_reference_variant: Text
    first_in_sequence: Text | None = None
    preceding_request_id: Text | None = None

    @property
    def request(self) -> RequestId | None:
        """The parsed RequestID, or None when malformed (check_request reports it)."""
        try:
            return RequestId.parse(self.request_id.raw)
        except InvalidValueError:
            return None

    @property
    def command_variant_number(self) -> int | None:
        """CommandVariant as an int, or None when it is not an integer."""
        token = self.command_variant.value
        return int(token) if re.fullmatch(r"\+?[0-9]{1,9}", token) else None


@attrs.frozen
class DevicePrenotification:
    """SR 12.2 body: a device to add to the SMI."""

    device_id: Text
    device_manufacturer: Text
    device_model: Text
    device_type: Text
    smets_chts_version: Text | None = None
    firmware_version: Text | None = None
    esme_variant: Text | None = None
    associated_gpf_device_id: Text | None = None
    path: str = "/Request/Body/DevicePrenotification"
    offset: int | None = None
    element: str = "DevicePrenotification"


@attrs.frozen
class UpdateDeviceStatusExceptCH:
    """SR 8.4 choice: a new status (Pending or InstalledNotCommissioned) for a non-hub."""

    status: Text


@attrs.frozen
class UpdateDeviceStatusCH:
    """SR 8.4 choice: a new status (Commissioned, Withdrawn, InstalledNotCommissioned) for a hub."""

    status: Text


@attrs.frozen
class UpdateDeviceDetails:
    """SR 8.4 choice: new details, every one optional; the only way to rewrite ESMEVariant."""

    device_manufacturer: Text | None = None
    device_model: Text | None = None
    smets_chts_version: Text | None = None
    firmware_version: Text | None = None
    esme_variant: Text | None = None
    path: str = "/Request/Body/UpdateInventory/UpdateDeviceDetails"
    offset: int | None = None

    @property
    def empty(self) -> bool:
        """True when no detail is given (schema-valid, but nothing to update)."""
        return all(
            f is None
            for f in (
                self.device_manufacturer,
                self.device_model,
                self.smets_chts_version,
                self.firmware_version,
                self.esme_variant,
            )
        )


@attrs.frozen
class DeleteDevice:
    """SR 8.4 choice: remove the device from the SMI (an empty element)."""

    path: str = "/Request/Body/UpdateInventory/DeleteDevice"
    offset: int | None = None


@attrs.frozen
class UpdateMPxN:
    """SR 8.4 choice: one of ImportMPxN, SecondaryImportMPAN, ExportMPAN."""

    value: Text

    @property
    def kind(self) -> str:
        """The element name (``ImportMPxN``...)."""
        return self.value.name


Update = (
    UpdateDeviceStatusExceptCH
    | UpdateDeviceStatusCH
    | UpdateDeviceDetails
    | DeleteDevice
    | UpdateMPxN
)


@attrs.frozen
class UpdateInventory:
    """SR 8.4 body: a DeviceID and exactly one update."""

    device_id: Text
    update: Update
    path: str = "/Request/Body/UpdateInventory"
    offset: int | None = None
    element: str = "UpdateInventory"


@attrs.frozen
class ReadInventory:
    """SR 8.2 body: the search criteria, each a located text (the template sends a DeviceID).

    ``device_ids`` holds *every* DeviceID element in the body, at any depth, in document
    order, each with its own XML path (``.../DeviceID[2]`` when siblings repeat), so each one
    is checked. A DeviceID holding elements rather than text is kept with an empty value.
    """

    criteria: tuple[Text, ...]
    path: str = "/Request/Body/ReadInventory"
    offset: int | None = None
    element: str = "ReadInventory"
    device_ids: tuple[Text, ...] = ()

    @property
    def device_id(self) -> Text | None:
        """The first DeviceID sent, if any (see :attr:`device_ids` for all of them)."""
        return self.device_ids[0] if self.device_ids else None


@attrs.frozen
class OtherBody:
    """A Body this library does not model (e.g. SR 6.18.1), kept by element name only."""

    element: str
    path: str
    offset: int | None = None


Body = DevicePrenotification | UpdateInventory | ReadInventory | OtherBody


@attrs.frozen
class SignatureInfo:
    """The ``ds:Signature`` block as read: algorithms and values; never verified here."""

    canonicalization: str | None
    signature_method: str | None
    digest_method: str | None
    transforms: tuple[str, ...]
    reference_uri: str | None
    digest_value: str
    signature_value: str
    issuer_name: str | None
    serial_number: str | None
    path: str = "/Request/Signature"
    offset: int | None = None

    @property
    def placeholder(self) -> bool:
        """True when the digest or signature is the templates' placeholder (Base64 "default")."""
        return PLACEHOLDER_B64 in (self.digest_value, self.signature_value)

    verified: bool = False
    """Always False: signature verification is out of scope."""


@attrs.frozen
class DuisRequest:
    """A DUIS ``sr:Request``: schemaVersion, Header, Body and optional ``ds:Signature``."""

    schema_version: Text
    header: Header
    body: Body
    signature: SignatureInfo | None = None
    size: int = 0

    @property
    def service_reference_variant(self) -> str:
        """The ServiceReferenceVariant token (``12.2``)."""
        return self.header.service_reference_variant.value

    @property
    def body_element(self) -> str:
        """The local name of the Body's child element."""
        return self.body.element


# --- shape checking ------------------------------------------------------------------------


class _Reader:
    def __init__(self, parsed: ParsedXml) -> None:
        self.parsed = parsed

    def offset(self, element: Element) -> int | None:
        return self.parsed.offset(element)

    def fail(self, message: str, element: Element | None, path: str) -> DecodeError:
        return DecodeError(
            message, offset=None if element is None else self.offset(element), path=path
        )

    def leaf(self, element: Element, path: str) -> Text:
        if len(element):
            child = element[0]
            raise self.fail(
                f"{local_name(element.tag)} must hold text, not the element "
                f"{local_name(child.tag)}",
                child,
                f"{path}/{local_name(child.tag)}",
            )
        return Text(local_name(element.tag), element.text or "", path, self.offset(element))

    def element_only(self, element: Element, path: str) -> None:
        texts = [element.text or ""] + [child.tail or "" for child in element]
        if any(t.strip() for t in texts):
            raise self.fail(
                f"{local_name(element.tag)} holds elements only, not text", element, path
            )

    def sequence(
        self,
        element: Element,
        path: str,
        spec: Sequence[tuple[str, int, int]],
        ns: str = SR_NS,
    ) -> dict[str, list[tuple[Element, str]]]:
        """Match ``element``'s children to ``spec`` (local name, min, max) in order."""
        self.element_only(element, path)
        names = [name for name, _lo, _hi in spec]
        found: dict[str, list[tuple[Element, str]]] = {name: [] for name in names}
        position = 0
        for child in element:
            child_name = local_name(child.tag)
            child_path = f"{path}/{child_name}"
            if namespace(child.tag) != ns or child_name not in found:
                where = namespace(child.tag) or "no namespace"
                raise self.fail(
                    f"unexpected element {child_name} ({where}) in {local_name(element.tag)}",
                    child,
                    child_path,
                )
            index = names.index(child_name)
            if index < position:
                raise self.fail(
                    f"{child_name} is out of order in {local_name(element.tag)} "
                    f"(expected order: {', '.join(names)})",
                    child,
                    child_path,
                )
            position = index
            found[child_name].append((child, child_path))
            hi = spec[index][2]
            if len(found[child_name]) > hi:
                raise self.fail(
                    f"{child_name} occurs more than {hi} time{'s' if hi != 1 else ''} in "
                    f"{local_name(element.tag)}",
                    child,
                    child_path,
                )
        for name, lo, _hi in spec:
            if len(found[name]) < lo:
                raise self.fail(
                    f"{local_name(element.tag)} lacks the required element {name}",
                    element,
                    f"{path}/{name}",
                )
        return found

    def one_leaf(self, found: dict[str, list[tuple[Element, str]]], name: str) -> Text:
        element, path = found[name][0]
        return self.leaf(element, path)

    def opt_leaf(self, found: dict[str, list[tuple[Element, str]]], name: str) -> Text | None:
        return self.one_leaf(found, name) if found[name] else None

    def single_child(self, element: Element, path: str) -> tuple[Element, str]:
        self.element_only(element, path)
        children = list(element)
        if len(children) != 1:
            what = "no element" if not children else f"{len(children)} elements"
            bad = children[1] if len(children) > 1 else None
            bad_path = f"{path}/{local_name(bad.tag)}" if bad is not None else path
            raise self.fail(
                f"{local_name(element.tag)} must hold exactly one element, not {what}",
                bad if bad is not None else element,
                bad_path,
            )
        child = children[0]
        return child, f"{path}/{local_name(child.tag)}"


_HEADER = (
    ("RequestID", 1, 1),
    ("FirstInSequence", 0, 1),
    ("PrecedingServiceRequestID", 0, 1),
    ("CommandVariant", 1, 1),
    ("ServiceReference", 1, 1),
    ("ServiceReferenceVariant", 1, 1),
)
_PRENOTIFICATION = (
    ("DeviceID", 1, 1),
    ("DeviceManufacturer", 1, 1),
    ("DeviceModel", 1, 1),
    ("DeviceType", 1, 1),
    ("SMETSCHTSVersion", 0, 1),
    ("FirmwareVersion", 0, 1),
    ("ESMEVariant", 0, 1),
    ("AssociatedGPFDeviceID", 0, 1),
)
_DETAILS = (
    ("DeviceManufacturer", 0, 1),
    ("DeviceModel", 0, 1),
    ("SMETSCHTSVersion", 0, 1),
    ("FirmwareVersion", 0, 1),
    ("ESMEVariant", 0, 1),
)
_UPDATE_CHOICES = (
    "UpdateDeviceStatusExceptCH",
    "UpdateDeviceStatusCH",
    "UpdateDeviceDetails",
    "DeleteDevice",
    "UpdateMPxN",
)
_MPXN_CHOICES = ("ImportMPxN", "SecondaryImportMPAN", "ExportMPAN")


def _header(r: _Reader, element: Element, path: str) -> Header:
    found = r.sequence(element, path, _HEADER)
    return Header(
        request_id=r.one_leaf(found, "RequestID"),
        first_in_sequence=r.opt_leaf(found, "FirstInSequence"),
        preceding_request_id=r.opt_leaf(found, "PrecedingServiceRequestID"),
        command_variant=r.one_leaf(found, "CommandVariant"),
        service_reference=r.one_leaf(found, "ServiceReference"),
        service_reference_variant=r.one_leaf(found, "ServiceReferenceVariant"),
    )


def _prenotification(r: _Reader, element: Element, path: str) -> DevicePrenotification:
    found = r.sequence(element, path, _PRENOTIFICATION)
    return DevicePrenotification(
        device_id=r.one_leaf(found, "DeviceID"),
        device_manufacturer=r.one_leaf(found, "DeviceManufacturer"),
        device_model=r.one_leaf(found, "DeviceModel"),
        device_type=r.one_leaf(found, "DeviceType"),
        smets_chts_version=r.opt_leaf(found, "SMETSCHTSVersion"),
        firmware_version=r.opt_leaf(found, "FirmwareVersion"),
        esme_variant=r.opt_leaf(found, "ESMEVariant"),
        associated_gpf_device_id=r.opt_leaf(found, "AssociatedGPFDeviceID"),
        path=path,
        offset=r.offset(element),
    )


def _update(r: _Reader, element: Element, path: str) -> UpdateInventory:
    r.element_only(element, path)
    children = list(element)
    spec = [("DeviceID", 1, 1)] + [(name, 0, 1) for name in _UPDATE_CHOICES]
    found = r.sequence(element, path, spec) if len(children) <= 2 else None
    if found is None or sum(len(found[name]) for name in _UPDATE_CHOICES) != 1:
        # Order and names are fine but the choice is empty or repeated.
        bad = children[2] if len(children) > 2 else element
        bad_path = f"{path}/{local_name(bad.tag)}" if bad is not element else path
        raise r.fail(
            "UpdateInventory must hold DeviceID and exactly one of " + ", ".join(_UPDATE_CHOICES),
            bad,
            bad_path,
        )
    device_id = r.one_leaf(found, "DeviceID")
    choice, choice_path = next(found[name][0] for name in _UPDATE_CHOICES if found[name])
    name = local_name(choice.tag)
    update: Update
    if name == "UpdateDeviceStatusExceptCH":
        update = UpdateDeviceStatusExceptCH(r.leaf(choice, choice_path))
    elif name == "UpdateDeviceStatusCH":
        update = UpdateDeviceStatusCH(r.leaf(choice, choice_path))
    elif name == "UpdateDeviceDetails":
        details = r.sequence(choice, choice_path, _DETAILS)
        update = UpdateDeviceDetails(
            device_manufacturer=r.opt_leaf(details, "DeviceManufacturer"),
            device_model=r.opt_leaf(details, "DeviceModel"),
            smets_chts_version=r.opt_leaf(details, "SMETSCHTSVersion"),
            firmware_version=r.opt_leaf(details, "FirmwareVersion"),
            esme_variant=r.opt_leaf(details, "ESMEVariant"),
            path=choice_path,
            offset=r.offset(choice),
        )
    elif name == "DeleteDevice":
        leaf = r.leaf(choice, choice_path)
        if leaf.raw.strip():
            raise r.fail("DeleteDevice must be empty", choice, choice_path)
        update = DeleteDevice(path=choice_path, offset=r.offset(choice))
    else:
        mpxn, mpxn_path = r.single_child(choice, choice_path)
        if namespace(mpxn.tag) != SR_NS or local_name(mpxn.tag) not in _MPXN_CHOICES:
            raise r.fail(f"UpdateMPxN must hold one of {', '.join(_MPXN_CHOICES)}", mpxn, mpxn_path)
        update = UpdateMPxN(r.leaf(mpxn, mpxn_path))
    return UpdateInventory(device_id=device_id, update=update, path=path, offset=r.offset(element))


def _child_paths(element: Element, path: str) -> list[tuple[Element, str]]:
    """Each child with its XML path; a name that repeats among siblings gets ``[n]`` (from 1)."""
    children = list(element)
    counts: dict[str, int] = {}
    for child in children:
        name = local_name(child.tag)
        counts[name] = counts.get(name, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for child in children:
        name = local_name(child.tag)
        if counts[name] > 1:
            seen[name] = seen.get(name, 0) + 1
            out.append((child, f"{path}/{name}[{seen[name]}]"))
        else:
            out.append((child, f"{path}/{name}"))
    return out


def _located(r: _Reader, element: Element, path: str) -> Text:
    """A leaf's text, or (for an element holding elements) its name with an empty value."""
    if len(element):
        return Text(local_name(element.tag), "", path, r.offset(element))
    return r.leaf(element, path)


def _device_ids(r: _Reader, element: Element, path: str) -> list[Text]:
    """Every DeviceID at or below ``element``, in document order (depth capped by safexml)."""
    found: list[Text] = []
    stack = [(element, path)]
    while stack:
        node, node_path = stack.pop()
        if local_name(node.tag) == "DeviceID":
            found.append(_located(r, node, node_path))
            continue
        stack.extend(reversed(_child_paths(node, node_path)))
    return found


def _read_inventory(r: _Reader, element: Element, path: str) -> ReadInventory:
    r.element_only(element, path)
    criteria = []
    device_ids: list[Text] = []
    for child, child_path in _child_paths(element, path):
        if namespace(child.tag) != SR_NS:
            raise r.fail(
                f"unexpected element {local_name(child.tag)} in ReadInventory", child, child_path
            )
        # A structured criterion (not modelled) is kept by name; DeviceIDs inside it are read.
        criteria.append(_located(r, child, child_path))
        device_ids += _device_ids(r, child, child_path)
    if not criteria:
        raise r.fail("ReadInventory must hold a search criterion", element, path)
    return ReadInventory(
        criteria=tuple(criteria),
        path=path,
        offset=r.offset(element),
        device_ids=tuple(device_ids),
    )


def _first(element: Element, name: str) -> Element | None:
    return element.find(f"{{{DS_NS}}}{name}")


def _algorithm(element: Element | None) -> str | None:
    return None if element is None else element.get("Algorithm")


def _signature(r: _Reader, element: Element, path: str) -> SignatureInfo:
    r.element_only(element, path)
    signed_info = _first(element, "SignedInfo")
    value = _first(element, "SignatureValue")
    if signed_info is None or value is None:
        missing = "SignedInfo" if signed_info is None else "SignatureValue"
        raise r.fail(f"ds:Signature lacks ds:{missing}", element, f"{path}/{missing}")
    reference = _first(signed_info, "Reference")
    if reference is None:
        raise r.fail(
            "ds:SignedInfo lacks ds:Reference", signed_info, f"{path}/SignedInfo/Reference"
        )
    digest = _first(reference, "DigestValue")
    if digest is None:
        raise r.fail(
            "ds:Reference lacks ds:DigestValue",
            reference,
            f"{path}/SignedInfo/Reference/DigestValue",
        )
    transforms_el = _first(reference, "Transforms")
    transforms = (
        ()
        if transforms_el is None
        else tuple(t.get("Algorithm", "") for t in transforms_el.findall(f"{{{DS_NS}}}Transform"))
    )
    issuer = element.find(f"{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509IssuerSerial")
    issuer_name = serial = None
    if issuer is not None:
        name_el = _first(issuer, "X509IssuerName")
        serial_el = _first(issuer, "X509SerialNumber")
        issuer_name = None if name_el is None else (name_el.text or "").strip()
        serial = None if serial_el is None else (serial_el.text or "").strip()
    return SignatureInfo(
        canonicalization=_algorithm(_first(signed_info, "CanonicalizationMethod")),
        signature_method=_algorithm(_first(signed_info, "SignatureMethod")),
        digest_method=_algorithm(_first(reference, "DigestMethod")),
        transforms=transforms,
        reference_uri=reference.get("URI"),
        digest_value="".join((digest.text or "").split()),
        signature_value="".join((value.text or "").split()),
        issuer_name=issuer_name,
        serial_number=serial,
        path=path,
        offset=r.offset(element),
    )


def parse_request(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DuisRequest:
    """Read a DUIS ``sr:Request`` safely into typed records.

    Raises :class:`DecodeError` (with ``offset`` and ``path``) for input over ``max_bytes``
    (1 MiB by default, an assumption), any DTD or entity declaration, XML that is not
    well-formed, a root that is not ``Request`` in the ServiceUserGateway namespace, and any
    violation of the schema's element structure. Field values are checked by
    :func:`check_request`. Arguments of the wrong type raise :class:`InvalidValueError`.
    """
    require_type(data, "data", (bytes, bytearray, memoryview, str), "bytes or str")
    require_int(max_bytes, "max_bytes", minimum=1)
    parsed = parse_xml(data, max_bytes=max_bytes)
    r = _Reader(parsed)
    root = parsed.root
    root_name = local_name(root.tag)
    root_path = f"/{root_name}"
    if namespace(root.tag) != SR_NS or root_name != "Request":
        got = namespace(root.tag) or "no namespace"
        raise r.fail(
            f"root element must be Request in namespace {SR_NS}, not {root_name} ({got})",
            root,
            root_path,
        )
    if "schemaVersion" not in root.attrib:
        raise r.fail("Request lacks the required attribute schemaVersion", root, root_path)
    schema_version = Text(
        "schemaVersion", root.attrib["schemaVersion"], f"{root_path}/@schemaVersion", r.offset(root)
    )
    r.element_only(root, root_path)
    children = list(root)
    spec: list[tuple[str, str]] = [(SR_NS, "Header"), (SR_NS, "Body"), (DS_NS, "Signature")]
    for i, child in enumerate(children):
        child_path = f"{root_path}/{local_name(child.tag)}"
        expected = (namespace(child.tag), local_name(child.tag))
        if i >= len(spec) or expected != spec[i]:
            if expected in spec:
                message = f"{expected[1]} is out of order or repeated in Request"
            else:
                message = (
                    f"unexpected element {expected[1]} ({expected[0] or 'no namespace'}) in Request"
                )
            raise r.fail(message, child, child_path)
    if len(children) < 2:
        missing = "Header" if not children else "Body"
        raise r.fail(
            f"Request lacks the required element {missing}", root, f"{root_path}/{missing}"
        )
    header = _header(r, children[0], f"{root_path}/Header")
    body_element, body_path = r.single_child(children[1], f"{root_path}/Body")
    body_name = local_name(body_element.tag)
    body: Body
    if namespace(body_element.tag) != SR_NS:
        raise r.fail(
            f"Body element {body_name} is not in namespace {SR_NS}", body_element, body_path
        )
    if body_name == "DevicePrenotification":
        body = _prenotification(r, body_element, body_path)
    elif body_name == "UpdateInventory":
        body = _update(r, body_element, body_path)
    elif body_name == "ReadInventory":
        body = _read_inventory(r, body_element, body_path)
    else:
        body = OtherBody(element=body_name, path=body_path, offset=r.offset(body_element))
    signature = None
    if len(children) == 3:
        signature = _signature(r, children[2], f"{root_path}/Signature")
    return DuisRequest(
        schema_version=schema_version,
        header=header,
        body=body,
        signature=signature,
        size=parsed.size,
    )
