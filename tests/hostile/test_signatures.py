"""Hostile inputs against GBCS message protection: signatures not checked, stripped, reshaped.

Regression cases for issue 8 items 2 and 3:

- a signature that could not be checked is never a pass: with a key store (``check --keystore``,
  ``gbcs verify``) it exits 1; without one the findings say "not checked" (signature and MAC);
- a critical command (GBCS message type SME.C.C) stripped of its signature FAILs
  ``gbcs.critical_command_signed``; a response reshaped into a pre-command FAILs ``gbcs.shape``.

Inputs are generated at test time (own keys and messages); the RTDS cases read the shared vectors
in place and skip when they are absent.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.cli import main
from secrules.core.findings import Finding, Outcome
from secrules.errors import DecodeError
from secrules.gbcs import (
    CraFlag,
    Eui64,
    GbcsMessage,
    MemoryKeyStore,
    MessageShape,
    encode_message,
    open_keystore,
    parse_message,
)
from secrules.gbcs.ecdsa import generate_private_key, sign
from secrules.gbcs.message_codes import message_code_table, message_type, message_type_table
from secrules.gbcs.verification import protection_findings
from secrules.strategies import gbcs_messages

SUPPLIER = Eui64.parse("90B3D51F30010000")
DEVICE = Eui64.parse("00DB1234567890A0")
CS02C = 0x000A  # CS02c Issue Security Credentials: SME.C.C
ECS37 = 0x004A  # ECS37 Set Maximum Demand Configurable Time Period: SME.C.NC
CRITICAL = "gbcs.critical_command_signed"
SHAPE = "gbcs.shape"
SIGNATURE = "gbcs.signature"
MAC = "gbcs.mac"

_KEY = generate_private_key()


def _critical_codes() -> list[int]:
    return sorted(
        row.code
        for row in message_code_table()
        if (kind := message_type(row.code)) is not None and kind.critical_command
    )


def _signed(
    shape: MessageShape = MessageShape.MACD,
    *,
    code: int = CS02C,
    cra: CraFlag = CraFlag.COMMAND,
    key=_KEY,
) -> bytes:
    """A message from the supplier, signed with ``key`` (and MAC'd when ``shape`` is MACD)."""
    unsigned = GbcsMessage(
        shape=MessageShape.PRE_COMMAND,
        cra_flag=cra,
        counter=1000,
        originator=SUPPLIER,
        recipient=DEVICE,
        message_code=code,
        content=bytes.fromhex("300403020780"),
    )
    signature = sign(key, unsigned.signed_bytes)
    mac = bytes(range(12)) if shape is MessageShape.MACD else None
    return encode_message(attrs.evolve(unsigned, shape=shape, signature=signature, mac=mac))


def _strip(raw: bytes) -> bytes:
    """The same message re-encoded with signature length 00 (its MAC, if any, kept)."""
    message = parse_message(raw)
    shape = message.shape
    if shape is MessageShape.SIGNED_APDU:
        shape = MessageShape.UNSIGNED_APDU
    return encode_message(attrs.evolve(message, shape=shape, signature=None))


def _by_rule(findings: list[Finding]) -> dict[str, Finding]:
    out = {f.rule_id: f for f in findings if f.rule_id.startswith("gbcs.")}
    out.pop("gbcs.decode", None)
    return out


def _store_with(eui: Eui64 | None = None) -> MemoryKeyStore:
    """A store holding only the supplier's key (``eui`` None: an unrelated key)."""
    store = MemoryKeyStore()
    store.add_key(eui or Eui64.parse("90B3D51F30030000"), _KEY.public_key())
    return store


def _run(argv: list[str], capsys) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out


# --- Item 2: a signature that could not be checked is never a pass. ------------------------


def test_generated_tampered_message_with_store_lacking_originator_key(tmp_path, capsys):
    raw = bytearray(_signed())
    raw[60] ^= 0x01  # a bit inside the signature
    path = tmp_path / "tampered.hex"
    path.write_text(bytes(raw).hex().upper(), encoding="ascii")
    empty = tmp_path / "keys"
    empty.mkdir()
    # The reproducer: the store has no key for the originator, so nothing was checked.
    code, out = _run(["check", path, "--keystore", empty], capsys)
    assert "UNDECIDED  gbcs.signature" in out
    assert "not checked" in out
    assert code == 1
    code, out = _run(["check", path, "--keystore", empty, "-q"], capsys)
    assert code == 1
    code, out = _run(["gbcs", "verify", path, "--keystore", empty], capsys)
    assert code == 1
    assert "UNDECIDED  gbcs.signature" in out
    # Python: the same finding, and failed() says what the exit status says.
    findings = secrules.check(bytes(raw), keystore=_store_with())
    assert _by_rule(findings)[SIGNATURE].outcome is Outcome.INDETERMINATE
    assert secrules.failed(findings, signatures_required=True)
    assert not secrules.failed(findings)
    # With the originator's key the tampering is a FAIL.
    findings = secrules.check(bytes(raw), keystore=_store_with(SUPPLIER))
    assert _by_rule(findings)[SIGNATURE].outcome is Outcome.FAIL
    assert secrules.failed(findings)


def test_untampered_message_whose_key_is_missing_also_exits_1(tmp_path, capsys):
    path = tmp_path / "signed.hex"
    path.write_text(_signed().hex(), encoding="ascii")
    empty = tmp_path / "keys"
    empty.mkdir()
    assert _run(["check", path, "--keystore", empty], capsys)[0] == 1
    assert (
        _run(["gbcs", "verify", path, "--keystore", empty, "--allow-missing-keys"], capsys)[0] == 0
    )
    # Without --keystore nothing was asked for: INDETERMINATE is shown, exit 0.
    code, out = _run(["check", path], capsys)
    assert code == 0
    assert "UNDECIDED  gbcs.signature" in out


def test_without_keystore_signature_and_mac_say_not_checked(tmp_path, capsys):
    findings = _by_rule(secrules.check(_signed()))
    signature, mac = findings[SIGNATURE], findings[MAC]
    assert signature.outcome is Outcome.INDETERMINATE
    assert signature.message.startswith("signature not checked: no key store")
    assert mac.outcome is Outcome.INDETERMINATE
    assert mac.message.startswith("MAC not checked")
    assert mac.offset == len(_signed()) - 12
    assert findings[CRITICAL].outcome is Outcome.PASS
    # Nothing here may read as a pass of what was not checked.
    for finding in (signature, mac):
        assert "verifies" not in finding.message
    # A bare signed APDU has no MAC: N/A, still "not checked" for its signature.
    bare = _by_rule(secrules.check(_signed(MessageShape.SIGNED_APDU)))
    assert bare[MAC].outcome is Outcome.NOT_APPLICABLE
    assert bare[SIGNATURE].outcome is Outcome.INDETERMINATE
    # An unsigned MAC'd message: nothing to verify, MAC still not checked.
    unsigned = _by_rule(secrules.check(_strip(_signed(code=ECS37))))
    assert unsigned[SIGNATURE].outcome is Outcome.NOT_APPLICABLE
    assert unsigned[MAC].outcome is Outcome.INDETERMINATE
    # The command line says the same, in text and JSON.
    path = tmp_path / "m.hex"
    path.write_text(_signed().hex(), encoding="ascii")
    code, out = _run(["check", path, "-q"], capsys)
    assert code == 0
    assert "UNDECIDED  gbcs.signature" in out
    assert "UNDECIDED  gbcs.mac" in out
    assert "signature not checked" in out
    assert "MAC not checked" in out


# --- Item 3: stripped and reshaped messages FAIL, naming the rule. --------------------------


def test_generated_critical_command_stripped_of_its_signature_fails(tmp_path, capsys):
    stripped = _strip(_signed())
    assert stripped[-13] == 0x00  # signature length 00, MAC kept
    findings = _by_rule(secrules.check(stripped))
    critical = findings[CRITICAL]
    assert critical.outcome is Outcome.FAIL
    assert "CS02c" in critical.message
    assert "SME.C.C" in critical.message
    assert critical.path == "apdu.signature.length"
    assert stripped[critical.offset] == 0x00
    assert any(c.provenance == "stated" and "Mapping Table" in c.clause for c in critical.clauses)
    path = tmp_path / "stripped.hex"
    path.write_text(stripped.hex(), encoding="ascii")
    code, out = _run(["check", path], capsys)
    assert code == 1
    assert f"FAIL       {CRITICAL}" in out
    keys = tmp_path / "keys"
    keys.mkdir()
    code, out = _run(["gbcs", "verify", path, "--keystore", keys], capsys)
    assert code == 1
    assert f"FAIL       {CRITICAL}" in out


def test_pre_command_of_a_critical_use_case_is_fine():
    for shape in (MessageShape.PRE_COMMAND, MessageShape.UNSIGNED_APDU):
        pre = encode_message(attrs.evolve(parse_message(_strip(_signed())), shape=shape, mac=None))
        findings = secrules.check(pre)
        by_rule = _by_rule(findings)
        assert by_rule[SHAPE].outcome is Outcome.PASS
        assert "pre-command" in by_rule[SHAPE].message
        assert by_rule[CRITICAL].outcome is Outcome.NOT_APPLICABLE
        assert "User signs before it is sent" in by_rule[CRITICAL].message
        assert not secrules.failed(findings, signatures_required=True)


def test_generated_signed_response_reshaped_into_a_pre_command_fails():
    response = _signed(MessageShape.SIGNED_APDU, cra=CraFlag.RESPONSE)
    message = parse_message(response)
    # The content length grows by 65: the content swallows the signature field.
    reshaped = encode_message(
        attrs.evolve(
            message,
            shape=MessageShape.PRE_COMMAND,
            content=message.content + b"\x40" + message.signature,
            signature=None,
        )
    )
    assert len(reshaped) == len(response)
    findings = secrules.check(reshaped)
    shape = _by_rule(findings)[SHAPE]
    assert shape.outcome is Outcome.FAIL
    assert "a response (CRA flag 2)" in shape.message
    assert reshaped[shape.offset] == 2
    assert secrules.failed(findings)


@st.composite
def _stripped_critical_commands(draw: st.DrawFn) -> bytes:
    """A MAC'd command of a critical use case, any framing, re-encoded without a signature."""
    message = draw(gbcs_messages(shapes=[MessageShape.MACD]))
    code = draw(st.sampled_from(_critical_codes()))
    signed = attrs.evolve(
        message,
        cra_flag=CraFlag.COMMAND,
        message_code=code,
        signature=draw(st.binary(min_size=64, max_size=64)),
    )
    assert _by_rule(protection_findings(signed))[CRITICAL].outcome is Outcome.PASS
    return encode_message(attrs.evolve(signed, signature=None))


@given(_stripped_critical_commands())
def test_property_dropping_the_signature_of_a_critical_command_fails(stripped):
    findings = secrules.check(stripped)
    (critical,) = [f for f in findings if f.rule_id == CRITICAL]
    assert critical.outcome is Outcome.FAIL
    assert secrules.failed(findings)


DECRYPT = "gbcs.decrypt"


@given(gbcs_messages())
def test_property_protection_findings_never_pass_what_was_not_checked(message):
    findings = _by_rule(protection_findings(message))
    assert set(findings) == {SHAPE, CRITICAL, SIGNATURE, "gbcs.security_header", MAC, DECRYPT}
    # Without a key store nothing is decrypted.
    assert findings[DECRYPT].outcome in (Outcome.INDETERMINATE, Outcome.NOT_APPLICABLE)
    # Without a key store no signature verifies; a well-formed one is "not checked".
    assert findings[SIGNATURE].outcome is not Outcome.PASS
    if message.signature is not None and findings[SIGNATURE].outcome is not Outcome.FAIL:
        assert findings[SIGNATURE].outcome is Outcome.INDETERMINATE
    expected_mac = (
        Outcome.INDETERMINATE if message.shape is MessageShape.MACD else Outcome.NOT_APPLICABLE
    )
    assert findings[MAC].outcome is expected_mac
    bare_unsigned = message.shape in (MessageShape.PRE_COMMAND, MessageShape.UNSIGNED_APDU)
    shape_fails = bare_unsigned and message.cra_flag is not CraFlag.COMMAND
    assert (findings[SHAPE].outcome is Outcome.FAIL) == shape_fails
    kind = message_type(message.message_code)
    critical_stripped = (
        message.cra_flag is CraFlag.COMMAND
        and message.shape is MessageShape.MACD
        and message.signature is None
        and kind is not None
        and kind.critical_command
    )
    assert (findings[CRITICAL].outcome is Outcome.FAIL) == critical_stripped


# --- The RTDS messages. -------------------------------------------------------------------


@pytest.fixture(scope="module")
def rtds_messages(rtds_files, hexfile) -> list[tuple[Path, bytes]]:
    return [(path, hexfile(path)) for path in rtds_files]


def _is_critical_command(message: GbcsMessage) -> bool:
    kind = message_type(message.message_code)
    return message.cra_flag is CraFlag.COMMAND and kind is not None and kind.critical_command


def test_rtds_no_message_fails_and_every_critical_command_is_signed(rtds_messages, keystore_dir):
    store = open_keystore(keystore_dir)
    critical_wire = critical_pre = 0
    for path, raw in rtds_messages:
        message = parse_message(raw)
        plain = secrules.check(raw)
        assert not secrules.failed(plain), path.name
        checked = secrules.check(raw, keystore=store)
        assert not secrules.failed(checked, signatures_required=True), path.name
        if _is_critical_command(message):
            if message.shape is MessageShape.PRE_COMMAND:
                critical_pre += 1
                assert _by_rule(plain)[CRITICAL].outcome is Outcome.NOT_APPLICABLE
            else:
                critical_wire += 1
                assert message.signature is not None, path.name
                assert _by_rule(plain)[CRITICAL].outcome is Outcome.PASS
                assert _by_rule(checked)[SIGNATURE].outcome is Outcome.PASS
    assert critical_wire > 0
    assert critical_pre > 0


def test_rtds_critical_commands_stripped_of_their_signature_fail(rtds_messages, capsys, tmp_path):
    stripped_count = 0
    for path, raw in rtds_messages:
        message = parse_message(raw)
        if not _is_critical_command(message) or message.signature is None:
            continue
        stripped = _strip(raw)
        findings = secrules.check(stripped)
        critical = _by_rule(findings)[CRITICAL]
        assert critical.outcome is Outcome.FAIL, path.name
        stripped_count += 1
        if stripped_count == 1:  # the command line, once
            out_path = tmp_path / "stripped.hex"
            out_path.write_text(stripped.hex(), encoding="ascii")
            code, out = _run(["check", out_path], capsys)
            assert code == 1
            assert f"FAIL       {CRITICAL}" in out
    assert stripped_count > 0


def test_rtds_signed_responses_reshaped_by_other_information_length_fail(rtds_messages):
    """Every other-information length that still decodes turns a signed reply into a FAIL."""
    reshaped = 0
    for path, raw in rtds_messages:
        message = parse_message(raw)
        if message.shape is not MessageShape.SIGNED_APDU or message.cra_flag is CraFlag.COMMAND:
            continue
        at = message.fields["apdu.other_information.length"].offset
        for length in range(0x80):
            if length == raw[at]:
                continue
            mutated = bytearray(raw)
            mutated[at] = length
            try:
                other = parse_message(bytes(mutated))
            except DecodeError:
                continue
            findings = secrules.check(bytes(mutated))
            if other.signature is None:
                reshaped += 1
                assert _by_rule(findings)[SHAPE].outcome is Outcome.FAIL, (path.name, length)
                assert secrules.failed(findings)
    assert reshaped > 0


def test_critical_use_case_list_is_the_data_file():
    table = message_type_table()
    assert "CS02c" in table.critical_commands()
    assert "ECS37" not in table.critical_commands()
    assert len(_critical_codes()) > 40
