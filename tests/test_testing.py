"""secrules.testing: the assertion helpers a harness uses, with or without the pytest plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.errors import ConformanceAssertionError, InvalidValueError, SecrulesError
from secrules.gbcs import MemoryKeyStore
from secrules.gbcs.keystore import open_keystore
from secrules.testing import (
    assert_conforms,
    assert_violates,
    checkable_rule_ids,
    describe_finding,
    line_column,
)

ROOT = Path(__file__).resolve().parent.parent
DP131 = ROOT / "fixtures" / "dp131"
DUIS = ROOT / "fixtures" / "duis"
TEMPLATE = (DP131 / "schedule_entries_template.hex").read_text(encoding="ascii")
MON_FRI = (DP131 / "schedule_entries_mon_fri.hex").read_text(encoding="ascii")
EMPTY_UPDATE = DUIS / "8.4_update_device_details_empty.xml"


def _message(excinfo: pytest.ExceptionInfo[ConformanceAssertionError]) -> list[str]:
    return str(excinfo.value).splitlines()


def _failed_lines(findings, document: bytes | None = None) -> list[str]:
    return [
        "  " + line
        for f in findings
        if f.outcome is secrules.Outcome.FAIL
        for line in describe_finding(f, document).splitlines()
    ]


def test_assert_conforms_returns_the_findings_of_a_conforming_payload():
    findings = assert_conforms(TEMPLATE)
    assert findings == secrules.check(TEMPLATE)
    assert any(f.outcome is secrules.Outcome.PASS for f in findings)


def test_assert_conforms_lists_exactly_the_failed_findings():
    findings = secrules.check(MON_FRI)
    with pytest.raises(ConformanceAssertionError) as excinfo:
        assert_conforms(MON_FRI)
    lines = _message(excinfo)
    assert lines[0] == "payload does not conform (proposed regime): 2 findings fail"
    assert lines[1:] == _failed_lines(findings)
    assert lines[1].startswith(
        "  FAIL gbcs.ecs37.exec_weekdays at entries[0].exec_weekdays, offset 29: "
    )
    assert lines[2].startswith("      [GBCS 18.2 ECS37 template")
    assert excinfo.value.findings == tuple(findings)


def test_the_error_is_an_assertion_error_and_a_secrules_error():
    with pytest.raises(AssertionError) as excinfo:
        assert_conforms(MON_FRI)
    assert isinstance(excinfo.value, SecrulesError)


def test_duis_findings_show_the_xml_path_and_line_column():
    text = EMPTY_UPDATE.read_text(encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "<q:UpdateDeviceDetails/>" in t)
    column = text.splitlines()[line - 1].index("<q:UpdateDeviceDetails/>") + 1
    with pytest.raises(ConformanceAssertionError) as excinfo:
        assert_conforms(EMPTY_UPDATE)
    lines = _message(excinfo)
    assert lines[0] == f"{EMPTY_UPDATE} does not conform (proposed regime): 1 finding fails"
    assert lines[1] == (
        "  FAIL duis.8-4.nothing-to-update at /Request/Body/UpdateInventory/UpdateDeviceDetails, "
        f"line {line}:{column}: UpdateDeviceDetails is empty: nothing to update"
    )
    assert lines[2].startswith("      [DUIS XML Schema SR 8.4 UpdateDeviceDetails")
    assert len(lines) == 3


def test_xml_given_as_text_or_bytes_is_located_the_same_way():
    body = EMPTY_UPDATE.read_bytes()
    for payload in (body, body.decode("utf-8")):
        with pytest.raises(ConformanceAssertionError) as excinfo:
            assert_conforms(payload)
        assert ", line 12:7: UpdateDeviceDetails is empty" in _message(excinfo)[1]


def test_assert_violates_passes_when_the_rule_fails():
    findings = assert_violates(MON_FRI, "gbcs.ecs37.exec_weekdays")
    assert [f.offset for f in findings if f.failed] == [29, 75]
    assert_violates(EMPTY_UPDATE, "duis.8-4.nothing-to-update")
    assert_violates(MON_FRI, "gbcs.table28d.exec_weekdays", default_configuration=True)


def test_assert_violates_says_what_the_rule_gave_instead():
    with pytest.raises(ConformanceAssertionError) as excinfo:
        assert_violates(TEMPLATE, "gbcs.ecs37.exec_weekdays")
    assert _message(excinfo) == [
        (
            "payload: expected gbcs.ecs37.exec_weekdays to FAIL (proposed regime), but it gave "
            "PASS x2; no finding failed"
        )
    ]


def test_assert_violates_lists_only_the_other_failed_findings():
    findings = secrules.check(MON_FRI)
    with pytest.raises(ConformanceAssertionError) as excinfo:
        assert_violates(MON_FRI, "gbcs.ecs37.enable")
    lines = _message(excinfo)
    assert lines[0] == (
        "payload: expected gbcs.ecs37.enable to FAIL (proposed regime), but it gave PASS x2; "
        "2 other findings failed:"
    )
    assert lines[1:] == _failed_lines(findings)


def test_assert_violates_names_a_rule_check_never_emits():
    with pytest.raises(ConformanceAssertionError) as excinfo:
        assert_violates(MON_FRI, "gbcs.ecs37.weekdays")
    message = str(excinfo.value)
    assert message.startswith("'gbcs.ecs37.weekdays' is not a rule id secrules.check can emit")
    assert "did you mean 'gbcs.ecs37.exec_weekdays'" in message
    # A rule of a proposal that check never applies is refused too.
    with pytest.raises(ConformanceAssertionError, match="not a rule id"):
        assert_violates(MON_FRI, "sec.g.user-parts")
    with pytest.raises(InvalidValueError, match="rule_id"):
        assert_violates(MON_FRI, 5)


def test_undecodable_payloads_fail_with_their_location():
    with pytest.raises(ConformanceAssertionError) as excinfo:
        assert_conforms("<?xml version='1.0'?>\n<a>\n  <b></a>")
    assert _message(excinfo) == [
        (
            "payload could not be decoded, so no rule ran: not well-formed XML: mismatched tag "
            "(line 3, column 8) (at /a/b, offset 33)"
        )
    ]
    assert excinfo.value.findings == ()
    with pytest.raises(ConformanceAssertionError) as excinfo:
        assert_violates("<!DOCTYPE r>\n<r/>", "duis.field.eui")
    assert str(excinfo.value).endswith("(at /, offset 0) (line 1:1)")
    with pytest.raises(ConformanceAssertionError, match=r"^payload could not be decoded.*offset"):
        assert_conforms("DD00")


def test_signatures_not_checked_fail_only_with_a_keystore(rtds_dir, keystore_dir):
    command = rtds_dir / "2.5_ECS09" / "ECS09_2.5_SUCCESS_COMMAND_GBCS.HEX"
    assert_conforms(command)  # no key store: the signature is not asked for
    assert_conforms(command, keystore=keystore_dir)
    assert_conforms(command, keystore=open_keystore(keystore_dir))
    with pytest.raises(ConformanceAssertionError) as excinfo:
        assert_conforms(command, keystore=MemoryKeyStore())
    lines = _message(excinfo)
    # The signature and the command's MAC (keyed by an ACB the empty store lacks) both fail.
    assert lines[0].endswith("does not conform (proposed regime): 2 findings fail")
    assert lines[1].startswith("  INDETERMINATE gbcs.signature at apdu.originator_system_title, ")
    assert "signature not checked" in lines[1]
    assert lines[3].startswith("  INDETERMINATE gbcs.mac at mac, ")
    assert "MAC not checked" in lines[3]
    assert len(lines) == 5


def test_mac_and_ciphertext_not_checked_fail_with_a_keystore(rtds_dir, keystore_dir):
    # An encrypted, MAC'd response: a key store without its keys checks neither, and that is
    # never a pass (as ``secrules check --keystore`` exits 1); the real key store checks both.
    response = rtds_dir / "4.1.1_GCS13a" / "GCS13a_4.1.1_ERROR_RESPONSE_GBCS.HEX"
    assert_conforms(response)  # no key store: the MAC and the content are not asked for
    findings = assert_conforms(response, keystore=keystore_dir)
    outcomes = {f.rule_id: f.outcome for f in findings}
    assert outcomes["gbcs.mac"] is secrules.Outcome.PASS
    assert outcomes["gbcs.decrypt"] is secrules.Outcome.PASS
    with pytest.raises(ConformanceAssertionError) as excinfo:
        assert_conforms(response, keystore=MemoryKeyStore())
    lines = _message(excinfo)
    assert lines[0].endswith("does not conform (proposed regime): 2 findings fail")
    failing = {line.split()[1] for line in lines[1:] if line.startswith("  INDETERMINATE")}
    assert failing == {"gbcs.mac", "gbcs.decrypt"}


def test_every_rule_id_check_emits_is_checkable(rtds_files):
    ids = checkable_rule_ids()
    assert {"gbcs.decode", "dlms.decode", "gbcs.signature", "duis.field.eui"} <= ids
    assert "sec.g.user-parts" not in ids
    payloads = [*sorted(DP131.glob("*.hex")), *sorted(DUIS.glob("[0-9]*.xml")), *rtds_files[::20]]
    for payload in payloads:
        for default in (False, True):
            for regime in ("baseline", "proposed"):
                for finding in secrules.check(
                    payload, regime=regime, default_configuration=default
                ):
                    assert finding.rule_id in ids, (payload.name, finding.rule_id)


@st.composite
def documents_and_positions(draw):
    """A UTF-8 document of lines (any line break), a line number and a column in it."""
    lines = draw(
        st.lists(
            st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n\ufeff")),
            min_size=1,
            max_size=6,
        )
    )
    breaks = draw(
        st.lists(
            st.sampled_from(["\n", "\r\n", "\r"]),
            min_size=len(lines) - 1,
            max_size=len(lines) - 1,
        )
    )
    # A CR before an empty line and an LF would read as one CR LF break: make it an LF.
    breaks = ["\n" if brk == "\r" and not lines[i + 1] else brk for i, brk in enumerate(breaks)]
    index = draw(st.integers(0, len(lines) - 1))
    column = draw(st.integers(0, len(lines[index])))
    text = "".join(line + brk for line, brk in zip(lines, [*breaks, ""], strict=False))
    before = "".join(line + brk for line, brk in zip(lines[:index], breaks, strict=False))
    offset = len((before + lines[index][:column]).encode("utf-8"))
    return text.encode("utf-8"), offset, index + 1, column + 1


@given(documents_and_positions())
def test_line_column_counts_lines_and_characters_from_one(case):
    document, offset, line, column = case
    assert line_column(document, offset) == (line, column)


def test_line_column_ignores_a_byte_order_mark():
    assert line_column(b"\xef\xbb\xbf<a/>", 3) == (1, 1)
    assert line_column(b"<a>\n\xc3\xa9<b/>", 6) == (2, 2)
