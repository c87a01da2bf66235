"""The GBCS message value object: a General Signing APDU's fields, its wire shape and its MAC.

:class:`GbcsMessage` is what :func:`~secrules.gbcs.parse_message` returns and
:func:`encode_message` writes; its wire form is the declaration in :mod:`secrules.gbcs.layout`
(GBCS 7.2.5, 7.2.7).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from secrules.dlms.access import AccessRequest, AccessResponse, decode_access
from secrules.dlms.cosem import CosemDateTime
from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs.encode import build_message
from secrules.gbcs.layout import (
    DATE_TIME_LENGTH,
    MAC_LENGTH,
    SECURITY_CONTROL,
    SIGNATURE_LENGTH,
    field_spans,
)
from secrules.gbcs.message_codes import use_case_name
from secrules.gbcs.types import CraFlag, Eui64, FieldSpan, MessageShape

__all__ = ["GbcsMessage", "encode_message", "signed_span_of"]

_Validator = Callable[[object, "attrs.Attribute[Any]", Any], None]


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


#: Rows A2-A6 (transaction id 9, originator 1 + 8, recipient 1 + 8): 28 octets.
_A2_TO_A6 = 28


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
    date_time: bytes | None = attrs.field(
        default=None, validator=_opt_len(DATE_TIME_LENGTH, "date_time")
    )
    supplementary_remote_party_id: Eui64 | None = attrs.field(default=None, converter=_opt_eui)
    supplementary_remote_party_counter: int | None = attrs.field(
        default=None, validator=_uint(64, "supplementary_remote_party_counter")
    )
    supplementary_originator_counter: int | None = attrs.field(
        default=None, validator=_uint(64, "supplementary_originator_counter")
    )
    ka_certificate: bytes | None = attrs.field(default=None)
    invocation_counter: int = attrs.field(default=0, validator=_uint(32, "invocation_counter"))
    #: The MAC header's security-control octet (row W3): 0x11 in GBCS; any other value is read
    #: as received so that ``gbcs.security_header`` can FAIL it (and the MAC covers it).
    security_control: int = attrs.field(
        default=SECURITY_CONTROL, validator=_uint(8, "security_control")
    )

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
        if shape is not MessageShape.MACD and self.security_control != SECURITY_CONTROL:
            raise InvalidValueError("only a MAC'd message has a security-control octet")
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
    # pickling ignore them. parse_message fills ``encoded`` and ``_signed_span`` (see
    # secrules.gbcs.fastpath).

    @functools.cached_property
    def encoded(self) -> bytes:
        """The wire bytes (same as :func:`encode_message`), built with the declaration."""
        return build_message(self)

    @functools.cached_property
    def _signed_span(self) -> tuple[int, int]:
        span = self.fields["signed"]
        return span.offset, span.end

    @functools.cached_property
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
        ``signed`` (the signed span); ``mac`` (MAC'd only).
        """
        return field_spans(self.encoded)

    def offset(self, path: str) -> int:
        """Byte offset of the field ``path`` (see :attr:`fields`); KeyError if absent."""
        return self.fields[path].offset

    @property
    def message_code_offset(self) -> int:
        """Byte offset of the message code (row A8) in :attr:`encoded`, read without a field map.

        The signed span starts at the transaction id (A2); A2-A6 are 28 octets, then the
        date-time (A7, its length octet and 0 or 12 octets), then A8's length and the code.
        """
        raw = self.encoded
        pos = self._signed_span[0] + _A2_TO_A6
        pos += 1 + raw[pos]
        length = raw[pos]
        return pos + 1 + (length & 0x7F if length >= 0x80 else 0)

    @property
    def content_offset(self) -> int:
        """Byte offset of the first content octet (row A9 body) in :attr:`encoded`.

        The content is the last part of the signed span, so this needs no field map.
        """
        return self._signed_span[1] - len(self.content)

    @property
    def signed_bytes(self) -> bytes:
        """The signed span: from the octet after ``DF`` through the last content octet."""
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


def signed_span_of(message: GbcsMessage) -> tuple[int, int]:
    """Start and end offsets of the signed span in :attr:`GbcsMessage.encoded`.

    Known without re-encoding for a message from :func:`~secrules.gbcs.parse_message`.
    """
    return message._signed_span


def encode_message(message: GbcsMessage) -> bytes:
    """Return the wire bytes of ``message`` in its :attr:`~GbcsMessage.shape` (minimal lengths)."""
    if not isinstance(message, GbcsMessage):
        raise InvalidValueError(f"message must be a GbcsMessage, not {type(message).__name__}")
    return message.encoded
