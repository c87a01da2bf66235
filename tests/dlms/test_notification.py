"""DLMS data-notification alerts: RTDS round trip, the worked example, properties."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secrules.dlms import (
    CosemDateTime,
    DataNotification,
    LongUnsigned,
    OctetString,
    Structure,
    decode_data_notification,
)
from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs import parse_message
from secrules.strategies.dlms import data_notifications
from support import missing_vectors


@pytest.fixture(scope="module")
def alerts(rtds_files: list[Path], hexfile: Callable[[Path], bytes]) -> list[tuple[str, bytes]]:
    found = []
    for path in rtds_files:
        content = parse_message(hexfile(path)).content
        if content[:1] == b"\x0f":
            found.append((path.name, content))
    return found


def test_every_rtds_alert_decodes_and_re_encodes(alerts: list[tuple[str, bytes]]) -> None:
    assert len(alerts) >= 41
    for name, content in alerts:
        note = decode_data_notification(content)
        assert note.encode() == content, name
        assert note.alert_code is not None, name
        assert note.alert_name is not None, name  # every RTDS alert code is tabled
        assert note.event_time is not None, name
        assert note.date_time == b""
        tree = note.tree()
        assert tree.raw == content
        for path, node in tree.walk():
            assert content[node.offset : node.end] == node.raw, (name, path)


def test_worked_example_future_dated_alert(
    rtds_dir: Path, hexfile: Callable[[Path], bytes]
) -> None:
    path = (
        rtds_dir
        / "1.6_ECS02"
        / "ECS02_1.6_8F66_FUTURE_DATED_TWIN_SUCCESS_ALERT_PAYMENT_MODE_GBCS.HEX"
    )
    if not path.is_file():
        missing_vectors(f"{path.name} is not in this copy of the vectors")
    note = decode_data_notification(parse_message(hexfile(path)).content)
    assert note.invoke_id & 0xFFFFFF == 2002
    assert note.alert_code == 0x8F66
    assert note.alert_name == "Future-date HAN Interface Command Successfully Actioned"
    when = note.event_time
    assert when is not None
    assert (when.date.year, when.date.month, when.date.day_of_month) == (2030, 1, 15)
    tree = note.tree()
    event = tree.find("data_notification.body.event_time")
    assert event.offset == 11
    assert event.text.startswith("2030-01-15 09:00:00.00")
    assert tree.find("data_notification.body.alert_code").offset == 8
    assert tree.find("data_notification.body[2].message_code").text == "ECS02 (0x001A)"
    assert tree.find("data_notification.body[2].originator_counter").value == 1005
    assert tree.find("data_notification.body[2].class_id").value == 111
    assert str(tree.find("data_notification.body[2].instance").value) == "0-1:19.0.0.255"
    assert tree.find("data_notification.body[2].attribute_id").value == 13


def test_encrypted_alert_body_shows_protection_parameters(alerts: list[tuple[str, bytes]]) -> None:
    protected = [
        decode_data_notification(c) for _, c in alerts if decode_data_notification(c).protected
    ]
    assert len(protected) >= 2  # the two ECS68 billing data log alerts
    for note in protected:
        body = note.protected
        assert body is not None
        assert body.protection_type == 2
        assert body.security_control == 0x31
        assert len(body.tag) == 12
        assert body.transaction_id[:1] == b"\x04"
        tree = note.tree()
        assert tree.find("data_notification.body.ciphered_content.tag").raw == body.tag


def test_alert_codes_not_tabled_stay_numeric() -> None:
    note = DataNotification(1, Structure((LongUnsigned(0x1234), OctetString(b"\xff" * 12))))
    assert note.alert_name is None
    tree = note.tree()
    assert tree.find("data_notification.body.alert_code").text == "0x1234"
    assert decode_data_notification(note.encode()) == note


@given(data_notifications())
def test_drawn_notifications_round_trip(note: DataNotification) -> None:
    data = note.encode()
    decoded = decode_data_notification(data)
    assert decoded == note
    assert decoded.encode() == data
    assert note.tree().raw == data


@settings(max_examples=40)
@given(data_notifications(), st.data())
def test_mutated_notifications_decode_or_raise_decode_error(
    note: DataNotification, data: st.DataObject
) -> None:
    raw = bytearray(note.encode())
    at = data.draw(st.integers(0, len(raw) - 1))
    if data.draw(st.booleans()):
        raw[at] ^= 1 << data.draw(st.integers(0, 7))
    else:
        del raw[at:]
    try:
        decoded = decode_data_notification(bytes(raw))
    except DecodeError as exc:
        error = exc
    else:
        assert decoded.encode() == bytes(raw)
        decoded.tree()
        return
    assert error.offset is not None
    assert 0 <= error.offset <= len(raw)


@pytest.mark.parametrize(
    ("hex_data", "path"),
    [
        ("", "invoke_id"),
        ("D9200000010000", "tag"),
        ("0F2000000105", "date_time"),
        ("0F200000010002", "body"),
        ("0F20000001000000", ""),
    ],
)
def test_bad_notifications_raise_decode_error(hex_data: str, path: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_data_notification(bytes.fromhex(hex_data))
    assert info.value.path == path
    assert info.value.offset is not None


def test_event_time_is_a_full_cosem_date_time() -> None:
    stamp = CosemDateTime.from_bytes(bytes.fromhex("07EE010FFF110000008000FF"))
    note = DataNotification(5, Structure((LongUnsigned(0x8F30), OctetString(stamp.to_bytes()))))
    assert note.event_time == stamp
    assert "17:00:00" in note.tree().find("data_notification.body.event_time").text
    with pytest.raises(InvalidValueError):
        decode_data_notification("0F")  # type: ignore[arg-type]


@settings(max_examples=40)
@given(data_notifications())
def test_decoded_notifications_hold_what_init_would(note: DataNotification) -> None:
    """Decoded records are filled slot by slot: the same field types and values as __init__."""
    decoded = decode_data_notification(note.encode())
    rebuilt = attrs.evolve(decoded)
    assert decoded == rebuilt == note
    for field in attrs.fields(DataNotification):
        assert type(getattr(decoded, field.name)) is type(getattr(rebuilt, field.name))
    assert decoded.offset == 0
    assert decoded.body.offset == len(note.encode()) - len(note.body.encode())
