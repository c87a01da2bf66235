"""The GBCS MAC, security header and encrypted content (gbcs.mac, gbcs.security_header,
gbcs.decrypt): the GBCS 18.4 vector, properties on messages built with known keys, RTDS."""

from __future__ import annotations

import random
import threading
import tomllib

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

import secrules
from secrules.core.findings import Outcome
from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs import (
    CraFlag,
    KeyUsage,
    MemoryKeyStore,
    add_mac,
    open_keystore,
    parse_message,
    verify_mac,
)
from secrules.gbcs.ecdsa import load_private_key
from secrules.gbcs.protection import (
    decrypt_content,
    encrypted_blocks,
    shared_secret,
)
from secrules.gbcs.verification import protection_findings
from secrules.strategies import encrypted_messages, macd_messages
from support import missing_vectors

MAC, HEADER, DECRYPT = "gbcs.mac", "gbcs.security_header", "gbcs.decrypt"
ACB_RTDS = "90B3D51F30000002"


def _rule(findings, rule_id):
    return [f for f in findings if f.rule_id == rule_id]


def _never_passes(finding, bit):
    """A changed MAC'd span: FAIL, or (a changed system title naming a party the store does not
    know) INDETERMINATE naming the missing key, which fails a check that asked for MACs."""
    assert finding.outcome in (Outcome.FAIL, Outcome.INDETERMINATE), (bit, finding.message)
    if finding.outcome is Outcome.INDETERMINATE:
        assert "no key pair" in finding.message
    assert secrules.failed([finding], protection_required=True)


# --- GBCS 18.4 (HenryGiraldo/gbcs reproduction, public domain) -----------------------------


@pytest.fixture(scope="module")
def vector(fixtures_dir):
    keys = tomllib.loads((fixtures_dir / "gbcs" / "gbcs-18.4-keys.toml").read_text())
    raw = bytes.fromhex((fixtures_dir / "gbcs" / "gbcs-18.4-ecs04b.hex").read_text().strip())
    device = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b"\x04" + bytes.fromhex(keys["device_a"]["ka_public"])
    )
    acb = load_private_key(keys["acb"]["ka_private"])
    return raw, keys["device_a"]["eui"], device, acb


def test_gbcs_18_4_mac_verifies_with_the_acb_key(vector):
    raw, device_eui, device, acb = vector
    store = MemoryKeyStore()
    store.add_key("ABABABABABABABAB", acb, usage=KeyUsage.KEY_AGREEMENT)
    store.add_key(device_eui, device, usage=KeyUsage.KEY_AGREEMENT, device=True)
    finding = verify_mac(raw, store, acb="ABABABABABABABAB")
    assert finding.outcome is Outcome.PASS, finding.message
    assert "ABABABABABABABAB (given)" in finding.message
    # Without acb= and without a role-04 certificate the ACB is unknown: not checked.
    unknown = verify_mac(raw, store)
    assert unknown.outcome is Outcome.INDETERMINATE
    assert "no ACB was given" in unknown.message
    # The store identifies the ACB by its role-04 Key Agreement key.
    store.add_key("ABABABABABABABAB", acb, usage=KeyUsage.KEY_AGREEMENT, role=0x04)
    assert "role 04" in verify_mac(raw, store).message
    # Rebuilding the MAC with the same keys gives the published octets.
    assert add_mac(parse_message(raw), acb, device).encoded == raw


def test_missing_private_keys_are_named(vector):
    raw, device_eui, device, _acb = vector
    store = MemoryKeyStore()
    store.add_key(device_eui, device, usage=KeyUsage.KEY_AGREEMENT, device=True)
    finding = verify_mac(raw, store, acb="ABABABABABABABAB")
    assert finding.outcome is Outcome.INDETERMINATE
    assert "private key for ACB ABABABABABABABAB (missing)" in finding.message
    assert f"KA private key for recipient {device_eui} (missing)" in finding.message
    assert secrules.failed([finding], protection_required=True)
    assert not secrules.failed([finding], signatures_required=True)


def test_bad_acb_argument_is_an_invalid_value(vector):
    raw, *_ = vector
    with pytest.raises(InvalidValueError, match="acb"):
        verify_mac(raw, MemoryKeyStore(), acb="not an eui")


def test_shared_secret_is_cached_per_pair_and_thread_safe():
    a = ec.derive_private_key(7, ec.SECP256R1())
    b = ec.derive_private_key(11, ec.SECP256R1())
    expected = a.exchange(ec.ECDH(), b.public_key())
    public = b.public_key()
    results: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: results.append(shared_secret(a, public))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 8
    assert shared_secret(b, a.public_key()) == expected  # symmetric


# --- properties on messages built with known keys -----------------------------------------


@given(macd_messages())
def test_property_built_mac_verifies(case):
    finding = verify_mac(case.message.encoded, case.keystore, acb=case.acb)
    assert finding.outcome is Outcome.PASS, finding.message
    headers = _rule(protection_findings(case.message, case.keystore, acb=case.acb), HEADER)
    assert [h.outcome for h in headers] == [Outcome.PASS]


@given(macd_messages(max_content=60), st.randoms())
def test_property_any_bit_flip_in_the_macd_span_fails(case, rnd):
    raw = case.message.encoded
    start = case.message.fields["mac_header.security_control"].offset
    for _ in range(4):
        bit = rnd.randrange(start * 8, len(raw) * 8)
        flipped = bytearray(raw)
        flipped[bit // 8] ^= 1 << (bit % 8)
        try:
            message = parse_message(bytes(flipped))
        except DecodeError:
            continue  # the framing refuses it: never a pass
        finding = verify_mac(message, case.keystore, acb=case.acb)
        _never_passes(finding, bit)


@given(encrypted_messages())
def test_property_encrypted_content_decrypts_to_what_was_encrypted(case):
    findings = protection_findings(case.message, case.keystore)
    decrypted = _rule(findings, DECRYPT)
    assert [f.outcome for f in decrypted] == [Outcome.PASS] * len(case.plaintexts)
    assert _rule(findings, MAC)[0].outcome is Outcome.PASS
    results = decrypt_content(case.message, case.keystore)
    assert tuple(r.plaintext for r in results) == case.plaintexts


@given(encrypted_messages(max_blocks=1), st.randoms())
def test_property_a_changed_ciphertext_fails_authentication(case, rnd):
    (block,) = encrypted_blocks(case.message)
    at = rnd.randrange(block.offset + 5, block.offset + len(block.block))
    flipped = bytearray(case.message.encoded)
    flipped[at] ^= 1 << rnd.randrange(8)
    findings = protection_findings(parse_message(bytes(flipped)), case.keystore)
    (decrypt,) = _rule(findings, DECRYPT)
    assert decrypt.outcome is Outcome.FAIL
    assert "GCM authentication fails" in decrypt.message
    assert _rule(findings, MAC)[0].outcome is Outcome.FAIL
    assert all(
        r.plaintext is None for r in decrypt_content(parse_message(bytes(flipped)), case.keystore)
    )


@settings(max_examples=5)
@given(encrypted_messages(max_blocks=1))
def test_encrypted_content_without_keys_is_indeterminate(case):
    findings = protection_findings(case.message, MemoryKeyStore())
    assert {f.outcome for f in _rule(findings, DECRYPT)} == {Outcome.INDETERMINATE}
    assert {f.outcome for f in _rule(protection_findings(case.message), DECRYPT)} == {
        Outcome.INDETERMINATE
    }


@settings(max_examples=10)
@given(macd_messages(max_content=40), st.integers(1, 2**32 - 1))
def test_invocation_counter_other_than_zero_fails_header_and_mac(case, counter):
    changed = attrs.evolve(case.message, invocation_counter=counter)
    findings = protection_findings(changed, case.keystore, acb=case.acb)
    (header,) = _rule(findings, HEADER)
    assert header.outcome is Outcome.FAIL
    assert header.path == "mac_header.invocation_counter"
    assert _rule(findings, MAC)[0].outcome is Outcome.FAIL


@settings(max_examples=10)
@given(macd_messages(max_content=40), st.integers(0, 255).filter(lambda v: v != 0x11))
def test_security_control_other_than_0x11_fails_header_and_mac(case, control):
    """The reference parser ignores this octet; here it is read as received and FAILs."""
    raw = bytearray(case.message.encoded)
    raw[case.message.offset("mac_header.security_control")] = control
    changed = parse_message(bytes(raw))
    assert changed.security_control == control
    findings = protection_findings(changed, case.keystore, acb=case.acb)
    (header,) = _rule(findings, HEADER)
    assert header.outcome is Outcome.FAIL
    assert header.path == "mac_header.security_control"
    assert _rule(findings, MAC)[0].outcome is Outcome.FAIL


@settings(max_examples=5)
@given(macd_messages(max_content=40))
def test_bare_apdus_have_no_mac_to_check(case):
    bare = attrs.evolve(case.message, shape="unsigned_apdu", mac=None, signature=None)
    assert verify_mac(bare, case.keystore).outcome is Outcome.NOT_APPLICABLE


# --- RTDS 4.5.0 with its test key store ------------------------------------------------------


@pytest.fixture(scope="module")
def rtds(rtds_files, keystore_dir, hexfile):
    return [(p, parse_message(hexfile(p))) for p in rtds_files], open_keystore(keystore_dir)


def test_rtds_every_mac_with_a_key_pair_passes(rtds):
    messages, store = rtds
    counts = {Outcome.PASS: 0, Outcome.INDETERMINATE: 0}
    for path, message in messages:
        if message.mac is None:
            continue
        finding = verify_mac(message, store)
        if path.name.startswith(("PCS01_", "PCS02_")):
            # Device to device: no device private key is published.
            assert finding.outcome is Outcome.INDETERMINATE, path.name
        else:
            assert finding.outcome is Outcome.PASS, (path.name, finding.message)
            if message.cra_flag is CraFlag.COMMAND:
                assert ACB_RTDS in finding.message
        counts[finding.outcome] += 1
    assert counts[Outcome.PASS] > 0
    # The explicit ACB gives the same verdicts.
    sample = [m for _, m in messages if m.mac is not None][:20]
    assert [verify_mac(m, store, acb=ACB_RTDS).outcome for m in sample] == [
        verify_mac(m, store).outcome for m in sample
    ]


def test_rtds_every_encrypted_block_decrypts_and_decodes(rtds):
    messages, store = rtds
    blocks = 0
    for path, message in messages:
        for finding in _rule(protection_findings(message, store), DECRYPT):
            if finding.outcome is Outcome.NOT_APPLICABLE:
                continue
            assert finding.outcome is Outcome.PASS, (path.name, finding.message)
            blocks += 1
    if not any(p.parent.name.endswith(("ECS66", "GCS14", "ECS68")) for p, _ in messages):
        missing_vectors("no encrypted-content test case in the vectors subset")
    assert blocks > 0


def test_rtds_sampled_bit_flips_in_the_macd_span_never_pass(rtds):
    messages, store = rtds
    rnd = random.Random(11)
    macd = [m for p, m in messages if m.mac is not None and not p.name.startswith("PCS")]
    for message in rnd.sample(macd, min(25, len(macd))):
        raw = message.encoded
        start = message.fields["mac_header.security_control"].offset
        for _ in range(4):
            bit = rnd.randrange(start * 8, len(raw) * 8)
            flipped = bytearray(raw)
            flipped[bit // 8] ^= 1 << (bit % 8)
            try:
                changed = parse_message(bytes(flipped))
            except DecodeError:
                continue
            _never_passes(verify_mac(changed, store), bit)


def test_check_with_keystore_fails_a_changed_mac(rtds_dir, keystore_dir, tmp_path, run_cli):
    folder = rtds_dir / "6.18.1_ECS37"
    if not folder.is_dir():
        missing_vectors("6.18.1_ECS37 not in the vectors subset")
    good = folder / "ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX"
    result = run_cli("check", good, "--keystore", keystore_dir, "--format", "json")
    assert result.code == 0, result.out
    assert '"gbcs.mac"' in result.out
    raw = bytearray(bytes.fromhex(good.read_text().strip()))
    raw[-3] ^= 0x04
    bad = tmp_path / "bad.hex"
    bad.write_text(raw.hex())
    result = run_cli("check", bad, "--keystore", keystore_dir, "--acb", ACB_RTDS)
    assert result.code == 1
    assert "MAC does not verify" in result.out
    findings = secrules.check(bytes(raw), keystore=keystore_dir, acb=ACB_RTDS)
    assert _rule(findings, MAC)[0].outcome is Outcome.FAIL
