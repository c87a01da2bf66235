"""A-XDR Data codec: examples per type, rule D1-D7 rejections, and round-trip properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secrules.dlms import (
    DATA_CLASSES,
    Array,
    Bcd,
    BitString,
    Boolean,
    CompactArray,
    CosemDate,
    CosemDateTime,
    CosemTime,
    DataTag,
    DateData,
    DateTimeData,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    Float32,
    Float64,
    Integer,
    Long,
    Long64,
    Long64Unsigned,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    TimeData,
    TypeDescription,
    Unsigned,
    Utf8String,
    VisibleString,
    decode_data,
    decode_data_at,
    encode_data,
)
from secrules.dlms.data import MAX_DEPTH
from secrules.errors import DecodeError, InvalidValueError
from secrules.strategies import bit_strings, dlms_values

EXAMPLES = [
    ("00", NullData()),
    ("0100", Array(())),
    ("02021100 0F80", Structure((Unsigned(0), Integer(-128)))),
    ("03FF", Boolean(0xFF)),
    ("0301", Boolean(0x01)),
    ("0300", Boolean(0x00)),
    ("0407FE", BitString(7, b"\xfe")),
    ("0400", BitString(0, b"")),
    ("0420DEADBEEF", BitString(32, bytes.fromhex("DEADBEEF"))),
    ("05FFFFFFFE", DoubleLong(-2)),
    ("0600001286", DoubleLongUnsigned(4742)),
    ("0903010203", OctetString(b"\x01\x02\x03")),
    ("0A026869", VisibleString(b"hi")),
    ("0C02C3A9", Utf8String("é".encode())),
    ("0D12", Bcd(0x12)),
    ("0F00", Integer(0)),
    ("10FF38", Long(-200)),
    ("1101", Unsigned(1)),
    ("120001", LongUnsigned(1)),
    ("14FFFFFFFFFFFFFFFF", Long64(-1)),
    ("15FFFFFFFFFFFFFFFF", Long64Unsigned(2**64 - 1)),
    ("161B", Enum(27)),
    ("173FC00000", Float32(bytes.fromhex("3FC00000"))),
    ("18BFF0000000000000", Float64(bytes.fromhex("BFF0000000000000"))),
    (
        "1907DE0C1FFF000000008000FF",
        DateTimeData(CosemDateTime.from_bytes(bytes.fromhex("07DE0C1FFF000000008000FF"))),
    ),
    ("1A000001FFFF", DateData(CosemDate(0, 1, 0xFF, 0xFF))),
    ("1B11000000", TimeData(CosemTime(17, 0, 0, 0))),
    # compact-array of long-unsigned: description 12, contents 4 octets, two values
    ("1312040001FFFF", CompactArray(TypeDescription(18), (LongUnsigned(1), LongUnsigned(0xFFFF)))),
    # compact-array of structure {unsigned, octet-string}: two entries
    (
        "1302021109050501AA0200",
        CompactArray(
            TypeDescription(2, None, (TypeDescription(17), TypeDescription(9))),
            (
                Structure((Unsigned(5), OctetString(b"\xaa"))),
                Structure((Unsigned(2), OctetString(b""))),
            ),
        ),
    ),
    # compact-array of array[2] of unsigned
    (
        "13010002110401020304",
        CompactArray(
            TypeDescription(1, 2, (TypeDescription(17),)),
            (Array((Unsigned(1), Unsigned(2))), Array((Unsigned(3), Unsigned(4)))),
        ),
    ),
    ("130000", CompactArray(TypeDescription(0), ())),
]


@pytest.mark.parametrize(
    ("hexdata", "value"), EXAMPLES, ids=[e[0][:2] + "-" + str(i) for i, e in enumerate(EXAMPLES)]
)
def test_examples_decode_and_encode(hexdata: str, value: object) -> None:
    data = bytes.fromhex(hexdata)
    assert decode_data(data) == value
    assert encode_data(value) == data  # type: ignore[arg-type]


def test_every_tag_has_an_example_and_a_class() -> None:
    example_tags = {bytes.fromhex(h)[0] for h, _ in EXAMPLES}
    assert example_tags == {int(t) for t in DataTag} == set(DATA_CLASSES)


def test_same_number_different_types_encode_differently() -> None:
    assert encode_data(LongUnsigned(1)) == b"\x12\x00\x01"
    assert encode_data(Unsigned(1)) == b"\x11\x01"
    assert LongUnsigned(1) != Unsigned(1)


def test_offsets_record_each_tag() -> None:
    value = decode_data(bytes.fromhex("0102 0203 1101 0906AABBCCDDEEFF 00 03FF"))
    assert isinstance(value, Array)
    assert value.offset == 0
    inner = value[0]
    assert isinstance(inner, Structure)
    assert inner.offset == 2
    assert [item.offset for item in inner] == [4, 6, 14]
    assert value[1].offset == 15
    # offsets are not part of equality
    assert value == Array(
        (
            Structure((Unsigned(1), OctetString(bytes.fromhex("AABBCCDDEEFF")), NullData())),
            Boolean(0xFF),
        )
    )


def test_streaming_decode_returns_next_offset() -> None:
    data = bytes.fromhex("1101 120002 00")
    first, pos = decode_data_at(data, 0)
    second, pos2 = decode_data_at(data, pos)
    third, end = decode_data_at(data, pos2)
    assert (first, second, third) == (Unsigned(1), LongUnsigned(2), NullData())
    assert (pos, pos2, end) == (2, 5, 6)
    assert second.offset == 2


def test_boolean_keeps_raw_octet_and_truth() -> None:
    b = decode_data(b"\x03\x7f")
    assert isinstance(b, Boolean)
    assert b.value is True
    assert b.raw == 0x7F
    assert encode_data(b) == b"\x03\x7f"
    assert Boolean.of(True).raw == 0xFF
    assert Boolean.of(False).raw == 0
    with pytest.raises(InvalidValueError):
        Boolean.of(False, raw=1)


def test_bit_string_bits_are_msb_first() -> None:
    b = BitString(7, b"\xfe")
    assert b.bits == (True,) * 7
    c = BitString.from_bits([1, 1, 1, 1, 1, 0, 0])
    assert c.data == b"\xf8"
    assert str(c) == "1111100"
    with pytest.raises(InvalidValueError):
        BitString(7, b"\xff")  # padding bit set
    with pytest.raises(InvalidValueError):
        BitString(9, b"\xff")  # too short


def test_float_keeps_raw_octets() -> None:
    nan = bytes.fromhex("7FC00001")
    assert encode_data(decode_data(b"\x17" + nan)) == b"\x17" + nan
    assert math.isnan(Float32(nan).value)
    assert Float64.of(-0.0).raw == bytes.fromhex("8000000000000000")
    assert Float32.of(1.5).value == 1.5
    with pytest.raises(InvalidValueError):
        Float32.of(1e300)


def test_text_accessors() -> None:
    assert VisibleString(b"abc").text == "abc"
    assert Utf8String("é".encode()).text == "é"
    with pytest.raises(DecodeError):
        _ = VisibleString(b"\xff").text
    with pytest.raises(DecodeError):
        _ = Utf8String(b"\xc3").text


def test_long_form_counts_and_lengths() -> None:
    payload = bytes(200)
    data = b"\x09\x81\xc8" + payload
    assert decode_data(data) == OctetString(payload)
    assert encode_data(OctetString(payload)) == data
    big = b"\x01\x82\x01\x00" + b"\x00" * 256
    value = decode_data(big)
    assert isinstance(value, Array)
    assert len(value) == 256
    assert encode_data(value) == big


@pytest.mark.parametrize(
    ("hexdata", "offset", "path"),
    [
        ("", 0, ""),  # empty
        ("08", 0, ""),  # unknown tag 8
        ("FF", 0, ""),  # unknown tag
        ("0201 07", 2, "[0]"),  # unknown tag inside a structure
        ("098000", 1, ""),  # 0x80 length
        ("09850000000000", 1, ""),  # 85 length form
        ("09810A" + "00" * 10, 1, ""),  # non-minimal long form
        ("04 07 FF", 2, ""),  # non-zero padding
        ("0203 1101 1102", 6, "[2]"),  # missing element
        ("0201 0201 0904 0102", 4, "[0][0]"),  # truncated nested octet-string
        ("12 00", 0, ""),  # truncated long-unsigned
        ("1101 00", 2, ""),  # trailing octet
        ("1B 010203", 0, ""),  # truncated time
        ("13 13", 1, ""),  # nested compact-array description
        ("13 00 01 00", 0, ""),  # compact-array of nulls with contents
        ("13 11 02 01", 0, ""),  # compact-array contents beyond input
        ("13 12 03 000100", 5, "[1]"),  # contents end inside an element
    ],
)
def test_rejections_carry_offset_and_path(hexdata: str, offset: int, path: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_data(bytes.fromhex(hexdata))
    assert info.value.offset == offset
    assert info.value.path == path


def test_deep_nesting_is_a_decode_error_not_recursion() -> None:
    data = b"\x01\x01" * 5000 + b"\x00"
    with pytest.raises(DecodeError) as info:
        decode_data(data)
    assert info.value.offset == 2 * MAX_DEPTH
    assert info.value.path == "[0]" * MAX_DEPTH


def test_count_larger_than_input_is_rejected_fast() -> None:
    with pytest.raises(DecodeError):
        decode_data(b"\x01\x84\xff\xff\xff\xff\x00")


def test_non_bytes_input_is_an_invalid_value_error() -> None:
    # A wrong argument type is misuse, named as such (issue 8, item 10).
    with pytest.raises(InvalidValueError, match="data must be bytes"):
        decode_data("0100")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        encode_data(5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Unsigned(256),
        lambda: Integer(-129),
        lambda: LongUnsigned(-1),
        lambda: Long64Unsigned(2**64),
        lambda: Unsigned(True),
        lambda: OctetString("text"),
        lambda: Float32(b"\x00"),
        lambda: Array((1, 2)),
        lambda: CompactArray(TypeDescription(17), (LongUnsigned(1),)),
        lambda: TypeDescription(19),
        lambda: TypeDescription(1, 70000, (TypeDescription(17),)),
    ],
)
def test_invalid_values_are_refused_at_construction(make: object) -> None:
    with pytest.raises(InvalidValueError):
        make()  # type: ignore[operator]


def test_zero_size_compact_array_items_cannot_be_encoded() -> None:
    value = CompactArray(TypeDescription(0), (NullData(), NullData()))
    with pytest.raises(InvalidValueError):
        encode_data(value)


@settings(max_examples=150)  # a codec round trip: depth pays
@given(dlms_values())
def test_round_trip_values(value: object) -> None:
    data = encode_data(value)  # type: ignore[arg-type]
    decoded = decode_data(data)
    assert decoded == value
    assert encode_data(decoded) == data


@given(bit_strings())
def test_bit_string_bits_round_trip(value: BitString) -> None:
    assert BitString.from_bits(value.bits) == value


@given(dlms_values(), st.data())
def test_truncated_encodings_raise(value: object, data: st.DataObject) -> None:
    encoded = encode_data(value)  # type: ignore[arg-type]
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(DecodeError) as info:
        decode_data(encoded[:cut])
    assert info.value.offset is not None
    assert 0 <= info.value.offset <= cut


@given(dlms_values(), st.binary(min_size=1, max_size=4))
def test_extended_encodings_raise(value: object, extra: bytes) -> None:
    encoded = encode_data(value)  # type: ignore[arg-type]
    with pytest.raises(DecodeError) as info:
        decode_data(encoded + extra)
    assert info.value.offset is not None


@given(dlms_values(), st.data())
def test_mutated_encodings_raise_or_reencode(robust, value: object, data: st.DataObject) -> None:
    encoded = bytearray(encode_data(value))  # type: ignore[arg-type]
    pos = data.draw(st.integers(0, len(encoded) - 1))
    encoded[pos] = data.draw(st.integers(0, 255).filter(lambda b: b != encoded[pos]))
    robust(bytes(encoded), decode_data, encode_data)


@given(st.binary(max_size=64))
def test_random_bytes_raise_or_reencode(robust, data: bytes) -> None:
    robust(data, decode_data, encode_data)
