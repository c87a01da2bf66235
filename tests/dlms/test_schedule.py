"""IC 10 schedule entries (spec section 5): the ECS37 entry, shape errors, round-trip properties."""

from __future__ import annotations

import pytest
from hypothesis import given

from secrules.dlms import (
    Array,
    BitString,
    Boolean,
    CosemDate,
    CosemTime,
    LongUnsigned,
    Obis,
    OctetString,
    Structure,
    Unsigned,
    decode_data,
    encode_data,
)
from secrules.dlms.schedule import FIELD_NAMES, ScheduleEntry, entries_from_data, entries_to_data
from secrules.errors import DecodeError, InvalidValueError
from secrules.strategies import schedule_entries


def test_ecs37_entry_is_46_octets_and_round_trips(ecs37_entry_0: bytes) -> None:
    assert len(ecs37_entry_0) == 46
    value = decode_data(ecs37_entry_0)
    entry = ScheduleEntry.from_data(value)
    assert entry.index == 0
    assert entry.enable == Boolean(0xFF)
    assert entry.enabled
    assert entry.script == Obis.parse("0-0:10.128.100.255")
    assert entry.script_selector == 1
    assert entry.switch_time == CosemTime(17, 0, 0, 0)
    assert str(entry.switch_time) == "17:00:00.00"
    assert entry.validity_window == 0xFFFF
    assert entry.exec_weekdays == BitString(7, b"\xfe")
    assert entry.weekdays == (
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    )
    assert entry.exec_specdays == BitString(0, b"")
    assert entry.begin_date == CosemDate(0, 1, 0xFF, 0xFF)
    assert entry.end_date == CosemDate(0xFFFF, 0xFF, 0xFF, 0xFF)
    assert entry.to_data() == value
    assert entry.to_bytes() == ecs37_entry_0
    # K1: the raw boolean octet, the 7-bit count and year 0 all survive
    assert b"\x03\xff" in entry.to_bytes()
    assert b"\x04\x07\xfe" in entry.to_bytes()
    assert b"\x09\x05\x00\x00\x01\xff\xff" in entry.to_bytes()


def test_field_offsets_and_paths(ecs37_entry_0: bytes) -> None:
    data = b"\x01\x02" + ecs37_entry_0 + ecs37_entry_0
    entries = entries_from_data(decode_data(data))
    assert len(entries) == 2
    second = entries[1]
    assert second.path == "entries[1]"
    assert second.offset == 2 + 46
    assert second.path_of("begin_date") == "entries[1].begin_date"
    assert second.offset_of("begin_date") == 2 + 46 + 32
    assert data[second.offset_of("begin_date") or 0] == 0x09
    assert set(second.field_offsets) == set(FIELD_NAMES)
    with pytest.raises(InvalidValueError):
        second.path_of("colour")
    assert entries_to_data(entries) == decode_data(data)
    assert encode_data(entries_to_data(entries)) == data


def _fields(entry_bytes: bytes) -> list[object]:
    value = decode_data(entry_bytes)
    assert isinstance(value, Structure)
    return list(value.items)


@pytest.mark.parametrize(
    ("index", "replacement", "path"),
    [
        (0, Unsigned(0), "entries[0].index"),
        (1, Unsigned(1), "entries[0].enable"),
        (2, OctetString(b"\x00" * 5), "entries[0].script_logical_name"),
        (4, OctetString(b"\x11\x00\x00"), "entries[0].switch_time"),
        (6, OctetString(b"\xfe"), "entries[0].exec_weekdays"),
        (8, OctetString(b"\x00\x00\x01\xff"), "entries[0].begin_date"),
        (9, LongUnsigned(0), "entries[0].end_date"),
    ],
)
def test_wrong_field_type_names_the_path(
    ecs37_entry_0: bytes, index: int, replacement: object, path: str
) -> None:
    fields = _fields(ecs37_entry_0)
    fields[index] = replacement
    data = encode_data(Array((Structure(tuple(fields)),)))  # type: ignore[arg-type]
    with pytest.raises(DecodeError) as info:
        entries_from_data(decode_data(data))
    assert info.value.path == path
    assert info.value.offset is not None
    assert data[info.value.offset] == replacement.tag  # type: ignore[attr-defined]


def test_wrong_shapes(ecs37_entry_0: bytes) -> None:
    fields = _fields(ecs37_entry_0)
    with pytest.raises(DecodeError) as info:
        ScheduleEntry.from_data(Structure(tuple(fields[:9])), path="entries[3]")  # type: ignore[arg-type]
    assert info.value.path == "entries[3]"
    with pytest.raises(DecodeError):
        entries_from_data(Structure(()))
    with pytest.raises(DecodeError):
        ScheduleEntry.from_data(Unsigned(1))


def test_out_of_range_values_are_kept_for_rules(ecs37_entry_0: bytes) -> None:
    fields = _fields(ecs37_entry_0)
    fields[4] = OctetString(bytes.fromhex("FF000000"))  # wildcard hour
    fields[8] = OctetString(bytes.fromhex("00000DFFFF"))  # month 13
    value = Structure(tuple(fields))  # type: ignore[arg-type]
    entry = ScheduleEntry.from_data(value)
    assert entry.switch_time.has_wildcards
    assert [p.field for p in entry.begin_date.problems()] == ["month"]
    assert entry.to_data() == value


@given(schedule_entries())
def test_arbitrary_entries_round_trip(entry: ScheduleEntry) -> None:
    value = entry.to_data()
    again = ScheduleEntry.from_data(decode_data(encode_data(value)))
    assert again == entry
    assert again.to_data() == value
    assert encode_data(again.to_data()) == encode_data(value)


@given(schedule_entries(conforming=True))
def test_conforming_entries_match_the_template(entry: ScheduleEntry) -> None:
    data = entry.to_bytes()
    assert len(data) == 46
    assert entry.weekdays == (
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    )
    assert entry.script_selector in (1, 2)
    assert not entry.switch_time.has_wildcards
    assert entry.switch_time.is_valid()
    assert ScheduleEntry.from_data(decode_data(data)) == entry
