"""RTDS ASN.1 payloads for the ASN.1 tests (content octets via secrules.gbcs.parse_message)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from secrules.gbcs import parse_message

_NOT_ASN1 = (b"\xd9", b"\xda", b"\x0f")


@pytest.fixture(scope="session")
def asn1_messages(
    rtds_files: list[Path], hexfile: Callable[[Path], bytes]
) -> list[tuple[str, int, bytes]]:
    """(file name, message code, content) of every RTDS message whose content is ASN.1."""
    found = []
    for path in rtds_files:
        message = parse_message(hexfile(path))
        content = message.content
        if content[:2] == b"\x01\x09" or content[:1] in _NOT_ASN1:
            continue
        found.append((path.name, message.message_code, content))
    return found
