"""Verifying and signing GBCS messages: the ``gbcs.signature`` rule and pre-command signing.

:func:`verify_message` checks a message's ECDSA signature with the Digital Signature key the
key store holds for the originator system title, exactly as a receiving device does
(project spec E1, E2, E5, E6, E7). :func:`sign_precommand` turns a DUIS pre-command into a
signed General Signing APDU (E9).
"""

from __future__ import annotations

import os

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from secrules.core.clauses import ClauseRef
from secrules.core.findings import Finding, Outcome, Verdict
from secrules.core.rules import Rule
from secrules.errors import InvalidValueError, KeyNotFoundError
from secrules.gbcs.ecdsa import (
    P256_ORDER,
    SIGNATURE_LENGTH,
    load_private_key,
    sign,
    signature_problem,
    verify,
)
from secrules.gbcs.framing import (
    GbcsMessage,
    _signed_span_of,
    decode_text,
    encode_message,
    parse_message,
)
from secrules.gbcs.keystore import KeyEntry, KeyStore
from secrules.gbcs.types import MessageShape
from secrules.gbcs.variants import (
    ECDSA_PRIMITIVES_CLAUSE,
    PLAIN_FORMAT_CLAUSE,
    SigningVariant,
)

__all__ = [
    "SIGNATURE_RULE",
    "SIGNED_SPAN_CLAUSE",
    "SIGNER_KEY_CLAUSE",
    "SignatureSubject",
    "sign_precommand",
    "verify_message",
]

#: E5: the signed octets (stated in both reference implementations; checked on RTDS).
SIGNED_SPAN_CLAUSE = ClauseRef(
    "GBCS",
    "7.2.7 General Signing: signed octets run from the one after DF through the last content octet",
    "edition unstated (HenryGiraldo/gbcs citation)",
    "inferred",
    note="read in gbcs-parser parseGeneralSigning and HenryGiraldo/gbcs calculate_signature; "
    "every signed RTDS message verifies over this span and none with DF included",
)
#: E6: the verifying key is the originator's Digital Signature key.
SIGNER_KEY_CLAUSE = ClauseRef(
    "GBCS",
    "4.3.3 the originator signs with its Digital Signature key; Key Agreement keys only derive "
    "MAC keys",
    "edition unstated (HenryGiraldo/gbcs citation)",
    "inferred",
    note="gbcs-parser looks up <originator>-ds; test certificates carry a critical KeyUsage of "
    "either digitalSignature or keyAgreement",
)
#: E9: signing a pre-command (no MAC; the DCC adds it).
PRECOMMAND_CLAUSE = ClauseRef(
    "DUIS / GBCS",
    "Signed Pre-Command: append signature length 40 and r||s to the pre-command APDU",
    "edition unstated",
    "inferred",
    note="read in gbcs-parser signGroupingHeader; every RTDS pre-command is a byte prefix of "
    "its signed command's APDU",
)

_RULE_TEXT = (
    "A GBCS message that carries a signature is verified with ECDSA over P-256 and SHA-256 "
    "(E1). The signature is 64 octets, r then s (E2); high-S is valid (E3). The signed octets "
    "run from the transaction-id length after the DF tag through the last content octet (E5). "
    "The verifying key is the Digital Signature key of the originator system title, never a Key "
    "Agreement key (E6). With several such keys (certificate generations), any one verifying "
    "suffices (E7)."
)


@attrs.frozen
class SignatureSubject:
    """What ``gbcs.signature`` checks: a parsed message and the key store to look keys up in.

    ``span`` optionally gives the signed octets and their offsets as already cut from the input
    bytes (see :func:`verify_message`); otherwise they are taken from the message's encoding.
    """

    message: GbcsMessage
    keystore: KeyStore = attrs.field(eq=False)
    span: _Span | None = attrs.field(default=None, eq=False)


@attrs.frozen
class _Span:
    signed: bytes = attrs.field(repr=False)
    start: int
    end: int
    signature_offset: int | None


def _span_of(message: GbcsMessage) -> _Span:
    """The signed span of a signed message; its 64-octet signature follows ``40`` after it."""
    start, end = _signed_span_of(message)
    return _Span(message.signed_bytes, start, end, end + 1)


def _span_from_input(raw: bytes, message: GbcsMessage) -> _Span:
    """The signed span cut straight from the input octets, without re-encoding the message.

    parse_message accepts only inputs that re-encode exactly (spec P1), so the layout is fixed
    by the shape: W1-W3 (7 + length + 5 octets) before ``DF`` in the MAC'd shape, the
    signature field and MAC at the end. Falls back to the encoder if anything disagrees.
    """
    apdu_at = 0
    tail = 0
    if message.shape is MessageShape.MACD:
        first = raw[7]
        apdu_at = 7 + (1 if first < 0x80 else 1 + (first & 0x7F)) + 5
        tail = 12
    if message.signature is not None:
        tail += 1 + len(message.signature)
    elif message.shape is not MessageShape.PRE_COMMAND:
        tail += 1
    end = len(raw) - tail
    content = message.content
    if raw[apdu_at] != 0xDF or raw[end - len(content) : end] != content:
        return _span_of(message)
    signature_at = end + 1 if message.signature is not None else end
    return _Span(raw[apdu_at + 1 : end], apdu_at + 1, end, signature_at)


# The hot path calls pyca directly when the key is pyca's own P-256 public key type (what every
# KeyStore holds: they refuse other keys), with the DER form computed once for all candidates;
# anything else goes through ecdsa.verify, which checks the key and raises as documented.
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_PYCA_EC_PUBLIC_KEY = type(ec.derive_private_key(1, ec.SECP256R1()).public_key())
_HALF = SIGNATURE_LENGTH // 2


def _verifies(key: ec.EllipticCurvePublicKey, signed: bytes, der: bytes, signature: bytes) -> bool:
    if type(key) is _PYCA_EC_PUBLIC_KEY and type(key.curve) is ec.SECP256R1:
        try:
            key.verify(der, signed, _ECDSA_SHA256)
        except InvalidSignature:
            return False
        return True
    return verify(key, signed, signature)


def _check_signature(subject: SignatureSubject) -> Verdict:
    return _check(subject.message, subject.keystore, subject.span)


def _check(message: GbcsMessage, keystore: KeyStore, span: _Span | None) -> Verdict:
    signature = message.signature
    if signature is None:
        why = (
            "no signature field (pre-command)"
            if message.shape is MessageShape.PRE_COMMAND
            else "signature length 0: the message is not signed"
        )
        return Verdict(Outcome.NOT_APPLICABLE, why, path="apdu.signature.length")
    if span is None:
        # The signature field is 40 then r||s, right after the signed span.
        start, end = _signed_span_of(message)
        signed = message.encoded[start:end]
        at: int | None = end + 1
    else:
        signed, start, end, at = span.signed, span.start, span.end, span.signature_offset
    r = int.from_bytes(signature[:_HALF], "big")
    s = int.from_bytes(signature[_HALF:], "big")
    if len(signature) != SIGNATURE_LENGTH or not (0 < r < P256_ORDER and 0 < s < P256_ORDER):
        problem = signature_problem(signature)
        return Verdict(Outcome.FAIL, str(problem), path="apdu.signature", offset=at)
    try:
        candidates: tuple[KeyEntry, ...] = keystore.signing_keys(message.originator)
    except KeyNotFoundError as exc:
        return Verdict(
            Outcome.INDETERMINATE,
            f"signature not checked: {exc}",
            path="apdu.originator_system_title",
            offset=message.fields["apdu.originator_system_title"].offset,
        )
    der = encode_dss_signature(r, s)
    for entry in candidates:
        if _verifies(entry.public_key, signed, der, signature):
            return Verdict(
                Outcome.PASS,
                f"signature verifies with {entry.describe()} for originator "
                f"{message.originator.hex}",
                path="apdu.signature",
                offset=at,
            )
    names = ", ".join(e.describe() for e in candidates)
    return Verdict(
        Outcome.FAIL,
        f"signature does not verify over octets {start}-{end - 1} with the "
        f"{len(candidates)} Digital Signature key(s) of originator {message.originator.hex}: "
        f"{names}",
        path="apdu.signature",
        offset=at,
    )


SIGNATURE_RULE = Rule(
    id="gbcs.signature",
    title="A signed GBCS message verifies with its originator's Digital Signature key",
    clauses=(ECDSA_PRIMITIVES_CLAUSE, PLAIN_FORMAT_CLAUSE, SIGNED_SPAN_CLAUSE, SIGNER_KEY_CLAUSE),
    fn=_check_signature,
    text=_RULE_TEXT,
)


def verify_message(message: bytes | str | GbcsMessage, keystore: KeyStore) -> Finding:
    """Verify a GBCS message's signature against ``keystore`` (rule ``gbcs.signature``).

    PASS when it verifies with a Digital Signature key of the originator (the message names
    which); FAIL with the reason when it does not; NOT_APPLICABLE when the message carries no
    signature; INDETERMINATE when the store holds no DS key for the originator. Undecodable
    input raises :class:`secrules.errors.DecodeError`.
    """
    if not isinstance(keystore, KeyStore):
        raise InvalidValueError(f"keystore must be a KeyStore, not {type(keystore).__name__}")
    # A parsed message keeps the input octets and the signed span's offsets in them, so the
    # signed span is cut from the input without re-encoding (as _span_from_input does).
    if type(message) is bytes:  # the common case first
        parsed = parse_message(message)
    elif isinstance(message, GbcsMessage):
        parsed = message
    elif isinstance(message, str):
        parsed = parse_message(decode_text(message))
    elif isinstance(message, bytes | bytearray | memoryview):
        parsed = parse_message(message)
    else:
        raise InvalidValueError(f"a message is bytes or text, not {type(message).__name__}")
    # The same Finding as SIGNATURE_RULE.evaluate(SignatureSubject(parsed, keystore))[0].
    return SIGNATURE_RULE.finding(_check(parsed, keystore, None))


def sign_precommand(
    precommand: bytes | str | GbcsMessage,
    private_key: ec.EllipticCurvePrivateKey | bytes | str | os.PathLike[str],
    *,
    variant: SigningVariant = SigningVariant.GBCS,
    deterministic: bool = False,
) -> bytes:
    """Sign a DUIS pre-command and return the signed General Signing APDU (E9).

    ``precommand`` is a bare General Signing APDU without signature field, or ending with a
    zero signature length ``00`` (dropped). The signed span (E5) is signed with ``variant``
    and ``40`` plus the 64-octet ``r || s`` is appended; no MAC is added (the DCC adds it).
    A MAC'd message or an APDU that already carries a signature raises
    :class:`InvalidValueError`; undecodable input raises ``DecodeError``.
    """
    raw: bytes | None = None
    if isinstance(precommand, GbcsMessage):
        parsed = precommand
    else:
        if isinstance(precommand, str):
            raw = decode_text(precommand)
        elif isinstance(precommand, bytes | bytearray | memoryview):
            raw = bytes(precommand)
        else:
            raise InvalidValueError(
                f"a pre-command is bytes or text, not {type(precommand).__name__}"
            )
        parsed = parse_message(raw)
    if parsed.shape is MessageShape.SIGNED_APDU:
        raise InvalidValueError(
            "the APDU already carries a 64-octet signature; refusing to re-sign"
        )
    if parsed.shape is MessageShape.MACD:
        raise InvalidValueError(
            "a MAC'd (DD) message is not a pre-command; sign the bare DF APDU "
            "(the DCC adds the MAC)"
        )
    key = load_private_key(private_key)
    if raw is not None:
        # The input re-encodes exactly (spec P1), so the APDU is the input itself: DF, the
        # signed span (E5), then nothing (pre-command) or the zero signature length (dropped).
        apdu = raw if parsed.shape is MessageShape.PRE_COMMAND else raw[:-1]
        signature = sign(key, apdu[1:], variant=variant, deterministic=deterministic)
        return apdu + b"\x40" + signature
    signature = sign(key, parsed.signed_bytes, variant=variant, deterministic=deterministic)
    signed = attrs.evolve(parsed, shape=MessageShape.SIGNED_APDU, signature=signature)
    return encode_message(signed)
