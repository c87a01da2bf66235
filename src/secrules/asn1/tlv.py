"""The DER/BER tag-length-value layer: every octet kept, so re-encoding is byte for byte.

GBCS carries its security-credential, join and firmware payloads as ASN.1 DER (GBCS v1.0
§13.3.3.1 calls the CS02b payload "the DER encoding"), but device-originated RTDS payloads use
the non-minimal length form ``82 00 xx`` for lengths 128-255. :class:`Tlv` keeps the length
octets exactly as read, so :meth:`Tlv.encode` reproduces the input; :attr:`Tlv.minimal` says
whether they are the DER form (ITU-T X.690 §10.1). Definite lengths of up to four octets and
single-octet identifiers (tag numbers 0-30) are accepted; the indefinite form, high tag
numbers, truncation and nesting deeper than :data:`MAX_DEPTH` raise
:class:`~secrules.errors.DecodeError` with the offset and the path (``[1][0]``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from secrules.core.slots import slot_setters
from secrules.core.validation import require_int
from secrules.errors import DecodeError, InvalidValueError

__all__ = [
    "MAX_DEPTH",
    "UNIVERSAL_NAMES",
    "Tlv",
    "decode_tlv",
    "encode_length",
    "parse_generalized_time",
]

#: Deepest nesting of constructed values accepted when decoding.
MAX_DEPTH = 64

#: Names of the universal tags (X.680 §8.4) that a GBCS payload or certificate uses.
UNIVERSAL_NAMES: dict[int, str] = {
    0x01: "BOOLEAN",
    0x02: "INTEGER",
    0x03: "BIT STRING",
    0x04: "OCTET STRING",
    0x05: "NULL",
    0x06: "OBJECT IDENTIFIER",
    0x0A: "ENUMERATED",
    0x0C: "UTF8String",
    0x13: "PrintableString",
    0x16: "IA5String",
    0x17: "UTCTime",
    0x18: "GeneralizedTime",
    0x30: "SEQUENCE",
    0x31: "SET",
}


def encode_length(size: int) -> bytes:
    """The minimal (DER) length octets for ``size`` (X.690 §10.1)."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise InvalidValueError(f"length must be a non-negative int, not {size!r}")
    if size < 0x80:
        return bytes((size,))
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    if len(body) > 4:
        raise InvalidValueError(f"length {size} needs more than four octets")
    return bytes((0x80 | len(body),)) + body


def _length_value(octets: bytes) -> int | None:
    """The length the octets state, or None when they are not a definite form we accept."""
    if not octets:
        return None
    first = octets[0]
    if first < 0x80:
        return first if len(octets) == 1 else None
    count = first & 0x7F
    if count == 0 or count > 4 or len(octets) != 1 + count:
        return None
    return int.from_bytes(octets[1:], "big")


def _check_tag(_inst: object, _attribute: object, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFF:
        raise InvalidValueError(f"tag must be one octet, not {value!r}")
    if value & 0x1F == 0x1F:
        raise InvalidValueError(f"tag 0x{value:02X} uses the high-tag-number form")


def _children(value: Iterable[Tlv] | None) -> tuple[Tlv, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen
class Tlv:
    """One tag-length-value: ``tag`` (the identifier octet), the length octets as read, content.

    ``children`` is the decoded content of a constructed value (bit 6 of the tag set) and None
    for a primitive one. ``offset`` is where the tag was read (not compared). Build values with
    :meth:`primitive` and :meth:`constructed` (minimal lengths unless ``length_octets`` given).
    """

    tag: int = attrs.field(validator=_check_tag)
    length_octets: bytes = attrs.field(converter=bytes)
    content: bytes = attrs.field(converter=bytes, repr=False)
    children: tuple[Tlv, ...] | None = attrs.field(default=None, converter=_children)
    offset: int | None = attrs.field(default=None, eq=False, kw_only=True, repr=False)

    def __attrs_post_init__(self) -> None:
        if _length_value(self.length_octets) != len(self.content):
            raise InvalidValueError(
                f"length octets {self.length_octets.hex()} do not state {len(self.content)}"
            )
        if (self.children is None) == self.is_constructed:
            raise InvalidValueError(
                f"tag 0x{self.tag:02X}: children must be given exactly for constructed tags"
            )
        if self.children is not None and b"".join(c.encode() for c in self.children) != (
            self.content
        ):
            raise InvalidValueError("the children do not encode to the content")

    @classmethod
    def primitive(cls, tag: int, content: bytes, *, length_octets: bytes | None = None) -> Tlv:
        """A primitive value; minimal length octets unless given."""
        content = bytes(content)
        octets = encode_length(len(content)) if length_octets is None else length_octets
        return cls(tag, octets, content)

    @classmethod
    def constructed(
        cls, tag: int, children: Iterable[Tlv], *, length_octets: bytes | None = None
    ) -> Tlv:
        """A constructed value holding ``children``; minimal length octets unless given."""
        items = tuple(children)
        content = b"".join(c.encode() for c in items)
        octets = encode_length(len(content)) if length_octets is None else length_octets
        return cls(tag, octets, content, items)

    @property
    def is_constructed(self) -> bool:
        """True when bit 6 (0x20) of the identifier is set."""
        return bool(self.tag & 0x20)

    @property
    def tag_class(self) -> str:
        """``universal``, ``application``, ``context`` or ``private``."""
        return ("universal", "application", "context", "private")[self.tag >> 6]

    @property
    def number(self) -> int:
        """The tag number (low five bits)."""
        return self.tag & 0x1F

    @property
    def minimal(self) -> bool:
        """True when the length octets are the DER (shortest) form."""
        return self.length_octets == encode_length(len(self.content))

    @property
    def type_name(self) -> str:
        """``SEQUENCE``, ``INTEGER``, ``[3]`` (context tag 3)..."""
        if self.tag_class == "universal":
            return UNIVERSAL_NAMES.get(self.tag, f"UNIVERSAL {self.number}")
        prefix = {"application": "APPLICATION ", "context": "", "private": "PRIVATE "}
        return f"[{prefix[self.tag_class]}{self.number}]"

    @property
    def size(self) -> int:
        """Number of octets of the whole encoding."""
        return 1 + len(self.length_octets) + len(self.content)

    def encode(self) -> bytes:
        """The octets, exactly as decoded (including non-minimal length octets)."""
        return bytes((self.tag,)) + self.length_octets + self.content

    def integer(self) -> int:
        """The content as a two's-complement INTEGER/ENUMERATED (arbitrary precision)."""
        if not self.content:
            raise DecodeError("empty INTEGER", offset=self.offset, path="")
        return int.from_bytes(self.content, "big", signed=True)


def parse_generalized_time(content: bytes) -> dt.datetime | None:
    """``YYYYMMDDHHMMSSZ`` as an aware UTC datetime; None for any other form.

    Read as ``strptime("%Y%m%d%H%M%S")`` reads it. The fields are first taken two digits at a
    time (the reading strptime tries first, and the one it returns whenever it is a valid
    datetime); only digits that do not make one go through strptime itself.
    """
    if not isinstance(content, bytes | bytearray):
        raise InvalidValueError(f"content must be bytes, not {type(content).__name__}")
    if len(content) != 15 or content[-1:] != b"Z" or not content[:14].isdigit():
        return None
    try:
        return dt.datetime(
            int(content[:4]),
            int(content[4:6]),
            int(content[6:8]),
            int(content[8:10]),
            int(content[10:12]),
            int(content[12:14]),
            tzinfo=dt.UTC,
        )
    except ValueError:
        pass
    try:
        return dt.datetime.strptime(content[:14].decode("ascii"), "%Y%m%d%H%M%S").replace(
            tzinfo=dt.UTC
        )
    except ValueError:
        return None


# Decoded TLVs are filled slot by slot through the slots' own setters, skipping __init__'s
# validators (as secrules.dlms.data does): the reader checks every value itself, and the tests
# compare decoded TLVs with __init__-built ones.
_new = object.__new__


_set_tag, _set_length_octets, _set_content, _set_children, _set_offset = slot_setters(
    Tlv, "tag", "length_octets", "content", "children", "offset"
)


def _read(data: bytes, pos: int, end: int, depth: int) -> tuple[Tlv, int]:
    """The TLV at ``pos`` and the offset after it; errors carry a path relative to it."""
    if pos >= end:
        raise DecodeError("truncated: tag expected", offset=pos, path="")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DecodeError(
            f"high tag number form (0x{tag:02X}) is not used by GBCS payloads",
            offset=pos,
            path="",
        )
    lpos = pos + 1
    if lpos >= end:
        raise DecodeError("truncated: length expected", offset=lpos, path="")
    first = data[lpos]
    if first < 0x80:
        size, cpos = first, lpos + 1
    else:
        count = first & 0x7F
        if count == 0:
            raise DecodeError("indefinite length is not allowed in DER", offset=lpos, path="")
        if count > 4:
            raise DecodeError(f"{count}-octet length is too long", offset=lpos, path="")
        if lpos + 1 + count > end:
            raise DecodeError("truncated length octets", offset=lpos, path="")
        size = int.from_bytes(data[lpos + 1 : lpos + 1 + count], "big")
        cpos = lpos + 1 + count
    if size > end - cpos:
        raise DecodeError(
            f"length {size} exceeds the {end - cpos} octets left", offset=lpos, path=""
        )
    cend = cpos + size
    tlv = _new(Tlv)
    if tag & 0x20:
        if depth >= MAX_DEPTH:
            raise DecodeError(f"nesting deeper than {MAX_DEPTH}", offset=pos, path="")
        items: list[Tlv] = []
        at = cpos
        while at < cend:
            try:
                child, at = _read(data, at, cend, depth + 1)
            except DecodeError as exc:
                exc.path = f"[{len(items)}]{exc.path or ''}"
                raise
            items.append(child)
        _set_children(tlv, tuple(items))
    else:
        _set_children(tlv, None)
    _set_tag(tlv, tag)
    _set_length_octets(tlv, data[lpos:cpos])
    _set_content(tlv, data[cpos:cend])
    _set_offset(tlv, pos)
    return tlv, cend


def decode_tlv(data: bytes, offset: int = 0) -> Tlv:
    """Decode exactly one TLV filling ``data[offset:]``; DecodeError on anything else.

    ``offset`` is an ``int`` from 0 (InvalidValueError otherwise: a negative one would read
    from the end).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidValueError(f"data must be bytes, not {type(data).__name__}")
    require_int(offset, "offset", minimum=0)
    data = bytes(data)
    tlv, end = _read(data, offset, len(data), 0)
    if end != len(data):
        raise DecodeError(f"{len(data) - end} trailing octets after the DER value", offset=end)
    return tlv
