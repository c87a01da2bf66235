"""The hot path: one hand-written reader of the GBCS wire format, for well-formed input.

:func:`read_fast` reads what :mod:`secrules.gbcs.layout` declares (GBCS 7.2.5, 7.2.7) with one
precompiled :mod:`struct` format for rows A1-A6 and slicing, and fills the record slot by slot.
It accepts only what the declaration accepts and gives up (None) on anything else, for the
declaration's reader to report with the field path and offset. A differential property test
(tests/gbcs/test_framing_fast.py) checks that the two agree on every field.
"""

from __future__ import annotations

import struct
from typing import Final

from secrules.core.slots import slot_setter, slot_setters
from secrules.dlms.lengths import decode_length
from secrules.errors import DecodeError
from secrules.gbcs.layout import (
    DATE_TIME_LENGTH,
    GENERAL_CIPHERING,
    GENERAL_SIGNING,
    MAC_HEADER_FIELDS,
    MAC_LENGTH,
    OI_CODE,
    OI_ORIG_COUNTER,
    OI_RP_COUNTER,
    OI_RP_ID,
    SECURITY_CONTROL,
    SIGNATURE_LENGTH,
    SYSTEM_TITLE_LENGTH,
    TRANSACTION_ID_LENGTH,
)
from secrules.gbcs.message import GbcsMessage
from secrules.gbcs.types import CraFlag, Eui64, MessageShape

__all__ = ["RECORD_SLOTS", "read_fast", "read_signed_span"]

# Rows A1-A6 in one go: DF 09 cra counter(8) 08 originator(8) 08 recipient(8).
_APDU_HEAD: Final = struct.Struct(">BBBQB8sB8s")
_U32: Final = struct.Struct(">I")
_U64: Final = struct.Struct(">Q")
_U16: Final = struct.Struct(">H")

_new = object.__new__
_MACD = MessageShape.MACD
_SIGNED_APDU = MessageShape.SIGNED_APDU
_PRE_COMMAND = MessageShape.PRE_COMMAND
_UNSIGNED_APDU = MessageShape.UNSIGNED_APDU
_CRA_FLAGS = {int(flag): flag for flag in CraFlag}
_APDU_HEAD_SIZE = _APDU_HEAD.size  # rows A1-A6: 29 octets


_set_octets = slot_setter(Eui64, "octets")


def _eui64(octets: bytes) -> Eui64:
    # Eui64's validator only checks for 8 octets of bytes, which every caller guarantees.
    eui = _new(Eui64)
    _set_octets(eui, octets)
    return eui


def read_fast(data: bytes) -> GbcsMessage | None:
    """The hot path: decode a well-formed message, or return None for anything unexpected.

    Reads the fields of :data:`~secrules.gbcs.layout.MACD_LAYOUT` /
    :data:`~secrules.gbcs.layout.BARE_LAYOUT` with one precompiled struct format for rows A1-A6,
    slicing, and :func:`decode_length` for long-form lengths. It accepts only what the
    declaration accepts and builds the same :class:`GbcsMessage`. On None the caller reads
    ``data`` with the declaration, which raises the error with its field path and offset.
    """
    scan = _scan(data)
    if scan is None:
        return None
    (
        shape,
        cra,
        counter,
        originator,
        recipient,
        message_code,
        content_at,
        signed_end,
        signature,
        mac,
        date_time,
        extras,
        invocation,
        control,
        apdu_at,
    ) = scan
    return _record(
        shape,
        _CRA_FLAGS[cra],
        counter,
        _eui64(originator),
        _eui64(recipient),
        message_code,
        data[content_at:signed_end],
        signature,
        mac,
        date_time,
        *extras,
        invocation,
        control,
        data,
        (apdu_at + 1, signed_end),
    )


def read_signed_span(data: bytes) -> tuple[bytes, int, int, bytes] | None:  # noqa: PLR0915 - one flat function is the point
    """The lean signature path: ``(originator, start, end, signature)`` of a signed message.

    ``originator`` is the 8 octets of the originator system title, ``data[start:end]`` the
    signed span (GBCS 7.2.7) and ``signature`` the 64 octets after it. The message is checked
    exactly as :func:`read_fast` checks it, but no record is built. None for anything else (an
    unsigned message, or one :func:`read_fast` would not accept): the caller then takes the
    full path. The same steps as :func:`_scan` and :func:`_scan_apdu`, in one function that
    keeps only what the signature needs (a differential test compares the two).
    """
    try:
        size = len(data)
        if data[0] != _CIPHERING_TAG:
            pos = 0
            end = size
        else:
            # W1-W3; W4 (the MAC) is the last 12 octets.
            if data[:7] != GENERAL_CIPHERING:
                return None
            service = data[7]
            pos = 8
            if service >= 0x80:  # decode_length's minimal 81 xx and 82 xx xx, inline
                if service == 0x81 and data[8] >= 0x80:
                    service = data[8]
                    pos = 9
                elif service == 0x82 and data[8]:
                    service = data[8] << 8 | data[9]
                    pos = 10
                else:
                    service, pos = decode_length(data, 7)
            if service != size - pos or service <= MAC_HEADER_FIELDS + MAC_LENGTH:
                return None
            pos += MAC_HEADER_FIELDS
            end = size - MAC_LENGTH
        # A1-A6 (the counter and recipient skipped)
        if pos + _APDU_HEAD_SIZE > end:
            return None
        head, cra, olen, originator, rlen = _SIGNED_HEAD.unpack_from(data, pos)
        if head != _HEAD or cra not in _CRA_FLAGS or olen != rlen or rlen != SYSTEM_TITLE_LENGTH:
            return None
        start = pos + 1
        pos += _APDU_HEAD_SIZE
        # A7: absent (00) or a 12-octet date-time.
        length = data[pos]
        if length and length != DATE_TIME_LENGTH:
            return None
        pos += 1 + length
        # A8: the message code and the optional fields _fast_extras accepts.
        length = data[pos]
        if length < 0x80:
            pos += 1
        else:
            length, pos = decode_length(data, pos)
        oi_end = pos + length
        # _scan unpacks the message code from pos: a length of 2 or more keeps it in the data.
        if oi_end > end or (length not in _OI_LENGTHS and length < OI_ORIG_COUNTER):
            return None
        # A9: content; the signed span ends with it.
        length = data[oi_end]
        if length < 0x80:
            pos = oi_end + 1
        elif length == 0x81 and data[oi_end + 1] >= 0x80:
            length = data[oi_end + 1]
            pos = oi_end + 2
        elif length == 0x82 and data[oi_end + 1]:
            length = data[oi_end + 1] << 8 | data[oi_end + 2]
            pos = oi_end + 3
        else:
            length, pos = decode_length(data, oi_end)
        signed_end = pos + length
        # A10: 40 and the signature, then the MAC (or the end of a bare APDU).
        if signed_end + 1 + SIGNATURE_LENGTH != end or data[signed_end] != SIGNATURE_LENGTH:
            return None
        return originator, start, signed_end, data[signed_end + 1 : end]
    except (IndexError, struct.error, DecodeError):
        return None


_CIPHERING_TAG = GENERAL_CIPHERING[0]
# _APDU_HEAD's rows A1-A6 without the counter and recipient, the tag and length in one number.
_SIGNED_HEAD: Final = struct.Struct(">HB8xB8sB8x")
_HEAD = GENERAL_SIGNING << 8 | TRANSACTION_ID_LENGTH
_OI_LENGTHS = frozenset((OI_CODE, OI_RP_ID, OI_RP_COUNTER))


# What _scan reads, in order: shape, CRA flag, counter, originator and recipient octets, message
# code, content start, signed-span end, signature, MAC, date-time, A8 extras, invocation counter,
# security control, APDU offset.
_Scan = tuple[
    MessageShape,
    int,
    int,
    bytes,
    bytes,
    int,
    int,
    int,
    bytes | None,
    bytes | None,
    bytes | None,
    "_Extras",
    int,
    int,
    int,
]


def _scan(data: bytes) -> _Scan | None:
    """Every field of a well-formed message as plain values, or None for anything unexpected."""
    try:
        if data[0] != GENERAL_CIPHERING[0]:
            return _scan_apdu(data, 0, len(data), 0, SECURITY_CONTROL)
        # W1-W3; W4 (the MAC) is the last 12 octets.
        if data[:7] != GENERAL_CIPHERING:
            return None
        service = data[7]
        pos = 8
        if service >= 0x80:
            service, pos = decode_length(data, 7)
        size = len(data)
        if service != size - pos or service <= MAC_HEADER_FIELDS + MAC_LENGTH:
            return None
        control = data[pos]  # read as received: gbcs.security_header judges it
        invocation = _U32.unpack_from(data, pos + 1)[0]
        return _scan_apdu(data, pos + MAC_HEADER_FIELDS, size - MAC_LENGTH, invocation, control)
    except (IndexError, struct.error, DecodeError):
        return None


def _scan_apdu(data: bytes, pos: int, end: int, invocation: int, control: int) -> _Scan | None:
    """Rows A1-A10 of ``data[pos:end]`` (then the MAC when ``end`` is short of the input's end).

    May raise IndexError, struct.error or DecodeError, which :func:`_scan` turns into None.
    """
    apdu_at = pos
    # A1-A6 in one go: DF 09 cra counter(8) 08 originator(8) 08 recipient(8).
    if pos + _APDU_HEAD_SIZE > end:
        return None
    tag, tid, cra, counter, olen, originator, rlen, recipient = _APDU_HEAD.unpack_from(data, pos)
    if (
        tag != GENERAL_SIGNING
        or tid != TRANSACTION_ID_LENGTH
        or olen != SYSTEM_TITLE_LENGTH
        or rlen != SYSTEM_TITLE_LENGTH
        or cra not in _CRA_FLAGS
    ):
        return None
    pos += _APDU_HEAD_SIZE
    # A7: absent (00) or a 12-octet date-time.
    length = data[pos]
    date_time = None
    if length == DATE_TIME_LENGTH:
        date_time = data[pos + 1 : pos + 1 + DATE_TIME_LENGTH]
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
    extras = _NO_EXTRAS if length == OI_CODE else _fast_extras(data, pos, length)
    if extras is None:
        return None
    # A9: content; the signed span ends with it.
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
    return (
        shape,
        cra,
        counter,
        originator,
        recipient,
        message_code,
        pos,
        signed_end,
        signature,
        mac,
        date_time,
        extras,
        invocation,
        control,
        apdu_at,
    )


_Extras = tuple[Eui64 | None, int | None, int | None, bytes | None]
_NO_EXTRAS: _Extras = (None, None, None, None)


def _fast_extras(data: bytes, pos: int, length: int) -> _Extras | None:
    """A8's optional fields after the message code (GBCS 7.2.7), or None for a bad length."""
    if length < OI_RP_ID or (length < OI_ORIG_COUNTER and length not in (OI_RP_ID, OI_RP_COUNTER)):
        return None
    rp_id = _eui64(data[pos + 2 : pos + 10])
    if length == OI_RP_ID:
        return rp_id, None, None, None
    rp_counter = _U64.unpack_from(data, pos + 10)[0]
    if length == OI_RP_COUNTER:
        return rp_id, rp_counter, None, None
    if length == OI_ORIG_COUNTER:
        return rp_id, rp_counter, _U64.unpack_from(data, pos + 18)[0], None
    return rp_id, rp_counter, None, data[pos + 18 : pos + length]


#: The attrs fields _record fills, in declaration order (a test checks it is all of them), then
#: the two cached views known from the input.
RECORD_SLOTS = (
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
    "security_control",
)
_PREFILLED = ("encoded", "_signed_span")
# The slots' own setters: object.__setattr__ without the frozen class's __setattr__ guard.
_FILL = slot_setters(GbcsMessage, *RECORD_SLOTS, *_PREFILLED)


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
    security_control: int,
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
        set_security_control,
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
    set_security_control(message, security_control)
    set_encoded(message, encoded)
    set_signed_span(message, signed_span)
    return message
