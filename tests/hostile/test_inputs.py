"""Hostile inputs to the public API: wrong argument types, unbounded files, broken TOML tables.

Contract: every public entry point checks its arguments' types first and raises
``InvalidValueError`` naming the parameter; every file it reads for the caller is read within a
size cap (at most cap + 1 bytes, whatever the file is); a broken parameter table is a
``DataFileError`` naming the file. Regression cases for issue 8, items 6, 7 and 10.
"""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import stat
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import secrules
from secrules.checking import MAX_INPUT_BYTES, read_file
from secrules.core import data as core_data
from secrules.core.data import load_table
from secrules.core.files import display_name, read_bounded
from secrules.dlms import decode_data, encode_data
from secrules.duis import check_request, parse_request
from secrules.errors import DataFileError, DecodeError, InvalidValueError
from secrules.gbcs import encode_message, parse_message
from secrules.sec.section_g import load_section_g

SECTION_G = Path(secrules.__file__).parent / "data" / "section_g.toml"
TABLE_CAP = core_data._MAX_TABLE_BYTES

needs_dev_zero = pytest.mark.skipif(
    not Path("/dev/zero").exists(), reason="no /dev/zero on this system"
)
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


# --- Wrong argument types: InvalidValueError naming the parameter ---------------------------

#: Values of types no public entry point accepts (bytes, str, PathLike and the domain types are
#: left out; ``None``, ``bool`` and ``int`` are filtered per parameter where they are accepted).
WRONG = st.one_of(
    [st.from_type(t) for t in (type(None), bool, int, float, complex, Decimal, Fraction)]
    + [
        st.lists(st.integers(), max_size=3),
        st.tuples(st.integers()),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.frozensets(st.integers(), max_size=2),
        st.sets(st.booleans()),
        st.builds(object),
        st.sampled_from([int, str, bytes, object, type]),
        st.just(Ellipsis),
    ]
)


def _not(*accepted: type) -> Callable[[object], bool]:
    """Keep the values a parameter does not accept (a bool is never taken for an int)."""

    def keep(value: object) -> bool:
        if isinstance(value, bool):
            return bool not in accepted
        return not isinstance(value, accepted)

    return keep


def _model(pid: str):
    return secrules.get_proposal(pid).require_model()


_DUIS = b"<a/>"
#: (entry point, parameter, call with the bad value, types the parameter accepts besides those
#: WRONG never draws). ``with_table(None)`` is the bundled table, as ``table=None`` is.
CASES: list[tuple[str, str, Callable[[object], object], tuple[type, ...]]] = [
    ("check", "data", secrules.check, ()),
    ("check", "regime", lambda v: secrules.check(b"0F05", regime=v), ()),
    ("check", "era", lambda v: secrules.check(b"0F05", era=v), (type(None),)),
    ("check", "table_28d", lambda v: secrules.check(b"0F05", table_28d=v), (type(None),)),
    ("check", "keystore", lambda v: secrules.check(b"0F05", keystore=v), (type(None),)),
    (
        "check",
        "default_configuration",
        lambda v: secrules.check(b"0F05", default_configuration=v),
        (bool,),
    ),
    ("impact", "proposal_id", secrules.impact, (int,)),
    ("impact", "table", lambda v: secrules.impact("DP133", table=v), (type(None),)),
    ("get_proposal", "ident", secrules.get_proposal, (int,)),
    ("DP125.with_table", "table", lambda v: _model("DP125").with_table(v), (type(None),)),
    ("DP129.with_table", "table", lambda v: _model("DP129").with_table(v), (type(None),)),
    ("DP131.with_table", "table", lambda v: _model("DP131").with_table(v), (type(None),)),
    ("DP133.with_table", "table", lambda v: _model("DP133").with_table(v), (type(None),)),
    ("compute_impact", "proposal", secrules.compute_impact, ()),
    (
        "compute_impact",
        "model",
        lambda v: secrules.compute_impact(secrules.get_proposal("DP133"), v),
        (type(None),),
    ),
    (
        "Proposal.evaluate",
        "scenario",
        lambda v: secrules.get_proposal("DP133").evaluate(v, "baseline"),
        (),
    ),
    ("Scenario", "params", secrules.Scenario, (dict,)),
    (
        "RuleSet.of",
        "rules",
        lambda v: secrules.RuleSet.of("r", v),
        (list, tuple, set, frozenset, dict),
    ),
    ("RuleSet.of", "rules", lambda v: secrules.RuleSet.of("r", [v]), ()),
    (
        "Finding",
        "clauses",
        lambda v: secrules.Finding("x", secrules.Outcome.PASS, "m", v),
        (list, tuple, set, frozenset, dict),
    ),
    ("Finding", "clauses", lambda v: secrules.Finding("x", secrules.Outcome.PASS, "m", [v]), ()),
    ("dlms.decode_data", "data", decode_data, ()),
    ("dlms.encode_data", "value", encode_data, ()),
    ("gbcs.parse_message", "data", parse_message, ()),
    ("gbcs.encode_message", "message", encode_message, ()),
    ("duis.parse_request", "data", parse_request, ()),
    ("duis.parse_request", "max_bytes", lambda v: parse_request(_DUIS, max_bytes=v), (int,)),
    ("duis.check_request", "data", check_request, ()),
    ("duis.check_request", "rules", lambda v: check_request(_DUIS, rules=v), (type(None),)),
    ("duis.check_request", "era", lambda v: check_request(_DUIS, era=v), (type(None),)),
    (
        "duis.check_request",
        "inventory",
        lambda v: check_request(_DUIS, inventory=v),
        (type(None),),
    ),
    ("duis.check_request", "sender", lambda v: check_request(_DUIS, sender=v), (type(None),)),
    (
        "duis.check_request",
        "max_bytes",
        lambda v: check_request(_DUIS, max_bytes=v),
        (int,),
    ),
]


@pytest.mark.parametrize(
    ("entry", "param", "call", "accepted"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
# WRONG has thirteen kinds of value; 20 draws per parameter (derandomised in CI) keep each of the
# 40-odd parametrised cases cheap.
@settings(max_examples=20)
@given(data=st.data())
def test_wrong_argument_type_is_invalid_value_error_naming_it(entry, param, call, accepted, data):
    value = data.draw(WRONG.filter(_not(*accepted)), label=param)
    with pytest.raises(InvalidValueError) as info:
        call(value)
    assert param in str(info.value), f"{entry}: {info.value}"
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "call", "param"),
    [
        ("check(10**10) allocated first: MemoryError", lambda: secrules.check(10**10), "data"),
        ("check(2**70): OverflowError", lambda: secrules.check(2**70), "data"),
        ("check(None): TypeError", lambda: secrules.check(None), "data"),
        ("check(-1)", lambda: secrules.check(-1), "data"),
        ("parse_message(5): TypeError", lambda: parse_message(5), "data"),
        ("impact(table=5): TypeError", lambda: secrules.impact("DP133", table=5), "table"),
        (
            "with_table(5): TypeError",
            lambda: _model("DP133").with_table(5),
            "table",
        ),
        ("table with a NUL", lambda: secrules.impact("DP133", table="a\0b"), "table"),
        ("get_proposal(True)", lambda: secrules.get_proposal(True), "ident"),
        ("impact(None)", lambda: secrules.impact(None), "proposal_id"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_issue8_item10_reproducers(name, call, param):
    with pytest.raises(InvalidValueError, match=param):
        call()


def test_check_reads_a_pathlike_as_a_file(tmp_path):
    payload = tmp_path / "value.hex"
    payload.write_text("0F05\n", encoding="ascii")
    from_file = secrules.check(payload)
    assert from_file == secrules.check(b"0F05")
    # A plain str is data, never a file name.
    with pytest.raises(DecodeError):
        secrules.check(str(payload))


def test_check_pathlike_missing_file_is_data_file_error(tmp_path):
    missing = tmp_path / "missing.hex"
    with pytest.raises(DataFileError) as info:
        secrules.check(missing)
    assert info.value.file == str(missing)


def test_oversized_input_refused_before_copying():
    # A memoryview over a big buffer is refused by size, without being copied or decoded.
    big = memoryview(bytearray(MAX_INPUT_BYTES + 1))
    with pytest.raises(DecodeError, match="larger than"):
        secrules.check(big)
    with pytest.raises(DecodeError, match="larger than"):
        secrules.check("0" * (MAX_INPUT_BYTES + 2))


def test_impact_table_accepts_pathlike(tmp_path):
    copy = tmp_path / "section_g.toml"
    copy.write_bytes(SECTION_G.read_bytes())
    by_path = secrules.impact("DP133", table=copy)
    by_str = secrules.impact("DP133", table=str(copy))
    assert by_path.changed_count == by_str.changed_count


# --- Bounded reads: devices, FIFOs, standard input ------------------------------------------


class _Endless(io.RawIOBase):
    """A stream of zeros that never ends, counting what was read from it."""

    def __init__(self) -> None:
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = len(buffer)
        buffer[:n] = bytes(n)
        self.total += n
        return n


class _Stdin:
    def __init__(self, raw: io.RawIOBase) -> None:
        self.buffer = io.BufferedReader(raw)


def test_stdin_is_read_within_the_cap(monkeypatch):
    endless = _Endless()
    monkeypatch.setattr("sys.stdin", _Stdin(endless))
    with pytest.raises(DataFileError, match="larger than") as info:
        read_file("-")
    assert info.value.file == "-"
    # Bounded by count: the buffered reader may read ahead by one buffer at most.
    assert endless.total <= MAX_INPUT_BYTES + 1 + io.DEFAULT_BUFFER_SIZE


@needs_dev_zero
@pytest.mark.parametrize(
    "load",
    [
        lambda p: load_table(p, default="section_g.toml"),
        load_section_g,
        lambda p: secrules.impact("DP133", table=p),
        lambda p: secrules.impact("DP131", table=p),
        lambda p: secrules.check(b"0F05", table_28d=p),
        lambda p: secrules.check(pathlib.Path(p)),
    ],
    ids=["load_table", "load_section_g", "impact DP133", "impact DP131", "table_28d", "check"],
)
def test_dev_zero_is_refused_naming_it(load):
    with pytest.raises(DataFileError, match="larger than") as info:
        load("/dev/zero")
    assert info.value.file == "/dev/zero"


@contextlib.contextmanager
def fifo_fed(path: Path, size: int) -> Iterator[dict[str, int]]:
    """A FIFO at ``path`` that a thread feeds ``size`` bytes (it stops when the reader goes)."""
    os.mkfifo(path)
    sent = {"bytes": 0}

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError, OSError), open(path, "wb") as pipe:  # noqa: PTH123
            chunk = b"a" * 65536
            while sent["bytes"] < size:
                pipe.write(chunk)
                sent["bytes"] += len(chunk)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield sent
    finally:
        if thread.is_alive():  # unblock a writer still waiting for a reader, then drain
            with contextlib.suppress(OSError):
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
        thread.join(timeout=30)


@needs_fifo
def test_fifo_table_over_the_cap_is_refused(tmp_path):
    fifo = tmp_path / "table.toml"
    with fifo_fed(fifo, 3 * TABLE_CAP) as sent:
        assert stat.S_ISFIFO(fifo.stat().st_mode)
        with pytest.raises(DataFileError, match="larger than") as info:
            load_table(fifo, default="section_g.toml")
    assert info.value.file == str(fifo)
    assert sent["bytes"] < 3 * TABLE_CAP  # the writer was cut off, not drained


@needs_fifo
def test_fifo_table_under_the_cap_loads(tmp_path):
    fifo = tmp_path / "table.toml"
    os.mkfifo(fifo)
    content = SECTION_G.read_bytes()

    def feed() -> None:
        with open(fifo, "wb") as pipe:  # noqa: PTH123
            pipe.write(content)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    section_g = load_section_g(fifo)
    thread.join(timeout=30)
    assert section_g.source_file == str(fifo)


@given(st.integers(min_value=0, max_value=64), st.integers(min_value=0, max_value=80))
def test_read_bounded_reads_at_most_cap_plus_one(cap, size):
    raw = _Counting(b"x" * size)
    holder = _Stdin(raw)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", holder)
        if size > cap:
            with pytest.raises(DataFileError, match="larger than"):
                read_bounded("-", cap, allow_stdin=True)
        else:
            assert read_bounded("-", cap, allow_stdin=True) == b"x" * size


class _Counting(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), len(self._data) - self._pos)
        buffer[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n


def test_read_bounded_errors_name_the_file(tmp_path):
    with pytest.raises(DataFileError, match="cannot read table") as info:
        read_bounded(tmp_path, 10, what="table")
    assert info.value.file == str(tmp_path)
    with pytest.raises(DataFileError, match="cannot read"):
        read_bounded("a\0b", 10)
    # "-" is a file name unless standard input is allowed.
    with pytest.raises(DataFileError, match="cannot read"):
        read_bounded(str(tmp_path / "-"), 10)


# --- TOML tables: every failure a DataFileError naming the file -----------------------------


def _table(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "t.toml"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("50k nested arrays: RecursionError", b"a = " + b"[" * 50_000 + b"]" * 50_000, "nested"),
        ("5,000-digit integer: ValueError", b"a = " + b"9" * 5000, "64-bit"),
        ("integer over 64 bits", b"a = 9223372036854775808", "64-bit"),
        ("integer under 64 bits", b"a = -9223372036854775809", "64-bit"),
        ("nested deeper than the limit", b"a = " + b"[" * 40 + b"]" * 40, "nested"),
        ("deep inline tables", b"a = " + b"{b=" * 40 + b"1" + b"}" * 40, "nested"),
        ("not UTF-8 after a BOM", b"\xef\xbb\xbfa = '\xff'", "UTF-8"),
        ("NUL in a string", b"a = '\x00'", "TOML"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_broken_toml_is_a_data_file_error(tmp_path, name, content, fragment):
    path = _table(tmp_path, content)
    with pytest.raises(DataFileError) as info:
        load_table(path, default="section_g.toml")
    assert info.value.file == str(path)
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_toml_limits_allow_the_edges(tmp_path):
    path = _table(tmp_path, b"a = 9223372036854775807\nb = -9223372036854775808\n")
    table = load_table(path, default="x.toml")
    assert table.integer("a") == 2**63 - 1
    assert table.integer("b") == -(2**63)


def test_utf8_bom_is_accepted(tmp_path):
    content = SECTION_G.read_bytes()
    path = _table(tmp_path, b"\xef\xbb\xbf" + content)
    with_bom = load_section_g(path)
    assert with_bom.source_file == str(path)
    assert with_bom.g1_7 == load_section_g(None).g1_7


def test_table_name_is_printable(tmp_path):
    path = tmp_path / "bad\udcff.toml"
    path.write_bytes(b"a = [")
    with pytest.raises(DataFileError) as info:
        load_table(path, default="x.toml")
    assert info.value.file == display_name(path)
    str(info.value).encode("utf-8")  # strict: no lone surrogates


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tables")


@given(depth=st.integers(min_value=1, max_value=200))
def test_any_nesting_depth_gives_a_table_or_a_data_file_error(scratch, depth):
    path = scratch / "nested.toml"
    path.write_text("a = " + "[" * depth + "1" + "]" * depth, encoding="utf-8")
    # The innermost value sits at depth + 1 (the root table is level 0).
    if depth + 1 > core_data._MAX_DEPTH:
        with pytest.raises(DataFileError, match="nested"):
            load_table(path, default="x.toml")
    else:
        assert load_table(path, default="x.toml").keys() == ["a"]


@needs_dev_zero
def test_refusing_an_endless_file_holds_at_most_the_cap_in_memory():
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(DataFileError, match="larger than"):
            read_bounded("/dev/zero", TABLE_CAP, what="table")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * TABLE_CAP
