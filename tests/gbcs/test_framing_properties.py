"""Property tests of GBCS framing over generated messages (Hypothesis)."""

from __future__ import annotations

import base64

from hypothesis import example, given
from hypothesis import strategies as st

from secrules.errors import DecodeError
from secrules.gbcs import GbcsMessage, MessageShape, encode_message, parse_message
from secrules.strategies import gbcs_message_bytes, gbcs_messages


def _decode_or_exact(data: bytes) -> None:
    error: DecodeError | None = None
    try:
        message = parse_message(data)
    except DecodeError as exc:
        error = exc
    if error is not None:
        assert error.offset is not None
        assert error.path
        return
    assert encode_message(message) == data


@given(gbcs_messages())
def test_generated_messages_round_trip(msg: GbcsMessage):
    data = encode_message(msg)
    again = parse_message(data)
    assert again == msg
    assert again.shape is msg.shape
    assert encode_message(again) == data
    assert again.fields == msg.fields


@given(gbcs_messages())
def test_fields_tile_the_message(msg: GbcsMessage):
    data = msg.encoded
    leaves = [
        span
        for name, span in msg.fields.items()
        if name not in ("apdu", "signed", "apdu.other_information")
    ]
    covered = sorted((s.offset, s.end) for s in leaves)
    position = 0
    for start, end in covered:
        assert start == position
        position = end
    assert position == len(data)
    assert msg.signed_bytes == data[msg.fields["signed"].offset : msg.fields["signed"].end]
    assert data[msg.fields["apdu"].offset] == 0xDF
    assert data[msg.content_offset : msg.content_offset + len(msg.content)] == msg.content
    assert msg.content_offset == msg.fields["apdu.content"].offset
    parsed = parse_message(data)  # the fast reader's record, before any field map is built
    assert parsed.content_offset == msg.fields["apdu.content"].offset


@given(gbcs_messages(shapes=[MessageShape.SIGNED_APDU, MessageShape.MACD]))
def test_text_forms(msg: GbcsMessage):
    data = msg.encoded
    assert parse_message(data.hex()) == msg
    assert parse_message(data.hex().upper()) == msg
    assert parse_message(base64.b64encode(data).decode("ascii")) == msg


@given(gbcs_message_bytes(max_content=200), st.data())
def test_mutated_generated_messages(data: bytes, draw):
    if draw.draw(st.booleans()):
        _decode_or_exact(data[: draw.draw(st.integers(0, len(data) - 1))])
    else:
        at = draw.draw(st.integers(0, len(data) - 1))
        value = draw.draw(st.integers(0, 255))
        _decode_or_exact(data[:at] + bytes([value]) + data[at + 1 :])


@given(st.binary(max_size=300))
@example(b"")
@example(b"\xdd")
@example(b"\xdf")
@example(b"\xdd\x00\x00\x00\x00\x00\x00\x80")
def test_random_bytes(data: bytes):
    _decode_or_exact(data)


@given(st.sampled_from([b"\xdf\x09", b"\xdd\x00\x00\x00\x00\x00\x00"]), st.binary(max_size=200))
def test_random_bytes_after_valid_tags(prefix: bytes, tail: bytes):
    _decode_or_exact(prefix + tail)


@given(st.text(max_size=200))
def test_random_text(text: str):
    try:
        message = parse_message(text)
    except DecodeError:
        return
    assert isinstance(message, GbcsMessage)
