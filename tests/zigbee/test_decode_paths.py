"""GBZ / ZCL decoding's fast paths against independent oracles.

The decoder reads whole heads with precompiled structs, reads layout fields inline and fills
records slot by slot (no ``__init__``); a short read falls back to the field-by-field reader for
its error. These tests check both paths against what does not share that code: ``__init__``'s
validators, the generic :func:`read_field`, and the offsets of the re-encoded payload's tree.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from secrules.core.tree import Node
from secrules.errors import DecodeError
from secrules.gbcs import CraFlag, parse_message
from secrules.strategies import gbz_alerts, gbz_payloads
from secrules.zigbee import (
    GbzAlert,
    GbzComponent,
    GbzField,
    GbzPayload,
    ZclGroup,
    ZclHeader,
    ZclValue,
    decode_gbz,
    decode_zcl_plaintext,
    zcl_names,
)
from secrules.zigbee.names import CommandLayout, Field
from secrules.zigbee.types import read_field
from secrules.zigbee.zcl import decode_zcl_header
from support import missing_vectors

_RECORDS = (GbzPayload, GbzAlert, GbzField, GbzComponent, ZclHeader, ZclGroup, ZclValue)


def rebuilt(record: object) -> object:
    """``record`` built again through ``__init__`` (every validator and converter), bottom up."""
    if isinstance(record, tuple):
        return tuple(rebuilt(r) for r in record)
    if not isinstance(record, _RECORDS):
        return record
    values = {a.name: rebuilt(getattr(record, a.name)) for a in attrs.fields(type(record))}
    return type(record)(**values)


def assert_valid_records(payload: GbzPayload) -> None:
    """Every record the decoder filled slot by slot is one ``__init__`` accepts, and equal."""
    again = rebuilt(payload)
    assert again == payload
    assert repr(again) == repr(payload)


def test_rtds_decoded_records_pass_their_validators(rtds_files, hexfile):
    seen = 0
    for path in rtds_files:
        message = parse_message(hexfile(path))
        if message.content[:2] != b"\x01\x09":
            continue
        payload = decode_gbz(message.content, alert=message.cra_flag is CraFlag.ALERT)
        assert_valid_records(payload)
        seen += 1
    if not seen:
        missing_vectors("no GBZ payload in the RTDS vectors")


@given(st.one_of(gbz_payloads(max_components=3), gbz_alerts()), st.data())
def test_property_mutated_payloads_decode_to_valid_records(payload, data):
    raw = bytearray(payload.encode())
    alert = payload.alert is not None
    if raw:
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] ^= data.draw(st.integers(1, 255))
    try:
        decoded = decode_gbz(bytes(raw), alert=alert)
    except DecodeError:
        return
    assert_valid_records(decoded)


# --- truncation: the error names the field the cut runs through (read off the tree) ----------


def _cut_error(tree: Node, cut: int) -> tuple[str, int] | None:
    """The (path, offset) a payload cut at ``cut`` must fail at; None when it still decodes.

    Heads are read field by field; a component's body is vouched for by its GBZ command length,
    so a cut inside the body is that length running past the end; an unknown alert code's
    octets are raw to the end, so a cut inside them still decodes.
    """
    for node in tree.children:
        if not node.offset <= cut < node.end:
            continue
        if node.name == "octets":
            return None
        if node.name != "components":
            return node.name, node.offset
        for i, component in enumerate(node.children):
            if component.offset <= cut < component.end:
                head = {child.name: child for child in component.children}
                for name in ("control", "cluster_id"):
                    if head[name].offset <= cut < head[name].end:
                        return f"components[{i}].{name}", head[name].offset
                return f"components[{i}].length", head["length"].offset
    raise AssertionError(f"cut {cut} is outside every field of the tree")


@given(st.one_of(gbz_payloads(max_components=3), gbz_alerts()))
def test_property_a_cut_payload_fails_at_the_field_it_runs_through(payload):
    raw = payload.encode()
    tree = payload.tree()
    alert = payload.alert is not None
    for cut in range(len(raw)):
        expected = _cut_error(tree, cut)
        if expected is None:
            assert decode_gbz(raw[:cut], alert=alert).encode() == raw[:cut]
            continue
        with pytest.raises(DecodeError) as caught:
            decode_gbz(raw[:cut], alert=alert)
        assert (caught.value.path, caught.value.offset) == expected, cut
        assert caught.value.message.startswith(("truncated", "GBZ command length"))


# --- ZCL: the compiled layouts read as the generic reader does --------------------------------


def _read_by_layout(layout: CommandLayout, octets: bytes) -> list[ZclValue]:
    """The layout's leading fields read one by one with ``read_field``; raises its DecodeError.

    The repeated records and the optional tail are read too (for their errors), not returned.
    """
    end = len(octets)
    at = 0
    fields: list[ZclValue] = []

    def read(field: Field, path: str) -> None:
        nonlocal at
        value, at = read_field(field.type, octets, at, end, f"{path}.{field.name}")
        if path == "payload" and len(fields) < len(layout.fields):
            fields.append(ZclValue(field.name, field.type.name, value))

    for field in layout.fields:
        read(field, "payload")
    records = 0
    while layout.repeat and at < end:
        for field in layout.repeat:
            read(field, f"payload.records[{records}]")
        records += 1
    if layout.optional and end - at >= sum(f.type.size or 1 for f in layout.optional):
        for field in layout.optional:
            read(field, "payload")
    return fields


def _read_or_error(layout: CommandLayout, octets: bytes) -> list[ZclValue] | DecodeError:
    try:
        return _read_by_layout(layout, octets)
    except DecodeError as exc:
        return exc


def _agrees_with_read_field(key: tuple[int, int, int], octets: bytes) -> None:
    cluster, direction, command = key
    header = ZclHeader(0x01 | direction << 3, 0, command)
    expected = _read_or_error(zcl_names().commands[key], octets)
    if isinstance(expected, DecodeError):
        with pytest.raises(DecodeError) as caught:
            decode_zcl_plaintext(octets, cluster_id=cluster, header=header)
        got = caught.value
        assert (got.message, got.offset, got.path) == (
            expected.message,
            expected.offset,
            expected.path,
        )
        return
    payload = decode_zcl_plaintext(octets, cluster_id=cluster, header=header)
    assert payload.items[: len(expected)] == tuple(expected)
    assert payload.encode() == octets


def test_every_layout_and_every_cut_reads_as_read_field_reads_it():
    """All ones (negative signed values, long strings) and a count pattern, cut everywhere."""
    for key, layout in zcl_names().commands.items():
        size = sum(f.type.size or 2 for f in (*layout.fields, *layout.repeat, *layout.optional))
        for octets in (b"\xff" * (size + 3), bytes(range(1, size + 4))):
            for cut in range(len(octets) + 1):
                _agrees_with_read_field(key, octets[:cut])


@given(st.sampled_from(sorted(zcl_names().commands)), st.binary(max_size=48))
def test_property_layouts_read_as_read_field_reads_them(key, octets):
    _agrees_with_read_field(key, octets)


@given(st.binary(max_size=7), st.integers(0, 7))
def test_property_zcl_header_matches_its_constructor(octets, pos):
    end = len(octets)
    maker = pos < end and bool(octets[pos] & 0x04)
    need = 5 if maker else 3
    if pos + need > end:
        with pytest.raises(DecodeError) as caught:
            decode_zcl_header(octets, pos, end, "h")
        assert caught.value.offset == max(pos, min(end, pos + need))
        assert caught.value.message.startswith(f"truncated ZCL header: {need} octets expected")
        return
    header, after = decode_zcl_header(octets, pos, end, "h")
    fields = octets[pos : pos + need]
    code = int.from_bytes(fields[1:3], "little") if maker else None
    assert header == ZclHeader(fields[0], fields[-2], fields[-1], code)
    assert header.encode() == fields
    assert after == pos + need
