"""The lean signature path of verify_message agrees with the full path, finding for finding.

``verify_message(raw, store)`` slices the originator, signed span and signature from the octets
(``read_signed_span``); given a parsed message it takes the full path (the record's fields).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from secrules.errors import DecodeError
from secrules.gbcs import MemoryKeyStore, parse_message, verify_message
from secrules.gbcs.ecdsa import P256_ORDER, checked_plain_to_der
from secrules.gbcs.fastpath import read_signed_span
from secrules.strategies.ecdsa import signed_gbcs_messages


def _outcome(call):
    try:
        return call()
    except DecodeError as exc:
        return ("DecodeError", str(exc))


def _both(raw: bytes, store: MemoryKeyStore):
    lean = _outcome(lambda: verify_message(raw, store))
    full = _outcome(lambda: verify_message(parse_message(raw), store))
    return lean, full


@st.composite
def signed_and_mutated(draw):
    """A signed message, a store that may or may not hold its key, and a mutation of it."""
    sample = draw(signed_gbcs_messages(max_content=40))
    store = MemoryKeyStore()
    if draw(st.booleans()):
        store.add_key(sample.originator, sample.public_key)
    raw = bytearray(sample.message)
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(raw) - 1))
        raw[at] = draw(st.integers(0, 255))
    if draw(st.booleans()) and len(raw) > 70:
        raw = raw[: -draw(st.integers(1, 3))]
    return bytes(raw), store


@settings(max_examples=60, deadline=None)
@given(case=signed_and_mutated())
def test_lean_and_full_paths_give_the_same_finding(case):
    raw, store = case
    lean, full = _both(raw, store)
    assert lean == full


def test_lean_path_on_every_rtds_message(rtds_files, keystore_dir, hexfile):
    from secrules.gbcs import open_keystore

    store = open_keystore(keystore_dir)
    lean_used = 0
    for path in rtds_files:
        raw = hexfile(path)
        lean_used += read_signed_span(raw) is not None
        lean, full = _both(raw, store)
        assert lean == full, path.name
    assert lean_used > 100


@given(r=st.integers(1, P256_ORDER - 1), s=st.integers(1, P256_ORDER - 1))
def test_checked_plain_to_der_is_encode_dss_signature(r, s):
    plain = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert checked_plain_to_der(plain) == encode_dss_signature(r, s)


@pytest.mark.parametrize("value", [1, 0x7F, 0x80, 0xFF, 0x100, P256_ORDER - 1])
def test_checked_plain_to_der_edges(value):
    plain = value.to_bytes(32, "big") * 2
    assert checked_plain_to_der(plain) == encode_dss_signature(value, value)
