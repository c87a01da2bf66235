"""DLMS ACCESS request/response framing (spec section 4): examples, rejections, properties."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secrules.dlms import (
    AccessKind,
    AccessRequest,
    AccessResponse,
    Integer,
    NullData,
    Obis,
    RequestSpec,
    ResponseSpec,
    Unsigned,
    decode_access,
    decode_access_request,
    decode_access_response,
    encode_access,
    encode_data,
    result_name,
)
from secrules.errors import DecodeError, InvalidValueError
from secrules.strategies import access_requests, access_responses

# Built from the ECS57 description in the spec (section 5): three ACTION reset(integer 0).
ECS57_LIKE = bytes.fromhex(
    "D9 20000001 00 03"
    "03 0004 0100010600FF 01"
    "03 0004 0100010601FF 01"
    "03 0004 0100020600FF 01"
    "03 0F00 0F00 0F00"
)
# The ECS37 success response as written out in the spec (section 4).
ECS37_RESPONSE = bytes.fromhex("DA 200004B3 00 00 01 00 01 02 00")


def test_request_example_decodes() -> None:
    request = decode_access(ECS57_LIKE)
    assert isinstance(request, AccessRequest)
    assert request.invoke_id == 0x20000001
    assert request.date_time == b""
    assert [s.kind for s in request.specs] == [AccessKind.ACTION] * 3
    assert [str(s.instance) for s in request.specs] == [
        "1-0:1.6.0.255",
        "1-0:1.6.1.255",
        "1-0:2.6.0.255",
    ]
    assert all(s.class_id == 4 and s.attribute == 1 for s in request.specs)
    assert request.data == (Integer(0), Integer(0), Integer(0))
    assert [d.offset for d in request.data] == [38, 40, 42]
    assert [s.offset for s in request.specs] == [7, 17, 27]
    assert request.pairs()[0] == (request.specs[0], Integer(0))
    assert encode_access(request) == ECS57_LIKE


def test_response_example_decodes() -> None:
    response = decode_access(ECS37_RESPONSE)
    assert isinstance(response, AccessResponse)
    assert response.invoke_id == 0x200004B3
    assert response.request_specs is None
    assert response.data == (NullData(),)
    assert response.results == (ResponseSpec(AccessKind.SET, 0),)
    assert response.results[0].result_name == "success"
    assert response.results[0].succeeded
    assert encode_access(response) == ECS37_RESPONSE


def test_result_names() -> None:
    assert result_name(1) == "hardware fault"
    assert result_name(250) == "other reason"
    assert result_name(77) == "unknown result 77"


def test_get_with_selection_round_trips() -> None:
    spec = RequestSpec(4, 7, Obis.parse("1-0:99.1.0.255"), 2, 1, Unsigned(3))
    request = AccessRequest(1, (spec,), (NullData(),))
    data = encode_access(request)
    assert data.hex().upper() == "D90000000100010400070100630100FF020111030100"
    assert decode_access_request(data) == request
    assert decode_access_request(data).specs[0].parameters.offset == 18  # type: ignore[union-attr]


def test_echoed_request_specs_round_trip() -> None:
    spec = RequestSpec(AccessKind.GET, 8, Obis.parse("0-0:1.0.0.255"), 2)
    response = AccessResponse(5, (NullData(),), (ResponseSpec(1, 4),), b"", (spec,))
    assert decode_access_response(encode_access(response)) == response


def test_date_time_field_is_kept() -> None:
    raw_dt = bytes.fromhex("07E4060101 00000000 FFC4 80")
    request = AccessRequest(7, (), (), raw_dt)
    data = encode_access(request)
    assert data[5] == 12
    decoded = decode_access_request(data)
    assert decoded.date_time == raw_dt
    assert decoded.date_time_value is not None
    assert decoded.date_time_value.deviation == -60


@pytest.mark.parametrize(
    ("hexdata", "offset", "path"),
    [
        ("", 0, "tag"),
        ("C0 01", 0, "tag"),
        ("D9 2000", 0, "invoke_id"),
        ("D9 20000001 80", 5, "date_time"),
        ("D9 20000001 05 0102", 6, "date_time"),
        ("D9 20000001 00 01 05 0004 0100010600FF 01 00", 7, "specs[0]"),
        ("D9 20000001 00 01 03 0004 0100", 7, "specs[0]"),
        ("D9 20000001 00 01 04 0004 0100010600FF 02 01 13", 19, "specs[0].parameters"),
        ("D9 20000001 00 00 01 0201 08", 10, "data[0][0]"),
        ("D9 20000001 00 00 00 00", 8, ""),
        ("DA 20000001 00 02 00 00", 6, "request_specs"),
        ("DA 20000001 00 00 00 01 04 00", 9, "results[0]"),
        ("DA 20000001 00 00 00 01 01", 9, "results[0]"),
    ],
)
def test_rejections_carry_offset_and_path(hexdata: str, offset: int, path: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_access(bytes.fromhex(hexdata))
    assert info.value.offset == offset
    assert info.value.path == path


def test_records_refuse_inconsistent_fields() -> None:
    obis = Obis.parse("0-0:1.0.0.255")
    with pytest.raises(InvalidValueError):
        RequestSpec(AccessKind.GET, 8, obis, 2, selector=1)
    with pytest.raises(InvalidValueError):
        RequestSpec(AccessKind.GET_WITH_SELECTION, 8, obis, 2)
    with pytest.raises(InvalidValueError):
        ResponseSpec(AccessKind.GET_WITH_SELECTION, 0)
    with pytest.raises(ValueError, match="5"):
        RequestSpec(5, 8, obis, 2)
    with pytest.raises(InvalidValueError):
        AccessRequest(2**32, (), ())
    with pytest.raises(InvalidValueError):
        encode_access(NullData())  # type: ignore[arg-type]


@settings(max_examples=150)  # a codec round trip: depth pays
@given(access_requests())
def test_requests_round_trip(request: AccessRequest) -> None:
    data = encode_access(request)
    decoded = decode_access(data)
    assert decoded == request
    assert encode_access(decoded) == data
    # every data item's offset points at its own encoding
    for item in decoded.data:
        assert item.offset is not None
        assert data[item.offset : item.offset + len(encode_data(item))] == encode_data(item)


@settings(max_examples=150)  # a codec round trip: depth pays
@given(access_responses())
def test_responses_round_trip(response: AccessResponse) -> None:
    data = encode_access(response)
    assert decode_access(data) == response
    assert encode_access(decode_access(data)) == data


@given(st.one_of(access_requests(), access_responses()), st.data())
def test_mutations_raise_or_reencode(robust, value: object, data: st.DataObject) -> None:
    encoded = bytearray(encode_access(value))  # type: ignore[arg-type]
    how = data.draw(st.sampled_from(["mutate", "truncate", "extend"]))
    if how == "mutate":
        pos = data.draw(st.integers(0, len(encoded) - 1))
        encoded[pos] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        del encoded[data.draw(st.integers(0, len(encoded) - 1)) :]
    else:
        encoded += data.draw(st.binary(min_size=1, max_size=3))
    robust(bytes(encoded), decode_access, encode_access)
    if how != "mutate":
        with pytest.raises(DecodeError):
            decode_access(bytes(encoded))


@given(st.binary(max_size=40).map(lambda b: b"\xd9" + b))
def test_random_requests_raise_or_reencode(robust, data: bytes) -> None:
    robust(data, decode_access, encode_access)


def _same_types(decoded: object, built: object) -> None:
    """``decoded`` (filled slot by slot) holds what ``__init__`` would: same types, same values."""
    assert type(decoded) is type(built)
    assert decoded == built
    if attrs.has(type(decoded)):
        for field in attrs.fields(type(decoded)):
            if field.eq:  # offsets are not compared
                _same_types(getattr(decoded, field.name), getattr(built, field.name))
    elif isinstance(decoded, tuple):
        assert isinstance(built, tuple)
        for mine, theirs in zip(decoded, built, strict=True):
            _same_types(mine, theirs)


def _rebuilt(value: AccessRequest | AccessResponse) -> AccessRequest | AccessResponse:
    """``value`` built again through ``__init__`` (validators and converters), specs included."""
    specs = tuple(attrs.evolve(spec, offset=spec.offset) for spec in getattr(value, "specs", ()))
    if isinstance(value, AccessRequest):
        return attrs.evolve(value, specs=specs)
    return attrs.evolve(
        value,
        results=tuple(attrs.evolve(result) for result in value.results),
        request_specs=None
        if value.request_specs is None
        else tuple(attrs.evolve(spec) for spec in value.request_specs),
    )


def test_rtds_records_equal_init_built_ones(access_payloads: list[tuple[str, bytes]]) -> None:
    for name, payload in access_payloads:
        decoded = decode_access(payload)
        _same_types(decoded, _rebuilt(decoded))
        assert decoded.offset == 0, name
        specs = decoded.specs if isinstance(decoded, AccessRequest) else ()
        for spec in specs:  # each offset is its choice octet, its instance id 3 octets on
            assert spec.offset is not None
            assert payload[spec.offset] == spec.kind, name
            assert payload[spec.offset + 3 : spec.offset + 9] == spec.instance.to_bytes(), name
        if isinstance(decoded, AccessResponse):
            for result in decoded.results:
                assert result.offset is not None
                assert payload[result.offset : result.offset + 2] == bytes(
                    (result.kind, result.result)
                )


@settings(max_examples=60)
@given(st.one_of(access_requests(), access_responses()))
def test_drawn_records_equal_init_built_ones(value: AccessRequest | AccessResponse) -> None:
    decoded = decode_access(encode_access(value))
    _same_types(decoded, _rebuilt(decoded))
    _same_types(decoded, value)


def test_many_distinct_instances_decode_alike() -> None:
    """Instance ids are shared between decodes: thousands of distinct ones still decode right."""
    codes = [Obis(0, 0, i >> 8, i & 0xFF, 1, 255) for i in range(3000)]
    request = AccessRequest(7, tuple(RequestSpec(AccessKind.GET, 8, code, 2) for code in codes), ())
    for _ in range(2):
        decoded = decode_access(encode_access(request))
        assert isinstance(decoded, AccessRequest)
        assert [spec.instance for spec in decoded.specs] == codes
        payload = encode_access(decoded)
        for spec in decoded.specs:
            assert spec.offset is not None
            assert payload[spec.offset + 3 : spec.offset + 9] == spec.instance.to_bytes()
