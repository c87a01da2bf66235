"""The hand-written fast GBCS reader against the construct declaration (differential tests).

``parse_message`` reads well-formed input with ``read_fast`` (struct + slicing, filling the
record slot by slot) and reads anything else with the declaration (``read_checked``, which
names the failing path and offset). These tests check that the two agree on every field: on
every RTDS message, on generated messages of all four shapes and on mutated, truncated, resized
and random input (same acceptance, same values, same record); that the slot-filled record is the
one ``__init__`` builds; and that the derived views are lazy and, once computed, equal to the
declaration's.
"""

from __future__ import annotations

import copy
import pickle
import random
from pathlib import Path

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from secrules.dlms.lengths import encode_length
from secrules.errors import DecodeError
from secrules.gbcs import MAC_LENGTH, GbcsMessage, MessageShape, parse_message, verify_message
from secrules.gbcs.decode import read_checked
from secrules.gbcs.fastpath import RECORD_SLOTS, read_fast
from secrules.gbcs.keystore import DirectoryKeyStore
from secrules.gbcs.layout import field_spans
from secrules.gbcs.message import signed_span_of
from secrules.gbcs.verification import SIGNATURE_RULE, SignatureSubject
from secrules.strategies import gbcs_messages

_FIELDS_SLOT = GbcsMessage.__dict__["fields"]  # the field map, read with the declaration


def _is_cached(message: GbcsMessage) -> bool:
    try:
        _FIELDS_SLOT.__get__(message, GbcsMessage)
    except AttributeError:
        return False
    return True


def _check_accepted(data: bytes) -> GbcsMessage:
    """Everything that must hold for input both readers accept."""
    fast = read_fast(data)
    assert fast is not None, "the fast reader must not defer on valid input"
    checked = read_checked(data)
    for name in RECORD_SLOTS:  # every field, value and type
        assert getattr(fast, name) == getattr(checked, name), name
        assert type(getattr(fast, name)) is type(getattr(checked, name)), name
    assert fast == checked
    # The slot-filled record is exactly what __init__ builds (validators and post-init run).
    rebuilt = attrs.evolve(fast)
    assert hash(rebuilt) == hash(fast)
    assert repr(rebuilt) == repr(fast)
    # Nothing re-read yet; the prefilled views equal what the declaration gives.
    assert not _is_cached(fast)
    assert fast.encoded == data
    assert rebuilt.encoded == data  # built with the declaration, not prefilled
    fields = field_spans(data)
    signed = fields["signed"]
    assert signed_span_of(fast) == (signed.offset, signed.end)
    assert fast.signed_bytes == rebuilt.signed_bytes == data[signed.offset : signed.end]
    assert not _is_cached(fast)
    assert fast.fields == rebuilt.fields == fields
    assert _is_cached(fast)
    return fast


def _check_same_outcome(data: bytes) -> None:
    """Any input: both readers accept it with the same record, or the fast reader defers (and
    parse_message raises the declaration's error, located by path and offset)."""
    expected: DecodeError | GbcsMessage
    try:
        expected = read_checked(data)
    except DecodeError as exc:
        expected = exc
    if isinstance(expected, GbcsMessage):
        assert _check_accepted(data) == expected
        assert parse_message(data) == expected
        return
    assert expected.path
    assert expected.offset is not None
    assert 0 <= expected.offset <= len(data)
    assert read_fast(data) is None


def test_fast_reader_fills_every_attrs_field():
    assert tuple(f.name for f in attrs.fields(GbcsMessage)) == RECORD_SLOTS


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


@st.composite
def wire_inputs(draw: st.DrawFn) -> bytes:
    """A generated message's octets: as encoded, or truncated, with one octet changed, with a
    length-prefixed field resized or removed (lengths kept consistent, perhaps non-minimal), or
    with octets inserted."""
    msg = draw(gbcs_messages(max_content=150))
    data = msg.encoded
    how = draw(st.sampled_from(("valid", "truncated", "octet", "resized", "inserted")))
    if how == "truncated":
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "octet":
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if how == "resized":
        size = draw(st.none() | st.integers(0, 140))
        body = None if size is None else draw(st.binary(min_size=size, max_size=size))
        return _reframed(msg, draw(st.sampled_from(_BODIES)), body, long_form=draw(st.booleans()))
    if how == "inserted":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return data


@given(wire_inputs())
def test_fast_reader_and_declaration_agree(data: bytes):
    """Differential property: the same record field by field, or both reject."""
    _check_same_outcome(data)


@given(gbcs_messages())
def test_generated_messages_are_read_fast(msg: GbcsMessage):
    assert _check_accepted(msg.encoded) == msg


@given(
    st.sampled_from([b"", b"\xdf\x09", b"\xdd\x00\x00\x00\x00\x00\x00"]), st.binary(max_size=120)
)
@example(b"\xdd\x00\x00\x00\x00\x00\x00", b"\x11")
@example(b"\xdd\x00\x00\x00\x00\x00\x00", b"\x81\x11")
def test_random_input_agrees(prefix: bytes, tail: bytes):
    data = prefix + tail
    _check_same_outcome(data)
    expected: GbcsMessage | tuple[str, str | None, int | None]
    try:
        expected = read_checked(data)
    except DecodeError as exc:
        expected = (exc.message, exc.path, exc.offset)
    if isinstance(expected, GbcsMessage):
        assert parse_message(data) == expected
        return
    with pytest.raises(DecodeError) as info:
        parse_message(data)
    assert (info.value.message, info.value.path, info.value.offset) == expected


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
