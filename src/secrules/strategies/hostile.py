"""Hypothesis strategies for hostile input: what an adversarial user would feed a payload checker.

secrules' own hostile-input suite (``tests/hostile/``) and its one-off fuzz run
(``bench/fuzz_entry_points.py``) draw from these; use them to hold your own tooling to the same
contract (a result or a clean error, in bounded time and memory)::

    from hypothesis import given
    from secrules.strategies import hostile_inputs

    @given(hostile_inputs())
    def test_my_decoder_never_crashes(data):
        try:
            my_decoder(data)
        except MyDecodeError:
            pass
"""

from __future__ import annotations

import base64

from hypothesis import strategies as st

from secrules.strategies.dlms import access_requests, access_responses, dlms_values
from secrules.strategies.duis import duis_request_xml
from secrules.strategies.gbcs import gbcs_message_bytes

__all__ = [
    "BOMB_PREFIXES",
    "decoder_bombs",
    "hostile_file_bodies",
    "hostile_inputs",
    "mutated",
    "valid_payloads",
    "wrong_types",
    "xml_bombs",
]

#: Octet prefixes that make a naive decoder count, nest or allocate without limit: A-XDR compact
#: arrays (tag 0x13) with zero-size elements, arrays and structures with huge declared counts,
#: deep nesting, and GBCS / ACCESS headers with huge lengths.
BOMB_PREFIXES: tuple[bytes, ...] = (
    bytes.fromhex("1301FFFF01FFFF000100"),
    bytes.fromhex("13000200"),
    bytes.fromhex("13020000"),
    bytes.fromhex("1302020000"),
    bytes.fromhex("130101820000"),
    bytes.fromhex("0184FFFFFFFF"),
    bytes.fromhex("0284FFFFFFFF"),
    bytes.fromhex("0182FFFF") + bytes(16),
    bytes.fromhex("0201") * 64,
    bytes.fromhex("0101") * 64,
    bytes.fromhex("DD0000000000000000000084FFFFFFFF"),
    bytes.fromhex("DF0900000000000000000084FFFFFFFF"),
    bytes.fromhex("D900000001C1010084FFFFFFFF"),
)


@st.composite
def decoder_bombs(draw: st.DrawFn) -> bytes:
    """A decoder-bomb prefix, repeated (so it nests), with a random tail."""
    prefix = draw(st.sampled_from(BOMB_PREFIXES))
    return prefix * draw(st.integers(1, 200)) + draw(st.binary(max_size=64))


@st.composite
def xml_bombs(draw: st.DrawFn) -> bytes:
    """Deep, wide, attribute-heavy or entity-laden XML."""
    size = draw(st.integers(1, 5000))
    kind = draw(st.sampled_from(["deep", "wide", "attributes", "references", "doctype"]))
    if kind == "deep":
        return b"<a>" * size + b"</a>" * draw(st.integers(0, size))
    if kind == "wide":
        return b"<a>" + b"<b/>" * size + b"</a>"
    if kind == "attributes":
        return b"<a " + b" ".join(b"x%d='1'" % i for i in range(min(size, 2000))) + b"/>"
    if kind == "references":
        return b"<a>" + b"&lt;" * size + b"</a>"
    return b'<!DOCTYPE a [<!ENTITY e "' + b"x" * size + b'">]><a>&e;&e;&e;</a>'


def valid_payloads() -> st.SearchStrategy[bytes]:
    """Valid inputs of every kind secrules reads: GBCS messages, ACCESS APDUs, Data, DUIS XML."""
    return st.one_of(
        gbcs_message_bytes(),
        access_requests().map(lambda apdu: apdu.encode()),
        access_responses().map(lambda apdu: apdu.encode()),
        dlms_values().map(lambda value: value.encode()),
        duis_request_xml(),
    )


@st.composite
def mutated(draw: st.DrawFn, seeds: st.SearchStrategy[bytes] | None = None) -> bytes:
    """A valid input (from ``seeds``) with a few octets flipped, cut, duplicated or inserted."""
    data = bytearray(draw(valid_payloads() if seeds is None else seeds))
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["flip", "cut", "duplicate", "insert"]))
        at = draw(st.integers(0, len(data)))
        if operation == "flip" and data:
            data[min(at, len(data) - 1)] ^= 1 << draw(st.integers(0, 7))
        elif operation == "cut":
            del data[at:]
        elif operation == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 32))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


def _raw() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=512), mutated(), decoder_bombs(), xml_bombs())


@st.composite
def hostile_inputs(draw: st.DrawFn) -> bytes | str:
    """Hostile octets, or the same octets as hex (plain or spaced), base64 or odd text."""
    raw = draw(_raw())
    form = draw(st.sampled_from(["bytes", "hex", "hex-spaced", "base64", "text"]))
    if form == "hex":
        return raw.hex()
    if form == "hex-spaced":
        return " ".join(raw[i : i + 8].hex() for i in range(0, len(raw), 8))
    if form == "base64":
        return base64.b64encode(raw).decode("ascii")
    if form == "text":
        return raw.decode("utf-8", "surrogateescape")
    return raw


def hostile_file_bodies() -> st.SearchStrategy[bytes]:
    """What a hostile input file may hold: any hostile input, or a malformed parameter table."""
    return st.one_of(
        hostile_inputs().map(
            lambda v: v.encode("utf-8", "surrogateescape") if isinstance(v, str) else v
        ),
        st.sampled_from(
            [
                b"",
                b"\xef\xbb\xbf",
                b"a = [" * 5000,
                b"x = " + b"9" * 5000,
                b"[a]\nb = 1\n[a]\nb = 2\n",
                b"\x00\xff" * 100,
            ]
        ),
    )


def wrong_types() -> st.SearchStrategy[object]:
    """Arguments of the wrong type: what a caller passes by mistake."""
    return st.one_of(
        st.none(),
        st.integers(),
        st.sampled_from([10**10, 2**70, -1]),
        st.floats(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.builds(object),
    )
