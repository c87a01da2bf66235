"""Hypothesis strategies for ASN.1 DER payloads: TLV trees and GBCS-shaped payloads.

Every drawn value encodes, and decodes back to an equal value::

    from hypothesis import given
    from secrules.asn1 import decode_tlv
    from secrules.strategies.asn1 import tlv_trees

    @given(tlv_trees())
    def test_round_trip(tlv):
        assert decode_tlv(tlv.encode()) == tlv

:func:`tlv_trees` draws non-minimal length forms too (``81 xx``, ``82 00 xx``), as GBCS
devices send them; :func:`gbcs_asn1_payloads` draws (message code, payload) pairs that match
a GBCS use-case structure.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from secrules.asn1.tlv import Tlv, encode_length

__all__ = ["der_integers", "gbcs_asn1_payloads", "length_octets", "tlv_trees"]

_PRIMITIVE_TAGS = (0x01, 0x02, 0x03, 0x04, 0x05, 0x0A, 0x0C, 0x18, 0x80, 0x81, 0x83, 0x84)
_CONSTRUCTED_TAGS = (0x30, 0x31, 0xA2, 0xA5, 0xA6)


@st.composite
def length_octets(draw: st.DrawFn, size: int) -> bytes:
    """Length octets stating ``size``: the minimal form or a longer (non-minimal) one."""
    minimal = encode_length(size)
    width = draw(st.integers(len(minimal) - (1 if size >= 0x80 else 0), 4))
    if width == 0 or draw(st.booleans()):
        return minimal
    return bytes((0x80 | width,)) + size.to_bytes(width, "big")


def der_integers(value: int) -> bytes:
    """The minimal two's-complement content octets of ``value`` (X.690 §8.3)."""
    return value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True)


@st.composite
def _primitive(draw: st.DrawFn) -> Tlv:
    tag = draw(st.sampled_from(_PRIMITIVE_TAGS))
    content = draw(st.binary(max_size=20))
    return Tlv(tag, draw(length_octets(len(content))), content)


def tlv_trees(*, max_leaves: int = 12) -> st.SearchStrategy[Tlv]:
    """Any TLV tree of universal and context tags, with minimal and non-minimal lengths."""

    def extend(children: st.SearchStrategy[Tlv]) -> st.SearchStrategy[Tlv]:
        @st.composite
        def node(draw: st.DrawFn) -> Tlv:
            items = tuple(draw(st.lists(children, max_size=4)))
            content = b"".join(c.encode() for c in items)
            tag = draw(st.sampled_from(_CONSTRUCTED_TAGS))
            return Tlv(tag, draw(length_octets(len(content))), content, items)

        return node()

    return st.recursive(_primitive(), extend, max_leaves=max_leaves)


def _int(value: int, tag: int = 0x02) -> Tlv:
    return Tlv.primitive(tag, der_integers(value))


def _seq(*items: Tlv, tag: int = 0x30) -> Tlv:
    return Tlv.constructed(tag, items)


def _time(when: dt.datetime) -> Tlv:
    return Tlv.primitive(0x18, when.strftime("%Y%m%d%H%M%SZ").encode("ascii"))


# Hypothesis takes naive bounds; the drawn values are written as UTC (the trailing Z).
_TIMES = st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2099, 12, 31))  # noqa: DTZ001
_ROLES = st.sampled_from((0, 1, 2, 3, 4, 5, 6, 7, 8, 127, 99))
_KEY_USAGE = st.sampled_from((b"\x07\x80", b"\x03\x08"))


@st.composite
def _ta_cell(draw: st.DrawFn, tag: int = 0x30) -> Tlv:
    items = [_int(draw(_ROLES)), Tlv.primitive(0x03, draw(_KEY_USAGE))]
    if draw(st.booleans()):
        items.append(_int(draw(st.integers(0, 1))))
    return _seq(*items, tag=tag)


@st.composite
def _cs02a_command(draw: st.DrawFn) -> tuple[int, Tlv]:
    roles = _seq(*(_int(r) for r in draw(st.lists(_ROLES, max_size=4))))
    return draw(st.sampled_from((0x0008, 0x011B))), _seq(draw(_ta_cell()), roles)


@st.composite
def _outcome(draw: st.DrawFn) -> Tlv:
    octets = st.binary(min_size=8, max_size=8).map(lambda b: Tlv.primitive(0x04, b))
    changes = [
        _seq(_int(draw(_ROLES)), _int(draw(st.integers(0, 2**64))))
        for _ in range(draw(st.integers(0, 2)))
    ]
    outcomes = [
        _seq(
            draw(_ta_cell()),
            _int(draw(st.sampled_from((0, 10, 25, 127, 3))), 0x0A),
            *(draw(octets) for _ in range(4)),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    return _seq(
        _int(draw(st.integers(0, 2**64))),
        _int(draw(st.integers(0, 12))),
        _seq(*changes),
        _seq(*outcomes),
    )


@st.composite
def _cs02b_response(draw: st.DrawFn) -> tuple[int, Tlv]:
    items = [Tlv.primitive(0x05, b"")]
    if draw(st.booleans()):
        items.append(draw(_outcome()))
    code = draw(st.sampled_from((*range(0x0100, 0x010A), 0x0125, 0x0126)))
    return code, _seq(*items)


@st.composite
def _cs02b_alert(draw: st.DrawFn) -> tuple[int, Tlv]:
    code = draw(st.sampled_from((0x00CB, 0x0124)))
    alert = _int(draw(st.sampled_from((0x8F66, 0x8F67, 0x8F99))))
    return code, _seq(alert, _time(draw(_TIMES)), draw(_outcome()))


@st.composite
def _gcs28(draw: st.DrawFn) -> tuple[int, Tlv]:
    if draw(st.booleans()):
        return 0x007F, _seq(_time(draw(_TIMES)), _time(draw(_TIMES)))
    return 0x007F, _seq(_time(draw(_TIMES)), _int(draw(st.integers(0, 3))))


@st.composite
def _bare(draw: st.DrawFn) -> tuple[int, Tlv]:
    kind = draw(st.sampled_from(("join", "unjoin-command", "unjoin-response", "null")))
    if kind == "join":
        return draw(st.sampled_from((0x000D, 0x000E, 0x00AB, 0x00AF))), _int(
            draw(st.integers(0, 14))
        )
    if kind == "unjoin-command":
        return 0x000F, Tlv.primitive(0x04, draw(st.binary(min_size=8, max_size=8)))
    if kind == "unjoin-response":
        return 0x0010, _int(draw(st.integers(0, 3)))
    return draw(st.sampled_from((0x0013, 0x0129))), Tlv.primitive(0x05, b"")


def gbcs_asn1_payloads() -> st.SearchStrategy[tuple[int, bytes]]:
    """``(message_code, payload)`` pairs shaped as GBCS use-case structures (minimal lengths)."""
    return st.one_of(_cs02a_command(), _cs02b_response(), _cs02b_alert(), _gcs28(), _bare()).map(
        lambda pair: (pair[0], pair[1].encode())
    )
