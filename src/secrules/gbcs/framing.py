"""GBCS message framing: General Ciphering (MAC header) and General Signing APDUs.

Implements the byte layout of GBCS 7.2.5 (MAC header) and 7.2.7 (Grouping Header), as read in
SmartDCCInnovation/gbcs-parser and HenryGiraldo/gbcs (rows W1-W4 and A1-A10 below). Four
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
precompiled :mod:`struct` format and slicing (measured: about 4 µs per message against about
30 µs through the field-by-field reader; see docs/performance.md). Any input the fast reader does
not accept outright goes through the field-by-field reader, which names the failing field path
and offset. tests/gbcs/test_framing_fast.py checks that the construct declaration, the fast
reader and the field-by-field reader agree. Derived views (:attr:`GbcsMessage.fields` and the
re-encoding) are computed when first asked for, so verifying a signature needs none of them.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, BinaryIO, Final

import attrs
import construct as cs

from secrules.dlms.access import AccessRequest, AccessResponse, decode_access
from secrules.dlms.cosem import CosemDateTime
from secrules.dlms.lengths import decode_length, encode_length
from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs.message_codes import use_case_name
from secrules.gbcs.types import CraFlag, Eui64, FieldSpan, MessageShape
from secrules.inputs import InputKind, read_input

__all__ = [
    "APDU_LAYOUT",
    "MACD_LAYOUT",
    "MAC_HEADER_LAYOUT",
    "MAC_LENGTH",
    "OTHER_INFORMATION_LAYOUT",
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


class _DerLength(cs.Construct):  # type: ignore[misc]  # construct is untyped
    """A DER-style length (GBCS 7.2.7), minimal forms only, via :mod:`secrules.dlms.lengths`."""

    def _parse(self, stream: BinaryIO, context: cs.Container, path: str) -> int:
        raw = cs.stream_read(stream, 1, path)
        if raw[0] >= 0x80:
            raw += cs.stream_read(stream, raw[0] & 0x7F, path)
        try:
            value, _ = decode_length(raw, 0)
        except DecodeError as exc:
            raise cs.ValidationError(exc.message, path=path) from None
        return value

    def _build(self, obj: int, stream: BinaryIO, context: cs.Container, path: str) -> int:
        raw = encode_length(obj)
        cs.stream_write(stream, raw, len(raw), path)
        return obj

    def _sizeof(self, context: cs.Container, path: str) -> int:
        raise cs.SizeofError("a DER-style length has a variable size", path=path)


_DER_LENGTH = _DerLength()


def _other_information_size(ctx: cs.Container) -> int:
    """A8: the other-information length a build writes, from the fields present."""
    size = _OI_CODE
    if ctx.supplementary_remote_party_id is not None:
        size = _OI_RP_ID
    if ctx.supplementary_remote_party_counter is not None:
        size = _OI_RP_COUNTER
    if ctx.supplementary_originator_counter is not None:
        size = _OI_ORIG_COUNTER
    if ctx.ka_certificate is not None:
        size = _OI_RP_COUNTER + len(ctx.ka_certificate)
    return size


#: Row A8: other information, a length then the message code and the optional GBCS 7.2.7 fields.
OTHER_INFORMATION_LAYOUT = cs.Struct(
    "length" / cs.Rebuild(_DER_LENGTH, _other_information_size),
    cs.Check(
        lambda ctx: (
            ctx.length in (_OI_CODE, _OI_RP_ID, _OI_RP_COUNTER, _OI_ORIG_COUNTER)
            or ctx.length > _OI_ORIG_COUNTER
        )
    ),
    "message_code" / cs.Int16ub,
    "supplementary_remote_party_id" / cs.If(cs.this.length >= _OI_RP_ID, cs.Bytes(8)),
    "supplementary_remote_party_counter" / cs.If(cs.this.length >= _OI_RP_COUNTER, cs.Int64ub),
    "supplementary_originator_counter" / cs.If(cs.this.length == _OI_ORIG_COUNTER, cs.Int64ub),
    "ka_certificate"
    / cs.If(cs.this.length > _OI_ORIG_COUNTER, cs.Bytes(cs.this.length - _OI_RP_COUNTER)),
)

#: Rows A1-A10: the General Signing APDU, bounded by its container (the whole input when bare).
#: ``signature`` is None when the field is absent (pre-command), else its body (0 or 64 octets).
APDU_LAYOUT = cs.Struct(
    "tag" / cs.Const(_GENERAL_SIGNING),  # A1
    "transaction_id_length" / cs.Const(_TRANSACTION_ID_LENGTH),  # A2
    "cra_flag" / cs.OneOf(cs.Int8ub, (1, 2, 3)),  # A3
    "originator_counter" / cs.Int64ub,  # A4
    "originator_system_title_length" / cs.Const(_SYSTEM_TITLE_LENGTH),  # A5
    "originator_system_title" / cs.Bytes(8),
    "recipient_system_title_length" / cs.Const(_SYSTEM_TITLE_LENGTH),  # A6
    "recipient_system_title" / cs.Bytes(8),
    "date_time" / cs.Prefixed(_DER_LENGTH, cs.GreedyBytes),  # A7
    cs.Check(lambda ctx: len(ctx.date_time) in _DATE_TIME_LENGTHS),
    "other_information" / OTHER_INFORMATION_LAYOUT,  # A8
    "content" / cs.Prefixed(_DER_LENGTH, cs.GreedyBytes),  # A9
    "signature" / cs.Optional(cs.Prefixed(_DER_LENGTH, cs.GreedyBytes)),  # A10
    cs.Check(lambda ctx: ctx.signature is None or len(ctx.signature) in _SIGNATURE_LENGTHS),
    cs.Terminated,
)

#: Rows W1-W3: the General Ciphering MAC header in front of a MAC'd APDU.
MAC_HEADER_LAYOUT = cs.Struct(
    "general_ciphering" / cs.Const(_GENERAL_CIPHERING),  # W1
    "ciphered_service_length" / _DER_LENGTH,  # W2: W3 + APDU + MAC
    "security_control" / cs.Const(_SECURITY_CONTROL),  # W3
    "invocation_counter" / _INVOCATION_COUNTER,  # W3
)

#: Rows W1-W4 around A1-A10: a MAC'd message (the APDU must carry a signature length field).
MACD_LAYOUT = cs.Struct(
    "mac_header" / MAC_HEADER_LAYOUT,
    "apdu"
    / cs.FixedSized(
        cs.this.mac_header.ciphered_service_length - _MAC_HEADER_FIELDS - MAC_LENGTH,
        APDU_LAYOUT,
    ),
    cs.Check(lambda ctx: ctx.apdu.signature is not None),
    "mac" / cs.Bytes(MAC_LENGTH),  # W4
    cs.Terminated,
)

# The hot path (``_read_fast``) reads rows A1-A6 in one go with this format.
_APDU_HEAD: Final = struct.Struct(">BBBQB8sB8s")
_U32: Final = struct.Struct(">I")
_U64: Final = struct.Struct(">Q")
_U16: Final = struct.Struct(">H")


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

    Derived, computed when first asked for: :attr:`encoded`, :attr:`fields` (field path ->
    :class:`FieldSpan`), :attr:`signed_bytes` (rows A2-A9), :attr:`content_offset`,
    :attr:`use_case` (from the message-code table). A message from :func:`parse_message` keeps
    the input octets as :attr:`encoded` (it accepts only inputs that re-encode exactly) and the
    signed span's offsets, so :attr:`signed_bytes` needs no re-encoding.
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

    # The cached views below are slots filled on first use (attrs turns functools.cached_property
    # into a slot on this slotted class); they are not attrs fields, so eq/hash/repr/evolve and
    # pickling ignore them. parse_message fills ``encoded`` and ``_signed_span`` (see _record).

    @functools.cached_property
    def _layout(self) -> tuple[bytes, Mapping[str, FieldSpan]]:
        return _encode(self)

    @functools.cached_property
    def encoded(self) -> bytes:
        """The wire bytes (same as :func:`encode_message`)."""
        return self._layout[0]

    @functools.cached_property
    def _signed_span(self) -> tuple[int, int]:
        span = self._layout[1]["signed"]
        return span.offset, span.end

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
        """Byte offset of the first content octet (row A9 body) in :attr:`encoded`.

        The content is the last part of the signed span (E5), so this needs no field map.
        """
        return self._signed_span[1] - len(self.content)

    @property
    def signed_bytes(self) -> bytes:
        """The signed span: from the octet after ``DF`` through the last content octet (E5)."""
        start, end = self._signed_span
        return self.encoded[start:end]

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
        """The payload, decoded by its first octet.

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


def _signed_span_of(message: GbcsMessage) -> tuple[int, int]:
    """Start and end offsets of the signed span (E5) in :attr:`GbcsMessage.encoded`.

    Known without re-encoding for a message from :func:`parse_message`.
    """
    return message._signed_span


def encode_message(message: GbcsMessage) -> bytes:
    """Return the wire bytes of ``message`` in its :attr:`~GbcsMessage.shape` (minimal lengths)."""
    if not isinstance(message, GbcsMessage):
        raise InvalidValueError(f"message must be a GbcsMessage, not {type(message).__name__}")
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


def _parse_checked(data: bytes) -> GbcsMessage:
    """The field-by-field reader: slower, and names the field path and offset of any error."""
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


_new = object.__new__
_MACD = MessageShape.MACD
_SIGNED_APDU = MessageShape.SIGNED_APDU
_PRE_COMMAND = MessageShape.PRE_COMMAND
_UNSIGNED_APDU = MessageShape.UNSIGNED_APDU
_CRA_FLAGS = {int(flag): flag for flag in CraFlag}
_APDU_HEAD_SIZE = _APDU_HEAD.size  # rows A1-A6: 29 octets


_set_octets = Eui64.__dict__["octets"].__set__


def _eui64(octets: bytes) -> Eui64:
    # Eui64's validator only checks for 8 octets of bytes, which every caller guarantees.
    eui = _new(Eui64)
    _set_octets(eui, octets)
    return eui


def _read_fast(data: bytes) -> GbcsMessage | None:
    """The hot path: decode a well-formed message, or return None for anything unexpected.

    Reads the same fields as :data:`MACD_LAYOUT` / :data:`APDU_LAYOUT` with one precompiled
    struct format for rows A1-A6, slicing, and :func:`decode_length` for long-form lengths. It
    accepts only what :func:`_parse_checked` accepts and builds the same :class:`GbcsMessage`.
    On None the caller runs :func:`_parse_checked`, which raises the error with its field path
    and offset.
    """
    try:
        if data[0] != 0xDD:
            return _read_fast_apdu(data, 0, len(data), 0)
        # W1-W3; W4 (the MAC) is the last 12 octets.
        if data[:7] != _GENERAL_CIPHERING:
            return None
        service = data[7]
        pos = 8
        if service >= 0x80:
            service, pos = decode_length(data, 7)
        size = len(data)
        if service != size - pos or service <= _MAC_HEADER_FIELDS + MAC_LENGTH:
            return None
        if data[pos] != 0x11:
            return None
        invocation = _U32.unpack_from(data, pos + 1)[0]
        return _read_fast_apdu(data, pos + _MAC_HEADER_FIELDS, size - MAC_LENGTH, invocation)
    except (IndexError, struct.error, DecodeError):
        return None


def _read_fast_apdu(data: bytes, pos: int, end: int, invocation: int) -> GbcsMessage | None:
    """Rows A1-A10 of ``data[pos:end]`` (then the MAC when ``end`` is short of the input's end).

    May raise IndexError, struct.error or DecodeError, which :func:`_read_fast` turns into None.
    """
    apdu_at = pos
    # A1-A6 in one go: DF 09 cra counter(8) 08 originator(8) 08 recipient(8).
    if pos + _APDU_HEAD_SIZE > end:
        return None
    tag, tid, cra, counter, olen, originator, rlen, recipient = _APDU_HEAD.unpack_from(data, pos)
    if tag != 0xDF or tid != 9 or olen != 8 or rlen != 8 or cra not in _CRA_FLAGS:
        return None
    pos += _APDU_HEAD_SIZE
    # A7: absent (00) or a 12-octet date-time.
    length = data[pos]
    date_time = None
    if length == 12:
        date_time = data[pos + 1 : pos + 13]
    elif length:
        return None
    pos += 1 + length
    # A8: other information; usually the message code alone.
    length = data[pos]
    if length < 0x80:
        pos += 1
    else:
        length, pos = decode_length(data, pos)
    oi_end = pos + length
    if oi_end > end:
        return None
    message_code = _U16.unpack_from(data, pos)[0]
    extras = _NO_EXTRAS if length == _OI_CODE else _fast_extras(data, pos, length)
    if extras is None:
        return None
    # A9: content; the signed span (E5) ends with it.
    length = data[oi_end]
    if length < 0x80:
        pos = oi_end + 1
    else:
        length, pos = decode_length(data, oi_end)
    signed_end = pos + length
    if signed_end > end:
        return None
    # A10: no field (pre-command, bare only), 00, or 40 and the signature; then the MAC.
    signature = mac = None
    if signed_end == end:
        shape = _PRE_COMMAND
    elif data[signed_end] == SIGNATURE_LENGTH and signed_end + 1 + SIGNATURE_LENGTH == end:
        signature = data[signed_end + 1 : end]
        shape = _SIGNED_APDU
    elif data[signed_end] == 0 and signed_end + 1 == end:
        shape = _UNSIGNED_APDU
    else:
        return None
    if end != len(data):
        if shape is _PRE_COMMAND:
            return None
        shape = _MACD
        mac = data[end:]
    return _record(
        shape,
        _CRA_FLAGS[cra],
        counter,
        _eui64(originator),
        _eui64(recipient),
        message_code,
        data[pos:signed_end],
        signature,
        mac,
        date_time,
        *extras,
        invocation,
        data,
        (apdu_at + 1, signed_end),
    )


_Extras = tuple[Eui64 | None, int | None, int | None, bytes | None]
_NO_EXTRAS: _Extras = (None, None, None, None)


def _fast_extras(data: bytes, pos: int, length: int) -> _Extras | None:
    """A8's optional fields after the message code (GBCS 7.2.7), or None for a bad length."""
    if length < _OI_RP_ID or (length < _OI_ORIG_COUNTER and length not in (10, 18)):
        return None
    rp_id = _eui64(data[pos + 2 : pos + 10])
    if length == _OI_RP_ID:
        return rp_id, None, None, None
    rp_counter = _U64.unpack_from(data, pos + 10)[0]
    if length == _OI_RP_COUNTER:
        return rp_id, rp_counter, None, None
    if length == _OI_ORIG_COUNTER:
        return rp_id, rp_counter, _U64.unpack_from(data, pos + 18)[0], None
    return rp_id, rp_counter, None, data[pos + 18 : pos + length]


#: The attrs fields _record fills, in declaration order (a test checks it is all of them), then
#: the two cached views known from the input.
_FAST_FIELDS = (
    "shape",
    "cra_flag",
    "counter",
    "originator",
    "recipient",
    "message_code",
    "content",
    "signature",
    "mac",
    "date_time",
    "supplementary_remote_party_id",
    "supplementary_remote_party_counter",
    "supplementary_originator_counter",
    "ka_certificate",
    "invocation_counter",
)
_FAST_CACHED = ("encoded", "_signed_span")
# The slots' own setters: object.__setattr__ without the frozen class's __setattr__ guard.
_FILL = tuple(GbcsMessage.__dict__[name].__set__ for name in (*_FAST_FIELDS, *_FAST_CACHED))


def _record(  # noqa: PLR0917 - one positional value per slot is the cheapest call here
    shape: MessageShape,
    cra_flag: CraFlag,
    counter: int,
    originator: Eui64,
    recipient: Eui64,
    message_code: int,
    content: bytes,
    signature: bytes | None,
    mac: bytes | None,
    date_time: bytes | None,
    supplementary_remote_party_id: Eui64 | None,
    supplementary_remote_party_counter: int | None,
    supplementary_originator_counter: int | None,
    ka_certificate: bytes | None,
    invocation_counter: int,
    encoded: bytes,
    signed_span: tuple[int, int],
) -> GbcsMessage:
    """A :class:`GbcsMessage` filled slot by slot, without ``__init__`` (about 5x faster).

    Only for values the fast reader has checked: every conversion and check that ``__init__``'s
    converters, validators and ``__attrs_post_init__`` make already holds for them (the tests
    compare with ``__init__``-built records). ``encoded`` and ``signed_span`` prefill the cached
    views.
    """
    message = _new(GbcsMessage)
    (
        set_shape,
        set_cra_flag,
        set_counter,
        set_originator,
        set_recipient,
        set_message_code,
        set_content,
        set_signature,
        set_mac,
        set_date_time,
        set_rp_id,
        set_rp_counter,
        set_orig_counter,
        set_ka_certificate,
        set_invocation_counter,
        set_encoded,
        set_signed_span,
    ) = _FILL
    set_shape(message, shape)
    set_cra_flag(message, cra_flag)
    set_counter(message, counter)
    set_originator(message, originator)
    set_recipient(message, recipient)
    set_message_code(message, message_code)
    set_content(message, content)
    set_signature(message, signature)
    set_mac(message, mac)
    set_date_time(message, date_time)
    set_rp_id(message, supplementary_remote_party_id)
    set_rp_counter(message, supplementary_remote_party_counter)
    set_orig_counter(message, supplementary_originator_counter)
    set_ka_certificate(message, ka_certificate)
    set_invocation_counter(message, invocation_counter)
    set_encoded(message, encoded)
    set_signed_span(message, signed_span)
    return message


def decode_text(text: str) -> bytes:
    """Hex (case and whitespace ignored) or base64 text -> bytes.

    Hex (any case, white space anywhere, optional ``0x``) is tried first, then base64 (standard
    or URL-safe, padded). Anything else, XML included, -> :class:`DecodeError`; ``text`` that is
    not a ``str`` -> :class:`InvalidValueError`.
    """
    if not isinstance(text, str):
        raise InvalidValueError(f"text must be str, not {type(text).__name__}")
    read = read_input(text)
    if read.kind is InputKind.XML:
        raise DecodeError("expected hex or base64 text, not XML", offset=0, path="text")
    return read.data


def parse_message(data: bytes | bytearray | memoryview | str) -> GbcsMessage:
    """Decode one GBCS message (any of the four shapes) from bytes or hex/base64 text.

    Offsets in errors and in :attr:`GbcsMessage.fields` are relative to the decoded bytes.
    Raises :class:`DecodeError` (with ``path`` and ``offset``) on anything else: another first
    octet, wrong fixed octets (P2), a disallowed length, truncation or trailing octets, and
    :class:`InvalidValueError` when ``data`` is neither bytes-like nor ``str``.
    """
    if type(data) is bytes:  # the common case first
        raw = data
    elif isinstance(data, str):
        raw = decode_text(data)
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raise InvalidValueError(f"data must be bytes or str, not {type(data).__name__}")
    message = _read_fast(raw)
    return _parse_checked(raw) if message is None else message
