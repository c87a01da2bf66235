"""Conformance against the public RTDS 4.5.0 messages in ../shared/vectors/rtds (spec section 7).

The DLMS content of each GBCS message is taken with ``secrules.gbcs.parse_message``. Tests skip
with a reason when the vectors (or a test-case folder) are absent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from secrules.dlms import (
    AccessKind,
    AccessRequest,
    AccessResponse,
    BitString,
    CosemDate,
    CosemTime,
    Integer,
    NullData,
    Obis,
    OctetString,
    decode_access,
    encode_access,
    encode_data,
)
from secrules.dlms.schedule import ScheduleEntry, entries_from_data, entries_to_data
from support import missing_vectors

SCHEDULE = Obis.parse("0-0:12.0.0.255")


def _folder(rtds_dir: Path, name: str) -> Path:
    folder = rtds_dir / name
    if not folder.is_dir():
        missing_vectors(f"RTDS folder {name} is not in this copy of the vectors")
    return folder


def _content(path: Path, hexfile: Callable[[Path], bytes]) -> bytes:
    from secrules.gbcs import parse_message

    content: bytes = parse_message(hexfile(path)).content
    return content


def _decode(
    folder: Path, name: str, hexfile: Callable[[Path], bytes]
) -> AccessRequest | AccessResponse:
    path = folder / name
    if not path.is_file():
        missing_vectors(f"{name} not in {folder}")
    return decode_access(_content(path, hexfile))


def test_every_access_payload_round_trips(access_payloads: list[tuple[str, bytes]]) -> None:
    failures = []
    for name, content in access_payloads:
        value = decode_access(content)
        if encode_access(value) != content:
            failures.append(name)
        for item in value.data:
            assert item.offset is not None
            encoded = encode_data(item)
            assert content[item.offset : item.offset + len(encoded)] == encoded, name
    assert not failures
    assert len(access_payloads) > 100


def test_invoke_id_carries_the_originator_counter(
    rtds_files: list[Path], hexfile: Callable[[Path], bytes]
) -> None:
    from secrules.gbcs import parse_message

    checked = 0
    for path in rtds_files:
        message = parse_message(hexfile(path))
        if message.content[:1] in (b"\xd9", b"\xda"):
            access = decode_access(message.content)
            assert access.invoke_id >> 24 == 0x20, path.name
            assert access.invoke_id & 0xFFFFFF == message.counter & 0xFFFFFF, path.name
            checked += 1
    assert checked > 100


def test_schedule_sets_give_entries_that_round_trip(
    access_payloads: list[tuple[str, bytes]],
) -> None:
    seen = 0
    for name, content in access_payloads:
        value = decode_access(content)
        if not isinstance(value, AccessRequest):
            continue
        for spec, item in value.pairs():
            if spec.kind is AccessKind.SET and spec.class_id == 10 and spec.attribute == 2:
                assert item is not None
                entries = entries_from_data(item)
                for entry in entries:
                    assert ScheduleEntry.from_data(entry.to_data()) == entry
                assert encode_data(entries_to_data(entries)) == encode_data(item), name
                seen += 1
    assert seen >= 1


def test_ecs37_command(rtds_dir: Path, hexfile: Callable[[Path], bytes]) -> None:
    folder = _folder(rtds_dir, "6.18.1_ECS37")
    path = folder / "ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX"
    raw = hexfile(path)
    content = _content(path, hexfile)
    assert content == raw[48:160]  # the GBCS worked example's offsets
    request = decode_access(content)
    assert isinstance(request, AccessRequest)
    assert request.invoke_id == 0x200004B3
    (spec,) = request.specs
    assert (spec.kind, spec.class_id, spec.instance, spec.attribute) == (
        AccessKind.SET,
        10,
        SCHEDULE,
        2,
    )
    (value,) = request.data
    assert value.offset == 18
    start, end = entries_from_data(value)
    assert (start.index, end.index) == (0, 1)
    assert (start.script_selector, end.script_selector) == (1, 2)
    assert start.switch_time == CosemTime(17, 0, 0, 0)
    assert end.switch_time == CosemTime(22, 0, 0, 0)
    assert str(end.switch_time) == "22:00:00.00"
    for entry in (start, end):
        assert entry.enable.raw == 0xFF
        assert entry.script_logical_name == Obis.parse("0-0:10.128.100.255")
        assert entry.validity_window == 0xFFFF
        assert entry.exec_weekdays == BitString(7, b"\xfe")
        assert entry.exec_specdays == BitString(0, b"")
        assert entry.begin_date == CosemDate(0, 1, 0xFF, 0xFF)
        assert entry.end_date == CosemDate(0xFFFF, 0xFF, 0xFF, 0xFF)
        assert len(entry.to_bytes()) == 46
    assert start.offset == 20
    assert end.offset == 66
    assert end.path_of("switch_time") == "entries[1].switch_time"


def test_ecs37_responses(rtds_dir: Path, hexfile: Callable[[Path], bytes]) -> None:
    folder = _folder(rtds_dir, "6.18.1_ECS37")
    ok = _decode(folder, "ECS37_6.18.1_SUCCESS_RESPONSE_GBCS.HEX", hexfile)
    err = _decode(folder, "ECS37_6.18.1_ERROR_RESPONSE_GBCS.HEX", hexfile)
    assert isinstance(ok, AccessResponse)
    assert isinstance(err, AccessResponse)
    assert ok.invoke_id == 0x200004B3
    assert err.invoke_id == 0x200004B4
    assert ok.data == err.data == (NullData(),)
    assert [(r.kind, r.result_name) for r in ok.results] == [(AccessKind.SET, "success")]
    assert [(r.kind, r.result_name) for r in err.results] == [(AccessKind.SET, "hardware fault")]


def test_ecs57_resets(rtds_dir: Path, hexfile: Callable[[Path], bytes]) -> None:
    folder = _folder(rtds_dir, "6.18.2_ECS57")
    request = _decode(folder, "ECS57_6.18.2_ALL_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX", hexfile)
    assert isinstance(request, AccessRequest)
    assert [(s.kind, s.class_id, str(s.instance), s.attribute) for s in request.specs] == [
        (AccessKind.ACTION, 4, "1-0:1.6.0.255", 1),
        (AccessKind.ACTION, 4, "1-0:1.6.1.255", 1),
        (AccessKind.ACTION, 4, "1-0:2.6.0.255", 1),
    ]
    assert request.data == (Integer(0),) * 3
    some = _decode(folder, "ECS57_6.18.2_SOME_OPTIONALS_SUCCESS_COMMAND_GBCS.HEX", hexfile)
    assert isinstance(some, AccessRequest)
    assert 1 <= len(some.specs) < 3
    assert all(s.kind is AccessKind.ACTION and s.class_id == 4 for s in some.specs)
    error = _decode(folder, "ECS57_6.18.2_ALL_OPTIONALS_ERROR_RESPONSE_GBCS.HEX", hexfile)
    assert isinstance(error, AccessResponse)
    assert {r.result for r in error.results} <= {0, 1, 250}
    assert any(not r.succeeded for r in error.results)


def test_ecs18a_reads_export_maximum_demand(
    rtds_dir: Path, hexfile: Callable[[Path], bytes]
) -> None:
    # ECS18a (4.12.2) is the maximum-demand read the vectors hold; the ECS18b test this replaces
    # read a folder (4.12.1_ECS18b) the vectors do not have, so it always skipped.
    folder = _folder(rtds_dir, "4.12.2_ECS18a")
    request = decode_access(_content(folder / "ECS18a_4.12.2_SUCCESS_COMMAND_GBCS.HEX", hexfile))
    response = decode_access(_content(folder / "ECS18a_4.12.2_SUCCESS_RESPONSE_GBCS.HEX", hexfile))
    assert isinstance(request, AccessRequest)
    assert isinstance(response, AccessResponse)
    assert all(s.kind is AccessKind.GET for s in request.specs)
    values = dict(
        zip(((str(s.instance), s.attribute) for s in request.specs), response.data, strict=True)
    )
    assert set(values) == {
        ("0-0:94.44.5.2", 2),
        ("1-0:2.6.0.255", 2),
        ("1-0:2.6.0.255", 3),
        ("1-0:2.6.0.255", 5),
    }
    last_reset = values[("0-0:94.44.5.2", 2)]
    assert isinstance(last_reset, OctetString)
    assert last_reset.value == bytes.fromhex("07DE0C1FFF000000008000FF")
    assert last_reset.as_datetime().date == CosemDate(2014, 12, 31, 0xFF)
    captured = values[("1-0:2.6.0.255", 5)]
    assert isinstance(captured, OctetString)
    assert len(captured) == 12


@given(st.data())
def test_mutated_rtds_payloads_raise_or_reencode(
    robust, access_payloads: list[tuple[str, bytes]], data: st.DataObject
) -> None:
    _name, content = data.draw(st.sampled_from(access_payloads))
    mutated = bytearray(content)
    how = data.draw(st.sampled_from(["mutate", "truncate", "extend"]))
    if how == "mutate":
        pos = data.draw(st.integers(0, len(mutated) - 1))
        mutated[pos] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        del mutated[data.draw(st.integers(0, len(mutated) - 1)) :]
    else:
        mutated += data.draw(st.binary(min_size=1, max_size=3))
    robust(bytes(mutated), decode_access, encode_access)
