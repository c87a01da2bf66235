"""Decode budget: every decoder's work and memory are bounded by its input (issue 8, item 1).

The contract, stated once: a decoder builds at most ``DecodeBudget.for_length(len(input))``
units (one per Data node, zero-size ones included, one more per container's tuple, one per
compact-array type-description node), so any input of up to 1 MiB is decoded, or refused with a
:class:`DecodeError` carrying an offset and a path, in well under a second of work and 100 MiB.

Tests bound the *work* by counting (units spent, nodes built, a structural byte count); the
wall-clock limits below are only a safety net, ten times the target or more, so that a loaded
machine cannot make them flake. Every input is generated here, at test time.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import secrules
from secrules import payloads
from secrules.cli import main
from secrules.dlms import (
    AccessRequest,
    CompactArray,
    Data,
    decode_access,
    decode_data,
    decode_data_at,
    encode_data,
    encode_length,
)
from secrules.dlms.cosem import CosemTime
from secrules.dlms.data import (
    BUDGET_BASE,
    BUDGET_PER_OCTET,
    MAX_DEPTH,
    DecodeBudget,
)
from secrules.dlms.schedule import entries_to_data
from secrules.duis import parse_request
from secrules.duis.safexml import MAX_ATTRIBUTES, MAX_ELEMENTS
from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs import GbcsMessage, encode_message, parse_message
from secrules.gbcs.ecs37 import template_entries
from secrules.gbcs.types import CraFlag, Eui64, MessageShape
from secrules.payloads import MAX_SCHEDULE_ENTRIES, MAX_SCHEDULES, check_payload
from support import missing_vectors

MIB = 1024 * 1024
#: Safety net only (the target is 1 s): generous for a shared, loaded CI machine.
SAFETY_SECONDS = 30.0
#: Structural bytes per budget unit: a node (48), its offset int (32) and its tuple slot (8).
NODE_BYTES = 96
#: Structural bytes per input octet for values copied out of the input (bytes, COSEM dates).
PAYLOAD_BYTES = 32

# --- The reproducers of the issue. ------------------------------------------------------------

#: ``echo 1301FFFF01FFFF000100 > bomb.hex; secrules check bomb.hex`` never returned: a
#: compact-array of array[65535] of array[65535] of null-data, with one octet of contents.
BARE_BOMB = bytes.fromhex("1301FFFF01FFFF000100")
#: The same with an empty structure (``02 00``) as the zero-size element.
EMPTY_STRUCTURE_BOMB = bytes.fromhex("1301FFFF0200020100")


def bomb_312() -> bytes:
    """A 312-octet compact-array that used to *decode* (150 s, 1.4 GB).

    Each element is structure {unsigned, array[65535] of null-data}: one octet on the wire,
    65,537 nodes when built; 301 elements.
    """
    description = bytes.fromhex("02 02 11 01 FFFF 00")
    contents = bytes(range(1, 256)) + bytes(range(1, 47))
    data = b"\x13" + description + encode_length(len(contents)) + contents
    assert len(data) == 312
    return data


# ECS37: SET of Schedule 0-0:12.0.0.255 attribute 2 (class 10), message code 0x004A.
ECS37_SET = bytes.fromhex("02 000A 00000C0000FF 02")
ACCESS_HEAD = bytes.fromhex("D9 00000001 00")  # ACCESS.request, invoke id, no date-time


def access_request(*items: bytes, specs: bytes = ECS37_SET, spec_count: int = 1) -> bytes:
    """An ACCESS.request with ``spec_count`` copies of ``specs`` and the raw Data ``items``."""
    return (
        ACCESS_HEAD
        + encode_length(spec_count)
        + specs * spec_count
        + encode_length(len(items))
        + b"".join(items)
    )


def ecs37_message(content: bytes) -> bytes:
    """An ECS37-shaped GBCS command (MAC'd, message code 0x004A) around ``content``."""
    message = GbcsMessage(
        shape=MessageShape.MACD,
        cra_flag=CraFlag.COMMAND,
        counter=0x0102030405060708,
        originator=Eui64.parse("90-B3-D5-1F-30-01-00-00"),
        recipient=Eui64.parse("00-DB-12-34-56-78-90-A0"),
        message_code=0x004A,
        content=content,
        signature=bytes(64),
        mac=bytes(12),
    )
    return encode_message(message)


def _bounded(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``fn``; return its result (or its DecodeError) and the seconds it took."""
    start = time.perf_counter()
    try:
        result: Any = fn()
    except DecodeError as exc:
        result = exc
    return result, time.perf_counter() - start


def _decode_error(fn: Callable[[], object]) -> DecodeError:
    result, seconds = _bounded(fn)
    assert isinstance(result, DecodeError), f"expected a DecodeError, got {result!r}"
    assert seconds < SAFETY_SECONDS
    assert result.offset is not None
    assert isinstance(result.path, str)
    return result


@pytest.mark.parametrize("bomb", [BARE_BOMB, EMPTY_STRUCTURE_BOMB], ids=["null", "empty-struct"])
def test_bare_bomb_is_refused_before_any_element(bomb: bytes) -> None:
    budget = DecodeBudget.for_length(len(bomb))
    exc = _decode_error(lambda: decode_data(bomb, budget=budget))
    assert "zero-size" in exc.message
    assert (exc.offset, exc.path) == (0, "")
    assert budget.spent <= len(bomb)  # the description only: no element was built


def test_312_byte_bomb_is_refused_at_its_first_element() -> None:
    data = bomb_312()
    budget = DecodeBudget.for_length(len(data))
    exc = _decode_error(lambda: decode_data(data, budget=budget))
    assert "decode budget exceeded" in exc.message
    assert (exc.offset, exc.path) == (11, "[0]")
    assert budget.spent <= 16


def test_bomb_inside_ecs37_message() -> None:
    message = ecs37_message(access_request(bomb_312()))
    parsed = parse_message(message)  # the framing itself is fine
    exc = _decode_error(parsed.decode_content)
    assert exc.path == "apdu.content.data[0][0]"
    assert exc.offset == parsed.content_offset + len(access_request()) + 11
    # check frames the message and reports the content that does not decode as gbcs.content
    # FAIL, at the same place.
    for form in (message, message.hex()):
        (content,) = [f for f in secrules.check(form) if f.rule_id == "gbcs.content"]
        assert content.failed
        assert (content.path, content.offset) == (exc.path, exc.offset)


def test_bomb_inside_rtds_ecs37_message(rtds_dir: Path, hexfile: Callable[[Path], bytes]) -> None:
    """The RTDS ECS37 command, its schedule entries replaced by the bomb, re-encoded."""
    path = rtds_dir / "6.18.1_ECS37" / "ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX"
    if not path.is_file():
        missing_vectors(f"{path} not in this copy of the vectors")
    original = parse_message(hexfile(path))
    request = original.decode_content()
    assert isinstance(request, AccessRequest)
    entries_at = request.data[0].offset
    assert entries_at is not None
    content = original.content[:entries_at] + BARE_BOMB
    hostile = encode_message(attrs.evolve(original, content=content))
    (content,) = [f for f in secrules.check(hostile) if f.rule_id == "gbcs.content"]
    assert content.failed
    assert content.path == "apdu.content.data[0]"
    assert content.offset == parse_message(hostile).content_offset + entries_at


@pytest.mark.parametrize("shape", ["bare", "312", "ecs37"])
def test_cli_check_refuses_the_bomb_quickly(
    shape: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {
        "bare": BARE_BOMB,
        "312": bomb_312(),
        "ecs37": ecs37_message(access_request(BARE_BOMB)),
    }[shape]
    path = tmp_path / "bomb.hex"
    path.write_text(data.hex().upper() + "\n", encoding="ascii")
    code, seconds = _bounded(lambda: main(["check", str(path)]))
    assert code in (1, 2)
    assert seconds < SAFETY_SECONDS
    err = capsys.readouterr().err
    if code == 2:
        assert err.startswith("secrules: ")
        assert err.count("\n") == 1
        assert "Traceback" not in err


# --- Budgets shared and threaded. -------------------------------------------------------------


def expander(count: int) -> bytes:
    """A 10-octet compact-array of one element costing ``count + 5`` units."""
    return b"\x13" + bytes.fromhex("02 02 11 01") + count.to_bytes(2, "big") + b"\x00\x01\x05"


def test_access_items_share_one_budget() -> None:
    # Each item alone fits a budget of its own length (10 + 4096 units); 400 of them do not
    # fit the request's one budget, so the decode stops after a few items.
    item = expander(BUDGET_BASE - 100)
    budget = DecodeBudget(BUDGET_BASE)
    assert isinstance(decode_data(item, budget=budget), CompactArray)
    data = access_request(*[item] * 400, spec_count=400)
    budget = DecodeBudget.for_length(len(data))
    exc = _decode_error(lambda: decode_access(data, budget=budget))
    assert exc.path.startswith("data[")
    assert exc.path.endswith("][0]")
    assert budget.spent <= budget.limit


def test_selection_parameters_are_paid_from_the_same_budget() -> None:
    spec = bytes.fromhex("04 0007 0100630100FF 02 01") + bomb_312()  # GET with selection
    data = ACCESS_HEAD + b"\x01" + spec + b"\x00"
    exc = _decode_error(lambda: decode_access(data))
    assert exc.path == "specs[0].parameters[0]"


def test_response_results_are_paid_for() -> None:
    data = bytes.fromhex("DA 00000001 00 00 00") + encode_length(3000) + b"\x01\x00" * 3000
    exc = _decode_error(lambda: decode_access(data, budget=DecodeBudget(1000)))
    assert exc.path == "results"
    assert len(decode_access(data).results) == 3000


def test_budget_validation_and_sharing() -> None:
    with pytest.raises(InvalidValueError):
        DecodeBudget(-1)
    with pytest.raises(InvalidValueError):
        decode_data(b"\x00", budget=5)  # type: ignore[arg-type]
    budget = DecodeBudget(3)
    _, end = decode_data_at(b"\x00\x00\x00\x00", 0, budget=budget)
    decode_data_at(b"\x00\x00\x00\x00", end, budget=budget)
    decode_data_at(b"\x00\x00\x00\x00", end + 1, budget=budget)
    exc = _decode_error(lambda: decode_data_at(b"\x00\x00\x00\x00", end + 2, budget=budget))
    assert (exc.offset, exc.path) == (3, "")
    assert DecodeBudget.for_length(100).limit == BUDGET_PER_OCTET * 100 + BUDGET_BASE


def test_tagged_input_never_exhausts_its_budget() -> None:
    # The densest tagged shapes: one null per octet, empty structures, deepest nesting.
    for data in (
        b"\x01\x82\x10\x00" + b"\x00" * 0x1000,
        b"\x01\x82\x08\x00" + b"\x02\x00" * 0x800,
        b"\x02\x01" * (MAX_DEPTH - 1) + b"\x01\x00",
    ):
        budget = DecodeBudget(len(data))  # no base allowance at all
        assert encode_data(decode_data(data, budget=budget)) == data
        assert budget.spent <= len(data)


# --- Property: any generated structure decodes within its budget, or is refused. -----------

_SIMPLE_TAGS = (0, 3, 4, 5, 6, 9, 10, 12, 13, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27)
_COUNTS = st.one_of(st.integers(0, 4), st.sampled_from([0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF]))


@st.composite
def descriptions(draw: st.DrawFn, depth: int = 0) -> bytes:
    """Compact-array type descriptions, zero-size ones and huge array counts included."""
    kinds = ["simple", "null", "empty"] + (["array", "structure"] if depth < 5 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "simple":
        return bytes([draw(st.sampled_from(_SIMPLE_TAGS))])
    if kind == "null":
        return b"\x00"
    if kind == "empty":
        return b"\x02\x00"
    if kind == "array":
        count = draw(_COUNTS)
        return b"\x01" + count.to_bytes(2, "big") + draw(descriptions(depth + 1))
    members = draw(st.lists(descriptions(depth + 1), max_size=3))
    declared = draw(st.sampled_from([len(members), len(members), len(members) + 1, 0x81]))
    return b"\x02" + encode_length(declared) + b"".join(members)


@st.composite
def hostile_data(draw: st.DrawFn, depth: int = 0) -> bytes:
    """A-XDR-shaped octets: nested containers with honest or huge declared counts, simple
    values (well formed or not), compact-arrays of any description and contents."""
    kinds = ["simple", "raw", "compact"] + (["sequence"] * 2 if depth < 6 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "raw":
        return draw(st.binary(max_size=6))
    if kind == "simple":
        tag = draw(st.sampled_from(_SIMPLE_TAGS))
        size = {0: 0, 3: 1, 5: 4, 6: 4, 13: 1, 15: 1, 16: 2, 17: 1, 18: 2, 20: 8, 21: 8}.get(tag)
        if size is None:
            body = draw(st.binary(max_size=14))
            if tag in (4, 9, 10, 12):
                body = encode_length(len(body)) + body
        else:
            body = draw(st.binary(min_size=size, max_size=size))
        return bytes([tag]) + body
    if kind == "compact":
        description = draw(descriptions())
        unit = draw(st.binary(min_size=1, max_size=6))
        contents = unit * draw(st.integers(0, 40))
        declared = draw(st.sampled_from([len(contents)] * 3 + [len(contents) + 1, 0xFFFF]))
        return b"\x13" + description + encode_length(declared) + contents
    children = draw(st.lists(hostile_data(depth + 1), max_size=4))
    declared = draw(st.sampled_from([len(children)] * 3 + [len(children) + 1, 0xFFFF, 0xFFFFFFFF]))
    return draw(st.sampled_from([b"\x01", b"\x02"])) + encode_length(declared) + b"".join(children)


def _walk(value: object) -> Iterator[object]:
    """Every object reachable from a decoded value (each once): nodes, tuples, ints, bytes."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, tuple):
            stack.extend(obj)
        elif attrs.has(type(obj)):
            stack.extend(getattr(obj, a.name) for a in attrs.fields(type(obj)))


def footprint(value: Data) -> tuple[int, int]:
    """(Data nodes, structural bytes) of a decoded value (each object counted once)."""
    nodes = size = 0
    for obj in _walk(value):
        if isinstance(obj, Data):
            nodes += 1
        if obj is None or isinstance(obj, bool) or (type(obj) is int and -5 <= obj <= 256):
            continue  # singletons: shared, not built by the decode
        size += sys.getsizeof(obj)
    return nodes, size


def _check_bounded(data: bytes, budget: DecodeBudget) -> None:
    value, _ = _bounded(lambda: decode_data(data, budget=budget))
    assert budget.spent <= budget.limit
    if isinstance(value, DecodeError):
        assert value.offset is not None
        assert 0 <= value.offset <= len(data)
        assert isinstance(value.path, str)
        return
    assert encode_data(value) == data  # faithful
    nodes, size = footprint(value)
    assert nodes <= budget.spent
    assert size <= NODE_BYTES * budget.spent + PAYLOAD_BYTES * len(data)


@given(hostile_data())
def test_generated_structures_decode_within_budget_or_are_refused(data: bytes) -> None:
    _check_bounded(data, DecodeBudget.for_length(len(data)))


@given(hostile_data(), st.integers(0, 64))
def test_small_budgets_are_never_overspent(data: bytes, limit: int) -> None:
    _check_bounded(data, DecodeBudget(limit))


@settings(max_examples=25)
@given(st.lists(hostile_data(), min_size=1, max_size=5))
def test_generated_access_requests_share_the_budget(items: list[bytes]) -> None:
    data = access_request(*items, spec_count=len(items))
    budget = DecodeBudget.for_length(len(data))
    request, _ = _bounded(lambda: decode_access(data, budget=budget))
    assert budget.spent <= budget.limit
    if isinstance(request, DecodeError):
        assert request.offset is not None
        return
    nodes = sum(footprint(item)[0] for item in request.data) + len(request.specs)
    assert nodes <= budget.spent


# --- 1 MiB worst cases: work counted, memory traced. -----------------------------------------


def compact_of(description: bytes, unit: bytes, size: int = MIB) -> bytes:
    """A compact-array of ``description`` whose contents repeat ``unit`` to fill ``size``."""
    room = size - 1 - len(description) - 4
    contents = unit * (room // len(unit))
    return b"\x13" + description + encode_length(len(contents)) + contents


def nulls(size: int = MIB) -> bytes:
    """A tagged array of null-data filling ``size``: one node per octet."""
    count = size - 5
    return b"\x01" + encode_length(count) + b"\x00" * count


WORST = {
    "tagged nulls": nulls,
    "compact unsigned": lambda: compact_of(b"\x11", b"\x05"),
    "compact structure{unsigned}": lambda: compact_of(b"\x02\x01\x11", b"\x05"),
    "compact array[1] of structure{null, unsigned}": lambda: compact_of(
        bytes.fromhex("0100010202 00 11"), b"\x05"
    ),
    "compact structure{unsigned, structure{unsigned}}": lambda: compact_of(
        bytes.fromhex("0202 11 020111"), b"\x05"
    ),
}


@pytest.mark.parametrize("name", list(WORST))
def test_worst_case_megabyte_units(name: str) -> None:
    data = WORST[name]()
    assert len(data) <= MIB
    budget = DecodeBudget.for_length(len(data))
    result, seconds = _bounded(lambda: decode_data(data, budget=budget))
    assert budget.spent <= budget.limit <= MIB + BUDGET_BASE
    assert seconds < SAFETY_SECONDS
    if not isinstance(result, DecodeError):
        assert encode_data(result) == data


def _peak(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        _bounded(fn)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


#: Input size for the memory cases. Memory per input octet is flat from 64 KiB to 1 MiB (about 92
#: octets per octet via ``check``, 63 via ``decode_data``), so the 1 MiB bound of 100 MiB is
#: checked here as 100 octets per input octet on an eighth of a megabyte.
MEMORY_SIZE = MIB // 8

MEMORY_CASES: dict[str, Callable[[], object]] = {
    # The most memory per input octet found: one 48-byte node and its offset per octet.
    "compact unsigned, in an ECS37 message, via check": lambda: secrules.check(
        ecs37_message(access_request(compact_of(b"\x11", b"\x05", MEMORY_SIZE - 200)))
    ),
    # Nested, so element by element, until the budget runs out.
    "compact structure{unsigned, structure{unsigned}} via decode_data": lambda: decode_data(
        compact_of(bytes.fromhex("0202 11 020111"), b"\x05", MEMORY_SIZE)
    ),
}


@pytest.mark.parametrize("name", list(MEMORY_CASES))
def test_worst_case_memory_per_input_octet(name: str) -> None:
    run = MEMORY_CASES[name]
    assert _peak(run) < 100 * MEMORY_SIZE


# --- Downstream of the decoder: checks and XML. -----------------------------------------------


def test_many_schedule_sets_are_bounded_and_reported_not_checked() -> None:
    count = 5000
    data = access_request(*[b"\x01\x00"] * count, spec_count=count)
    findings, seconds = _bounded(lambda: check_payload(data))
    assert seconds < SAFETY_SECONDS
    limits = [f for f in findings if f.rule_id == "check.limits"]
    assert len(limits) == 1
    assert limits[0].outcome is secrules.Outcome.INDETERMINATE
    assert f"{count - MAX_SCHEDULES} further" in limits[0].message
    assert len(findings) < 40 * MAX_SCHEDULES


def test_long_schedule_fails_its_entries_rule_and_the_rest_is_not_checked() -> None:
    start, end = template_entries(CosemTime(17, 0, 0, 0), CosemTime(22, 0, 0, 0))
    count = MAX_SCHEDULE_ENTRIES + 1
    entries = encode_data(entries_to_data([start, end] * (count // 2) + [start] * (count % 2)))
    findings, seconds = _bounded(lambda: check_payload(access_request(entries)))
    assert seconds < SAFETY_SECONDS
    outcomes = {f.rule_id: f.outcome for f in findings if f.rule_id.startswith("gbcs.ecs37.")}
    assert outcomes.pop("gbcs.ecs37.entries") is secrules.Outcome.FAIL
    assert outcomes
    assert set(outcomes.values()) == {secrules.Outcome.INDETERMINATE}
    # At the limit, every entry is still checked one by one.
    entries = encode_data(entries_to_data([start, end] * (MAX_SCHEDULE_ENTRIES // 2)))
    findings = check_payload(access_request(entries))
    assert secrules.Outcome.INDETERMINATE not in {f.outcome for f in findings}


def test_many_schedules_read_back_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Data] = []
    real = payloads.entries_from_data

    def counting(value: Data, **kwargs: Any) -> object:
        calls.append(value)
        return real(value, **kwargs)

    monkeypatch.setattr(payloads, "entries_from_data", counting)
    start, end = template_entries(CosemTime(17, 0, 0, 0), CosemTime(22, 0, 0, 0))
    schedule = encode_data(entries_to_data([start, end] * (MAX_SCHEDULE_ENTRIES // 2)))
    count = 200
    data = (
        bytes.fromhex("DA 00000001 00 00")
        + encode_length(count)
        + schedule * count
        + encode_length(count)
        + b"\x01\x00" * count
    )
    findings = check_payload(data)
    assert len(calls) <= 2 * MAX_SCHEDULES  # shape test, then the rules, per checked schedule
    limits = [f for f in findings if f.rule_id == "check.limits"]
    assert len(limits) == 1
    assert f"{count - MAX_SCHEDULES} further" in limits[0].message


XML_ROOT = b'<Request xmlns="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<a/>" * (MAX_ELEMENTS + 1), "elements"),
        (b"<Header>" + b"<a/>" * MAX_ELEMENTS + b"</Header>", "elements"),
        (b"<a" + b"".join(b' x%d=""' % i for i in range(MAX_ATTRIBUTES + 1)) + b"/>", "attributes"),
    ],
    ids=["wide", "wide-inside-header", "attributes"],
)
def test_xml_element_and_attribute_counts_are_capped(body: bytes, message: str) -> None:
    data = XML_ROOT + body + b"</Request>"
    exc = _decode_error(lambda: parse_request(data))
    assert message in exc.message
    assert exc.path.startswith("/Request")
    _decode_error(lambda: secrules.check(data))
