"""secrules.payloads.check_payload: sniffing, offsets relative to the input, decode errors."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from secrules.core import Outcome
from secrules.dlms.access import AccessKind, AccessResponse, ResponseSpec
from secrules.dlms.data import LongUnsigned, NullData
from secrules.errors import DataFileError, DecodeError, RegimeError
from secrules.gbcs import MessageShape, parse_message, use_case_name
from secrules.gbcs.verification import PROTECTION_RULES
from secrules.payloads import check_payload, sniff
from secrules.strategies import gbcs_messages

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "dp131"


def _hex(name: str) -> bytes:
    return bytes.fromhex((FIX / name).read_text(encoding="ascii").strip())


def _schedule(findings):
    return [f for f in findings if f.rule_id.startswith(("gbcs.ecs37.", "gbcs.table28d."))]


def test_sniff():
    assert sniff(b"\xdd\x00") == "gbcs"
    assert sniff(b"\xdf\x09") == "gbcs"
    assert sniff(b"\xd9") == "access"
    assert sniff(b"\xda") == "access"
    assert sniff(b"\x01\x00") == "data"
    with pytest.raises(DecodeError):
        sniff(b"")


def test_offsets_are_relative_to_the_input_in_every_wrapping():
    command = _hex("ecs37_command_own.hex")
    access = _hex("ecs37_access_request_own.hex")
    entries = _hex("schedule_entries_template.hex")
    content_at = parse_message(command).content_offset
    assert command[content_at : content_at + len(access)] == access
    data_at = access.index(entries)
    in_command = _schedule(check_payload(command))
    in_access = _schedule(check_payload(access))
    in_data = _schedule(check_payload(entries))
    assert [f.rule_id for f in in_command] == [f.rule_id for f in in_access]
    assert [f.rule_id for f in in_access] == [f.rule_id for f in in_data]
    for c, a, d in zip(in_command, in_access, in_data, strict=True):
        assert c.path == a.path == d.path
        assert c.offset == a.offset + content_at
        assert a.offset == d.offset + data_at
        assert c.outcome is Outcome.PASS
    # The offset points at the field's tag in the input.
    begin = next(f for f in in_command if f.path == "entries[0].begin_date")
    assert command[begin.offset : begin.offset + 7] == bytes.fromhex("0905000001FFFF")


def test_gbcs_finding_first_then_rules():
    findings = check_payload(_hex("ecs37_command_own.hex"))
    first = findings[0]
    assert first.rule_id == "gbcs.decode"
    assert first.outcome is Outcome.PASS
    assert "ECS37 command" in first.message
    assert "ACCESS.request" in first.message
    assert first.clauses
    protection = [f.rule_id for f in findings if f.rule_id in {r.id for r in PROTECTION_RULES}]
    # One finding per rule, in order (the security header gives one per octet group checked).
    assert list(dict.fromkeys(protection)) == [rule.id for rule in PROTECTION_RULES]
    # Then one gbcs.content and one gbcs.message-code finding, both PASS for an ECS37 command.
    assert [(f.rule_id, f.outcome) for f in findings[1:3]] == [
        ("gbcs.content", Outcome.PASS),
        ("gbcs.message-code", Outcome.PASS),
    ]
    assert len(_schedule(findings)) == len(findings) - 3 - len(protection)


def test_text_input():
    text = (FIX / "ecs37_command_own.hex").read_text(encoding="ascii")
    assert check_payload(text) == check_payload(bytes.fromhex(text.strip()))
    assert check_payload(text.lower()) == check_payload(text)


def test_default_configuration_runs_table_28d_rules():
    entries = _hex("schedule_entries_template.hex")
    plain = check_payload(entries, regime="baseline")
    assert not any(f.rule_id.startswith("gbcs.table28d.") for f in plain)
    base = check_payload(entries, regime="baseline", default_configuration=True)
    prop = check_payload(entries, regime="proposed", default_configuration=True)
    failing = {f.rule_id for f in base if f.outcome is Outcome.FAIL}
    assert failing == {
        "gbcs.table28d.exec_weekdays",
        "gbcs.table28d.begin_date",
        "gbcs.table28d.end_date",
    }
    assert all(f.outcome is Outcome.PASS for f in prop)


def test_mon_fri_schedule_fails_weekdays_with_offsets():
    data = _hex("schedule_entries_mon_fri.hex")
    failures = [f for f in check_payload(data) if f.outcome is Outcome.FAIL]
    assert [(f.rule_id, f.path) for f in failures] == [
        ("gbcs.ecs37.exec_weekdays", "entries[0].exec_weekdays"),
        ("gbcs.ecs37.exec_weekdays", "entries[1].exec_weekdays"),
    ]
    for f in failures:
        assert data[f.offset : f.offset + 3] == bytes.fromhex("0407F8")


def test_other_gbcs_payloads_get_one_informative_finding_and_protection(rtds_files, hexfile):
    seen = 0
    for path in rtds_files:
        data = hexfile(path)
        message = parse_message(data)
        if message.message_code in (0x004A, 0x002C):
            continue
        finding, content, code, *protection = check_payload(data)
        assert (content.rule_id, code.rule_id) == ("gbcs.content", "gbcs.message-code")
        assert code.outcome is Outcome.PASS, (path.name, code.message)
        assert content.outcome is not Outcome.FAIL, (path.name, content.message)
        ids = [f.rule_id for f in protection]
        assert list(dict.fromkeys(ids)) == [r.id for r in PROTECTION_RULES], path.name
        assert finding.rule_id == "gbcs.decode"
        assert finding.outcome is Outcome.PASS
        assert (use_case_name(message.message_code) or "unknown") in finding.message
        seen += 1
    assert seen > 0


def test_bare_access_response_and_non_schedule_data():
    response = AccessResponse(0x20000001, (NullData(),), (ResponseSpec(AccessKind.SET, 0),))
    findings = check_payload(response.encode())
    assert [f.rule_id for f in findings] == ["dlms.decode"]
    assert "success" in findings[0].message
    findings = check_payload(LongUnsigned(1).encode())
    assert [f.rule_id for f in findings] == ["dlms.decode"]
    assert "long-unsigned" in findings[0].message


def test_undecodable_inputs_raise_decode_error_with_input_offsets():
    command = _hex("ecs37_command_own.hex")
    with pytest.raises(DecodeError):
        check_payload(command[:-1])
    # Break the ACCESS payload inside an intact GBCS frame: gbcs.content FAILs, located in the
    # input (the frame itself decodes, so it is a finding, not an error).
    message = parse_message(command)
    spec_at = message.content_offset + 7  # the SET choice octet
    broken_msg = attrs.evolve(message, content=message.content[:7] + b"\x09" + message.content[8:])
    (content,) = [f for f in check_payload(broken_msg.encoded) if f.rule_id == "gbcs.content"]
    assert content.outcome is Outcome.FAIL
    assert content.offset == spec_at
    assert content.path.startswith("apdu.content")
    with pytest.raises(DecodeError):
        check_payload(b"")
    with pytest.raises(DecodeError):
        check_payload("zz not hex")


def test_bad_regime_and_table():
    data = _hex("schedule_entries_template.hex")
    with pytest.raises(RegimeError):
        check_payload(data, regime="later")
    with pytest.raises(DataFileError):
        check_payload(data, table_28d=FIX / "broken" / "missing_row.toml")


@given(st.binary(max_size=200))
def test_random_bytes_decode_or_raise_decode_error(data):
    try:
        findings = check_payload(data)
    except DecodeError:
        return
    assert findings


@given(gbcs_messages(shapes=[MessageShape.MACD, MessageShape.PRE_COMMAND], max_content=60))
def test_generated_gbcs_messages_are_read(msg):
    error = None
    try:
        findings = check_payload(msg.encoded)
    except DecodeError as exc:
        error = exc
    if error is not None:
        # Only an ECS37 / ECS18b message whose random content looks like ACCESS may fail.
        assert msg.message_code in (0x004A, 0x002C)
        assert error.path.startswith("apdu.content")
        return
    assert findings[0].rule_id == "gbcs.decode"


def test_ecs37_set_of_non_schedule_value_fails_the_entries_rule():
    from secrules.dlms.access import decode_access
    from secrules.dlms.data import Array, Structure

    message = parse_message(_hex("ecs37_command_own.hex"))
    request = decode_access(message.content)
    wrong = Array((Structure((LongUnsigned(1),) * 10),))
    broken = attrs.evolve(message, content=attrs.evolve(request, data=(wrong,)).encode())
    for regime in ("baseline", "proposed"):
        findings = check_payload(broken.encoded, regime=regime)
        failures = [f for f in findings if f.outcome is Outcome.FAIL]
        assert [f.rule_id for f in failures] == ["gbcs.ecs37.entries"]
        assert failures[0].path == "entries[0].enable"
        # structure tag at content+20, index at +22, enable at +25 (after 12 00 01)
        assert failures[0].offset == broken.content_offset + 25


def test_ecs18b_response_reading_the_schedule_back():
    from secrules.dlms.access import AccessResponse
    from secrules.dlms.data import DoubleLongUnsigned, decode_data
    from secrules.gbcs import CraFlag, Eui64, GbcsMessage

    entries = decode_data(_hex("schedule_entries_mon_fri.hex"))
    response = AccessResponse(
        0x20000001,
        (DoubleLongUnsigned(4775), entries),
        (ResponseSpec(AccessKind.GET, 0), ResponseSpec(AccessKind.GET, 0)),
    )
    message = GbcsMessage(
        shape=MessageShape.SIGNED_APDU,
        cra_flag=CraFlag.RESPONSE,
        counter=1,
        originator=Eui64.parse("00DB1234567890A1"),
        recipient=Eui64.parse("90B3D51F30020000"),
        message_code=0x002C,
        content=response.encode(),
        signature=bytes(64),
    )
    data = message.encoded
    findings = check_payload(data)
    assert "ECS18b response" in findings[0].message
    failures = [f for f in _schedule(findings) if f.failed]
    assert [f.path for f in failures] == ["entries[0].exec_weekdays", "entries[1].exec_weekdays"]
    # The all-zero "signature" is not a signature (r = 0): a FAIL even without a key store.
    (bad,) = [f for f in findings if f.failed and f.rule_id == "gbcs.signature"]
    assert "r" in bad.message
    for f in failures:
        assert data[f.offset : f.offset + 3] == bytes.fromhex("0407F8")
    assert "data[1]" in findings[3].message
