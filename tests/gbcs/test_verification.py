"""verify_message and sign_precommand: spec E5-E9 against RTDS, GBCS 18.4 and generated data."""

from __future__ import annotations

import random
import tomllib
from collections import Counter

import attrs
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from secrules.core.findings import Outcome
from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs import GbcsMessage, MessageShape, parse_message, verify_message
from secrules.gbcs.ecdsa import P256_ORDER, verify
from secrules.gbcs.keystore import DirectoryKeyStore, KeyUsage, MemoryKeyStore
from secrules.gbcs.variants import SigningVariant
from secrules.gbcs.verification import SIGNATURE_RULE, sign_precommand
from secrules.strategies.ecdsa import (
    gbcs_test_certificate,
    p256_private_keys,
    signed_gbcs_messages,
    unsigned_gbcs_messages,
)
from support import missing_vectors

FLIPS_PER_REGION = 8


@pytest.fixture(scope="module")
def store(keystore_dir) -> DirectoryKeyStore:
    return DirectoryKeyStore(keystore_dir)


@pytest.fixture(scope="module")
def rtds(rtds_files, hexfile) -> list[tuple[str, bytes, GbcsMessage]]:
    return [(p.name, raw, parse_message(raw)) for p in rtds_files for raw in [hexfile(p)]]


@pytest.fixture(scope="module")
def signed(rtds):
    found = [item for item in rtds if item[2].signature is not None]
    if not found:
        missing_vectors("no signed RTDS messages in the vectors subset")
    return found


# --- RTDS conformance -------------------------------------------------------------------------


def test_every_rtds_message_verdict(rtds, store):
    counts: Counter[Outcome] = Counter()
    for name, raw, message in rtds:
        finding = verify_message(raw, store)
        counts[finding.outcome] += 1
        if message.signature is None:
            assert finding.outcome is Outcome.NOT_APPLICABLE, name
        else:
            assert finding.outcome is Outcome.PASS, (name, finding.message)
            assert finding.offset == message.offset("apdu.signature")
            assert "-ds.pem" in finding.message
    assert counts[Outcome.PASS] == sum(1 for *_, m in rtds if m.signature is not None)


def test_verify_message_accepts_text_and_parsed(signed, store):
    _name, raw, message = signed[0]
    for form in (raw.hex(), raw.hex().lower(), message):
        assert verify_message(form, store).outcome is Outcome.PASS


def test_raw_input_and_parsed_message_give_the_same_finding(signed, store):
    # Raw input is verified over the octets cut straight from it; a parsed message over its
    # re-encoding. The two must agree: same outcome, offset and message.
    for name, raw, message in signed:
        assert verify_message(raw, store) == verify_message(message, store), name


def test_bit_flips_in_span_or_signature_fail(signed, store):
    rng = random.Random(129)
    flips = 0
    for name, raw, message in signed:
        key = store.signing_keys(message.originator)
        sig_at = message.offset("apdu.signature")
        content = message.fields["apdu.content"]
        span = message.fields["signed"]
        # Any bit of the signed span: the signature no longer verifies.
        for _ in range(FLIPS_PER_REGION):
            pos = rng.randrange(span.offset, span.end)
            data = bytearray(message.signed_bytes)
            data[pos - span.offset] ^= 1 << rng.randrange(8)
            assert not any(verify(k.public_key, bytes(data), message.signature) for k in key)
            flips += 1
        # Content and signature bits through the whole pipeline: FAIL, naming the offset.
        for lo, hi in ((content.offset, content.end), (sig_at, sig_at + 64)):
            if hi <= lo:
                continue
            for _ in range(FLIPS_PER_REGION):
                mutated = bytearray(raw)
                mutated[rng.randrange(lo, hi)] ^= 1 << rng.randrange(8)
                finding = verify_message(bytes(mutated), store)
                assert finding.outcome is Outcome.FAIL, name
                flips += 1
    assert flips >= 2 * FLIPS_PER_REGION * len(signed)


def test_flips_anywhere_never_pass(signed, store):
    rng = random.Random(4)
    for _name, raw, message in signed[:60]:
        apdu = message.fields["apdu"]
        for _ in range(4):
            mutated = bytearray(raw)
            mutated[rng.randrange(apdu.offset + 1, apdu.end)] ^= 1 << rng.randrange(8)
            try:
                finding = verify_message(bytes(mutated), store)
            except DecodeError:
                continue
            assert finding.outcome is not Outcome.PASS


def test_df_in_span_fails(signed, store):
    for name, _raw, message in signed:
        keys = store.signing_keys(message.originator)
        with_df = b"\xdf" + message.signed_bytes
        assert not any(verify(k.public_key, with_df, message.signature) for k in keys), name


def test_never_verifies_with_ka_key(signed, store):
    # E6: a store that holds only the originator's KA key gives INDETERMINATE, not PASS.
    with_ka = 0
    for _name, raw, message in signed[:20]:
        only_ka = MemoryKeyStore()
        try:
            for entry in store.public_keys(message.originator, usage=KeyUsage.KEY_AGREEMENT):
                only_ka.add_key(message.originator, entry.public_key, usage=KeyUsage.KEY_AGREEMENT)
        except LookupError:
            pass
        with_ka += len(only_ka) > 0
        assert verify_message(raw, only_ka).outcome is Outcome.INDETERMINATE
    assert with_ka  # an empty store proves nothing: some originators must have a KA key


def test_indeterminate_without_key(signed):
    _name, raw, message = signed[0]
    finding = verify_message(raw, MemoryKeyStore())
    assert finding.outcome is Outcome.INDETERMINATE
    assert message.originator.hex in finding.message
    assert finding.offset == message.offset("apdu.originator_system_title")


def test_pass_if_any_of_several_keys_verifies(signed, store):
    _name, raw, message = signed[0]
    real = store.signing_keys(message.originator)[0]
    several = MemoryKeyStore()
    several.add_key(message.originator, ec.derive_private_key(5, ec.SECP256R1()), name="old-gen")
    several.add_key(message.originator, real.public_key, name="new-gen")
    finding = verify_message(raw, several)
    assert finding.outcome is Outcome.PASS
    assert "new-gen" in finding.message
    wrong = MemoryKeyStore()
    wrong.add_key(message.originator, ec.derive_private_key(5, ec.SECP256R1()), name="old-gen")
    failed = verify_message(raw, wrong)
    assert failed.outcome is Outcome.FAIL
    assert "old-gen" in failed.message


def test_out_of_range_signature_reason(signed, store):
    _name, raw, message = signed[0]
    at = message.offset("apdu.signature")
    zero_r = raw[:at] + bytes(32) + raw[at + 32 :]
    finding = verify_message(zero_r, store)
    assert finding.outcome is Outcome.FAIL
    assert "r is outside" in finding.message
    n_s = raw[: at + 32] + P256_ORDER.to_bytes(32, "big") + raw[at + 64 :]
    assert "s is outside" in verify_message(n_s, store).message


def test_rule_cites_clauses():
    assert SIGNATURE_RULE.id == "gbcs.signature"
    assert len(SIGNATURE_RULE.clauses) >= 3
    assert {c.provenance.value for c in SIGNATURE_RULE.clauses} <= {"stated", "inferred"}


def test_misuse(store):
    with pytest.raises(InvalidValueError):
        verify_message(b"\xdf", object())  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        verify_message(12, store)  # type: ignore[arg-type]
    with pytest.raises(DecodeError):
        verify_message(b"\x00\x01", store)


# --- GBCS 18.4 -----------------------------------------------------------------------------


def test_gbcs_18_4_vector(fixtures_dir, tmp_path):
    raw = bytes.fromhex((fixtures_dir / "gbcs" / "gbcs-18.4-ecs04b.hex").read_text())
    keys = tomllib.loads((fixtures_dir / "gbcs" / "gbcs-18.4-keys.toml").read_text())
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b"\x04" + bytes.fromhex(keys["supplier_a"]["ds_public"])
    )
    # As a bare SubjectPublicKeyInfo in a -ds file the key has no KeyUsage: a warning, not used.
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "123456789abcdef0-ds.pem").write_bytes(pem)
    bare = DirectoryKeyStore(tmp_path)
    assert [f.path for f in bare.findings] == ["123456789abcdef0-ds.pem"]
    assert verify_message(raw, bare).outcome is Outcome.INDETERMINATE
    # In a test certificate with KeyUsage digitalSignature it verifies the 18.4 vector.
    cert = gbcs_test_certificate(
        public,
        bytes.fromhex(keys["supplier_a"]["eui"]),
        issuer_key=ec.derive_private_key(7, ec.SECP256R1()),
    )
    (tmp_path / "123456789abcdef0-ds.pem").write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
    )
    store = DirectoryKeyStore(tmp_path)
    assert store.findings == ()
    finding = verify_message(raw, store)
    assert finding.outcome is Outcome.PASS, finding.message
    assert "123456789abcdef0-ds.pem" in finding.message


# --- sign_precommand (E9) -----------------------------------------------------------------------


def test_sign_rtds_precommands_reproduces_command_prefix(rtds, store):
    precommands = [(n, raw, m) for n, raw, m in rtds if m.shape is MessageShape.PRE_COMMAND]
    if not precommands:
        missing_vectors("no pre-commands in the vectors subset")
    signed_count = 0
    for name, raw, message in precommands:
        try:
            key = store.private_key(message.originator)
        except LookupError:
            continue
        out = sign_precommand(raw, key, variant=SigningVariant.CNSA)
        assert out[: len(raw)] == raw, name
        assert out[len(raw)] == 0x40
        assert len(out) == len(raw) + 65
        assert verify_message(out, store).outcome is Outcome.PASS, name
        signed_count += 1
    assert signed_count > 0


def test_sign_precommand_drops_trailing_zero_and_refuses_signed(signed):
    _name, _raw, message = signed[0]
    key = ec.derive_private_key(99, ec.SECP256R1())
    unsigned = attrs.evolve(
        message, shape=MessageShape.UNSIGNED_APDU, signature=None, mac=None, invocation_counter=0
    )
    raw = unsigned.encoded
    assert raw[-1] == 0
    out = sign_precommand(raw, key, deterministic=True)
    assert out[: len(raw) - 1] == raw[:-1]
    assert out == sign_precommand(raw[:-1], key, deterministic=True)
    store = MemoryKeyStore()
    store.add_key(message.originator, key)
    assert verify_message(out, store).outcome is Outcome.PASS
    with pytest.raises(InvalidValueError, match="already"):
        sign_precommand(out, key)
    macd = attrs.evolve(message, shape=MessageShape.MACD, signature=None, mac=bytes(12))
    with pytest.raises(InvalidValueError, match="MAC"):
        sign_precommand(macd.encoded, key)


# --- properties ----------------------------------------------------------------------------------


@given(signed_gbcs_messages())
def test_generated_signed_messages_verify(sample):
    store = MemoryKeyStore()
    store.add_key(sample.originator, sample.public_key)
    assert verify_message(sample.message, store).outcome is Outcome.PASS


@given(signed_gbcs_messages(), st.data())
def test_generated_signature_flip_fails(sample, data):
    store = MemoryKeyStore()
    store.add_key(sample.originator, sample.public_key)
    message = parse_message(sample.message)
    at = message.offset("apdu.signature")
    pos = data.draw(st.integers(at, at + 63))
    mutated = bytearray(sample.message)
    mutated[pos] ^= 1 << data.draw(st.integers(0, 7))
    assert verify_message(bytes(mutated), store).outcome is Outcome.FAIL


@given(unsigned_gbcs_messages())
def test_unsigned_messages_not_applicable(raw):
    assert verify_message(raw, MemoryKeyStore()).outcome is Outcome.NOT_APPLICABLE


@given(unsigned_gbcs_messages(), p256_private_keys())
def test_sign_precommand_then_verify(raw, key):
    message = parse_message(raw)
    if message.shape is MessageShape.MACD:
        with pytest.raises(InvalidValueError):
            sign_precommand(raw, key)
        return
    out = sign_precommand(raw, key)
    store = MemoryKeyStore()
    store.add_key(message.originator, key)
    assert verify_message(out, store).outcome is Outcome.PASS


@given(signed_gbcs_messages(), st.data())
def test_mutated_messages_give_a_finding_or_decode_error(sample, data):
    store = MemoryKeyStore()
    store.add_key(sample.originator, sample.public_key)
    raw = bytearray(sample.message)
    apdu = parse_message(sample.message).fields["apdu"]
    if data.draw(st.booleans()):
        del raw[data.draw(st.integers(0, len(raw) - 1)) :]
    else:
        # Inside the APDU after DF: the signed span and the signature (the MAC and the MAC
        # header are not checked by gbcs.signature).
        raw[data.draw(st.integers(apdu.offset + 1, apdu.end - 1))] ^= data.draw(st.integers(1, 255))
    try:
        finding = verify_message(bytes(raw), store)
    except DecodeError:
        return
    assert finding.outcome is not Outcome.PASS
