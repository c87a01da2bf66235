"""The GBCS ASN.1 structures per use case, and matching a :class:`Tlv` tree against them.

Field names follow the GBCS ASN.1 modules as the reference parser (gbcs-parser ``asn1.ts``)
and GBCS v1.0 Annex 3 spell them; the structures of CS02f, CS02g and CS09, which the reference
leaves undecoded, are the CS02a, CS02b and CS08-alert structures (every octet of every RTDS
payload of those use cases matches them). A schema either matches a whole TLV tree, giving a
named :class:`~secrules.core.tree.Node` tree and a typed value, or does not match at all.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import attrs
from cryptography import x509

from secrules.asn1.names import asn1_names
from secrules.asn1.tlv import Tlv, parse_generalized_time
from secrules.core.tree import Node
from secrules.gbcs.alert_codes import alert_code_name

__all__ = ["STRUCTURES", "CertificateInfo", "Named", "Record", "Structure", "structures_for"]


@attrs.frozen
class Named:
    """An INTEGER or ENUMERATED value with its name (None when the value is not tabled)."""

    value: int
    name: str | None = None

    def __int__(self) -> int:
        return self.value

    def __str__(self) -> str:
        return str(self.value) if self.name is None else f"{self.name} ({self.value})"


@attrs.frozen
class Record:
    """A decoded SEQUENCE: its fields in order, by name (absent OPTIONAL fields left out)."""

    kind: str
    fields: tuple[tuple[str, object], ...]

    def __getitem__(self, name: str) -> object:
        for key, value in self.fields:
            if key == name:
                return value
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self.fields)

    def get(self, name: str, default: object = None) -> object:
        """The field ``name``, or ``default`` when absent."""
        for key, value in self.fields:
            if key == name:
                return value
        return default

    def keys(self) -> tuple[str, ...]:
        """The field names present, in order."""
        return tuple(key for key, _ in self.fields)


@attrs.frozen
class CertificateInfo:
    """An embedded X.509 certificate, loaded with ``cryptography``."""

    certificate: x509.Certificate = attrs.field(repr=False)
    subject: str
    issuer: str
    serial: int
    key_usage: tuple[str, ...]

    @classmethod
    def of(cls, cert: x509.Certificate) -> CertificateInfo:
        """Read subject, issuer, serial number and key usage from ``cert``."""
        try:
            ext = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            usage: tuple[str, ...] = ()
        else:
            usage = tuple(
                name
                for name in (
                    "digital_signature",
                    "content_commitment",
                    "key_encipherment",
                    "data_encipherment",
                    "key_agreement",
                    "key_cert_sign",
                    "crl_sign",
                )
                if getattr(ext, name)
            )
        return cls(
            cert,
            cert.subject.rfc4514_string(),
            cert.issuer.rfc4514_string(),
            cert.serial_number,
            usage,
        )

    def __str__(self) -> str:
        usage = ", ".join(self.key_usage) or "no key usage"
        subject = self.subject or "(empty)"
        return f"subject {subject}; issuer {self.issuer}; serial {self.serial:X}; {usage}"


class _Mismatch(Exception):  # noqa: N818 - private control flow, never escapes this module
    """The TLV does not have the shape the schema asks for."""


def _node(  # noqa: PLR0917 - positional, as Node's fields
    name: str, tlv: Tlv, at: int, value: object, text: str, children: Iterable[Node] = ()
) -> Node:
    return Node(name, (tlv.offset or 0) + at, tlv.encode(), value, text, tuple(children))


#: What a schema's ``_build`` gives: the node (None when only the value was asked for), value.
_Built = tuple[Node | None, object]


@attrs.frozen
class _Schema:
    name: str
    tag: int
    optional: bool = attrs.field(default=False, kw_only=True)

    def accepts(self, tag: int) -> bool:
        return tag == self.tag

    def build(self, tlv: Tlv, at: int | None) -> _Built:
        """The typed value, and with ``at`` the node (offsets moved by ``at``); _Mismatch."""
        if not self.accepts(tlv.tag):
            raise _Mismatch
        return self._build(tlv, at)

    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        raise NotImplementedError


def _int(tlv: Tlv) -> int:
    if not tlv.content:
        raise _Mismatch
    return int.from_bytes(tlv.content, "big", signed=True)


@attrs.frozen
class _Int(_Schema):
    enum: str | None = attrs.field(default=None, kw_only=True)
    default: int | None = attrs.field(default=None, kw_only=True)

    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        value = _int(tlv)
        if self.enum is None:
            return None if at is None else _node(self.name, tlv, at, value, ""), value
        named = Named(value, asn1_names().name(self.enum, value))
        if at is None:
            return None, named
        return _node(self.name, tlv, at, named, str(named) if named.name else ""), named


@attrs.frozen
class _AlertCode(_Schema):
    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        value = _int(tlv)
        named = Named(value, alert_code_name(value) if 0 <= value <= 0xFFFF else None)
        if at is None:
            return None, named
        text = f"{named.name} (0x{value:04X})" if named.name else f"0x{value:04X}"
        return _node(self.name, tlv, at, named, text), named


@attrs.frozen
class _Octets(_Schema):
    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        content = tlv.content
        return None if at is None else _node(self.name, tlv, at, content, ""), content


@attrs.frozen
class _Null(_Schema):
    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        if tlv.content:
            raise _Mismatch
        return None if at is None else _node(self.name, tlv, at, None, "NULL"), None


@attrs.frozen
class _Time(_Schema):
    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        when = parse_generalized_time(tlv.content)
        if when is None:
            raise _Mismatch
        if at is None:
            return None, when
        return _node(self.name, tlv, at, when, when.strftime("%Y-%m-%d %H:%M:%SZ")), when


@attrs.frozen
class _Bits(_Schema):
    """A BIT STRING named bit by bit (bit 0 is the most significant bit of the first octet)."""

    enum: str = attrs.field(default="KeyUsage", kw_only=True)

    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        content = tlv.content
        if not content or content[0] > 7 or (len(content) == 1 and content[0]):
            raise _Mismatch
        total = (len(content) - 1) * 8 - content[0]
        names = asn1_names()
        bits = tuple(
            names.name(self.enum, i) or f"bit {i}"
            for i in range(total)
            if content[1 + i // 8] & (0x80 >> (i % 8))
        )
        if at is None:
            return None, bits
        return _node(self.name, tlv, at, bits, ", ".join(bits) or "no bits set"), bits


@attrs.frozen
class _Cert(_Schema):
    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        info, text = _certificate(tlv.encode())
        if at is None:
            return None, info
        return _node(self.name, tlv, at, info, text, _generic_children(tlv, at)), info


#: What ``cryptography`` raises for DER it cannot read: ValueError mostly, but a bad version is
#: InvalidVersion, and a malformed name or extension surfaces, when first read, as TypeError or
#: one of its own exceptions (none of them a ValueError).
_X509_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


@functools.lru_cache(maxsize=64)
def _certificate(der: bytes) -> tuple[CertificateInfo | None, str]:
    """The certificate ``der`` holds, and its text (None and why when it does not load).

    Cached by its octets: the same few certificates recur across payloads (17 distinct ones
    in the 61 that RTDS's ASN.1 payloads carry), and reading their names is the costly part.
    """
    try:
        info = CertificateInfo.of(x509.load_der_x509_certificate(der))
    except _X509_ERRORS as exc:
        return None, f"certificate that does not load ({exc})"
    return info, str(info)


@attrs.frozen
class _Csr(_Schema):
    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        try:
            csr = x509.load_der_x509_csr(tlv.encode())
            subject = csr.subject.rfc4514_string()
        except _X509_ERRORS as exc:
            raise _Mismatch from exc
        if at is None:
            return None, csr
        text = f"PKCS #10 certification request, subject {subject}"
        return _node(self.name, tlv, at, csr, text, _generic_children(tlv, at)), csr


@attrs.frozen
class _Seq(_Schema):
    fields: tuple[_Schema, ...] = attrs.field(default=(), kw_only=True)
    kind: str = attrs.field(default="", kw_only=True)

    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        items = tlv.children or ()
        nodes: list[Node] = []
        values: list[tuple[str, object]] = []
        i = 0
        for field in self.fields:
            if i < len(items) and field.accepts(items[i].tag):
                try:
                    node, value = field._build(items[i], at)  # its tag was accepted above
                except _Mismatch:
                    if not field.optional:
                        raise
                else:
                    if node is not None:
                        nodes.append(node)
                    values.append((field.name, value))
                    i += 1
                    continue
            if not field.optional:
                raise _Mismatch
            if isinstance(field, _Int) and field.default is not None:
                values.append((field.name, Named(field.default, _enum_name(field))))
        if i != len(items):
            raise _Mismatch
        record = Record(self.kind or self.name, tuple(values))
        return None if at is None else _node(self.name, tlv, at, None, "", nodes), record


def _enum_name(field: _Int) -> str | None:
    if field.enum is None or field.default is None:
        return None
    return asn1_names().name(field.enum, field.default)


@attrs.frozen
class _SeqOf(_Schema):
    item: _Schema = attrs.field(kw_only=True)

    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        item = self.item
        children = tlv.children or ()
        if at is None:
            return None, tuple(item.build(child, None)[1] for child in children)
        nodes: list[Node] = []
        values: list[object] = []
        for i, child in enumerate(children):
            node, value = _renamed(item, i).build(child, at)
            assert node is not None  # noqa: S101 - built with an offset
            nodes.append(node)
            values.append(value)
        return _node(self.name, tlv, at, None, f"{len(nodes)} items", nodes), tuple(values)


@functools.lru_cache(maxsize=1024)
def _renamed(item: _Schema, index: int) -> _Schema:
    """``item`` named ``[index]`` (the element of a SEQUENCE OF), made once."""
    return attrs.evolve(item, name=f"[{index}]")


@attrs.frozen
class _Choice(_Schema):
    alternatives: tuple[_Schema, ...] = attrs.field(default=(), kw_only=True)

    def accepts(self, tag: int) -> bool:
        return any(alt.accepts(tag) for alt in self.alternatives)

    def _build(self, tlv: Tlv, at: int | None) -> _Built:
        for alt in self.alternatives:
            if alt.accepts(tlv.tag):
                try:
                    return alt.build(tlv, at)
                except _Mismatch:
                    continue
        raise _Mismatch


# --------------------------------------------------------------------------------------------
# Generic rendering of any TLV (the fallback, and the inside of certificates).


def _type_names() -> tuple[str, ...]:
    names = []
    for tag in range(256):
        probe = object.__new__(Tlv)
        object.__setattr__(probe, "tag", tag)
        names.append(probe.type_name)
    return tuple(names)


#: ``Tlv.type_name`` of every identifier octet, made once (read for every generic node).
_TYPE_NAMES = _type_names()
_LABELS = tuple(f"[{i}]" for i in range(64))


def generic_node(name: str, tlv: Tlv, at: int = 0) -> Node:
    """A node for any TLV: universal values typed, constructed values with ``[i]`` children.

    Offsets are the TLVs' own, moved by ``at``.
    """
    tag = tlv.tag
    kind = _TYPE_NAMES[tag]
    raw = tlv.encode()
    offset = (tlv.offset or 0) + at
    children = tlv.children
    if children is not None:
        labels = _LABELS if len(children) <= len(_LABELS) else None
        nodes = [
            generic_node(labels[i] if labels else f"[{i}]", child, at)
            for i, child in enumerate(children)
        ]
        return Node(name, offset, raw, None, kind, nodes)
    content = tlv.content
    value: object = content
    text = kind
    if tag in {0x02, 0x0A} and content:
        value = tlv.integer()
        text = f"{kind} {value}"
    elif tag == 0x05 and not content:
        value = None
    elif tag == 0x18:
        when = parse_generalized_time(content)
        if when is not None:
            value, text = when, f"{kind} {when.strftime('%Y-%m-%d %H:%M:%SZ')}"
    elif tag in {0x0C, 0x13, 0x16}:
        try:
            value = content.decode("utf-8")
        except UnicodeDecodeError:
            value = content
        else:
            text = f"{kind} {value!r}"
    return Node(name, offset, raw, value, text)


def _generic_children(tlv: Tlv, at: int) -> list[Node]:
    return [generic_node(f"[{i}]", child, at) for i, child in enumerate(tlv.children or ())]


# --------------------------------------------------------------------------------------------
# The structures (GBCS ASN.1 modules; names as in gbcs-parser asn1.ts and GBCS v1.0 Annex 3).

_SEQ, _INT, _OCT, _NULL, _ENUM, _TIME, _BITS = 0x30, 0x02, 0x04, 0x05, 0x0A, 0x18, 0x03


def _ta_cell(name: str, tag: int = _SEQ, *, optional: bool = False) -> _Seq:
    return _Seq(
        name,
        tag,
        optional=optional,
        kind="TrustAnchorCellIdentifier",
        fields=(
            _Int("remotePartyRole", _INT, enum="RemotePartyRole"),
            _Bits("keyUsage", _BITS),
            _Int("cellUsage", _INT, enum="CellUsage", optional=True, default=0),
        ),
    )


def _seq_of(name: str, item: _Schema, tag: int = _SEQ, *, optional: bool = False) -> _SeqOf:
    return _SeqOf(name, tag, optional=optional, item=item)


_SPECIALIST = _Seq(
    "item",
    _SEQ,
    kind="SpecialistSeqNumber",
    fields=(_Int("seqNumberUsage", _INT, enum="SeqNumberUsage"), _Int("seqNumber", _INT)),
)
_SEQ_CHANGE = _Seq(
    "item",
    _SEQ,
    kind="RemotePartySeqNumberChange",
    fields=(
        _Int("remotePartyRole", _INT, enum="RemotePartyRole"),
        _Int("floorSeqNumber", _INT),
        _seq_of("specialistFloorSeqNumber", _SPECIALIST, optional=True),
    ),
)
_DEVICE_LOG_ENTRY = _Seq(
    "item",
    _SEQ,
    kind="DeviceLogEntry",
    fields=(_Octets("deviceId", _OCT), _Int("deviceType", _INT, enum="DeviceType")),
)
_CERT = _Cert("certificate", _SEQ)
_ALERT_CODE = _AlertCode("alertCode", _INT)
_EXEC_TIME = _Time("executionDateTime", _TIME)

_CS02A_COMMAND = _Seq(
    "provideSecurityCredentialDetailsCommand",
    _SEQ,
    fields=(
        _ta_cell("authorisingRemotePartyTACellIdentifier"),
        _seq_of(
            "remotePartyRolesCredentialsRequired",
            _Int("item", _INT, enum="RemotePartyRole"),
        ),
    ),
)
_CS02A_RESPONSE = _seq_of(
    "provideSecurityCredentialDetailsResponse",
    _Seq(
        "item",
        _SEQ,
        kind="RemotePartyDetails",
        fields=(
            _Int("remotePartyRole", _INT, enum="RemotePartyRole"),
            _Int("statusCode", _ENUM, enum="StatusCode"),
            _Int("currentSeqNumber", _INT, optional=True),
            _seq_of(
                "trustAnchorCellDetails",
                _Seq(
                    "item",
                    _SEQ,
                    kind="TrustAnchorCellContents",
                    fields=(
                        _Bits("keyUsage", _BITS),
                        _Int("cellUsage", _INT, enum="CellUsage", optional=True, default=0),
                        _Octets("subjectUniqueID", _OCT),
                        _Octets("subjectKeyIdentifier", _OCT),
                    ),
                ),
                optional=True,
            ),
        ),
    ),
)
_CS02B_OUTCOME = _Seq(
    "executionOutcome",
    _SEQ,
    kind="UpdateSecurityCredentialsExecutionOutcome",
    fields=(
        _Int("authorisingRemotePartySeqNumber", _INT),
        _Int("credentialsReplacementMode", _INT, enum="CredentialsReplacementMode"),
        _seq_of("remotePartySeqNumberChanges", _SEQ_CHANGE),
        _seq_of(
            "replacementOutcomes",
            _Seq(
                "item",
                _SEQ,
                kind="ReplacementOutcome",
                fields=(
                    _ta_cell("affectedTrustAnchorCell"),
                    _Int("statusCode", _ENUM, enum="StatusCode"),
                    _Octets("existingSubjectUniqueID", _OCT),
                    _Octets("existingSubjectKeyID", _OCT),
                    _Octets("replacingSubjectUniqueID", _OCT),
                    _Octets("replacingSubjectKeyID", _OCT),
                ),
            ),
        ),
    ),
)
_CS02B_COMMAND = _Seq(
    "updateSecurityCredentialsCommand",
    _SEQ,
    fields=(
        _Seq(
            "authorisingRemotePartyControl",
            _SEQ,
            fields=(
                _Int("credentialsReplacementMode", _INT, enum="CredentialsReplacementMode"),
                _Octets("plaintextSymmetricKey", 0x80, optional=True),
                _Int(
                    "applyTimeBasedCPVChecks", 0x81, enum="ApplyTimeBasedCPVChecks", optional=True
                ),
                _ta_cell("authorisingRemotePartyTACellIdentifier", 0xA2, optional=True),
                _Int("authorisingRemotePartySeqNumber", 0x83),
                _Int("newRemotePartyFloorSeqNumber", 0x84, optional=True),
                _seq_of("newRemotePartySpecialistFloorSeqNumber", _SPECIALIST, 0xA5, optional=True),
                _seq_of("otherRemotePartySeqNumberChanges", _SEQ_CHANGE, 0xA6, optional=True),
            ),
        ),
        _seq_of(
            "replacements",
            _Seq(
                "item",
                _SEQ,
                kind="TrustAnchorReplacement",
                fields=(_CERT, _ta_cell("targetTrustAnchorCell")),
            ),
        ),
        _seq_of("certificationPathCertificates", _CERT),
        _Time("executionDateTime", _TIME, optional=True),
    ),
)
_CS02B_RESPONSE = _Seq(
    "updateSecurityCredentialsResponse",
    _SEQ,
    fields=(_Null("commandAccepted", _NULL), attrs.evolve(_CS02B_OUTCOME, optional=True)),
)
_CS02B_ALERT = _Seq(
    "updateSecurityCredentialsAlert",
    _SEQ,
    fields=(_ALERT_CODE, _EXEC_TIME, _CS02B_OUTCOME),
)
_KEY_USAGE_COMMAND = (_Bits("keyUsage", _BITS), _Time("executionDateTime", _TIME, optional=True))
_CS02C_COMMAND = _Seq("issueSecurityCredentialsCommand", _SEQ, fields=_KEY_USAGE_COMMAND)
_CS02C_RESPONSE = _Choice(
    "issueSecurityCredentialsResponse",
    -1,
    alternatives=(
        _Csr("certificationRequest", _SEQ),
        _Int("responseCode", _INT, enum="IssueCredentialsResponseCode"),
    ),
)
_CS02D_COMMAND = _Cert("updateDeviceCertificateCommand", _SEQ)
_CS02D_RESPONSE = _Int("responseCode", _INT, enum="UpdateCertificateResponseCode")
_CS02E_COMMAND = _Seq("provideDeviceCertificateCommand", _SEQ, fields=_KEY_USAGE_COMMAND)
_CS02E_RESPONSE = _Choice(
    "provideDeviceCertificateResponse",
    -1,
    alternatives=(
        _Cert("certificate", _SEQ),
        _Int("responseCode", _INT, enum="ProvideCertificateResponseCode"),
    ),
)
_CS03_COMMAND = _Seq(
    "joinDeviceCommand",
    _SEQ,
    fields=(
        _Int("joinMethodAndRole", _INT, enum="JoinMethodAndRole"),
        _Octets("entityId", _OCT),
        _Int("deviceType", _INT, enum="DeviceType"),
        _Cert("otherDeviceCertificate", _SEQ, optional=True),
    ),
)
_CS03_RESPONSE = _Int("responseCode", _INT, enum="JoinResponseCode")
_CS04_COMMAND = _Octets("entityId", _OCT)
_CS04_RESPONSE = _Int("responseCode", _INT, enum="UnjoinResponseCode")
_CS06_OUTCOME = _Seq(
    "executionOutcome",
    _SEQ,
    kind="ActivateFirmwareExecutionOutcome",
    fields=(
        _Int("activateImageResponseCode", _INT, enum="ActivateImageResponseCode"),
        _Octets("firmwareVersion", _OCT),
    ),
)
_CS06_COMMAND = _Seq(
    "activateFirmwareCommand",
    _SEQ,
    fields=(
        _Octets("manufacturerImageHash", _OCT),
        _Int("originatorCounter", _INT),
        _Time("executionDateTime", _TIME, optional=True),
    ),
)
_CS06_RESPONSE = _Choice(
    "activateFirmwareResponse",
    -1,
    alternatives=(_Null("commandAccepted", _NULL), _CS06_OUTCOME),
)
_CS06_ALERT = _Seq(
    "activateFirmwareAlert",
    _SEQ,
    fields=(_ALERT_CODE, _EXEC_TIME, _Int("originatorCounter", _INT), _CS06_OUTCOME),
)
_CS07_COMMAND = _Null("readDeviceJoinDetailsCommand", _NULL)
_CS07_RESPONSE = _Seq(
    "readDeviceJoinDetailsResponse",
    _SEQ,
    fields=(
        _Int("responseCode", _INT, enum="ReadDeviceJoinDetailsResponseCode"),
        _seq_of("deviceLogEntries", _DEVICE_LOG_ENTRY, optional=True),
    ),
)
_CS08_COMMAND = _Null("readFirmwareVersionCommand", _NULL)
_CS08_RESPONSE = _Seq(
    "readFirmwareVersionResponse",
    _SEQ,
    fields=(
        _Octets("firmwareVersion", _OCT),
        _Int("responseCode", _INT, enum="FirmwareVersionResponseCode"),
    ),
)
_CS09_ALERT = _Seq(
    "readFirmwareVersionAlert",
    _SEQ,
    fields=(
        _ALERT_CODE,
        _EXEC_TIME,
        _Octets("firmwareVersion", _OCT),
        _Int("activateImage", _INT, enum="ActivateImageOutcome"),
    ),
)
_CCS08_ALERT = _Seq(
    "firmwareTransferAlert",
    _SEQ,
    fields=(
        _ALERT_CODE,
        _EXEC_TIME,
        _Octets("entityId", _OCT),
        _Octets("firmwareVersion", _OCT),
        _Int("responseCode", _INT, enum="FirmwareTransferResponseCode"),
    ),
)
_GCS28_COMMAND = _Seq(
    "setTimeCommand",
    _SEQ,
    fields=(_Time("validityIntervalStart", _TIME), _Time("validityIntervalEnd", _TIME)),
)
_GCS28_RESPONSE = _Seq(
    "setTimeResponse",
    _SEQ,
    fields=(
        _Time("deviceTime", _TIME),
        _Int("deviceTimeStatus", _INT, enum="DeviceTimeStatus"),
    ),
)
_GCS59_COMMAND = _Seq(
    "gpfDeviceLogRestoreCommand", _SEQ, fields=(_seq_of("deviceLogEntries", _DEVICE_LOG_ENTRY),)
)
_GCS59_RESPONSE = _Seq(
    "gpfDeviceLogRestoreResponse",
    _SEQ,
    fields=(
        _seq_of(
            "restoreOutcomes",
            _Seq(
                "item",
                _SEQ,
                kind="RestoreOutcome",
                fields=(
                    attrs.evolve(_DEVICE_LOG_ENTRY, name="deviceLogEntry"),
                    _Int("joinResponseCode", _INT, enum="JoinResponseCode"),
                ),
            ),
        ),
    ),
)
_GCS62_ALERT = _Seq(
    "gpfDeviceLogBackupAlert",
    _SEQ,
    fields=(
        _ALERT_CODE,
        _Time("backupDateTime", _TIME),
        _seq_of("deviceLogEntries", _DEVICE_LOG_ENTRY),
    ),
)


@attrs.frozen
class Structure:
    """One typed structure: the use case, the direction, and the message codes that carry it."""

    use_case: str
    direction: str
    codes: tuple[int, ...]
    schema: _Schema = attrs.field(repr=False)

    @property
    def name(self) -> str:
        """``CS02b command``."""
        return f"{self.use_case} {self.direction}"


_CS02A = (0x0008,)
_CS02F = (0x011B,)
_CS02B = tuple(range(0x0100, 0x010A))
_CS02G = (0x0125, 0x0126)
_CS03 = (0x000D, 0x00AB, 0x000E, 0x00AF)
_CS04 = (0x000F, 0x0010)

#: Every typed structure, in the order they are tried for a message code.
STRUCTURES: tuple[Structure, ...] = (
    Structure("CS02a", "command", _CS02A, _CS02A_COMMAND),
    Structure("CS02a", "response", _CS02A, _CS02A_RESPONSE),
    Structure("CS02f", "command", _CS02F, _CS02A_COMMAND),
    Structure("CS02f", "response", _CS02F, _CS02A_RESPONSE),
    Structure("CS02b", "command", _CS02B, _CS02B_COMMAND),
    Structure("CS02b", "response", _CS02B, _CS02B_RESPONSE),
    Structure("CS02b", "alert", (0x00CB,), _CS02B_ALERT),
    Structure("CS02g", "command", _CS02G, _CS02B_COMMAND),
    Structure("CS02g", "response", _CS02G, _CS02B_RESPONSE),
    Structure("CS02g", "alert", (0x0124,), _CS02B_ALERT),
    Structure("CS02c", "command", (0x000A,), _CS02C_COMMAND),
    Structure("CS02c", "response", (0x000A,), _CS02C_RESPONSE),
    Structure("CS02d", "command", (0x000B,), _CS02D_COMMAND),
    Structure("CS02d", "response", (0x000B,), _CS02D_RESPONSE),
    Structure("CS02e", "command", (0x000C,), _CS02E_COMMAND),
    Structure("CS02e", "response", (0x000C,), _CS02E_RESPONSE),
    Structure("CS03", "command", _CS03, _CS03_COMMAND),
    Structure("CS03", "response", _CS03, _CS03_RESPONSE),
    Structure("CS04", "command", _CS04, _CS04_COMMAND),
    Structure("CS04", "response", _CS04, _CS04_RESPONSE),
    Structure("CS06", "command", (0x0012,), _CS06_COMMAND),
    Structure("CS06", "response", (0x0012,), _CS06_RESPONSE),
    Structure("CS06", "alert", (0x00CA,), _CS06_ALERT),
    Structure("CS07", "command", (0x0013,), _CS07_COMMAND),
    Structure("CS07", "response", (0x0013,), _CS07_RESPONSE),
    Structure("CS08", "command", (0x0129,), _CS08_COMMAND),
    Structure("CS08", "response", (0x0129,), _CS08_RESPONSE),
    Structure("CS09", "alert", (0x012B,), _CS09_ALERT),
    Structure("CCS08", "alert", (0x0128,), _CCS08_ALERT),
    Structure("GCS28", "command", (0x007F,), _GCS28_COMMAND),
    Structure("GCS28", "response", (0x007F,), _GCS28_RESPONSE),
    Structure("GCS59", "command", (0x008C,), _GCS59_COMMAND),
    Structure("GCS59", "response", (0x008C,), _GCS59_RESPONSE),
    Structure("GCS62", "alert", (0x00B2,), _GCS62_ALERT),
)

_BY_CODE: Mapping[int, tuple[Structure, ...]] = {
    code: tuple(s for s in STRUCTURES if code in s.codes)
    for code in sorted({c for s in STRUCTURES for c in s.codes})
}


def structures_for(message_code: int) -> tuple[Structure, ...]:
    """The structures a message code's use case carries (empty when it carries no ASN.1)."""
    return _BY_CODE.get(message_code, ())


def match(structure: Structure, tlv: Tlv, at: int = 0) -> tuple[Node, object] | None:
    """The named tree and typed value of ``tlv`` read as ``structure``, or None.

    The tree's offsets are the TLVs' own, moved by ``at``.
    """
    try:
        node, value = structure.schema.build(tlv, at)
    except _Mismatch:
        return None
    assert node is not None  # noqa: S101 - built with an offset
    return node, value


def match_value(structure: Structure, tlv: Tlv) -> tuple[object] | None:
    """The typed value of ``tlv`` read as ``structure`` (in a 1-tuple), or None.

    :func:`match` without building the tree (None when the TLV does not match).
    """
    try:
        return (structure.schema.build(tlv, None)[1],)
    except _Mismatch:
        return None
