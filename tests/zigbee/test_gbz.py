"""GBZ / ZCL decoding: RTDS 4.5.0 payloads, the worked examples, edge cases and properties."""

from __future__ import annotations

import collections
import datetime as dt
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secrules.core.tree import Node
from secrules.errors import DataFileError, DecodeError, InvalidValueError
from secrules.gbcs import CraFlag, open_keystore, parse_message
from secrules.gbcs.protection import decrypt_content
from secrules.strategies import gbz_alerts, gbz_components, gbz_payloads
from secrules.zigbee import (
    GbzComponent,
    GbzPayload,
    ZclHeader,
    ZclValue,
    decode_gbz,
    decode_zcl_plaintext,
    encode_gbz,
    load_zcl_names,
    zcl_names,
)
from support import missing_vectors

#: The 11 data types RTDS Read Attributes Responses use.
RTDS_DATA_TYPES = {0x18, 0x19, 0x20, 0x21, 0x22, 0x23, 0x25, 0x2B, 0x30, 0x41, 0x42}


def leaves_cover(root: Node) -> None:
    """The leaves of ``root`` lie end to end over every octet of it, in order."""
    at = root.offset
    for _, node in root.walk():
        for child in node.children:
            assert node.offset <= child.offset <= child.end <= node.end
        if not node.children:
            assert node.offset == at, (node.name, node.offset, at)
            at = node.end
    assert at == root.end


# --- RTDS 4.5.0 -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gbz_messages(rtds_files, hexfile):
    out = []
    for path in rtds_files:
        message = parse_message(hexfile(path))
        if message.content[:2] == b"\x01\x09":
            out.append((path, message))
    if not out:
        missing_vectors("no GBZ payload in the RTDS vectors")
    return out


def test_rtds_every_gbz_payload_decodes_and_re_encodes(gbz_messages):
    kinds = collections.Counter()
    components = 0
    for path, message in gbz_messages:
        alert = message.cra_flag is CraFlag.ALERT
        payload = decode_gbz(message.content, alert=alert)
        assert payload.encode() == message.content, path.name
        assert encode_gbz(payload) == message.content
        tree = payload.tree()
        assert tree.raw == message.content
        leaves_cover(tree)
        kinds["GBZ alert" if alert else "GBZ"] += 1
        if not alert:
            # Bit 0 of the control field marks exactly the last component (section 2.2).
            assert [c.last for c in payload.components] == [
                i == len(payload.components) - 1 for i in range(len(payload.components))
            ], path.name
        for component in payload.components:
            components += 1
            plain = component.payload
            if plain is not None:
                assert plain.decoded, (path.name, plain.command_name)
    # The shared subset holds 168 GBZ payloads and 12 GBZ alerts (gbcs-content.md 1.2).
    if len(gbz_messages) == 180:
        assert kinds == {"GBZ": 168, "GBZ alert": 12}
    assert components >= len(gbz_messages) - kinds["GBZ alert"]


def test_rtds_read_attributes_responses_use_the_eleven_types(gbz_messages):
    seen = set()
    for _, message in gbz_messages:
        payload = decode_gbz(message.content, alert=message.cra_flag is CraFlag.ALERT)
        for _, node in payload.tree().walk():
            if node.name == "data_type":
                seen.add(node.value)
    assert seen
    assert seen <= RTDS_DATA_TYPES


def test_rtds_encrypted_components_decrypt_and_decode(gbz_messages, keystore_dir):
    store = open_keystore(keystore_dir)
    decoded = 0
    for path, message in gbz_messages:
        payload = decode_gbz(message.content, alert=message.cra_flag is CraFlag.ALERT)
        encrypted = {}
        for component, node in (
            zip(payload.components, payload.tree().find("gbz.components").children, strict=True)
            if payload.alert is None
            else []
        ):
            if component.encrypted:
                block = node.find(f"{node.name}.ciphered")
                encrypted[message.content_offset + block.offset] = component
        for result in decrypt_content(message, store):
            component = encrypted[result.block.offset]
            assert result.plaintext is not None, path.name
            plain = component.decode_plaintext(result.plaintext)
            assert plain.decoded, (path.name, plain.command_name)
            assert plain.encode() == result.plaintext
            leaves_cover(plain.tree())
            decoded += 1
    if not any(
        c.encrypted
        for _, m in gbz_messages
        for c in decode_gbz(m.content, alert=m.cra_flag is CraFlag.ALERT).components
    ):
        missing_vectors("no encrypted GBZ component in the vectors")
    assert decoded > 0


# --- worked examples (gbcs-content.md 2.7) --------------------------------------------------


def test_start_sampling_command():
    data = bytes.fromhex("010901010702001001000780 4A371C00000000006801 2900".replace(" ", ""))
    payload = decode_gbz(data)
    tree = payload.tree()
    assert tree.find("gbz.components[0].cluster_id").text == "Metering (0x0702)"
    assert tree.find("gbz.components[0].zcl_header.command_id").text == "Start Sampling (0x07)"
    event = tree.find("gbz.components[0].payload.issuer_event_id")
    assert (event.offset, event.value, event.text) == (11, 0x1C374A80, "")  # a uint32, not a time
    start = tree.find("gbz.components[0].payload.start_sampling_time")
    assert start.value == dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert start.text == "2000-01-01 00:00:00 UTC"
    assert tree.find("gbz.components[0].payload.sample_request_interval").value == 360
    assert tree.find("gbz.components[0].payload.max_number_of_samples").value == 41
    response = decode_gbz(bytes.fromhex("01090101070200050900 0D0200".replace(" ", "")))
    sample = response.tree().find("gbz.components[0].payload.sample_id")
    assert (sample.value, sample.offset) == (2, 11)


GCS14_RESPONSE = bytes.fromhex(
    "010902000700000E08000117060018501606002 13A03".replace(" ", "")
    + "0307050048000008010100413100000000"
    + "00" * 48
    + "11" * 12
)


def test_price_read_attributes_response_and_encrypted_header():
    payload = decode_gbz(GCS14_RESPONSE)
    tree = payload.tree()
    record = tree.find("gbz.components[0].payload.records[1]")
    assert record.text == "Currency (0x0616)"
    assert record.find("[1].value").value == 826
    assert tree.find("gbz.components[0].payload.records[0].data_type").text == "map8 (0x18)"
    second = payload.components[1]
    assert second.encrypted
    assert second.last
    assert second.payload is None
    assert tree.find("gbz.components[1].ciphered_length").value == 65
    assert tree.find("gbz.components[1].ciphered").offset == 34
    assert tree.find("gbz.components[1].ciphered.tag").offset == 87


def test_prepayment_plaintext_records():
    plaintext = bytes.fromhex("050000 2BA0252600 020000 2B20A10700".replace(" ", ""))
    header = ZclHeader(0x08, 1, 0x01)
    plain = decode_zcl_plaintext(plaintext, cluster_id=0x0705, header=header)
    tree = plain.tree()
    assert tree.find("payload.records[0]").text == "Accumulated Debt (0x0005)"
    assert tree.find("payload.records[0].value").value == 2_500_000
    assert tree.find("payload.records[1].value").value == 500_000


def test_future_dated_alert():
    data = bytes.fromhex("0109018F66388188900E006C00000000000003E907050106")
    payload = decode_gbz(data, alert=True)
    assert payload.components == ()
    tree = payload.tree()
    assert tree.name == "gbz_alert"
    assert tree.find("gbz_alert.alert_code").text.startswith("Future-date HAN Interface Command")
    stamp = tree.find("gbz_alert.timestamp")
    assert stamp.value == dt.datetime(2030, 1, 15, 9, 0, tzinfo=dt.UTC)
    assert stamp.text == "2030-01-15 09:00:00 UTC"
    assert tree.find("gbz_alert.originator_counter").value == 1001
    assert tree.find("gbz_alert.cluster_id").text == "Prepayment (0x0705)"
    assert payload.encode() == data
    leaves_cover(tree)
    with pytest.raises(DecodeError) as err:
        decode_gbz(data[:9] + b"\x0d" + data[10:], alert=True)
    assert (err.value.offset, err.value.path) == (9, "length")


def test_change_payment_mode_implementation_time_is_little_endian():
    data = bytes.fromhex(
        "01090101070500150100060000000080 4A371C908881 38940CFFFFFFFF".replace(" ", "")
    )
    tree = decode_gbz(data).tree()
    when = tree.find("gbz.components[0].payload.implementation_date_time")
    assert when.value == dt.datetime(2030, 1, 15, 9, 0, tzinfo=dt.UTC)
    assert tree.find("gbz.components[0].payload.cut_off_value").value == -1
    assert (
        tree.find("gbz.components[0].payload.proposed_payment_control_configuration").text
        == "0x0C94"
    )


# --- edge cases: unknown names stay raw, errors name the field ------------------------------


def test_unknown_cluster_command_and_data_type_stay_raw():
    unknown_command = bytes.fromhex("0109 01 01 1234 0006 01 00 77 AABBCC".replace(" ", ""))
    tree = decode_gbz(unknown_command).tree()
    assert tree.find("gbz.components[0].cluster_id").text == "cluster 0x1234"
    assert tree.find("gbz.components[0].zcl_header.command_id").text == "command 0x77"
    assert tree.find("gbz.components[0].payload.octets").value == bytes.fromhex("AABBCC")
    odd_type = bytes.fromhex("0109 01 01 0702 000A 08 00 01 0000 00 77 0102 03".replace(" ", ""))
    payload = decode_gbz(odd_type)
    value = payload.tree().find("gbz.components[0].payload.records[0].value")
    assert value.value == bytes.fromhex("010203")
    assert payload.encode() == odd_type


def test_manufacturer_specific_header_is_read():
    data = bytes.fromhex("0109 01 01 0702 0007 05 3412 09 06 AABB".replace(" ", ""))
    payload = decode_gbz(data)
    header = payload.components[0].header
    assert header.manufacturer_code == 0x1234
    assert header.sequence_number == 9
    assert header.command_id == 0x06
    assert payload.tree().find("gbz.components[0].payload.octets").value == b"\xaa\xbb"
    assert payload.encode() == data


def test_from_date_time_and_encryption_together():
    block = b"\x31" + bytes(4) + bytes(3) + bytes(12)
    component = GbzComponent(
        0x13,
        0x0705,
        ZclHeader(0x09, 0, 0x05),
        ciphered=block,
        from_date_time=0x1C374A80,
        additional_header_control=0,
        frame_counter=0,
    )
    data = GbzPayload((component,)).encode()
    payload = decode_gbz(data)
    assert payload.components == (component,)
    tree = payload.tree()
    assert tree.find("gbz.components[0].from_date_time").offset == 8
    assert tree.find("gbz.components[0].from_date_time").text == "2015-01-01 00:00:00 UTC"
    assert tree.find("gbz.components[0].additional_header_control").offset == 12


def test_ciphered_length_is_checked_against_the_component_length():
    good = (
        bytes.fromhex("0109 01 03 0705 001B 00 00 08 01 01 0014".replace(" ", ""))
        + b"\x31"
        + bytes(19)
    )
    assert decode_gbz(good).components[0].ciphered == b"\x31" + bytes(19)
    bad = good[:14] + b"\x13" + good[15:]
    with pytest.raises(DecodeError) as err:
        decode_gbz(bad)
    assert err.value.path == "components[0].ciphered_length"
    assert err.value.offset == 13


@pytest.mark.parametrize(
    ("hexdata", "path", "offset"),
    [
        ("0108 01", "profile_id", 0),
        ("0109", "component_count", 2),
        ("0109 01 01 0702 0010 01 00 07", "components[0].length", 6),
        ("0109 01 01 0702 0002 01 00", "components[0].zcl_header.command_id", 10),
        ("0109 01 01 0702 0005 01 00 07 80 4A", "components[0].payload.issuer_event_id", 11),
        ("0109 00 FF", "components", 3),
        ("0109 01 01 0702 0004 08 00 01 41", "components[0].payload.records[0].attribute_id", 11),
    ],
)
def test_errors_name_the_field_and_offset(hexdata, path, offset):
    with pytest.raises(DecodeError) as err:
        decode_gbz(bytes.fromhex(hexdata.replace(" ", "")))
    assert (err.value.path, err.value.offset) == (path, offset)


def test_misuse_is_an_invalid_value():
    with pytest.raises(InvalidValueError):
        decode_gbz("0109")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        encode_gbz(b"\x01\x09")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="manufacturer code"):
        ZclHeader(0x04, 0, 0)
    with pytest.raises(InvalidValueError, match="encrypted"):
        GbzComponent(0x02, 0x0702, ZclHeader(0, 0, 0))
    with pytest.raises(InvalidValueError):
        ZclValue("x", "uint8", 256).encode()


# --- names data -----------------------------------------------------------------------------


def test_names_rows_cite_a_public_source():
    names = zcl_names()
    assert set(names.sources) == {"zigpy", "gbcs-templates", "gbcs-parser", "wireshark"}
    assert names.cluster(0x0702) == "Metering (0x0702)"
    assert names.status(0xC0) == "HARDWARE_FAILURE (0xC0)"
    assert names.data_type(0x25) == "uint48 (0x25)"
    assert names.command(0x0705, True, 0, 0x06) == "Change Payment Mode (0x06)"
    assert names.command(0x0705, True, 1, 0x06) == "Publish Debt Log (0x06)"  # direction counts
    assert names.command(0x0705, False, 1, 0x0B) == "Default Response (0x0B)"
    for layout in names.commands.values():
        assert layout.source in names.sources
        assert layout.fields or layout.repeat


def test_a_broken_names_table_names_file_and_key(tmp_path):
    bad = tmp_path / "zcl.toml"
    original = resources.files("secrules.data").joinpath("zcl.toml").read_text()
    bad.write_text(
        original.replace('fields = ["sample_id:uint16"]', 'fields = ["sample_id:uint17"]', 1)
    )
    with pytest.raises(DataFileError, match=r"commands\[\d+\]\.fields\[0\]"):
        load_zcl_names(bad)


# --- properties -----------------------------------------------------------------------------


def _decode_or_error(decode):
    """The decoded value, or the DecodeError it raised (any other exception propagates)."""
    try:
        return decode()
    except DecodeError as exc:
        return exc


@given(gbz_payloads())
def test_property_round_trip(payload):
    data = payload.encode()
    decoded = decode_gbz(data)
    assert decoded == payload
    assert decoded.encode() == data
    leaves_cover(decoded.tree())


@given(gbz_alerts())
def test_property_alert_round_trip(payload):
    data = payload.encode()
    decoded = decode_gbz(data, alert=True)
    assert decoded == payload
    leaves_cover(decoded.tree())


@given(gbz_payloads(max_components=3), st.data())
def test_property_mutation_and_truncation_decode_or_raise_decode_error(payload, data):
    raw = bytearray(payload.encode())
    alert = data.draw(st.booleans())
    cut = data.draw(st.integers(0, len(raw)))
    candidates = [bytes(raw[:cut])]
    if raw:
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] ^= data.draw(st.integers(1, 255))
        candidates.append(bytes(raw))
    for candidate in candidates:
        outcome = _decode_or_error(lambda c=candidate: decode_gbz(c, alert=alert))
        if isinstance(outcome, DecodeError):
            assert outcome.offset is not None
            assert 0 <= outcome.offset <= len(candidate)
            assert outcome.path
        else:
            assert outcome.encode() == candidate
            leaves_cover(outcome.tree())


@given(gbz_components(encrypted=False), st.binary(max_size=40))
def test_property_any_plaintext_decodes_or_raises_decode_error(component, plaintext):
    outcome = _decode_or_error(lambda: component.decode_plaintext(plaintext))
    if isinstance(outcome, DecodeError):
        assert outcome.offset is not None
        assert 0 <= outcome.offset <= len(plaintext)
    else:
        assert outcome.encode() == plaintext
