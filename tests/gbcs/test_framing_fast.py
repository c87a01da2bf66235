"""The fast GBCS reader against the construct declaration and the field-by-field reader.

``parse_message`` reads well-formed input with ``_read_fast`` (struct + slicing, filling the
record slot by slot) and falls back to ``_parse_checked`` (field by field, naming the failing
path and offset). The construct layouts (``APDU_LAYOUT``, ``MACD_LAYOUT``) are the declared
layout. These tests check that all three agree: on every RTDS message, on generated messages
of all four shapes, and on mutated, truncated and random input (same acceptance, same values,
same errors); that the slot-filled record is the one ``__init__`` builds; and that the derived
views are lazy and, once computed, equal to the encoder's.
"""

from __future__ import annotations

import copy
import pickle
import random
from pathlib import Path
from typing import Any

import attrs
import construct as cs
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import example, given
from hypothesis import strategies as st

from secrules.dlms.lengths import encode_length
from secrules.errors import DecodeError, UnsupportedKeyError
from secrules.gbcs import Eui64, GbcsMessage, MessageShape, parse_message, verify_message
from secrules.gbcs.ecdsa import sign
from secrules.gbcs.framing import (
    _FAST_FIELDS,
    APDU_LAYOUT,
    MAC_LENGTH,
    MACD_LAYOUT,
    _encode,
    _parse_checked,
    _read_fast,
    _signed_span_of,
)
from secrules.gbcs.keystore import DirectoryKeyStore
from secrules.gbcs.verification import SIGNATURE_RULE, SignatureSubject, _verifies
from secrules.strategies import gbcs_message_bytes, gbcs_messages

_LAZY_SLOT = GbcsMessage.__dict__["_layout"]  # the re-encoding (bytes + fields map) cache


def _is_cached(message: GbcsMessage) -> bool:
    try:
        _LAZY_SLOT.__get__(message, GbcsMessage)
    except AttributeError:
        return False
    return True


# --- The construct declaration as an oracle. -------------------------------------------------


def _layout_message(data: bytes) -> GbcsMessage:
    """Decode ``data`` with the construct layouts alone and build the record with __init__."""
    if data[:1] == b"\xdd":
        parsed = MACD_LAYOUT.parse(data)
        apdu, mac = parsed.apdu, parsed.mac
        invocation = parsed.mac_header.invocation_counter
        shape = MessageShape.MACD
    else:
        apdu = APDU_LAYOUT.parse(data)
        mac, invocation = None, 0
        if apdu.signature is None:
            shape = MessageShape.PRE_COMMAND
        elif apdu.signature:
            shape = MessageShape.SIGNED_APDU
        else:
            shape = MessageShape.UNSIGNED_APDU
    oi = apdu.other_information
    rp_id = oi.supplementary_remote_party_id
    return GbcsMessage(
        shape=shape,
        cra_flag=apdu.cra_flag,
        counter=apdu.originator_counter,
        originator=Eui64(apdu.originator_system_title),
        recipient=Eui64(apdu.recipient_system_title),
        message_code=oi.message_code,
        content=apdu.content,
        signature=apdu.signature or None,
        mac=mac,
        date_time=apdu.date_time or None,
        supplementary_remote_party_id=None if rp_id is None else Eui64(rp_id),
        supplementary_remote_party_counter=oi.supplementary_remote_party_counter,
        supplementary_originator_counter=oi.supplementary_originator_counter,
        ka_certificate=oi.ka_certificate,
        invocation_counter=invocation,
    )


def _layout_build(msg: GbcsMessage) -> bytes:
    """Encode ``msg`` with the construct layouts alone."""
    apdu: dict[str, Any] = {
        "cra_flag": int(msg.cra_flag),
        "originator_counter": msg.counter,
        "originator_system_title": msg.originator.octets,
        "recipient_system_title": msg.recipient.octets,
        "date_time": msg.date_time or b"",
        "other_information": {
            "message_code": msg.message_code,
            "supplementary_remote_party_id": (
                None
                if msg.supplementary_remote_party_id is None
                else msg.supplementary_remote_party_id.octets
            ),
            "supplementary_remote_party_counter": msg.supplementary_remote_party_counter,
            "supplementary_originator_counter": msg.supplementary_originator_counter,
            "ka_certificate": msg.ka_certificate,
        },
        "content": msg.content,
        "signature": (None if msg.shape is MessageShape.PRE_COMMAND else (msg.signature or b"")),
    }
    raw = APDU_LAYOUT.build(apdu)
    if msg.shape is not MessageShape.MACD:
        return raw
    return MACD_LAYOUT.build(
        {
            "mac_header": {
                "ciphered_service_length": 5 + len(raw) + MAC_LENGTH,
                "invocation_counter": msg.invocation_counter,
            },
            "apdu": apdu,
            "mac": msg.mac,
        }
    )


def _layout_accepts(data: bytes) -> bool:
    try:
        _layout_message(data)
    except cs.ConstructError:
        return False
    return True


# --- The agreement checks. -----------------------------------------------------------------


def _check_accepted(data: bytes) -> GbcsMessage:
    """Everything that must hold for input every reader accepts."""
    fast = _read_fast(data)
    assert fast is not None, "the fast reader must not defer on valid input"
    checked = _parse_checked(data)
    assert fast == checked
    assert _layout_message(data) == fast
    # The slot-filled record is exactly what __init__ builds (validators and post-init run).
    rebuilt = attrs.evolve(fast)
    assert rebuilt == fast
    assert hash(rebuilt) == hash(fast)
    assert repr(rebuilt) == repr(fast)
    assert all(type(getattr(rebuilt, f)) is type(getattr(fast, f)) for f in _FAST_FIELDS)
    # Nothing re-encoded yet; the prefilled views equal what the encoder computes.
    assert not _is_cached(fast)
    encoded, fields = _encode(fast)
    assert encoded == data
    assert fast.encoded == data
    assert rebuilt.encoded == data  # computed by the encoder, not prefilled
    signed = fields["signed"]
    assert _signed_span_of(fast) == (signed.offset, signed.end)
    assert fast.signed_bytes == rebuilt.signed_bytes == data[signed.offset : signed.end]
    assert not _is_cached(fast)
    assert fast.fields == rebuilt.fields == fields
    assert _is_cached(fast)
    assert _layout_build(fast) == data
    return fast


def _check_same_outcome(data: bytes) -> None:
    """Any input: the readers accept the same inputs, and parse_message's errors are the
    field-by-field reader's (path, offset and text)."""
    expected: DecodeError | GbcsMessage
    try:
        expected = _parse_checked(data)
    except DecodeError as exc:
        expected = exc
    if isinstance(expected, GbcsMessage):
        assert _check_accepted(data) == expected
        assert parse_message(data) == expected
        return
    assert _read_fast(data) is None
    assert not _layout_accepts(data)
    with pytest.raises(DecodeError) as info:
        parse_message(data)
    got = info.value
    assert (got.message, got.path, got.offset) == (expected.message, expected.path, expected.offset)


def test_fast_reader_fills_every_attrs_field():
    assert tuple(f.name for f in attrs.fields(GbcsMessage)) == _FAST_FIELDS


@pytest.fixture(scope="module")
def rtds(rtds_files, hexfile) -> list[tuple[Path, bytes]]:
    return [(path, hexfile(path)) for path in rtds_files]


def test_every_rtds_message_agrees(rtds):
    for path, data in rtds:
        try:
            _check_accepted(data)
        except AssertionError as exc:
            raise AssertionError(path.name) from exc


def test_rtds_mutations_agree(rtds):
    rng = random.Random(20261124)
    for _path, data in rtds[::5]:
        for _ in range(4):
            at = rng.randrange(len(data))
            mutated = bytearray(data)
            mutated[at] = rng.randrange(256)
            _check_same_outcome(bytes(mutated))
        _check_same_outcome(data[: rng.randrange(len(data))])


@given(gbcs_messages())
def test_generated_messages_agree(msg: GbcsMessage):
    data = msg.encoded
    assert _check_accepted(data) == msg


@given(gbcs_message_bytes(max_content=200), st.data())
def test_mutated_generated_messages_agree(data: bytes, draw):
    if draw.draw(st.booleans()):
        _check_same_outcome(data[: draw.draw(st.integers(0, len(data) - 1))])
    else:
        at = draw.draw(st.integers(0, len(data) - 1))
        value = draw.draw(st.integers(0, 255))
        _check_same_outcome(data[:at] + bytes([value]) + data[at + 1 :])


_BODIES = ("date_time", "other_information", "content", "signature")


def _reframed(msg: GbcsMessage, which: str, body: bytes | None, *, long_form: bool) -> bytes:
    """``msg`` re-framed with the length-prefixed field ``which`` replaced by ``body`` (None:
    no field at all), every other field and the MAC header's length kept consistent;
    ``long_form`` writes a short length as ``81 nn`` (non-minimal)."""
    data, fields = msg.encoded, msg.fields
    apdu_at = fields["apdu"].offset
    parts: dict[str, bytes | None] = {}
    for name in _BODIES:
        span = fields.get(f"apdu.{name}")
        if span is not None:
            parts[name] = data[span.offset : span.end]
        elif name == "signature" and msg.shape is MessageShape.PRE_COMMAND:
            parts[name] = None
        else:
            parts[name] = b""
    parts[which] = body
    apdu = bytearray(data[apdu_at : apdu_at + 29])  # rows A1-A6
    for name in _BODIES:
        value = parts[name]
        if value is None:
            continue
        length = encode_length(len(value))
        if long_form and name == which and len(length) == 1:
            length = b"\x81" + length
        apdu += length + value
    if msg.shape is not MessageShape.MACD:
        return bytes(apdu)
    assert msg.mac is not None
    service = encode_length(5 + len(apdu) + MAC_LENGTH)
    header = b"\xdd\x00\x00\x00\x00\x00\x00" + service + data[apdu_at - 5 : apdu_at]
    return header + bytes(apdu) + msg.mac


_SIZES = (None, *range(30), 63, 64, 65, 127, 128, 200)


def _own_messages() -> list[GbcsMessage]:
    base = GbcsMessage(
        shape=MessageShape.MACD,
        cra_flag=1,
        counter=0x0102030405060708,
        originator=bytes.fromhex("90B3D51F30010000"),
        recipient=bytes.fromhex("00DB1234567890A0"),
        message_code=0x004A,
        content=b"\xd9\x20\x00\x00\x01\x00\x00\x00",
        signature=bytes(range(64)),
        mac=bytes(range(12)),
        invocation_counter=7,
    )
    bare = {"mac": None, "invocation_counter": 0}
    return [
        base,
        attrs.evolve(base, signature=None, date_time=bytes(12)),
        attrs.evolve(base, shape=MessageShape.SIGNED_APDU, **bare),
        attrs.evolve(base, shape=MessageShape.PRE_COMMAND, signature=None, **bare),
        attrs.evolve(
            base,
            shape=MessageShape.UNSIGNED_APDU,
            signature=None,
            supplementary_remote_party_id=bytes(8),
            supplementary_remote_party_counter=1,
            **bare,
        ),
    ]


def test_every_field_size_agrees():
    """Each length-prefixed field of each shape, at sizes around every accepted value."""
    rng = random.Random(1)
    count = 0
    for msg in _own_messages():
        for which in _BODIES:
            for size in _SIZES:
                body = None if size is None else rng.randbytes(size)
                for long_form in (False, True):
                    _check_same_outcome(_reframed(msg, which, body, long_form=long_form))
                    count += 1
    assert count == len(_own_messages()) * len(_BODIES) * len(_SIZES) * 2


def test_every_value_of_every_one_octet_field_agrees():
    """Tags, fixed lengths, the CRA flag and every short length octet, set to each of 256 values."""
    count = 0
    for msg in _own_messages():
        data = msg.encoded
        for span in msg.fields.values():
            if span.length != 1:
                continue
            for value in range(256):
                _check_same_outcome(data[: span.offset] + bytes([value]) + data[span.end :])
                count += 1
    assert count > 5 * 8 * 256


@given(
    gbcs_messages(max_content=150),
    st.sampled_from(_BODIES),
    st.none() | st.integers(0, 140),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_resized_fields_agree(msg: GbcsMessage, which: str, size, long_form: bool, rng):
    body = None if size is None else rng.randbytes(size)
    _check_same_outcome(_reframed(msg, which, body, long_form=long_form))


@given(
    st.sampled_from([b"", b"\xdf\x09", b"\xdd\x00\x00\x00\x00\x00\x00"]), st.binary(max_size=120)
)
@example(b"\xdd\x00\x00\x00\x00\x00\x00", b"\x11")
@example(b"\xdd\x00\x00\x00\x00\x00\x00", b"\x81\x11")
def test_random_input_agrees(prefix: bytes, tail: bytes):
    _check_same_outcome(prefix + tail)


# --- Behaviour of the lazily derived views. ------------------------------------------------


@given(gbcs_messages())
def test_parsed_records_copy_pickle_and_evolve_like_built_ones(msg: GbcsMessage):
    parsed = parse_message(msg.encoded)
    pickled = pickle.loads(pickle.dumps(parsed))  # noqa: S301 - our own record, just pickled
    for other in (copy.copy(parsed), copy.deepcopy(parsed), pickled):
        assert other == msg
        assert other.encoded == msg.encoded
        assert other.fields == msg.fields
    changed = attrs.evolve(parsed, counter=(parsed.counter + 1) % 2**64)
    assert changed.encoded != msg.encoded  # no stale cache carried over
    assert (
        changed.signed_bytes
        == changed.encoded[changed.fields["signed"].offset :][: changed.fields["signed"].length]
    )


def test_text_and_buffer_inputs_take_the_fast_path(rtds):
    _path, data = rtds[0]
    expected = parse_message(data)
    for form in (bytearray(data), memoryview(data), data.hex(), data.hex().upper()):
        message = parse_message(form)
        assert message == expected
        assert not _is_cached(message)
        assert message.encoded == data


def test_verify_message_matches_the_rule_on_re_encoded_records(rtds, keystore_dir):
    """verify_message's short path gives exactly the Finding of SIGNATURE_RULE.evaluate on a
    record whose views come from the encoder, for valid and for tampered signed messages."""
    store = DirectoryKeyStore(keystore_dir)
    rng = random.Random(7)
    checked = 0
    for _path, data in rtds:
        message = parse_message(data)
        if message.signature is None:
            continue
        content = message.fields["apdu.content"]
        tampered = bytearray(data)
        if content.length:
            tampered[rng.randrange(content.offset, content.end)] ^= 0x01
        for raw in (data, bytes(tampered)):
            fresh = attrs.evolve(parse_message(raw))
            expected = SIGNATURE_RULE.evaluate(SignatureSubject(fresh, store))[0]
            assert verify_message(raw, store) == expected
            assert verify_message(fresh, store) == expected
        parsed = parse_message(data)
        verify_message(parsed, store)
        assert not _is_cached(parsed)  # verifying needed no re-encoding
        checked += 1
    assert checked > 200


def test_direct_pyca_call_keeps_ecdsa_verify_semantics():
    """verify_message's shortcut to pyca applies only to pyca's P-256 keys; others still get
    ecdsa.verify's checks (UnsupportedKeyError for another curve)."""
    private = ec.generate_private_key(ec.SECP256R1())
    signature = sign(private, b"signed span")
    der = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
    assert _verifies(private.public_key(), b"signed span", der, signature)
    assert not _verifies(private.public_key(), b"signed spam", der, signature)
    other = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(UnsupportedKeyError):
        _verifies(other, b"signed span", der, signature)
