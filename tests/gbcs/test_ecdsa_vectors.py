"""Known-answer tests for secrules.gbcs.ecdsa from the `cryptography_vectors` package.

* NIST CAVP FIPS 186-3 SigVer.rsp, section [P-256,SHA-256]: expected verdicts via ``verify``
  after conversion of R, S to plain r||s.
* FIPS 186-3 SigGen.txt, [P-256,SHA-256]: d -> Q key-pair checks, and (R, S) verify.
* OpenSSL's RFC 6979 P-256 block (evppkey_ecdsa_rfc6979.txt): the SHA-256 deterministic
  signature of "sample" and "test" is reproduced by ``sign(..., deterministic=True)``.
"""

from __future__ import annotations

import re

import cryptography_vectors  # the test extra installs it: a missing package must fail, not skip
from cryptography.hazmat.primitives.asymmetric import ec

from secrules.errors import UnsupportedKeyError
from secrules.gbcs import ecdsa


def _read(path: str) -> str:
    with cryptography_vectors.open_vector_file(path, "r") as handle:
        return handle.read()


def _section(text: str, header: str) -> str:
    start = text.index(header) + len(header)
    end = text.find("\n[", start)
    return text[start : end if end != -1 else None]


def _records(block: str) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for raw_line in block.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            if current:
                records.append(current)
                current = {}
            continue
        key, _, value = line.partition("=")
        current[key.strip()] = value.strip()
    if current:
        records.append(current)
    return records


def _public(qx: str, qy: str) -> ec.EllipticCurvePublicKey:
    return ecdsa.public_key_from_raw(bytes.fromhex(qx.zfill(64)) + bytes.fromhex(qy.zfill(64)))


def _plain(r: str, s: str) -> bytes:
    return int(r, 16).to_bytes(32, "big") + int(s, 16).to_bytes(32, "big")


def test_cavp_sigver_p256_sha256():
    block = _section(_read("asymmetric/ECDSA/FIPS_186-3/SigVer.rsp"), "[P-256,SHA-256]")
    cases = [r for r in _records(block) if "Msg" in r]
    assert len(cases) == 15
    outcomes = []
    for case in cases:
        expected = case["Result"].startswith("P")
        try:
            public = _public(case["Qx"], case["Qy"])
        except UnsupportedKeyError:  # a "Q changed" case may be off the curve
            assert not expected
            outcomes.append(False)
            continue
        got = ecdsa.verify(public, bytes.fromhex(case["Msg"]), _plain(case["R"], case["S"]))
        assert got is expected, case["Result"]
        outcomes.append(got)
    assert outcomes.count(True) == 3


def test_cavp_siggen_p256_sha256():
    block = _section(_read("asymmetric/ECDSA/FIPS_186-3/SigGen.txt"), "[P-256,SHA-256]")
    cases = [r for r in _records(block) if "Msg" in r]
    assert len(cases) == 15
    for case in cases:
        private = ec.derive_private_key(int(case["d"], 16), ec.SECP256R1())
        public = _public(case["Qx"], case["Qy"])
        assert ecdsa.public_key_to_raw(private.public_key()) == ecdsa.public_key_to_raw(public)
        data = bytes.fromhex(case["Msg"])
        assert ecdsa.verify(public, data, _plain(case["R"], case["S"]))
        # A fresh signature under this key verifies too (k cannot be replayed through pyca).
        assert ecdsa.verify(public, data, ecdsa.sign(private, data))


def test_rfc6979_p256_sha256_known_answers():
    text = _read("asymmetric/ECDSA/RFC6979/evppkey_ecdsa_rfc6979.txt")
    start = text.index("Title = RFC 6979 P-256 deterministic ECDSA tests")
    end = text.index("Title = ", start + 10)
    block = text[start:end]
    pem = re.search(
        r"PrivateKey=P-256_PRIV\n(-----BEGIN PRIVATE KEY-----.*?-----END PRIVATE KEY-----)",
        block,
        re.S,
    )
    assert pem is not None
    private = ecdsa.load_private_key(pem.group(1).encode())
    cases = [
        r
        for r in _records(block)
        if r.get("DigestSign") == "SHA256" and r.get("NonceType") == "deterministic"
    ]
    assert {c["Input"] for c in cases} == {'"sample"', '"test"'}
    for case in cases:
        data = case["Input"].strip('"').encode()
        expected = ecdsa.der_to_plain(bytes.fromhex(case["Output"]))
        assert ecdsa.sign(private, data, deterministic=True) == expected
        assert ecdsa.verify(private.public_key(), data, expected)
    # The RFC's own "sample" vector (RFC 6979 A.2.5, SHA-256), r and s as printed there.
    sample = ecdsa.sign(private, b"sample", deterministic=True)
    assert sample[:32].hex().upper().startswith("EFD48B2AACB6A8FD")
