"""The A-XDR ``Data`` codec: typed values for every Data CHOICE, exact round trip.

Tag numbers follow Gurux ``DataType`` and gbcs-parser's Data CHOICE (they agree). Rules D1-D7 of
the project's DLMS spec apply:

* counts and lengths use :mod:`secrules.dlms.lengths` (minimal DER-style; ``80`` rejected);
* every node keeps its tag, so ``LongUnsigned(1)`` and ``Unsigned(1)`` encode differently;
* :class:`Boolean` keeps its raw octet; :class:`BitString` keeps its bit count and rejects
  non-zero padding; floats keep their raw octets; strings are kept as bytes;
* every decoded node records the byte ``offset`` of its tag in the input (``eq=False``), and
  every :class:`~secrules.errors.DecodeError` carries an offset and a path such as ``[0][3]``.

Decoding is a hand-written tag-dispatch loop over precompiled :mod:`struct` formats (measured
faster than construct's compiled parsers; see docs/performance.md). Nesting deeper than
:data:`MAX_DEPTH` is rejected rather than overflowing the Python stack.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from enum import IntEnum
from typing import Any, ClassVar, TypeAlias

import attrs

from secrules.dlms.cosem import CosemDate, CosemDateTime, CosemTime, Obis
from secrules.dlms.lengths import decode_length, encode_length
from secrules.errors import DecodeError, InvalidValueError

__all__ = [
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


@attrs.frozen
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


@attrs.frozen
class NullData(Data):
    """``null-data`` (tag 0): no content."""

    tag: ClassVar[int] = 0
    type_name: ClassVar[str] = "null-data"

    def _encode_content(self, out: bytearray) -> None:
        pass


@attrs.frozen
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


@attrs.frozen
class Array(_Sequence):
    """``array`` (tag 1): a count, then that many tagged elements."""

    tag: ClassVar[int] = 1
    type_name: ClassVar[str] = "array"


@attrs.frozen
class Structure(_Sequence):
    """``structure`` (tag 2): a count, then that many tagged members."""

    tag: ClassVar[int] = 2
    type_name: ClassVar[str] = "structure"


def _check_raw_octet(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not _is_int(value) or not 0 <= value <= 0xFF:
        raise InvalidValueError(f"{attribute.name}: expected an octet 0..255, got {value!r}")


@attrs.frozen
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


@attrs.frozen
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
        data = self.data
        return tuple(bool(data[i >> 3] & (0x80 >> (i & 7))) for i in range(self.length_bits))

    def __len__(self) -> int:
        return self.length_bits

    def __str__(self) -> str:
        return "".join("1" if b else "0" for b in self.bits)

    def _encode_content(self, out: bytearray) -> None:
        out += encode_length(self.length_bits)
        out += self.data


@attrs.frozen
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


@attrs.frozen
class DoubleLong(_Int):
    """``double-long`` (tag 5): int32 big-endian."""

    tag: ClassVar[int] = 5
    type_name: ClassVar[str] = "double-long"
    minimum: ClassVar[int] = -(1 << 31)
    maximum: ClassVar[int] = (1 << 31) - 1
    _packer: ClassVar[struct.Struct] = struct.Struct(">i")


@attrs.frozen
class DoubleLongUnsigned(_Int):
    """``double-long-unsigned`` (tag 6): uint32 big-endian."""

    tag: ClassVar[int] = 6
    type_name: ClassVar[str] = "double-long-unsigned"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = (1 << 32) - 1
    _packer: ClassVar[struct.Struct] = struct.Struct(">I")


@attrs.frozen
class Bcd(_Int):
    """``bcd`` (tag 13): one octet, kept raw (0..255; digits are not checked)."""

    tag: ClassVar[int] = 13
    type_name: ClassVar[str] = "bcd"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = 0xFF
    _packer: ClassVar[struct.Struct] = struct.Struct(">B")


@attrs.frozen
class Integer(_Int):
    """``integer`` (tag 15): int8."""

    tag: ClassVar[int] = 15
    type_name: ClassVar[str] = "integer"
    minimum: ClassVar[int] = -128
    maximum: ClassVar[int] = 127
    _packer: ClassVar[struct.Struct] = struct.Struct(">b")


@attrs.frozen
class Long(_Int):
    """``long`` (tag 16): int16 big-endian."""

    tag: ClassVar[int] = 16
    type_name: ClassVar[str] = "long"
    minimum: ClassVar[int] = -(1 << 15)
    maximum: ClassVar[int] = (1 << 15) - 1
    _packer: ClassVar[struct.Struct] = struct.Struct(">h")


@attrs.frozen
class Unsigned(_Int):
    """``unsigned`` (tag 17): uint8."""

    tag: ClassVar[int] = 17
    type_name: ClassVar[str] = "unsigned"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = 0xFF
    _packer: ClassVar[struct.Struct] = struct.Struct(">B")


@attrs.frozen
class LongUnsigned(_Int):
    """``long-unsigned`` (tag 18): uint16 big-endian."""

    tag: ClassVar[int] = 18
    type_name: ClassVar[str] = "long-unsigned"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = 0xFFFF
    _packer: ClassVar[struct.Struct] = struct.Struct(">H")


@attrs.frozen
class Long64(_Int):
    """``long64`` (tag 20): int64 big-endian."""

    tag: ClassVar[int] = 20
    type_name: ClassVar[str] = "long64"
    minimum: ClassVar[int] = -(1 << 63)
    maximum: ClassVar[int] = (1 << 63) - 1
    _packer: ClassVar[struct.Struct] = struct.Struct(">q")


@attrs.frozen
class Long64Unsigned(_Int):
    """``long64-unsigned`` (tag 21): uint64 big-endian."""

    tag: ClassVar[int] = 21
    type_name: ClassVar[str] = "long64-unsigned"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = (1 << 64) - 1
    _packer: ClassVar[struct.Struct] = struct.Struct(">Q")


@attrs.frozen
class Enum(_Int):
    """``enum`` (tag 22): uint8."""

    tag: ClassVar[int] = 22
    type_name: ClassVar[str] = "enum"
    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = 0xFF
    _packer: ClassVar[struct.Struct] = struct.Struct(">B")


@attrs.frozen
class _Bytes(Data):
    value: bytes = attrs.field(validator=_check_bytes)

    def __len__(self) -> int:
        return len(self.value)

    def __bytes__(self) -> bytes:
        return self.value

    def _encode_content(self, out: bytearray) -> None:
        out += encode_length(len(self.value))
        out += self.value


@attrs.frozen
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


@attrs.frozen
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


@attrs.frozen
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


@attrs.frozen
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


@attrs.frozen
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


@attrs.frozen
class Float64(_Float):
    """``float64`` (tag 24): IEEE 754 binary64 big-endian, kept as its 8 raw octets (D6)."""

    tag: ClassVar[int] = 24
    type_name: ClassVar[str] = "float64"
    _format: ClassVar[struct.Struct] = struct.Struct(">d")

    @classmethod
    def of(cls, value: float) -> Float64:
        """Encode a Python float."""
        return cls(cls._format.pack(value))


@attrs.frozen
class DateTimeData(Data):
    """``date-time`` (tag 25): 12 octets, no length (GBCS uses octet-string(12) instead)."""

    tag: ClassVar[int] = 25
    type_name: ClassVar[str] = "date-time"

    value: CosemDateTime

    def _encode_content(self, out: bytearray) -> None:
        out += self.value.to_bytes()


@attrs.frozen
class DateData(Data):
    """``date`` (tag 26): 5 octets, no length."""

    tag: ClassVar[int] = 26
    type_name: ClassVar[str] = "date"

    value: CosemDate

    def _encode_content(self, out: bytearray) -> None:
        out += self.value.to_bytes()


@attrs.frozen
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


@attrs.frozen
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


@attrs.frozen
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

_Decoder: TypeAlias = Callable[[bytes, int, int, int, int], tuple[Data, int]]


def _truncated(what: str, start: int) -> DecodeError:
    return DecodeError(f"truncated {what}", offset=start, path="")


def _prefix(exc: DecodeError, step: str) -> None:
    exc.path = step + (exc.path or "")


def _dec_null(data: bytes, pos: int, n: int, start: int, depth: int) -> tuple[Data, int]:
    return NullData(offset=start), pos


def _make_seq_decoder(cls: type[_Sequence]) -> _Decoder:
    name = cls.type_name

    def dec(data: bytes, pos: int, n: int, start: int, depth: int) -> tuple[Data, int]:
        if depth >= MAX_DEPTH:
            raise DecodeError(f"{name} nested deeper than {MAX_DEPTH}", offset=start, path="")
        count, pos = decode_length(data, pos, path="")
        if count > n - pos:
            raise DecodeError(
                f"{name} count {count} exceeds the {n - pos} octets left", offset=start, path=""
            )
        items: list[Data] = []
        append = items.append
        depth += 1
        for i in range(count):
            if pos >= n:
                raise DecodeError(
                    f"truncated {name}: element {i} missing", offset=pos, path=f"[{i}]"
                )
            tag = data[pos]
            decoder = _DECODERS[tag]
            if decoder is None:
                raise DecodeError(f"unknown Data tag 0x{tag:02X}", offset=pos, path=f"[{i}]")
            try:
                item, pos = decoder(data, pos + 1, n, pos, depth)
            except DecodeError as exc:
                _prefix(exc, f"[{i}]")
                raise
            append(item)
        return cls(tuple(items), offset=start), pos

    return dec


def _dec_boolean(data: bytes, pos: int, n: int, start: int, depth: int) -> tuple[Data, int]:
    if pos >= n:
        raise _truncated("boolean", start)
    return Boolean(data[pos], offset=start), pos + 1


def _dec_bit_string(data: bytes, pos: int, n: int, start: int, depth: int) -> tuple[Data, int]:
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
    return BitString(bits, content, offset=start), end


def _make_bytes_decoder(cls: type[_Bytes]) -> _Decoder:
    name = cls.type_name

    def dec(data: bytes, pos: int, n: int, start: int, depth: int) -> tuple[Data, int]:
        size, pos = decode_length(data, pos, path="")
        end = pos + size
        if end > n:
            raise _truncated(f"{name} of {size} octets", start)
        return cls(data[pos:end], offset=start), end

    return dec


def _make_int_decoder(cls: type[_Int]) -> _Decoder:
    unpack = cls._packer.unpack_from
    size = cls._packer.size
    name = cls.type_name

    def dec(data: bytes, pos: int, n: int, start: int, depth: int) -> tuple[Data, int]:
        end = pos + size
        if end > n:
            raise _truncated(name, start)
        return cls(unpack(data, pos)[0], offset=start), end

    return dec


def _make_fixed_decoder(
    cls: Callable[..., Data], name: str, size: int, build: Callable[[bytes], Any]
) -> _Decoder:

    def dec(data: bytes, pos: int, n: int, start: int, depth: int) -> tuple[Data, int]:
        end = pos + size
        if end > n:
            raise _truncated(name, start)
        return cls(build(data[pos:end]), offset=start), end

    return dec


def _read_description(data: bytes, pos: int, n: int, depth: int) -> tuple[TypeDescription, int]:
    if depth >= MAX_DEPTH:
        raise DecodeError(f"type description nested deeper than {MAX_DEPTH}", offset=pos, path="")
    if pos >= n:
        raise DecodeError("truncated compact-array type description", offset=pos, path="")
    tag = data[pos]
    if tag == 1:
        if pos + 3 > n:
            raise DecodeError("truncated compact-array array description", offset=pos, path="")
        count = (data[pos + 1] << 8) | data[pos + 2]
        element, end = _read_description(data, pos + 3, n, depth + 1)
        return TypeDescription(1, count, (element,)), end
    if tag == 2:
        count, p = decode_length(data, pos + 1, path="")
        if count > n - p:
            raise DecodeError(
                f"structure description count {count} exceeds the data", offset=pos, path=""
            )
        members = []
        for _ in range(count):
            member, p = _read_description(data, p, n, depth + 1)
            members.append(member)
        return TypeDescription(2, None, tuple(members)), p
    if tag not in _SIMPLE_TAGS:
        raise DecodeError(
            f"type 0x{tag:02X} not allowed in a compact-array description", offset=pos, path=""
        )
    return TypeDescription(tag), pos + 1


def _dec_untagged(
    desc: TypeDescription, data: bytes, pos: int, n: int, depth: int
) -> tuple[Data, int]:
    if depth >= MAX_DEPTH:
        raise DecodeError(f"compact-array nested deeper than {MAX_DEPTH}", offset=pos, path="")
    tag = desc.tag
    if tag == 1:
        element = desc.elements[0]
        items = []
        p = pos
        for i in range(desc.count or 0):
            try:
                item, p = _dec_untagged(element, data, p, n, depth + 1)
            except DecodeError as exc:
                _prefix(exc, f"[{i}]")
                raise
            items.append(item)
        return Array(tuple(items), offset=pos), p
    if tag == 2:
        items = []
        p = pos
        for i, member in enumerate(desc.elements):
            try:
                item, p = _dec_untagged(member, data, p, n, depth + 1)
            except DecodeError as exc:
                _prefix(exc, f"[{i}]")
                raise
            items.append(item)
        return Structure(tuple(items), offset=pos), p
    decoder = _DECODERS[tag]
    assert decoder is not None  # noqa: S101 - description tags are checked on reading
    return decoder(data, pos, n, pos, depth)


def _dec_compact_array(data: bytes, pos: int, n: int, start: int, depth: int) -> tuple[Data, int]:
    desc, pos = _read_description(data, pos, n, depth)
    size, pos = decode_length(data, pos, path="")
    end = pos + size
    if end > n:
        raise _truncated(f"compact-array contents of {size} octets", start)
    items = []
    i = 0
    while pos < end:
        try:
            item, nxt = _dec_untagged(desc, data, pos, end, depth + 1)
        except DecodeError as exc:
            _prefix(exc, f"[{i}]")
            raise
        if nxt == pos:
            raise DecodeError(
                "compact-array of zero-size elements with non-empty contents",
                offset=start,
                path="",
            )
        items.append(item)
        pos = nxt
        i += 1
    return CompactArray(desc, tuple(items), offset=start), end


_DECODERS: list[_Decoder | None] = [None] * 256
_DECODERS[0] = _dec_null
_DECODERS[1] = _make_seq_decoder(Array)
_DECODERS[2] = _make_seq_decoder(Structure)
_DECODERS[3] = _dec_boolean
_DECODERS[4] = _dec_bit_string
for _cls in (OctetString, VisibleString, Utf8String):
    _DECODERS[_cls.tag] = _make_bytes_decoder(_cls)
for _icls in (
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
):
    _DECODERS[_icls.tag] = _make_int_decoder(_icls)
_DECODERS[19] = _dec_compact_array
_DECODERS[23] = _make_fixed_decoder(Float32, Float32.type_name, 4, bytes)
_DECODERS[24] = _make_fixed_decoder(Float64, Float64.type_name, 8, bytes)
_DECODERS[25] = _make_fixed_decoder(
    DateTimeData, DateTimeData.type_name, 12, CosemDateTime.from_bytes
)
_DECODERS[26] = _make_fixed_decoder(DateData, DateData.type_name, 5, CosemDate.from_bytes)
_DECODERS[27] = _make_fixed_decoder(TimeData, TimeData.type_name, 4, CosemTime.from_bytes)

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


def decode_data_at(data: bytes, offset: int = 0, *, end: int | None = None) -> tuple[Data, int]:
    """Decode one tagged Data value starting at ``offset``; return ``(value, next_offset)``.

    Offsets recorded in the value are offsets into ``data``. ``end`` (default ``len(data)``)
    bounds the read. Raises :class:`DecodeError` with ``offset`` and ``path`` on bad input.
    """
    data = _as_bytes(data)
    n = len(data) if end is None else min(end, len(data))
    if not _is_int(offset) or offset < 0:
        raise DecodeError(f"invalid start offset {offset!r}", offset=0)
    if offset >= n:
        raise DecodeError("truncated: Data tag expected", offset=offset, path="")
    tag = data[offset]
    decoder = _DECODERS[tag]
    if decoder is None:
        raise DecodeError(f"unknown Data tag 0x{tag:02X}", offset=offset, path="")
    return decoder(data, offset + 1, n, offset, 0)


def decode_data(data: bytes) -> Data:
    """Decode exactly one Data value that fills ``data`` (trailing octets are an error).

    ``data`` that is not bytes-like raises :class:`InvalidValueError`.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidValueError(f"data must be bytes, not {type(data).__name__}")
    data = _as_bytes(data)
    value, end = decode_data_at(data, 0)
    if end != len(data):
        raise DecodeError(f"{len(data) - end} trailing octets after Data", offset=end, path="")
    return value


def encode_data(value: Data) -> bytes:
    """The A-XDR encoding of ``value``; ``encode_data(decode_data(b)) == b`` for all valid b."""
    if not isinstance(value, Data) or type(value) in (Data, _Int, _Bytes, _Sequence, _Float):
        raise InvalidValueError(f"value must be a Data value, not {type(value).__name__}")
    return value.encode()
