"""Key stores: where the public (and test private) keys of GBCS parties are looked up.

A GBCS signature is checked with the Digital Signature (``-ds``) key of the originator system
title; Key Agreement (``-ka``) keys serve only ECDH for the MAC. Stores index keys by
certificate *content*:

* Remote-party certificates (issuer ``OU=07, CN=Z1`` in the test PKI) carry the EUI in the
  subject's ``x500UniqueIdentifier`` and the remote-party role code as two hex digits in the
  subject's OU.
* Device certificates have an empty subject; the EUI is the serial number of a
  ``hardwareModuleName`` otherName (RFC 4108) in subjectAltName.
* The key usage comes from the certificate's KeyUsage extension, and only from it: a
  certificate whose KeyUsage is digitalSignature (and not keyAgreement) verifies signatures, one
  whose KeyUsage is keyAgreement (and not digitalSignature) serves key agreement. A certificate
  with no KeyUsage, with both or with neither is a warning finding and is not used. A bare
  public key (SubjectPublicKeyInfo, no certificate) never verifies signatures: in a ``-ds`` file
  it is a warning and is not used; in a ``-ka`` file it is indexed for key agreement only, with
  a warning (GBCS 18.4's Device A key is published that way).

One EUI may have several Digital Signature certificates (certificate generations, as the DCC
Boxed store's Z1 and Z1b): all are kept, any one verifying suffices, and the verification
finding names the one that verified (file or entry name, and its serial).

Two stores are read from files: :class:`DirectoryKeyStore` (the
``<eui16hex>[-pp]-{ds|ka}.{pem|key}`` layout of the RTDS test key store) and
:class:`DccBoxedKeyStore` (the DCC Boxed ``keystore.json`` schema). :func:`open_keystore` picks
one by path. A path is a ``str`` or an ``os.PathLike``. Any file or entry that cannot be used,
for whatever reason pyca/cryptography gives (a malformed or duplicated extension, an unsupported
name type, another curve...), becomes a warning finding in ``store.findings`` naming the file or
JSON entry and the reason; the rest of the store loads.
Every read is bounded (1 MiB per key file, 32 MiB for ``keystore.json``) whatever the file is;
in a key-store directory anything but a regular file (a FIFO, a device) is skipped with a
warning without being read.

Certificate validity is checked only at a time the caller names (``at=``, a timezone-aware
:class:`~datetime.datetime`; never the wall clock): a certificate is valid from its notBefore
through its notAfter, both inclusive (RFC 5280 4.1.2.5). Without ``at`` no validity is checked.

Stores are safe to share between threads: loading happens in the constructor, and the lookups
(and :meth:`MemoryKeyStore.add_key`) take a lock around the index and its signer cache.

The published RTDS and DCC Boxed private keys are test-only keys. Nothing here ships or defaults
to any key: stores read only the path the caller names.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
import os
import re
import stat
import threading
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final, NamedTuple

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from secrules.core.citations import cite
from secrules.core.files import read_at_most
from secrules.core.findings import Finding, Outcome
from secrules.core.validation import path_text
from secrules.errors import (
    DataFileError,
    InvalidValueError,
    KeyMismatchError,
    KeyNotFoundError,
    SecrulesError,
    UnsupportedKeyError,
)
from secrules.gbcs.ecdsa import (
    _PYCA_ERRORS,
    load_private_key,
    public_key_to_raw,
)
from secrules.gbcs.types import Eui64

__all__ = [
    "GBCS_SIGNER_ROLES",
    "ROLE_NAMES",
    "XML_SIGNING_ROLES",
    "CertificateValidity",
    "DccBoxedKeyStore",
    "DirectoryKeyStore",
    "KeyAgreementParty",
    "KeyEntry",
    "KeyStore",
    "KeyUsage",
    "MemoryKeyStore",
    "cached_keystore",
    "clear_keystore_cache",
    "normalise_eui",
    "open_keystore",
    "validity_time",
]

#: Remote-party role codes (certificate subject OU, hex) and the names the DCC Boxed key store
#: gives them (SmartDCCInnovation/dccboxed-keystore ``keystore.json``; inferred for 08).
ROLE_NAMES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0x01: "Recovery",
        0x02: "Supplier",
        0x03: "Network Operator",
        0x04: "Access Control Broker",
        0x05: "Transitional CoS",
        0x06: "WAN Provider",
        0x07: "Issuing CA (test PKI)",
        0x08: "Load Controller",
        0x7F: "Other User",
        0x87: "DUIS XML signing",
        0x89: "DSP DUIS XML signing",
    }
)
#: Role codes of DUIS XML-signing keys (DCC Boxed store): never GBCS message signers.
XML_SIGNING_ROLES: Final = frozenset({0x87, 0x89})
#: Role codes that sign GBCS Remote Party Messages (the 8 remote-party roles of the spec).
GBCS_SIGNER_ROLES: Final = frozenset({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x7F})

_HARDWARE_MODULE_NAME: Final = x509.ObjectIdentifier("1.3.6.1.5.5.7.8.4")
_NORMAL_EUI = re.compile(r"[0-9a-f]{16}")
_FILE_NAME = re.compile(r"^([0-9a-fA-F]{16})(-pp)?-(ds|ka)\.(pem|key)$")
_MAX_FILE: Final = 1 << 20
_MAX_JSON: Final = 32 << 20
_MAX_REASON: Final = 300

#: Every exception pyca raises for a certificate or key it cannot load or interpret (see
#: ecdsa._PYCA_ERRORS): caught once per file or entry, in :func:`_read_certificate`.
_LOAD_ERRORS: Final = _PYCA_ERRORS

_STORE_CLAUSE = cite("gbcs.4.3.3.key-lookup")


class KeyUsage(enum.StrEnum):
    """What a key is for (X.509 KeyUsage; spelled as in the DCC Boxed ``keystore.json``)."""

    DIGITAL_SIGNATURE = "digitalSignature"
    KEY_AGREEMENT = "keyAgreement"

    @property
    def suffix(self) -> str:
        """The file-name suffix in the RTDS layout (``ds`` or ``ka``)."""
        return "ds" if self is KeyUsage.DIGITAL_SIGNATURE else "ka"

    @classmethod
    def parse(cls, text: str | KeyUsage) -> KeyUsage:
        """``digitalSignature``/``ds`` or ``keyAgreement``/``ka``."""
        if isinstance(text, KeyUsage):
            return text
        if not isinstance(text, str):
            raise InvalidValueError(
                f"usage must be a KeyUsage or text (ds/ka), not {type(text).__name__}"
            )
        value = text.strip()
        for usage in cls:
            if value in (usage.value, usage.suffix):
                return usage
        raise InvalidValueError(f"unknown key usage {text[:40]!r}; expected ds/ka")


class CertificateValidity(enum.StrEnum):
    """A key's certificate at a given time (RFC 5280 4.1.2.5: notBefore through notAfter)."""

    VALID = "valid"
    NOT_YET_VALID = "not yet valid"
    EXPIRED = "expired"
    #: A bare key (no certificate): its validity cannot be checked.
    UNKNOWN = "unknown"


def validity_time(at: object, name: str = "at") -> dt.datetime | None:
    """``at`` if it is None or a timezone-aware datetime; InvalidValueError naming ``name``.

    A naive datetime is refused: certificate times are UTC, and secrules never guesses a zone.
    """
    if at is None:
        return None
    if not isinstance(at, dt.datetime):
        raise InvalidValueError(
            f"{name} must be a timezone-aware datetime or None, not {type(at).__name__}"
        )
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValueError(
            f"{name} must be timezone-aware (e.g. datetime(2025, 1, 1, tzinfo=UTC)), not naive "
            f"{at.isoformat()}"
        )
    return at


def normalise_eui(eui: Eui64 | bytes | str) -> str:
    """The 16 lower-case hex digits of an EUI-64 given as Eui64, 8 octets or text."""
    if isinstance(eui, Eui64):
        return eui.octets.hex()
    if isinstance(eui, bytes | bytearray):
        if len(eui) != 8:
            raise InvalidValueError(f"an EUI-64 is 8 octets, not {len(eui)}")
        return bytes(eui).hex()
    if isinstance(eui, str):
        if _NORMAL_EUI.fullmatch(eui):  # already normal: the hot path of every lookup
            return eui
        return Eui64.parse(eui).octets.hex()
    raise InvalidValueError(f"eui must be an Eui64, bytes or text, not {type(eui).__name__}")


def _role_argument(role: object) -> int | None:
    if role is None:
        return None
    if not isinstance(role, int) or isinstance(role, bool):
        raise InvalidValueError(f"role must be an int or None, not {type(role).__name__}")
    if not 0 <= role <= 0xFF:
        raise InvalidValueError(f"role must be a one-octet code 0-255, not {role}")
    return role


@attrs.frozen
class KeyEntry:
    """One public key in a store, with what its certificate (or the store) says about it.

    ``role`` is the remote-party role code (``None`` for a device or when unknown);
    ``device`` is True for device certificates (hardwareModuleName EUI). ``name`` is the file
    name or the DCC Boxed entry name; ``source`` where it was read. ``tag`` is ``"pp"`` for the
    supplier's second KA credential (``-pp`` files, ``supplierPP`` entries), else ``""``.
    """

    eui: str
    usage: KeyUsage
    public_key: ec.EllipticCurvePublicKey = attrs.field(eq=False, repr=False)
    name: str
    source: str
    serial: int | None = None
    role: int | None = None
    device: bool = False
    tag: str = ""
    certificate: x509.Certificate | None = attrs.field(default=None, eq=False, repr=False)
    private_key: ec.EllipticCurvePrivateKey | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def role_name(self) -> str:
        """``"Device"``, the role's name, ``"role 0xNN"`` or ``"unknown role"``."""
        if self.device:
            return "Device"
        if self.role is None:
            return "unknown role"
        return ROLE_NAMES.get(self.role, f"role 0x{self.role:02X}")

    @property
    def is_gbcs_signer(self) -> bool:
        """False for DUIS XML-signing keys, which never sign GBCS messages."""
        return self.role not in XML_SIGNING_ROLES

    def describe(self) -> str:
        """``90b3d51f30010000-ds.pem (Supplier, serial 0x4FBC...)``.

        Without a certificate serial, the first 8 hex digits of the SHA-256 of the raw key
        (``key 1a2b3c4d``) tell apart several keys of one EUI.
        """
        return self.description

    @functools.cached_property
    def description(self) -> str:
        """What :meth:`describe` returns, computed once (verification names the key it used)."""
        if self.serial is not None:
            which = f"serial 0x{self.serial:X}"
        else:
            digest = hashlib.sha256(public_key_to_raw(self.public_key)).hexdigest()
            which = f"key {digest[:8]}"
        return f"{self.name} ({self.role_name}, {which})"

    def validity(self, at: dt.datetime) -> CertificateValidity:
        """This key's certificate at ``at`` (timezone-aware): notBefore <= at <= notAfter is VALID.

        Both bounds are inclusive (RFC 5280 4.1.2.5); UNKNOWN for a key with no certificate.
        """
        when = validity_time(at)
        if when is None:
            raise InvalidValueError("at must be a timezone-aware datetime, not None")
        cert = self.certificate
        if cert is None:
            return CertificateValidity.UNKNOWN
        if when < cert.not_valid_before_utc:
            return CertificateValidity.NOT_YET_VALID
        if when > cert.not_valid_after_utc:
            return CertificateValidity.EXPIRED
        return CertificateValidity.VALID

    def validity_problem(self, at: dt.datetime) -> str | None:
        """None when the certificate is valid at ``at``; else why not, in words."""
        state = self.validity(at)
        cert = self.certificate
        if state is CertificateValidity.VALID:
            return None
        if cert is None:
            return f"{self.describe()} has no certificate: validity at {at.isoformat()} unknown"
        if state is CertificateValidity.EXPIRED:
            return (
                f"the certificate {self.describe()} expired: notAfter "
                f"{cert.not_valid_after_utc.isoformat()} is before {at.isoformat()}"
            )
        return (
            f"the certificate {self.describe()} is not yet valid: notBefore "
            f"{cert.not_valid_before_utc.isoformat()} is after {at.isoformat()}"
        )


class KeyAgreementParty(NamedTuple):
    """One EUI's key-agreement material in a store (see :meth:`KeyStore.key_agreement`)."""

    publics: tuple[KeyEntry, ...]
    privates: tuple[tuple[str, ec.EllipticCurvePrivateKey], ...]
    device: bool


def _warning(message: str, source: str) -> Finding:
    return Finding(
        rule_id="gbcs.keystore",
        outcome=Outcome.FAIL,
        message=message,
        clauses=(_STORE_CLAUSE,),
        path=source,
        label="warning",
    )


def _reason(exc: BaseException) -> str:
    """One line saying why pyca (or secrules) refused a certificate or key."""
    text = " ".join(str(exc).split()) or "no detail given"
    if not isinstance(exc, SecrulesError) and type(exc) is not ValueError:
        text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."


class KeyStore:
    """A read-only index of keys by (EUI, key usage); subclasses fill it when constructed.

    Lookups raise :class:`KeyNotFoundError` when nothing matches. ``findings`` holds the
    warnings met while loading (rule id ``gbcs.keystore``, label ``warning``). Lookups are
    thread-safe: the index and the signer cache change only under the store's lock.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self._lock = threading.RLock()
        self._index: dict[tuple[str, KeyUsage], list[KeyEntry]] = {}
        # signing_keys() results by EUI: verify_message asks once per message. Filled and
        # cleared only under the lock, so a fill can never outlive the _add that cleared it.
        self._signers: dict[str, tuple[KeyEntry, ...]] = {}
        # The same by the originator's 8 octets as a GBCS message carries them (the lean
        # signature path of verify_message); filled and cleared like _signers.
        self._signers_by_octets: dict[bytes, tuple[KeyEntry, ...]] = {}
        self._roles: dict[tuple[int | None, KeyUsage], tuple[str, ...]] = {}
        self._parties: dict[str, KeyAgreementParty] = {}
        self._private: dict[tuple[str, KeyUsage], list[tuple[str, ec.EllipticCurvePrivateKey]]]
        self._private = {}
        self._findings: list[Finding] = []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r}, {len(self)} keys)"

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._index.values())

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Warnings met while loading (bad files, names that disagree with certificates)."""
        with self._lock:
            return tuple(self._findings)

    def entries(self) -> tuple[KeyEntry, ...]:
        """Every public-key entry, in load order per (EUI, usage)."""
        with self._lock:
            return tuple(e for group in self._index.values() for e in group)

    def _add(self, entry: KeyEntry) -> None:
        raw = public_key_to_raw(entry.public_key)
        with self._lock:
            self._signers.clear()
            self._signers_by_octets.clear()
            self._roles.clear()
            self._parties.clear()
            group = self._index.setdefault((entry.eui, entry.usage), [])
            for i, existing in enumerate(group):
                if (
                    public_key_to_raw(existing.public_key) == raw
                    and existing.serial == entry.serial
                ):
                    # The same certificate under two names: index it once, preferring the name
                    # that agrees with its content.
                    if entry.name.lower().startswith(
                        entry.eui
                    ) and not existing.name.lower().startswith(existing.eui):
                        group[i] = entry
                    return
            group.append(entry)

    def _add_private(
        self, eui: str, usage: KeyUsage, name: str, key: ec.EllipticCurvePrivateKey
    ) -> None:
        with self._lock:
            self._private.setdefault((eui, usage), []).append((name, key))
            self._parties.clear()

    def _warn(self, message: str, source: str) -> None:
        with self._lock:
            self._findings.append(_warning(message, source))

    def _usable_certificate(
        self, name: str, data: bytes, where: str, *, filed: str, usage: KeyUsage, eui: str
    ) -> tuple[_CertFacts, KeyUsage, str] | None:
        """A certificate's facts, KeyUsage and EUI; None (and a warning) when it is not usable.

        ``filed`` says how the store filed it (``"file name says"``, ``"filed under"``) with
        ``usage`` and ``eui``; where the certificate disagrees, it is a warning and the
        certificate wins. A certificate that names no EUI keeps the filed one.
        """
        try:
            facts = _read_certificate(data)
        except UnsupportedKeyError as exc:
            self._warn(f"{name}: not a usable certificate ({exc}); skipped", where)
            return None
        for note in facts.notes:
            self._warn(f"{name}: {note}", where)
        if facts.usage is None:
            self._warn(f"{name}: certificate {facts.usage_problem}; not used", where)
            return None
        if facts.usage is not usage:
            self._warn(
                f"{name}: {filed} {usage.suffix} but the certificate's KeyUsage is "
                f"{facts.usage.value}; indexed by the certificate",
                where,
            )
        if facts.eui is None:
            self._warn(
                f"{name}: certificate names no EUI; indexed by the EUI it is filed under", where
            )
            return facts, facts.usage, eui
        if facts.eui != eui:
            self._warn(
                f"{name}: {filed} EUI {eui.upper()} but the certificate is for "
                f"{facts.eui.upper()}; indexed by the certificate",
                where,
            )
        return facts, facts.usage, facts.eui

    def public_keys(
        self,
        eui: Eui64 | bytes | str,
        *,
        usage: KeyUsage | str = KeyUsage.DIGITAL_SIGNATURE,
        role: int | None = None,
        at: dt.datetime | None = None,
    ) -> tuple[KeyEntry, ...]:
        """Every key for ``eui`` with ``usage`` (and ``role``, if given).

        With ``at`` (timezone-aware), only keys whose certificate is valid at ``at``. Raises
        KeyNotFoundError if none.
        """
        key = (normalise_eui(eui), KeyUsage.parse(usage))
        role = _role_argument(role)
        when = validity_time(at)
        with self._lock:
            found = tuple(e for e in self._index.get(key, ()) if role is None or e.role == role)
        if not found:
            role_text = "" if role is None else f" with role 0x{role:02X}"
            raise KeyNotFoundError(
                f"{self.label}: no {key[1].value} key for EUI {key[0].upper()}{role_text}"
            )
        return self._valid_at(found, when, f"{key[1].value} key for EUI {key[0].upper()}")

    def _valid_at(
        self, entries: tuple[KeyEntry, ...], at: dt.datetime | None, what: str
    ) -> tuple[KeyEntry, ...]:
        """``entries`` whose certificate is valid at ``at`` (all when ``at`` is None)."""
        if at is None:
            return entries
        valid = tuple(e for e in entries if e.validity(at) is CertificateValidity.VALID)
        if not valid:
            problems = "; ".join(str(e.validity_problem(at)) for e in entries)
            raise KeyNotFoundError(
                f"{self.label}: no {what} valid at {at.isoformat()} ({problems})"
            )
        return valid

    def public_key(
        self, eui: Eui64 | bytes | str, *, usage: KeyUsage | str = KeyUsage.DIGITAL_SIGNATURE
    ) -> ec.EllipticCurvePublicKey:
        """The first key for ``eui`` and ``usage`` (KeyNotFoundError if none)."""
        return self.public_keys(eui, usage=usage)[0].public_key

    def signing_keys(
        self, eui: Eui64 | bytes | str, *, at: dt.datetime | None = None
    ) -> tuple[KeyEntry, ...]:
        """The Digital Signature keys that may sign GBCS messages for ``eui``.

        Key Agreement keys are never returned, nor DUIS XML-signing keys (roles 0x87, 0x89).
        Several keys (certificate generations) come in load order. With ``at``
        (timezone-aware), only keys whose certificate is valid at ``at``. Raises
        KeyNotFoundError if none. The result is cached per EUI; adding a key clears the cache
        under the same lock that fills it, so concurrent callers always see every key added
        before they asked.
        """
        if at is not None:
            hexeui = normalise_eui(eui)
            return self._valid_at(
                self.signing_keys(eui),
                validity_time(at),
                f"{KeyUsage.DIGITAL_SIGNATURE.value} key for EUI {hexeui.upper()}",
            )
        hexeui = normalise_eui(eui)
        cached = self._signers.get(hexeui)
        if cached is not None:
            return cached
        with self._lock:
            every = self._index.get((hexeui, KeyUsage.DIGITAL_SIGNATURE), ())
            found = tuple(e for e in every if e.is_gbcs_signer)
            if found:
                self._signers[hexeui] = found
                return found
        if not every:
            raise KeyNotFoundError(
                f"{self.label}: no {KeyUsage.DIGITAL_SIGNATURE.value} key for EUI {hexeui.upper()}"
            )
        raise KeyNotFoundError(f"{self.label}: EUI {hexeui.upper()} has only XML-signing DS keys")

    def signers_of_octets(self, originator: bytes) -> tuple[KeyEntry, ...] | None:
        """:meth:`signing_keys` for 8 EUI octets, or None where it would raise.

        The lookup of verify_message's hot path: one dictionary read once an EUI has been
        asked for (the result is cached per EUI as :meth:`signing_keys` caches it; an EUI
        without keys is not remembered).
        """
        found = self._signers_by_octets.get(originator)
        if found is None:
            with self._lock:
                try:
                    found = self.signing_keys(bytes(originator))
                except (KeyNotFoundError, InvalidValueError):
                    return None
                self._signers_by_octets[bytes(originator)] = found
        return found

    def private_key(
        self, eui: Eui64 | bytes | str, *, usage: KeyUsage | str = KeyUsage.DIGITAL_SIGNATURE
    ) -> ec.EllipticCurvePrivateKey:
        """The (test) private key for ``eui`` and ``usage``; KeyNotFoundError if none."""
        key = (normalise_eui(eui), KeyUsage.parse(usage))
        with self._lock:
            found = self._private.get(key)
            first = found[0][1] if found else None
        if first is None:
            raise KeyNotFoundError(
                f"{self.label}: no {key[1].value} private key for EUI {key[0].upper()}"
            )
        return first

    def entries_for(
        self, key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey
    ) -> tuple[KeyEntry, ...]:
        """Every entry (any EUI, any usage) whose public key is ``key`` (or its public half)."""
        if isinstance(key, ec.EllipticCurvePrivateKey):
            key = key.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise InvalidValueError(f"key must be an EC key, not {type(key).__name__}")
        raw = public_key_to_raw(key)
        return tuple(e for e in self.entries() if public_key_to_raw(e.public_key) == raw)

    def signing_entry(
        self,
        eui: Eui64 | bytes | str,
        key: ec.EllipticCurvePrivateKey,
        *,
        at: dt.datetime | None = None,
    ) -> KeyEntry:
        """The Digital Signature entry of ``eui`` whose public key is ``key``'s (for signing).

        Raises :class:`KeyMismatchError` saying which key was expected when ``key`` is a Key
        Agreement key, another party's key or a key the store does not hold, and (with ``at``,
        timezone-aware) when its certificate is not valid at ``at`` or it has no certificate.
        """
        hexeui = normalise_eui(eui).upper()
        when = validity_time(at)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise InvalidValueError(f"key must be an EC private key, not {type(key).__name__}")
        matches = self.entries_for(key)
        expected = f"signing needs the Digital Signature key of originator {hexeui}"
        mine = [
            e
            for e in matches
            if e.eui.upper() == hexeui
            and e.usage is KeyUsage.DIGITAL_SIGNATURE
            and e.is_gbcs_signer
        ]
        if mine:
            if when is None:
                return mine[0]
            for entry in mine:
                if entry.validity(when) is CertificateValidity.VALID:
                    return entry
            problems = "; ".join(str(e.validity_problem(when)) for e in mine)
            raise KeyMismatchError(
                f"the Digital Signature key of originator {hexeui} is not usable at "
                f"{when.isoformat()}: {problems}"
            )
        for entry in matches:
            owner = entry.eui.upper()
            if entry.usage is KeyUsage.KEY_AGREEMENT:
                if owner == hexeui:
                    why = (
                        f"that is the Key Agreement key of {owner}; signing needs its Digital "
                        "Signature key"
                    )
                else:
                    why = f"that is the Key Agreement key of {owner}; {expected}"
            elif not entry.is_gbcs_signer:
                why = f"that is a DUIS XML-signing key ({entry.describe()}); {expected}"
            else:
                why = (
                    f"that is {entry.describe()}, the Digital Signature key of {owner}, not of "
                    f"the originator; {expected}"
                )
            raise KeyMismatchError(f"private key refused: {why}")
        try:
            names = ", ".join(e.describe() for e in self.signing_keys(hexeui))
            held = f"its Digital Signature key(s) for {hexeui}: {names}"
        except KeyNotFoundError:
            held = f"it holds no Digital Signature key for {hexeui}"
        raise KeyMismatchError(
            f"private key refused: it is not in key store {self.label} ({held}); {expected}"
        )

    def private_keys(
        self, eui: Eui64 | bytes | str, usage: KeyUsage | str = KeyUsage.KEY_AGREEMENT
    ) -> tuple[tuple[str, ec.EllipticCurvePrivateKey], ...]:
        """Every (test) private key for ``eui`` and ``usage`` as (name, key), in load order.

        Empty when there is none (the MAC and decryption checks try each one in turn; the
        supplier's second KA credential, ``-pp``, is a second key of one EUI).
        """
        key = (normalise_eui(eui), KeyUsage.parse(usage))
        with self._lock:
            return tuple(self._private.get(key, ()))

    def key_agreement(self, eui: Eui64 | bytes | str) -> KeyAgreementParty:
        """What the store holds for ``eui``'s key agreement, cached per EUI.

        The KA public entries, the KA private keys (name, key) and whether a certificate of the
        EUI is a device certificate: the MAC check asks for both parties of every message.
        Adding a key clears the cache.
        """
        hexeui = normalise_eui(eui)
        found = self._parties.get(hexeui)
        if found is not None:
            return found
        with self._lock:
            publics = tuple(self._index.get((hexeui, KeyUsage.KEY_AGREEMENT), ()))
            signers = self._index.get((hexeui, KeyUsage.DIGITAL_SIGNATURE), ())
            found = KeyAgreementParty(
                publics,
                tuple(self._private.get((hexeui, KeyUsage.KEY_AGREEMENT), ())),
                any(e.device for e in (*publics, *signers)),
            )
            self._parties[hexeui] = found
        return found

    def role_euis(
        self, role: int, usage: KeyUsage | str = KeyUsage.KEY_AGREEMENT
    ) -> tuple[str, ...]:
        """The EUIs (sorted) whose certificate carries remote-party ``role`` for ``usage``.

        ``role_euis(0x04)`` finds the Access Control Broker's Key Agreement certificate (role
        code OU ``04``), which keys the MAC of every command. Cached; adding a key clears it.
        """
        wanted = (_role_argument(role), KeyUsage.parse(usage))
        with self._lock:
            cached = self._roles.get(wanted)
            if cached is None:
                cached = tuple(
                    sorted(
                        {
                            e.eui
                            for (_eui, u), group in self._index.items()
                            if u is wanted[1]
                            for e in group
                            if e.role == wanted[0] and not e.device
                        }
                    )
                )
                self._roles[wanted] = cached
            return cached

    def euis(self) -> tuple[str, ...]:
        """Every EUI with at least one public key, sorted."""
        with self._lock:
            return tuple(sorted({eui for eui, _ in self._index}))


_ADD_KEY = "add_key(eui, key, *, usage=...)"


def _shown_argument(value: object) -> str:
    """``str 'ds'``: an argument's type and (short) value, for errors saying what was passed."""
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"{type(value).__name__} {shown}"


class MemoryKeyStore(KeyStore):
    """A key store built in memory from :class:`KeyEntry` records, or key by key.

    ``MemoryKeyStore(entries)`` takes KeyEntry records; ``store.add_key(eui, key, usage="ds")``
    adds one key (``usage`` is keyword-only; Digital Signature by default). Useful in tests and
    for sample signing (DP129's device-acceptance check). A bare key takes the usage its caller
    states; a :class:`KeyEntry` that carries a certificate is kept only if the certificate's
    KeyUsage is that usage (else a warning finding). Safe to use from several threads,
    :meth:`add_key` included.
    """

    def __init__(self, entries: Iterable[KeyEntry] = (), *, label: str = "memory") -> None:
        if not isinstance(label, str):
            raise InvalidValueError(f"label must be text, not {type(label).__name__}")
        items: object = entries
        if isinstance(items, str | bytes | bytearray) or not isinstance(items, Iterable):
            raise InvalidValueError(
                f"entries must be an iterable of KeyEntry, not {type(entries).__name__}"
            )
        super().__init__(label)
        for entry in entries:
            if not isinstance(entry, KeyEntry):
                raise InvalidValueError(
                    f"entries must hold KeyEntry records, not {type(entry).__name__}"
                )
            self._add_entry(entry)

    def _add_entry(self, entry: KeyEntry) -> None:
        if not isinstance(entry.public_key, ec.EllipticCurvePublicKey):
            raise InvalidValueError(
                f"{entry.name}: public_key must be an EC public key, not "
                f"{type(entry.public_key).__name__}"
            )
        entry = attrs.evolve(entry, eui=normalise_eui(entry.eui), usage=KeyUsage.parse(entry.usage))
        if entry.certificate is not None:
            try:
                facts = _read_certificate(entry.certificate)
            except UnsupportedKeyError as exc:
                self._warn(f"{entry.name}: certificate does not load ({exc}); not used", entry.name)
                return
            if facts.usage is not entry.usage:
                said = facts.usage_problem or f"has KeyUsage {facts.usage}"
                self._warn(
                    f"{entry.name}: entry says {entry.usage.value} but the certificate {said}; "
                    "not used",
                    entry.name,
                )
                return
            if public_key_to_raw(facts.public_key) != public_key_to_raw(entry.public_key):
                self._warn(f"{entry.name}: key is not the certificate's; not used", entry.name)
                return
        self._add(entry)
        if entry.private_key is not None:
            self._add_private(entry.eui, entry.usage, entry.name, entry.private_key)

    def add_key(
        self,
        eui: Eui64 | bytes | str,
        key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey,
        *,
        usage: KeyUsage | str = KeyUsage.DIGITAL_SIGNATURE,
        role: int | None = None,
        device: bool = False,
        name: str = "",
    ) -> KeyEntry:
        """Add ``key`` for ``eui`` (a private key adds its public half too); return its entry.

        ``key`` is a pyca/cryptography EC P-256 public or private key; ``usage`` is ``"ds"`` /
        ``"digitalSignature"`` (the default) or ``"ka"`` / ``"keyAgreement"``. A wrong argument
        raises :class:`InvalidValueError` (a key on another curve :class:`UnsupportedKeyError`)
        saying what was passed where. Safe to call while other threads look keys up: a lookup
        that starts after this returns sees the new key.
        """
        if isinstance(key, ec.EllipticCurvePrivateKey):
            private: ec.EllipticCurvePrivateKey | None = key
            public = key.public_key()
        elif isinstance(key, ec.EllipticCurvePublicKey):
            private, public = None, key
        else:
            raise InvalidValueError(
                f"{_ADD_KEY}: key must be an EC P-256 public or private key, got "
                f"{_shown_argument(key)}"
            )
        if not isinstance(public.curve, ec.SECP256R1):
            raise UnsupportedKeyError(
                f"{_ADD_KEY}: key must be an EC P-256 key (key stores hold P-256 keys only), "
                f"got an EC key on curve {public.curve.name}"
            )
        try:
            usage = KeyUsage.parse(usage)
        except InvalidValueError:
            raise InvalidValueError(
                f"{_ADD_KEY}: usage must be a KeyUsage or ds/ka, got {_shown_argument(usage)}"
            ) from None
        text = normalise_eui(eui)
        role = _role_argument(role)
        if not isinstance(device, bool):
            raise InvalidValueError(f"device must be a bool, not {type(device).__name__}")
        if not isinstance(name, str):
            raise InvalidValueError(f"name must be text, not {type(name).__name__}")
        entry = KeyEntry(
            eui=text,
            usage=usage,
            public_key=public,
            name=name or f"{text}-{usage.suffix}",
            source=self.label,
            role=role,
            device=device,
            private_key=private,
        )
        self._add(entry)
        if private is not None:
            self._add_private(text, usage, entry.name, private)
        return entry


# --------------------------------------------------------------------------------------------
# Reading certificates


@attrs.frozen
class _CertFacts:
    certificate: x509.Certificate
    eui: str | None
    role: int | None
    device: bool
    usage: KeyUsage | None
    usage_problem: str | None
    public_key: ec.EllipticCurvePublicKey
    serial: int
    notes: tuple[str, ...]


def _der_tlv(data: bytes, pos: int) -> tuple[int, bytes, int]:
    """One DER TLV at ``pos``: (tag, value, next position); ValueError if malformed."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if not 0 < count <= 3 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        raise ValueError("truncated DER value")
    return tag, data[pos : pos + length], pos + length


def _hardware_serial(other_name_value: bytes) -> bytes | None:
    """The hwSerialNum of an RFC 4108 HardwareModuleName, or None for another shape.

    ``HardwareModuleName ::= SEQUENCE { hwType OID, hwSerialNum OCTET STRING }``.
    """
    try:
        tag, seq, _ = _der_tlv(other_name_value, 0)
        if tag != 0x30:
            return None
        tag, _oid, pos = _der_tlv(seq, 0)
        if tag != 0x06:
            return None
        tag, serial, _ = _der_tlv(seq, pos)
    except ValueError:
        return None
    return serial if tag == 0x04 else None


def _key_usage(extensions: x509.Extensions) -> tuple[KeyUsage | None, str | None]:
    """The one usage a certificate's KeyUsage allows, or None and why not."""
    try:
        ku = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None, "has no KeyUsage extension"
    if ku.digital_signature and ku.key_agreement:
        return None, "has KeyUsage with both digitalSignature and keyAgreement"
    if ku.digital_signature:
        return KeyUsage.DIGITAL_SIGNATURE, None
    if ku.key_agreement:
        return KeyUsage.KEY_AGREEMENT, None
    return None, "has KeyUsage with neither digitalSignature nor keyAgreement"


def _cert_facts(cert: x509.Certificate, notes: tuple[str, ...]) -> _CertFacts:
    """EUI, role, usage and key of a GBCS certificate; reads every lazily parsed part."""
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise UnsupportedKeyError("certificate key is not EC P-256")
    eui: str | None = None
    role: int | None = None
    device = False
    for attribute in cert.subject:
        if attribute.oid == NameOID.X500_UNIQUE_IDENTIFIER:
            value = attribute.value
            raw = value if isinstance(value, bytes) else str(value).encode()
            # BIT STRING contents: one unused-bits octet (0), then the 8 EUI octets.
            if len(raw) == 9 and raw[0] == 0:
                eui = raw[1:].hex()
        elif attribute.oid == NameOID.ORGANIZATIONAL_UNIT_NAME:
            text = str(attribute.value)
            if re.fullmatch(r"[0-9A-Fa-f]{2}", text):
                role = int(text, 16)
    extensions = cert.extensions  # parsed here: DuplicateExtension etc. surface now
    if eui is None:
        try:
            san = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            san = None
        if san is not None:
            for general in san:
                if isinstance(general, x509.OtherName) and general.type_id == _HARDWARE_MODULE_NAME:
                    serial = _hardware_serial(general.value)
                    if serial is not None and len(serial) == 8:
                        eui, device = serial.hex(), True
                        break
    usage, problem = _key_usage(extensions)
    return _CertFacts(
        certificate=cert,
        eui=eui,
        role=role,
        device=device,
        usage=usage,
        usage_problem=problem,
        public_key=key,
        serial=cert.serial_number,
        notes=notes,
    )


def _read_certificate(data: bytes | x509.Certificate) -> _CertFacts:
    """Load (PEM or DER) and read a certificate; UnsupportedKeyError saying why not.

    Every exception pyca raises for a certificate it cannot load or interpret
    (:data:`_LOAD_ERRORS`) is caught here, at the per-file / per-entry boundary; the text of any
    pyca warning (a deprecated encoding) comes back in ``notes``.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if isinstance(data, x509.Certificate):
                cert = data
            elif b"-----BEGIN" in data:
                cert = x509.load_pem_x509_certificate(data)
            else:
                cert = x509.load_der_x509_certificate(data)
            notes = tuple(dict.fromkeys(str(w.message) for w in caught))
            return _cert_facts(cert, notes)
    except _LOAD_ERRORS as exc:
        raise UnsupportedKeyError(_reason(exc)) from None


def _read_private_key(data: bytes) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key; UnsupportedKeyError saying why not, whatever pyca raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_private_key(data)
    except _LOAD_ERRORS as exc:
        raise UnsupportedKeyError(_reason(exc)) from None


# --------------------------------------------------------------------------------------------
# Directory store (RTDS layout)


class DirectoryKeyStore(KeyStore):
    """The RTDS test key store layout: ``<eui16hex>[-pp]-{ds|ka}.{pem|key}`` in one directory.

    ``.pem`` is an X.509 certificate (or a bare SubjectPublicKeyInfo: in a ``-ka`` file it is
    indexed for key agreement by file name, with a warning; in a ``-ds`` file it is a warning
    and is not used), ``.key`` an unencrypted PKCS#8 private key. Certificates are indexed by
    their content (EUI, role, key usage); a file name that disagrees becomes a warning finding.
    Private keys are indexed under the EUI of the certificate with the same public key, else
    their file name. ``.pem``/``.key`` names that are not regular files (FIFOs, devices,
    broken links) are warnings and are never opened; files over 1 MiB are warnings.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        root = Path(path_text(path, "path"))
        super().__init__(str(root))
        try:
            is_dir = stat.S_ISDIR(root.stat().st_mode)
        except OSError:
            is_dir = False
        if not is_dir:
            raise DataFileError("key store directory not found", file=str(root))
        try:
            names = sorted(p.name for p in root.iterdir())
        except OSError as exc:
            raise DataFileError(f"cannot list key store: {exc.strerror}", file=str(root)) from None
        keys: list[tuple[str, str, KeyUsage, str, ec.EllipticCurvePrivateKey]] = []
        for name in names:
            if Path(name).suffix not in (".pem", ".key"):
                continue
            match = _FILE_NAME.match(name)
            if match is None:
                self._warn(f"{name}: name is not <eui16hex>[-pp]-{{ds|ka}}.{{pem|key}}", name)
                continue
            data = self._read(root / name, name)
            if data is None:
                continue
            name_eui = match.group(1).lower()
            tag = "pp" if match.group(2) else ""
            name_usage = KeyUsage.parse(match.group(3))
            if match.group(4) == "key":
                try:
                    private = _read_private_key(data)
                except UnsupportedKeyError as exc:
                    self._warn(f"{name}: not a usable P-256 private key ({exc})", name)
                    continue
                keys.append((name, name_eui, name_usage, tag, private))
            else:
                self._load_pem(name, data, name_eui, name_usage, tag)
        by_key = {(public_key_to_raw(e.public_key), e.usage): e.eui for e in self.entries()}
        for name, name_eui, usage, _tag, private in keys:
            owner = by_key.get((public_key_to_raw(private.public_key()), usage))
            if owner is not None and owner != name_eui:
                self._warn(
                    f"{name}: file name says EUI {name_eui.upper()} but its public key is in the "
                    f"certificate of EUI {owner.upper()}; indexed under both",
                    name,
                )
                self._add_private(owner, usage, name, private)
            self._add_private(name_eui, usage, name, private)

    def _read(self, file: Path, name: str) -> bytes | None:
        """The file's bytes, or None after a warning (not a regular file, too big, unreadable).

        ``stat`` first, so a FIFO or device is never opened; the bounded read checks again on
        the open descriptor (the entry may have changed in between).
        """
        try:
            mode = file.stat().st_mode
            if not stat.S_ISREG(mode):
                self._warn(f"{name}: not a regular file (a FIFO, device or folder); skipped", name)
                return None
            return read_at_most(str(file), _MAX_FILE, regular_only=True)
        except OSError as exc:
            self._warn(f"{name}: cannot read ({exc.strerror or exc}); skipped", name)
            return None

    def _load_pem(
        self, name: str, data: bytes, name_eui: str, name_usage: KeyUsage, tag: str
    ) -> None:
        source = str(Path(self.label) / name)
        if b"-----BEGIN PUBLIC KEY-----" in data:
            self._load_bare_key(name, data, eui=name_eui, usage=name_usage, tag=tag)
            return
        usable = self._usable_certificate(
            name, data, name, filed="file name says", usage=name_usage, eui=name_eui
        )
        if usable is None:
            return
        facts, usage, eui = usable
        self._add(
            KeyEntry(
                eui=eui,
                usage=usage,
                public_key=facts.public_key,
                name=name,
                source=source,
                serial=facts.serial,
                role=facts.role,
                device=facts.device,
                tag=tag,
                certificate=facts.certificate,
            )
        )

    def _load_bare_key(
        self, name: str, data: bytes, *, eui: str, usage: KeyUsage, tag: str
    ) -> None:
        if usage is KeyUsage.DIGITAL_SIGNATURE:
            self._warn(
                f"{name}: a bare public key has no certificate, so no KeyUsage says it may "
                "verify signatures; not used",
                name,
            )
            return
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                key = serialization.load_pem_public_key(data)
        except _LOAD_ERRORS as exc:
            self._warn(f"{name}: not a public key ({_reason(exc)}); skipped", name)
            return
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(
            key.curve, ec.SECP256R1
        ):
            self._warn(f"{name}: public key is not EC P-256; skipped", name)
            return
        self._warn(
            f"{name}: a bare public key has no certificate to check its KeyUsage; indexed for "
            "key agreement by its file name only",
            name,
        )
        self._add(
            KeyEntry(
                eui=eui,
                usage=KeyUsage.KEY_AGREEMENT,
                public_key=key,
                name=name,
                source=str(Path(self.label) / name),
                tag=tag,
            )
        )


# --------------------------------------------------------------------------------------------
# DCC Boxed keystore.json


class DccBoxedKeyStore(KeyStore):
    """The DCC Boxed ``keystore.json`` (SmartDCCInnovation/dccboxed-keystore).

    Schema: EUI (16 hex digits) -> usage (``digitalSignature`` | ``keyAgreement``) -> decimal
    certificate serial -> ``{"certificate": PEM, "privateKey": PKCS#8 PEM (optional),
    "role": int (optional), "name": str (optional)}``. A broken schema raises
    :class:`DataFileError` naming the key; an entry whose certificate or private key does not
    load, or whose certificate's KeyUsage is not exactly one of the two usages, becomes a
    warning finding naming the entry. The file is read with a bounded read (32 MiB), so a
    device or pipe is read like a file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        file = Path(path_text(path, "path"))
        super().__init__(str(file))
        label = str(file)
        try:
            raw = read_at_most(label, _MAX_JSON, wait_for_writer=False)
        except OSError as exc:
            raise DataFileError(
                f"cannot read key store: {exc.strerror or exc}", file=label
            ) from None
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise DataFileError(f"not JSON: {exc}", file=label) from None
        if not isinstance(data, dict):
            raise DataFileError("top level must be an object keyed by EUI", file=label)
        for eui_key, usages in data.items():
            if not re.fullmatch(r"[0-9A-Fa-f]{16}", eui_key):
                raise DataFileError("key is not a 16-hex-digit EUI", file=label, key=eui_key)
            if not isinstance(usages, dict):
                raise DataFileError("expected an object keyed by usage", file=label, key=eui_key)
            for usage_key, serials in usages.items():
                where = f"{eui_key}.{usage_key}"
                if usage_key not in ("digitalSignature", "keyAgreement"):
                    raise DataFileError(
                        "usage must be digitalSignature or keyAgreement", file=label, key=where
                    )
                if not isinstance(serials, dict):
                    raise DataFileError("expected an object keyed by serial", file=label, key=where)
                for serial_key, entry in serials.items():
                    self._load_entry(label, eui_key.lower(), KeyUsage(usage_key), serial_key, entry)

    def _load_entry(
        self, label: str, eui_key: str, usage_key: KeyUsage, serial_key: str, entry: object
    ) -> None:
        where = f"{eui_key}.{usage_key.value}.{serial_key}"
        if not re.fullmatch(r"[0-9]{1,60}", serial_key):
            raise DataFileError("serial must be a decimal number", file=label, key=where)
        if not isinstance(entry, dict):
            raise DataFileError("expected an object", file=label, key=where)
        pem = entry.get("certificate")
        if not isinstance(pem, str):
            raise DataFileError("certificate (PEM text) is required", file=label, key=where)
        name = entry.get("name", where)
        role = entry.get("role")
        private_pem = entry.get("privateKey")
        if not isinstance(name, str):
            raise DataFileError("name must be text", file=label, key=f"{where}.name")
        if role is not None and (not isinstance(role, int) or isinstance(role, bool)):
            raise DataFileError("role must be an integer", file=label, key=f"{where}.role")
        if private_pem is not None and not isinstance(private_pem, str):
            raise DataFileError(
                "privateKey must be PEM text", file=label, key=f"{where}.privateKey"
            )
        usable = self._usable_certificate(
            name,
            pem.encode("utf-8", "replace"),
            where,
            filed="filed under",
            usage=usage_key,
            eui=eui_key,
        )
        if usable is None:
            return
        facts, usage, eui = usable
        if int(serial_key) != facts.serial:
            self._warn(
                f"{name}: filed under serial {serial_key}, certificate has {facts.serial}", where
            )
        if role is not None and facts.role is not None and role != facts.role:
            self._warn(f"{name}: store says role {role}, certificate OU says {facts.role}", where)
        private: ec.EllipticCurvePrivateKey | None = None
        if private_pem is not None:
            try:
                private = _read_private_key(private_pem.encode("utf-8", "replace"))
            except UnsupportedKeyError as exc:
                self._warn(f"{name}: private key does not load ({exc})", where)
            else:
                if public_key_to_raw(private.public_key()) != public_key_to_raw(facts.public_key):
                    self._warn(f"{name}: private key does not match the certificate", where)
                    private = None
        key_entry = KeyEntry(
            eui=eui,
            usage=usage,
            public_key=facts.public_key,
            name=name,
            source=f"{label}#{where}",
            serial=facts.serial,
            role=role if role is not None else facts.role,
            device=facts.device,
            tag="pp" if "PP" in name else "",
            certificate=facts.certificate,
            private_key=private,
        )
        self._add(key_entry)
        if private is not None:
            self._add_private(eui, usage, name, private)


def open_keystore(path: str | os.PathLike[str]) -> KeyStore:
    """Open the key store at ``path`` (a ``str`` or ``os.PathLike``).

    A :class:`DirectoryKeyStore` for a directory, a :class:`DccBoxedKeyStore` for a ``.json``
    file; :class:`DataFileError` for anything else, :class:`InvalidValueError` for a ``path``
    that is not a path (another type, empty, a NUL character).
    """
    target = Path(path_text(path, "path"))
    try:
        mode: int | None = target.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        return DirectoryKeyStore(target)
    if target.suffix.lower() == ".json":
        return DccBoxedKeyStore(target)
    if mode is None:
        raise DataFileError("key store not found", file=str(target))
    raise DataFileError("a key store is a directory or a keystore.json file", file=str(target))


# --------------------------------------------------------------------------------------------
# Stores opened once per path


#: Most stores :func:`cached_keystore` keeps open at once (the least recently opened go first).
KEYSTORE_CACHE_SIZE = 8
_CACHE: dict[str, tuple[tuple[int, int, int, int], KeyStore]] = {}
_CACHE_LOCK = threading.Lock()


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    """What says a store is unchanged: its directory's (or file's) device, inode, size, mtime.

    A directory's mtime changes whenever a file is added, removed or renamed in it, which is how
    key files are replaced; None when ``path`` cannot be stat'ed (then it is opened afresh).
    """
    try:
        info = path.stat()
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def cached_keystore(path: str | os.PathLike[str]) -> KeyStore:
    """:func:`open_keystore`, reusing the store already opened from ``path`` while it is unchanged.

    The cache is keyed by the absolute path and invalidated when the directory's (or JSON
    file's) device, inode, size or modification time changes: adding, removing or renaming a
    key file changes the directory's mtime. (A key file rewritten in place, without a rename,
    is not noticed: call :func:`clear_keystore_cache`.) At most :data:`KEYSTORE_CACHE_SIZE`
    stores are kept. Errors are those of :func:`open_keystore`.
    """
    target = Path(path_text(path, "path"))
    key = os.path.abspath(target)  # noqa: PTH100 - no symlink resolution: one stat per call
    stamp = _stamp(target)
    if stamp is not None:
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
    store = open_keystore(target)
    if stamp is not None:
        with _CACHE_LOCK:
            _CACHE.pop(key, None)
            while len(_CACHE) >= KEYSTORE_CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = (stamp, store)
    return store


def clear_keystore_cache() -> None:
    """Forget every store :func:`cached_keystore` opened (the next call reads the files again)."""
    with _CACHE_LOCK:
        _CACHE.clear()
