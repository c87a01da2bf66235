"""secrules.gbcs.ecdsa: plain r||s signing and verification (spec E1-E4, E10), key loading."""

from __future__ import annotations

import contextlib
import tomllib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given
from hypothesis import strategies as st

from secrules.errors import DecodeError, InvalidValueError, SecrulesError, UnsupportedKeyError
from secrules.gbcs import ecdsa
from secrules.gbcs.ecdsa import P256_ORDER, sign, verify
from secrules.gbcs.variants import NonceMethod, SigningVariant
from secrules.strategies.ecdsa import p256_private_keys, plain_signatures, signing_variants

N = P256_ORDER
MESSAGES = st.binary(max_size=300)


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0xC0FFEE, ec.SECP256R1())


@pytest.fixture(scope="module")
def vector_18_4(fixtures_dir):
    keys = tomllib.loads((fixtures_dir / "gbcs" / "gbcs-18.4-keys.toml").read_text())
    message = bytes.fromhex((fixtures_dir / "gbcs" / "gbcs-18.4-ecs04b.hex").read_text())
    return message, keys


def _rs(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# --- properties ------------------------------------------------------------------------------


@given(p256_private_keys(), MESSAGES, signing_variants(), st.booleans())
def test_sign_then_verify(private, data, variant, deterministic):
    signature = sign(private, data, variant=variant, deterministic=deterministic)
    assert len(signature) == 64
    assert verify(private.public_key(), data, signature)


@given(p256_private_keys(), MESSAGES)
def test_deterministic_signing_reproducible(private, data):
    first = sign(private, data, deterministic=True)
    assert sign(private, data, deterministic=True) == first
    assert sign(private, data, variant=SigningVariant.DETERMINISTIC_TEST) == first


@given(p256_private_keys(), MESSAGES, st.binary(min_size=1, max_size=8))
def test_other_data_rejected(private, data, extra):
    signature = sign(private, data)
    assert not verify(private.public_key(), data + extra, signature)


@given(p256_private_keys(), p256_private_keys(), MESSAGES)
def test_wrong_key_rejected(private, other, data):
    signature = sign(private, data)
    if private.private_numbers().private_value != other.private_numbers().private_value:
        assert not verify(other.public_key(), data, signature)


@given(st.binary(max_size=130).filter(lambda b: len(b) != 64))
def test_any_other_length_rejected(signature):
    public = ec.derive_private_key(7, ec.SECP256R1()).public_key()
    assert verify(public, b"data", signature) is False


@given(
    p256_private_keys(),
    MESSAGES,
    st.sampled_from(["r", "s"]),
    st.sampled_from(["zero", "n", "above"]),
    st.integers(0, 2**256 - 1),
)
def test_out_of_range_r_or_s_rejected(private, data, which, how, noise):
    r, s = (int.from_bytes(h, "big") for h in _split(sign(private, data)))
    bad = {"zero": 0, "n": N, "above": N + noise % (2**256 - N)}[how]
    signature = _rs(bad, s) if which == "r" else _rs(r, bad)
    assert verify(private.public_key(), data, signature) is False
    assert ecdsa.signature_problem(signature) is not None


def _split(signature: bytes) -> tuple[bytes, bytes]:
    return signature[:32], signature[32:]


@given(p256_private_keys(), MESSAGES, plain_signatures())
def test_random_signatures_never_raise(private, data, signature):
    assert verify(private.public_key(), data, signature) in (False, True)


@given(p256_private_keys(), MESSAGES)
def test_high_s_accepted_and_not_normalised(private, data):
    signature = sign(private, data)
    r, s = (int.from_bytes(h, "big") for h in _split(signature))
    mirrored = _rs(r, N - s)  # (r, n - s) is the other valid signature of the same k
    assert verify(private.public_key(), data, signature)
    assert verify(private.public_key(), data, mirrored)


def test_sign_does_not_normalise_to_low_s(key):
    # Over 64 random-k signatures, both halves of the s range occur (P(fail) = 2**-63).
    highs = {int.from_bytes(sign(key, b"x")[32:], "big") > N // 2 for _ in range(64)}
    assert highs == {True, False}


@given(p256_private_keys(), MESSAGES)
def test_der_plain_round_trip(private, data):
    der = private.sign(data, ec.ECDSA(hashes.SHA256()))
    plain = ecdsa.der_to_plain(der)
    assert len(plain) == 64
    assert ecdsa.plain_to_der(plain) == der
    assert verify(private.public_key(), data, plain)


def test_der_to_plain_pads_short_r_and_s():
    # E10: r and s shorter than 32 octets are left-padded, never sliced out of DER.
    der = encode_dss_signature(1, 0xFF)
    assert ecdsa.der_to_plain(der) == bytes(31) + b"\x01" + bytes(31) + b"\xff"


@pytest.mark.parametrize("der", [b"", b"\x30\x00", b"\x30\x06\x02\x01\x01\x02\x01", b"junk"])
def test_der_to_plain_rejects_garbage(der):
    with pytest.raises(DecodeError):
        ecdsa.der_to_plain(der)


def test_der_to_plain_rejects_out_of_range():
    with pytest.raises(DecodeError):
        ecdsa.der_to_plain(encode_dss_signature(N, 1))
    with pytest.raises(DecodeError):
        ecdsa.plain_to_der(bytes(64))
    with pytest.raises(DecodeError):
        ecdsa.plain_to_der(b"\x01" * 63)


# --- misuse ---------------------------------------------------------------------------------


def test_non_p256_keys_raise(key):
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(UnsupportedKeyError):
        verify(p384.public_key(), b"x", bytes(64))
    with pytest.raises(UnsupportedKeyError):
        sign(p384, b"x")
    with pytest.raises(UnsupportedKeyError):
        verify(ed25519.Ed25519PrivateKey.generate().public_key(), b"x", bytes(64))  # type: ignore[arg-type]
    with pytest.raises(UnsupportedKeyError):
        sign(b"not a key", b"x")  # type: ignore[arg-type]


def test_bad_variant_and_data(key):
    with pytest.raises(InvalidValueError):
        sign(key, b"x", variant="cnsa")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        sign(key, "text")  # type: ignore[arg-type]


def test_non_bytes_signature_is_false(key):
    assert verify(key.public_key(), b"x", "not bytes") is False  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        verify(key.public_key(), "text", bytes(64))  # type: ignore[arg-type]


# --- variants --------------------------------------------------------------------------------


def test_variants_share_curve_hash_encoding():
    gbcs, cnsa = SigningVariant.regulatory_variants()
    for v in SigningVariant.all():
        assert (v.curve, v.hash, v.encoding) == ("P-256", "SHA-256", "plain-64")
        assert v.clauses
    assert gbcs.nonce_method is cnsa.nonce_method is NonceMethod.RANDOM
    assert SigningVariant.DETERMINISTIC_TEST.nonce_method is NonceMethod.RFC6979
    assert not SigningVariant.DETERMINISTIC_TEST.regulatory
    assert gbcs.provenance.value == "assumed"
    # the paper's "CNSA variant" is not defined publicly (CNSA 1.0 is P-384 / SHA-384): the
    # P-256 + FIPS 186-4 B.5 k reading, from the Suite B guide, is assumed
    assert cnsa.provenance.value == "assumed"


def test_variant_by_name():
    assert SigningVariant.by_name("CNSA") is SigningVariant.CNSA
    assert SigningVariant.by_name("deterministic-test") is SigningVariant.DETERMINISTIC_TEST
    with pytest.raises(InvalidValueError):
        SigningVariant.by_name("suite-b")


# --- key loading -----------------------------------------------------------------------------


def test_key_loading_forms(key, tmp_path):
    public = key.public_key()
    raw = ecdsa.public_key_to_raw(public)
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for form in (raw, b"\x04" + raw, pem, der, pem.decode(), raw.hex()):
        assert ecdsa.public_key_to_raw(ecdsa.load_public_key(form)) == raw
    path = tmp_path / "k.pem"
    path.write_bytes(pem)
    assert ecdsa.public_key_to_raw(ecdsa.load_public_key(path)) == raw
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    sec1_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    for form in (pkcs8, sec1_der, scalar, scalar.hex(), pkcs8.decode()):
        loaded = ecdsa.load_private_key(form)
        assert loaded.private_numbers().private_value == 0xC0FFEE


def test_certificate_loading(key):
    from secrules.strategies.ecdsa import gbcs_test_certificate

    cert = gbcs_test_certificate(
        key.public_key(), b"\x90\xb3\xd5\x1f\x30\x01\x00\x00", issuer_key=key
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    der = cert.public_bytes(serialization.Encoding.DER)
    for form in (pem, der, cert):
        assert ecdsa.public_key_to_raw(ecdsa.load_public_key(form)) == ecdsa.public_key_to_raw(
            key.public_key()
        )
    assert ecdsa.load_certificate(der).serial_number == cert.serial_number


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\x04" + bytes(64),  # not on the curve
        bytes(63),
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        b"\x30\x03\x02\x01\x01",
    ],
)
def test_bad_public_keys_raise_secrules_errors(bad):
    with pytest.raises(UnsupportedKeyError):
        ecdsa.load_public_key(bad)


@pytest.mark.parametrize("bad", [b"", bytes(32), (N).to_bytes(32, "big"), b"garbage" * 10])
def test_bad_private_keys_raise_secrules_errors(bad):
    with pytest.raises(UnsupportedKeyError):
        ecdsa.load_private_key(bad)


def test_encrypted_and_foreign_private_keys(key, tmp_path):
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    with pytest.raises(UnsupportedKeyError, match="encrypted"):
        ecdsa.load_private_key(encrypted)
    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(UnsupportedKeyError, match="P-256"):
        ecdsa.load_private_key(p384)
    with pytest.raises(UnsupportedKeyError):
        ecdsa.load_private_key(tmp_path / "missing.key")


@given(st.binary(max_size=200))
def test_key_loaders_raise_only_secrules_errors(data):
    for loader in (ecdsa.load_public_key, ecdsa.load_private_key):
        with contextlib.suppress(SecrulesError):
            loader(data)


# --- GBCS 18.4 ------------------------------------------------------------------------------


def test_gbcs_18_4_vector_verifies_high_s(vector_18_4):
    message, keys = vector_18_4
    public = ecdsa.load_public_key(keys["supplier_a"]["ds_public"])
    private = ecdsa.load_private_key(keys["supplier_a"]["ds_private"])
    assert ecdsa.public_key_to_raw(private.public_key()) == ecdsa.public_key_to_raw(public)
    signature = message[-12 - 64 : -12]
    signed = message[15 : -12 - 65]  # E5: after DF (offset 14) through the content
    assert int.from_bytes(signature[32:], "big") > N // 2  # E3: high-S
    assert verify(public, signed, signature)
    assert not verify(public, message[14 : -12 - 65], signature)  # DF included: fails


def test_gbcs_18_4_not_rfc6979(vector_18_4):
    message, keys = vector_18_4
    private = ecdsa.load_private_key(keys["supplier_a"]["ds_private"])
    signed = message[15 : -12 - 65]
    deterministic = sign(private, signed, deterministic=True)
    r, s = deterministic[:32], int.from_bytes(deterministic[32:], "big")
    original = message[-12 - 64 : -12]
    assert deterministic != original
    assert r + (N - s).to_bytes(32, "big") != original
