"""Hostile inputs for the key stores and key loaders (issue 8 items 4, 5, 6, 10 and 11).

The contract, for every key store and loader: any certificate, key or file gives a usable store
plus warning findings (naming the file or JSON entry and the reason), or a ``SecrulesError``;
never another exception, a hang or an unbounded read. Only a certificate whose KeyUsage is
digitalSignature (and not keyAgreement) verifies signatures. Lookups are thread-safe. Every
certificate, key and file here is generated at test time.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import errno
import json
import os
import sys
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from secrules import cli
from secrules.core.files import read_at_most
from secrules.core.findings import Outcome
from secrules.errors import (
    DataFileError,
    InvalidValueError,
    KeyNotFoundError,
    SecrulesError,
    UnsupportedKeyError,
)
from secrules.gbcs import ecdsa, encode_message, parse_message
from secrules.gbcs import keystore as keystore_module
from secrules.gbcs.keystore import (
    DccBoxedKeyStore,
    DirectoryKeyStore,
    KeyEntry,
    KeyUsage,
    MemoryKeyStore,
    normalise_eui,
    open_keystore,
)
from secrules.gbcs.types import Eui64, MessageShape
from secrules.gbcs.verification import verify_message

CA = ec.derive_private_key(0x7A7A, ec.SECP256R1())
GOOD_EUI = "90b3d51f30010000"
BAD_EUI = "90b3d51f30020000"
# A remote party's certificate: OU = role (hex), x500UniqueIdentifier = 00 || EUI.
_KU_OID = bytes.fromhex("0603551d0f")  # 2.5.29.15 keyUsage
_PLACEHOLDER_OID = bytes.fromhex("0603551d63")  # 2.5.29.99: same length, unassigned


def _key(seed: int) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(seed, ec.SECP256R1())


# --- DER surgery --------------------------------------------------------------------------------


def _der(tag: int, body: bytes) -> bytes:
    if len(body) < 0x80:
        return bytes((tag, len(body))) + body
    size = (len(body).bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + len(body).to_bytes(size, "big") + body


def _tlv_end(data: bytes, pos: int) -> tuple[int, int]:
    """(start of value, end of TLV) of the DER TLV at ``pos``."""
    first = data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        length = first
    return pos, pos + length


def _resign(cert: x509.Certificate, transform: Callable[[bytes], bytes]) -> bytes:
    """The certificate's DER with its TBSCertificate transformed and signed again by CA."""
    der = cert.public_bytes(serialization.Encoding.DER)
    body, _ = _tlv_end(der, 0)
    _, tbs_end = _tlv_end(der, body)
    _, alg_end = _tlv_end(der, tbs_end)
    tbs = transform(der[body:tbs_end])
    signature = CA.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return _der(0x30, tbs + der[tbs_end:alg_end] + _der(0x03, b"\x00" + signature))


def _pem(der: bytes) -> str:
    body = base64.encodebytes(der).decode("ascii")
    return f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"


# --- certificates -------------------------------------------------------------------------------


def _builder(
    public_key: ec.EllipticCurvePublicKey, eui: str, *, serial: int, role: int = 0x02
) -> x509.CertificateBuilder:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"{role:02X}"),
            x509.NameAttribute(
                NameOID.X500_UNIQUE_IDENTIFIER,
                b"\x00" + bytes.fromhex(eui),  # type: ignore[arg-type]
                _type=x509.name._ASN1Type.BitString,
            ),
        ]
    )
    issuer = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "07"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Z1"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(dt.datetime(2015, 10, 30, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(9999, 12, 31, tzinfo=dt.UTC))
    )


def _usage(*, ds: bool, ka: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=ds,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=ka,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def certificate_der(
    key: ec.EllipticCurvePrivateKey,
    eui: str,
    kind: str,
    *,
    serial: int = 1000,
) -> bytes:
    """A test certificate of one of these kinds (DER).

    ``ds``/``ka``: KeyUsage digitalSignature / keyAgreement. ``both``/``neither``/``no-ku``:
    what the names say. ``duplicate-ku``: two KeyUsage extensions (pyca: DuplicateExtension).
    ``x400``: an x400Address in subjectAltName (pyca: UnsupportedGeneralNameType).
    """
    builder = _builder(key.public_key(), eui, serial=serial)
    usages = {
        "ds": (True, False),
        "ka": (False, True),
        "both": (True, True),
        "neither": (False, False),
        "duplicate-ku": (True, False),
        "x400": (True, False),
    }
    if kind in usages:
        ds, ka = usages[kind]
        builder = builder.add_extension(_usage(ds=ds, ka=ka), critical=True)
    if kind == "duplicate-ku":
        # pyca refuses to build two KeyUsage extensions: build one under a placeholder OID of
        # the same length and rename it to keyUsage in the DER, then sign again.
        copy = x509.UnrecognizedExtension(
            x509.ObjectIdentifier("2.5.29.99"), bytes.fromhex("03020780")
        )
        cert = builder.add_extension(copy, critical=True).sign(CA, hashes.SHA256())
        return _resign(cert, lambda tbs: tbs.replace(_PLACEHOLDER_OID, _KU_OID))
    if kind == "x400":
        # GeneralNames with one x400Address [3] (an empty ORAddress).
        san = x509.UnrecognizedExtension(
            ExtensionOID.SUBJECT_ALTERNATIVE_NAME, bytes.fromhex("3002a300")
        )
        builder = builder.add_extension(san, critical=False)
    return builder.sign(CA, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


HOSTILE = {"duplicate-ku": "DuplicateExtension", "x400": "UnsupportedGeneralNameType"}


def _pyca_refuses(der: bytes) -> type[Exception] | None:
    """The exception pyca raises reading this certificate's extensions, if any."""
    try:
        x509.load_der_x509_certificate(der).extensions  # noqa: B018 - parsed lazily
    except Exception as exc:  # noqa: BLE001 - we want to know which one
        return type(exc)
    return None


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_certificates_reproduce_the_pyca_exception(kind):
    # The reproducers of issue item 4: with the installed pyca these really raise.
    der = certificate_der(_key(3), BAD_EUI, kind)
    refused = _pyca_refuses(der)
    if refused is None:  # pragma: no cover - a pyca release that accepts it
        pytest.skip(f"this cryptography accepts a {kind} certificate")
    assert refused.__name__ == HOSTILE[kind]


# --- signed messages -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(fixtures_dir):
    """The GBCS 18.4 ECS04b message (a project fixture), to re-sign with test keys."""
    raw = bytes.fromhex((fixtures_dir / "gbcs" / "gbcs-18.4-ecs04b.hex").read_text())
    message = parse_message(raw)
    assert message.shape is MessageShape.MACD
    return message


def signed_message(template, key: ec.EllipticCurvePrivateKey, eui: str) -> bytes:
    """``template`` with originator ``eui``, signed by ``key`` (its MAC is not checked)."""
    message = attrs.evolve(template, originator=Eui64(bytes.fromhex(eui)), signature=bytes(64))
    signature = ecdsa.sign(key, message.signed_bytes, deterministic=True)
    return encode_message(attrs.evolve(message, signature=signature))


# --- item 4: one bad certificate never stops the store -----------------------------------------


def _write_store(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _pem_bytes(der: bytes) -> bytes:
    return _pem(der).encode()


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_directory_store_survives_a_hostile_certificate(tmp_path, kind):
    good = certificate_der(_key(1), GOOD_EUI, "ds", serial=1)
    bad = certificate_der(_key(2), BAD_EUI, kind, serial=2)
    store = DirectoryKeyStore(
        _write_store(
            tmp_path / "ks",
            {f"{GOOD_EUI}-ds.pem": _pem_bytes(good), f"{BAD_EUI}-ds.pem": _pem_bytes(bad)},
        )
    )
    assert [e.name for e in store.signing_keys(GOOD_EUI)] == [f"{GOOD_EUI}-ds.pem"]
    warned = [f for f in store.findings if f.path == f"{BAD_EUI}-ds.pem"]
    assert len(warned) == 1, store.findings
    assert warned[0].verdict == "warning"
    if _pyca_refuses(bad) is not None:
        assert HOSTILE[kind] in warned[0].message
        assert f"{BAD_EUI}-ds.pem" in warned[0].message
        with pytest.raises(KeyNotFoundError):
            store.signing_keys(BAD_EUI)


def _boxed(entries: list[tuple[str, str, int, str, str]]) -> dict[str, object]:
    """keystore.json content from (eui, usage, serial, name, certificate PEM) rows."""
    data: dict[str, dict[str, dict[str, object]]] = {}
    for eui, usage, serial, name, pem in entries:
        data.setdefault(eui, {}).setdefault(usage, {})[str(serial)] = {
            "certificate": pem,
            "role": 2,
            "name": name,
        }
    return data


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_dcc_boxed_store_survives_a_hostile_certificate(tmp_path, kind):
    good = certificate_der(_key(1), GOOD_EUI, "ds", serial=1)
    bad = certificate_der(_key(2), BAD_EUI, kind, serial=2)
    path = tmp_path / "keystore.json"
    path.write_text(
        json.dumps(
            _boxed(
                [
                    (GOOD_EUI, "digitalSignature", 1, "good-ds", _pem(good)),
                    (BAD_EUI, "digitalSignature", 2, "hostile-ds", _pem(bad)),
                ]
            )
        )
    )
    store = DccBoxedKeyStore(path)
    assert [e.name for e in store.signing_keys(GOOD_EUI)] == ["good-ds"]
    where = f"{BAD_EUI}.digitalSignature.2"
    warned = [f for f in store.findings if f.path == where]
    assert len(warned) == 1, store.findings
    if _pyca_refuses(bad) is not None:
        assert HOSTILE[kind] in warned[0].message
        assert "hostile-ds" in warned[0].message


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("layout", ["directory", "json"])
def test_cli_verify_with_a_hostile_certificate_never_exits_3(
    tmp_path, template, capsys, kind, layout
):
    key = _key(1)
    good = certificate_der(key, GOOD_EUI, "ds", serial=1)
    bad = certificate_der(_key(2), BAD_EUI, kind, serial=2)
    if layout == "directory":
        store = str(
            _write_store(
                tmp_path / "ks",
                {f"{GOOD_EUI}-ds.pem": _pem_bytes(good), f"{BAD_EUI}-ds.pem": _pem_bytes(bad)},
            )
        )
    else:
        path = tmp_path / "keystore.json"
        rows = [
            (GOOD_EUI, "digitalSignature", 1, "good-ds", _pem(good)),
            (BAD_EUI, "digitalSignature", 2, "hostile-ds", _pem(bad)),
        ]
        path.write_text(json.dumps(_boxed(rows)))
        store = str(path)
    ok = tmp_path / "ok.hex"
    ok.write_text(signed_message(template, key, GOOD_EUI).hex())
    orphan = tmp_path / "orphan.hex"
    orphan.write_text(signed_message(template, _key(2), BAD_EUI).hex())

    # Signatures only: these messages carry no valid MAC (the store has no KA keys).
    assert cli.main(["gbcs", "verify", str(ok), "--keystore", store, "--no-mac"]) == 0
    out, err = capsys.readouterr()
    assert "PASS" in out
    assert f"secrules: {store}: warning: " in err
    if _pyca_refuses(bad) is not None:
        assert HOSTILE[kind] in err
        # The hostile certificate's EUI has no usable key: not checked, exit 1 (never 3).
        assert cli.main(["gbcs", "verify", str(orphan), "--keystore", store, "--no-mac"]) == 1
        out, err = capsys.readouterr()
        assert ": UNDECIDED  gbcs.signature" in out
        assert "internal error" not in err


def test_bad_certificate_version_is_an_unsupported_key_error(tmp_path):
    # Found by fuzzing: pyca raises InvalidVersion (not a ValueError) for version 91.
    good = certificate_der(_key(1), GOOD_EUI, "ds", serial=1)
    assert bytes.fromhex("a003020102") in good
    bad = good.replace(bytes.fromhex("a003020102"), bytes.fromhex("a00302015b"), 1)
    for loader in (ecdsa.load_certificate, ecdsa.load_public_key):
        with pytest.raises(UnsupportedKeyError, match="InvalidVersion"):
            loader(bad)
    store = DirectoryKeyStore(_write_store(tmp_path / "ks", {f"{GOOD_EUI}-ds.pem": bad}))
    assert len(store) == 0
    assert "InvalidVersion" in store.findings[0].message


def test_every_load_failure_is_a_warning_naming_the_file(tmp_path):
    p384 = ec.generate_private_key(ec.SECP384R1())
    p384_cert = (
        _builder(p384.public_key(), GOOD_EUI, serial=5)
        .add_extension(_usage(ds=True, ka=False), critical=True)
        .sign(CA, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    good = certificate_der(_key(1), GOOD_EUI, "ds", serial=1)
    files = {
        f"{GOOD_EUI}-ds.pem": _pem_bytes(good),
        "0000000000000001-ds.pem": _pem_bytes(good[:-10]),  # truncated
        "0000000000000002-ds.pem": b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
        "0000000000000003-ds.pem": _pem_bytes(p384_cert),
        "0000000000000004-ds.pem": bytes(range(256)),
        "0000000000000005-ka.key": b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        "0000000000000006-ka.key": p384.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        ),
        "0000000000000007-ds.pem": _pem_bytes(certificate_der(_key(7), "0000000000000007", "x400")),
    }
    store = DirectoryKeyStore(_write_store(tmp_path / "ks", files))
    assert len(store) == 1
    warned = {f.path for f in store.findings}
    assert warned == set(files) - {f"{GOOD_EUI}-ds.pem"}
    for finding in store.findings:
        assert finding.path in finding.message


# --- item 5: key usage is enforced --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("no-ku", "no KeyUsage"),
        ("both", "both digitalSignature and keyAgreement"),
        ("neither", "neither"),
    ],
)
def test_certificate_without_a_single_usage_is_never_used(tmp_path, template, kind, reason):
    key = _key(9)
    der = certificate_der(key, GOOD_EUI, kind)
    raw = signed_message(template, key, GOOD_EUI)
    for suffix in ("ds", "ka"):
        folder = _write_store(tmp_path / suffix, {f"{GOOD_EUI}-{suffix}.pem": _pem_bytes(der)})
        store = DirectoryKeyStore(folder)
        assert len(store) == 0
        assert [f.path for f in store.findings] == [f"{GOOD_EUI}-{suffix}.pem"]
        assert reason in store.findings[0].message
        assert verify_message(raw, store).outcome is Outcome.INDETERMINATE
    path = tmp_path / "keystore.json"
    path.write_text(json.dumps(_boxed([(GOOD_EUI, "digitalSignature", 1000, "x-ds", _pem(der))])))
    boxed = DccBoxedKeyStore(path)
    assert len(boxed) == 0
    assert reason in boxed.findings[0].message
    assert verify_message(raw, boxed).outcome is Outcome.INDETERMINATE


def test_ka_certificate_never_verifies_even_named_ds(tmp_path, template):
    key = _key(10)
    der = certificate_der(key, GOOD_EUI, "ka")
    store = DirectoryKeyStore(
        _write_store(tmp_path / "ks", {f"{GOOD_EUI}-ds.pem": _pem_bytes(der)})
    )
    assert store.public_keys(GOOD_EUI, usage="ka")
    finding = verify_message(signed_message(template, key, GOOD_EUI), store)
    assert finding.outcome is Outcome.INDETERMINATE


def test_bare_public_key_never_verifies(tmp_path, template):
    key = _key(11)
    spki = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    store = DirectoryKeyStore(
        _write_store(tmp_path / "ks", {f"{GOOD_EUI}-ds.pem": spki, f"{BAD_EUI}-ka.pem": spki})
    )
    # -ds: not used at all; -ka: key agreement only, with a warning.
    assert {f.path for f in store.findings} == {f"{GOOD_EUI}-ds.pem", f"{BAD_EUI}-ka.pem"}
    with pytest.raises(KeyNotFoundError):
        store.public_keys(GOOD_EUI)
    assert store.public_keys(BAD_EUI, usage="ka")[0].certificate is None
    with pytest.raises(KeyNotFoundError):
        store.signing_keys(BAD_EUI)
    finding = verify_message(signed_message(template, key, GOOD_EUI), store)
    assert finding.outcome is Outcome.INDETERMINATE


def test_memory_store_entry_certificate_must_agree_with_its_usage():
    key = _key(12)
    ka_cert = x509.load_der_x509_certificate(certificate_der(key, GOOD_EUI, "ka"))
    entry = KeyEntry(
        eui=GOOD_EUI,
        usage=KeyUsage.DIGITAL_SIGNATURE,
        public_key=key.public_key(),
        name="claims-ds",
        source="test",
        certificate=ka_cert,
    )
    store = MemoryKeyStore([entry])
    assert len(store) == 0
    assert "claims-ds" in store.findings[0].message
    agreeing = MemoryKeyStore([attrs.evolve(entry, usage=KeyUsage.KEY_AGREEMENT)])
    assert len(agreeing) == 1
    assert agreeing.findings == ()


@pytest.mark.parametrize("layout", ["directory", "json"])
def test_two_ds_certificates_for_one_eui_name_the_one_that_verified(tmp_path, template, layout):
    old, new = _key(21), _key(22)
    old_der = certificate_der(old, GOOD_EUI, "ds", serial=0x0AAA)
    new_der = certificate_der(new, GOOD_EUI, "ds", serial=0x0BBB)
    if layout == "directory":
        # The directory layout has one -ds name per EUI; the second generation sits under
        # another EUI's file name and is indexed by its content (with a warning).
        files = {
            f"{GOOD_EUI}-ds.pem": _pem_bytes(old_der),
            "0000000000000001-ds.pem": _pem_bytes(new_der),
        }
        store = DirectoryKeyStore(_write_store(tmp_path / "ks", files))
        names = {0x0AAA: f"{GOOD_EUI}-ds.pem", 0x0BBB: "0000000000000001-ds.pem"}
    else:
        path = tmp_path / "keystore.json"
        rows = [
            (GOOD_EUI, "digitalSignature", 0x0AAA, "Z1-ds", _pem(old_der)),
            (GOOD_EUI, "digitalSignature", 0x0BBB, "Z1b-ds", _pem(new_der)),
        ]
        path.write_text(json.dumps(_boxed(rows)))
        store = DccBoxedKeyStore(path)
        names = {0x0AAA: "Z1-ds", 0x0BBB: "Z1b-ds"}
    assert len(store.signing_keys(GOOD_EUI)) == 2
    for key, serial, other in ((old, 0x0AAA, 0x0BBB), (new, 0x0BBB, 0x0AAA)):
        finding = verify_message(signed_message(template, key, GOOD_EUI), store)
        assert finding.outcome is Outcome.PASS
        assert names[serial] in finding.message
        assert f"serial 0x{serial:X}" in finding.message
        assert names[other] not in finding.message


def test_memory_keys_of_one_eui_are_told_apart(template):
    first, second = _key(31), _key(32)
    store = MemoryKeyStore()
    a = store.add_key(GOOD_EUI, first.public_key())
    b = store.add_key(GOOD_EUI, second.public_key())
    assert a.name == b.name
    assert a.describe() != b.describe()
    finding = verify_message(signed_message(template, second, GOOD_EUI), store)
    assert b.describe() in finding.message


# --- item 6: every read is bounded ----------------------------------------------------------------


def _no_hang(fn: Callable[[], object], unblock: Callable[[], None] | None = None) -> object:
    """Run ``fn`` in a thread; fail (after unblocking it) if it has not returned in 120 s."""
    result: list[object] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            result.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(120)  # a safety net only: the work is a few reads
    if worker.is_alive():
        if unblock is not None:
            unblock()
        worker.join(10)
        pytest.fail("hung")
    return result[0]


def _open_writer(fifo: Path) -> Callable[[], None]:
    def unblock() -> None:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)

    return unblock


needs_posix = pytest.mark.skipif(
    not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX FIFOs and devices"
)


@needs_posix
def test_keystore_json_linked_to_dev_zero_is_refused_within_the_cap(tmp_path):
    link = tmp_path / "keystore.json"
    link.symlink_to("/dev/zero")
    tracemalloc.start()
    try:
        outcome = _no_hang(lambda: open_keystore(link))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(outcome, DataFileError), outcome
    assert "larger than" in str(outcome)
    assert peak < 100 << 20


@needs_posix
def test_keystore_json_fifo_without_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "keystore.json"
    os.mkfifo(fifo)
    outcome = _no_hang(lambda: open_keystore(fifo), _open_writer(fifo))
    assert isinstance(outcome, DataFileError), outcome


@needs_posix
def test_keystore_json_from_a_pipe_is_read_and_bounded(tmp_path, monkeypatch):
    good = certificate_der(_key(1), GOOD_EUI, "ds", serial=1)
    content = json.dumps(_boxed([(GOOD_EUI, "digitalSignature", 1, "piped", _pem(good))]))

    def piped(payload: bytes) -> object:
        read_end, write_end = os.pipe()

        def writer() -> None:
            try:
                os.write(write_end, payload)  # well under the 64 KiB pipe buffer
            finally:
                os.close(write_end)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            return _no_hang(lambda: DccBoxedKeyStore(f"/dev/fd/{read_end}"))
        finally:
            thread.join()
            os.close(read_end)

    if not Path("/dev/fd").is_dir():
        pytest.skip("no /dev/fd")
    store = piped(content.encode())
    assert isinstance(store, DccBoxedKeyStore), store
    assert store.signing_keys(GOOD_EUI)[0].name == "piped"
    monkeypatch.setattr(keystore_module, "_MAX_JSON", 1000)
    refused = piped(content.encode() + b" " * 4000)
    assert isinstance(refused, DataFileError)
    assert "larger than 1000" in str(refused)


@needs_posix
def test_directory_store_skips_fifos_devices_and_huge_files(tmp_path):
    good = certificate_der(_key(1), GOOD_EUI, "ds", serial=1)
    folder = _write_store(tmp_path / "ks", {f"{GOOD_EUI}-ds.pem": _pem_bytes(good)})
    os.mkfifo(folder / "0000000000000001-ds.pem")
    os.mkfifo(folder / "0000000000000001-ds.key")
    (folder / "0000000000000002-ds.pem").symlink_to("/dev/zero")
    (folder / "0000000000000003-ka.key").symlink_to("/dev/zero")
    (folder / "0000000000000004-ds.pem").symlink_to(folder / "missing")
    (folder / "0000000000000005-ds.pem").mkdir()
    with (folder / "0000000000000006-ds.pem").open("wb") as handle:
        handle.truncate(9 * 1000 * 1000)  # a 9 MB (sparse) file
    store = _no_hang(
        lambda: DirectoryKeyStore(folder), _open_writer(folder / "0000000000000001-ds.pem")
    )
    assert isinstance(store, DirectoryKeyStore), store
    assert [e.name for e in store.entries()] == [f"{GOOD_EUI}-ds.pem"]
    by_path = {f.path: f.message for f in store.findings}
    for name in ("0000000000000001-ds.pem", "0000000000000001-ds.key"):
        assert "not a regular file" in by_path[name]
    for name in ("0000000000000002-ds.pem", "0000000000000003-ka.key"):
        assert "not a regular file" in by_path[name]
    assert "cannot read" in by_path["0000000000000004-ds.pem"]
    assert "not a regular file" in by_path["0000000000000005-ds.pem"]
    assert "larger than" in by_path["0000000000000006-ds.pem"]


@needs_posix
@pytest.mark.parametrize(
    "loader", [ecdsa.load_private_key, ecdsa.load_public_key, ecdsa.load_certificate]
)
def test_key_loaders_read_files_within_the_cap(tmp_path, loader):
    fifo = tmp_path / "k.fifo"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.pem"
    with huge.open("wb") as handle:
        handle.truncate(9 * 1000 * 1000)
    for source in (Path("/dev/zero"), "/dev/zero", huge, fifo):
        outcome = _no_hang(lambda source=source: loader(source), _open_writer(fifo))
        assert isinstance(outcome, UnsupportedKeyError), (source, outcome)
    assert "larger than" in str(_no_hang(lambda: loader(huge)))


def test_bounded_read_refuses_more_than_the_cap(tmp_path):
    file = tmp_path / "f"
    file.write_bytes(b"x" * 10)
    assert read_at_most(str(file), 10) == b"x" * 10
    with pytest.raises(OSError, match="larger than 9") as info:
        read_at_most(str(file), 9)
    assert info.value.errno == errno.EFBIG
    with pytest.raises(OSError, match="directory"):
        read_at_most(str(tmp_path), 9)


# --- item 10: argument types are checked first -------------------------------------------------


STORE = MemoryKeyStore()
STORE.add_key(GOOD_EUI, _key(1))
KEY = _key(1)


class _BytesPath(os.PathLike[bytes]):
    def __fspath__(self) -> bytes:
        return b"\xff\x00"


class _BrokenPath(os.PathLike[str]):
    def __fspath__(self) -> str:
        return 5  # type: ignore[return-value]


BAD_CALLS: dict[str, tuple[Callable[[], object], str | None]] = {
    "open_keystore NUL": (lambda: open_keystore("a\0b"), "path"),
    "open_keystore int": (lambda: open_keystore(5), "path"),  # type: ignore[arg-type]
    "open_keystore bytes": (lambda: open_keystore(b"ks"), "path"),  # type: ignore[arg-type]
    "open_keystore empty": (lambda: open_keystore(""), "path"),
    "open_keystore surrogate": (lambda: open_keystore("ks\ud800.json"), "path"),
    "open_keystore bytes path NUL": (lambda: open_keystore(_BytesPath()), "path"),  # type: ignore[arg-type]
    "open_keystore broken PathLike": (lambda: open_keystore(_BrokenPath()), "path"),
    "DirectoryKeyStore int": (lambda: DirectoryKeyStore(5), "path"),  # type: ignore[arg-type]
    "DirectoryKeyStore None": (lambda: DirectoryKeyStore(None), "path"),  # type: ignore[arg-type]
    "DccBoxedKeyStore int": (lambda: DccBoxedKeyStore(5), "path"),  # type: ignore[arg-type]
    "DccBoxedKeyStore NUL": (lambda: DccBoxedKeyStore("k\0.json"), "path"),
    "MemoryKeyStore int": (lambda: MemoryKeyStore(5), "entries"),  # type: ignore[arg-type]
    "MemoryKeyStore str": (lambda: MemoryKeyStore("abc"), "entries"),  # type: ignore[arg-type]
    "MemoryKeyStore items": (lambda: MemoryKeyStore([5]), "entries"),  # type: ignore[list-item]
    "MemoryKeyStore label": (lambda: MemoryKeyStore(label=3), "label"),  # type: ignore[arg-type]
    "add_key eui": (lambda: MemoryKeyStore().add_key(5, KEY), "eui"),  # type: ignore[arg-type]
    "add_key key": (lambda: MemoryKeyStore().add_key(GOOD_EUI, 5), "key"),  # type: ignore[arg-type]
    "add_key usage": (lambda: MemoryKeyStore().add_key(GOOD_EUI, KEY, usage=5), "usage"),  # type: ignore[arg-type]
    "add_key role type": (lambda: MemoryKeyStore().add_key(GOOD_EUI, KEY, role="2"), "role"),  # type: ignore[arg-type]
    "add_key role range": (lambda: MemoryKeyStore().add_key(GOOD_EUI, KEY, role=300), "role"),
    "add_key device": (lambda: MemoryKeyStore().add_key(GOOD_EUI, KEY, device="y"), "device"),  # type: ignore[arg-type]
    "add_key name": (lambda: MemoryKeyStore().add_key(GOOD_EUI, KEY, name=5), "name"),  # type: ignore[arg-type]
    "public_keys eui": (lambda: STORE.public_keys(None), "eui"),  # type: ignore[arg-type]
    "public_keys usage": (lambda: STORE.public_keys(GOOD_EUI, usage=None), "usage"),  # type: ignore[arg-type]
    "public_keys role": (lambda: STORE.public_keys(GOOD_EUI, role=1.5), "role"),  # type: ignore[arg-type]
    "signing_keys": (lambda: STORE.signing_keys(3.5), "eui"),  # type: ignore[arg-type]
    "private_key": (lambda: STORE.private_key([1]), "eui"),  # type: ignore[arg-type]
    "normalise_eui None": (lambda: normalise_eui(None), "eui"),  # type: ignore[arg-type]
    "Eui64.parse None": (lambda: Eui64.parse(None), "text"),  # type: ignore[arg-type]
    "Eui64.parse bytes": (lambda: Eui64.parse(b"90b3d51f30010000"), "text"),  # type: ignore[arg-type]
    "Eui64 int": (lambda: Eui64(5), "octets"),  # type: ignore[arg-type]
    "KeyUsage.parse": (lambda: KeyUsage.parse(5), "usage"),  # type: ignore[arg-type]
    "load_private_key int": (lambda: ecdsa.load_private_key(5), "source"),  # type: ignore[arg-type]
    "load_private_key NUL": (lambda: ecdsa.load_private_key("a\0b"), "source"),
    "load_private_key Path NUL": (lambda: ecdsa.load_private_key(Path("a\0b")), "source"),
    "load_public_key None": (lambda: ecdsa.load_public_key(None), "source"),  # type: ignore[arg-type]
    "load_public_key NUL": (lambda: ecdsa.load_public_key("k\0"), "source"),
    "load_certificate float": (lambda: ecdsa.load_certificate(1.5), "source"),  # type: ignore[arg-type]
    "sign data": (lambda: ecdsa.sign(KEY, 5), "data"),  # type: ignore[arg-type]
    "sign deterministic": (lambda: ecdsa.sign(KEY, b"", deterministic="y"), "deterministic"),  # type: ignore[arg-type]
    "sign variant": (lambda: ecdsa.sign(KEY, b"", variant=None), "variant"),  # type: ignore[arg-type]
    "verify data": (lambda: ecdsa.verify(KEY.public_key(), 5, bytes(64)), "data"),  # type: ignore[arg-type]
    "signature_problem": (lambda: ecdsa.signature_problem(5), "signature"),  # type: ignore[arg-type]
    "plain_to_der": (lambda: ecdsa.plain_to_der(None), "signature"),  # type: ignore[arg-type]
    "public_key_from_raw": (lambda: ecdsa.public_key_from_raw(5), "public key"),  # type: ignore[arg-type]
}
KEY_MISUSE: dict[str, tuple[Callable[[], object], str]] = {
    "sign key": (lambda: ecdsa.sign(5, b""), "private_key"),  # type: ignore[arg-type]
    "verify key": (lambda: ecdsa.verify(5, b"", bytes(64)), "public_key"),  # type: ignore[arg-type]
    "public_key_to_raw": (lambda: ecdsa.public_key_to_raw(5), "public_key"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_wrong_argument_types_are_invalid_value_errors(case):
    call, parameter = BAD_CALLS[case]
    with pytest.raises(InvalidValueError) as info:
        call()
    if parameter is not None:
        assert parameter in str(info.value)


@pytest.mark.parametrize("case", sorted(KEY_MISUSE))
def test_wrong_key_types_are_unsupported_key_errors(case):
    call, parameter = KEY_MISUSE[case]
    with pytest.raises(UnsupportedKeyError, match=parameter):
        call()


def test_path_like_means_read_this_file(tmp_path):
    key = _key(41)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    file = tmp_path / "k.key"
    file.write_bytes(pem)
    for source in (file, str(file)):
        loaded = ecdsa.load_private_key(source)
        assert loaded.private_numbers() == key.private_numbers()
    good = certificate_der(key, GOOD_EUI, "ds", serial=1)
    folder = _write_store(tmp_path / "ks", {f"{GOOD_EUI}-ds.pem": _pem_bytes(good)})
    assert len(open_keystore(folder)) == len(open_keystore(str(folder))) == 1


def junk() -> st.SearchStrategy[object]:
    """Values of the wrong type (and some of the right type with odd content)."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=30),
        st.binary(max_size=30),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.just(object()),
    )


@settings(max_examples=200)
@given(junk(), junk(), junk())
def test_entry_points_raise_only_secrules_errors(a, b, c):
    calls: list[Callable[[], object]] = [
        lambda: normalise_eui(a),  # type: ignore[arg-type]
        lambda: Eui64.parse(a),  # type: ignore[arg-type]
        lambda: KeyUsage.parse(a),  # type: ignore[arg-type]
        lambda: STORE.public_keys(a, usage=b, role=c),  # type: ignore[arg-type]
        lambda: STORE.signing_keys(a),  # type: ignore[arg-type]
        lambda: STORE.private_key(a, usage=b),  # type: ignore[arg-type]
        lambda: MemoryKeyStore().add_key(GOOD_EUI, KEY, usage=a, role=b, name=c),  # type: ignore[arg-type]
        lambda: MemoryKeyStore(a, label=b),  # type: ignore[arg-type]
        lambda: ecdsa.sign(KEY, a, deterministic=b),  # type: ignore[arg-type]
        lambda: ecdsa.verify(KEY.public_key(), a, b),  # type: ignore[arg-type]
        lambda: ecdsa.signature_problem(a),  # type: ignore[arg-type]
    ]
    if not isinstance(a, str) or "\0" in a or not a.strip():  # never touch a real path
        calls += [
            lambda: open_keystore(a),  # type: ignore[arg-type]
            lambda: ecdsa.load_private_key(a),  # type: ignore[arg-type]
            lambda: ecdsa.load_public_key(a),  # type: ignore[arg-type]
        ]
    for call in calls:
        with contextlib.suppress(SecrulesError):
            call()


# --- item 11: the signer cache under threads -----------------------------------------------------


THREADS = 8
KEYS_PER_THREAD = 12


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads as often as CPython allows, to open every race window."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _workload(template) -> list[list[tuple[ec.EllipticCurvePrivateKey, str, bytes]]]:
    """Per thread: (key, name, message signed by that key), all for one shared originator."""
    plans = []
    for t in range(THREADS):
        plan = []
        for i in range(KEYS_PER_THREAD):
            key = _key(5000 + t * 100 + i)
            plan.append((key, f"t{t}-k{i}", signed_message(template, key, GOOD_EUI)))
        plans.append(plan)
    return plans


def _run(store: MemoryKeyStore, plan) -> list[tuple[str, str]]:
    """Add each key, then verify the message it signed: every one must pass."""
    results = []
    for key, name, raw in plan:
        store.add_key(GOOD_EUI, key.public_key(), name=name)
        finding = verify_message(raw, store)
        results.append((finding.outcome.value, finding.message))
    return results


def test_signer_cache_is_thread_safe(template, fast_switching):
    plans = _workload(template)
    serial_store = MemoryKeyStore()
    serial = [_run(serial_store, plan) for plan in plans]
    assert all(outcome == "pass" for rows in serial for outcome, _ in rows)

    for _trial in range(3):
        store = MemoryKeyStore()
        results: list[list[tuple[str, str]] | None] = [None] * THREADS
        barrier = threading.Barrier(THREADS)

        def worker(t: int, store: MemoryKeyStore = store, barrier=barrier, results=results) -> None:
            barrier.wait()
            results[t] = _run(store, plans[t])

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == serial
        assert len(store.signing_keys(GOOD_EUI)) == THREADS * KEYS_PER_THREAD


def test_signer_cache_never_keeps_a_stale_list(fast_switching):
    # A reader filling the cache while a writer adds keys: after each add_key returns, the
    # writer's own lookup must see its key (the 252-in-2,000 failure).
    stale = 0
    for trial in range(200):
        store = MemoryKeyStore()
        store.add_key(GOOD_EUI, _key(1).public_key())
        stop = threading.Event()

        def reader(store: MemoryKeyStore = store, stop: threading.Event = stop) -> None:
            while not stop.is_set():
                store.signing_keys(GOOD_EUI)

        thread = threading.Thread(target=reader)
        thread.start()
        try:
            for i in range(5):
                entry = store.add_key(GOOD_EUI, _key(100 + trial * 10 + i).public_key())
                if not any(e is entry for e in store.signing_keys(GOOD_EUI)):
                    stale += 1
        finally:
            stop.set()
            thread.join()
    assert stale == 0
