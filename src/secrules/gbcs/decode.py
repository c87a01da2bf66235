"""Decoding GBCS messages: the fast reader first, then the declaration's checked reading.

:func:`parse_message` reads bytes (or hex / base64 text) with the hand-written fast reader of
:mod:`secrules.gbcs.fastpath`; anything it does not accept outright is read with the construct
declaration of :mod:`secrules.gbcs.layout` (:func:`read_checked`), which either builds the same
record or raises :class:`~secrules.errors.DecodeError` naming the field path and byte offset.
``encode_message(parse_message(x)) == x`` for every accepted ``x``.
"""

from __future__ import annotations

from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs.fastpath import read_fast
from secrules.gbcs.layout import SECURITY_CONTROL, parse_layout
from secrules.gbcs.message import GbcsMessage
from secrules.gbcs.types import MessageShape
from secrules.inputs import InputKind, read_input

__all__ = ["decode_text", "parse_message", "read_checked"]


def read_checked(data: bytes) -> GbcsMessage:
    """Decode ``data`` with the declaration; the record is built (and validated) by ``__init__``."""
    parsed = parse_layout(data)
    apdu = parsed.apdu
    other = apdu.other_information
    if "mac" in parsed:
        shape = MessageShape.MACD
    elif apdu.signature is None:
        shape = MessageShape.PRE_COMMAND
    else:
        shape = MessageShape.SIGNED_APDU if apdu.signature else MessageShape.UNSIGNED_APDU
    return GbcsMessage(
        shape=shape,
        cra_flag=apdu.cra_flag,
        counter=apdu.originator_counter,
        originator=apdu.originator_system_title,
        recipient=apdu.recipient_system_title,
        message_code=other.message_code,
        content=apdu.content,
        signature=apdu.signature or None,
        mac=parsed.get("mac"),
        date_time=apdu.date_time or None,
        supplementary_remote_party_id=other.supplementary_remote_party_id,
        supplementary_remote_party_counter=other.supplementary_remote_party_counter,
        supplementary_originator_counter=other.supplementary_originator_counter,
        ka_certificate=other.ka_certificate,
        invocation_counter=parsed.mac_header.invocation_counter if "mac" in parsed else 0,
        security_control=(
            parsed.mac_header.security_control if "mac" in parsed else SECURITY_CONTROL
        ),
    )


def decode_text(text: str) -> bytes:
    """Hex or base64 text -> bytes, read by :func:`secrules.inputs.read_input`.

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
    octet, wrong fixed octets, a disallowed length, truncation or trailing octets, and
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
    global _LAST  # noqa: PLW0603 - a one-entry memo; a tuple is swapped atomically
    last = _LAST
    if last is not None and last[0] is raw:
        return last[1]  # the same bytes object again: a message is immutable, so reuse it
    message = read_fast(raw)
    if message is None:
        message = read_checked(raw)
    _LAST = (raw, message)
    return message


#: The last bytes object parse_message read and its message: code that parses a message and
#: then hands the same octets on (the batch reads the message code, then checks) parses once.
_LAST: tuple[bytes, GbcsMessage] | None = None
