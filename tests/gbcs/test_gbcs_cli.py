"""``secrules gbcs inspect|verify|sign``: handlers called directly, and through ``cli.main``."""

from __future__ import annotations

import argparse
import base64
import json
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from secrules.errors import DataFileError, DecodeError, InvalidValueError, UnsupportedKeyError
from secrules.gbcs import parse_message
from secrules.gbcs.cli import read_message_bytes, register, run_inspect, run_sign, run_verify
from support import missing_vectors

SUPPLIER = "90b3d51f30010000"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="secrules")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def _args(*argv: str) -> argparse.Namespace:
    return _parser().parse_args(["gbcs", *argv])


@pytest.fixture(scope="module")
def cs02c(rtds_dir):
    folder = rtds_dir / "6.17_CS02c"
    if not folder.is_dir():
        missing_vectors("6.17_CS02c not in the vectors subset")
    return folder


@pytest.fixture(scope="module")
def supplier_key(keystore_dir):
    return keystore_dir / f"{SUPPLIER}-ds.key"


def test_register_adds_three_subcommands():
    for sub, handler in (("inspect", run_inspect), ("verify", run_verify), ("sign", run_sign)):
        extra = {
            "inspect": ["f"],
            "verify": ["f", "--keystore", "k"],
            "sign": ["f", "--key", "k"],
        }[sub]
        # The parser names the handler; it is imported when the command runs.
        assert _args(sub, *extra).run.__name__ == handler.__name__


def test_inspect_prints_tree_with_offsets(cs02c, capsys):
    assert run_inspect(_args("inspect", str(cs02c / "CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX"))) == 0
    out = capsys.readouterr().out
    assert "CS02c command, macd, 130 octets" in out
    assert "90B3D51F30010000" in out
    assert "= 0x000A CS02c Issue Security Credentials" in out
    # offset, length, indented name, octets, value: the originator counter at offset 16
    (line,) = [x for x in out.splitlines() if "originator_counter " in x]
    assert line.split()[:2] == ["16", "8"]


def test_inspect_fixture(fixtures_dir, capsys):
    assert run_inspect(_args("inspect", str(fixtures_dir / "gbcs" / "gbcs-18.4-ecs04b.hex"))) == 0
    assert "123456789ABCDEF0" in capsys.readouterr().out


def test_verify_verdict_lines_and_exit_codes(cs02c, keystore_dir, tmp_path, capsys):
    files = sorted(str(p) for p in cs02c.glob("*.HEX"))
    assert run_verify(_args("verify", *files, "--keystore", str(keystore_dir))) == 0
    lines = capsys.readouterr().out.splitlines()
    # One line per file for each rule (MACs are verified by default).
    for rule in (
        "gbcs.shape",
        "gbcs.critical_command_signed",
        "gbcs.signature",
        "gbcs.security_header",
        "gbcs.mac",
        "gbcs.decrypt",
    ):
        assert sum(f" {rule}: " in line for line in lines) == len(files)
    assert all(": PASS " in line or ": N/A " in line for line in lines)
    macs = [line for line in lines if " gbcs.mac: " in line and " PASS " in line]
    assert macs
    assert all("90b3d51f30000002-ka.key" in line for line in macs if "_COMMAND_" in line)
    # --no-mac: the three signing rules only.
    assert run_verify(_args("verify", *files, "--keystore", str(keystore_dir), "--no-mac")) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 3 * len(files)
    # What --no-mac leaves out is said, never passed over in silence.
    assert "secrules: note: --no-mac: MACs, security headers and encrypted content are not" in (
        captured.err
    )
    # A flipped signature bit: FAIL, exit 1.
    command = bytearray(bytes.fromhex((cs02c / "CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX").read_text()))
    command[60] ^= 0x01
    bad = tmp_path / "bad.hex"
    bad.write_text(command.hex())
    assert run_verify(_args("verify", str(bad), "--keystore", str(keystore_dir))) == 1
    assert " FAIL " in capsys.readouterr().out
    # A flipped MAC bit: gbcs.mac FAIL, exit 1.
    command = bytearray(bytes.fromhex((cs02c / "CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX").read_text()))
    command[-1] ^= 0x80
    bad.write_text(command.hex())
    assert run_verify(_args("verify", str(bad), "--keystore", str(keystore_dir))) == 1
    out = capsys.readouterr().out
    assert re.search(r" FAIL +gbcs\.mac: ", out)
    # --acb names another EUI: the MAC cannot be checked (no private key): exit 1.
    good = str(cs02c / "CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX")
    assert (
        run_verify(
            _args("verify", good, "--keystore", str(keystore_dir), "--acb", "00DB123456789001")
        )
        == 1
    )
    assert re.search(r"UNDECIDED +gbcs\.mac: ", capsys.readouterr().out)


def test_verify_indeterminate_counts_as_failure_unless_allowed(cs02c, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    path = str(cs02c / "CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX")
    assert run_verify(_args("verify", path, "--keystore", str(empty))) == 1
    assert ": UNDECIDED  gbcs.signature: " in capsys.readouterr().out
    allowed = _args("verify", path, "--keystore", str(empty), "--allow-missing-keys")
    assert run_verify(allowed) == 0


def test_verify_json_and_undecodable_files(cs02c, keystore_dir, tmp_path, capsys):
    junk = tmp_path / "junk.hex"
    junk.write_text("00 01 02")
    good = str(cs02c / "CS02c_6.17_SUCCESS_RESPONSE_GBCS.HEX")
    code = run_verify(
        _args("verify", good, str(junk), "--keystore", str(keystore_dir), "--format", "json")
    )
    assert code == 2
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert {r["file"] for r in rows} == {good}
    assert [r["outcome"] for r in rows if r["rule_id"] == "gbcs.signature"] == ["pass"]
    assert "junk.hex" in captured.err


def test_verify_bad_keystore(tmp_path):
    with pytest.raises(DataFileError):
        run_verify(_args("verify", "x", "--keystore", str(tmp_path / "nope.json")))


def test_sign_writes_hex_that_verifies(cs02c, supplier_key, keystore_dir, tmp_path, capsys):
    pre = cs02c / "CS02c_6.17_SUCCESS_PRECOMMAND_GBCS.HEX"
    out = tmp_path / "signed.hex"
    args = _args(
        "sign",
        str(pre),
        "--key",
        str(supplier_key),
        "--variant",
        "cnsa",
        "--deterministic",
        "-o",
        str(out),
    )
    assert run_sign(args) == 0
    signed = bytes.fromhex(out.read_text())
    assert signed.startswith(bytes.fromhex(pre.read_text()))
    assert run_verify(_args("verify", str(out), "--keystore", str(keystore_dir))) == 0
    # Deterministic: the same bytes again, to stdout.
    assert run_sign(_args("sign", str(pre), "--key", str(supplier_key), "--deterministic")) == 0
    assert capsys.readouterr().out.strip().endswith(out.read_text().strip())


def test_sign_refuses_signed_and_bad_keys(cs02c, supplier_key, tmp_path):
    command = str(cs02c / "CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX")
    with pytest.raises(DataFileError, match="MAC") as refused:
        run_sign(_args("sign", command, "--key", str(supplier_key)))
    bad_key = tmp_path / "bad.key"
    bad_key.write_text("nope")
    pre = str(cs02c / "CS02c_6.17_SUCCESS_PRECOMMAND_GBCS.HEX")
    assert refused.value.file == command
    assert isinstance(refused.value.__cause__, InvalidValueError)
    with pytest.raises(DataFileError) as bad:
        run_sign(_args("sign", pre, "--key", str(bad_key)))
    assert bad.value.file == str(bad_key)
    assert isinstance(bad.value.__cause__, UnsupportedKeyError)


def test_read_message_bytes_forms(tmp_path):
    raw = bytes.fromhex(
        "DF0901" + "00" * 8 + "08" + "11" * 8 + "08" + "22" * 8 + "00020001" + "0100"
    )
    parse_message(raw)
    forms = {
        "bin": raw,
        "hex": raw.hex().upper().encode(),
        "spaced": raw.hex(" ").encode() + b"\n",
        "b64": base64.b64encode(raw),
    }
    for name, content in forms.items():
        path = tmp_path / name
        path.write_bytes(content)
        assert read_message_bytes(str(path)) == raw
    (tmp_path / "bad").write_bytes(b"\xff\xfe")
    with pytest.raises(DecodeError):
        read_message_bytes(str(tmp_path / "bad"))
    with pytest.raises(DataFileError):
        read_message_bytes(str(tmp_path / "missing"))


def test_through_main(run_cli, cs02c, keystore_dir, tmp_path):
    ok = run_cli(
        "gbcs", "verify", cs02c / "CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX", "--keystore", keystore_dir
    )
    assert ok.code == 0, ok.err
    assert "PASS" in ok.out
    missing = run_cli("gbcs", "inspect", tmp_path / "missing.hex")
    assert missing.code == 2
    assert missing.err.count("\n") == 1
    assert missing.err.startswith(f"secrules: {tmp_path / 'missing.hex'}: cannot read")
    assert "Traceback" not in missing.err
    junk = tmp_path / "junk.hex"
    junk.write_text("00 01 02")
    undecodable = run_cli("gbcs", "inspect", junk)
    assert undecodable.code == 2
    assert undecodable.err.startswith(f"secrules: {junk}: first octet 0x00")
    out = tmp_path / "verdicts.txt"
    command = cs02c / "CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX"
    written = run_cli("gbcs", "verify", command, "--keystore", keystore_dir, "-o", out)
    assert written.code == 0, written.err
    assert written.out == ""
    assert out.read_text(encoding="utf-8") == ok.out
    key = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "p384.key").write_bytes(key)
    pre = cs02c / "CS02c_6.17_SUCCESS_PRECOMMAND_GBCS.HEX"
    wrong = run_cli("gbcs", "sign", pre, "--key", tmp_path / "p384.key")
    assert wrong.code == 2
    assert wrong.err.startswith(f"secrules: {tmp_path / 'p384.key'}: ")
    assert "P-256" in wrong.err
