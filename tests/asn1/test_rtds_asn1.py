"""Every ASN.1 payload of the RTDS subset decodes to its use case's structure, byte for byte."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from secrules.asn1 import CertificateInfo, Named, Record, decode_asn1, decode_tlv
from secrules.errors import DecodeError
from secrules.gbcs import parse_message
from secrules.strategies.asn1 import gbcs_asn1_payloads
from support import missing_vectors


def _message(rtds_dir: Path, hexfile: Callable[[Path], bytes], name: str) -> tuple[int, bytes]:
    path = rtds_dir / name
    if not path.is_file():
        missing_vectors(f"{name} is not in this copy of the vectors")
    message = parse_message(hexfile(path))
    return message.message_code, message.content


def test_every_asn1_payload_is_typed_and_re_encodes(
    asn1_messages: list[tuple[str, int, bytes]],
) -> None:
    untyped = []
    non_minimal = 0
    for name, code, content in asn1_messages:
        payload = decode_asn1(content, message_code=code)
        assert payload.encode() == content, name
        if payload.structure is None:
            untyped.append(name)
        non_minimal += len(payload.non_minimal_lengths)
        for path, node in payload.tree().walk():
            assert content[node.offset : node.end] == node.raw, (name, path)
    assert len(asn1_messages) >= 73
    assert not untyped
    assert non_minimal >= 18  # the subset's 82 00 xx length fields (full set: 32)


def test_embedded_certificates_load(asn1_messages: list[tuple[str, int, bytes]]) -> None:
    loaded = 0
    for name, code, content in asn1_messages:
        tree = decode_asn1(content, message_code=code).tree()
        for path, node in tree.walk():
            assert "does not load" not in node.text, (name, path)
            if isinstance(node.value, CertificateInfo):
                loaded += 1
                assert node.value.issuer  # device certificates have an empty subject
                assert node.value.key_usage
    assert loaded >= 61


def test_without_a_message_code_the_tree_is_generic(
    asn1_messages: list[tuple[str, int, bytes]],
) -> None:
    for _name, _code, content in asn1_messages[:10]:
        payload = decode_asn1(content)
        assert payload.structure is None
        assert payload.value is None
        assert payload.encode() == content
        assert payload.tree().name == "asn1"


def test_gcs28_worked_example(rtds_dir: Path, hexfile: Callable[[Path], bytes]) -> None:
    code, content = _message(
        rtds_dir, hexfile, "8.1.1_GCS28Commission/GCS28Commission_8.1.1_SUCCESS_COMMAND_GBCS.HEX"
    )
    payload = decode_asn1(content, message_code=code)
    assert payload.structure is not None
    assert payload.structure.name == "GCS28 command"
    value = payload.value
    assert isinstance(value, Record)
    assert value["validityIntervalStart"] == dt.datetime(2014, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert value["validityIntervalEnd"] == dt.datetime(2015, 1, 1, 0, 30, tzinfo=dt.UTC)
    assert payload.tree().find("asn1.validityIntervalStart").text == "2014-12-31 23:30:00Z"


def test_cs02b_response_worked_example(rtds_dir: Path, hexfile: Callable[[Path], bytes]) -> None:
    code, content = _message(
        rtds_dir,
        hexfile,
        "6.15.1_CS02bNOByNO/CS02bNOByNO_6.15.1_SUCCESS_RESPONSE_GBCS.HEX",
    )
    assert code == 0x0103
    payload = decode_asn1(content, message_code=code)
    assert len(content) == 135
    assert payload.non_minimal_lengths == (0,)
    value = payload.value
    assert isinstance(value, Record)
    assert value["commandAccepted"] is None
    outcome = value["executionOutcome"]
    assert isinstance(outcome, Record)
    assert outcome["authorisingRemotePartySeqNumber"] == 1200
    assert outcome["credentialsReplacementMode"] == Named(3, "networkOperatorByNetworkOperator")
    replacements = outcome["replacementOutcomes"]
    assert isinstance(replacements, tuple)
    assert len(replacements) == 2
    cells = [r["affectedTrustAnchorCell"] for r in replacements]
    assert [c["keyUsage"] for c in cells] == [("digitalSignature",), ("keyAgreement",)]
    assert all(r["statusCode"] == Named(0, "success") for r in replacements)
    assert replacements[0]["replacingSubjectUniqueID"] == bytes.fromhex("90B3D51F30020000")


def test_cs02f_command_worked_example(rtds_dir: Path, hexfile: Callable[[Path], bytes]) -> None:
    code, content = _message(
        rtds_dir, hexfile, "6.24.1_CS02fMAC/CS02fMAC_6.24.1_SUCCESS_COMMAND_GBCS.HEX"
    )
    payload = decode_asn1(content, message_code=code)
    assert payload.structure is not None
    assert payload.structure.name == "CS02f command"
    value = payload.value
    assert isinstance(value, Record)
    cell = value["authorisingRemotePartyTACellIdentifier"]
    assert isinstance(cell, Record)
    assert cell["remotePartyRole"] == Named(4, "accessControlBroker")
    assert cell["keyUsage"] == ("keyAgreement",)
    assert cell["cellUsage"] == Named(0, "management")  # DEFAULT, absent from the octets
    assert value["remotePartyRolesCredentialsRequired"] == (
        Named(2, "supplier"),
        Named(8, "loadController"),
    )


def test_unknown_enum_values_stay_numeric() -> None:
    data = bytes.fromhex("020163")  # CS03 response code 99: not tabled
    payload = decode_asn1(data, message_code=0x000D)
    assert payload.value == Named(99, None)
    assert payload.tree().value == Named(99, None)


@given(gbcs_asn1_payloads())
def test_drawn_gbcs_payloads_are_typed_and_round_trip(pair: tuple[int, bytes]) -> None:
    code, data = pair
    payload = decode_asn1(data, message_code=code)
    assert payload.structure is not None
    assert code in payload.structure.codes
    assert payload.encode() == data


@settings(max_examples=40)
@given(st.data())
def test_mutated_rtds_payloads_decode_or_raise_decode_error(
    asn1_messages: list[tuple[str, int, bytes]], data: st.DataObject
) -> None:
    _name, code, content = data.draw(st.sampled_from(asn1_messages))
    raw = bytearray(content)
    for _ in range(data.draw(st.integers(1, 3))):
        if not raw:
            break
        at = data.draw(st.integers(0, len(raw) - 1))
        if data.draw(st.booleans()):
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        else:
            del raw[at:]
    try:
        payload = decode_asn1(bytes(raw), message_code=code)
    except DecodeError as exc:
        error = exc
    else:
        assert payload.encode() == bytes(raw)
        payload.tree()
        assert decode_tlv(bytes(raw)) == payload.tlv
        return
    assert error.offset is not None
    assert 0 <= error.offset <= len(raw)
