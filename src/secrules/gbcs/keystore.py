"""Key stores: where the public (and test private) keys of GBCS parties are looked up.

A GBCS signature is checked with the Digital Signature (``-ds``) key of the originator system
title (spec E6); Key Agreement (``-ka``) keys serve only ECDH for the MAC. Stores index keys by
certificate *content*:

* Remote-party certificates (issuer ``OU=07, CN=Z1`` in the test PKI) carry the EUI in the
  subject's ``x500UniqueIdentifier`` and the remote-party role code as two hex digits in the
  subject's OU.
* Device certificates have an empty subject; the EUI is the serial number of a
  ``hardwareModuleName`` otherName (RFC 4108) in subjectAltName.
* The key usage comes from the certificate's KeyUsage extension (digitalSignature or
  keyAgreement).

Two stores are provided: :class:`DirectoryKeyStore` (the ``<eui16hex>[-pp]-{ds|ka}.{pem|key}``
layout of the RTDS test key store) and :class:`DccBoxedKeyStore` (the DCC Boxed
``keystore.json`` schema). :func:`open_keystore` picks one by path. Problems in individual files
(a name that disagrees with its certificate, a file that does not load) become warning findings
in ``store.findings``; they never stop the rest of the store loading.

The published RTDS and DCC Boxed private keys are test-only keys. Nothing here ships or defaults
to any key: stores read only the path the caller names.
"""

from __future__ import annotations

import enum
import functools
import json
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

import attrs
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from secrules.core.clauses import ClauseRef
from secrules.core.findings import Finding, Outcome
from secrules.errors import (
    DataFileError,
    InvalidValueError,
    KeyNotFoundError,
    UnsupportedKeyError,
)
from secrules.gbcs.ecdsa import load_private_key, public_key_to_raw
from secrules.gbcs.types import Eui64

__all__ = [
    "GBCS_SIGNER_ROLES",
    "ROLE_NAMES",
    "XML_SIGNING_ROLES",
    "DccBoxedKeyStore",
    "DirectoryKeyStore",
    "KeyEntry",
    "KeyStore",
    "KeyUsage",
    "MemoryKeyStore",
    "normalise_eui",
    "open_keystore",
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
_FILE_NAME = re.compile(r"^([0-9a-fA-F]{16})(-pp)?-(ds|ka)\.(pem|key)$")
_MAX_FILE: Final = 1 << 20
_MAX_JSON: Final = 32 << 20

_STORE_CLAUSE = ClauseRef(
    "GBCS",
    "4.3.3 key lookup by originator system title and Digital Signature key usage (E6)",
    "edition unstated (HenryGiraldo/gbcs citation)",
    "inferred",
    note="gbcs-parser looks keys up as <eui>-ds / <eui>-ka; we index by certificate content",
)


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
        value = text.strip()
        for usage in cls:
            if value in (usage.value, usage.suffix):
                return usage
        raise InvalidValueError(f"unknown key usage {text!r}; expected ds/ka")


def normalise_eui(eui: Eui64 | bytes | str) -> str:
    """The 16 lower-case hex digits of an EUI-64 given as Eui64, 8 octets or text."""
    if isinstance(eui, Eui64):
        return eui.octets.hex()
    if isinstance(eui, bytes | bytearray):
        if len(eui) != 8:
            raise InvalidValueError(f"an EUI-64 is 8 octets, not {len(eui)}")
        return bytes(eui).hex()
    if isinstance(eui, str):
        return Eui64.parse(eui).octets.hex()
    raise InvalidValueError(f"an EUI-64 is Eui64, bytes or text, not {type(eui).__name__}")


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
        """``90b3d51f30010000-ds.pem (Supplier, serial 0x4FBC...)``."""
        return self.description

    @functools.cached_property
    def description(self) -> str:
        """What :meth:`describe` returns, computed once (verification names the key it used)."""
        serial = "" if self.serial is None else f", serial 0x{self.serial:X}"
        return f"{self.name} ({self.role_name}{serial})"


def _warning(message: str, source: str) -> Finding:
    return Finding(
        rule_id="gbcs.keystore",
        outcome=Outcome.FAIL,
        message=message,
        clauses=(_STORE_CLAUSE,),
        path=source,
        label="warning",
    )


class KeyStore:
    """A read-only index of keys by (EUI, key usage); subclasses fill it when constructed.

    Lookups raise :class:`KeyNotFoundError` when nothing matches. ``findings`` holds the
    warnings met while loading (rule id ``gbcs.keystore``, label ``warning``).
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self._index: dict[tuple[str, KeyUsage], list[KeyEntry]] = {}
        # signing_keys() results by EUI: verify_message asks once per message.
        self._signers: dict[str, tuple[KeyEntry, ...]] = {}
        self._private: dict[tuple[str, KeyUsage], list[tuple[str, ec.EllipticCurvePrivateKey]]]
        self._private = {}
        self._findings: list[Finding] = []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r}, {len(self)} keys)"

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Warnings met while loading (bad files, names that disagree with certificates)."""
        return tuple(self._findings)

    def entries(self) -> tuple[KeyEntry, ...]:
        """Every public-key entry, in load order per (EUI, usage)."""
        return tuple(e for group in self._index.values() for e in group)

    def _add(self, entry: KeyEntry) -> None:
        self._signers.clear()
        group = self._index.setdefault((entry.eui, entry.usage), [])
        raw = public_key_to_raw(entry.public_key)
        for i, existing in enumerate(group):
            if public_key_to_raw(existing.public_key) == raw and existing.serial == entry.serial:
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
        self._private.setdefault((eui, usage), []).append((name, key))

    def _warn(self, message: str, source: str) -> None:
        self._findings.append(_warning(message, source))

    def public_keys(
        self,
        eui: Eui64 | bytes | str,
        usage: KeyUsage | str = KeyUsage.DIGITAL_SIGNATURE,
        *,
        role: int | None = None,
    ) -> tuple[KeyEntry, ...]:
        """Every key for ``eui`` with ``usage`` (and ``role``, if given).

        Raises KeyNotFoundError if none.
        """
        key = (normalise_eui(eui), KeyUsage.parse(usage))
        found = tuple(e for e in self._index.get(key, ()) if role is None or e.role == role)
        if not found:
            role_text = "" if role is None else f" with role 0x{role:02X}"
            raise KeyNotFoundError(
                f"{self.label}: no {key[1].value} key for EUI {key[0].upper()}{role_text}"
            )
        return found

    def public_key(
        self, eui: Eui64 | bytes | str, usage: KeyUsage | str = KeyUsage.DIGITAL_SIGNATURE
    ) -> ec.EllipticCurvePublicKey:
        """The first key for ``eui`` and ``usage`` (KeyNotFoundError if none)."""
        return self.public_keys(eui, usage)[0].public_key

    def signing_keys(self, eui: Eui64 | bytes | str) -> tuple[KeyEntry, ...]:
        """The Digital Signature keys that may sign GBCS messages for ``eui`` (E6).

        Key Agreement keys are never returned, nor DUIS XML-signing keys (roles 0x87, 0x89).
        Raises KeyNotFoundError if none.
        """
        hexeui = normalise_eui(eui)
        cached = self._signers.get(hexeui)
        if cached is not None:
            return cached
        found = tuple(e for e in self.public_keys(hexeui) if e.is_gbcs_signer)
        if found:
            self._signers[hexeui] = found
        else:
            raise KeyNotFoundError(
                f"{self.label}: EUI {normalise_eui(eui).upper()} has only XML-signing DS keys"
            )
        return found

    def private_key(
        self, eui: Eui64 | bytes | str, usage: KeyUsage | str = KeyUsage.DIGITAL_SIGNATURE
    ) -> ec.EllipticCurvePrivateKey:
        """The (test) private key for ``eui`` and ``usage``; KeyNotFoundError if none."""
        key = (normalise_eui(eui), KeyUsage.parse(usage))
        found = self._private.get(key)
        if not found:
            raise KeyNotFoundError(
                f"{self.label}: no {key[1].value} private key for EUI {key[0].upper()}"
            )
        return found[0][1]

    def euis(self) -> tuple[str, ...]:
        """Every EUI with at least one public key, sorted."""
        return tuple(sorted({eui for eui, _ in self._index}))


class MemoryKeyStore(KeyStore):
    """A key store built in memory from (EUI, usage, key) triples or :class:`KeyEntry` records.

    Useful in tests and for sample signing (DP129's device-acceptance check).
    """

    def __init__(self, entries: Iterable[KeyEntry] = (), *, label: str = "memory") -> None:
        super().__init__(label)
        for entry in entries:
            self._add(entry)
            if entry.private_key is not None:
                self._add_private(entry.eui, entry.usage, entry.name, entry.private_key)

    def add_key(
        self,
        eui: Eui64 | bytes | str,
        key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey,
        usage: KeyUsage | str = KeyUsage.DIGITAL_SIGNATURE,
        *,
        role: int | None = None,
        device: bool = False,
        name: str = "",
    ) -> KeyEntry:
        """Add a key (a private key adds its public half too) and return its entry."""
        private = key if isinstance(key, ec.EllipticCurvePrivateKey) else None
        public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
        if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(
            public.curve, ec.SECP256R1
        ):
            raise UnsupportedKeyError("key stores hold P-256 keys only")
        usage = KeyUsage.parse(usage)
        text = normalise_eui(eui)
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
    eui: str | None
    role: int | None
    device: bool
    usage: KeyUsage | None
    public_key: ec.EllipticCurvePublicKey
    serial: int


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


def _cert_facts(cert: x509.Certificate) -> _CertFacts:
    """EUI, role, usage and key of a GBCS certificate; UnsupportedKeyError if unusable."""
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise UnsupportedKeyError(f"certificate key cannot be read: {exc}") from None
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
    if eui is None:
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except (x509.ExtensionNotFound, ValueError):
            san = None
        if san is not None:
            for general in san:
                if isinstance(general, x509.OtherName) and general.type_id == _HARDWARE_MODULE_NAME:
                    serial = _hardware_serial(general.value)
                    if serial is not None and len(serial) == 8:
                        eui, device = serial.hex(), True
                        break
    usage: KeyUsage | None = None
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except (x509.ExtensionNotFound, ValueError):
        ku = None
    if ku is not None:
        if ku.digital_signature and not ku.key_agreement:
            usage = KeyUsage.DIGITAL_SIGNATURE
        elif ku.key_agreement and not ku.digital_signature:
            usage = KeyUsage.KEY_AGREEMENT
    return _CertFacts(
        eui=eui, role=role, device=device, usage=usage, public_key=key, serial=cert.serial_number
    )


def _load_cert(data: bytes) -> tuple[x509.Certificate, list[str]]:
    """Load a PEM or DER certificate; return it and the text of any pyca warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if b"-----BEGIN" in data:
            cert = x509.load_pem_x509_certificate(data)
        else:
            cert = x509.load_der_x509_certificate(data)
    return cert, list(dict.fromkeys(str(w.message) for w in caught))


# --------------------------------------------------------------------------------------------
# Directory store (RTDS layout)


class DirectoryKeyStore(KeyStore):
    """The RTDS test key store layout: ``<eui16hex>[-pp]-{ds|ka}.{pem|key}`` in one directory.

    ``.pem`` is an X.509 certificate (or a bare SubjectPublicKeyInfo, then indexed by file
    name), ``.key`` an unencrypted PKCS#8 private key. Certificates are indexed by their content
    (EUI, role, key usage); a file name that disagrees becomes a warning finding. Private keys
    are indexed under the EUI of the certificate with the same public key, else their file name.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        root = Path(path)
        super().__init__(str(root))
        if not root.is_dir():
            raise DataFileError("key store directory not found", file=str(root))
        try:
            names = sorted(p.name for p in root.iterdir())
        except OSError as exc:
            raise DataFileError(f"cannot list key store: {exc.strerror}", file=str(root)) from None
        keys: list[tuple[str, str, KeyUsage, str, ec.EllipticCurvePrivateKey]] = []
        for name in names:
            file = root / name
            if file.suffix not in (".pem", ".key") or not file.is_file():
                continue
            match = _FILE_NAME.match(name)
            if match is None:
                self._warn(f"{name}: name is not <eui16hex>[-pp]-{{ds|ka}}.{{pem|key}}", name)
                continue
            name_eui = match.group(1).lower()
            tag = "pp" if match.group(2) else ""
            name_usage = KeyUsage.parse(match.group(3))
            try:
                data = self._read(file)
            except OSError as exc:
                self._warn(f"{name}: cannot read ({exc.strerror or exc})", name)
                continue
            if match.group(4) == "key":
                try:
                    private = load_private_key(data)
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

    @staticmethod
    def _read(file: Path) -> bytes:
        with file.open("rb") as handle:
            data = handle.read(_MAX_FILE + 1)
        if len(data) > _MAX_FILE:
            raise OSError(f"larger than {_MAX_FILE} bytes")
        return data

    def _load_pem(
        self, name: str, data: bytes, name_eui: str, name_usage: KeyUsage, tag: str
    ) -> None:
        if b"-----BEGIN PUBLIC KEY-----" in data:
            try:
                key = serialization.load_pem_public_key(data)
            except (ValueError, UnsupportedAlgorithm) as exc:
                self._warn(f"{name}: not a public key ({exc})", name)
                return
            if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(
                key.curve, ec.SECP256R1
            ):
                self._warn(f"{name}: public key is not EC P-256", name)
                return
            self._add(
                KeyEntry(
                    eui=name_eui,
                    usage=name_usage,
                    public_key=key,
                    name=name,
                    source=str(Path(self.label) / name),
                    tag=tag,
                )
            )
            return
        try:
            cert, notes = _load_cert(data)
            facts = _cert_facts(cert)
        except (ValueError, UnsupportedAlgorithm, UnsupportedKeyError) as exc:
            self._warn(f"{name}: not a usable certificate ({exc})", name)
            return
        for note in notes:
            self._warn(f"{name}: {note}", name)
        eui = facts.eui
        if eui is None:
            self._warn(f"{name}: certificate names no EUI; indexed by file name", name)
            eui = facts.eui or name_eui
        elif eui != name_eui:
            self._warn(
                f"{name}: file name says EUI {name_eui.upper()} but the certificate is for "
                f"{eui.upper()}; indexed by the certificate",
                name,
            )
        usage = facts.usage
        if usage is None:
            self._warn(f"{name}: no single KeyUsage in the certificate; using the file name", name)
            usage = name_usage
        elif usage is not name_usage:
            self._warn(
                f"{name}: file name says {name_usage.suffix} but the certificate's KeyUsage is "
                f"{usage.value}; indexed by the certificate",
                name,
            )
        self._add(
            KeyEntry(
                eui=eui,
                usage=usage,
                public_key=facts.public_key,
                name=name,
                source=str(Path(self.label) / name),
                serial=facts.serial,
                role=facts.role,
                device=facts.device,
                tag=tag,
                certificate=cert,
            )
        )


# --------------------------------------------------------------------------------------------
# DCC Boxed keystore.json


class DccBoxedKeyStore(KeyStore):
    """The DCC Boxed ``keystore.json`` (SmartDCCInnovation/dccboxed-keystore).

    Schema: EUI (16 hex digits) -> usage (``digitalSignature`` | ``keyAgreement``) -> decimal
    certificate serial -> ``{"certificate": PEM, "privateKey": PKCS#8 PEM (optional),
    "role": int (optional), "name": str (optional)}``. A broken schema raises
    :class:`DataFileError` naming the key; an entry whose certificate does not load becomes a
    warning finding naming the entry.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        file = Path(path)
        super().__init__(str(file))
        label = str(file)
        try:
            if file.stat().st_size > _MAX_JSON:
                raise DataFileError(f"larger than {_MAX_JSON} bytes", file=label)
            raw = file.read_bytes()
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
        try:
            cert, notes = _load_cert(pem.encode("utf-8", "replace"))
            facts = _cert_facts(cert)
        except (ValueError, UnsupportedAlgorithm, UnsupportedKeyError) as exc:
            self._warn(f"{name}: certificate does not load ({exc})", where)
            return
        for note in notes:
            self._warn(f"{name}: {note}", where)
        eui = facts.eui or eui_key
        if facts.eui is not None and facts.eui != eui_key:
            self._warn(
                f"{name}: filed under EUI {eui_key.upper()} but the certificate is for "
                f"{facts.eui.upper()}; indexed by the certificate",
                where,
            )
        if facts.usage is not None and facts.usage is not usage_key:
            self._warn(
                f"{name}: filed under {usage_key.value} but the certificate's KeyUsage is "
                f"{facts.usage.value}; indexed by the certificate",
                where,
            )
        usage = facts.usage or usage_key
        if int(serial_key) != facts.serial:
            self._warn(
                f"{name}: filed under serial {serial_key}, certificate has {facts.serial}", where
            )
        if role is not None and facts.role is not None and role != facts.role:
            self._warn(f"{name}: store says role {role}, certificate OU says {facts.role}", where)
        private: ec.EllipticCurvePrivateKey | None = None
        if private_pem is not None:
            try:
                private = load_private_key(private_pem.encode("utf-8", "replace"))
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
            certificate=cert,
            private_key=private,
        )
        self._add(key_entry)
        if private is not None:
            self._add_private(eui, usage, name, private)


def open_keystore(path: str | os.PathLike[str]) -> KeyStore:
    """Open the key store at ``path``.

    A :class:`DirectoryKeyStore` for a directory, a :class:`DccBoxedKeyStore` for a ``.json``
    file; :class:`DataFileError` for anything else.
    """
    target = Path(path)
    if target.is_dir():
        return DirectoryKeyStore(target)
    if target.suffix.lower() == ".json":
        return DccBoxedKeyStore(target)
    if not target.exists():
        raise DataFileError("key store not found", file=str(target))
    raise DataFileError("a key store is a directory or a keystore.json file", file=str(target))
