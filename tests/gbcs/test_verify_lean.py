"""The lean signature path of verify_message agrees with the full path, finding for finding.

``verify_message(raw, store)`` slices the originator, signed span and signature from the octets
(``read_signed_span``); given a parsed message it takes the full path (the record's fields).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from secrules.core.findings import Outcome
from secrules.errors import DecodeError
from secrules.gbcs import MemoryKeyStore, MessageShape, parse_message, verify_message
from secrules.gbcs.ecdsa import P256_ORDER, checked_plain_to_der
from secrules.gbcs.fastpath import read_fast, read_signed_span
from secrules.gbcs.message import signed_span_of
from secrules.strategies import gbcs_messages
from secrules.strategies.ecdsa import p256_private_keys, signed_gbcs_messages


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


def _span_by_record(raw: bytes):
    """What read_signed_span must say, read from the fast reader's record."""
    record = read_fast(raw)
    if record is None or record.signature is None:
        return None
    start, end = signed_span_of(record)
    return record.originator.octets, start, end, record.signature


_OCTETS = (0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 17, 18, 19, 25, 26, 27, 0x40, 0x80, 0x81, 0x82, 0xDF)


@st.composite
def framed_and_mutated(draw):
    """A message of any shape, long-form lengths included, with a few octets changed or cut:
    mostly signed ones, changed mostly in the ciphering header, rows A1-A9 and lengths."""
    signed = [MessageShape.SIGNED_APDU, MessageShape.MACD]
    message = draw(gbcs_messages(shapes=signed if draw(st.integers(0, 4)) else None))
    raw = bytearray(message.encoded)
    apdu = signed_span_of(message)[0] - 1
    for _ in range(draw(st.integers(0, 2))):
        near = st.integers(0, min(apdu + 45, len(raw) - 1))
        at = draw(near | near | st.integers(0, len(raw) - 1))
        raw[at] = draw(st.sampled_from(_OCTETS) | st.integers(0, 255))
    if not draw(st.integers(0, 5)):
        raw = raw[: draw(st.integers(0, len(raw)))]
    return bytes(raw)


@settings(max_examples=150, deadline=None)
@given(raw=framed_and_mutated())
def test_read_signed_span_is_the_fast_readers_span(raw):
    assert read_signed_span(raw) == _span_by_record(raw)


def test_read_signed_span_on_every_rtds_message(rtds_files, hexfile):
    for path in rtds_files:
        raw = hexfile(path)
        assert read_signed_span(raw) == _span_by_record(raw), path.name


@settings(max_examples=10, deadline=None)
@given(sample=signed_gbcs_messages(max_content=20), other=p256_private_keys())
def test_pass_findings_follow_each_store_and_its_changes(sample, other):
    """Equal PASS findings may be shared, but each names its own store's key, and a key added
    after a lookup is seen (the per-originator cache is cleared)."""
    number = sample.private_key.private_numbers().private_value
    assume(other.private_numbers().private_value != number)
    first, second = MemoryKeyStore(), MemoryKeyStore()
    first.add_key(sample.originator, sample.public_key, name="first.pem")
    second.add_key(sample.originator, other.public_key(), name="wrong.pem")
    for store in (first, second):
        assert verify_message(sample.message, store) == verify_message(
            parse_message(sample.message), store
        )
    assert verify_message(sample.message, second).outcome is Outcome.FAIL
    second.add_key(sample.originator, sample.public_key, name="second.pem")
    passed = verify_message(sample.message, second)
    assert passed.outcome is Outcome.PASS
    assert "second.pem" in passed.message
    assert "first.pem" in verify_message(sample.message, first).message


def _non_minimal(length: int) -> bytes:
    """``length`` in a long form one octet longer than minimal (which GBCS decoders refuse)."""
    size = 1 if length < 0x80 else (length.bit_length() + 7) // 8 + 1
    return bytes((0x80 | size,)) + length.to_bytes(size, "big")


def _reframed(raw: bytes):
    """Each signed message re-encoded with one length non-minimal or one field reshaped."""
    message = parse_message(raw)
    start, end = signed_span_of(message)
    content_at = end - len(message.content)
    head = 1 if len(message.content) < 0x80 else 1 + (len(message.content).bit_length() + 7) // 8
    yield raw[: content_at - head] + _non_minimal(len(message.content)) + raw[content_at:]
    apdu = start - 1
    yield raw[: apdu + 29] + b"\x01\x00" + raw[apdu + 30 :]  # a 1-octet date-time
    yield raw[: apdu + 2] + b"\x04" + raw[apdu + 3 :]  # CRA flag 4
    if raw[0] == 0xDD:
        after = 8 if raw[7] < 0x80 else 8 + (raw[7] & 0x7F)  # the service length's end
        yield raw[:7] + _non_minimal(len(raw) - after) + raw[after:]


def test_read_signed_span_refuses_what_the_fast_reader_refuses(rtds_files, hexfile):
    tried = 0
    for path in rtds_files:
        raw = hexfile(path)
        if read_signed_span(raw) is None:
            continue
        for changed in _reframed(raw):
            tried += 1
            assert read_signed_span(changed) is None, path.name
            assert _span_by_record(changed) is None, path.name
    assert tried > 300
