"""Key stores: the RTDS directory layout, DCC Boxed keystore.json, in-memory stores."""

from __future__ import annotations

import base64
import json
import shutil
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from secrules.core.findings import Outcome
from secrules.errors import DataFileError, InvalidValueError, KeyNotFoundError
from secrules.gbcs.ecdsa import public_key_to_raw
from secrules.gbcs.keystore import (
    DccBoxedKeyStore,
    DirectoryKeyStore,
    KeyUsage,
    MemoryKeyStore,
    normalise_eui,
    open_keystore,
)
from secrules.gbcs.types import Eui64
from secrules.strategies.ecdsa import gbcs_test_certificate

SUPPLIER = "90b3d51f30010000"
SUPPLIER2 = "90b3d51f30030000"
WAN_PROVIDER = "90b3d51f30000007"


def _pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _pkcs8(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _key(seed: int) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(seed, ec.SECP256R1())


CA = _key(0x7A7A)


# --- RTDS key store (shared vectors) -----------------------------------------------------


@pytest.fixture(scope="module")
def rtds_store(keystore_dir) -> DirectoryKeyStore:
    return DirectoryKeyStore(keystore_dir)


def test_rtds_store_indexes_by_certificate_content(rtds_store, keystore_dir):
    pems = sorted(keystore_dir.glob("*.pem"))
    # Every certificate and the one bare SPKI is indexed; the duplicated KA cert once.
    assert len(rtds_store) == len(pems) - 1
    supplier = rtds_store.public_keys(SUPPLIER)
    assert [e.name for e in supplier] == [f"{SUPPLIER}-ds.pem"]
    assert supplier[0].role == 0x02
    assert supplier[0].role_name == "Supplier"
    assert supplier[0].usage is KeyUsage.DIGITAL_SIGNATURE
    assert not supplier[0].device
    ka = rtds_store.public_keys(SUPPLIER, usage="ka")
    assert {e.tag for e in ka} == {"", "pp"}


def test_rtds_device_certificates_use_hardware_module_name(rtds_store):
    entries = [e for e in rtds_store.entries() if e.eui.startswith("00db")]
    assert entries
    assert all(e.device and e.role is None for e in entries)
    assert all(e.name.startswith(e.eui) for e in entries)


def test_rtds_name_mismatch_is_a_warning(rtds_store):
    warned = {f.path: f for f in rtds_store.findings}
    assert f"{WAN_PROVIDER}-ka.pem" in warned
    finding = warned[f"{WAN_PROVIDER}-ka.pem"]
    assert finding.outcome is Outcome.FAIL
    assert finding.verdict == "warning"
    assert SUPPLIER2.upper() in finding.message
    # Indexed by content: no KA key for the WAN provider, supplier 2's KA is there once.
    with pytest.raises(KeyNotFoundError):
        rtds_store.public_keys(WAN_PROVIDER, usage=KeyUsage.KEY_AGREEMENT)
    names = [e.name for e in rtds_store.public_keys(SUPPLIER2, usage="ka") if not e.tag]
    assert names == [f"{SUPPLIER2}-ka.pem"]
    assert rtds_store.public_keys(WAN_PROVIDER)[0].role == 0x06


def test_rtds_bare_spki_and_private_keys(rtds_store):
    # GBCS 18.4's Device A KA key is a bare SPKI: kept for key agreement, with a warning.
    spki = rtds_store.public_keys("FFFFFFFFFFFFFFFE", usage="ka")
    assert spki[0].certificate is None
    assert spki[0].role is None
    warned = {f.path: f.message for f in rtds_store.findings}
    assert "key agreement" in warned["fffffffffffffffe-ka.pem"]
    with pytest.raises(KeyNotFoundError):
        rtds_store.signing_keys("FFFFFFFFFFFFFFFE")
    private = rtds_store.private_key(SUPPLIER)
    assert public_key_to_raw(private.public_key()) == public_key_to_raw(
        rtds_store.public_key(SUPPLIER)
    )
    # The copied KA key file is reachable under its file name and under its certificate's EUI.
    assert rtds_store.private_key(WAN_PROVIDER, usage="ka") is not None
    assert rtds_store.private_key(SUPPLIER2, usage="ka") is not None
    with pytest.raises(KeyNotFoundError):
        rtds_store.private_key("00DB123456789001")


def test_lookup_forms_and_missing_keys(rtds_store):
    eui = Eui64.parse(SUPPLIER)
    for form in (eui, bytes(eui), SUPPLIER.upper(), "90-B3-D5-1F-30-01-00-00"):
        assert rtds_store.public_keys(form)[0].name == f"{SUPPLIER}-ds.pem"
    with pytest.raises(KeyNotFoundError, match="0102030405060708"):
        rtds_store.public_keys("0102030405060708")
    with pytest.raises(KeyNotFoundError):
        rtds_store.public_keys(SUPPLIER, role=0x03)
    with pytest.raises(InvalidValueError):
        rtds_store.public_keys("not an eui")
    with pytest.raises(InvalidValueError):
        rtds_store.public_keys(SUPPLIER, usage="encipherment")


def test_keystore_lookup_never_returns_ka_for_signing(rtds_store):
    signers = 0
    for eui in rtds_store.euis():
        try:
            keys = rtds_store.signing_keys(eui)
        except KeyNotFoundError:
            continue
        assert all(k.usage is KeyUsage.DIGITAL_SIGNATURE for k in keys)
        # Every RTDS signing key comes from a certificate whose KeyUsage is digitalSignature.
        for k in keys:
            assert k.certificate is not None
            usage = k.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
            assert usage.digital_signature
            assert not usage.key_agreement
        signers += len(keys)
    assert signers > 0
    # Three warnings: the copied KA certificate and key file, and the bare 18.4 SPKI.
    assert len(rtds_store.findings) == 3


# --- directory store built in the test --------------------------------------------------------


def _write_cert(path, cert) -> None:
    path.write_text(_pem(cert))


def test_directory_store_bad_files_are_findings(tmp_path):
    key = _key(11)
    good = gbcs_test_certificate(key.public_key(), bytes.fromhex(SUPPLIER), issuer_key=CA)
    _write_cert(tmp_path / f"{SUPPLIER}-ds.pem", good)
    (tmp_path / f"{SUPPLIER}-ka.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    (tmp_path / f"{SUPPLIER}-ds.key").write_text("not a key")
    (tmp_path / "readme.pem").write_text("x")
    (tmp_path / "notes.txt").write_text("ignored")
    p384 = ec.generate_private_key(ec.SECP384R1())
    (tmp_path / "0102030405060708-ds.pem").write_bytes(
        p384.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    store = DirectoryKeyStore(tmp_path)
    assert len(store) == 1
    paths = sorted(f.path for f in store.findings)
    assert paths == sorted(
        ["0102030405060708-ds.pem", "readme.pem", f"{SUPPLIER}-ds.key", f"{SUPPLIER}-ka.pem"]
    )
    assert all(f.verdict == "warning" for f in store.findings)


def test_directory_store_usage_mismatch_and_device_cert(tmp_path):
    device = "00db123456789abc"
    ka_cert = gbcs_test_certificate(
        _key(12).public_key(),
        bytes.fromhex(device),
        issuer_key=CA,
        role=None,
        digital_signature=False,
    )
    _write_cert(tmp_path / f"{device}-ds.pem", ka_cert)  # named ds, is KA
    store = DirectoryKeyStore(tmp_path)
    assert [f.path for f in store.findings] == [f"{device}-ds.pem"]
    with pytest.raises(KeyNotFoundError):
        store.public_keys(device)
    assert store.public_keys(device, usage="ka")[0].device


def test_missing_directory(tmp_path):
    with pytest.raises(DataFileError):
        DirectoryKeyStore(tmp_path / "nope")


# --- DCC Boxed keystore.json (generated fixture) ------------------------------------------------


def _boxed_entry(cert, private=None, role=None, name=None) -> dict[str, object]:
    entry: dict[str, object] = {"certificate": _pem(cert)}
    if private is not None:
        entry["privateKey"] = _pkcs8(private)
    if role is not None:
        entry["role"] = role
    if name is not None:
        entry["name"] = name
    return entry


@pytest.fixture
def boxed_json(tmp_path):
    """A small keystore.json in the DCC Boxed schema, made from fresh keys and certificates."""
    z1, z1b, xml, ka = _key(21), _key(22), _key(23), _key(24)
    c_z1 = gbcs_test_certificate(z1.public_key(), bytes.fromhex(SUPPLIER), issuer_key=CA, role=2)
    c_z1b = gbcs_test_certificate(z1b.public_key(), bytes.fromhex(SUPPLIER), issuer_key=CA, role=2)
    c_xml = gbcs_test_certificate(
        xml.public_key(), bytes.fromhex(SUPPLIER), issuer_key=CA, role=0x87
    )
    c_ka = gbcs_test_certificate(
        ka.public_key(), bytes.fromhex(SUPPLIER), issuer_key=CA, role=2, digital_signature=False
    )
    data = {
        SUPPLIER: {
            "digitalSignature": {
                str(c_z1.serial_number): _boxed_entry(c_z1, z1, 2, "Z1-supplier-ds"),
                str(c_z1b.serial_number): _boxed_entry(c_z1b, z1b, 2, "Z1b-supplier-ds"),
                str(c_xml.serial_number): _boxed_entry(c_xml, xml, 135, "xml-sign-ds"),
            },
            "keyAgreement": {
                str(c_ka.serial_number): _boxed_entry(c_ka, ka, 2, "Z1-supplierPP-ka"),
            },
        }
    }
    path = tmp_path / "keystore.json"
    path.write_text(json.dumps(data))
    return path, data, {"z1": z1, "z1b": z1b, "xml": xml, "ka": ka}


def test_dcc_boxed_store(boxed_json):
    path, _data, keys = boxed_json
    store = DccBoxedKeyStore(path)
    assert store.findings == ()
    names = [e.name for e in store.public_keys(SUPPLIER)]
    assert names == ["Z1-supplier-ds", "Z1b-supplier-ds", "xml-sign-ds"]
    # XML-signing keys never sign GBCS messages.
    assert [e.name for e in store.signing_keys(SUPPLIER)] == ["Z1-supplier-ds", "Z1b-supplier-ds"]
    assert store.public_keys(SUPPLIER, usage="ka")[0].tag == "pp"
    private = store.private_key(SUPPLIER)
    assert private.private_numbers().private_value == keys["z1"].private_numbers().private_value
    assert isinstance(open_keystore(path), DccBoxedKeyStore)


def test_dcc_boxed_bad_certificate_is_a_finding(boxed_json, tmp_path):
    _path, data, _ = boxed_json
    serial = next(iter(data[SUPPLIER]["digitalSignature"]))
    data[SUPPLIER]["digitalSignature"][serial]["certificate"] = (
        "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"
    )
    other = tmp_path / "broken.json"
    other.write_text(json.dumps(data))
    store = DccBoxedKeyStore(other)
    assert len(store.public_keys(SUPPLIER)) == 2
    assert [f.path for f in store.findings] == [f"{SUPPLIER}.digitalSignature.{serial}"]


def _null_parameter_certificate(subject_key, eui: bytes) -> bytes:
    """A certificate whose signature AlgorithmIdentifier carries a NULL parameter (as the DCC
    Boxed mdr-ds / mdr-ka certificates do), re-signed so that it is otherwise valid."""
    cert = gbcs_test_certificate(subject_key, eui, issuer_key=CA, role=0x7F)
    plain = bytes.fromhex("300a06082a8648ce3d040302")
    with_null = bytes.fromhex("300c06082a8648ce3d0403020500")

    def der(tag: int, body: bytes) -> bytes:
        if len(body) < 0x80:
            return bytes((tag, len(body))) + body
        size = (len(body).bit_length() + 7) // 8
        return bytes((tag, 0x80 | size)) + len(body).to_bytes(size, "big") + body

    tbs = cert.tbs_certificate_bytes
    header = 2 + (tbs[1] & 0x7F if tbs[1] & 0x80 else 0)
    tbs = der(0x30, tbs[header:].replace(plain, with_null))
    signature = CA.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return der(0x30, tbs + with_null + der(0x03, b"\x00" + signature))


def test_dcc_boxed_null_parameter_certificate_is_a_warning_never_a_crash(tmp_path):
    """The DCC Boxed mdr-ds/mdr-ka certificates carry a NULL signature-algorithm parameter.

    pyca/cryptography 48 loads such a certificate with a deprecation warning; later releases
    refuse it. Either way the store must load, say so in a warning finding naming the entry, and
    let no warning or exception escape.
    """
    key = _key(51)
    eui = "90b3d51f30010009"
    der = _null_parameter_certificate(key.public_key(), bytes.fromhex(eui))
    body = base64.encodebytes(der).decode("ascii")
    pem_text = f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            serial = x509.load_der_x509_certificate(der).serial_number
        loadable = True
    except ValueError:
        serial, loadable = 12345, False
    data = {
        eui: {
            "digitalSignature": {
                str(serial): {
                    "certificate": pem_text,
                    "privateKey": _pkcs8(key),
                    "role": 127,
                    "name": "mdr-ds",
                }
            }
        }
    }
    path = tmp_path / "keystore.json"
    path.write_text(json.dumps(data))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may escape the store
        store = DccBoxedKeyStore(path)
    assert [f.verdict for f in store.findings] == ["warning"]
    assert "mdr-ds" in store.findings[0].message
    if loadable:
        assert store.public_keys(eui)[0].name == "mdr-ds"
        assert "NULL parameter" in store.findings[0].message
    else:
        assert "not a usable certificate" in store.findings[0].message
        with pytest.raises(KeyNotFoundError):
            store.public_keys(eui)


def test_dcc_boxed_mismatches_are_findings(tmp_path):
    key = _key(31)
    cert = gbcs_test_certificate(key.public_key(), bytes.fromhex(SUPPLIER), issuer_key=CA, role=2)
    data = {
        SUPPLIER2: {
            "keyAgreement": {
                "12345": _boxed_entry(cert, _key(32), 3, "misfiled"),
            }
        }
    }
    path = tmp_path / "keystore.json"
    path.write_text(json.dumps(data))
    store = DccBoxedKeyStore(path)
    messages = " | ".join(f.message for f in store.findings)
    for fragment in ("certificate is for", "KeyUsage", "serial", "role", "does not match"):
        assert fragment in messages
    assert store.public_keys(SUPPLIER)[0].name == "misfiled"
    with pytest.raises(KeyNotFoundError):
        store.private_key(SUPPLIER)


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ("[]", None),
        ('{"xyz": {}}', "xyz"),
        (f'{{"{SUPPLIER}": []}}', SUPPLIER),
        (f'{{"{SUPPLIER}": {{"encipher": {{}}}}}}', f"{SUPPLIER}.encipher"),
        (f'{{"{SUPPLIER}": {{"keyAgreement": {{"1x": {{}}}}}}}}', f"{SUPPLIER}.keyAgreement.1x"),
        (f'{{"{SUPPLIER}": {{"keyAgreement": {{"1": {{}}}}}}}}', f"{SUPPLIER}.keyAgreement.1"),
        (
            f'{{"{SUPPLIER}": {{"keyAgreement": {{"1": {{"certificate": "x", "role": "2"}}}}}}}}',
            f"{SUPPLIER}.keyAgreement.1.role",
        ),
        ("{not json", None),
    ],
)
def test_dcc_boxed_schema_errors(tmp_path, content, key):
    path = tmp_path / "keystore.json"
    path.write_text(content)
    with pytest.raises(DataFileError) as info:
        DccBoxedKeyStore(path)
    assert info.value.key == key
    assert info.value.file == str(path)


def test_open_keystore(tmp_path, keystore_dir):
    assert isinstance(open_keystore(keystore_dir), DirectoryKeyStore)
    with pytest.raises(DataFileError):
        open_keystore(tmp_path / "missing.json")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(DataFileError):
        open_keystore(tmp_path / "x.txt")
    with pytest.raises(DataFileError):
        open_keystore(tmp_path / "nothing-here")


def test_directory_copy_agrees_with_original(keystore_dir, tmp_path):
    # Loading is deterministic and file-order independent for the remote-party subset.
    subset = tmp_path / "ks"
    subset.mkdir()
    for path in keystore_dir.glob("90b3d51f3*"):
        shutil.copy(path, subset / path.name)
    store = DirectoryKeyStore(subset)
    again = DirectoryKeyStore(subset)
    assert [e.name for e in store.entries()] == [e.name for e in again.entries()]
    assert len(store.findings) == 2


# --- memory store -------------------------------------------------------------------------------


def test_memory_store():
    store = MemoryKeyStore()
    key = _key(41)
    entry = store.add_key(SUPPLIER, key, role=2)
    assert store.public_keys(SUPPLIER) == (entry,)
    assert store.private_key(SUPPLIER) is key
    assert normalise_eui(bytes.fromhex(SUPPLIER)) == SUPPLIER
    with pytest.raises(KeyNotFoundError):
        store.public_keys(SUPPLIER, usage="ka")
    with pytest.raises(InvalidValueError):
        normalise_eui(b"\x01")


# --- key usage decides what a certificate is for ---------------------------------------------


@st.composite
def key_usages(draw: st.DrawFn) -> x509.KeyUsage:
    """Any KeyUsage pyca can encode (encipher/decipher-only need keyAgreement)."""
    flags = [draw(st.booleans()) for _ in range(7)]
    key_agreement = flags[4]
    only = (draw(st.booleans()), draw(st.booleans())) if key_agreement else (False, False)
    return x509.KeyUsage(*flags, *only)


def _certificate_with_usage(usage: x509.KeyUsage | None, eui: str, key) -> x509.Certificate:
    cert = gbcs_test_certificate(key.public_key(), bytes.fromhex(eui), issuer_key=CA, serial=77)
    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(key.public_key())
        .serial_number(77)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
    )
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    return builder.sign(CA, hashes.SHA256())


@settings(max_examples=60)
@given(st.one_of(st.none(), key_usages()), st.sampled_from(["ds", "ka"]))
def test_only_a_single_usage_certificate_is_used(tmp_path_factory, usage, suffix):
    folder = tmp_path_factory.mktemp("ks")
    key = _key(61)
    _write_cert(folder / f"{SUPPLIER}-{suffix}.pem", _certificate_with_usage(usage, SUPPLIER, key))
    store = DirectoryKeyStore(folder)
    ds = usage is not None and usage.digital_signature and not usage.key_agreement
    ka = usage is not None and usage.key_agreement and not usage.digital_signature
    assert bool(store.entries()) == (ds or ka)
    if ds:
        assert store.signing_keys(SUPPLIER)[0].name == f"{SUPPLIER}-{suffix}.pem"
    else:
        with pytest.raises(KeyNotFoundError):
            store.signing_keys(SUPPLIER)
    if ka:
        assert store.public_keys(SUPPLIER, usage="ka")
    # A warning unless the certificate is used exactly as its file name says.
    used_as_named = (ds and suffix == "ds") or (ka and suffix == "ka")
    assert bool(store.findings) != used_as_named
