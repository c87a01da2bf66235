"""GBCS message framing: General Ciphering (MAC header) and General Signing APDUs.

Implements the byte layout of GBCS 7.2.5 (MAC header) and 7.2.7 (Grouping Header), as laid out
in the project spec ``gbcs-messages-and-ecdsa.md`` sections 2-4 (rows W1-W4 and A1-A10). Four
wire shapes are accepted (:class:`~secrules.gbcs.types.MessageShape`):

* ``DD 00 ...`` General Ciphering around a General Signing APDU, then a 12-octet MAC;
* ``DF ... 40 <64 octets>`` a bare signed APDU;
* ``DF ...`` a pre-command, with no signature field;
* ``DF ... 00`` an APDU with a zero signature length.

:func:`parse_message` decodes bytes (or hex / base64 text) into a frozen :class:`GbcsMessage`;
:func:`encode_message` writes it back, and ``encode_message(parse_message(x)) == x`` for every
accepted ``x``. Lengths use :mod:`secrules.dlms.lengths` (DER-style, minimal only). Anything
else raises :class:`~secrules.errors.DecodeError` carrying the field path
(``apdu.recipient_system_title.length``) and the byte offset.

The layout is declared field by field with construct (:data:`APDU_LAYOUT`,
:data:`MAC_HEADER_LAYOUT`, :data:`MACD_LAYOUT`). The hot path reads the same fields with one
precompiled :mod:`struct` format and slicing (measured: about 3 µs per message against about
30 µs through the field-by-field reader; see docs/performance.md). Any input the fast reader does
not accept outright goes through the field-by-field reader, which names the failing field path
and offset. tests/gbcs/test_framing_fast.py checks that the construct declaration, the fast
reader and the field-by-field reader agree. Derived views (:attr:`GbcsMessage.fields` and the
re-encoding) are computed when first asked for, so verifying a signature needs none of them.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
import struct
from typing import Any, Final

import attrs
import construct as cs

from secrules.dlms.access import AccessRequest, AccessResponse, decode_access
from secrules.dlms.cosem import CosemDateTime
from secrules.dlms.lengths import decode_length, encode_length
from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs.message_codes import use_case_name
from secrules.gbcs.types import CraFlag, Eui64, FieldSpan, MessageShape

__all__ = [
    "APDU_LAYOUT",
    "MACD_LAYOUT",
    "MAC_HEADER_LAYOUT",
    "MAC_LENGTH",
    "SIGNATURE_LENGTH",
    "GbcsMessage",
    "decode_text",
    "encode_message",
    "parse_message",
]

#: Truncated GMAC tag length (GBCS 7.2.5; spec row W4).
MAC_LENGTH = 12
#: Plain-format ECDSA P-256 signature, r || s (spec E2; row A10).
SIGNATURE_LENGTH = 64

# --- The layout, field by field (spec section 3). -------------------------------------------
# Fixed octets are checked octet by octet so that an error names the first wrong offset;
# numbers are read and written with construct's fixed-width big-endian integers.
_GENERAL_CIPHERING = b"\xdd\x00\x00\x00\x00\x00\x00"  # W1: tag + six empty header fields
_SECURITY_CONTROL = b"\x11"  # W3: security control (authentication only, suite 1)
_INVOCATION_COUNTER = cs.Int32ub  # W3: 4-octet invocation counter (0 in every RTDS message)
_GENERAL_SIGNING = b"\xdf"  # A1
_TRANSACTION_ID_LENGTH = b"\x09"  # A2: CRA flag (1) + originator counter (8)
_CRA_FLAG = cs.Int8ub  # A3
_COUNTER = cs.Int64ub  # A4, and the 8-octet counters of A8
_SYSTEM_TITLE_LENGTH = b"\x08"  # A5, A6
_DATE_TIME_LENGTHS = (0, 12)  # A7: absent, or a 12-octet COSEM date-time
_MESSAGE_CODE = cs.Int16ub  # A8 body, first two octets
_SIGNATURE_LENGTHS = (0, SIGNATURE_LENGTH)  # A10 when present

# Other-information body lengths (A8): code; + remote party id; + its counter;
# + supplementary originator counter (26); or + a key-agreement certificate (> 26).
_OI_CODE = 2
_OI_RP_ID = 10
_OI_RP_COUNTER = 18
_OI_ORIG_COUNTER = 26

_MAC_HEADER_FIELDS = 5  # W3 length, counted in W2 together with the APDU and the MAC


_Validator = Callable[[object, "attrs.Attribute[Any]", Any], None]


def _parse_int(con: cs.Construct, raw: bytes) -> int:
    value = con.parse(raw)
    assert isinstance(value, int)  # noqa: S101 - construct's integer fields always return int
    return value


def _build(con: cs.Construct, value: object) -> bytes:
    raw = con.build(value)
    assert isinstance(raw, bytes)  # noqa: S101 - construct's build always returns bytes
    return raw


# --- The message record. ----------------------------------------------------------------------


def _opt_len(size: int, what: str) -> _Validator:
    def check(_inst: object, _attribute: attrs.Attribute[Any], value: bytes | None) -> None:
        if value is not None and (not isinstance(value, bytes) or len(value) != size):
            raise InvalidValueError(f"{what} must be {size} octets or None")

    return check


def _uint(bits: int, what: str) -> _Validator:
    def check(_inst: object, _attribute: attrs.Attribute[Any], value: int | None) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < (1 << bits):
            raise InvalidValueError(f"{what} must be an unsigned {bits}-bit integer")

    return check


def _opt_eui(value: Eui64 | bytes | None) -> Eui64 | None:
    if value is None or isinstance(value, Eui64):
        return value
    return Eui64(bytes(value))


def _eui(value: Eui64 | bytes) -> Eui64:
    return value if isinstance(value, Eui64) else Eui64(bytes(value))


def _cra(value: CraFlag | int) -> CraFlag:
    try:
        return CraFlag(value)
    except ValueError:
        raise InvalidValueError(f"CRA flag must be 1, 2 or 3, not {value!r}") from None


@attrs.frozen
class GbcsMessage:
    """One GBCS message: the General Signing APDU's fields, its wire shape and, if MAC'd, the MAC.

    Construct one directly or with :func:`parse_message`; :func:`encode_message` writes it.
    ``signature`` is ``None`` when the field is absent (pre-command) or has length zero; the
    ``shape`` says which. ``date_time`` is the raw 12-octet COSEM date-time of row A7 (``None``
    when absent). The optional A8 fields follow GBCS 7.2.7: a supplementary remote-party id and
    its counter, then either a supplementary originator counter or a DER key-agreement
    certificate. ``invocation_counter`` is the MAC header's (row W3; 0 for bare APDUs).

    Derived, computed from the encoding: :attr:`encoded`, :attr:`fields` (field path ->
    :class:`FieldSpan`), :attr:`signed_bytes` (rows A2-A9, spec E5), :attr:`content_offset`,
    :attr:`use_case` (from the message-code table).
    """

    shape: MessageShape = attrs.field(converter=MessageShape)
    cra_flag: CraFlag = attrs.field(converter=_cra)
    counter: int = attrs.field(validator=_uint(64, "counter"))
    originator: Eui64 = attrs.field(converter=_eui)
    recipient: Eui64 = attrs.field(converter=_eui)
    message_code: int = attrs.field(validator=_uint(16, "message_code"))
    content: bytes = attrs.field(converter=bytes)
    signature: bytes | None = attrs.field(
        default=None, validator=_opt_len(SIGNATURE_LENGTH, "signature")
    )
    mac: bytes | None = attrs.field(default=None, validator=_opt_len(MAC_LENGTH, "mac"))
    date_time: bytes | None = attrs.field(default=None, validator=_opt_len(12, "date_time"))
    supplementary_remote_party_id: Eui64 | None = attrs.field(default=None, converter=_opt_eui)
    supplementary_remote_party_counter: int | None = attrs.field(
        default=None, validator=_uint(64, "supplementary_remote_party_counter")
    )
    supplementary_originator_counter: int | None = attrs.field(
        default=None, validator=_uint(64, "supplementary_originator_counter")
    )
    ka_certificate: bytes | None = attrs.field(default=None)
    invocation_counter: int = attrs.field(default=0, validator=_uint(32, "invocation_counter"))

    def __attrs_post_init__(self) -> None:
        shape = self.shape
        if (shape is MessageShape.MACD) != (self.mac is not None):
            raise InvalidValueError("a MAC is present exactly when the shape is MACD")
        if shape is MessageShape.SIGNED_APDU and self.signature is None:
            raise InvalidValueError("shape SIGNED_APDU needs a 64-octet signature")
        if shape in (MessageShape.PRE_COMMAND, MessageShape.UNSIGNED_APDU) and self.signature:
            raise InvalidValueError(f"shape {shape.name} carries no signature")
        if shape is not MessageShape.MACD and self.invocation_counter:
            raise InvalidValueError("only a MAC'd message has an invocation counter")
        rp_id = self.supplementary_remote_party_id
        rp_counter = self.supplementary_remote_party_counter
        if rp_counter is not None and rp_id is None:
            raise InvalidValueError("a remote-party counter needs a remote-party id")
        tail = (self.supplementary_originator_counter, self.ka_certificate)
        if any(v is not None for v in tail) and rp_counter is None:
            raise InvalidValueError(
                "a supplementary originator counter or KA certificate needs the remote-party "
                "id and counter before it"
            )
        if all(v is not None for v in tail):
            raise InvalidValueError(
                "supplementary_originator_counter and ka_certificate exclude each other"
            )
        cert = self.ka_certificate
        if cert is not None and (not isinstance(cert, bytes) or len(cert) <= 8):
            raise InvalidValueError("ka_certificate must be bytes longer than 8 octets")

    # -- derived views ----------------------------------------------------------------------

    @functools.cached_property
    def _layout(self) -> tuple[bytes, Mapping[str, FieldSpan]]:
        return _encode(self)

    @property
    def encoded(self) -> bytes:
        """The wire bytes (same as :func:`encode_message`)."""
        return self._layout[0]

    @property
    def fields(self) -> Mapping[str, FieldSpan]:
        """Field path -> byte span in :attr:`encoded`, in wire order.

        Paths: ``mac_header.general_ciphering``, ``mac_header.ciphered_service_length``,
        ``mac_header.security_control``, ``mac_header.invocation_counter`` (MAC'd only);
        ``apdu`` (the whole General Signing APDU), ``apdu.tag``,
        ``apdu.transaction_id.length``, ``apdu.cra_flag``, ``apdu.originator_counter``,
        ``apdu.originator_system_title.length``, ``apdu.originator_system_title``, the same
        two for ``recipient_system_title``, ``apdu.date_time.length`` (and ``apdu.date_time``),
        ``apdu.other_information.length``, ``apdu.other_information``,
        ``apdu.other_information.message_code`` and, when present,
        ``.supplementary_remote_party_id``, ``.supplementary_remote_party_counter``,
        ``.supplementary_originator_counter``, ``.ka_certificate``; ``apdu.content.length``,
        ``apdu.content``, ``apdu.signature.length`` and ``apdu.signature`` when present;
        ``signed`` (the signed span, E5); ``mac`` (MAC'd only).
        """
        return self._layout[1]

    def offset(self, path: str) -> int:
        """Byte offset of the field ``path`` (see :attr:`fields`); KeyError if absent."""
        return self.fields[path].offset

    @property
    def content_offset(self) -> int:
        """Byte offset of the first content octet (row A9 body) in :attr:`encoded`."""
        return self.fields["apdu.content"].offset

    @property
    def signed_bytes(self) -> bytes:
        """The signed span: from the octet after ``DF`` through the last content octet (E5)."""
        span = self.fields["signed"]
        return self.encoded[span.offset : span.end]

    @property
    def apdu(self) -> bytes:
        """The General Signing APDU, from ``DF`` through the signature field (if any)."""
        span = self.fields["apdu"]
        return self.encoded[span.offset : span.end]

    @property
    def is_signed(self) -> bool:
        """True when the message carries a 64-octet signature."""
        return self.signature is not None

    @property
    def date_time_value(self) -> CosemDateTime | None:
        """The row A7 date-time as a :class:`~secrules.dlms.CosemDateTime` (None if absent)."""
        return None if self.date_time is None else CosemDateTime.from_bytes(self.date_time)

    def decode_content(self) -> AccessRequest | AccessResponse | bytes:
        """The payload, decoded by its first octet (spec P3).

        A DLMS ACCESS request (``D9``) or response (``DA``) is decoded with
        :func:`secrules.dlms.decode_access`; any other payload (data-notification, GBZ, ASN.1
        DER...) is returned as raw bytes. A ``D9``/``DA`` payload that does not decode raises
        :class:`DecodeError` with the offset in :attr:`encoded` and a path under
        ``apdu.content``.
        """
        if self.content[:1] not in (b"\xd9", b"\xda"):
            return self.content
        try:
            return decode_access(self.content)
        except DecodeError as exc:
            base = self.content_offset
            raise DecodeError(
                exc.message,
                offset=None if exc.offset is None else base + exc.offset,
                path=f"apdu.content.{exc.path}" if exc.path else "apdu.content",
            ) from None

    @property
    def use_case(self) -> str | None:
        """The GBCS use case of :attr:`message_code` (``"ECS37"``), or None if not tabled."""
        return use_case_name(self.message_code)


# --- Encoding. ------------------------------------------------------------------------------


class _Writer:
    __slots__ = ("base", "fields", "parts", "pos")

    def __init__(self, base: int = 0) -> None:
        self.base = base
        self.pos = base
        self.parts: list[bytes] = []
        self.fields: dict[str, FieldSpan] = {}

    def put(self, path: str | None, raw: bytes) -> None:
        if path is not None:
            self.fields[path] = FieldSpan(self.pos, len(raw))
        self.parts.append(raw)
        self.pos += len(raw)

    def mark(self, path: str, start: int) -> None:
        self.fields[path] = FieldSpan(start, self.pos - start)

    def bytes(self) -> bytes:
        return b"".join(self.parts)


def _other_information(msg: GbcsMessage) -> list[tuple[str, bytes]]:
    items = [("message_code", _build(_MESSAGE_CODE, msg.message_code))]
    if msg.supplementary_remote_party_id is not None:
        items.append(("supplementary_remote_party_id", msg.supplementary_remote_party_id.octets))
    if msg.supplementary_remote_party_counter is not None:
        items.append(
            (
                "supplementary_remote_party_counter",
                _build(_COUNTER, msg.supplementary_remote_party_counter),
            )
        )
    if msg.supplementary_originator_counter is not None:
        items.append(
            (
                "supplementary_originator_counter",
                _build(_COUNTER, msg.supplementary_originator_counter),
            )
        )
    if msg.ka_certificate is not None:
        items.append(("ka_certificate", msg.ka_certificate))
    return items


def _write_apdu(msg: GbcsMessage, w: _Writer) -> None:
    start = w.pos
    w.put("apdu.tag", _GENERAL_SIGNING)
    signed_start = w.pos
    w.put("apdu.transaction_id.length", _TRANSACTION_ID_LENGTH)
    w.put("apdu.cra_flag", _build(_CRA_FLAG, int(msg.cra_flag)))
    w.put("apdu.originator_counter", _build(_COUNTER, msg.counter))
    w.put("apdu.originator_system_title.length", _SYSTEM_TITLE_LENGTH)
    w.put("apdu.originator_system_title", msg.originator.octets)
    w.put("apdu.recipient_system_title.length", _SYSTEM_TITLE_LENGTH)
    w.put("apdu.recipient_system_title", msg.recipient.octets)
    if msg.date_time is None:
        w.put("apdu.date_time.length", b"\x00")
    else:
        w.put("apdu.date_time.length", encode_length(len(msg.date_time)))
        w.put("apdu.date_time", msg.date_time)
    other = _other_information(msg)
    w.put("apdu.other_information.length", encode_length(sum(len(raw) for _, raw in other)))
    oi_start = w.pos
    for name, raw in other:
        w.put(f"apdu.other_information.{name}", raw)
    w.mark("apdu.other_information", oi_start)
    w.put("apdu.content.length", encode_length(len(msg.content)))
    w.put("apdu.content", msg.content)
    w.mark("signed", signed_start)
    if msg.shape is not MessageShape.PRE_COMMAND:
        if msg.signature is None:
            w.put("apdu.signature.length", b"\x00")
        else:
            w.put("apdu.signature.length", encode_length(len(msg.signature)))
            w.put("apdu.signature", msg.signature)
    w.mark("apdu", start)


def _in_wire_order(fields: Mapping[str, FieldSpan]) -> Mapping[str, FieldSpan]:
    # An enclosing span (``apdu``, ``signed``) sorts before the fields inside it.
    ordered = sorted(fields.items(), key=lambda item: (item[1].offset, -item[1].length))
    return MappingProxyType(dict(ordered))


def _encode(msg: GbcsMessage) -> tuple[bytes, Mapping[str, FieldSpan]]:
    if msg.shape is not MessageShape.MACD:
        w = _Writer()
        _write_apdu(msg, w)
        return w.bytes(), _in_wire_order(w.fields)
    assert msg.mac is not None  # noqa: S101 - guaranteed by GbcsMessage's validation
    inner = _Writer()
    _write_apdu(msg, inner)
    apdu = inner.bytes()
    service = encode_length(_MAC_HEADER_FIELDS + len(apdu) + MAC_LENGTH)
    base = len(_GENERAL_CIPHERING) + len(service) + _MAC_HEADER_FIELDS
    w = _Writer()
    w.put("mac_header.general_ciphering", _GENERAL_CIPHERING)
    w.put("mac_header.ciphered_service_length", service)
    w.put("mac_header.security_control", _SECURITY_CONTROL)
    w.put("mac_header.invocation_counter", _build(_INVOCATION_COUNTER, msg.invocation_counter))
    w.put(None, apdu)
    fields = {**w.fields}
    fields.update({k: FieldSpan(v.offset + base, v.length) for k, v in inner.fields.items()})
    w.put("mac", msg.mac)
    fields["mac"] = w.fields["mac"]
    return w.bytes(), _in_wire_order(fields)


def encode_message(message: GbcsMessage) -> bytes:
    """Return the wire bytes of ``message`` in its :attr:`~GbcsMessage.shape` (minimal lengths)."""
    return message.encoded


# --- Decoding. ------------------------------------------------------------------------------


class _Reader:
    """A cursor over ``data`` that never reads past ``end``; errors carry path and offset."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int, end: int) -> None:
        self.data = data
        self.pos = pos
        self.end = end

    def take(self, size: int, path: str) -> bytes:
        if self.pos + size > self.end:
            left = self.end - self.pos
            raise DecodeError(
                f"truncated: {size} octet(s) expected, {left} left", offset=self.pos, path=path
            )
        raw = self.data[self.pos : self.pos + size]
        self.pos += size
        return raw

    def const(self, expected: bytes, path: str) -> None:
        # Compare what is there first, so that a wrong octet is reported before truncation.
        start = self.pos
        available = self.data[start : min(start + len(expected), self.end)]
        for i, (got, want) in enumerate(zip(available, expected, strict=False)):
            if got != want:
                raise DecodeError(
                    f"expected 0x{want:02X}, found 0x{got:02X}", offset=start + i, path=path
                )
        self.take(len(expected), path)

    def integer(self, con: cs.Construct, size: int, path: str) -> int:
        return _parse_int(con, self.take(size, path))

    def length(self, path: str) -> tuple[int, int]:
        """Read a DER-style length; return ``(value, offset_of_length)``."""
        start = self.pos
        value, self.pos = decode_length(self.data[: self.end], self.pos, path=path)
        return value, start

    def sized(self, path: str) -> tuple[bytes, int]:
        """Read a length, then that many octets; return ``(body, offset_of_length)``."""
        size, start = self.length(f"{path}.length")
        return self.take(size, path), start


def _read_other_information(r: _Reader) -> dict[str, Any]:
    path = "apdu.other_information"
    body, start = r.sized(path)
    size = len(body)
    if size < _OI_CODE or (size < _OI_ORIG_COUNTER and size not in (2, 10, 18)):
        raise DecodeError(
            f"other-information length {size} is not one of 2, 10, 18, 26 or more than 26",
            offset=start,
            path=f"{path}.length",
        )
    out: dict[str, Any] = {"message_code": _parse_int(_MESSAGE_CODE, body[:2])}
    if size >= _OI_RP_ID:
        out["supplementary_remote_party_id"] = Eui64(body[2:10])
    if size >= _OI_RP_COUNTER:
        out["supplementary_remote_party_counter"] = _parse_int(_COUNTER, body[10:18])
    if size == _OI_ORIG_COUNTER:
        out["supplementary_originator_counter"] = _parse_int(_COUNTER, body[18:26])
    elif size > _OI_ORIG_COUNTER:
        out["ka_certificate"] = bytes(body[18:])
    return out


def _read_apdu(r: _Reader, *, macd: bool) -> tuple[dict[str, Any], MessageShape | None]:
    """Rows A1-A10; returns the field values and the bare shape (None inside a MAC'd message)."""
    r.const(_GENERAL_SIGNING, "apdu.tag")
    r.const(_TRANSACTION_ID_LENGTH, "apdu.transaction_id.length")
    cra_at = r.pos
    cra = r.integer(_CRA_FLAG, 1, "apdu.cra_flag")
    if cra not in (1, 2, 3):
        raise DecodeError(
            f"CRA flag 0x{cra:02X} is not 1 (command), 2 (response) or 3 (alert)",
            offset=cra_at,
            path="apdu.cra_flag",
        )
    values: dict[str, Any] = {"cra_flag": CraFlag(cra)}
    values["counter"] = r.integer(_COUNTER, 8, "apdu.originator_counter")
    r.const(_SYSTEM_TITLE_LENGTH, "apdu.originator_system_title.length")
    values["originator"] = Eui64(r.take(8, "apdu.originator_system_title"))
    r.const(_SYSTEM_TITLE_LENGTH, "apdu.recipient_system_title.length")
    values["recipient"] = Eui64(r.take(8, "apdu.recipient_system_title"))
    date_time, dt_at = r.sized("apdu.date_time")
    if len(date_time) not in _DATE_TIME_LENGTHS:
        raise DecodeError(
            f"date-time length {len(date_time)} is neither 0 (absent) nor 12",
            offset=dt_at,
            path="apdu.date_time.length",
        )
    values["date_time"] = date_time or None
    values.update(_read_other_information(r))
    values["content"], _ = r.sized("apdu.content")
    if r.pos == r.end:
        if macd:
            raise DecodeError(
                "truncated: a MAC'd APDU needs a signature length",
                offset=r.pos,
                path="apdu.signature.length",
            )
        return values, MessageShape.PRE_COMMAND
    sig_len, sig_at = r.length("apdu.signature.length")
    if sig_len not in _SIGNATURE_LENGTHS:
        raise DecodeError(
            f"signature length {sig_len} is neither 0 nor {SIGNATURE_LENGTH}",
            offset=sig_at,
            path="apdu.signature.length",
        )
    values["signature"] = r.take(sig_len, "apdu.signature") or None
    if r.pos != r.end:
        raise DecodeError(
            f"{r.end - r.pos} octet(s) after the signature field",
            offset=r.pos,
            path="apdu.signature.length" if sig_len == 0 else "apdu.signature",
        )
    shape = MessageShape.SIGNED_APDU if sig_len else MessageShape.UNSIGNED_APDU
    return values, shape


def _parse_bytes(data: bytes) -> GbcsMessage:
    if not data:
        raise DecodeError("empty input: a GBCS message starts DD or DF", offset=0, path="tag")
    first = data[0]
    if first == 0xDF:
        values, shape = _read_apdu(_Reader(data, 0, len(data)), macd=False)
        return GbcsMessage(shape=shape, **values)
    if first != 0xDD:
        raise DecodeError(
            f"first octet 0x{first:02X} is neither DD (General Ciphering) nor DF (General Signing)",
            offset=0,
            path="tag",
        )
    r = _Reader(data, 0, len(data))
    r.const(_GENERAL_CIPHERING, "mac_header.general_ciphering")
    service_len, service_at = r.length("mac_header.ciphered_service_length")
    if service_len != len(data) - r.pos:
        raise DecodeError(
            f"ciphered service length {service_len} but {len(data) - r.pos} octet(s) follow",
            offset=service_at,
            path="mac_header.ciphered_service_length",
        )
    if service_len < _MAC_HEADER_FIELDS + MAC_LENGTH + 1:
        raise DecodeError(
            f"ciphered service length {service_len} leaves no room for an APDU",
            offset=service_at,
            path="mac_header.ciphered_service_length",
        )
    r.const(_SECURITY_CONTROL, "mac_header.security_control")
    invocation = r.integer(_INVOCATION_COUNTER, 4, "mac_header.invocation_counter")
    mac_at = len(data) - MAC_LENGTH
    values, _ = _read_apdu(_Reader(data, r.pos, mac_at), macd=True)
    return GbcsMessage(
        shape=MessageShape.MACD, mac=data[mac_at:], invocation_counter=invocation, **values
    )


_WHITESPACE = re.compile(r"\s+")
_HEX = re.compile(r"^[0-9A-Fa-f]*$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


def decode_text(text: str) -> bytes:
    """Hex (case and whitespace ignored) or base64 text -> bytes (spec P5).

    Hex is tried first; as in gbcs-parser, base64 is used instead when the hex reading does not
    start with ``DD``/``DF`` but the base64 reading does. Neither -> :class:`DecodeError`.
    """
    compact = _WHITESPACE.sub("", text)
    as_hex: bytes | None = None
    if _HEX.match(compact) and len(compact) % 2 == 0:
        as_hex = bytes.fromhex(compact)
        if as_hex[:1] in (b"\xdd", b"\xdf"):
            return as_hex
    as_b64: bytes | None = None
    if compact and len(compact) % 4 == 0 and _BASE64.match(compact):
        try:
            as_b64 = base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            as_b64 = None
    if as_b64 is not None and as_b64[:1] in (b"\xdd", b"\xdf"):
        return as_b64
    if as_hex is not None:
        return as_hex
    if as_b64 is not None:
        return as_b64
    raise DecodeError("text is neither hex nor base64", offset=0, path="text")


def parse_message(data: bytes | bytearray | memoryview | str) -> GbcsMessage:
    """Decode one GBCS message (any of the four shapes) from bytes or hex/base64 text.

    Offsets in errors and in :attr:`GbcsMessage.fields` are relative to the decoded bytes.
    Raises :class:`DecodeError` (with ``path`` and ``offset``) on anything else: another first
    octet, wrong fixed octets (P2), a disallowed length, truncation or trailing octets.
    """
    if isinstance(data, str):
        raw = decode_text(data)
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raise TypeError(f"parse_message takes bytes or str, not {type(data).__name__}")
    return _parse_bytes(raw)
