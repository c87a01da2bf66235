"""GBCS framing against the public RTDS 4.5.0 messages (read in place from ../shared/vectors).

Spec gbcs-messages-and-ecdsa.md P1 (exact round trip, shape kept), P4 (mutation property), E5
(signed span) and section 5 (pre-commands are prefixes of their command's APDU).
"""

from __future__ import annotations

import collections
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secrules.errors import DecodeError
from secrules.gbcs import MessageShape, encode_message, lookup, parse_message

#: Every fixed field and length of the headers (MAC header, Grouping Header and
#: other-information) lies in the first 96 octets of an RTDS message.
HEADER_SPAN = 96


@pytest.fixture(scope="module")
def rtds(rtds_files, hexfile) -> list[tuple[Path, bytes]]:
    return [(path, hexfile(path)) for path in rtds_files]


def _mutation_ok(mutated: bytes) -> None:
    """P4: DecodeError, or a message that re-encodes to exactly these bytes. Nothing else."""
    error: DecodeError | None = None
    try:
        message = parse_message(mutated)
    except DecodeError as exc:
        error = exc
    if error is not None:
        assert error.offset is not None
        assert error.path
        assert 0 <= error.offset <= len(mutated)
        return
    assert encode_message(message) == mutated


def test_every_rtds_message_round_trips(rtds):
    shapes = collections.Counter()
    for path, data in rtds:
        message = parse_message(data)
        assert encode_message(message) == data, path.name
        assert parse_message(encode_message(message)) == message
        shapes[message.shape] += 1
    print(f"\nRTDS round trip: {len(rtds)} files; by shape: {dict(shapes)}")  # noqa: T201 - count report
    assert sum(shapes.values()) == len(rtds)
    assert shapes[MessageShape.MACD] > 0


def test_shape_matches_file_kind_and_first_octet(rtds):
    for path, data in rtds:
        message = parse_message(data)
        if data[0] == 0xDD:
            assert message.shape is MessageShape.MACD
            assert message.mac == data[-12:]
        elif path.name.endswith("_PRECOMMAND_GBCS.HEX"):
            assert message.shape is MessageShape.PRE_COMMAND, path.name
            assert message.signature is None
            assert "apdu.signature.length" not in message.fields
        else:
            assert message.shape is MessageShape.SIGNED_APDU, path.name
            assert message.signature is not None
            assert message.signature == data[-64:]


def test_text_forms_parse_the_same(rtds):
    import base64

    for _path, data in rtds[:40]:
        expected = parse_message(data)
        text = data.hex()
        spaced = " ".join(text[i : i + 2] for i in range(0, len(text), 2))
        assert parse_message(text.upper()) == expected
        assert parse_message(text.lower() + "\n") == expected
        assert parse_message(spaced) == expected
        assert parse_message(base64.b64encode(data).decode()) == expected


def test_signed_span_is_df_exclusive_to_end_of_content(rtds):
    for path, data in rtds:
        message = parse_message(data)
        apdu_at = message.fields["apdu"].offset
        assert data[apdu_at] == 0xDF
        span = message.fields["signed"]
        assert span.offset == apdu_at + 1
        assert span.end == message.fields["apdu.content"].end
        assert message.signed_bytes == data[span.offset : span.end], path.name


def test_precommands_are_prefixes_of_their_command_apdu(rtds):
    by_name = {path.name: (path, data) for path, data in rtds}
    pairs = 0
    for name, (_path, data) in by_name.items():
        if not name.endswith("_PRECOMMAND_GBCS.HEX"):
            continue
        command = by_name.get(name.replace("_PRECOMMAND_", "_COMMAND_"))
        if command is None:
            continue
        pre = parse_message(data)
        cmd = parse_message(command[1])
        assert cmd.apdu.startswith(pre.apdu), name
        assert pre.signed_bytes == cmd.signed_bytes
        pairs += 1
    assert pairs > 0


def test_every_rtds_message_code_is_tabled(rtds):
    missing = {}
    for path, data in rtds:
        code = parse_message(data).message_code
        if lookup(code) is None:
            missing[f"0x{code:04X}"] = path.parent.name
    assert not missing


def test_response_counter_echoes_command(rtds):
    by_name = {path.name: data for path, data in rtds}
    checked = 0
    for name, data in by_name.items():
        if "_RESPONSE_GBCS" not in name:
            continue
        command = by_name.get(name.replace("_RESPONSE_", "_COMMAND_"))
        if command is None:
            continue
        assert parse_message(data).counter == parse_message(command).counter, name
        checked += 1
    assert checked > 0


@given(data=st.data())
def test_mutation_property_rtds(rtds, data):
    """P4 over random RTDS messages: truncate, or change one octet."""
    _path, raw = data.draw(st.sampled_from(rtds))
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(raw) - 1))
        _mutation_ok(raw[:cut])
    else:
        at = data.draw(st.integers(0, len(raw) - 1))
        value = data.draw(st.integers(0, 255).filter(lambda v: v != raw[at]))
        _mutation_ok(raw[:at] + bytes([value]) + raw[at + 1 :])


def test_mutation_sweep_every_position_of_sample_messages(rtds):
    """P4 deterministically: truncations of every file at every header offset (where the
    length fields are) and at a seeded sample of later offsets; octet changes at every offset of
    the ECS37 and CS02c messages and of a seeded sample of others."""
    rng = random.Random(131)
    for _path, raw in rtds:
        later = range(HEADER_SPAN, len(raw))
        cuts = [*range(min(HEADER_SPAN, len(raw))), *rng.sample(later, min(8, len(later)))]
        for cut in cuts:
            _mutation_ok(raw[:cut])
    sample = [item for item in rtds if "ECS37" in item[0].name or "CS02c" in item[0].name]
    sample += rng.sample(rtds, min(4, len(rtds)))
    for _path, raw in sample:
        for at in range(len(raw)):
            for value in (raw[at] ^ 0x01, raw[at] ^ 0x80, rng.randrange(256)):
                if value != raw[at]:
                    _mutation_ok(raw[:at] + bytes([value]) + raw[at + 1 :])


def test_trailing_octet_is_rejected_with_path(rtds):
    for path, data in rtds:
        # A pre-command plus 00 is the valid DF ... 00 form, so give it one more octet.
        extra = b"\x00\x00" if path.name.endswith("_PRECOMMAND_GBCS.HEX") else b"\x00"
        with pytest.raises(DecodeError) as info:
            parse_message(data + extra)
        assert info.value.path, path.name
        assert info.value.offset is not None


def test_message_code_offset_without_the_field_map(rtds_files, hexfile):
    """The cheap offset the content rules use equals the field map's, on every RTDS message."""
    for path in rtds_files:
        message = parse_message(hexfile(path))
        assert message.message_code_offset == message.offset(
            "apdu.other_information.message_code"
        ), path
