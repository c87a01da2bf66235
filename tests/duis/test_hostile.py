"""Hostile and broken XML: each is one DecodeError, and no file or socket is ever opened."""

from __future__ import annotations

import builtins
import contextlib
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secrules.duis import DTD_MESSAGE, check_request, parse_request
from secrules.errors import DecodeError, InvalidValueError
from secrules.strategies import duis_request_xml, mutated_duis_xml

ROOT = b'<Request xmlns="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">'

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Request [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n'
        % (i, b"".join(b"&lol%s;" % (b"" if i == 1 else b"%d" % (i - 1)) for _ in range(10)))
        for i in range(1, 10)
    )
    + b"]>\n"
    + ROOT
    + b"&lol9;</Request>"
)
QUADRATIC = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Request [<!ENTITY a "'
    + b"x" * 50_000
    + b'">]>\n'
    + ROOT
    + b"&a;" * 1000
    + b"</Request>"
)
INTERNAL_SUBSET = b'<!DOCTYPE Request [<!ENTITY greeting "hi">]>' + ROOT + b"&greeting;</Request>"
EXTERNAL_DTD = b'<!DOCTYPE Request SYSTEM "http://127.0.0.1:9/duis.dtd">' + ROOT + b"</Request>"
PUBLIC_DTD = (
    b'<!DOCTYPE Request PUBLIC "-//X//Y//EN" "http://127.0.0.1:9/duis.dtd">' + ROOT + b"</Request>"
)
XXE_FILE = (
    b'<?xml version="1.0"?><!DOCTYPE Request [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    + ROOT
    + b"&x;</Request>"
)
XXE_URL = (
    b'<?xml version="1.0"?><!DOCTYPE Request [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
    + ROOT
    + b"&x;</Request>"
)
PARAMETER_ENTITY = (
    b'<!DOCTYPE Request [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>'
    + ROOT
    + b"</Request>"
)
UNPARSED_ENTITY = (
    b'<!DOCTYPE Request [<!NOTATION n SYSTEM "x">'
    b'<!ENTITY u SYSTEM "http://127.0.0.1:9/u" NDATA n>]>' + ROOT + b"</Request>"
)

DTD_CASES = {
    "billion-laughs": BILLION_LAUGHS,
    "quadratic-blowup": QUADRATIC,
    "internal-subset-entity": INTERNAL_SUBSET,
    "external-dtd": EXTERNAL_DTD,
    "public-dtd": PUBLIC_DTD,
    "xxe-file": XXE_FILE,
    "xxe-url": XXE_URL,
    "parameter-entity": PARAMETER_ENTITY,
    "unparsed-entity": UNPARSED_ENTITY,
}


@pytest.fixture
def no_io(monkeypatch):
    """Make any attempt to open a file or a socket fail the test loudly."""
    calls: list[str] = []

    def forbidden_open(*args, **kwargs):
        calls.append(f"open{args!r}")
        raise AssertionError("the parser opened a file")

    class ForbiddenSocket:
        def __init__(self, *args, **kwargs):
            calls.append(f"socket{args!r}")
            raise AssertionError("the parser opened a socket")

    monkeypatch.setattr(builtins, "open", forbidden_open)
    monkeypatch.setattr(socket, "socket", ForbiddenSocket)
    monkeypatch.setattr(socket, "create_connection", ForbiddenSocket)
    return calls


@pytest.mark.parametrize("name", sorted(DTD_CASES))
def test_dtd_and_entities_are_refused_at_the_doctype(name, no_io):
    data = DTD_CASES[name]
    with pytest.raises(DecodeError) as info:
        parse_request(data)
    error = info.value
    assert error.message == DTD_MESSAGE
    assert error.path == "/"
    assert error.offset == data.index(b"<!DOCTYPE")
    assert "\n" not in str(error)
    with pytest.raises(DecodeError):
        check_request(data)
    assert no_io == []


def test_fixture_billion_laughs_is_refused(fixtures_dir):
    data = (fixtures_dir / "duis" / "billion_laughs.xml").read_bytes()
    with pytest.raises(DecodeError, match="DTD/entity"):
        parse_request(data)


def test_undeclared_entity_reference_is_refused(no_io):
    with pytest.raises(DecodeError, match="entity references other than") as info:
        parse_request(ROOT + b"&ext;</Request>")
    assert info.value.path == "/Request"
    assert no_io == []


def test_predefined_and_numeric_references_are_read(template, edit):
    data = edit(template("12.2"), b"<sr:DeviceModel>010A030B", b"<sr:DeviceModel>&lt;A&#66;&amp;")
    body = parse_request(data).body
    assert body.device_model.raw == "<AB&"


def test_50_mb_document_is_refused_by_size(no_io):
    big = ROOT + b"<!--" + b"x" * (50 * 1024 * 1024) + b"--></Request>"
    with pytest.raises(DecodeError, match="larger than the 1048576-byte limit") as info:
        parse_request(big)
    assert info.value.path == "/"
    with pytest.raises(DecodeError, match="larger than"):
        parse_request(big.decode("ascii"))
    assert no_io == []


def test_size_cap_is_configurable(template):
    data = template("12.2")
    with pytest.raises(DecodeError, match="larger than the 100-byte limit"):
        parse_request(data, max_bytes=100)
    assert parse_request(data, max_bytes=len(data)).body is not None


def test_wrong_namespace(template, edit):
    data = edit(
        template("8.2"),
        b"http://www.dccinterface.co.uk/ServiceUserGateway",
        b"http://www.dccinterface.co.uk/ResponseAndAlert",
    )
    with pytest.raises(DecodeError, match="root element must be Request") as info:
        parse_request(data)
    assert info.value.offset == data.index(b"<sr:Request")


@pytest.mark.parametrize("cut", [0, 1, 10, 100, 500, 1000, -20, -3])
def test_truncated(template, cut):
    data = template("12.2")
    with pytest.raises(DecodeError) as info:
        parse_request(data[:cut])
    assert "\n" not in str(info.value)


def test_not_bytes():
    with pytest.raises(InvalidValueError, match="data must be bytes or str"):
        parse_request(12)  # type: ignore[arg-type]


def test_too_deep():
    data = ROOT + b"<a>" * 100 + b"</a>" * 100 + b"</Request>"
    with pytest.raises(DecodeError, match="nests deeper"):
        parse_request(data)


def _parse_or_error(data: bytes):
    try:
        return parse_request(data)
    except DecodeError as exc:
        return exc


@given(st.data())
def test_template_mutations_parse_or_raise_decode_error(template, data):
    base = template(data.draw(st.sampled_from(["12.2", "8.4", "8.2", "ECS37"])))
    mutated = data.draw(mutated_duis_xml(base))
    outcome = _parse_or_error(mutated)
    if isinstance(outcome, DecodeError):
        assert "\n" not in outcome.message
    else:
        assert outcome.header is not None
        check_request(mutated)


@given(mutated_duis_xml())
def test_generated_mutations_parse_or_raise_decode_error(mutated):
    with contextlib.suppress(DecodeError):
        check_request(mutated)


@given(duis_request_xml())
def test_generated_requests_parse_and_pass(data):
    findings = check_request(data)
    assert not [f for f in findings if f.failed], [f for f in findings if f.failed]
