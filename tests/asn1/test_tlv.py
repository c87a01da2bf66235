"""The DER TLV layer: exact round trip (non-minimal lengths too), bounded errors."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secrules.asn1 import MAX_DEPTH, Tlv, decode_tlv, encode_length, parse_generalized_time
from secrules.errors import DecodeError, InvalidValueError
from secrules.strategies.asn1 import tlv_trees


@given(tlv_trees())
def test_tlv_trees_round_trip(tlv: Tlv) -> None:
    data = tlv.encode()
    decoded = decode_tlv(data)
    assert decoded == tlv
    assert decoded.encode() == data


@settings(max_examples=60)
@given(tlv_trees(), st.data())
def test_mutated_or_truncated_tlv_decodes_or_raises_decode_error(
    tlv: Tlv, data: st.DataObject
) -> None:
    raw = bytearray(tlv.encode())
    if data.draw(st.booleans()):
        del raw[data.draw(st.integers(0, len(raw) - 1)) :]
    else:
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] ^= 1 << data.draw(st.integers(0, 7))
    try:
        decoded = decode_tlv(bytes(raw))
    except DecodeError as exc:
        error = exc
    else:
        assert decoded.encode() == bytes(raw)
        return
    assert error.offset is not None
    assert 0 <= error.offset <= len(raw)


def test_non_minimal_length_is_kept_and_reported() -> None:
    data = bytes.fromhex("30820003") + bytes.fromhex("020105")
    tlv = decode_tlv(data)
    assert not tlv.minimal
    assert tlv.length_octets == bytes.fromhex("820003")
    assert tlv.encode() == data
    assert tlv.children is not None
    assert tlv.children[0].integer() == 5
    assert tlv.children[0].offset == 4


def test_integers_are_arbitrary_precision_twos_complement() -> None:
    big = 2**100 + 7
    content = big.to_bytes(14, "big")
    assert decode_tlv(Tlv.primitive(0x02, content).encode()).integer() == big
    assert decode_tlv(bytes.fromhex("0201FF")).integer() == -1


@pytest.mark.parametrize(
    ("hex_data", "offset", "path"),
    [
        ("", 0, ""),
        ("30", 1, ""),
        ("3080", 1, ""),  # indefinite length
        ("1F0100", 0, ""),  # high tag number form
        ("3003020205", 3, "[0]"),  # child runs past its parent
        ("3005020105", 1, ""),  # length beyond the data
        ("020100FF", 3, None),  # trailing octet
        ("3085000000000100", 1, ""),  # five length octets
    ],
)
def test_bad_encodings_raise_decode_error_with_offset(
    hex_data: str, offset: int, path: str | None
) -> None:
    with pytest.raises(DecodeError) as info:
        decode_tlv(bytes.fromhex(hex_data))
    assert info.value.offset == offset
    if path is not None:
        assert info.value.path == path


def test_nesting_is_bounded() -> None:
    data = b"\x05\x00"
    for _ in range(MAX_DEPTH + 1):
        data = Tlv.constructed(0x30, [decode_tlv(data)]).encode()
    with pytest.raises(DecodeError, match="nesting"):
        decode_tlv(data)


def test_length_octets() -> None:
    assert encode_length(5) == b"\x05"
    assert encode_length(131) == b"\x81\x83"
    assert encode_length(300) == b"\x82\x01\x2c"
    with pytest.raises(InvalidValueError):
        encode_length(-1)
    with pytest.raises(InvalidValueError):
        Tlv(0x02, b"\x02", b"\x01")
    with pytest.raises(InvalidValueError):
        decode_tlv("3000")  # type: ignore[arg-type]


@st.composite
def _fourteen_digits(draw: st.DrawFn) -> bytes:
    """Fourteen digits, mostly near a valid date and time (and sometimes any digits)."""
    if draw(st.booleans()):
        return draw(st.text("0123456789", min_size=14, max_size=14)).encode()
    fields = (
        draw(st.integers(0, 9999)),
        draw(st.integers(0, 19)),
        draw(st.integers(0, 39)),
        draw(st.integers(0, 29)),
        draw(st.integers(0, 69)),
        draw(st.integers(0, 69)),
    )
    return b"%04d%02d%02d%02d%02d%02d" % fields


@given(_fourteen_digits())
def test_generalized_time_reads_as_strptime(digits: bytes) -> None:
    # Differential: the two-digit reading gives exactly what strptime gives (or None).
    try:
        expected: dt.datetime | None = dt.datetime.strptime(
            digits.decode(), "%Y%m%d%H%M%S"
        ).replace(tzinfo=dt.UTC)
    except ValueError:
        expected = None
    assert parse_generalized_time(digits + b"Z") == expected


def test_generalized_time_forms() -> None:
    assert parse_generalized_time(b"20141231233000Z") == dt.datetime(
        2014, 12, 31, 23, 30, tzinfo=dt.UTC
    )
    assert parse_generalized_time(b"20141231233000") is None
    assert parse_generalized_time(b"2014123123300+Z") is None
    assert parse_generalized_time(b"20140230000000Z") is None  # 30 February
