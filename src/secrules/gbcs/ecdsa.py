"""ECDSA for GBCS: P-256 / SHA-256 with plain 64-octet ``r || s`` signatures.

GBCS (v1.0 release note, "Cryptographic Primitives and their Usage"; clause 4.3.3 as cited by
HenryGiraldo/gbcs) fixes ECDSA per FIPS 186-4 over curve P-256 with SHA-256 for every Remote
Party Message and every Smart Metering Entity, and signatures in "Plain Format": ``r`` then
``s``, each 32 octets, big-endian, left-padded with zeros (never DER).

Rules implemented here (numbering from the project's GBCS spec, section 7):

* E1: curve P-256, hash SHA-256 (:func:`sign`, :func:`verify`).
* E2: plain 64-octet signatures; pyca/cryptography's DER is converted by decoding it to integers
  and writing each as 32 octets (E10: never slice DER).
* E3: high-S is valid. :func:`verify` never requires low-S and :func:`sign` never normalises.
* E4: :func:`verify` returns ``False`` for a length other than 64, ``r`` or ``s`` equal to 0 or
  at least ``n``, and for any signature that does not verify; it never raises for a bad
  signature. A key that is not P-256 is misuse and raises :class:`UnsupportedKeyError`.

Key loading accepts PEM or DER certificates, SubjectPublicKeyInfo, PKCS#8 (and SEC 1) private
keys, raw ``X || Y`` (64 octets) or ``04 || X || Y`` (65 octets) public keys and raw 32-octet
private scalars. An ``os.PathLike`` source always means "read this file"; a ``str`` is PEM text,
hex, or else a file path. Files are read with a bounded read (at most 1 MiB, whatever the file
is: regular file, pipe or device). Every failure is a :class:`secrules.errors.SecrulesError`:
an argument of the wrong type is an :class:`InvalidValueError` naming the parameter.
"""

from __future__ import annotations

import os
import re
import warnings
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from secrules.core.files import read_at_most
from secrules.core.validation import path_text
from secrules.errors import DecodeError, InvalidValueError, UnsupportedKeyError
from secrules.gbcs.variants import NonceMethod, SigningVariant

__all__ = [
    "P256_ORDER",
    "SIGNATURE_LENGTH",
    "checked_plain_to_der",
    "der_to_plain",
    "generate_private_key",
    "load_certificate",
    "load_private_key",
    "load_public_key",
    "plain_to_der",
    "public_key_from_raw",
    "public_key_to_raw",
    "sign",
    "signature_problem",
    "verify",
]

#: The order n of the P-256 base point (FIPS 186-4 D.1.2.3).
P256_ORDER: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
#: Length of a GBCS plain-format signature: 32-octet r then 32-octet s.
SIGNATURE_LENGTH: Final = 64

_HALF: Final = SIGNATURE_LENGTH // 2
_RANDOM_K: Final = ec.ECDSA(hashes.SHA256())
_RFC6979_K: Final = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
_MAX_KEY_FILE: Final = 1 << 20
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")

PublicKey = ec.EllipticCurvePublicKey
PrivateKey = ec.EllipticCurvePrivateKey

#: What pyca/cryptography raises for a certificate or key it cannot load or interpret. Parts
#: of a certificate are parsed lazily (``cert.extensions`` raises DuplicateExtension or
#: UnsupportedGeneralNameType on first access; a bad version InvalidVersion), so callers catch
#: this whole tuple around every pyca call on untrusted input.
_PYCA_ERRORS: Final = (
    ValueError,  # includes UnicodeError and every SecrulesError raised on a bad key
    TypeError,
    OverflowError,
    UnsupportedAlgorithm,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
    x509.ExtensionNotFound,
    x509.AttributeNotFound,
    x509.InvalidVersion,
)


def _why(exc: BaseException) -> str:
    """The text of a pyca exception, with its class name unless it is a plain ValueError."""
    text = " ".join(str(exc).split()) or "no detail given"
    return text if type(exc) is ValueError else f"{type(exc).__name__}: {text}"


def _check_p256(
    key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey, what: str = "key"
) -> None:
    if not isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        raise UnsupportedKeyError(f"{what} must be an EC P-256 key, not {type(key).__name__}")
    if not isinstance(key.curve, ec.SECP256R1):
        raise UnsupportedKeyError(
            f"GBCS keys are P-256 (GBCS 4.3.3); this key is on {key.curve.name}"
        )


def _as_bytes(data: object, what: str) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise InvalidValueError(f"{what} must be bytes, not {type(data).__name__}")


# --------------------------------------------------------------------------------------------
# Signature encodings (E2, E10)


def signature_problem(signature: bytes) -> str | None:
    """Why ``signature`` cannot be a valid plain P-256 signature, or ``None`` if its form is fine.

    Checks only the form (E2, E4): exactly 64 octets, ``1 <= r < n`` and ``1 <= s < n``.
    """
    signature = _as_bytes(signature, "signature")
    if len(signature) != SIGNATURE_LENGTH:
        return f"signature is {len(signature)} octets, not {SIGNATURE_LENGTH} (plain r||s, E2)"
    r = int.from_bytes(signature[:_HALF], "big")
    s = int.from_bytes(signature[_HALF:], "big")
    if not 0 < r < P256_ORDER:
        return "r is outside [1, n-1]"
    if not 0 < s < P256_ORDER:
        return "s is outside [1, n-1]"
    return None


def _der_integer(octets: bytes) -> bytes:
    """One DER INTEGER for a positive big-endian number (leading zeros stripped, sign octet)."""
    value = octets.lstrip(b"\x00")
    if value[0] & 0x80:
        value = b"\x00" + value
    return b"\x02" + bytes((len(value),)) + value


def checked_plain_to_der(signature: bytes) -> bytes:
    """:func:`plain_to_der` for a signature whose form is already checked (the hot path).

    ``signature`` must be 64 octets with ``1 <= r, s < n`` (:func:`signature_problem` says
    None); the octets are those of ``encode_dss_signature(r, s)``, built without converting r
    and s to integers and back.
    """
    body = _der_integer(signature[:_HALF]) + _der_integer(signature[_HALF:])
    return b"\x30" + bytes((len(body),)) + body


def plain_to_der(signature: bytes) -> bytes:
    """Convert a 64-octet ``r || s`` signature to DER (``ECDSA-Sig-Value``).

    Raises :class:`DecodeError` if the length is not 64 or ``r``/``s`` is out of range.
    """
    signature = _as_bytes(signature, "signature")
    problem = signature_problem(signature)
    if problem is not None:
        raise DecodeError(problem, offset=0, path="signature")
    return checked_plain_to_der(signature)


def der_to_plain(der: bytes) -> bytes:
    """Convert a DER ``ECDSA-Sig-Value`` to 64-octet ``r || s`` (E10: via integers, not slices).

    Raises :class:`DecodeError` for malformed DER or an ``r``/``s`` outside ``[1, n-1]``.
    """
    der = _as_bytes(der, "signature")
    try:
        r, s = decode_dss_signature(der)
    except ValueError as exc:
        raise DecodeError(f"not a DER ECDSA signature: {exc}", offset=0, path="signature") from None
    if not 0 < r < P256_ORDER or not 0 < s < P256_ORDER:
        raise DecodeError("r or s is outside [1, n-1] for P-256", offset=0, path="signature")
    return r.to_bytes(_HALF, "big") + s.to_bytes(_HALF, "big")


# --------------------------------------------------------------------------------------------
# Signing and verification, rules E1 to E4


def sign(
    private_key: ec.EllipticCurvePrivateKey,
    data: bytes,
    *,
    variant: SigningVariant = SigningVariant.GBCS,
    deterministic: bool = False,
) -> bytes:
    """Sign ``data`` with ECDSA P-256 / SHA-256; return the 64-octet plain ``r || s`` (E1, E2).

    ``variant`` names the signing profile (DP129: GBCS or CNSA variant). Both regulatory variants
    take a fresh random per-message secret k; ``deterministic=True`` (or the non-regulatory
    ``SigningVariant.DETERMINISTIC_TEST`` profile) takes k by RFC 6979 for reproducible
    fixtures. s is never normalised to low-S.
    """
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise UnsupportedKeyError(
            f"private_key must be an EC private key, not {type(private_key).__name__}"
        )
    _check_p256(private_key)
    if not isinstance(variant, SigningVariant):
        raise InvalidValueError(f"variant must be a SigningVariant, not {variant!r}")
    if not isinstance(deterministic, bool):
        raise InvalidValueError(f"deterministic must be a bool, not {type(deterministic).__name__}")
    data = _as_bytes(data, "data")
    rfc6979 = deterministic or variant.nonce_method is NonceMethod.RFC6979
    der = private_key.sign(data, _RFC6979_K if rfc6979 else _RANDOM_K)
    r, s = decode_dss_signature(der)
    return r.to_bytes(_HALF, "big") + s.to_bytes(_HALF, "big")


def verify(public_key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes) -> bool:
    """True if ``signature`` (plain 64-octet ``r || s``) verifies ``data`` under ``public_key``.

    ECDSA P-256 / SHA-256. False for any invalid signature: wrong length, ``r`` or ``s``
    outside ``[1, n-1]``, or a signature that does not verify. High-S is accepted.
    Never raises for a bad signature; a key that is not an EC P-256 public key raises
    :class:`UnsupportedKeyError`.
    """
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise UnsupportedKeyError(
            f"public_key must be an EC public key, not {type(public_key).__name__}"
        )
    if not isinstance(public_key.curve, ec.SECP256R1):
        raise UnsupportedKeyError(
            f"GBCS keys are P-256 (GBCS 4.3.3); this key is on {public_key.curve.name}"
        )
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidValueError(f"data must be bytes, not {type(data).__name__}")
    if not isinstance(signature, bytes | bytearray | memoryview) or len(signature) != 64:
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (0 < r < P256_ORDER and 0 < s < P256_ORDER):
        return False
    try:
        public_key.verify(encode_dss_signature(r, s), data, _RANDOM_K)
    except InvalidSignature:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Key loading


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    """A fresh random P-256 private key (for tests and sample signing)."""
    return ec.generate_private_key(ec.SECP256R1())


def public_key_to_raw(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The 64-octet raw ``X || Y`` form of a P-256 public key (as GBCS §18.4 prints keys)."""
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise UnsupportedKeyError(
            f"public_key must be an EC public key, not {type(public_key).__name__}"
        )
    _check_p256(public_key)
    point = public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return point[1:]


def public_key_from_raw(raw: bytes) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from 64-octet ``X || Y`` or 65-octet ``04 || X || Y``.

    Raises :class:`UnsupportedKeyError` for another length or a point not on the curve.
    """
    raw = _as_bytes(raw, "public key")
    if len(raw) == 64:
        raw = b"\x04" + raw
    if len(raw) != 65 or raw[0] != 0x04:
        raise UnsupportedKeyError(
            f"a raw P-256 public key is 64 octets X||Y or 65 octets 04||X||Y, not {len(raw)}"
        )
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as exc:
        raise UnsupportedKeyError(f"not a P-256 point: {exc}") from None


def _read_source(source: object, what: str) -> bytes:
    """Bytes of a key: bytes as is; an ``os.PathLike`` is read; a str is PEM, hex or a path."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, os.PathLike):
        return _read_file(path_text(source, what))
    if isinstance(source, str):
        text = source.strip()
        if "-----BEGIN" in text:
            return text.encode("ascii", "replace")
        compact = re.sub(r"\s+", "", text)
        if compact and re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", compact):
            return bytes.fromhex(compact)
        return _read_file(path_text(source, what))
    raise InvalidValueError(
        f"{what} must be bytes, PEM text, hex or a path, not {type(source).__name__}"
    )


def _read_file(path: str) -> bytes:
    try:
        data = read_at_most(path, _MAX_KEY_FILE, wait_for_writer=False)
    except OSError as exc:
        raise UnsupportedKeyError(f"cannot read key file {path}: {exc.strerror or exc}") from None
    stripped = data.strip()
    if b"-----BEGIN" not in stripped:
        compact = re.sub(rb"\s+", b"", stripped)
        if (
            compact
            and re.fullmatch(rb"(?:[0-9A-Fa-f]{2})+", compact)
            and len(compact)
            in (
                64,
                128,
                130,
            )
        ):
            return bytes.fromhex(compact.decode("ascii"))
    return data


def load_certificate(source: bytes | str | os.PathLike[str]) -> x509.Certificate:
    """An X.509 certificate from PEM or DER bytes, PEM text or a file path.

    Deprecation warnings pyca raises for odd encodings are suppressed here; key stores that
    want to report them load certificates themselves. Raises :class:`UnsupportedKeyError`.
    """
    data = _read_source(source, "source")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if b"-----BEGIN" in data:
                return x509.load_pem_x509_certificate(data)
            return x509.load_der_x509_certificate(data)
    except _PYCA_ERRORS as exc:
        raise UnsupportedKeyError(f"not an X.509 certificate: {_why(exc)}") from None


def load_public_key(
    source: bytes | str | os.PathLike[str] | ec.EllipticCurvePublicKey | x509.Certificate,
) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from a certificate (PEM/DER), SPKI (PEM/DER) or raw X||Y / 04||X||Y.

    ``source`` may be bytes, PEM text, hex text of a raw key, a file path, a loaded certificate
    or a public key. Raises :class:`UnsupportedKeyError` for anything else or another curve.
    """
    if isinstance(source, ec.EllipticCurvePublicKey):
        _check_p256(source)
        return source
    if isinstance(source, x509.Certificate):
        return _cert_key(source)
    data = _read_source(source, "source")
    if len(data) in (64, 65) and b"-----" not in data:
        return public_key_from_raw(data)
    match = _PEM_BLOCK.search(data)
    if match is not None:
        label = match.group(1)
        if label == b"CERTIFICATE":
            return _cert_key(load_certificate(data))
        if label == b"PUBLIC KEY":
            try:
                key = serialization.load_pem_public_key(data)
            except _PYCA_ERRORS as exc:
                raise UnsupportedKeyError(f"not a public key: {_why(exc)}") from None
            return _ec_public(key)
        raise UnsupportedKeyError(f"PEM block {label.decode()!r} holds no public key")
    try:
        return _ec_public(serialization.load_der_public_key(data))
    except _PYCA_ERRORS:
        pass
    return _cert_key(load_certificate(data))


def _cert_key(cert: x509.Certificate) -> ec.EllipticCurvePublicKey:
    try:
        key = cert.public_key()
    except _PYCA_ERRORS as exc:
        raise UnsupportedKeyError(f"certificate key cannot be read: {_why(exc)}") from None
    return _ec_public(key)


def _ec_public(key: object) -> ec.EllipticCurvePublicKey:
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise UnsupportedKeyError(f"not an EC public key ({type(key).__name__})")
    _check_p256(key)
    return key


def load_private_key(
    source: bytes | str | os.PathLike[str] | ec.EllipticCurvePrivateKey,
) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PKCS#8 / SEC 1 (PEM or DER, unencrypted) or a raw 32-octet scalar.

    ``source`` may be bytes, PEM text, hex text of a raw scalar or a file path. Raises
    :class:`UnsupportedKeyError` for anything else, an encrypted key or another curve.
    """
    if isinstance(source, ec.EllipticCurvePrivateKey):
        _check_p256(source)
        return source
    data = _read_source(source, "source")
    if len(data) == 32 and b"-----" not in data:
        scalar = int.from_bytes(data, "big")
        if not 0 < scalar < P256_ORDER:
            raise UnsupportedKeyError("a raw P-256 private scalar must be in [1, n-1]")
        return ec.derive_private_key(scalar, ec.SECP256R1())
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(data, password=None)
    except TypeError as exc:  # pyca raises TypeError for an encrypted key without password
        raise UnsupportedKeyError(f"encrypted private keys are not supported: {exc}") from None
    except _PYCA_ERRORS as exc:
        raise UnsupportedKeyError(f"not a private key: {_why(exc)}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise UnsupportedKeyError(f"not an EC private key ({type(key).__name__})")
    _check_p256(key)
    return key
