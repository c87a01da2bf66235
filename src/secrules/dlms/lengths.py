"""DER-style lengths shared by A-XDR counts and GBCS framing (GBCS 7.2.7; DLMS Green Book).

Short form is one octet 0-127; long form is ``81 n``, ``82 nn``, ``83 nnn`` or ``84 nnnn``.
Decoding rejects ``80`` (indefinite), ``85``-``FF`` and non-minimal forms, so that
``encode_length(decode_length(x)) == x`` for every accepted input. Encoding is always minimal.
"""

from __future__ import annotations

from secrules.core.validation import BYTES_LIKE, require_int, require_type
from secrules.errors import DecodeError, InvalidValueError

__all__ = ["MAX_LENGTH", "decode_length", "encode_length"]

MAX_LENGTH = 0xFFFFFFFF


def decode_length(data: bytes, offset: int, *, path: str = "length") -> tuple[int, int]:
    """Read a length at ``offset``; return ``(value, offset_after)``.

    Raises :class:`DecodeError` (with ``offset`` and ``path``) on truncation, an ``80`` or
    ``85``-``FF`` first octet, or a non-minimal long form; :class:`InvalidValueError` when
    ``data`` is not bytes-like or ``offset`` is not an int of at least 0 (a negative offset
    would silently read from the end).
    """
    if type(data) is not bytes:
        require_type(data, "data", BYTES_LIKE, "bytes")
    if type(offset) is not int or offset < 0:
        require_int(offset, "offset", minimum=0)
    if offset >= len(data):
        raise DecodeError("truncated: length expected", offset=offset, path=path)
    first = data[offset]
    if first < 0x80:
        return first, offset + 1
    count = first & 0x7F
    if count == 0 or count > 4:
        raise DecodeError(f"invalid length octet 0x{first:02X}", offset=offset, path=path)
    end = offset + 1 + count
    if end > len(data):
        raise DecodeError("truncated: long-form length", offset=offset, path=path)
    value = int.from_bytes(data[offset + 1 : end], "big")
    if value < 0x80 or value < (1 << (8 * (count - 1))):
        raise DecodeError(
            f"non-minimal length encoding 0x{data[offset:end].hex().upper()}",
            offset=offset,
            path=path,
        )
    return value, end


def encode_length(value: int) -> bytes:
    """The minimal encoding of ``value`` (0 to 2**32-1); InvalidValueError (a ValueError) else."""
    require_int(value, "length")
    if value < 0 or value > MAX_LENGTH:
        raise InvalidValueError(f"length {value} out of range 0..{MAX_LENGTH}")
    if value < 0x80:
        return bytes((value,))
    size = (value.bit_length() + 7) // 8
    return bytes((0x80 | size,)) + value.to_bytes(size, "big")
