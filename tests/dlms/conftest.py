"""Shared helpers for the DLMS tests (pytest imports this; test modules use the fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from secrules.errors import DecodeError
from secrules.gbcs import parse_message
from support import missing_vectors

# Entry 0 of the ECS37 command, written out from the field table in the project's DLMS spec
# section 5 (GBCS ECS37 template constants plus index 0, selector 1, switch time 17:00).
ECS37_ENTRY_0_HEX = (
    "020A"  # structure of 10
    "120000"  # index 0
    "03FF"  # enable true (FF)
    "0906"
    "00000A8064FF"  # script 0-0:10.128.100.255
    "120001"  # selector 1 (start)
    "0904"
    "11000000"  # switch time 17:00:00.00
    "12FFFF"  # validity window
    "0407FE"  # weekdays: 7 bits, all set
    "0400"  # specdays: empty
    "0905"
    "000001FFFF"  # begin: year 0, January
    "0905"
    "FFFFFFFFFF"  # end: not specified
)


def check_robust(
    data: bytes, decode: Callable[[bytes], Any], encode: Callable[[Any], bytes]
) -> None:
    """Either DecodeError with an offset inside the input, or a value that re-encodes to data."""
    try:
        value = decode(data)
    except DecodeError as exc:
        error = exc
    else:
        assert encode(value) == data
        return
    assert error.offset is not None, error
    assert 0 <= error.offset <= len(data), error


@pytest.fixture(scope="session")
def robust() -> Callable[[bytes, Callable[[bytes], Any], Callable[[Any], bytes]], None]:
    """The :func:`check_robust` helper."""
    return check_robust


@pytest.fixture(scope="session")
def ecs37_entry_0() -> bytes:
    """Entry 0 of the ECS37 schedule (46 octets, from the spec's field table)."""
    return bytes.fromhex(ECS37_ENTRY_0_HEX)


@pytest.fixture(scope="session")
def access_payloads(
    rtds_files: list[Path], hexfile: Callable[[Path], bytes]
) -> list[tuple[str, bytes]]:
    """Every RTDS message's DLMS ACCESS content (first octet D9 or DA), with the file name."""
    out = []
    for path in rtds_files:
        content = parse_message(hexfile(path)).content
        if content[:1] in (b"\xd9", b"\xda"):
            out.append((f"{path.parent.name}/{path.name}", content))
    if not out:
        missing_vectors("no DLMS ACCESS payloads among the RTDS messages")
    return out
