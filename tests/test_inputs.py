"""secrules.inputs: one door for every input, the same forms at every door, decoded once."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
import secrules.gbcs.verification
import secrules.inputs
import secrules.payloads
from secrules import cli
from secrules.errors import DecodeError, InvalidValueError, SecrulesError
from secrules.gbcs import decode_text, open_keystore, parse_message
from secrules.gbcs.cli import render_tree
from secrules.inputs import (
    EXPECTED,
    MAX_INPUT_BYTES,
    Input,
    InputForm,
    InputKind,
    PayloadKind,
    read_input,
    sniff,
)
from secrules.payloads import check_payload
from secrules.report import as_json
from secrules.strategies import hostile_inputs
from support import missing_vectors

ROOT = Path(__file__).resolve().parent.parent
ECS37 = "6.18.1_ECS37/ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX"
CS02C = "6.17_CS02c/CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX"
ACCESS = ROOT / "fixtures" / "dp131" / "ecs37_access_request_own.hex"
DUIS = ROOT / "fixtures" / "duis" / "12.2_gsme_with_esme_variant.xml"
HEX_CHARS = frozenset(b"0123456789abcdefABCDEF")


# --- Text encodings of octets ----------------------------------------------------------------


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width)) + "\n"


#: Every textual way of writing octets the door reads, by name.
TEXT_FORMS: dict[str, Callable[[bytes], str]] = {
    "hex": lambda b: b.hex().upper(),
    "hex-lower": bytes.hex,
    "hex-spaced": lambda b: b.hex(" "),
    "hex-wrapped": lambda b: "  " + _wrap(b.hex().upper(), 32) + "\t\r\n",
    "hex-0x": lambda b: "0x" + b.hex(),
    "hex-0x-each": lambda b: " ".join(f"0x{octet:02X}" for octet in b),
    "base64": lambda b: base64.b64encode(b).decode("ascii"),
    "base64-wrapped": lambda b: _wrap(base64.b64encode(b).decode("ascii"), 76),
    "base64-urlsafe": lambda b: base64.urlsafe_b64encode(b).decode("ascii"),
}
FORM_OF = {name: InputForm.BASE64 if "base64" in name else InputForm.HEX for name in TEXT_FORMS}


def _written(octets: bytes, form: str) -> bytes:
    """``octets`` as a file in ``form``: ``binary`` or one of :data:`TEXT_FORMS`."""
    return octets if form == "binary" else TEXT_FORMS[form](octets).encode("ascii")


ALL_FORMS = ["binary", *TEXT_FORMS]


# --- Property: every textual encoding reads back ---------------------------------------------


@given(st.binary(min_size=1, max_size=300), st.sampled_from(sorted(TEXT_FORMS)), st.booleans())
def test_every_text_encoding_reads_back(octets, form, as_bytes):
    text = TEXT_FORMS[form](octets)
    read = read_input(text.encode("ascii") if as_bytes else text)
    assert read.kind is InputKind.BINARY
    compact = re.sub(r"\s", "", text)
    if FORM_OF[form] is InputForm.BASE64 and set(compact.encode()) <= HEX_CHARS:
        # Text that is valid hex is hex, even when it would also read as base64.
        assert read.form is InputForm.HEX
        assert read.data == bytes.fromhex(compact)
    else:
        assert read.form is FORM_OF[form]
        assert read.data == octets
    assert decode_text(text) == read.data


@given(st.sampled_from([0xDD, 0xDF, 0xD9, 0xDA]), st.binary(max_size=200))
def test_binary_with_a_payload_first_octet_is_binary(first, rest):
    octets = bytes([first]) + rest
    read = read_input(octets)
    assert (read.kind, read.form, read.data) == (InputKind.BINARY, InputForm.BINARY, octets)
    assert read.payload is sniff(octets)
    assert read_input(memoryview(octets)) == read
    assert read_input(bytearray(octets)) == read


@given(hostile_inputs())
def test_hostile_input_is_an_input_or_one_decode_error(value):
    error: SecrulesError | None = None
    try:
        read = read_input(value)
    except SecrulesError as exc:
        error = exc
    if error is None:
        assert isinstance(read, Input)
        assert read.data
    else:
        assert isinstance(error, DecodeError)
        assert str(error)
        assert "\n" not in str(error)


# --- Examples: the forms and the errors --------------------------------------------------------


def test_sniff_names_each_payload_once():
    assert sniff(b"\xdd") is PayloadKind.GBCS_CIPHERING
    assert sniff(b"\xdf") is PayloadKind.GBCS_SIGNING
    assert sniff(b"\xd9") is PayloadKind.ACCESS_REQUEST
    assert sniff(b"\xda") is PayloadKind.ACCESS_RESPONSE
    assert sniff(b"\x01\x00") is PayloadKind.DATA
    assert PayloadKind.GBCS_SIGNING.is_gbcs
    assert PayloadKind.ACCESS_RESPONSE.is_access
    assert not PayloadKind.DATA.is_gbcs
    with pytest.raises(DecodeError, match="empty"):
        sniff(b"")


def test_xml_forms():
    utf8 = b'<?xml version="1.0" encoding="UTF-8"?><a>\xc3\xa9</a>'
    assert read_input(utf8).form is InputForm.XML_UTF8
    assert read_input(utf8).data == utf8
    assert read_input(b"\xef\xbb\xbf" + utf8).data == b"\xef\xbb\xbf" + utf8
    assert read_input(utf8.decode()).data == utf8
    assert read_input("\n  <a/>").payload is PayloadKind.DUIS_XML
    text = utf8.decode().replace("UTF-8", "UTF-16")
    for encoded in (b"\xff\xfe" + text.encode("utf-16-le"), b"\xfe\xff" + text.encode("utf-16-be")):
        read = read_input(encoded)
        assert (read.kind, read.form) == (InputKind.XML, InputForm.XML_UTF16)
        assert read.data == utf8  # converted to UTF-8, and so declared
        assert read.description == "DUIS request XML"
    with pytest.raises(DecodeError, match="declares encoding 'ISO-8859-1'"):
        read_input(b"\xff\xfe" + text.replace("UTF-16", "ISO-8859-1").encode("utf-16-le"))
    with pytest.raises(DecodeError, match="UTF-16") as info:
        read_input(b"\xff\xfe<\x00a")  # an odd number of octets
    assert info.value.offset is not None


def test_errors_say_what_was_expected_and_where():
    with pytest.raises(DecodeError, match="empty input"):
        read_input(b"")
    with pytest.raises(DecodeError, match="empty input"):
        read_input(" \n\t")
    with pytest.raises(DecodeError, match="odd number of digits") as info:
        read_input("DD 00 0")
    assert info.value.offset == 6
    with pytest.raises(DecodeError, match="odd number of digits") as info:
        read_input("\ufeffDD0")  # a byte-order mark is one character of the text
    assert info.value.offset == 3
    with pytest.raises(DecodeError, match="not a multiple of 4") as info:
        read_input("3Q=")
    assert info.value.offset == 3
    for value, offset in [
        ("not hex, not base64!", 7),
        (b"hello world?", 11),
        ("\u00e9t\u00e9", 0),
        (b"\xff\x00\x01", 0),
    ]:
        with pytest.raises(DecodeError) as info:
            read_input(value)
        assert EXPECTED in str(info.value)
        assert str(info.value).startswith("unrecognised input")
        assert info.value.offset == offset
    with pytest.raises(DecodeError, match="larger than"):
        read_input(memoryview(bytearray(MAX_INPUT_BYTES + 1)))
    with pytest.raises(InvalidValueError, match="source"):
        read_input(5)  # type: ignore[arg-type]


def test_a_file_is_read_and_named(tmp_path):
    path = tmp_path / "m.b64"
    path.write_bytes(b"3QA=\n")
    read = read_input(path)
    assert (read.form, read.data, read.source) == (InputForm.BASE64, b"\xdd\x00", str(path))
    assert read_input(b"\x01\x00", name="x").source == "x"


def test_bare_axdr_data_is_binary_even_when_it_reads_as_text():
    # A visible-string (tag 0x0A, a new line) of 32 printable characters.
    octets = b"\x0a\x20" + b"A plain visible-string, 32 chars"
    read = read_input(octets)
    assert (read.form, read.payload) == (InputForm.BINARY, PayloadKind.DATA)
    findings = secrules.check(octets)
    assert "visible-string" in findings[0].message


# --- The same input at every door ---------------------------------------------------------------


def _cli(argv: list[str], capsys, *, stdin: bytes | None = None, monkeypatch=None) -> tuple:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", type("Stdin", (), {"buffer": io.BytesIO(stdin)})())
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _findings(findings) -> list[dict]:
    return [as_json(f) for f in findings]


def _cli_check(path, capsys, *extra: str) -> tuple[int, str, list[dict]]:
    code, out, err = _cli(["check", "--format", "json", *extra, str(path)], capsys)
    assert code in (0, 1), err
    files = json.loads(out)["files"]
    return code, files[0]["kind"], files[0]["findings"]


@pytest.fixture(scope="module")
def rtds_messages(rtds_dir) -> dict[str, bytes]:
    out = {}
    for name in (ECS37, CS02C):
        path = rtds_dir / name
        if not path.exists():
            missing_vectors(f"{name} is not in this copy of the vectors")
        out[name] = bytes.fromhex(path.read_text(encoding="ascii"))
    return out


@pytest.fixture(scope="module")
def store(keystore_dir):
    return open_keystore(keystore_dir)


@pytest.mark.parametrize("message", [ECS37, CS02C])
@pytest.mark.parametrize("form", ALL_FORMS)
def test_a_gbcs_message_in_every_form_at_every_door(  # noqa: PLR0917
    rtds_messages, store, keystore_dir, message, form, tmp_path, capsys
):
    """API check (data and file), check_payload, parse_message, CLI check / inspect / verify."""
    octets = rtds_messages[message]
    written = _written(octets, form)
    path = tmp_path / "message"
    path.write_bytes(written)
    expected = secrules.check(octets, keystore=store)
    # Python: check (data and file), check_payload, parse_message on text.
    assert secrules.check(written, keystore=store) == expected
    assert secrules.check(path, keystore=store) == expected
    assert check_payload(written, keystore=store) == expected
    if form != "binary":
        assert parse_message(written.decode("ascii")) == parse_message(octets)
    # Command line: check, gbcs inspect and gbcs verify.
    code, kind, findings = _cli_check(path, capsys, "--keystore", str(keystore_dir))
    assert (code, kind) == (0, secrules.inputs.sniff(octets).description)
    assert findings == _findings(expected)
    code, out, _ = _cli(["gbcs", "inspect", str(path)], capsys)
    tree = f"{path}: " + render_tree(parse_message(octets))
    assert (code, out[: len(tree)]) == (0, tree)
    # Then the protection findings: without a key store, nothing protected is a pass.
    rows = [line.split(None, 2)[:2] for line in out[len(tree) :].splitlines()]
    assert {rule.rstrip(":") for _, rule in rows} == _VERIFY_RULES
    assert ["UNDECIDED", "gbcs.mac:"] in rows
    verify = ["gbcs", "verify", "--format", "json", "--keystore", str(keystore_dir), str(path)]
    code, out, _ = _cli(verify, capsys)
    assert code == 0
    rows = [{k: v for k, v in row.items() if k != "file"} for row in json.loads(out)]
    assert rows == [f for f in _findings(expected) if f["rule_id"] in _VERIFY_RULES]


_VERIFY_RULES = {
    "gbcs.shape",
    "gbcs.critical_command_signed",
    "gbcs.signature",
    "gbcs.security_header",
    "gbcs.mac",
    "gbcs.decrypt",
}


# check reads standard input one message per line (a wrapped message is given as a file).
@pytest.mark.parametrize("form", ["hex-spaced", "base64", "binary"])
def test_standard_input_reads_the_same_forms(rtds_messages, form, capsys, monkeypatch):
    octets = rtds_messages[ECS37]
    code, out, err = _cli(
        ["check", "--format", "json", "-"],
        capsys,
        stdin=_written(octets, form),
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    assert json.loads(out)["files"][0]["findings"] == _findings(secrules.check(octets))
    code, out, err = _cli(
        ["gbcs", "inspect", "-"], capsys, stdin=_written(octets, form), monkeypatch=monkeypatch
    )
    assert code == 0, err
    assert "ECS37 command" in out


@pytest.mark.parametrize("form", ALL_FORMS)
def test_a_dlms_payload_in_every_form(form, tmp_path, capsys):
    octets = bytes.fromhex(ACCESS.read_text(encoding="ascii"))
    written = _written(octets, form)
    path = tmp_path / "payload"
    path.write_bytes(written)
    expected = secrules.check(octets)
    assert any(f.rule_id.startswith("gbcs.ecs37.") for f in expected)
    assert secrules.check(written) == expected
    assert secrules.check(path) == expected
    assert check_payload(written) == expected
    code, kind, findings = _cli_check(path, capsys)
    assert (code, kind) == (0, "DLMS ACCESS request")
    assert findings == _findings(expected)


def _utf16(text: str, codec: str, bom: bytes) -> bytes:
    return bom + text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode(codec)


DUIS_FORMS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-bom": lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    "utf-16-le-bom": lambda t: _utf16(t, "utf-16-le", b"\xff\xfe"),
    "utf-16-be-bom": lambda t: _utf16(t, "utf-16-be", b"\xfe\xff"),
}


@pytest.mark.parametrize("form", sorted(DUIS_FORMS))
def test_a_duis_request_in_every_encoding(form, tmp_path, capsys):
    text = DUIS.read_text(encoding="utf-8")
    assert 'encoding="UTF-8"' in text
    written = DUIS_FORMS[form](text)
    path = tmp_path / "request.xml"
    path.write_bytes(written)
    expected = _findings(secrules.check(text))
    shift = 3 if form == "utf-8-bom" else 0  # offsets count the file's UTF-8 octets
    for f in expected:
        if f["offset"] is not None:
            f["offset"] += shift
    assert _findings(secrules.check(written)) == expected
    assert _findings(secrules.check(path)) == expected
    code, kind, findings = _cli_check(path, capsys)
    failed = any(f["outcome"] == "fail" for f in expected)
    assert (code, kind, findings) == (int(failed), "DUIS request XML", expected)
    assert read_input(written).kind is InputKind.XML


def test_xml_is_refused_by_the_gbcs_doors(tmp_path, capsys):
    path = tmp_path / "request.xml"
    path.write_bytes(DUIS.read_bytes())
    code, _, err = _cli(["gbcs", "inspect", str(path)], capsys)
    assert code == 2
    assert "not XML" in err
    with pytest.raises(DecodeError, match="not XML"):
        check_payload(DUIS.read_bytes())
    with pytest.raises(DecodeError, match="not XML"):
        parse_message(DUIS.read_text(encoding="utf-8"))


def test_base64_regression(rtds_messages):
    # Issue 9: check(base64) failed with "neither XML nor hex" while parse_message accepted it,
    # and base64 octets were reported as "unknown Data tag 0x33".
    octets = rtds_messages[ECS37]
    b64 = base64.b64encode(octets)
    assert secrules.check(b64.decode()) == secrules.check(octets)
    assert secrules.check(b64) == secrules.check(octets)
    assert parse_message(b64.decode()) == parse_message(octets)


def test_unrecognised_input_is_one_clear_error_at_every_door(tmp_path, capsys):
    path = tmp_path / "junk.txt"
    path.write_bytes(b"this is not a payload!\n")
    for door in (secrules.check, check_payload, decode_text):
        with pytest.raises(DecodeError, match=re.escape(EXPECTED)):
            door(path.read_text())
    for argv in (["check"], ["gbcs", "inspect"]):
        code, _, err = _cli([*argv, str(path)], capsys)
        assert code == 2
        assert EXPECTED in err
        assert len(err.splitlines()) == 1


# --- Decode once -----------------------------------------------------------------------------


def _count(monkeypatch, module, name: str) -> list[int]:
    calls = [0]
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_message_is_parsed_once_and_its_schedule_read_once(rtds_messages, store, monkeypatch):
    parses = [
        _count(monkeypatch, secrules.payloads, "parse_message"),
        _count(monkeypatch, secrules.gbcs.verification, "parse_message"),
    ]
    entries = _count(monkeypatch, secrules.payloads, "entries_from_data")
    text = rtds_messages[ECS37].hex()
    findings = secrules.check(text, keystore=store)
    assert any(f.rule_id == "gbcs.ecs37.entries" for f in findings)
    assert [c[0] for c in parses] == [1, 0]
    assert entries[0] == 1
    secrules.check(rtds_messages[CS02C], keystore=store)  # signed: verified on the same parse
    assert [c[0] for c in parses] == [2, 0]


def test_bare_schedule_entries_are_read_once(monkeypatch):
    entries = _count(monkeypatch, secrules.payloads, "entries_from_data")
    octets = bytes.fromhex(
        (ROOT / "fixtures" / "dp131" / "schedule_entries_template.hex").read_text("ascii")
    )
    findings = check_payload(octets)
    assert any(f.rule_id == "gbcs.ecs37.entries" for f in findings)
    assert entries[0] == 1
