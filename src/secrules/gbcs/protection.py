"""GBCS protection with Key Agreement keys: the MAC of a MAC'd message and encrypted content.

Both use the same primitives (GBCS v1.0 release note, "Cryptographic Primitives and their
Usage"; clause numbers as cited in HenryGiraldo/gbcs): ECC CDH over P-256 between two Key
Agreement keys, the single-step SHA-256 KDF (NIST SP 800-56A) with a 33-octet OtherInfo
(GBCS 4.3.3.3), AES-128-GCM with the IV ``originator system title || 00 00 00 00`` (GBCS
4.3.3.4), and a 12-octet tag.

* **MAC** (GBCS 6.2.3, 7.2.5): GMAC (GCM over an empty plaintext) with AAD = the received
  security header (5 octets), one ``00`` octet, then the whole General Signing APDU from ``DF``
  through the signature field. OtherInfo = algorithm id ``60 85 74 06 08 03 00`` ||
  originator system title || ``09`` || CRA flag || originator counter || recipient system
  title. A Command's key pair is the Access Control Broker's KA key with the recipient's; a
  Response's or Alert's, the originator's with the recipient's.
* **Encrypted content**: a block ``31 || invocation counter (4) || ciphertext || tag (12)``
  inside the payload, AAD the single octet ``31``; OtherInfo as above with mode ``04`` in place
  of the CRA flag, the supplementary originator counter (when present) in place of the
  counter, and the supplementary remote-party id (when present) in place of the recipient.

Facts read in SmartDCCInnovation/gbcs-parser (``src/crypto.ts``, ``src/parser.ts``,
``src/dlms.ts``, ``src/zigbee.ts``) and HenryGiraldo/gbcs (``python/gbcs.py``), and checked on
the RTDS 4.5.0 messages and test key store; no code of theirs is used.

The ECDH shared secret is cached per (private key, public key) pair (bounded, thread-safe);
AES keys are derived per message and never cached.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections.abc import Iterator, Sequence
from typing import Final

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secrules.core.findings import Outcome, Verdict
from secrules.dlms.access import AccessResponse, decode_access
from secrules.dlms.data import Array, Data, OctetString, Structure, decode_data
from secrules.errors import DecodeError, InvalidValueError, UnsupportedKeyError
from secrules.gbcs.ecdsa import load_private_key, load_public_key
from secrules.gbcs.keystore import KeyEntry, KeyStore, normalise_eui
from secrules.gbcs.layout import MAC_LENGTH, SECURITY_CONTROL
from secrules.gbcs.message import GbcsMessage
from secrules.gbcs.types import CraFlag, Eui64, MessageShape

__all__ = [
    "ACB_ROLE",
    "ENCRYPTED_SECURITY_CONTROL",
    "ENCRYPTION_MODE",
    "KDF_ALGORITHM_ID",
    "TAG_LENGTH",
    "Decryption",
    "EncryptedBlock",
    "EncryptedContent",
    "KeyPair",
    "add_mac",
    "compute_mac",
    "decrypt_block",
    "derive_key",
    "encrypt_block",
    "encrypted_blocks",
    "mac_aad",
    "other_info",
    "shared_secret",
]

#: The algorithm id that opens the KDF's OtherInfo (GBCS 4.3.3.3 as read in both references).
KDF_ALGORITHM_ID: Final = bytes.fromhex("60857406080300")
#: The OtherInfo "mode" octet for encrypted content (in place of the CRA flag 1, 2 or 3).
ENCRYPTION_MODE: Final = 0x04
#: Security control of an encrypted block: authenticated and encrypted, suite 1 (our reading).
ENCRYPTED_SECURITY_CONTROL: Final = 0x31
#: GMAC / GCM tag length on the wire (both the MAC and encrypted blocks).
TAG_LENGTH: Final = MAC_LENGTH
#: Remote-party role code of the Access Control Broker (certificate subject OU ``04``).
ACB_ROLE: Final = 0x04
_COUNTER_ZERO: Final = b"\x00\x00\x00\x00"
_KDF_COUNTER: Final = b"\x00\x00\x00\x01"
_BLOCK_HEADER: Final = 5
_SECRET_CACHE_SIZE: Final = 1024
#: An A-XDR octet string (09, a length of at least 17 in any form) whose body opens with 31: a
#: necessary condition for a DLMS encrypted block, checked before decoding the payload.
_DLMS_BLOCK: Final = re.compile(
    rb"\x09(?:[\x11-\x7f]|\x81[\x80-\xff]|\x82[\x01-\xff].)\x31", re.DOTALL
)


# --- primitives ---------------------------------------------------------------------------


class _SecretCache:
    """ECDH shared secrets by (private key, public key) object pair: bounded, thread-safe.

    Entries hold the two key objects, so the ids in the cache key cannot be reused while the
    entry lives; a hit is checked by identity. Reads take no lock (a dict read is atomic);
    inserts do, and a full cache is emptied (pairs are few: a store's parties).
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: dict[
            tuple[int, int], tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey, bytes]
        ] = {}

    def get(self, private: ec.EllipticCurvePrivateKey, public: ec.EllipticCurvePublicKey) -> bytes:
        key = (id(private), id(public))
        entry = self._entries.get(key)
        if entry is not None and entry[0] is private and entry[1] is public:
            return entry[2]
        secret = private.exchange(ec.ECDH(), public)
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[key] = (private, public, secret)
        return secret


_SECRETS: Final = _SecretCache(_SECRET_CACHE_SIZE)


def shared_secret(private: ec.EllipticCurvePrivateKey, public: ec.EllipticCurvePublicKey) -> bytes:
    """Z, the P-256 ECDH shared secret (32 octets) of a private and a public KA key; cached."""
    if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(
        public, ec.EllipticCurvePublicKey
    ):
        raise InvalidValueError("shared_secret takes an EC private key and an EC public key")
    if not isinstance(private.curve, ec.SECP256R1) or not isinstance(public.curve, ec.SECP256R1):
        raise UnsupportedKeyError("GBCS key agreement uses P-256 keys only")
    return _SECRETS.get(private, public)


def other_info(originator: Eui64, mode: int, counter: int, recipient: Eui64) -> bytes:
    """The KDF's 33-octet OtherInfo: algorithm id, originator, ``09``, mode, counter, recipient.

    ``mode`` is the CRA flag (1, 2, 3) for the MAC, or :data:`ENCRYPTION_MODE` for content.
    """
    return (
        KDF_ALGORITHM_ID
        + originator.octets
        + bytes((0x09, mode))
        + counter.to_bytes(8, "big")
        + recipient.octets
    )


def derive_key(
    private: ec.EllipticCurvePrivateKey,
    public: ec.EllipticCurvePublicKey,
    info: bytes,
) -> bytes:
    """The AES-128 key: the first 16 octets of SHA-256(``00000001`` || Z || OtherInfo)."""
    z = shared_secret(private, public)
    return hashlib.sha256(_KDF_COUNTER + z + info).digest()[:16]


def _iv(originator: Eui64) -> bytes:
    return originator.octets + _COUNTER_ZERO


def mac_aad(message: GbcsMessage) -> bytes:
    """The MAC's AAD: received security header (5 octets), ``00``, the whole APDU (``DF``...).

    The extra ``00`` is written by both reference implementations (its meaning is not stated).
    """
    raw = message.encoded
    header = security_header_offset(message)
    return raw[header : header + 5] + b"\x00" + raw[header + 5 : len(raw) - TAG_LENGTH]


def security_header_offset(message: GbcsMessage) -> int:
    """Offset of the security control octet of a MAC'd message (after W1 and the W2 length).

    Read from the length octet itself rather than the field map, which costs a full annotated
    parse.
    """
    first = message.encoded[7]
    return 8 if first < 0x80 else 8 + (first & 0x7F)


def compute_mac(key: bytes, originator: Eui64, aad: bytes) -> bytes:
    """The 12-octet truncated GMAC of ``aad`` under ``key`` (GCM over an empty plaintext)."""
    return AESGCM(key).encrypt(_iv(originator), b"", aad)[:TAG_LENGTH]


def encrypt_block(plaintext: bytes, key: bytes, originator: Eui64) -> bytes:
    """An encrypted block: ``31 00000000`` || AES-128-GCM ciphertext || 12-octet tag.

    The AAD is the security control octet ``31``.
    """
    sealed = AESGCM(key).encrypt(_iv(originator), bytes(plaintext), bytes((0x31,)))
    return (
        bytes((ENCRYPTED_SECURITY_CONTROL,))
        + _COUNTER_ZERO
        + sealed[:-16]
        + sealed[-16 : -16 + TAG_LENGTH]
    )


def decrypt_block(block: bytes, key: bytes, originator: Eui64) -> bytes | None:
    """The plaintext of an encrypted block, or None when GCM authentication fails.

    Nothing decrypted is returned unless the tag verifies.
    """
    if len(block) < _BLOCK_HEADER + TAG_LENGTH:
        return None
    body = block[_BLOCK_HEADER:]
    ciphertext, tag = body[:-TAG_LENGTH], body[-TAG_LENGTH:]
    decryptor = Cipher(
        algorithms.AES(key), modes.GCM(_iv(originator), tag, min_tag_length=TAG_LENGTH)
    ).decryptor()
    decryptor.authenticate_additional_data(block[:1])
    plaintext = decryptor.update(ciphertext)
    try:
        decryptor.finalize()
    except InvalidTag:
        return None
    return plaintext


# --- key pairs ------------------------------------------------------------------------------


@attrs.frozen
class KeyPair:
    """One private KA key (``private_name`` of ``private_eui``) and the peer's public KA key."""

    private_eui: str
    private_name: str
    private: ec.EllipticCurvePrivateKey = attrs.field(eq=False, repr=False)
    public: KeyEntry

    def describe(self) -> str:
        """``ACB 90b3...-ka.key with 00db...-ka.pem (Device, serial ...)``."""
        return f"{self.private_name} with {self.public.describe()}"


def key_pairs(store: KeyStore, side_a: Sequence[str], side_b: str) -> list[KeyPair]:
    """Every (private, public) KA pair between an EUI of ``side_a`` and ``side_b``, both ways."""
    pairs: list[KeyPair] = []
    b = store.key_agreement(side_b)
    for eui in side_a:
        a = store.key_agreement(eui)
        for name, private in a.privates:
            pairs.extend(KeyPair(eui, name, private, entry) for entry in b.publics)
        for entry in a.publics:
            pairs.extend(KeyPair(side_b, name, private, entry) for name, private in b.privates)
    return pairs


def missing_keys(
    store: KeyStore, side_a: Sequence[str], side_b: str, names: tuple[str, str]
) -> str:
    """Why no pair exists: which side lacks a private KA key and which a public one."""
    a = [store.key_agreement(eui) for eui in side_a]
    b = store.key_agreement(side_b)
    a_private = any(p.privates for p in a)
    a_public = any(p.publics for p in a)
    a_text = f"{names[0]} {'/'.join(e.upper() for e in side_a)}"
    b_text = f"{names[1]} {side_b.upper()}"

    def said(present: object) -> str:
        return "present" if present else "missing"

    return (
        f"needs a Key Agreement private key for {a_text} ({said(a_private)}) with the {b_text} "
        f"KA public key ({said(b.publics)}) or a KA private key for {b_text} "
        f"({said(b.privates)}) with the {a_text} KA public key ({said(a_public)})"
    )


# --- encrypted content: where it is ----------------------------------------------------------


@attrs.frozen
class EncryptedBlock:
    """One encrypted block in a message's payload.

    ``offset`` is where the block (its ``31`` security control) starts in the message's
    encoded octets, ``block`` the octets (security header, ciphertext, tag) and ``where`` a
    field description (``DLMS data[0]``, ``GBZ component 1``); ``kind`` is ``"dlms"`` (the
    plaintext is an A-XDR Data value) or ``"gbz"`` (a ZigBee ZCL payload).
    """

    offset: int
    block: bytes = attrs.field(repr=False)
    where: str
    kind: str


def _dlms_blocks(value: Data, base: int, where: str) -> Iterator[tuple[int, bytes, str]]:
    """Protected-data pairs: protection parameters, then an OctetString opening with 0x31.

    The parameters are a Structure or Array followed by an OctetString that starts with the
    encrypted security control (as GBCS's get-protected-attributes
    response and the ECS68 alert lay them out, per gbcs-parser ``src/dlms.ts``).
    """
    if isinstance(value, Structure | Array):
        items = value.items
        for i, item in enumerate(items):
            if (
                isinstance(item, OctetString)
                and i > 0
                and isinstance(items[i - 1], Structure | Array)
                and item.value[:1] == bytes((ENCRYPTED_SECURITY_CONTROL,))
                and len(item.value) >= _BLOCK_HEADER + TAG_LENGTH
                and item.offset is not None
            ):
                header = len(item.encode()) - len(item.value)
                yield base + item.offset + header, item.value, f"{where}[{i}]"
            else:
                yield from _dlms_blocks(item, base, f"{where}[{i}]")


def _gbz_blocks(content: bytes, base: int, *, alert: bool) -> Iterator[tuple[int, bytes, str]]:
    """Encrypted GBZ components (control field bit 0x02).

    As laid out in gbcs-parser ``src/zigbee.ts``: control (1), cluster (2), length (2), then
    additional header control and frame counter, ZCL frame control, sequence number and
    command id, the ciphered length (2), then the block. An alert carries its alert code (2)
    and time stamp (4) first.
    """
    count = content[2]
    pos = 3 + (6 if alert else 0)
    for index in range(1, count + 1):
        if pos + 5 > len(content):
            return
        control = content[pos]
        length = int.from_bytes(content[pos + 3 : pos + 5], "big")
        body_at = pos + 5
        if body_at + length > len(content):
            return
        if control & 0x02 and length >= 7:
            ciphered = int.from_bytes(content[body_at + 5 : body_at + 7], "big")
            start = body_at + 7
            if ciphered >= _BLOCK_HEADER + TAG_LENGTH and start + ciphered <= body_at + length:
                yield base + start, content[start : start + ciphered], f"GBZ component {index}"
        pos = body_at + length


def encrypted_blocks(message: GbcsMessage) -> tuple[EncryptedBlock, ...]:
    """The encrypted blocks in ``message``'s payload (empty when none is found).

    Looked for in a DLMS ACCESS response (``DA``), a DLMS data-notification (``0F``, alerts)
    and a GBZ payload (``01 09``). A payload that does not decode has no blocks found here (the
    payload decoders report it).
    """
    content = message.content
    if content[:2] != b"\x01\x09" and _DLMS_BLOCK.search(content) is None:
        return ()  # no octet string opens with the encrypted security control
    base = message.content_offset
    found: list[tuple[int, bytes, str]] = []
    kind = "dlms"
    try:
        if content[:2] == b"\x01\x09" and len(content) > 3:
            kind = "gbz"
            alert = message.cra_flag is CraFlag.ALERT
            if not alert or message.message_code == 0x008B:  # GCS53 carries a component
                found = list(_gbz_blocks(content, base, alert=alert))
        elif content[:1] == b"\xda":
            response = decode_access(content)
            if isinstance(response, AccessResponse):
                found = list(_dlms_blocks(Structure(response.data, offset=0), base, "DLMS data"))
        elif content[:1] == b"\x0f" and len(content) > 6:
            # 0F, long-invoke-id-and-priority (4), date-time (00 when absent), then one Data.
            at = 6 if content[5] == 0 else 6 + content[5]
            body = decode_data(content[at:])
            found = list(_dlms_blocks(Structure((body,), offset=0), base + at, "notification"))
            found = [(o, b, w.replace("notification[0]", "notification", 1)) for o, b, w in found]
    except (DecodeError, IndexError):
        return ()
    return tuple(EncryptedBlock(o, b, w, kind) for o, b, w in found)


# --- decryption ----------------------------------------------------------------------------


@attrs.frozen
class Decryption:
    """The outcome of decrypting one block: ``plaintext`` only when GCM authenticated it."""

    block: EncryptedBlock
    plaintext: bytes | None = attrs.field(repr=False)
    pair: KeyPair | None


def encryption_info(message: GbcsMessage) -> tuple[bytes, Eui64]:
    """The OtherInfo for ``message``'s encrypted content, and the party it is addressed to."""
    counter = message.supplementary_originator_counter
    if counter is None:
        counter = message.counter
    recipient = message.supplementary_remote_party_id or message.recipient
    return other_info(message.originator, ENCRYPTION_MODE, counter, recipient), recipient


# --- building -------------------------------------------------------------------------------


def _private(key: ec.EllipticCurvePrivateKey | bytes | str) -> ec.EllipticCurvePrivateKey:
    return key if isinstance(key, ec.EllipticCurvePrivateKey) else load_private_key(key)


def _public(
    key: ec.EllipticCurvePublicKey | x509.Certificate | bytes | str,
) -> ec.EllipticCurvePublicKey:
    return key if isinstance(key, ec.EllipticCurvePublicKey) else load_public_key(key)


def add_mac(
    message: GbcsMessage,
    private_key: ec.EllipticCurvePrivateKey | bytes | str,
    peer: ec.EllipticCurvePublicKey | x509.Certificate | bytes | str,
    *,
    invocation_counter: int | None = None,
) -> GbcsMessage:
    """``message`` in the MAC'd shape with the MAC computed (for test harnesses).

    ``private_key`` is the MAC'ing side's Key Agreement private key: the Access Control
    Broker's for a Command, the originator's for a Response or Alert (or the recipient's: the
    shared secret is symmetric). ``peer`` is the other side's KA public key or certificate.
    A bare APDU is wrapped (a pre-command gains a zero signature length); an existing MAC is
    replaced. ``invocation_counter`` overrides the message's (0 unless set).
    """
    if not isinstance(message, GbcsMessage):
        raise InvalidValueError(f"message must be a GbcsMessage, not {type(message).__name__}")
    private, public = _private(private_key), _public(peer)
    shaped = attrs.evolve(
        message,
        shape=MessageShape.MACD,
        mac=bytes(TAG_LENGTH),
        invocation_counter=(
            message.invocation_counter if invocation_counter is None else invocation_counter
        ),
    )
    info = other_info(shaped.originator, int(shaped.cra_flag), shaped.counter, shaped.recipient)
    key = derive_key(private, public, info)
    mac = compute_mac(key, shaped.originator, mac_aad(shaped))
    return attrs.evolve(shaped, mac=mac)


def encrypt_for(
    plaintext: bytes,
    *,
    originator: Eui64 | bytes | str,
    counter: int,
    recipient: Eui64 | bytes | str,
    private_key: ec.EllipticCurvePrivateKey | bytes | str,
    peer: ec.EllipticCurvePublicKey | x509.Certificate | bytes | str,
) -> bytes:
    """An encrypted block for a payload (for test harnesses): ``31 00000000 || ct || tag``.

    ``counter`` and ``recipient`` are what the message will carry as the (supplementary)
    originator counter and the (supplementary) remote-party id or recipient; ``private_key``
    and ``peer`` are the two parties' KA keys (either way round).
    """
    orig = Eui64.parse(normalise_eui(originator))
    recip = Eui64.parse(normalise_eui(recipient))
    info = other_info(orig, ENCRYPTION_MODE, counter, recip)
    key = derive_key(_private(private_key), _public(peer), info)
    return encrypt_block(plaintext, key, orig)


def same_mac(expected: bytes, received: bytes) -> bool:
    """Constant-time comparison of two MACs."""
    return hmac.compare_digest(expected, received)


# --- verdicts (the rules gbcs.mac, gbcs.security_header, gbcs.decrypt in verification.py) ------


def _eui_list(euis: Sequence[str]) -> str:
    return "/".join(e.upper() for e in euis)


def mac_verdict(
    message: GbcsMessage, keystore: KeyStore | None, acb: Eui64 | None = None
) -> Verdict:
    """The ``gbcs.mac`` verdict: PASS, FAIL (why), INDETERMINATE (which key is missing).

    A Command from a Remote Party is MAC'd by the Access Control Broker: ``acb`` when given,
    else every EUI whose KA certificate in the store carries role ``04``. A Command whose
    originator the store knows as a Device (device-to-device, as PCS01), a Response and an
    Alert are MAC'd with the originator's and the recipient's KA keys.
    """
    if message.shape is not MessageShape.MACD or message.mac is None:
        return Verdict(Outcome.NOT_APPLICABLE, "no MAC: a bare General Signing APDU")
    at = len(message.encoded) - TAG_LENGTH
    if keystore is None:
        return Verdict(
            Outcome.INDETERMINATE,
            "MAC not checked: no key store was given (pass keystore= in Python, --keystore on "
            "the command line)",
            path="mac",
            offset=at,
        )
    recipient = message.recipient.octets.hex()
    originator = message.originator.octets.hex()
    if message.cra_flag is CraFlag.COMMAND and not keystore.key_agreement(originator).device:
        if acb is not None:
            side_a: tuple[str, ...] = (acb.octets.hex(),)
            how = f"ACB {acb.hex} (given)"
        else:
            side_a = keystore.role_euis(ACB_ROLE)
            how = f"ACB {_eui_list(side_a)} (role 04 in the key store)"
            if not side_a:
                return Verdict(
                    Outcome.INDETERMINATE,
                    "MAC not checked: a command's MAC is keyed by the Access Control Broker, and "
                    "no ACB was given (acb=, --acb EUI) nor found in the key store (a Key "
                    "Agreement certificate with role 04)",
                    path="mac",
                    offset=at,
                )
        names = ("ACB", "recipient")
    else:
        side_a = (originator,)
        how = f"originator {message.originator.hex}"
        names = ("originator", "recipient")
    pairs = key_pairs(keystore, side_a, recipient)
    if not pairs:
        return Verdict(
            Outcome.INDETERMINATE,
            f"MAC not checked: no key pair for {how} and recipient {message.recipient.hex}: "
            + missing_keys(keystore, side_a, recipient, names),
            path="mac",
            offset=at,
        )
    info = other_info(message.originator, int(message.cra_flag), message.counter, message.recipient)
    aad = mac_aad(message)
    for pair in pairs:
        key = derive_key(pair.private, pair.public.public_key, info)
        if same_mac(compute_mac(key, message.originator, aad), message.mac):
            return Verdict(
                Outcome.PASS,
                f"MAC verifies with {how}: {pair.describe()}",
                path="mac",
                offset=at,
            )
    tried = "; ".join(p.describe() for p in pairs[:4]) + ("; ..." if len(pairs) > 4 else "")
    return Verdict(
        Outcome.FAIL,
        f"MAC does not verify over the security header and APDU (offsets "
        f"{security_header_offset(message)}-{at - 1}) with {how} and "
        f"recipient {message.recipient.hex}: {len(pairs)} key pair(s) tried ({tried}); the "
        "message was changed after it was MAC'd, or was MAC'd with other keys",
        path="mac",
        offset=at,
    )


def security_header_verdicts(message: GbcsMessage) -> list[Verdict]:
    """The ``gbcs.security_header`` verdicts: security control 0x11, invocation counter 0.

    One PASS when both conform; otherwise one FAIL for each octet group that does not.
    """
    if message.shape is not MessageShape.MACD:
        return [Verdict(Outcome.NOT_APPLICABLE, "no MAC header: a bare General Signing APDU")]
    control_at = security_header_offset(message)
    control = message.encoded[control_at]
    counter = message.invocation_counter
    if control == SECURITY_CONTROL and counter == 0:
        return [
            Verdict(
                Outcome.PASS,
                "security header 11 00000000: security control 0x11 (authenticated, not "
                "encrypted), invocation counter 0",
                path="mac_header.security_control",
                offset=control_at,
            )
        ]
    out: list[Verdict] = []
    if control != SECURITY_CONTROL:
        out.append(
            Verdict(
                Outcome.FAIL,
                f"security control 0x{control:02X}; a MAC'd GBCS message carries 0x11",
                path="mac_header.security_control",
                offset=control_at,
            )
        )
    if counter != 0:
        out.append(
            Verdict(
                Outcome.FAIL,
                f"invocation counter {counter}; GBCS messages carry 0 (the IV is the originator "
                "system title and four zero octets; inferred)",
                path="mac_header.invocation_counter",
                offset=control_at + 1,
            )
        )
    return out


def decrypt_content(message: GbcsMessage, keystore: KeyStore) -> list[Decryption]:
    """Decrypt every encrypted block of ``message`` with the key store's KA keys.

    The key pair is the addressee's (supplementary remote party, else recipient) and the
    originator's KA keys, whichever side has a private key. A block whose tag no pair verifies
    has ``plaintext`` None; ``pair`` None means no pair could be formed.
    """
    return list(EncryptedContent(message).decrypt(keystore))


class EncryptedContent:
    """One message's encrypted blocks, found once, and their decryption, done once per key store.

    ``check`` hands one to both rules that read the blocks (``gbcs.content`` decodes their
    plaintext, ``gbcs.decrypt`` reports on each), so a message's payload is searched and its
    blocks decrypted once: :attr:`blocks` is :func:`encrypted_blocks` and :meth:`decrypt` what
    :func:`decrypt_content` returns. The blocks and plaintexts stay with the message; no key is
    kept.
    """

    __slots__ = ("_blocks", "_decrypted", "message")

    def __init__(self, message: GbcsMessage) -> None:
        self.message = message
        self._blocks: tuple[EncryptedBlock, ...] | None = None
        self._decrypted: tuple[KeyStore, tuple[Decryption, ...]] | None = None

    @property
    def blocks(self) -> tuple[EncryptedBlock, ...]:
        """The encrypted blocks of the payload (:func:`encrypted_blocks`), found once."""
        if self._blocks is None:
            self._blocks = encrypted_blocks(self.message)
        return self._blocks

    def decrypt(self, keystore: KeyStore) -> tuple[Decryption, ...]:
        """Every block decrypted with ``keystore`` (as :func:`decrypt_content`), done once."""
        done = self._decrypted
        if done is not None and done[0] is keystore:
            return done[1]
        decrypted = tuple(_decrypt(self.message, keystore, self.blocks))
        self._decrypted = (keystore, decrypted)
        return decrypted


def _decrypt(
    message: GbcsMessage, keystore: KeyStore, blocks: tuple[EncryptedBlock, ...]
) -> list[Decryption]:
    if not blocks:
        return []
    info, addressee = encryption_info(message)
    pairs = key_pairs(keystore, (message.originator.octets.hex(),), addressee.octets.hex())
    keys = [(pair, derive_key(pair.private, pair.public.public_key, info)) for pair in pairs]
    out: list[Decryption] = []
    for block in blocks:
        result = Decryption(block, None, None)
        for pair, key in keys:
            plaintext = decrypt_block(block.block, key, message.originator)
            if plaintext is not None:
                result = Decryption(block, plaintext, pair)
                break
        else:
            if keys:
                result = Decryption(block, None, keys[0][0])
        out.append(result)
    return out


def _describe_plaintext(block: EncryptedBlock, plaintext: bytes) -> tuple[bool, str]:
    if block.kind == "gbz":
        return True, f"{len(plaintext)} octet(s) of ZigBee ZCL payload (decoded under gbcs.content)"
    try:
        value = decode_data(plaintext)
    except DecodeError as exc:
        return False, f"{len(plaintext)} octet(s) that do not decode as A-XDR Data ({exc})"
    return True, f"{len(plaintext)} octet(s), A-XDR Data: {value.type_name}"


def decrypt_verdicts(
    message: GbcsMessage, keystore: KeyStore | None, encrypted: EncryptedContent | None = None
) -> list[Verdict]:
    """The ``gbcs.decrypt`` verdicts, one per encrypted block (NOT_APPLICABLE when none).

    ``encrypted`` is ``message``'s blocks already found (and perhaps decrypted), if any.
    """
    content = EncryptedContent(message) if encrypted is None else encrypted
    blocks = content.blocks
    if not blocks:
        return [Verdict(Outcome.NOT_APPLICABLE, "no encrypted content found in the payload")]
    if keystore is None:
        return [
            Verdict(
                Outcome.INDETERMINATE,
                f"{b.where}: encrypted content not decrypted: no key store was given",
                path="apdu.content",
                offset=b.offset,
            )
            for b in blocks
        ]
    _, addressee = encryption_info(message)
    out: list[Verdict] = []
    for result in content.decrypt(keystore):
        block = result.block
        if result.pair is None:
            why = missing_keys(
                keystore,
                (message.originator.octets.hex(),),
                addressee.octets.hex(),
                ("originator", "addressee"),
            )
            out.append(
                Verdict(
                    Outcome.INDETERMINATE,
                    f"{block.where}: encrypted content not decrypted: no key pair for "
                    f"originator {message.originator.hex} and addressee {addressee.hex}: {why}",
                    path="apdu.content",
                    offset=block.offset,
                )
            )
        elif result.plaintext is None:
            out.append(
                Verdict(
                    Outcome.FAIL,
                    f"{block.where}: GCM authentication fails ({len(block.block)} octets at "
                    f"offset {block.offset}) with {result.pair.describe()}: the ciphertext or "
                    "its tag was changed, or it was encrypted with other keys",
                    path="apdu.content",
                    offset=block.offset,
                )
            )
        else:
            decodes, what = _describe_plaintext(block, result.plaintext)
            out.append(
                Verdict(
                    Outcome.PASS if decodes else Outcome.FAIL,
                    f"{block.where}: decrypted and authenticated with "
                    f"{result.pair.describe()}: {what}",
                    path="apdu.content",
                    offset=block.offset,
                )
            )
    return out
