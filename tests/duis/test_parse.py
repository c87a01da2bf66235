from __future__ import annotations

import pytest

from secrules.duis import (
    DeleteDevice,
    DevicePrenotification,
    OtherBody,
    ReadInventory,
    RequestId,
    UpdateDeviceDetails,
    UpdateDeviceStatusCH,
    UpdateInventory,
    UpdateMPxN,
    parse_request,
)
from secrules.errors import DecodeError, InvalidValueError


def test_12_2_template_is_an_esme_with_variant_ad(template):
    request = parse_request(template("12.2"))
    body = request.body
    assert isinstance(body, DevicePrenotification)
    assert body.device_type.value == "ESME"
    assert body.esme_variant is not None
    assert body.esme_variant.value == "AD"
    assert body.esme_variant.path == "/Request/Body/DevicePrenotification/ESMEVariant"
    assert body.device_id.value == "00-DB-12-34-56-78-90-A0"
    assert body.device_manufacturer.raw == "AB01"
    assert body.device_model.raw == "010A030B"
    assert body.smets_chts_version is not None
    assert body.smets_chts_version.raw == "SMETS V1.58"
    assert body.firmware_version is not None
    assert body.firmware_version.raw == "0002012F"
    assert request.schema_version.value == "5.4"
    header = request.header
    assert header.request == RequestId("90-B3-D5-1F-30-01-00-00", "90-B3-D5-1F-30-00-00-02", 1000)
    assert header.command_variant_number == 8
    assert request.service_reference_variant == "12.2"


def test_offsets_point_at_the_element(template):
    data = template("12.2")
    body = parse_request(data).body
    assert isinstance(body, DevicePrenotification)
    assert body.esme_variant is not None
    assert body.esme_variant.offset is not None
    assert data[body.esme_variant.offset :].startswith(b"<sr:ESMEVariant>")


def test_8_4_template_is_a_delete(template):
    body = parse_request(template("8.4")).body
    assert isinstance(body, UpdateInventory)
    assert isinstance(body.update, DeleteDevice)
    assert body.device_id.value == "00-DB-12-34-56-78-90-A0"


def test_8_2_template_reads_by_device_id(template):
    body = parse_request(template("8.2")).body
    assert isinstance(body, ReadInventory)
    assert body.device_id is not None
    assert body.device_id.value == "00-DB-12-34-56-78-90-A2"


def test_other_bodies_are_kept_by_name(template):
    request = parse_request(template("ECS37"))
    assert isinstance(request.body, OtherBody)
    assert request.body.element == "SetMaximumDemandConfigurableTimePeriod"
    assert request.header.request is not None
    assert request.header.request.target == "00-DB-12-34-56-78-90-A0"


def test_signature_is_read_not_verified(template):
    sig = parse_request(template("12.2")).signature
    assert sig is not None
    assert sig.placeholder
    assert not sig.verified
    assert sig.signature_method == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    assert sig.canonicalization == "http://www.w3.org/2001/10/xml-exc-c14n#"
    assert sig.digest_method == "http://www.w3.org/2001/04/xmlenc#sha256"
    assert sig.issuer_name == "CN=U1, OU=07"
    assert sig.serial_number == "1234567890"


def test_prefixes_do_not_matter_namespaces_do(template, edit):
    data = template("12.2").replace(b"sr:", b"zz:").replace(b"xmlns:sr=", b"xmlns:zz=")
    body = parse_request(data).body
    assert isinstance(body, DevicePrenotification)
    wrong = edit(
        template("12.2"),
        b'xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"',
        b'xmlns:sr="http://example.com/ServiceUserGateway"',
    )
    with pytest.raises(DecodeError, match="root element must be Request") as info:
        parse_request(wrong)
    assert info.value.path == "/Request"
    assert info.value.offset is not None


def test_str_input_equals_bytes_input(template):
    data = template("12.2")
    assert parse_request(data.decode("utf-8")) == parse_request(data)


def test_own_fixtures_parse(fixtures_dir):
    folder = fixtures_dir / "duis"
    details = parse_request((folder / "8.4_update_device_details_esme_variant.xml").read_bytes())
    assert isinstance(details.body, UpdateInventory)
    assert isinstance(details.body.update, UpdateDeviceDetails)
    assert details.body.update.esme_variant is not None
    assert details.body.update.esme_variant.value == "BD"
    empty = parse_request((folder / "8.4_update_device_details_empty.xml").read_bytes())
    assert isinstance(empty.body, UpdateInventory)
    assert isinstance(empty.body.update, UpdateDeviceDetails)
    assert empty.body.update.empty


@pytest.mark.parametrize(
    "case",
    [
        (
            b"<sr:ESMEVariant>AD</sr:ESMEVariant>",
            b"<sr:ESMEVariant>AD</sr:ESMEVariant><sr:ESMEVariant>A</sr:ESMEVariant>",
            "/Request/Body/DevicePrenotification/ESMEVariant",
            "more than 1 time",
        ),
        (
            b"<sr:DeviceModel>010A030B</sr:DeviceModel>",
            b"",
            "/Request/Body/DevicePrenotification/DeviceModel",
            "lacks the required element DeviceModel",
        ),
        (
            (
                b"<sr:FirmwareVersion>0002012F</sr:FirmwareVersion>\n"
                b"      <sr:ESMEVariant>AD</sr:ESMEVariant>"
            ),
            b"<sr:ESMEVariant>AD</sr:ESMEVariant><sr:FirmwareVersion>0002012F</sr:FirmwareVersion>",
            "/Request/Body/DevicePrenotification/FirmwareVersion",
            "out of order",
        ),
        (
            b"<sr:ESMEVariant>AD</sr:ESMEVariant>",
            b"<sr:ESMEVariant><sr:X/></sr:ESMEVariant>",
            "/Request/Body/DevicePrenotification/ESMEVariant/X",
            "must hold text",
        ),
        (
            b"<sr:ESMEVariant>AD</sr:ESMEVariant>",
            b"<sr:Colour>red</sr:Colour>",
            "/Request/Body/DevicePrenotification/Colour",
            "unexpected element Colour",
        ),
        (
            b"<sr:CommandVariant>8</sr:CommandVariant>",
            b"",
            "/Request/Header/CommandVariant",
            "lacks the required element CommandVariant",
        ),
        (
            b'schemaVersion="5.4"',
            b"",
            "/Request",
            "schemaVersion",
        ),
    ],
)
def test_structure_violations_are_decode_errors_with_paths(template, edit, case):
    old, new, path, message = case
    with pytest.raises(DecodeError, match=message) as info:
        parse_request(edit(template("12.2"), old, new))
    assert info.value.path == path
    assert info.value.offset is not None
    assert "\n" not in str(info.value)


def test_update_inventory_needs_exactly_one_choice(template, edit):
    base = template("8.4")
    two = edit(base, b"<sr:DeleteDevice/>", b"<sr:DeleteDevice/><sr:DeleteDevice/>")
    with pytest.raises(DecodeError, match="exactly one of"):
        parse_request(two)
    none = edit(base, b"<sr:DeleteDevice/>", b"")
    with pytest.raises(DecodeError, match="exactly one of"):
        parse_request(none)
    not_empty = edit(base, b"<sr:DeleteDevice/>", b"<sr:DeleteDevice>x</sr:DeleteDevice>")
    with pytest.raises(DecodeError, match="DeleteDevice must be empty") as info:
        parse_request(not_empty)
    assert info.value.path == "/Request/Body/UpdateInventory/DeleteDevice"


def test_update_inventory_choices(template, edit):
    base = template("8.4")
    ch = parse_request(
        edit(
            base,
            b"<sr:DeleteDevice/>",
            b"<sr:UpdateDeviceStatusCH>Withdrawn</sr:UpdateDeviceStatusCH>",
        )
    ).body
    assert isinstance(ch, UpdateInventory)
    assert isinstance(ch.update, UpdateDeviceStatusCH)
    assert ch.update.status.value == "Withdrawn"
    mpxn = parse_request(
        edit(
            base,
            b"<sr:DeleteDevice/>",
            b"<sr:UpdateMPxN><sr:ExportMPAN>1234567890123</sr:ExportMPAN></sr:UpdateMPxN>",
        )
    ).body
    assert isinstance(mpxn, UpdateInventory)
    assert isinstance(mpxn.update, UpdateMPxN)
    assert mpxn.update.kind == "ExportMPAN"


def test_body_needs_exactly_one_element(template, edit):
    data = edit(
        template("8.2"),
        b"</sr:ReadInventory>",
        b"</sr:ReadInventory><sr:ReadInventory/>",
    )
    with pytest.raises(DecodeError, match="exactly one element") as info:
        parse_request(data)
    assert info.value.path == "/Request/Body/ReadInventory"


def test_envelope_order(template, edit):
    data = template("8.2")
    header_end = data.index(b"</sr:Header>") + len(b"</sr:Header>")
    header_start = data.index(b"<sr:Header>")
    body_end = data.index(b"</sr:Body>") + len(b"</sr:Body>")
    swapped = (
        data[:header_start]
        + data[header_end:body_end]
        + data[header_start:header_end]
        + data[body_end:]
    )
    with pytest.raises(DecodeError, match="Body is out of order") as info:
        parse_request(swapped)
    assert info.value.path == "/Request/Body"


@pytest.mark.parametrize(
    "text",
    [
        "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:01",
        "90-B3-D5-1F-30-01-00:90-B3-D5-1F-30-00-00-02:1",
        "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:18446744073709551616",
        "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02",
    ],
)
def test_bad_request_ids(text):
    with pytest.raises(InvalidValueError):
        RequestId.parse(text)


def test_request_id_token_and_case():
    rid = RequestId.parse("  90-b3-d5-1f-30-01-00-00:90-B3-D5-1F-30-00-00-02:18446744073709551615 ")
    assert rid.sender == "90-B3-D5-1F-30-01-00-00"
    assert rid.counter == 2**64 - 1
    assert str(rid) == "90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:18446744073709551615"
