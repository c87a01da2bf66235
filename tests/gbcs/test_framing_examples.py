"""GBCS framing: the worked examples of spec section 5 field by field, and every P2 check.

The RTDS examples are read at test time; the error-path tests build their own messages with
``GbcsMessage`` (no RTDS bytes are copied into the project).
"""

from __future__ import annotations

import base64

import attrs
import pytest

from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs import (
    CraFlag,
    Eui64,
    FieldSpan,
    GbcsMessage,
    MessageShape,
    encode_message,
    parse_message,
)
from support import missing_vectors

ECS37 = "6.18.1_ECS37/ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX"
CS02C = "6.17_CS02c/CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX"
CS02C_PRE = "6.17_CS02c/CS02c_6.17_SUCCESS_PRECOMMAND_GBCS.HEX"


def _rtds(rtds_dir, hexfile, name):
    path = rtds_dir / name
    if not path.is_file():
        missing_vectors(f"{name} is not in this RTDS subset")
    return hexfile(path)


def test_ecs37_command_offsets(rtds_dir, hexfile):
    """Spec section 5, ECS37 success command: every row at its stated offset."""
    data = _rtds(rtds_dir, hexfile, ECS37)
    assert len(data) == 173
    msg = parse_message(data)
    f = msg.fields
    assert msg.shape is MessageShape.MACD
    assert f["mac_header.general_ciphering"] == FieldSpan(0, 7)
    assert f["mac_header.ciphered_service_length"] == FieldSpan(7, 2)
    assert data[7:9] == bytes.fromhex("81A4")
    assert f["mac_header.security_control"] == FieldSpan(9, 1)
    assert f["mac_header.invocation_counter"] == FieldSpan(10, 4)
    assert msg.invocation_counter == 0
    assert f["apdu.tag"] == FieldSpan(14, 1)
    assert f["apdu.transaction_id.length"] == FieldSpan(15, 1)
    assert f["apdu.cra_flag"] == FieldSpan(16, 1)
    assert msg.cra_flag is CraFlag.COMMAND
    assert f["apdu.originator_counter"] == FieldSpan(17, 8)
    assert msg.counter == 1203
    assert f["apdu.originator_system_title"] == FieldSpan(26, 8)
    assert msg.originator == Eui64.parse("90B3D51F30020000")
    assert str(msg.originator) == "90-B3-D5-1F-30-02-00-00"
    assert f["apdu.recipient_system_title.length"] == FieldSpan(34, 1)
    assert f["apdu.recipient_system_title"] == FieldSpan(35, 8)
    assert msg.recipient.hex == "00DB1234567890A0"
    assert f["apdu.date_time.length"] == FieldSpan(43, 1)
    assert msg.date_time is None
    assert f["apdu.other_information.length"] == FieldSpan(44, 1)
    assert f["apdu.other_information.message_code"] == FieldSpan(45, 2)
    assert msg.message_code == 0x004A
    assert msg.use_case == "ECS37"
    assert f["apdu.content.length"] == FieldSpan(47, 1)
    assert f["apdu.content"] == FieldSpan(48, 112)
    assert msg.content_offset == 48
    assert msg.content[:1] == b"\xd9"
    assert f["apdu.signature.length"] == FieldSpan(160, 1)
    assert msg.signature is None
    assert "apdu.signature" not in f
    assert f["mac"] == FieldSpan(161, 12)
    assert msg.mac == data[161:]
    # Signed span, if it were signed: offsets 15-159.
    assert f["signed"] == FieldSpan(15, 145)
    assert msg.signed_bytes == data[15:160]
    assert msg.supplementary_remote_party_id is None
    assert msg.ka_certificate is None
    assert list(f) == sorted(f, key=lambda k: (f[k].offset, -f[k].length))


def test_cs02c_signed_command_and_its_precommand(rtds_dir, hexfile):
    data = _rtds(rtds_dir, hexfile, CS02C)
    pre_data = _rtds(rtds_dir, hexfile, CS02C_PRE)
    assert len(data) == 130
    msg = parse_message(data)
    assert data[7] == 0x7A  # short-form ciphered service length, 122
    assert msg.fields["mac_header.ciphered_service_length"] == FieldSpan(7, 1)
    assert msg.fields["apdu"].offset == 13
    assert msg.originator.hex == "90B3D51F30010000"
    assert msg.recipient.hex == "00DB1234567890A0"
    assert msg.counter == 1000
    assert msg.message_code == 0x000A
    assert msg.use_case == "CS02c"
    assert msg.fields["apdu.content.length"] == FieldSpan(46, 1)
    assert msg.fields["apdu.content"] == FieldSpan(47, 6)
    assert msg.content == bytes.fromhex("300403020780")
    assert msg.fields["apdu.signature.length"] == FieldSpan(53, 1)
    assert msg.fields["apdu.signature"] == FieldSpan(54, 64)
    assert msg.signature == data[54:118]
    assert msg.mac == data[118:130]
    assert msg.signed_bytes == data[14:53]

    pre = parse_message(pre_data)
    assert pre.shape is MessageShape.PRE_COMMAND
    assert pre_data == data[13:53]
    assert pre.signed_bytes == msg.signed_bytes
    assert pre.fields["signed"] == FieldSpan(1, 39)
    # The DF ... 00 form of the same pre-command.
    unsigned = parse_message(pre_data + b"\x00")
    assert unsigned.shape is MessageShape.UNSIGNED_APDU
    assert unsigned.signature is None
    assert encode_message(unsigned) == pre_data + b"\x00"
    assert attrs.evolve(unsigned, shape=MessageShape.PRE_COMMAND) == pre


# --- Own messages: every check of P2, with path and offset. -----------------------------------

SUPPLIER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
DEVICE = Eui64.parse("00DB1234567890A0")


def _msg(**changes) -> GbcsMessage:
    base = GbcsMessage(
        shape=MessageShape.MACD,
        cra_flag=CraFlag.COMMAND,
        counter=0x0102030405060708,
        originator=SUPPLIER,
        recipient=DEVICE,
        message_code=0x004A,
        content=b"\xd9\x20\x00\x00\x01\x00\x00\x00",
        mac=bytes(range(12)),
    )
    return attrs.evolve(base, **changes)


def _replace(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new) :]


def _error(data: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        parse_message(data)
    return info.value


def test_a_changed_security_control_octet_is_read_as_received():
    """GBCS requires 0x11; any other octet is read (and round-trips) so that the
    gbcs.security_header rule can FAIL it, rather than being refused as undecodable."""
    data = bytearray(encode_message(_msg()))
    data[8] = 0x10
    parsed = parse_message(bytes(data))
    assert parsed.security_control == 0x10
    assert parsed.encoded == bytes(data)
    assert encode_message(parsed) == bytes(data)


def test_own_message_layout():
    msg = _msg()
    data = encode_message(msg)
    assert data[:7] == bytes.fromhex("DD000000000000")
    assert data[7] == len(data) - 8
    assert data[8:13] == bytes.fromhex("1100000000")
    assert data[13:16] == bytes.fromhex("DF0901")
    assert parse_message(data) == msg


@pytest.mark.parametrize(
    ("field", "new", "path"),
    [
        ("mac_header.general_ciphering", b"\xdd\x01", "mac_header.general_ciphering"),
        ("apdu.tag", b"\xde", "apdu.tag"),
        ("apdu.transaction_id.length", b"\x08", "apdu.transaction_id.length"),
        ("apdu.cra_flag", b"\x04", "apdu.cra_flag"),
        ("apdu.cra_flag", b"\x00", "apdu.cra_flag"),
        ("apdu.originator_system_title.length", b"\x09", "apdu.originator_system_title.length"),
        ("apdu.recipient_system_title.length", b"\x07", "apdu.recipient_system_title.length"),
        ("apdu.date_time.length", b"\x01", "apdu.date_time.length"),
        ("apdu.other_information.length", b"\x03", "apdu.other_information.length"),
        ("apdu.other_information.length", b"\x80", "apdu.other_information.length"),
        ("apdu.signature.length", b"\x01", "apdu.signature.length"),
    ],
)
def test_fixed_octets_and_lengths_are_checked(field, new, path):
    msg = _msg()
    data = encode_message(msg)
    at = msg.offset(field) + (1 if field == "mac_header.general_ciphering" else 0)
    if field == "mac_header.general_ciphering":
        new = new[1:]
    err = _error(_replace(data, at, new))
    assert err.path is not None
    assert err.path.startswith(path) or path.startswith(err.path), (err.path, path)
    assert err.offset is not None


def test_recipient_title_length_error_names_path_and_offset():
    msg = _msg()
    data = encode_message(msg)
    at = msg.offset("apdu.recipient_system_title.length")
    err = _error(_replace(data, at, b"\x09"))
    assert err.path == "apdu.recipient_system_title.length"
    assert err.offset == at
    assert "apdu.recipient_system_title.length" in str(err)


def test_other_information_body_lengths():
    for size in (3, 9, 11, 17, 19, 25):
        msg = _msg(shape=MessageShape.PRE_COMMAND, mac=None)
        data = bytearray(encode_message(msg))
        at = msg.offset("apdu.other_information.length")
        # Grow the body to `size` octets by inserting zeros after the message code.
        body_end = msg.fields["apdu.other_information"].end
        broken = bytes(data[:at]) + bytes([size]) + data[at + 1 : body_end]
        broken += bytes(size - 2) + bytes(data[body_end:])
        err = _error(broken)
        assert err.path == "apdu.other_information.length", size
        assert err.offset == at


@pytest.mark.parametrize(
    "extra",
    [
        {"supplementary_remote_party_id": DEVICE},
        {"supplementary_remote_party_id": DEVICE, "supplementary_remote_party_counter": 7},
        {
            "supplementary_remote_party_id": DEVICE,
            "supplementary_remote_party_counter": 7,
            "supplementary_originator_counter": 2**64 - 1,
        },
        {
            "supplementary_remote_party_id": DEVICE,
            "supplementary_remote_party_counter": 7,
            "ka_certificate": b"\x30\x82\x01\x00" + bytes(256),
        },
    ],
)
def test_other_information_forms_round_trip(extra):
    msg = _msg(date_time=bytes.fromhex("07E40B1C02100000008000FF"), **extra)
    data = encode_message(msg)
    again = parse_message(data)
    assert again == msg
    body = msg.fields["apdu.other_information"]
    assert body.length == {1: 10, 2: 18}.get(len(extra), body.length)
    for name in extra:
        assert f"apdu.other_information.{name}" in msg.fields


def test_long_content_uses_minimal_long_lengths():
    for size, prefix in (
        (127, b"\x7f"),
        (128, b"\x81\x80"),
        (255, b"\x81\xff"),
        (256, b"\x82\x01\x00"),
    ):
        msg = _msg(content=bytes(size))
        data = encode_message(msg)
        span = msg.fields["apdu.content.length"]
        assert data[span.offset : span.end] == prefix
        assert parse_message(data) == msg


def test_non_minimal_length_is_rejected():
    msg = _msg(shape=MessageShape.PRE_COMMAND, mac=None)
    data = encode_message(msg)
    at = msg.offset("apdu.content.length")
    broken = data[:at] + b"\x81" + data[at:]
    err = _error(broken)
    assert err.path == "apdu.content.length"
    assert err.offset == at


def test_macd_length_must_match_input():
    data = encode_message(_msg())
    err = _error(data[:-1])
    assert err.path == "mac_header.ciphered_service_length"
    err = _error(data + b"\x00")
    assert err.path == "mac_header.ciphered_service_length"


def test_macd_without_signature_field_is_rejected():
    msg = _msg()
    data = encode_message(msg)
    sig_at = msg.offset("apdu.signature.length")
    broken = bytearray(data[:sig_at] + data[sig_at + 1 :])
    broken[7] -= 1
    err = _error(bytes(broken))
    assert err.path == "apdu.signature.length"


def test_other_first_octets_and_empty_input():
    assert _error(b"").offset == 0
    assert _error(b"\x30\x00").offset == 0
    err = _error(bytes.fromhex("DD01"))
    assert err.offset == 1
    assert err.path == "mac_header.general_ciphering"


def test_text_input_hex_and_base64():
    msg = _msg(shape=MessageShape.SIGNED_APDU, mac=None, signature=bytes(range(64)))
    data = encode_message(msg)
    assert parse_message(data.hex()) == msg
    text = data.hex().upper()
    assert parse_message("\n".join(text[i : i + 32] for i in range(0, len(text), 32))) == msg
    assert parse_message(" " + text.lower() + "\r\n") == msg
    assert parse_message(base64.b64encode(data).decode()) == msg
    assert parse_message(bytearray(data)) == msg
    assert parse_message(memoryview(data)) == msg
    with pytest.raises(DecodeError):
        parse_message("not hex, not base64!")
    with pytest.raises(DecodeError):
        parse_message("DF0")


def test_record_validation():
    with pytest.raises(InvalidValueError):
        _msg(mac=None)
    with pytest.raises(InvalidValueError):
        _msg(shape=MessageShape.SIGNED_APDU, mac=None)
    with pytest.raises(InvalidValueError):
        _msg(shape=MessageShape.PRE_COMMAND, mac=None, signature=bytes(64))
    with pytest.raises(InvalidValueError):
        _msg(cra_flag=4)
    with pytest.raises(InvalidValueError):
        _msg(counter=2**64)
    with pytest.raises(InvalidValueError):
        _msg(supplementary_remote_party_counter=1)
    with pytest.raises(InvalidValueError):
        _msg(
            supplementary_remote_party_id=DEVICE,
            supplementary_remote_party_counter=1,
            supplementary_originator_counter=2,
            ka_certificate=bytes(20),
        )
    with pytest.raises(InvalidValueError):
        _msg(
            supplementary_remote_party_id=DEVICE,
            supplementary_remote_party_counter=1,
            ka_certificate=bytes(8),
        )
    with pytest.raises(InvalidValueError):
        _msg(signature=bytes(63))
    with pytest.raises(InvalidValueError):
        Eui64.parse("90B3D51F3002000")
    assert Eui64.parse("90:b3:d5:1f:30:02:00:00") == Eui64(bytes.fromhex("90B3D51F30020000"))
    assert bytes(SUPPLIER) == bytes.fromhex("90B3D51F30010000")


def test_decode_content_by_first_octet(rtds_dir, hexfile):
    from secrules.dlms.access import AccessKind, AccessRequest

    ecs37 = parse_message(_rtds(rtds_dir, hexfile, ECS37))
    request = ecs37.decode_content()
    assert isinstance(request, AccessRequest)
    (spec,) = request.specs
    assert (spec.kind, spec.class_id, str(spec.instance), spec.attribute) == (
        AccessKind.SET,
        10,
        "0-0:12.0.0.255",
        2,
    )
    assert request.invoke_id & 0xFFFFFF == ecs37.counter & 0xFFFFFF
    cs02c = parse_message(_rtds(rtds_dir, hexfile, CS02C))
    assert cs02c.decode_content() == cs02c.content  # ASN.1 DER kept raw


def test_decode_content_error_is_located_in_the_message():
    msg = _msg(content=b"\xd9\x20\x00\x00\x01\x00\x01\x07")  # unknown specification choice 07
    with pytest.raises(DecodeError) as info:
        msg.decode_content()
    assert info.value.path.startswith("apdu.content")
    assert info.value.offset == msg.content_offset + 7
    assert _msg(content=b"\x0f\x00").decode_content() == b"\x0f\x00"


def test_date_time_value():
    msg = _msg(date_time=bytes.fromhex("07E40B1C02100000008000FF"))
    value = msg.date_time_value
    assert value is not None
    assert value.to_bytes() == msg.date_time
    assert _msg().date_time_value is None
