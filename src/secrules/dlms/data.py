"""The A-XDR ``Data`` codec: typed values for every Data CHOICE, exact round trip.

Tag numbers follow Gurux ``DataType`` and gbcs-parser's Data CHOICE (they agree). Rules D1-D7 of
the project's DLMS spec apply:

* counts and lengths use :mod:`secrules.dlms.lengths` (minimal DER-style; ``80`` rejected);
* every node keeps its tag, so ``LongUnsigned(1)`` and ``Unsigned(1)`` encode differently;
* :class:`Boolean` keeps its raw octet; :class:`BitString` keeps its bit count and rejects
  non-zero padding; floats keep their raw octets; strings are kept as bytes;
* every decoded node records the byte ``offset`` of its tag in the input (``eq=False``), and
  every :class:`~secrules.errors.DecodeError` carries an offset and a path such as ``[0][3]``;
* every decode works within a :class:`DecodeBudget` proportional to its input, so a
  compact-array cannot expand a few octets into millions of nodes (docs/dlms.md).

Decoding is a hand-written tag-dispatch loop over precompiled :mod:`struct` formats (measured
faster than construct's compiled parsers; see docs/performance.md); nodes are filled slot by
slot rather than through ``__init__``. Nesting deeper than :data:`MAX_DEPTH` is rejected rather
than overflowing the Python stack.
"""

from __future__ import annotations

import gc
import struct
from collections.abc import Callable, Iterable, Iterator
from enum import IntEnum
from typing import Any, ClassVar, TypeAlias

import attrs

from secrules.core.slots import slot_setter
from secrules.dlms.cosem import CosemDate, CosemDateTime, CosemTime, Obis
from secrules.dlms.lengths import decode_length, encode_length
from secrules.errors import DecodeError, InvalidValueError

__all__ = [
    "BUDGET_BASE",
    "BUDGET_PER_OCTET",
    "DATA_CLASSES",
    "MAX_DEPTH",
    "Array",
    "Bcd",
    "BitString",
    "Boolean",
    "CompactArray",
    "Data",
    "DataTag",
    "DateData",
    "DateTimeData",
    "DecodeBudget",
    "DoubleLong",
    "DoubleLongUnsigned",
    "Enum",
    "Float32",
    "Float64",
    "Integer",
    "Long",
    "Long64",
    "Long64Unsigned",
    "LongUnsigned",
    "NullData",
    "OctetString",
    "Structure",
    "TimeData",
    "TypeDescription",
    "Unsigned",
    "Utf8String",
    "VisibleString",
    "decode_data",
    "decode_data_at",
    "encode_data",
]

#: Deepest nesting of arrays/structures/compact-array descriptions accepted when decoding.
MAX_DEPTH = 64


class DataTag(IntEnum):
    """The Data CHOICE numbers (tags)."""

    NULL_DATA = 0
    ARRAY = 1
    STRUCTURE = 2
    BOOLEAN = 3
    BIT_STRING = 4
    DOUBLE_LONG = 5
    DOUBLE_LONG_UNSIGNED = 6
    OCTET_STRING = 9
    VISIBLE_STRING = 10
    UTF8_STRING = 12
    BCD = 13
    INTEGER = 15
    LONG = 16
    UNSIGNED = 17
    LONG_UNSIGNED = 18
    COMPACT_ARRAY = 19
    LONG64 = 20
    LONG64_UNSIGNED = 21
    ENUM = 22
    FLOAT32 = 23
    FLOAT64 = 24
    DATE_TIME = 25
    DATE = 26
    TIME = 27


def _is_int(value: object) -> bool:
    return type(value) is int or (isinstance(value, int) and not isinstance(value, bool))


def _check_bytes(inst: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if type(value) is not bytes:
        raise InvalidValueError(
            f"{type(inst).__name__}.{attribute.name}: expected bytes, got {type(value).__name__}"
        )


def _check_items(inst: object, _attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
    for i, item in enumerate(value):
        if not isinstance(item, Data):
            raise InvalidValueError(
                f"{type(inst).__name__}[{i}]: expected a Data value, got {type(item).__name__}"
            )


def _data_tuple(items: Iterable[Data]) -> tuple[Data, ...]:
    return items if type(items) is tuple else tuple(items)


def _description_tuple(items: Iterable[TypeDescription]) -> tuple[TypeDescription, ...]:
    return tuple(items)


@attrs.frozen(weakref_slot=False)
class Data:
    """Base of every A-XDR Data value. ``offset`` is where the tag was read (not compared)."""

    tag: ClassVar[int] = -1
    type_name: ClassVar[str] = "data"

    offset: int | None = attrs.field(default=None, eq=False, kw_only=True, repr=False)

    def encode(self) -> bytes:
        """This value's A-XDR encoding (same as :func:`encode_data`)."""
        out = bytearray()
        self._encode(out)
        return bytes(out)

    def _encode(self, out: bytearray) -> None:
        out.append(self.tag)
        self._encode_content(out)

    def _encode_content(self, out: bytearray) -> None:
        raise NotImplementedError


@attrs.frozen(weakref_slot=False)
class NullData(Data):
    """``null-data`` (tag 0): no content."""

    tag: ClassVar[int] = 0
    type_name: ClassVar[str] = "null-data"

    def _encode_content(self, out: bytearray) -> None:
        pass


@attrs.frozen(weakref_slot=False)
class _Sequence(Data):
    items: tuple[Data, ...] = attrs.field(converter=_data_tuple, validator=_check_items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Data:
        return self.items[index]

    def __iter__(self) -> Iterator[Data]:
        return iter(self.items)

    def _encode_content(self, out: bytearray) -> None:
        out += encode_length(len(self.items))
        for item in self.items:
            item._encode(out)


@attrs.frozen(weakref_slot=False)
class Array(_Sequence):
    """``array`` (tag 1): a count, then that many tagged elements."""

    tag: ClassVar[int] = 1
    type_name: ClassVar[str] = "array"


@attrs.frozen(weakref_slot=False)
class Structure(_Sequence):
    """``structure`` (tag 2): a count, then that many tagged members."""

    tag: ClassVar[int] = 2
    type_name: ClassVar[str] = "structure"


def _check_raw_octet(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not _is_int(value) or not 0 <= value <= 0xFF:
        raise InvalidValueError(f"{attribute.name}: expected an octet 0..255, got {value!r}")


@attrs.frozen(weakref_slot=False)
class Boolean(Data):
    """``boolean`` (tag 3): one octet, ``00`` false and any other value true (D3).

    ``raw`` is the octet as sent (RTDS always sends ``FF`` for true); :attr:`value` is the truth
    value. Equality compares the raw octet; :meth:`of` makes ``FF``/``00`` from a bool.
    """

    tag: ClassVar[int] = 3
    type_name: ClassVar[str] = "boolean"

    raw: int = attrs.field(validator=_check_raw_octet)

    @classmethod
    def of(cls, value: bool, *, raw: int | None = None) -> Boolean:  # noqa: FBT001 - a value
        """``FF`` for True and ``00`` for False, unless ``raw`` is given."""
        if raw is not None:
            if bool(raw) != bool(value):
                raise InvalidValueError(f"raw octet 0x{raw:02X} does not mean {value}")
            return cls(raw)
        return cls(0xFF if value else 0x00)

    @property
    def value(self) -> bool:
        """The truth value (any non-zero octet is true)."""
        return self.raw != 0

    def __bool__(self) -> bool:
        return self.raw != 0

    def _encode_content(self, out: bytearray) -> None:
        out.append(self.raw)


@attrs.frozen(weakref_slot=False)
class BitString(Data):
    """``bit-string`` (tag 4): ``length_bits`` bits packed MSB-first into ``data`` (D4).

    Bit 0 is the most significant bit of the first octet; unused low-order bits of the last
    octet are padding and must be zero, so every value has exactly one encoding.
    """

    tag: ClassVar[int] = 4
    type_name: ClassVar[str] = "bit-string"

    length_bits: int
    data: bytes = attrs.field(validator=_check_bytes)

    def __attrs_post_init__(self) -> None:
        n = self.length_bits
        if not _is_int(n) or n < 0 or n > 0xFFFFFFFF:
            raise InvalidValueError(f"bit-string length {n!r} not 0..2**32-1")
        if len(self.data) != (n + 7) // 8:
            raise InvalidValueError(
                f"bit-string of {n} bits needs {(n + 7) // 8} octets, got {len(self.data)}"
            )
        if n % 8 and self.data[-1] & (0xFF >> (n % 8)):
            raise InvalidValueError(f"bit-string of {n} bits has non-zero padding bits")

    @classmethod
    def from_bits(cls, bits: Iterable[bool | int]) -> BitString:
        """Pack bits (bit 0 first, MSB-first) with zero padding."""
        seq = [bool(b) for b in bits]
        out = bytearray((len(seq) + 7) // 8)
        for i, bit in enumerate(seq):
            if bit:
                out[i >> 3] |= 0x80 >> (i & 7)
        return cls(len(seq), bytes(out))

    @property
    def bits(self) -> tuple[bool, ...]:
        """The bits, bit 0 (MSB of the first octet) first."""
        return tuple(map("1".__eq__, str(self)))  # C loops: a decoded string can be long

    def __len__(self) -> int:
        return self.length_bits

    def __str__(self) -> str:
        """The bits as ``0``/``1`` characters, bit 0 first."""
        if not self.length_bits:
            return ""
        text = format(int.from_bytes(self.data, "big"), f"0{len(self.data) * 8}b")
        return text[: self.length_bits]

    def _encode_content(self, out: bytearray) -> None:
        out += encode_length(self.length_bits)
        out += self.data


@attrs.frozen(weakref_slot=False)
class _Int(Data):
    value: int

    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = 0
    _packer: ClassVar[struct.Struct] = struct.Struct(">B")

    def __attrs_post_init__(self) -> None:
        value = self.value
        if not _is_int(value) or not self.minimum <= value <= self.maximum:
            raise InvalidValueError(
                f"{self.type_name} value {value!r} not {self.minimum}..{self.maximum}"
            )

    def __int__(self) -> int:
        return self.value

    def _encode_content(self, out: bytearray) -> None:
        out += self._packer.pack(self.value)


@attrs.frozen(weakref_slot=False)
class DoubleLong(_Int):
    """``double-long`` (tag 5): int32 big-endian."""

    tag: ClassVar[int] = 5
    type_name: ClassVar[str] = "double-long"
    minimum: ClassVar[int] = -(1 << 31)
    maximum: ClassVar[int] = (1 << 31) - 1
    _packer: ClassVar[struct.Struct] = struct.Struct(">i")


@attrs.frozen(weakref_slot=False)
class DoubleLongUnsigned(_Int):
    """``double-long-unsigned`` (tag 6): uint32 big-endian."""

    tag: ClassVar[int] = 6
    type_name: ClassVar[str] = "double-long-unsigned"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = (1 << 32) - 1
    _packer: ClassVar[struct.Struct] = struct.Struct(">I")


@attrs.frozen(weakref_slot=False)
class Bcd(_Int):
    """``bcd`` (tag 13): one octet, kept raw (0..255; digits are not checked)."""

    tag: ClassVar[int] = 13
    type_name: ClassVar[str] = "bcd"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = 0xFF
    _packer: ClassVar[struct.Struct] = struct.Struct(">B")


@attrs.frozen(weakref_slot=False)
class Integer(_Int):
    """``integer`` (tag 15): int8."""

    tag: ClassVar[int] = 15
    type_name: ClassVar[str] = "integer"
    minimum: ClassVar[int] = -128
    maximum: ClassVar[int] = 127
    _packer: ClassVar[struct.Struct] = struct.Struct(">b")


@attrs.frozen(weakref_slot=False)
class Long(_Int):
    """``long`` (tag 16): int16 big-endian."""

    tag: ClassVar[int] = 16
    type_name: ClassVar[str] = "long"
    minimum: ClassVar[int] = -(1 << 15)
    maximum: ClassVar[int] = (1 << 15) - 1
    _packer: ClassVar[struct.Struct] = struct.Struct(">h")


@attrs.frozen(weakref_slot=False)
class Unsigned(_Int):
    """``unsigned`` (tag 17): uint8."""

    tag: ClassVar[int] = 17
    type_name: ClassVar[str] = "unsigned"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = 0xFF
    _packer: ClassVar[struct.Struct] = struct.Struct(">B")


@attrs.frozen(weakref_slot=False)
class LongUnsigned(_Int):
    """``long-unsigned`` (tag 18): uint16 big-endian."""

    tag: ClassVar[int] = 18
    type_name: ClassVar[str] = "long-unsigned"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = 0xFFFF
    _packer: ClassVar[struct.Struct] = struct.Struct(">H")


@attrs.frozen(weakref_slot=False)
class Long64(_Int):
    """``long64`` (tag 20): int64 big-endian."""

    tag: ClassVar[int] = 20
    type_name: ClassVar[str] = "long64"
    minimum: ClassVar[int] = -(1 << 63)
    maximum: ClassVar[int] = (1 << 63) - 1
    _packer: ClassVar[struct.Struct] = struct.Struct(">q")


@attrs.frozen(weakref_slot=False)
class Long64Unsigned(_Int):
    """``long64-unsigned`` (tag 21): uint64 big-endian."""

    tag: ClassVar[int] = 21
    type_name: ClassVar[str] = "long64-unsigned"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = (1 << 64) - 1
    _packer: ClassVar[struct.Struct] = struct.Struct(">Q")


@attrs.frozen(weakref_slot=False)
class Enum(_Int):
    """``enum`` (tag 22): uint8."""

    tag: ClassVar[int] = 22
    type_name: ClassVar[str] = "enum"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = 0xFF
    _packer: ClassVar[struct.Struct] = struct.Struct(">B")


@attrs.frozen(weakref_slot=False)
class _Bytes(Data):
    value: bytes = attrs.field(validator=_check_bytes)

    def __len__(self) -> int:
        return len(self.value)

    def __bytes__(self) -> bytes:
        return self.value

    def _encode_content(self, out: bytearray) -> None:
        out += encode_length(len(self.value))
        out += self.value


@attrs.frozen(weakref_slot=False)
class OctetString(_Bytes):
    """``octet-string`` (tag 9): a length and the octets, kept as bytes.

    GBCS carries dates, times, date-times and OBIS codes as octet-strings; the codec never
    guesses which from the length. Interpret a field you know with :meth:`as_date`,
    :meth:`as_time`, :meth:`as_datetime` or :meth:`as_obis` (DecodeError on a wrong length,
    citing this value's offset).
    """

    tag: ClassVar[int] = 9
    type_name: ClassVar[str] = "octet-string"

    def as_date(self) -> CosemDate:
        """The five octets as a :class:`CosemDate`."""
        return CosemDate.from_bytes(self.value, offset=self.offset)

    def as_time(self) -> CosemTime:
        """The four octets as a :class:`CosemTime`."""
        return CosemTime.from_bytes(self.value, offset=self.offset)

    def as_datetime(self) -> CosemDateTime:
        """The twelve octets as a :class:`CosemDateTime`."""
        return CosemDateTime.from_bytes(self.value, offset=self.offset)

    def as_obis(self) -> Obis:
        """The six octets as an :class:`Obis` code."""
        return Obis.from_bytes(self.value, offset=self.offset)


@attrs.frozen(weakref_slot=False)
class VisibleString(_Bytes):
    """``visible-string`` (tag 10): octets kept as bytes; :attr:`text` decodes ASCII."""

    tag: ClassVar[int] = 10
    type_name: ClassVar[str] = "visible-string"

    @property
    def text(self) -> str:
        """The text; DecodeError if the octets are not ASCII."""
        try:
            return self.value.decode("ascii")
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"visible-string is not ASCII at octet {exc.start}", offset=self.offset
            ) from None


@attrs.frozen(weakref_slot=False)
class Utf8String(_Bytes):
    """``utf8-string`` (tag 12): octets kept as bytes; :attr:`text` decodes UTF-8."""

    tag: ClassVar[int] = 12
    type_name: ClassVar[str] = "utf8-string"

    @property
    def text(self) -> str:
        """The text; DecodeError if the octets are not valid UTF-8."""
        try:
            return self.value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"utf8-string is not valid UTF-8 at octet {exc.start}", offset=self.offset
            ) from None


@attrs.frozen(weakref_slot=False)
class _Float(Data):
    raw: bytes = attrs.field(validator=_check_bytes)

    _format: ClassVar[struct.Struct] = struct.Struct(">f")

    def __attrs_post_init__(self) -> None:
        if len(self.raw) != self._format.size:
            raise InvalidValueError(
                f"{self.type_name} needs {self._format.size} octets, got {len(self.raw)}"
            )

    @property
    def value(self) -> float:
        """The IEEE 754 value (NaN payloads and -0.0 are kept in :attr:`raw`)."""
        return float(self._format.unpack(self.raw)[0])

    def _encode_content(self, out: bytearray) -> None:
        out += self.raw


@attrs.frozen(weakref_slot=False)
class Float32(_Float):
    """``float32`` (tag 23): IEEE 754 binary32 big-endian, kept as its 4 raw octets (D6)."""

    tag: ClassVar[int] = 23
    type_name: ClassVar[str] = "float32"
    _format: ClassVar[struct.Struct] = struct.Struct(">f")

    @classmethod
    def of(cls, value: float) -> Float32:
        """Encode a Python float (OverflowError-free: out of range gives InvalidValueError)."""
        try:
            return cls(cls._format.pack(value))
        except (OverflowError, struct.error) as exc:
            raise InvalidValueError(f"{value!r} does not fit float32: {exc}") from None


@attrs.frozen(weakref_slot=False)
class Float64(_Float):
    """``float64`` (tag 24): IEEE 754 binary64 big-endian, kept as its 8 raw octets (D6)."""

    tag: ClassVar[int] = 24
    type_name: ClassVar[str] = "float64"
    _format: ClassVar[struct.Struct] = struct.Struct(">d")

    @classmethod
    def of(cls, value: float) -> Float64:
        """Encode a Python float."""
        return cls(cls._format.pack(value))


@attrs.frozen(weakref_slot=False)
class DateTimeData(Data):
    """``date-time`` (tag 25): 12 octets, no length (GBCS uses octet-string(12) instead)."""

    tag: ClassVar[int] = 25
    type_name: ClassVar[str] = "date-time"

    value: CosemDateTime

    def _encode_content(self, out: bytearray) -> None:
        out += self.value.to_bytes()


@attrs.frozen(weakref_slot=False)
class DateData(Data):
    """``date`` (tag 26): 5 octets, no length."""

    tag: ClassVar[int] = 26
    type_name: ClassVar[str] = "date"

    value: CosemDate

    def _encode_content(self, out: bytearray) -> None:
        out += self.value.to_bytes()


@attrs.frozen(weakref_slot=False)
class TimeData(Data):
    """``time`` (tag 27): 4 octets, no length."""

    tag: ClassVar[int] = 27
    type_name: ClassVar[str] = "time"

    value: CosemTime

    def _encode_content(self, out: bytearray) -> None:
        out += self.value.to_bytes()


# --------------------------------------------------------------------------------------------
# Compact-array, rule D5.

_SIMPLE_TAGS = frozenset(
    {0, 3, 4, 5, 6, 9, 10, 12, 13, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27}
)


@attrs.frozen(weakref_slot=False)
class TypeDescription:
    """A compact-array type description (D5).

    ``tag`` is a Data tag. For an array (1), ``count`` is the element count (0..65535) and
    ``elements`` holds the one element description; for a structure (2), ``elements`` holds
    the member descriptions; simple types have neither. Compact-arrays do not nest.
    """

    tag: int
    count: int | None = None
    elements: tuple[TypeDescription, ...] = attrs.field(default=(), converter=_description_tuple)

    def __attrs_post_init__(self) -> None:
        if self.tag == 1:
            ok = (
                _is_int(self.count) and 0 <= (self.count or 0) <= 0xFFFF and len(self.elements) == 1
            )
        elif self.tag == 2:
            ok = self.count is None
        else:
            ok = self.tag in _SIMPLE_TAGS and self.count is None and not self.elements
        if not ok or not all(isinstance(e, TypeDescription) for e in self.elements):
            raise InvalidValueError(f"invalid compact-array type description {self!r}")

    def encode(self) -> bytes:
        """The description's octets."""
        out = bytearray()
        self._encode(out)
        return bytes(out)

    def _encode(self, out: bytearray) -> None:
        out.append(self.tag)
        if self.tag == 1:
            out += (self.count or 0).to_bytes(2, "big")
            self.elements[0]._encode(out)
        elif self.tag == 2:
            out += encode_length(len(self.elements))
            for element in self.elements:
                element._encode(out)

    def matches(self, value: Data) -> bool:
        """Whether ``value`` has the shape this description gives."""
        if value.tag != self.tag:
            return False
        if isinstance(value, Array):
            return len(value.items) == self.count and all(
                self.elements[0].matches(v) for v in value.items
            )
        if isinstance(value, Structure):
            return len(value.items) == len(self.elements) and all(
                d.matches(v) for d, v in zip(self.elements, value.items, strict=True)
            )
        return True


@attrs.frozen(weakref_slot=False)
class CompactArray(Data):
    """``compact-array`` (tag 19): a type description, then untagged values (D5).

    On the wire: description, contents length in octets (D1), then the values without tags,
    repeated until the contents are used up. ``items`` are ordinary Data values (arrays and
    structures for composite descriptions); each must match ``description``. Decoded items
    record the offset of their first content octet (they have no tag).
    """

    tag: ClassVar[int] = 19
    type_name: ClassVar[str] = "compact-array"

    description: TypeDescription
    items: tuple[Data, ...] = attrs.field(converter=_data_tuple, validator=_check_items)

    def __attrs_post_init__(self) -> None:
        for i, item in enumerate(self.items):
            if not self.description.matches(item):
                raise InvalidValueError(f"compact-array item [{i}] does not match its description")

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Data:
        return self.items[index]

    def __iter__(self) -> Iterator[Data]:
        return iter(self.items)

    def _encode_content(self, out: bytearray) -> None:
        self.description._encode(out)
        contents = bytearray()
        for item in self.items:
            _encode_untagged(self.description, item, contents)
        if self.items and not contents:
            raise InvalidValueError(
                "compact-array of zero-size elements cannot be encoded (count would be lost)"
            )
        out += encode_length(len(contents))
        out += contents


def _encode_untagged(desc: TypeDescription, value: Data, out: bytearray) -> None:
    if desc.tag == 1:
        assert isinstance(value, Array)  # noqa: S101 - checked by TypeDescription.matches
        for item in value.items:
            _encode_untagged(desc.elements[0], item, out)
    elif desc.tag == 2:
        assert isinstance(value, Structure)  # noqa: S101 - checked by TypeDescription.matches
        for d, item in zip(desc.elements, value.items, strict=True):
            _encode_untagged(d, item, out)
    else:
        value._encode_content(out)


# --------------------------------------------------------------------------------------------
# Decoding
#
# Every decode spends a DecodeBudget of units: one per Data node it builds (compact-array items
# and zero-size values included), one more per array, structure or compact-array (its tuple)
# and one per array or structure type-description node (simple descriptions are shared). A
# container pays for its elements before building them: a tagged array or structure when it
# reads their count, a compact-array before each element (what one element costs is known from
# the description). Nothing is built that was not paid for, so the work and memory of a decode
# are bounded by its budget.

#: Units a decode may spend per octet of its input (see :class:`DecodeBudget`).
BUDGET_PER_OCTET = 1
#: Units every decode may spend whatever its length (small inputs, dense compact-arrays).
BUDGET_BASE = 4096
_HUGE = 1 << 62  # node counts and sizes computed from descriptions are capped here


class DecodeBudget:
    """The units a decode may still spend (docs/dlms.md, "Decode budget").

    :meth:`for_length` gives ``BUDGET_PER_OCTET * length + BUDGET_BASE`` units. Every Data node
    built costs one unit (zero-size ones too), an array, structure or compact-array one more
    (its tuple), an array or structure type-description node one. Tagged input never exceeds it
    (a tagged leaf takes at least its tag octet, a container its tag and count); a
    compact-array whose description expands to more than is left is refused with a
    :class:`DecodeError` at the element that would not fit. Pass one budget to several decodes
    of the same input (as :func:`secrules.dlms.decode_access` does) so that they share it.
    """

    __slots__ = ("depth", "left", "limit")

    def __init__(self, limit: int) -> None:
        if not _is_int(limit) or limit < 0:
            raise InvalidValueError(f"a decode budget is a non-negative int, got {limit!r}")
        self.limit = limit
        self.left = limit
        self.depth = 0  # nesting of the array or structure being decoded

    @classmethod
    def for_length(cls, length: int) -> DecodeBudget:
        """The budget for decoding ``length`` octets."""
        return cls(BUDGET_PER_OCTET * max(length, 0) + BUDGET_BASE)

    @property
    def spent(self) -> int:
        """Units spent so far."""
        return self.limit - self.left

    def charge(
        self, units: int, *, offset: int | None, path: str = "", what: str = "a value"
    ) -> None:
        """Spend ``units``; DecodeError (at ``offset``/``path``) if fewer are left."""
        left = self.left - units
        if left < 0:
            raise self.exceeded(units, offset=offset, path=path, what=what)
        self.left = left

    def _pay(self, units: int, offset: int, path: str, noun: str) -> None:
        """:meth:`charge` ``units`` of ``noun``; the message is built only when they are refused."""
        left = self.left - units
        if left < 0:
            raise self.exceeded(units, offset=offset, path=path, what=f"{units} {noun}")
        self.left = left

    def exceeded(self, units: int, *, offset: int | None, path: str, what: str) -> DecodeError:
        """The error for ``what`` needing ``units`` more than are left."""
        return DecodeError(
            f"decode budget exceeded: {what} needs {units} unit(s) but {self.left} of "
            f"{self.limit} are left",
            offset=offset,
            path=path,
        )

    def __repr__(self) -> str:
        return f"DecodeBudget(limit={self.limit}, left={self.left})"


_Decoder: TypeAlias = Callable[[bytes, int, int, int, DecodeBudget], tuple[Data, int]]

#: Inputs from this many octets up are decoded with the cyclic garbage collector paused.
GC_PAUSE_OCTETS = 16 * 1024


def pause_gc(size: int) -> bool:
    """Pause the cyclic GC while decoding ``size`` octets; True if the caller must resume it.

    A decode builds only acyclic trees, which the collector would traverse again and again as
    they grow (it doubled the time of a 1 MiB decode). Reference counting still frees them.
    Pair with ``if paused: gc.enable()`` in a ``finally``; nested and concurrent decodes leave
    the collector as they found it once the outermost one ends.
    """
    if size < GC_PAUSE_OCTETS or not gc.isenabled():
        return False
    gc.disable()
    return True


# Decoded nodes are filled slot by slot (object.__new__ and the slots' own setters), skipping
# __init__'s validators: every value below was range-checked by the reader itself, and the
# round-trip tests compare decoded nodes with __init__-built ones.
_new = object.__new__
_SMALL = 64  # compact-arrays with more elements are built through a generator (no list copy)


_set_offset = slot_setter(Data, "offset")
_set_items = slot_setter(_Sequence, "items")


def _truncated(what: str, start: int) -> DecodeError:
    return DecodeError(f"truncated {what}", offset=start, path="")


def _prefix(exc: DecodeError, step: str) -> None:
    exc.path = step + (exc.path or "")


def _dec_unknown(
    data: bytes, pos: int, n: int, start: int, budget: DecodeBudget
) -> tuple[Data, int]:
    raise DecodeError(f"unknown Data tag 0x{data[start]:02X}", offset=start, path="")


def _dec_null(data: bytes, pos: int, n: int, start: int, budget: DecodeBudget) -> tuple[Data, int]:
    node = _new(NullData)
    _set_offset(node, start)
    return node, pos


def _tagged_items(  # noqa: PLR0917 - the decoder's hot loop, positional on purpose
    name: str,
    data: bytes,
    pos: int,
    n: int,
    count: int,
    budget: DecodeBudget,
) -> tuple[tuple[Data, ...], int]:
    """``count`` tagged elements from ``pos``: their tuple and the offset after them."""
    items: list[Data] = []
    append = items.append
    decoders = _DECODERS
    for i in range(count):
        if pos >= n:
            raise DecodeError(f"truncated {name}: element {i} missing", offset=pos, path=f"[{i}]")
        tag = data[pos]
        if tag:
            try:
                item, pos = decoders[tag](data, pos + 1, n, pos, budget)
            except DecodeError as exc:
                _prefix(exc, f"[{i}]")
                raise
        else:  # null-data inline: the cheapest node, so the one hostile input repeats
            item = _new(NullData)
            _set_offset(item, pos)
            pos += 1
        append(item)
    return tuple(items), pos


def _make_seq_decoder(cls: type[_Sequence]) -> _Decoder:
    name = cls.type_name

    def dec(data: bytes, pos: int, n: int, start: int, budget: DecodeBudget) -> tuple[Data, int]:
        depth = budget.depth
        if depth >= MAX_DEPTH:
            raise DecodeError(f"{name} nested deeper than {MAX_DEPTH}", offset=start, path="")
        if pos < n and data[pos] < 0x80:
            count = data[pos]
            pos += 1
        elif pos >= n:
            raise DecodeError("truncated: length expected", offset=pos, path="")
        else:
            count, pos = decode_length(data, pos, path="")
        if count > n - pos:
            raise DecodeError(
                f"{name} count {count} exceeds the {n - pos} octets left", offset=start, path=""
            )
        left = budget.left - count - 1  # the elements, and this node's tuple of them
        if left < 0:
            raise budget.exceeded(
                count + 1, offset=start, path="", what=f"{name} of {count} elements"
            )
        budget.left = left
        node = _new(cls)
        if not count:
            _set_items(node, ())
            _set_offset(node, start)
            return node, pos
        budget.depth = depth + 1
        if count == 1:  # common, and the costliest per octet: no list, null-data inline
            tag = data[pos]  # there is an octet: count <= n - pos
            if tag:
                try:
                    item, pos = _DECODERS[tag](data, pos + 1, n, pos, budget)
                except DecodeError as exc:
                    _prefix(exc, "[0]")
                    raise
            else:
                item = _new(NullData)
                _set_offset(item, pos)
                pos += 1
            _set_items(node, (item,))
        elif count == 2 and not data[pos] and not data[pos + 1]:  # two null-data: no list
            first = _new(NullData)
            _set_offset(first, pos)
            second = _new(NullData)
            _set_offset(second, pos + 1)
            pos += 2
            _set_items(node, (first, second))
        else:
            items, pos = _tagged_items(name, data, pos, n, count, budget)
            _set_items(node, items)
        budget.depth = depth
        _set_offset(node, start)
        return node, pos

    return dec


_set_raw = slot_setter(Boolean, "raw")


def _dec_boolean(
    data: bytes, pos: int, n: int, start: int, budget: DecodeBudget
) -> tuple[Data, int]:
    if pos >= n:
        raise _truncated("boolean", start)
    node = _new(Boolean)
    _set_raw(node, data[pos])
    _set_offset(node, start)
    return node, pos + 1


_set_length_bits = slot_setter(BitString, "length_bits")
_set_bit_data = slot_setter(BitString, "data")


def _dec_bit_string(
    data: bytes, pos: int, n: int, start: int, budget: DecodeBudget
) -> tuple[Data, int]:
    if pos < n and data[pos] < 0x80:
        bits = data[pos]
        pos += 1
    else:
        bits, pos = decode_length(data, pos, path="")
    end = pos + ((bits + 7) >> 3)
    if end > n:
        raise _truncated(f"bit-string of {bits} bits", start)
    content = data[pos:end]
    if bits & 7 and content[-1] & (0xFF >> (bits & 7)):
        raise DecodeError(
            f"bit-string of {bits} bits has non-zero padding in octet 0x{content[-1]:02X}",
            offset=end - 1,
            path="",
        )
    node = _new(BitString)
    _set_length_bits(node, bits)
    _set_bit_data(node, content)
    _set_offset(node, start)
    return node, end


_set_bytes = slot_setter(_Bytes, "value")


def _make_bytes_decoder(cls: type[_Bytes]) -> _Decoder:
    name = cls.type_name

    def dec(data: bytes, pos: int, n: int, start: int, budget: DecodeBudget) -> tuple[Data, int]:
        if pos < n and data[pos] < 0x80:
            size = data[pos]
            pos += 1
        else:
            size, pos = decode_length(data, pos, path="")
        end = pos + size
        if end > n:
            raise _truncated(f"{name} of {size} octets", start)
        node = _new(cls)
        _set_bytes(node, data[pos:end])
        _set_offset(node, start)
        return node, end

    return dec


_set_int = slot_setter(_Int, "value")


def _make_int_decoder(cls: type[_Int]) -> _Decoder:
    unpack = cls._packer.unpack_from
    size = cls._packer.size
    name = cls.type_name

    if cls._packer.format == ">B":  # unsigned, enum, bcd: the octet is the value

        def dec_octet(
            data: bytes, pos: int, n: int, start: int, budget: DecodeBudget
        ) -> tuple[Data, int]:
            if pos >= n:
                raise _truncated(name, start)
            node = _new(cls)
            _set_int(node, data[pos])
            _set_offset(node, start)
            return node, pos + 1

        return dec_octet

    def dec(data: bytes, pos: int, n: int, start: int, budget: DecodeBudget) -> tuple[Data, int]:
        end = pos + size
        if end > n:
            raise _truncated(name, start)
        node = _new(cls)
        _set_int(node, unpack(data, pos)[0])
        _set_offset(node, start)
        return node, end

    return dec


def _make_fixed_decoder(
    cls: type[Data], field: str, size: int, build: Callable[[bytes], Any]
) -> _Decoder:
    name = cls.type_name
    set_field = slot_setter(cls, field)

    def dec(data: bytes, pos: int, n: int, start: int, budget: DecodeBudget) -> tuple[Data, int]:
        end = pos + size
        if end > n:
            raise _truncated(name, start)
        node = _new(cls)
        set_field(node, build(data[pos:end]))
        _set_offset(node, start)
        return node, end

    return dec


# COSEM dates and times filled slot by slot, like the nodes: the same values as
# CosemDate/CosemTime/CosemDateTime.from_bytes (any octet pattern is kept as sent).
_DATE_PARTS = struct.Struct(">HBBB")
_DATETIME_PARTS = struct.Struct(">HBBBBBBBhB")
_DATE_SETTERS = tuple(
    slot_setter(CosemDate, f) for f in ("year", "month", "day_of_month", "day_of_week")
)
_TIME_SETTERS = tuple(slot_setter(CosemTime, f) for f in ("hour", "minute", "second", "hundredths"))
_DATETIME_SETTERS = tuple(
    slot_setter(CosemDateTime, f) for f in ("date", "time", "deviation", "clock_status")
)


def _fill(
    obj: object, setters: tuple[Callable[[object, object], None], ...], values: Iterable[object]
) -> object:
    for setter, value in zip(setters, values, strict=True):
        setter(obj, value)
    return obj


def _date(raw: bytes) -> object:
    return _fill(_new(CosemDate), _DATE_SETTERS, _DATE_PARTS.unpack(raw))


def _time(raw: bytes) -> object:
    return _fill(_new(CosemTime), _TIME_SETTERS, raw)


def _datetime(raw: bytes) -> object:
    y, mo, dom, dow, h, mi, sec, hs, dev, cs = _DATETIME_PARTS.unpack(raw)
    date = _fill(_new(CosemDate), _DATE_SETTERS, (y, mo, dom, dow))
    time = _fill(_new(CosemTime), _TIME_SETTERS, (h, mi, sec, hs))
    return _fill(_new(CosemDateTime), _DATETIME_SETTERS, (date, time, dev, cs))


#: Octets a value of each simple type takes at least inside a compact-array.
_MIN_SIZE = {
    0: 0,
    3: 1,
    4: 1,
    5: 4,
    6: 4,
    9: 1,
    10: 1,
    12: 1,
    13: 1,
    15: 1,
    16: 2,
    17: 1,
    18: 2,
    20: 8,
    21: 8,
    22: 1,
    23: 4,
    24: 8,
    25: 12,
    26: 5,
    27: 4,
}
_SIMPLE_DESCRIPTIONS = {tag: TypeDescription(tag) for tag in _SIMPLE_TAGS}
_SIMPLE_BY_TAG = [_SIMPLE_DESCRIPTIONS.get(tag) for tag in range(256)]


def _read_description(
    data: bytes, pos: int, n: int, depth: int, budget: DecodeBudget
) -> tuple[TypeDescription, int, int, int]:
    """Read a type description at ``pos``.

    Returns the description, the offset after it, the budget units one value of it costs
    (one per node, two for an array or structure: the node and its tuple) and the fewest
    octets one value takes (both capped at ``2**62``).
    """
    if pos >= n:
        raise DecodeError("truncated compact-array type description", offset=pos, path="")
    tag = data[pos]
    simple = _SIMPLE_DESCRIPTIONS.get(tag)
    if simple is not None:  # interned: a simple description builds nothing
        return simple, pos + 1, 1, _MIN_SIZE[tag]
    if depth >= MAX_DEPTH:
        raise DecodeError(f"type description nested deeper than {MAX_DEPTH}", offset=pos, path="")
    budget.charge(1, offset=pos, what="a type description")
    if tag == 1:
        if pos + 3 > n:
            raise DecodeError("truncated compact-array array description", offset=pos, path="")
        count = (data[pos + 1] << 8) | data[pos + 2]
        element, end, nodes, size = _read_description(data, pos + 3, n, depth + 1, budget)
        desc = TypeDescription(1, count, (element,))
        return desc, end, min(2 + count * nodes, _HUGE), min(count * size, _HUGE)
    if tag == 2:
        count, p = decode_length(data, pos + 1, path="")
        if count > n - p:
            raise DecodeError(
                f"structure description count {count} exceeds the data", offset=pos, path=""
            )
        members = []
        nodes, size = 2, 0
        for _ in range(count):
            member, p, member_nodes, member_size = _read_description(data, p, n, depth + 1, budget)
            members.append(member)
            nodes = min(nodes + member_nodes, _HUGE)
            size = min(size + member_size, _HUGE)
        return TypeDescription(2, None, tuple(members)), p, nodes, size
    raise DecodeError(
        f"type 0x{tag:02X} not allowed in a compact-array description", offset=pos, path=""
    )


def _dec_untagged(
    desc: TypeDescription, data: bytes, pos: int, n: int, budget: DecodeBudget
) -> tuple[Data, int]:
    """One untagged compact-array value of ``desc`` (its nodes are already paid for).

    Recurses as deep as the description nests, which :func:`_read_description` bounded.
    """
    tag = desc.tag
    if tag == 1:
        fixed = _FIXED_COMPACT.get(desc.elements[0].tag)
        if fixed is not None:  # an array of one number type: in one pass
            size = fixed[2]
            count = desc.count or 0
            if pos + count * size > n:
                i = (n - pos) // size
                raise DecodeError(
                    f"truncated {fixed[0].type_name}", offset=pos + i * size, path=f"[{i}]"
                )
            array = _new(Array)
            _set_items(array, _fixed_run(fixed, data, pos, count))
            _set_offset(array, pos)
            return array, pos + count * size
    if tag == 1 or tag == 2:  # noqa: PLR1714 - two ints, faster than a set lookup here
        node = _new(Array if tag == 1 else Structure)
        members = desc.elements if tag == 2 else (desc.elements[0],) * (desc.count or 0)
        items = []
        p = pos
        for i, member in enumerate(members):
            try:
                item, p = _dec_untagged(member, data, p, n, budget)
            except DecodeError as exc:
                _prefix(exc, f"[{i}]")
                raise
            items.append(item)
        _set_items(node, tuple(items))
        _set_offset(node, pos)
        return node, p
    return _DECODERS[tag](data, pos, n, pos, budget)


def _compact_items(  # noqa: PLR0917 - the decoder's hot loop, positional on purpose
    desc: TypeDescription,
    data: bytes,
    cell: list[int],
    end: int,
    budget: DecodeBudget,
    per_item: int,
) -> Iterator[Data]:
    """Yield the values of a compact-array's contents, paying ``per_item`` nodes before each."""
    pos = cell[0]
    tag = desc.tag
    simple = None if tag in (1, 2) else _DECODERS[tag]
    i = 0
    while pos < end:
        left = budget.left - per_item
        if left < 0:
            raise budget.exceeded(
                per_item, offset=pos, path=f"[{i}]", what="a compact-array element"
            )
        budget.left = left
        try:
            if simple is None:
                item, pos = _dec_untagged(desc, data, pos, end, budget)
            else:
                item, pos = simple(data, pos, end, pos, budget)
        except DecodeError as exc:
            _prefix(exc, f"[{i}]")
            raise
        yield item
        i += 1
    cell[0] = pos


def _fixed_values(
    cls: type[Data],
    set_value: Callable[[object, object], None],
    values: tuple[int, ...] | bytes,
    pos: int,
    size: int,
) -> Iterator[Data]:
    new, set_offset = _new, _set_offset
    for value in values:
        node = new(cls)
        set_value(node, value)
        set_offset(node, pos)
        pos += size
        yield node


#: A fixed-size number type in a compact-array: class, struct code, octets, value setter.
_Fixed: TypeAlias = tuple[type[Data], str, int, Callable[[object, object], None]]


def _compact_fixed(
    fixed: _Fixed,
    data: bytes,
    pos: int,
    end: int,
    budget: DecodeBudget,
) -> tuple[Data, ...]:
    """The values of a compact-array of one fixed-size number type, in one pass.

    Same result, errors and budget as the element-by-element loop: an element is paid for
    before it is read, and a short last element is "truncated" at its own offset and path.
    """
    cls, _, size, _ = fixed
    count, rest = divmod(end - pos, size)
    wanted = count + (1 if rest else 0)
    if wanted > budget.left:
        i = budget.left
        budget.left = 0  # the elements before it were paid for
        raise budget.exceeded(
            1, offset=pos + i * size, path=f"[{i}]", what="a compact-array element"
        )
    budget.left -= wanted
    if rest:
        raise DecodeError(
            f"truncated {cls.type_name}", offset=pos + count * size, path=f"[{count}]"
        )
    return _fixed_run(fixed, data, pos, count)


def _fixed_run(
    fixed: _Fixed,
    data: bytes,
    pos: int,
    count: int,
) -> tuple[Data, ...]:
    """``count`` untagged values of one fixed-size type from ``pos`` (already checked and paid)."""
    cls, code, size, set_value = fixed
    if code == "B":
        values: bytes | tuple[int, ...] = data[pos : pos + count]
    else:
        values = struct.unpack_from(f">{count}{code}", data, pos)
    if count > _SMALL:
        return tuple(_fixed_values(cls, set_value, values, pos, size))
    items = []
    for value in values:
        node = _new(cls)
        set_value(node, value)
        _set_offset(node, pos)
        items.append(node)
        pos += size
    return tuple(items)


def _records(
    container: type[_Sequence],
    layout: tuple[tuple[type[Data], Callable[[object, object], None], int], ...],
    values: Iterator[tuple[int, ...]],
    pos: int,
    size: int,
) -> Iterator[Data]:
    """Arrays or structures of fixed-size numbers, one per tuple of ``values``, from ``pos``.

    ``layout`` gives each member's class, value setter and offset in the record.
    """
    new, set_offset, set_items = _new, _set_offset, _set_items
    for record in values:
        node = new(container)
        fields = []
        for (cls, set_value, step), value in zip(layout, record, strict=True):
            field = new(cls)
            set_value(field, value)
            set_offset(field, pos + step if step else pos)
            fields.append(field)
        set_items(node, tuple(fields))
        set_offset(node, pos)
        pos += size
        yield node


def _flat_shape(desc: TypeDescription) -> tuple[type[_Sequence], int, int] | None:
    """What one element of a flat description costs, without building anything.

    For a structure of, or an array of, fixed-size numbers: the container class, the units and
    the octets of one element; None for any other shape.
    """
    if desc.tag == 1:
        fixed = _FIXED_COMPACT.get(desc.elements[0].tag)
        count = desc.count or 0
        return None if fixed is None else (Array, 2 + count, count * fixed[2])
    if desc.tag == 2 and desc.elements and all(m.tag in _FIXED_COMPACT for m in desc.elements):
        return Structure, 2 + len(desc.elements), sum(_MIN_SIZE[m.tag] for m in desc.elements)
    return None


def _compact_records(  # noqa: PLR0917 - positional like the other hot-path helpers
    shape: tuple[type[_Sequence], int, int],
    desc: TypeDescription,
    data: bytes,
    pos: int,
    end: int,
    budget: DecodeBudget,
) -> tuple[Data, ...]:
    """The values of a compact-array of ``shape`` (see :func:`_flat_shape`), in one pass.

    Same result, errors and budget as the element-by-element loop (see :func:`_compact_fixed`).
    """
    container, per_item, size = shape
    count, rest = divmod(end - pos, size)
    wanted = count + (1 if rest else 0)
    if wanted * per_item > budget.left:
        i = budget.left // per_item
        budget.left -= i * per_item  # the elements before it were paid for
        raise budget.exceeded(
            per_item, offset=pos + i * size, path=f"[{i}]", what="a compact-array element"
        )
    budget.left -= wanted * per_item
    # Paid for and at least one whole element: the set-up below costs less than the contents.
    if desc.tag == 1:
        members = (_FIXED_COMPACT[desc.elements[0].tag],) * (desc.count or 0)
    else:
        members = tuple(_FIXED_COMPACT[m.tag] for m in desc.elements)
    if rest:
        at = pos + count * size
        for j, member in enumerate(members):
            if at + member[2] > end:
                raise DecodeError(
                    f"truncated {member[0].type_name}", offset=at, path=f"[{count}][{j}]"
                )
            at += member[2]
    layout = []
    step = 0
    for cls, _, member_size, set_value in members:
        layout.append((cls, set_value, step))
        step += member_size
    record = struct.Struct(">" + "".join(member[1] for member in members))
    values = record.iter_unpack(data[pos : pos + count * size])
    return tuple(_records(container, tuple(layout), values, pos, size))


_set_description = slot_setter(CompactArray, "description")
_set_compact_items = slot_setter(CompactArray, "items")


def _dec_compact_array(
    data: bytes, pos: int, n: int, start: int, budget: DecodeBudget
) -> tuple[Data, int]:
    desc = _SIMPLE_BY_TAG[data[pos] if pos < n else 0x13]
    if desc is not None:  # the common case, inline
        min_size = _MIN_SIZE[desc.tag]
        per_item = 1
        pos += 1
    else:
        desc, pos, per_item, min_size = _read_description(data, pos, n, budget.depth, budget)
    if pos < n and data[pos] < 0x80:
        size = data[pos]
        pos += 1
    else:
        size, pos = decode_length(data, pos, path="")
    end = pos + size
    if end > n:
        raise _truncated(f"compact-array contents of {size} octets", start)
    if size and not min_size:
        raise DecodeError(
            "compact-array of zero-size elements with non-empty contents", offset=start, path=""
        )
    left = budget.left - 1  # its tuple of items
    if left < 0:
        raise budget.exceeded(1, offset=start, path="", what="a compact-array")
    budget.left = left
    items: tuple[Data, ...]
    fixed = _FIXED_COMPACT.get(desc.tag)
    if not size:
        items = ()
    elif fixed is not None:
        items = _compact_fixed(fixed, data, pos, end, budget)
    elif (shape := _flat_shape(desc)) is not None:
        items = _compact_records(shape, desc, data, pos, end, budget)
    else:
        cell = [pos]
        items = tuple(_compact_items(desc, data, cell, end, budget, per_item))
    node = _new(CompactArray)
    _set_description(node, desc)
    _set_compact_items(node, items)
    _set_offset(node, start)
    return node, end


_DECODERS: list[_Decoder] = [_dec_unknown] * 256
_DECODERS[0] = _dec_null
_DECODERS[1] = _make_seq_decoder(Array)
_DECODERS[2] = _make_seq_decoder(Structure)
_DECODERS[3] = _dec_boolean
_DECODERS[4] = _dec_bit_string
for _cls in (OctetString, VisibleString, Utf8String):
    _DECODERS[_cls.tag] = _make_bytes_decoder(_cls)
#: The fixed-size integer types, decoded by one decoder each and read in one pass in compact-arrays.
_INT_CLASSES: tuple[type[_Int], ...] = (
    DoubleLong,
    DoubleLongUnsigned,
    Bcd,
    Integer,
    Long,
    Unsigned,
    LongUnsigned,
    Long64,
    Long64Unsigned,
    Enum,
)
for _icls in _INT_CLASSES:
    _DECODERS[_icls.tag] = _make_int_decoder(_icls)
_DECODERS[19] = _dec_compact_array
_DECODERS[23] = _make_fixed_decoder(Float32, "raw", 4, bytes)
_DECODERS[24] = _make_fixed_decoder(Float64, "raw", 8, bytes)
_DECODERS[25] = _make_fixed_decoder(DateTimeData, "value", 12, _datetime)
_DECODERS[26] = _make_fixed_decoder(DateData, "value", 5, _date)
_DECODERS[27] = _make_fixed_decoder(TimeData, "value", 4, _time)

#: Compact-arrays of these types are read in one pass: tag -> (struct format, value setter).
_FIXED_COMPACT: dict[int, tuple[type[Data], str, int, Callable[[object, object], None]]] = {
    cls.tag: (cls, cls._packer.format[1:], cls._packer.size, _set_int) for cls in _INT_CLASSES
}
_FIXED_COMPACT[Boolean.tag] = (Boolean, "B", 1, _set_raw)

#: Tag number -> value class, for every Data type.
DATA_CLASSES: dict[int, type[Data]] = {
    cls.tag: cls
    for cls in (
        NullData,
        Array,
        Structure,
        Boolean,
        BitString,
        DoubleLong,
        DoubleLongUnsigned,
        OctetString,
        VisibleString,
        Utf8String,
        Bcd,
        Integer,
        Long,
        Unsigned,
        LongUnsigned,
        CompactArray,
        Long64,
        Long64Unsigned,
        Enum,
        Float32,
        Float64,
        DateTimeData,
        DateData,
        TimeData,
    )
}


def _as_bytes(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise DecodeError(f"expected bytes, got {type(data).__name__}", offset=0)


def _check_budget(budget: object) -> None:
    if not isinstance(budget, DecodeBudget):
        raise InvalidValueError(f"budget: expected a DecodeBudget, got {type(budget).__name__}")


def _budget_for(size: int, budget: DecodeBudget | None) -> DecodeBudget:
    """``budget`` checked, or (None) the default budget for decoding ``size`` octets."""
    if budget is None:
        return DecodeBudget.for_length(size)
    _check_budget(budget)
    return budget


def decode_data_at(
    data: bytes, offset: int = 0, *, end: int | None = None, budget: DecodeBudget | None = None
) -> tuple[Data, int]:
    """Decode one tagged Data value starting at ``offset``; return ``(value, next_offset)``.

    Offsets recorded in the value are offsets into ``data``. ``end`` (default ``len(data)``)
    bounds the read. ``budget`` (default :meth:`DecodeBudget.for_length` of the octets from
    ``offset`` to ``end``) bounds the nodes built; pass one to share it between calls. Raises
    :class:`DecodeError` with ``offset`` and ``path`` on bad input or an exhausted budget.
    """
    data = _as_bytes(data)
    if end is not None and not _is_int(end):
        raise DecodeError(f"invalid end offset {end!r}", offset=0)
    n = len(data) if end is None else max(0, min(end, len(data)))
    if not _is_int(offset) or offset < 0:
        raise DecodeError(f"invalid start offset {offset!r}", offset=0)
    return _decode_at(data, offset, n, _budget_for(n - offset, budget))


def _decode_at(data: bytes, offset: int, n: int, budget: DecodeBudget) -> tuple[Data, int]:
    """:func:`decode_data_at` once its arguments are checked (``0 <= offset``, ``n <= len``)."""
    if offset >= n:
        raise DecodeError("truncated: Data tag expected", offset=offset, path="")
    budget.charge(1, offset=offset)
    budget.depth = 0
    paused = pause_gc(n - offset)
    try:
        return _DECODERS[data[offset]](data, offset + 1, n, offset, budget)
    finally:
        if paused:
            gc.enable()


def decode_data(data: bytes, *, budget: DecodeBudget | None = None) -> Data:
    """Decode exactly one Data value that fills ``data`` (trailing octets are an error).

    ``budget`` as for :func:`decode_data_at` (default: for the length of ``data``). ``data``
    that is not bytes-like raises :class:`InvalidValueError`.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidValueError(f"data must be bytes, not {type(data).__name__}")
    data = _as_bytes(data)
    value, end = decode_data_at(data, 0, budget=budget)
    if end != len(data):
        raise DecodeError(f"{len(data) - end} trailing octets after Data", offset=end, path="")
    return value


def encode_data(value: Data) -> bytes:
    """The A-XDR encoding of ``value``; ``encode_data(decode_data(b)) == b`` for all valid b."""
    if not isinstance(value, Data) or type(value) in (Data, _Int, _Bytes, _Sequence, _Float):
        raise InvalidValueError(f"value must be a Data value, not {type(value).__name__}")
    return value.encode()
