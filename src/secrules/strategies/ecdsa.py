"""Hypothesis strategies for GBCS ECDSA, and GBCS-shaped test certificates.

P-256 keys, plain signatures, signed and unsigned GBCS messages.

Example::

    from hypothesis import given
    from secrules.gbcs import verify_message
    from secrules.gbcs.keystore import MemoryKeyStore
    from secrules.strategies import signed_gbcs_messages

    @given(signed_gbcs_messages())
    def test_my_verifier(sample):
        store = MemoryKeyStore()
        store.add_key(sample.originator, sample.public_key)
        assert verify_message(sample.message, store).outcome.value == "pass"

Keys are derived from drawn scalars, so Hypothesis can shrink and replay them; they are test
keys only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import strategies as st

from secrules.gbcs import GbcsMessage, encode_message
from secrules.gbcs.ecdsa import P256_ORDER, sign
from secrules.gbcs.types import Eui64, MessageShape
from secrules.gbcs.variants import SigningVariant
from secrules.strategies.gbcs import gbcs_messages

__all__ = [
    "SignedSample",
    "gbcs_test_certificate",
    "p256_private_keys",
    "p256_public_keys",
    "plain_signatures",
    "signed_gbcs_messages",
    "signing_variants",
    "unsigned_gbcs_messages",
]

_HARDWARE_MODULE_NAME = x509.ObjectIdentifier("1.3.6.1.5.5.7.8.4")
# hwType of the test device certificates (as seen in the RTDS key store); any OID would do.
_HW_TYPE = bytes.fromhex("060d2a863a0001848fb90f01020201")


def p256_private_keys() -> st.SearchStrategy[ec.EllipticCurvePrivateKey]:
    """Draw P-256 private keys (scalars in [1, n-1], small and large ones included)."""
    scalars = st.one_of(
        st.integers(1, 1000),
        st.integers(P256_ORDER - 1000, P256_ORDER - 1),
        st.integers(1, P256_ORDER - 1),
    )
    return scalars.map(lambda d: ec.derive_private_key(d, ec.SECP256R1()))


def p256_public_keys() -> st.SearchStrategy[ec.EllipticCurvePublicKey]:
    """Draw P-256 public keys."""
    return p256_private_keys().map(lambda k: k.public_key())


def signing_variants(*, regulatory_only: bool = False) -> st.SearchStrategy[SigningVariant]:
    """Draw a signing profile: GBCS or CNSA variant (and the deterministic test profile)."""
    pool = SigningVariant.regulatory_variants() if regulatory_only else SigningVariant.all()
    return st.sampled_from(pool)


def plain_signatures() -> st.SearchStrategy[bytes]:
    """Draw 64-octet r||s values with r, s in [1, n-1] (form-valid, almost never verifying)."""
    half = st.integers(1, P256_ORDER - 1).map(lambda v: v.to_bytes(32, "big"))
    return st.tuples(half, half).map(lambda rs: rs[0] + rs[1])


@attrs.frozen
class SignedSample:
    """A signed GBCS message with the key pair that signed it."""

    message: bytes
    private_key: ec.EllipticCurvePrivateKey = attrs.field(eq=False, repr=False)
    variant: SigningVariant

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The verifying key."""
        return self.private_key.public_key()

    @property
    def originator(self) -> Eui64:
        """The originator system title (the key-lookup key)."""
        return Eui64(self.message[self._apdu_at + 12 : self._apdu_at + 20])

    @property
    def _apdu_at(self) -> int:
        if self.message[0] == 0xDF:
            return 0
        first = self.message[7]
        return 7 + (1 if first < 0x80 else 1 + (first & 0x7F)) + 5


@st.composite
def signed_gbcs_messages(
    draw: st.DrawFn,
    *,
    shapes: Sequence[MessageShape] = (MessageShape.SIGNED_APDU, MessageShape.MACD),
    keys: st.SearchStrategy[ec.EllipticCurvePrivateKey] | None = None,
    variants: st.SearchStrategy[SigningVariant] | None = None,
    max_content: int = 200,
) -> SignedSample:
    """Draw a GBCS message correctly signed over its signed span, with its key and variant.

    ``shapes`` must be signed shapes (SIGNED_APDU, MACD). The MAC of a MACD message is random:
    it is not a valid GMAC (secrules does not check MACs).
    """
    for shape in shapes:
        if shape not in (MessageShape.SIGNED_APDU, MessageShape.MACD):
            raise ValueError(f"{shape} cannot carry a signature")
    key = draw(keys if keys is not None else p256_private_keys())
    variant = draw(variants if variants is not None else signing_variants())
    template = draw(gbcs_messages(shapes=list(shapes), max_content=max_content))
    placeholder = attrs.evolve(template, signature=bytes(64))
    signature = sign(key, placeholder.signed_bytes, variant=variant)
    signed: GbcsMessage = attrs.evolve(placeholder, signature=signature)
    return SignedSample(message=encode_message(signed), private_key=key, variant=variant)


def unsigned_gbcs_messages(*, max_content: int = 200) -> st.SearchStrategy[bytes]:
    """Draw wire bytes of GBCS messages without a signature (pre-commands, ``DF…00``, MAC'd)."""
    return gbcs_messages(
        shapes=[MessageShape.PRE_COMMAND, MessageShape.UNSIGNED_APDU, MessageShape.MACD],
        max_content=max_content,
    ).map(lambda m: encode_message(attrs.evolve(m, signature=None)))


def _der_octets(tag: int, body: bytes) -> bytes:
    if len(body) < 0x80:
        return bytes((tag, len(body))) + body
    size = (len(body).bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + len(body).to_bytes(size, "big") + body


def gbcs_test_certificate(
    subject_key: ec.EllipticCurvePublicKey,
    eui: Eui64 | bytes,
    *,
    issuer_key: ec.EllipticCurvePrivateKey,
    digital_signature: bool = True,
    role: int | None = 0x02,
    serial: int | None = None,
    common_name: str | None = None,
) -> x509.Certificate:
    """A certificate shaped like the RTDS / DCC Boxed test PKI's, made with pyca.

    ``role`` given: a remote-party certificate (subject ``OU=<role hex>``, EUI in
    ``x500UniqueIdentifier``, issuer ``OU=07, CN=Z1``). ``role=None``: a device certificate
    (empty subject, EUI as the hwSerialNum of a hardwareModuleName otherName, issuer
    ``CN=E357``). KeyUsage is digitalSignature or keyAgreement, critical. For tests only.
    """
    octets = eui.octets if isinstance(eui, Eui64) else bytes(eui)
    if role is None:
        subject = x509.Name([])
        issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "E357")])
    else:
        attributes = []
        if common_name:
            attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"{role:02X}"))
        attributes.append(
            # pyca takes bytes for a BIT STRING attribute (typed as str): unused-bits 0 + EUI.
            x509.NameAttribute(
                NameOID.X500_UNIQUE_IDENTIFIER,
                b"\x00" + octets,  # type: ignore[arg-type]
                _type=x509.name._ASN1Type.BitString,
            )
        )
        subject = x509.Name(attributes)
        issuer = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "07"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Z1"),
            ]
        )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(subject_key)
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(dt.datetime(2015, 10, 30, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC))
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=not digital_signature,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if role is None:
        value = _der_octets(0x30, _HW_TYPE + _der_octets(0x04, octets))
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.OtherName(_HARDWARE_MODULE_NAME, value)]),
            critical=True,
        )
    return builder.sign(issuer_key, hashes.SHA256())
