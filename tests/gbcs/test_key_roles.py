"""Key roles (spec E6, E8): signing with a key store needs the originator's Digital Signature key,
and certificate validity is checked only at an explicit ``at=`` time (RFC 5280 4.1.2.5)."""

from __future__ import annotations

import datetime as dt
import re
import time

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from secrules.core.findings import Outcome
from secrules.errors import (
    InvalidValueError,
    KeyMismatchError,
    KeyNotFoundError,
    SecrulesError,
)
from secrules.gbcs import (
    DirectoryKeyStore,
    Eui64,
    KeyUsage,
    MemoryKeyStore,
    MessageShape,
    encode_message,
    parse_message,
    sign_precommand,
    verify_message,
)
from secrules.gbcs.keystore import CertificateValidity, KeyEntry
from secrules.gbcs.verification import protection_findings
from support import missing_vectors

SUPPLIER = "90B3D51F30010000"
UTC = dt.UTC
NOT_BEFORE = dt.datetime(2024, 3, 1, tzinfo=UTC)
NOT_AFTER = dt.datetime(2024, 9, 30, 23, 59, 59, tzinfo=UTC)
INSIDE = dt.datetime(2024, 6, 1, 12, tzinfo=UTC)
TICK = dt.timedelta(microseconds=1)
ZONES = (UTC, dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=-5, minutes=-30)))


@pytest.fixture(scope="module")
def store(keystore_dir) -> DirectoryKeyStore:
    return DirectoryKeyStore(keystore_dir)


@pytest.fixture(scope="module")
def precommand(rtds_files, hexfile) -> bytes:
    """An RTDS pre-command (bare DF APDU, no signature field) from the supplier."""
    found = None
    for path in rtds_files:
        raw = hexfile(path)
        message = parse_message(raw)
        if message.shape is MessageShape.PRE_COMMAND and message.originator.hex == SUPPLIER:
            found = raw
            break
    if found is None:
        missing_vectors("no supplier pre-command in the vectors subset")
    return found


def _from(precommand: bytes, eui: str) -> bytes:
    """``precommand`` with originator system title ``eui``."""
    message = parse_message(precommand)
    return encode_message(attrs.evolve(message, originator=Eui64.parse(eui)))


def _private_keys(
    store: DirectoryKeyStore, usage: KeyUsage
) -> dict[str, ec.EllipticCurvePrivateKey]:
    found = {}
    for eui in store.euis():
        try:
            found[eui.upper()] = store.private_key(eui, usage=usage)
        except KeyNotFoundError:
            continue
    return found


# --- signing with a key store (RTDS test PKI) ---------------------------------------------------


def test_each_rtds_ds_key_signs_for_its_own_eui(store, precommand):
    keys = _private_keys(store, KeyUsage.DIGITAL_SIGNATURE)
    assert len(keys) >= 8  # the full set publishes 8 DS private keys
    for eui, key in keys.items():
        raw = _from(precommand, eui)
        signed = sign_precommand(raw, key, keystore=store)
        finding = verify_message(signed, store)
        assert finding.outcome is Outcome.PASS, (eui, finding.message)
        assert f"{eui.lower()}-ds.pem" in finding.message


def test_ka_key_of_the_originator_is_refused(store, precommand):
    refused = 0
    for eui, key in _private_keys(store, KeyUsage.KEY_AGREEMENT).items():
        owners = {e.eui.upper() for e in store.entries_for(key)}
        raw = _from(precommand, eui)
        with pytest.raises(KeyMismatchError, match="Key Agreement key of") as caught:
            sign_precommand(raw, key, keystore=store)
        if owners == {eui}:  # the WAN Provider's -ka pair is supplier 2's credential (quirk)
            assert (
                f"that is the Key Agreement key of {eui}; signing needs its Digital Signature key"
                in str(caught.value)
            )
            refused += 1
        else:  # the key is another EUI's Key Agreement key
            [owner] = owners
            assert f"that is the Key Agreement key of {owner}; signing needs the Digital" in str(
                caught.value
            )
    assert refused >= 5


def test_another_eui_ds_key_is_refused(store, precommand):
    keys = _private_keys(store, KeyUsage.DIGITAL_SIGNATURE)
    others = [eui for eui in keys if eui != SUPPLIER]
    assert others
    for other in others:
        with pytest.raises(KeyMismatchError) as caught:
            sign_precommand(precommand, keys[other], keystore=store)
        text = str(caught.value)
        assert f"the Digital Signature key of {other}, not of the originator" in text
        assert f"signing needs the Digital Signature key of originator {SUPPLIER}" in text


def test_unknown_key_is_refused_naming_originator_and_usage(store, precommand):
    with pytest.raises(KeyMismatchError) as caught:
        sign_precommand(precommand, ec.derive_private_key(4242, ec.SECP256R1()), keystore=store)
    text = str(caught.value)
    assert "is not in key store" in text
    assert f"{SUPPLIER.lower()}-ds.pem" in text  # the key that was expected
    assert f"Digital Signature key of originator {SUPPLIER}" in text
    # An originator the store has no DS key for says so.
    with pytest.raises(KeyMismatchError, match="holds no Digital Signature key for 0011"):
        sign_precommand(
            _from(precommand, "0011223344556677"),
            ec.derive_private_key(4242, ec.SECP256R1()),
            keystore=store,
        )


def test_key_mismatch_is_a_secrules_value_error():
    assert issubclass(KeyMismatchError, SecrulesError)
    assert issubclass(KeyMismatchError, ValueError)


def test_without_a_store_no_check_is_made(store, precommand):
    ka = store.private_key(SUPPLIER, usage=KeyUsage.KEY_AGREEMENT)
    signed = sign_precommand(precommand, ka)  # any P-256 key signs: nothing to check it against
    assert verify_message(signed, store).outcome is Outcome.FAIL  # ...and the DS key rejects it
    with pytest.raises(InvalidValueError, match="keystore"):
        sign_precommand(precommand, ka, at=INSIDE)
    with pytest.raises(InvalidValueError, match="KeyStore"):
        sign_precommand(precommand, ka, keystore="keys/")  # type: ignore[arg-type]


def test_rtds_certificates_at_a_time(store, precommand):
    """The RTDS supplier DS certificate runs 2015-10-30 through 2025-10-29T23:59:59Z."""
    key = store.private_key(SUPPLIER, usage=KeyUsage.DIGITAL_SIGNATURE)
    signed = sign_precommand(
        precommand, key, keystore=store, at=dt.datetime(2020, 1, 1, tzinfo=UTC)
    )
    assert verify_message(signed, store, at=dt.datetime(2020, 1, 1, tzinfo=UTC)).outcome is (
        Outcome.PASS
    )
    later = dt.datetime(2026, 1, 1, tzinfo=UTC)
    expired = verify_message(signed, store, at=later)
    assert expired.outcome is Outcome.FAIL
    assert "expired" in expired.message
    assert "2025-10-29T23:59:59+00:00" in expired.message
    with pytest.raises(KeyMismatchError, match="expired"):
        sign_precommand(precommand, key, keystore=store, at=later)
    with pytest.raises(KeyNotFoundError, match="valid at"):
        store.signing_keys(SUPPLIER, at=later)
    with pytest.raises(KeyNotFoundError, match="not yet valid"):
        store.public_keys(SUPPLIER, at=dt.datetime(2015, 1, 1, tzinfo=UTC))
    assert store.signing_keys(SUPPLIER, at=dt.datetime(2020, 1, 1, tzinfo=UTC))


# --- certificate validity at an explicit time -----------------------------------------------------


def _certificate(
    key: ec.EllipticCurvePrivateKey,
    not_before: dt.datetime = NOT_BEFORE,
    not_after: dt.datetime = NOT_AFTER,
    *,
    serial: int = 1,
) -> x509.Certificate:
    """A Digital Signature certificate for ``key`` valid from ``not_before`` to ``not_after``."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "validity test")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ec.derive_private_key(7, ec.SECP256R1()), hashes.SHA256())
    )


def _entry(key: ec.EllipticCurvePrivateKey, cert: x509.Certificate | None, name: str) -> KeyEntry:
    return KeyEntry(
        eui=SUPPLIER.lower(),
        usage=KeyUsage.DIGITAL_SIGNATURE,
        public_key=key.public_key(),
        name=name,
        source="test",
        serial=None if cert is None else cert.serial_number,
        role=0x02,
        certificate=cert,
    )


SIGNER = ec.derive_private_key(1234, ec.SECP256R1())


@pytest.fixture(scope="module")
def dated(precommand) -> tuple[MemoryKeyStore, bytes]:
    """A store holding one DS certificate (NOT_BEFORE..NOT_AFTER) and a message it signed."""
    store = MemoryKeyStore([_entry(SIGNER, _certificate(SIGNER), "dated-ds.pem")])
    assert store.findings == ()
    return store, sign_precommand(precommand, SIGNER, keystore=store, at=INSIDE)


@pytest.mark.parametrize(
    ("at", "outcome", "reason"),
    [
        (INSIDE, Outcome.PASS, "valid at"),
        (NOT_BEFORE, Outcome.PASS, "valid at"),
        (NOT_AFTER, Outcome.PASS, "valid at"),
        (NOT_BEFORE - TICK, Outcome.FAIL, "not yet valid"),
        (NOT_AFTER + TICK, Outcome.FAIL, "expired"),
        (NOT_AFTER + dt.timedelta(days=400), Outcome.FAIL, "expired"),
        (NOT_BEFORE.astimezone(ZONES[1]), Outcome.PASS, "valid at"),
        ((NOT_AFTER + TICK).astimezone(ZONES[2]), Outcome.FAIL, "expired"),
    ],
)
def test_validity_boundaries_are_inclusive(dated, at, outcome, reason):
    store, signed = dated
    finding = verify_message(signed, store, at=at)
    assert finding.outcome is outcome, finding.message
    assert reason in finding.message
    assert "dated-ds.pem" in finding.message
    # The same verdict through the rule set that check() runs.
    message = parse_message(signed)
    [signature] = [
        f for f in protection_findings(message, store, at=at) if f.rule_id == "gbcs.signature"
    ]
    assert (signature.outcome, signature.message) == (finding.outcome, finding.message)


def test_without_at_validity_is_not_checked_and_says_so(dated):
    store, signed = dated
    finding = verify_message(signed, store)
    assert finding.outcome is Outcome.PASS
    assert "validity not checked" in finding.message
    # Even far outside the certificate's window: no time, no check.
    assert verify_message(signed, store, at=None).outcome is Outcome.PASS


@given(
    st.datetimes(
        min_value=dt.datetime(2024, 2, 27),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=dt.datetime(2024, 10, 3),  # noqa: DTZ001
        timezones=st.sampled_from(ZONES),
    )
)
def test_pass_exactly_inside_the_window(dated, at):
    store, signed = dated
    finding = verify_message(signed, store, at=at)
    inside = NOT_BEFORE <= at <= NOT_AFTER
    assert finding.outcome is (Outcome.PASS if inside else Outcome.FAIL), (at, finding.message)
    if not inside:
        assert ("not yet valid" if at < NOT_BEFORE else "expired") in finding.message


def test_signing_needs_a_certificate_valid_at_at(dated, precommand):
    store, _signed = dated
    assert sign_precommand(precommand, SIGNER, keystore=store, at=NOT_AFTER)
    with pytest.raises(KeyMismatchError, match="expired"):
        sign_precommand(precommand, SIGNER, keystore=store, at=NOT_AFTER + TICK)
    with pytest.raises(KeyMismatchError, match="not yet valid"):
        sign_precommand(precommand, SIGNER, keystore=store, at=NOT_BEFORE - TICK)


def test_any_valid_generation_passes(precommand):
    old = _certificate(SIGNER, dt.datetime(2020, 1, 1, tzinfo=UTC), NOT_BEFORE - TICK, serial=2)
    store = MemoryKeyStore(
        [_entry(SIGNER, old, "old-ds.pem"), _entry(SIGNER, _certificate(SIGNER), "new-ds.pem")]
    )
    signed = sign_precommand(precommand, SIGNER, keystore=store, at=INSIDE)
    finding = verify_message(signed, store, at=INSIDE)
    assert finding.outcome is Outcome.PASS
    assert "new-ds.pem" in finding.message
    both_gone = verify_message(signed, store, at=NOT_AFTER + TICK)
    assert both_gone.outcome is Outcome.FAIL
    assert "old-ds.pem" in both_gone.message
    assert "new-ds.pem" in both_gone.message


def test_key_without_certificate_is_indeterminate_at_a_time(precommand):
    store = MemoryKeyStore()
    store.add_key(SUPPLIER, SIGNER, name="bare")
    signed = sign_precommand(precommand, SIGNER, keystore=store)
    assert verify_message(signed, store).outcome is Outcome.PASS
    finding = verify_message(signed, store, at=INSIDE)
    assert finding.outcome is Outcome.INDETERMINATE
    assert "has no certificate" in finding.message
    with pytest.raises(KeyMismatchError, match="has no certificate"):
        sign_precommand(precommand, SIGNER, keystore=store, at=INSIDE)


def test_entry_validity():
    entry = _entry(SIGNER, _certificate(SIGNER), "e")
    assert entry.validity(INSIDE) is CertificateValidity.VALID
    assert entry.validity(NOT_BEFORE - TICK) is CertificateValidity.NOT_YET_VALID
    assert entry.validity(NOT_AFTER + TICK) is CertificateValidity.EXPIRED
    assert entry.validity_problem(INSIDE) is None
    assert _entry(SIGNER, None, "bare").validity(INSIDE) is CertificateValidity.UNKNOWN


@pytest.mark.parametrize(
    "bad",
    [
        dt.datetime(2024, 6, 1),  # noqa: DTZ001 - naive on purpose
        dt.date(2024, 6, 1),
        "2024-06-01T00:00:00Z",
        1717200000,
    ],
)
def test_at_must_be_an_aware_datetime(dated, precommand, bad):
    store, signed = dated
    with pytest.raises(InvalidValueError, match="timezone-aware"):
        verify_message(signed, store, at=bad)
    with pytest.raises(InvalidValueError, match="timezone-aware"):
        sign_precommand(precommand, SIGNER, keystore=store, at=bad)
    with pytest.raises(InvalidValueError, match="timezone-aware"):
        protection_findings(parse_message(signed), store, at=bad)
    with pytest.raises(InvalidValueError, match="timezone-aware"):
        store.signing_keys(SUPPLIER, at=bad)


class _NoClock(dt.datetime):
    """A datetime whose wall-clock constructors fail the test."""

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _NoClock:
        raise AssertionError("read the wall clock (datetime.now)")

    @classmethod
    def utcnow(cls) -> _NoClock:
        raise AssertionError("read the wall clock (datetime.utcnow)")

    @classmethod
    def today(cls) -> _NoClock:
        raise AssertionError("read the wall clock (datetime.today)")


def _no_clock(*_args: object) -> float:
    raise AssertionError("read the wall clock (time)")


def test_validity_never_reads_the_wall_clock(dated, precommand, monkeypatch):
    store, signed = dated
    monkeypatch.setattr(dt, "datetime", _NoClock)
    for name in ("time", "time_ns", "localtime", "gmtime", "ctime"):
        monkeypatch.setattr(time, name, _no_clock)
    at = _NoClock(2024, 6, 1, tzinfo=UTC)
    late = _NoClock(2030, 1, 1, tzinfo=UTC)
    assert verify_message(signed, store, at=at).outcome is Outcome.PASS
    assert verify_message(signed, store, at=late).outcome is Outcome.FAIL
    assert verify_message(signed, store).outcome is Outcome.PASS
    assert sign_precommand(precommand, SIGNER, keystore=store, at=at)
    assert store.signing_keys(SUPPLIER, at=at)
    assert protection_findings(parse_message(signed), store, at=late)


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path, precommand, keystore_dir, store):
    pre = tmp_path / "pre.hex"
    pre.write_text(precommand.hex().upper())
    signed = tmp_path / "signed.hex"
    key = store.private_key(SUPPLIER, usage=KeyUsage.DIGITAL_SIGNATURE)
    signed.write_text(sign_precommand(precommand, key).hex().upper())
    return {
        "pre": pre,
        "signed": signed,
        "ds": keystore_dir / f"{SUPPLIER.lower()}-ds.key",
        "ka": keystore_dir / f"{SUPPLIER.lower()}-ka.key",
        "store": keystore_dir,
    }


def _error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    return [
        line
        for line in err.splitlines()
        if line.startswith("secrules: ")
        and not line.startswith(("secrules: note", "secrules: wrote"))
        and ": warning:" not in line
    ]


def test_cli_sign_refuses_a_ka_key_with_a_store(run_cli, files):
    result = run_cli(
        "gbcs", "sign", files["pre"], "--key", files["ka"], "--keystore", files["store"]
    )
    assert result.code == 2
    [line] = _error_lines(result.err)
    assert f"that is the Key Agreement key of {SUPPLIER}; signing needs its Digital" in line
    assert result.out == ""
    # Without a store the same key signs, as before (no check is made).
    assert run_cli("gbcs", "sign", files["pre"], "--key", files["ka"]).code == 0


def test_cli_sign_at(run_cli, files):
    args = ("gbcs", "sign", files["pre"], "--key", files["ds"], "--keystore", files["store"])
    ok = run_cli(*args, "--at", "2020-01-01T00:00:00Z")
    assert ok.code == 0
    assert bytes.fromhex(ok.out.strip()).startswith(bytes.fromhex(files["pre"].read_text()))
    late = run_cli(*args, "--at", "2026-01-01T00:00:00+01:00")
    assert late.code == 2
    [line] = _error_lines(late.err)
    assert "expired" in line
    alone = run_cli("gbcs", "sign", files["pre"], "--key", files["ds"], "--at", "2020-01-01T00:00Z")
    assert alone.code == 2
    [line] = _error_lines(alone.err)
    assert "--at needs --keystore" in line


def test_cli_verify_and_check_at(run_cli, files):
    verify = ("gbcs", "verify", files["signed"], "--keystore", files["store"])
    assert run_cli(*verify).code == 0
    assert run_cli(*verify, "--at", "2020-01-01T00:00:00Z").code == 0
    late = run_cli(*verify, "--at", "2026-01-01T00:00:00Z")
    assert late.code == 1
    assert re.search(r"FAIL +gbcs\.signature", late.out)
    assert "expired" in late.out
    check = ("check", files["signed"], "--keystore", files["store"])
    assert run_cli(*check, "--at", "2020-01-01T00:00:00Z").code == 0
    early = run_cli(*check, "--at", "2015-01-01T00:00:00Z", "--format", "json")
    assert early.code == 1
    assert "not yet valid" in early.out
    no_store = run_cli("check", files["signed"], "--at", "2020-01-01T00:00:00Z")
    assert no_store.code == 2
    assert "--at needs --keystore" in _error_lines(no_store.err)[0]


@pytest.mark.parametrize(("text", "why"), [("2020-01-01", "no time zone"), ("soon", "ISO 8601")])
def test_cli_at_must_be_iso_with_a_zone(run_cli, files, text, why):
    for argv in (
        ("gbcs", "verify", files["signed"], "--keystore", files["store"], "--at", text),
        ("check", files["signed"], "--keystore", files["store"], "--at", text),
    ):
        result = run_cli(*argv)
        assert result.code == 2
        [line] = _error_lines(result.err)
        assert why in line
