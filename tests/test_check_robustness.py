"""``secrules.check`` on arbitrary and mutated input: findings or a SecrulesError, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import secrules.checking
from secrules.core import Finding
from secrules.errors import DecodeError, SecrulesError


def _outcome(data: bytes | str) -> list[Finding] | SecrulesError:
    error: SecrulesError | None = None
    try:
        findings = secrules.checking.check(data)
    except SecrulesError as exc:
        error = exc
    if error is not None:
        message = str(error)
        assert message  # something to print...
        assert "\n" not in message.strip()  # ...on one line
        return error
    assert all(isinstance(f, Finding) for f in findings)
    return findings


@given(st.binary(max_size=300))
def test_random_bytes(data):
    _outcome(data)


@given(st.text(max_size=300))
def test_random_text(text):
    _outcome(text)


XML_BITS = st.sampled_from(
    [
        "<",
        ">",
        "</",
        "/>",
        "<?xml version='1.0'?>",
        "<!DOCTYPE x>",
        "&amp;",
        "&x;",
        "<![CDATA[",
        "xmlns='http://www.dccinterface.co.uk/ServiceUserGateway'",
        "<Request",
        "<Header>",
        "<Body>",
        "schemaVersion='5.4'",
        " ",
        "a",
        "\x00",
        "\ud800",
    ]
)


@given(st.lists(XML_BITS, max_size=30).map("".join))
def test_random_xml_like_text(text):
    result = _outcome("<" + text)
    if isinstance(result, SecrulesError):
        assert isinstance(result, DecodeError)


@given(st.binary(min_size=1, max_size=200).map(bytes.hex))
def test_random_hex_text(text):
    result = _outcome(text)
    if isinstance(result, SecrulesError):
        assert isinstance(result, DecodeError)


@given(st.sampled_from([0xDD, 0xDF, 0xD9, 0xDA, 0x01, 0x02]), st.binary(max_size=120))
def test_plausible_first_octets(first, rest):
    _outcome(bytes([first]) + rest)


@pytest.fixture(scope="module")
def samples(rtds_files, duis_dir):
    picked = rtds_files[:: max(1, len(rtds_files) // 40)]
    messages = [bytes.fromhex(p.read_text(encoding="ascii")) for p in picked]
    templates = [p.read_bytes() for p in sorted(duis_dir.glob("*.XML"))]
    return messages + templates


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_vectors(samples, data):
    original = data.draw(st.sampled_from(samples))
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(mutated) - 1))
        mutated[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        mutated = mutated[: data.draw(st.integers(0, len(mutated)))]
    _outcome(bytes(mutated))
