"""Verifying and signing GBCS messages: the message-protection rules and pre-command signing.

:func:`verify_message` checks a message's ECDSA signature with the Digital Signature key the
key store holds for the originator system title, exactly as a receiving device does (GBCS
4.3.3; the signed span per GBCS 7.2.7 as read in gbcs-parser and HenryGiraldo/gbcs).
:func:`sign_precommand` turns a DUIS pre-command into a signed General Signing APDU (as
gbcs-parser's ``signGroupingHeader`` does); given a key store, it refuses a key that is not the
originator's Digital Signature key. Certificate validity is checked only at an explicit ``at=``
time (never the wall clock).

:func:`protection_findings` gives every finding about how a message is protected, the six
rules :data:`PROTECTION_RULES`: ``gbcs.shape`` (the wire shape fits the CRA flag),
``gbcs.critical_command_signed`` (a critical command carries a signature), ``gbcs.signature``
(the signature verifies; INDETERMINATE "not checked" without a key store),
``gbcs.security_header`` (the MAC header's octets), ``gbcs.mac`` (the MAC verifies with the
Key Agreement keys; :func:`verify_mac`) and ``gbcs.decrypt`` (encrypted content decrypts);
the Key Agreement cryptography is :mod:`secrules.gbcs.protection`.
"""

from __future__ import annotations

import datetime as dt
import os
from hashlib import sha256

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from secrules.core.citations import cite
from secrules.core.clauses import Provenance
from secrules.core.findings import Finding, Outcome, Verdict, finding_of
from secrules.core.rules import Rule, RuleSet
from secrules.errors import InvalidValueError, KeyNotFoundError
from secrules.gbcs.decode import decode_text, parse_message
from secrules.gbcs.ecdsa import (
    P256_ORDER,
    SIGNATURE_LENGTH,
    checked_plain_to_der,
    load_private_key,
    sign,
    signature_problem,
    verify,
)
from secrules.gbcs.fastpath import read_signed_span
from secrules.gbcs.keystore import (
    CertificateValidity,
    KeyEntry,
    KeyStore,
    normalise_eui,
    validity_time,
)
from secrules.gbcs.message import GbcsMessage, encode_message, signed_span_of
from secrules.gbcs.message_codes import message_code_table, message_type
from secrules.gbcs.protection import (
    EncryptedContent,
    decrypt_verdicts,
    mac_verdict,
    security_header_verdicts,
)
from secrules.gbcs.types import CraFlag, Eui64, MessageShape
from secrules.gbcs.variants import (
    ECDSA_PRIMITIVES_CLAUSE,
    PLAIN_FORMAT_CLAUSE,
    SigningVariant,
)

__all__ = [
    "CRITICAL_SIGNED_RULE",
    "DECRYPT_RULE",
    "MAC_RULE",
    "MAC_RULES",
    "PROTECTION_RULES",
    "SECURITY_HEADER_RULE",
    "SHAPE_RULE",
    "SIGNATURE_RULE",
    "SIGNED_SPAN_CLAUSE",
    "SIGNER_KEY_CLAUSE",
    "ProtectionSubject",
    "SignatureSubject",
    "protection_findings",
    "sign_precommand",
    "verify_mac",
    "verify_message",
]

#: E5: the signed octets (stated in both reference implementations; checked on RTDS).
SIGNED_SPAN_CLAUSE = cite("gbcs.7.2.7.signed-span")
#: E6: the verifying key is the originator's Digital Signature key.
SIGNER_KEY_CLAUSE = cite("gbcs.4.3.3.signer-key")
#: E8: a certificate's validity period, checked only at an explicit time.
VALIDITY_CLAUSE = cite("rfc5280.4.1.2.5")
#: E9: signing a pre-command (no MAC; the DCC adds it).
PRECOMMAND_CLAUSE = cite("duis.signed-pre-command")

_RULE_TEXT = (
    "A GBCS message that carries a signature is verified with ECDSA over P-256 and SHA-256 "
    "(GBCS 4.3.3). The signature is 64 octets, r then s (Plain Format, GBCS v1.0 release "
    "note); high-S is valid. The signed octets run from the transaction-id length after the DF "
    "tag through the last content octet (GBCS 7.2.7). The verifying key is the Digital "
    "Signature key of the originator system title, never a Key Agreement key. With several such "
    "keys (certificate generations), any one verifying suffices (modelling choice). A signature "
    "that nobody could check (no key store given, or no Digital Signature key for the "
    "originator in it) is INDETERMINATE, never a pass. Certificate validity is checked only at a "
    "time the caller gives (at= in Python, --at on the command line), never the wall clock: a "
    "certificate is valid from notBefore through notAfter inclusive (RFC 5280 4.1.2.5), and a "
    "signature that verifies only with a certificate expired or not yet valid at that time "
    "FAILs. Without a time the finding says validity was not checked."
)


@attrs.frozen
class SignatureSubject:
    """What the protection rules check: a parsed message, the key store, optionally the ACB.

    ``keystore`` None means no signature can be checked: a signed message is INDETERMINATE
    ("not checked"). ``span`` optionally gives the signed octets and their offsets as already
    cut from the input bytes (see :func:`verify_message`); otherwise they are taken from the
    message's encoding. ``at`` (timezone-aware) is the time at which the signer's certificate
    must be valid; None checks no validity.
    message's encoding. ``acb`` names the Access Control Broker whose KA key MACs commands
    (None: the store's role-04 certificate). ``encrypted`` is the message's encrypted blocks
    already found (and perhaps decrypted) for another rule; None finds them afresh.
    """

    message: GbcsMessage
    keystore: KeyStore | None = attrs.field(eq=False)
    span: _Span | None = attrs.field(default=None, eq=False)
    at: dt.datetime | None = attrs.field(default=None, converter=validity_time)
    acb: Eui64 | None = attrs.field(default=None, eq=False)
    encrypted: EncryptedContent | None = attrs.field(default=None, eq=False, repr=False)


#: The subject of every rule in :data:`PROTECTION_RULES` (the same class, by its wider name).
ProtectionSubject = SignatureSubject


@attrs.frozen
class _Span:
    signed: bytes = attrs.field(repr=False)
    start: int
    end: int
    signature_offset: int | None


def _span_of(message: GbcsMessage) -> _Span:
    """The signed span of a signed message; its 64-octet signature follows ``40`` after it."""
    start, end = signed_span_of(message)
    return _Span(message.signed_bytes, start, end, end + 1)


def _span_from_input(raw: bytes, message: GbcsMessage) -> _Span:
    """The signed span cut straight from the input octets, without re-encoding the message.

    parse_message accepts only inputs that re-encode exactly, so the layout is fixed
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
# The lean path hashes with hashlib (one call) and hands pyca the digest: the same verify,
# without pyca building a hash context per call.
_ECDSA_PREHASHED = ec.ECDSA(Prehashed(hashes.SHA256()))
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
    return _check(subject.message, subject.keystore, subject.span, subject.at)


def _check(
    message: GbcsMessage,
    keystore: KeyStore | None,
    span: _Span | None,
    when: dt.datetime | None = None,
) -> Verdict:
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
        start, end = signed_span_of(message)
        signed = message.encoded[start:end]
        at: int | None = end + 1
    else:
        signed, start, end, at = span.signed, span.start, span.end, span.signature_offset
    r = int.from_bytes(signature[:_HALF], "big")
    s = int.from_bytes(signature[_HALF:], "big")
    if len(signature) != SIGNATURE_LENGTH or not (0 < r < P256_ORDER and 0 < s < P256_ORDER):
        problem = signature_problem(signature)
        return Verdict(Outcome.FAIL, str(problem), path="apdu.signature", offset=at)
    if keystore is None:
        return Verdict(
            Outcome.INDETERMINATE,
            f"signature not checked: no key store was given (originator "
            f"{message.originator.hex}; pass keystore= in Python, --keystore on the command "
            "line)",
            path="apdu.signature",
            offset=at,
        )
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
            if when is not None:
                verifying = [
                    e
                    for e in candidates
                    if e is entry or _verifies(e.public_key, signed, der, signature)
                ]
                return _validity_verdict(message, verifying, when, at)
            return Verdict(
                Outcome.PASS,
                f"signature verifies with {entry.describe()} for originator "
                f"{message.originator.hex} (certificate validity not checked: no time given)",
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


# The DER header octets of checked_plain_to_der's output for r and s whose first octet is not
# zero, by whether that octet's top bit is set (a 00 sign octet then goes before it).
_DER_SEQUENCE = (b"\x30\x44", b"\x30\x45", b"\x30\x46")
_DER_INTEGER = (b"\x02\x20", b"\x02\x21\x00")
_ZERO_HALF = bytes(_HALF)
_ORDER_HALF = P256_ORDER.to_bytes(_HALF, "big")
_SIGNATURE_ID = "gbcs.signature"
_PASS = Outcome.PASS
_SIGNATURE_PATH = "apdu.signature"
_NOT_TIMED = " (certificate validity not checked: no time given)"
_PASSED: dict[tuple[str, str, int], Finding] = {}
_PASSED_SIZE = 4096


def _check_lean(
    data: bytes, lean: tuple[bytes, int, int, bytes], keystore: KeyStore
) -> Finding | None:
    """:func:`_check`'s finding from :func:`read_signed_span`'s slices (no validity time).

    None (take the full path) when the signature's r or s is out of range or the store has no
    key for the originator (the full path words those findings, with the originator field's
    offset). ``r || s`` compare as 32-octet big-endian numbers: octet order is number order.
    """
    originator, start, end, signature = lean
    r = signature[:_HALF]
    s = signature[_HALF:]
    if not (_ZERO_HALF < r < _ORDER_HALF and _ZERO_HALF < s < _ORDER_HALF):
        return None
    candidates = keystore.signers_of_octets(originator)
    if candidates is None:
        return None
    r_high = signature[0] >> 7
    s_high = signature[_HALF] >> 7
    if signature[0] and signature[_HALF]:  # no leading zero octet to strip: the usual case
        der = b"".join(
            (_DER_SEQUENCE[r_high + s_high], _DER_INTEGER[r_high], r, _DER_INTEGER[s_high], s)
        )
    else:
        der = checked_plain_to_der(signature)
    digest = sha256(data[start:end]).digest()
    for entry in candidates:
        key = entry.public_key
        # _verifies, inline: pyca's own P-256 key type is verified directly.
        if type(key) is _PYCA_EC_PUBLIC_KEY and type(key.curve) is ec.SECP256R1:
            try:
                key.verify(der, digest, _ECDSA_PREHASHED)
            except InvalidSignature:
                continue
        elif not verify(key, data[start:end], signature):
            continue
        # The PASS finding depends on the key's description and EUI (the originator's hex:
        # the store files keys by it) and the signature's offset only: findings are frozen
        # values, so equal ones are shared (a bounded memo, cleared when full).
        memo = (entry.description, entry.eui, end)
        found = _PASSED.get(memo)
        if found is None:
            if len(_PASSED) >= _PASSED_SIZE:
                _PASSED.clear()
            found = _PASSED[memo] = finding_of(
                _SIGNATURE_ID,
                _PASS,
                f"signature verifies with {entry.description} for originator "
                f"{entry.eui.upper()}{_NOT_TIMED}",
                _SIGNATURE_CLAUSES,
                _SIGNATURE_PATH,
                end + 1,
                None,
            )
        return found
    names = ", ".join(e.describe() for e in candidates)
    return SIGNATURE_RULE.finding(
        Verdict(
            Outcome.FAIL,
            f"signature does not verify over octets {start}-{end - 1} with the "
            f"{len(candidates)} Digital Signature key(s) of originator "
            f"{originator.hex().upper()}: {names}",
            path=_SIGNATURE_PATH,
            offset=end + 1,
        )
    )


def _validity_verdict(
    message: GbcsMessage, verifying: list[KeyEntry], when: dt.datetime, at: int | None
) -> Verdict:
    """PASS if a key that verifies has a certificate valid at ``when``.

    Otherwise FAIL naming each certificate and why (expired, not yet valid), or INDETERMINATE
    when a key that verifies has no certificate (its validity cannot be checked).
    """
    states = [(e, e.validity(when)) for e in verifying]
    said = f"for originator {message.originator.hex}"
    for entry, state in states:
        if state is CertificateValidity.VALID:
            return Verdict(
                Outcome.PASS,
                f"signature verifies with {entry.describe()} {said}; its certificate is valid "
                f"at {when.isoformat()}",
                path="apdu.signature",
                offset=at,
            )
    problems = "; ".join(str(e.validity_problem(when)) for e in verifying)
    unknown = any(state is CertificateValidity.UNKNOWN for _, state in states)
    return Verdict(
        Outcome.INDETERMINATE if unknown else Outcome.FAIL,
        f"signature verifies {said}, but no certificate that verifies it is valid at "
        f"{when.isoformat()}: {problems}",
        path="apdu.signature",
        offset=at,
    )


SIGNATURE_RULE = Rule(
    id="gbcs.signature",
    title="A signed GBCS message verifies with its originator's Digital Signature key",
    clauses=(
        ECDSA_PRIMITIVES_CLAUSE,
        PLAIN_FORMAT_CLAUSE,
        SIGNED_SPAN_CLAUSE,
        SIGNER_KEY_CLAUSE,
        VALIDITY_CLAUSE,
    ),
    fn=_check_signature,
    text=_RULE_TEXT,
)
_SIGNATURE_CLAUSES = SIGNATURE_RULE.clauses


# --- Which messages must be protected, and how (gbcs.shape, gbcs.critical_command_signed). --

#: The CRA flag says what a message is; a bare APDU without a signature is a DUIS pre-command.
SHAPE_CLAUSE = cite("gbcs.7.2.7.cra-flag")
#: SME.C.C marks a Critical Command (the mapping table, read into gbcs_message_types.toml).
CRITICAL_TYPE_CLAUSE = cite("gbcs.mapping-table.message-type")
#: A Critical Command carries the Known Remote Party's signature inside the ACB's MAC.
CRITICAL_SIGNED_CLAUSE = cite("gbcs.13.3.3.1.krp-signature")

_SHAPE_TEXT = (
    "The CRA flag of the Grouping Header says whether a message is a Command (1), a Response "
    "(2) or an Alert (3). A bare General Signing APDU with no signature (no signature field, or "
    "a zero signature length) is a DUIS pre-command, which is always a Command: the User signs "
    "it and the DCC adds the MAC. A Response or an Alert in that shape carries neither MAC nor "
    "signature, so it is refused."
)
_CRITICAL_TEXT = (
    "A Command whose use case the GBCS mapping table classes SME.C.C (a Critical Command) "
    "carries the Remote Party's signature: on the wire (MAC'd, DD) its signature length is 40, "
    "never 00. A pre-command of a critical use case is fine: the User signs it before it is "
    "sent. Where the table gives no class for the use case (it defers to the GBCS text, as for "
    "CS02b) or the message code is not tabled, an unsigned Command is INDETERMINATE."
)


_SHAPE_NAMES = {
    MessageShape.MACD: "MAC'd (General Ciphering)",
    MessageShape.SIGNED_APDU: "a bare signed APDU",
    MessageShape.PRE_COMMAND: "a bare APDU with no signature field",
    MessageShape.UNSIGNED_APDU: "a bare APDU with signature length 0",
}
_PRE_COMMAND_SHAPES = frozenset((MessageShape.PRE_COMMAND, MessageShape.UNSIGNED_APDU))
_WHAT = {CraFlag.COMMAND: "a command", CraFlag.RESPONSE: "a response", CraFlag.ALERT: "an alert"}


def _shape_name(message: GbcsMessage) -> str:
    return _SHAPE_NAMES[message.shape]


def _is_pre_command(message: GbcsMessage) -> bool:
    """A bare APDU without a signature: the DUIS pre-command forms (DF ... and DF ... 00)."""
    return message.shape in _PRE_COMMAND_SHAPES


def _what(cra: CraFlag) -> str:
    return _WHAT[cra]


def _check_shape(subject: SignatureSubject) -> Verdict:
    message = subject.message
    cra = message.cra_flag
    what = f"{_what(cra)} (CRA flag {int(cra)})"
    if not _is_pre_command(message):
        return Verdict(Outcome.PASS, f"{what}, {_shape_name(message)}", path="apdu.cra_flag")
    if cra is CraFlag.COMMAND:
        return Verdict(
            Outcome.PASS,
            f"{what}, {_shape_name(message)}: a DUIS pre-command",
            path="apdu.cra_flag",
        )
    return Verdict(
        Outcome.FAIL,
        f"{what} as {_shape_name(message)}: only a command travels bare and unsigned (as a "
        f"DUIS pre-command); {_what(cra)} carries a MAC or a signature",
        path="apdu.cra_flag",
        offset=_cra_offset(message),
    )


def _cra_offset(message: GbcsMessage) -> int:
    # The CRA flag is the second signed octet (E5: the span starts at the transaction-id length).
    return signed_span_of(message)[0] + 1


def _use_case_words(message: GbcsMessage) -> str:
    row = message_code_table().get(message.message_code)
    name = row.name if row is not None else "an untabled use case"
    return f"{name} (message code 0x{message.message_code:04X})"


def _check_critical(subject: SignatureSubject) -> Verdict:
    message = subject.message
    if message.cra_flag is not CraFlag.COMMAND:
        return Verdict(
            Outcome.NOT_APPLICABLE,
            f"{_what(message.cra_flag)}, not a command",
            path="apdu.cra_flag",
        )
    use_case = _use_case_words(message)
    kind = message_type(message.message_code)
    signed = message.signature is not None
    at = signed_span_of(message)[1]  # the signature length field follows the signed span
    if kind is not None and kind.critical_command:
        how = "" if kind.provenance is Provenance.STATED else f" ({kind.provenance})"
        typed = f"{use_case} is {kind.message_type}{how}, a critical command"
        if signed:
            return Verdict(Outcome.PASS, f"{typed}; it carries a signature", path="apdu.signature")
        if _is_pre_command(message):
            return Verdict(
                Outcome.NOT_APPLICABLE,
                f"{typed}; this is its DUIS pre-command, which the User signs before it is sent",
                path="apdu.signature.length",
            )
        return Verdict(
            Outcome.FAIL,
            f"{typed}, but this MAC'd command carries no signature (signature length 0): it "
            "must be signed by the Remote Party",
            path="apdu.signature.length",
            offset=at,
        )
    if kind is not None and kind.message_class is not None:
        return Verdict(
            Outcome.NOT_APPLICABLE,
            f"{use_case} is {kind.message_type}: not a critical command",
            path="apdu.other_information.message_code",
        )
    if signed or _is_pre_command(message):
        why = "it carries a signature" if signed else "this is a DUIS pre-command"
        return Verdict(
            Outcome.NOT_APPLICABLE,
            f"{use_case}: {why}",
            path="apdu.other_information.message_code",
        )
    why = (
        f"the mapping table gives {kind.use_case} no class ({kind.message_type!r})"
        if kind is not None
        else "its use case is not in the message-type table"
    )
    return Verdict(
        Outcome.INDETERMINATE,
        f"not checked: whether a command of {use_case} must be signed is unknown ({why}); this "
        "MAC'd command carries no signature",
        path="apdu.signature.length",
        offset=at,
    )


def _check_mac(subject: SignatureSubject) -> Verdict:
    return mac_verdict(subject.message, subject.keystore, subject.acb)


def _check_security_header(subject: SignatureSubject) -> list[Verdict]:
    return security_header_verdicts(subject.message)


def _check_decrypt(subject: SignatureSubject) -> list[Verdict]:
    return decrypt_verdicts(subject.message, subject.keystore, subject.encrypted)


SHAPE_RULE = Rule(
    id="gbcs.shape",
    title="A GBCS message's wire shape fits its CRA flag (only a command is a bare pre-command)",
    clauses=(SHAPE_CLAUSE,),
    fn=_check_shape,
    text=_SHAPE_TEXT,
)
CRITICAL_SIGNED_RULE = Rule(
    id="gbcs.critical_command_signed",
    title="A critical GBCS command (message type SME.C.C) carries a signature",
    clauses=(CRITICAL_TYPE_CLAUSE, CRITICAL_SIGNED_CLAUSE),
    fn=_check_critical,
    data_files=("secrules/data/gbcs_message_codes.toml", "secrules/data/gbcs_message_types.toml"),
    text=_CRITICAL_TEXT,
)
#: The 12-octet truncated GMAC of a MAC'd message (GBCS 6.2.3, 7.2.5).
MAC_CLAUSE = cite("gbcs.7.2.5.mac")
#: ECC CDH and the single-step SHA-256 KDF with the 33-octet OtherInfo (GBCS 4.3.3.3).
KDF_CLAUSE = cite("gbcs.4.3.3.3.kdf")
#: The GCM/GMAC IV: originator system title, then four zero octets (GBCS 4.3.3.4).
IV_CLAUSE = cite("gbcs.4.3.3.4.iv")
#: The security header of a MAC'd message: security control 0x11, invocation counter 0.
SECURITY_HEADER_CLAUSE = cite("gbcs.7.2.5.security-header")
#: Encrypted content: AES-128-GCM blocks inside the payload, keyed like the MAC (mode 04).
ENCRYPTION_CLAUSE = cite("gbcs.encrypted-content")
MAC_RULE = Rule(
    id="gbcs.mac",
    title="A MAC'd GBCS message's MAC verifies with the Key Agreement keys of its key pair",
    clauses=(MAC_CLAUSE, KDF_CLAUSE, IV_CLAUSE),
    fn=_check_mac,
    text="A MAC'd message (General Ciphering, DD) ends with a 12-octet truncated GMAC: "
    "AES-128-GCM over an empty plaintext, with AAD = the received security header, one 00 "
    "octet and the whole General Signing APDU (signature included), IV = originator system "
    "title || 00000000, and a key derived by the single-step SHA-256 KDF from the P-256 ECDH "
    "secret of two Key Agreement keys and the OtherInfo (algorithm id, originator, 09, CRA "
    "flag, originator counter, recipient). A Command's key pair is the Access Control Broker's "
    "KA key (given as acb= / --acb, or the key store's certificate with role 04) and the "
    "recipient's; a Response's or an Alert's (and a device-to-device Command's), the "
    "originator's and the recipient's. PASS names the keys that verified; FAIL says no pair "
    "verifies; INDETERMINATE (not checked) names the private key that is missing on either side.",
)
SECURITY_HEADER_RULE = Rule(
    id="gbcs.security_header",
    title="A MAC'd GBCS message's security header is security control 0x11, invocation counter 0",
    clauses=(SECURITY_HEADER_CLAUSE, IV_CLAUSE),
    fn=_check_security_header,
    text="The security header of the General Ciphering wrapper is one security-control octet "
    "(0x11: authenticated, not encrypted) and a 4-octet invocation counter, 0 in every GBCS "
    "message (the IV's last four octets are zero). The MAC covers these octets as received, "
    "so a changed header also breaks the MAC; this rule says which octet is wrong.",
)
DECRYPT_RULE = Rule(
    id="gbcs.decrypt",
    title="Encrypted GBCS content decrypts and authenticates with the parties' Key Agreement keys",
    clauses=(ENCRYPTION_CLAUSE, KDF_CLAUSE, IV_CLAUSE),
    fn=_check_decrypt,
    text="Some payloads carry encrypted blocks (a DLMS protected-attributes octet string, an "
    "encrypted GBZ component): 31, a 4-octet counter, AES-128-GCM ciphertext and a 12-octet "
    "tag, with AAD 31, the MAC's IV and a key derived as for the MAC with mode 04, the "
    "supplementary originator counter and the supplementary remote-party id where present. "
    "PASS: the tag verifies and the plaintext decodes (A-XDR Data; a GBZ plaintext, a ZCL "
    "payload read with its component's cluster, is decoded under gbcs.content); FAIL: the "
    "tag does not verify with any key pair, or the plaintext does not decode; INDETERMINATE: "
    "no key store or no private KA key on either side. Plaintext is "
    "never produced from a block whose tag does not verify.",
)
#: What a receiving Device checks of a message's protection, without its MAC, in order.
SIGNING_RULES: RuleSet[SignatureSubject] = RuleSet.of(
    "GBCS signing", (SHAPE_RULE, CRITICAL_SIGNED_RULE, SIGNATURE_RULE)
)
#: Every message-protection rule :func:`protection_findings` applies, in order.
PROTECTION_RULES: RuleSet[SignatureSubject] = RuleSet.of(
    "GBCS message protection", (*SIGNING_RULES, SECURITY_HEADER_RULE, MAC_RULE, DECRYPT_RULE)
)
#: The rules that need Key Agreement keys or the MAC header (left out by ``mac=False``).
MAC_RULES: RuleSet[SignatureSubject] = RuleSet.of(
    "GBCS MAC and encryption", (SECURITY_HEADER_RULE, MAC_RULE, DECRYPT_RULE)
)


def protection_findings(
    message: GbcsMessage,
    keystore: KeyStore | None = None,
    *,
    mac: bool = True,
    at: dt.datetime | None = None,
    acb: Eui64 | bytes | str | None = None,
    encrypted: EncryptedContent | None = None,
) -> list[Finding]:
    """Every finding on how ``message`` is protected: :data:`PROTECTION_RULES` on the message.

    The rules judge one typed subject (the parsed message, the key store and the ACB), so a
    message decoded once is checked as it is, never parsed again.

    ``gbcs.shape`` and ``gbcs.critical_command_signed`` need no keys. ``gbcs.signature`` is
    INDETERMINATE ("not checked") for a signed message when ``keystore`` is None or holds no
    Digital Signature key for the originator. ``gbcs.security_header``, ``gbcs.mac`` and
    ``gbcs.decrypt`` (left out when ``mac`` is False) check the MAC header, the MAC and any
    encrypted content with the store's Key Agreement keys (INDETERMINATE, naming the missing
    key, when they cannot); ``acb`` (an EUI) names the Access Control Broker that MACs commands
    (default: the store's certificate with role 04). ``at`` (a timezone-aware datetime) also
    checks that the signer's certificate is valid then (see :func:`verify_message`); a naive
    datetime raises :class:`InvalidValueError`. ``encrypted`` (a
    :class:`~secrules.gbcs.protection.EncryptedContent` of ``message``) shares the blocks found
    and decrypted for the content rules, so they are not found or decrypted again.
    """
    if not isinstance(message, GbcsMessage):
        raise InvalidValueError(f"message must be a GbcsMessage, not {type(message).__name__}")
    if keystore is not None and not isinstance(keystore, KeyStore):
        raise InvalidValueError(f"keystore must be a KeyStore, not {type(keystore).__name__}")
    if encrypted is not None and (
        not isinstance(encrypted, EncryptedContent) or encrypted.message is not message
    ):
        raise InvalidValueError("encrypted must be the EncryptedContent of this message")
    rules = PROTECTION_RULES if mac else SIGNING_RULES
    subject = SignatureSubject(message, keystore, at=at, acb=_acb(acb), encrypted=encrypted)
    return rules.evaluate(subject)


def _acb(acb: Eui64 | bytes | str | None) -> Eui64 | None:
    """The ACB argument as an Eui64 (InvalidValueError naming ``acb`` when it is not one)."""
    if acb is None or isinstance(acb, Eui64):
        return acb
    try:
        return Eui64.parse(normalise_eui(acb))
    except InvalidValueError as exc:
        raise InvalidValueError(f"acb: {exc}") from None


def _parsed(message: bytes | str | GbcsMessage) -> GbcsMessage:
    if type(message) is bytes:  # the common case first
        return parse_message(message)
    if isinstance(message, GbcsMessage):
        return message
    if isinstance(message, str):
        return parse_message(decode_text(message))
    if isinstance(message, bytes | bytearray | memoryview):
        return parse_message(message)
    raise InvalidValueError(f"a message is bytes or text, not {type(message).__name__}")


def verify_mac(
    message: bytes | str | GbcsMessage,
    keystore: KeyStore,
    *,
    acb: Eui64 | bytes | str | None = None,
) -> Finding:
    """Verify a MAC'd GBCS message's MAC with the key store's Key Agreement keys (``gbcs.mac``).

    A Command's MAC is keyed by the Access Control Broker: ``acb`` (an EUI) when given, else
    the EUI whose KA certificate in the store carries role 04. A Response's or Alert's is keyed
    by the originator's and recipient's KA keys. PASS names the ACB (and how it was chosen) and
    the keys; FAIL says no key pair verifies it; INDETERMINATE names the missing private key;
    NOT_APPLICABLE for a bare APDU. Undecodable input raises :class:`DecodeError`.
    """
    if not isinstance(keystore, KeyStore):
        raise InvalidValueError(f"keystore must be a KeyStore, not {type(keystore).__name__}")
    parsed = _parsed(message)
    return MAC_RULE.finding(mac_verdict(parsed, keystore, _acb(acb)))


def verify_message(
    message: bytes | str | GbcsMessage, keystore: KeyStore, *, at: dt.datetime | None = None
) -> Finding:
    """Verify a GBCS message's signature against ``keystore`` (rule ``gbcs.signature``).

    PASS when it verifies with a Digital Signature key of the originator (the message names
    which); FAIL with the reason when it does not; NOT_APPLICABLE when the message carries no
    signature; INDETERMINATE when the store holds no DS key for the originator. Undecodable
    input raises :class:`secrules.errors.DecodeError`.

    ``at`` (a timezone-aware datetime; a naive one raises :class:`InvalidValueError`) checks
    certificate validity at that time, never the wall clock: a signature that verifies only with
    certificates expired or not yet valid at ``at`` FAILs saying which (notBefore and notAfter
    are both inclusive, RFC 5280 4.1.2.5); one that verifies only with a key without certificate
    is INDETERMINATE. With ``at`` None (the default) validity is not checked, and a PASS says so.
    """
    if not isinstance(keystore, KeyStore):
        raise InvalidValueError(f"keystore must be a KeyStore, not {type(keystore).__name__}")
    if at is None and type(message) is bytes:
        # The lean path: slice the originator, signed span and signature straight from the
        # octets (checked as the fast reader checks them) without building the record. It
        # decides the common PASS and FAIL; everything else takes the full path below, which
        # gives the same Finding (a differential test compares the two).
        lean = read_signed_span(message)
        if lean is not None:
            found = _check_lean(message, lean, keystore)
            if found is not None:
                return found
    when = validity_time(at)
    # A parsed message keeps the input octets and the signed span's offsets in them, so the
    # signed span is cut from the input without re-encoding.
    parsed = _parsed(message)
    # The same Finding as SIGNATURE_RULE.evaluate(SignatureSubject(parsed, keystore))[0].
    return SIGNATURE_RULE.finding(_check(parsed, keystore, None, when))


def sign_precommand(
    precommand: bytes | str | GbcsMessage,
    private_key: ec.EllipticCurvePrivateKey | bytes | str | os.PathLike[str],
    *,
    variant: SigningVariant = SigningVariant.GBCS,
    deterministic: bool = False,
    keystore: KeyStore | None = None,
    at: dt.datetime | None = None,
) -> bytes:
    """Sign a DUIS pre-command and return the signed General Signing APDU.

    ``precommand`` is a bare General Signing APDU without signature field, or ending with a
    zero signature length ``00`` (dropped). The signed span is signed with ``variant``
    and ``40`` plus the 64-octet ``r || s`` is appended; no MAC is added (the DCC adds it).
    A MAC'd message or an APDU that already carries a signature raises
    :class:`InvalidValueError`; undecodable input raises ``DecodeError``.

    With ``keystore`` the key must be the Digital Signature key the store holds for the
    pre-command's originator system title: a Key Agreement key, another party's key or a
    key the store does not hold raises :class:`~secrules.errors.KeyMismatchError` saying which
    key was expected; with ``at`` (timezone-aware) too, so does a key whose certificate is not
    valid at ``at``. Without ``keystore`` no check is made: any P-256 key signs (``at`` then
    raises :class:`InvalidValueError`, there being no certificate to check).
    """
    if keystore is not None and not isinstance(keystore, KeyStore):
        raise InvalidValueError(f"keystore must be a KeyStore, not {type(keystore).__name__}")
    when = validity_time(at)
    if when is not None and keystore is None:
        raise InvalidValueError("at= needs keystore=: validity is read from the certificate")
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
    if keystore is not None:
        keystore.signing_entry(parsed.originator, key, at=when)
    if raw is not None:
        # The input re-encodes exactly, so the APDU is the input itself: DF, the
        # signed span, then nothing (pre-command) or the zero signature length (dropped).
        apdu = raw if parsed.shape is MessageShape.PRE_COMMAND else raw[:-1]
        signature = sign(key, apdu[1:], variant=variant, deterministic=deterministic)
        return apdu + b"\x40" + signature
    signature = sign(key, parsed.signed_bytes, variant=variant, deterministic=deterministic)
    signed = attrs.evolve(parsed, shape=MessageShape.SIGNED_APDU, signature=signature)
    return encode_message(signed)
