"""The hostile-input contract, stated once and run over every public entry point and CLI command.

**Contract.** Whatever it is given, a public entry point either returns its normal result or
raises a :class:`secrules.errors.SecrulesError` whose message is one line. It never raises
anything else, never hangs, and works within memory proportional to its input. A CLI command
exits 0, 1 or 2; on 2 it prints exactly one line, ``secrules: ...``, on stderr; it never prints a
traceback or "internal error".

The inputs are generated here at test time (nothing is copied from ``../shared``): random bytes
and text, hex and base64 of them, mutations of valid messages built with secrules' own
strategies, decoder bombs, XML bombs, and arguments of the wrong type. The named 1 MiB worst
cases, with their memory bound, live in ``test_decoder_budget.py``; the issue's reproducers are
named regression cases in the other files of this folder.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import unittest.mock
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import secrules
import support
from secrules import cli
from secrules.asn1 import decode_asn1, decode_tlv, parse_generalized_time
from secrules.batch import CheckContext, CheckOptions, Source, check_source
from secrules.dlms import (
    access_tree,
    decode_access,
    decode_access_request,
    decode_access_response,
    decode_data,
    decode_data_at,
    decode_data_notification,
    decode_length,
    encode_length,
)
from secrules.duis import check_request, parse_request
from secrules.errors import InvalidValueError, SecrulesError
from secrules.gbcs import (
    MemoryKeyStore,
    classify,
    decode_content,
    decode_text,
    parse_message,
    verify_mac,
    verify_message,
)
from secrules.gbcs.cli import render_tree
from secrules.gbcs.content import plaintext_tree
from secrules.gbcs.inspect import message_tree, node_json
from secrules.inputs import read_input
from secrules.strategies import hostile_file_bodies, hostile_inputs, wrong_types
from secrules.zigbee import ZclHeader, decode_gbz, decode_zcl_plaintext

#: The safety net for one call. The target (1 s for 1 MiB) is measured by
#: ``bench/bench_hostile.py``; this only turns a hang into a failure instead of a stuck CI run.
SAFETY_SECONDS = 20


def watchdog(seconds: float = SAFETY_SECONDS) -> contextlib.AbstractContextManager[None]:
    """Fail (instead of hanging) when the body runs longer than ``seconds``."""
    return support.watchdog(seconds)


def obeys_contract(function: Callable[[Any], object], value: object) -> object:
    """Call ``function(value)``; any outcome but a result or a one-line SecrulesError fails."""
    error: SecrulesError | None = None
    try:
        with watchdog():
            return function(value)
    except SecrulesError as exc:
        error = exc
    message = str(error)
    assert message, f"{type(error).__name__} with an empty message"
    assert "\n" not in message.strip(), f"message is not one line: {message!r}"
    return error


INPUTS = st.one_of(hostile_inputs(), hostile_inputs(), wrong_types())


# --- entry points -------------------------------------------------------------------------------


def _empty_store() -> MemoryKeyStore:
    return MemoryKeyStore(label="empty test store")


ENTRY_POINTS: dict[str, Callable[[Any], object]] = {
    "secrules.check": secrules.check,
    "secrules.check(regime=baseline)": lambda d: secrules.check(d, regime="baseline"),
    "secrules.check(keystore=)": lambda d: secrules.check(d, keystore=_empty_store()),
    "secrules.check(default_configuration=)": lambda d: secrules.check(
        d, default_configuration=True
    ),
    "dlms.decode_data": decode_data,
    "dlms.decode_access": decode_access,
    "dlms.decode_data_notification": decode_data_notification,
    "asn1.decode_asn1": decode_asn1,
    "asn1.decode_asn1(message_code=)": lambda d: decode_asn1(d, message_code=0x0103),
    "asn1.decode_tlv": decode_tlv,
    "asn1.decode_tlv(offset=-1)": lambda d: decode_tlv(d, -1),
    "asn1.parse_generalized_time": parse_generalized_time,
    "dlms.decode_access_request": decode_access_request,
    "dlms.decode_access_response": decode_access_response,
    "dlms.decode_data_at(offset=1)": lambda d: decode_data_at(d, 1),
    "dlms.decode_length": lambda d: decode_length(d, 0),
    "dlms.decode_length(offset=-1)": lambda d: decode_length(d, -1),
    "dlms.encode_length": encode_length,
    "gbcs.parse_message": parse_message,
    "gbcs.decode_text": decode_text,
    "gbcs.verify_message": lambda d: verify_message(d, _empty_store()),
    "duis.parse_request": parse_request,
    "duis.check_request": check_request,
    "inputs.read_input": read_input,
    "gbcs.verify_mac": lambda d: verify_mac(d, _empty_store()),
    "secrules.check(keystore=, acb=)": lambda d: secrules.check(
        d, keystore=_empty_store(), acb="0102030405060708"
    ),
    "zigbee.decode_gbz": decode_gbz,
    "zigbee.decode_gbz(alert=True)": lambda d: decode_gbz(d, alert=True),
    "zigbee.decode_zcl_plaintext": lambda d: decode_zcl_plaintext(
        d, cluster_id=0x0705, header=ZclHeader(0x08, 0, 0x01)
    ),
    "ProposalModel.with_reading": lambda d: (
        secrules.get_proposal("DP129").require_model().with_reading(d)
    ),
    "gbcs.decode_content": lambda d: decode_content(parse_message(d)),
    "gbcs.classify": lambda d: classify(parse_message(d)),
    # The trees are built lazily: build them, text and JSON, as ``gbcs inspect`` does.
    "gbcs.decode_content(...).tree": lambda d: decode_content(parse_message(d)).tree,
    "gbcs.inspect.render_tree": lambda d: render_tree(parse_message(d)),
    "gbcs.inspect.node_json(message_tree)": lambda d: node_json(
        message_tree(parse_message(d), keystore=_empty_store())[0]
    ),
    "gbcs.content.plaintext_tree(dlms)": lambda d: plaintext_tree(d, gbz=False),
    "gbcs.content.plaintext_tree(gbz)": lambda d: plaintext_tree(
        d, gbz=True, message=parse_message(d), where="GBZ component 1"
    ),
    "dlms.access_tree": lambda d: access_tree(decode_access(d), d),
    "dlms.decode_data_notification(...).tree": lambda d: decode_data_notification(d).tree(),
    # The batch engine never raises for bad input: it returns a result with an error.
    "batch.check_source": lambda d: check_source(
        Source("input", data=d), CheckContext(), CheckOptions(fmt="jsonl")
    ),
}


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(value=INPUTS)
def test_entry_point_obeys_contract(name, value):
    obeys_contract(ENTRY_POINTS[name], value)


# --- file-reading entry points and the command line ---------------------------------------------


def _run_cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), watchdog():
        code = cli.main(argv)
    return code, err.getvalue()


def _cli_obeys_contract(argv: list[str]) -> int:
    code, err = _run_cli(argv)
    assert code in (0, 1, 2), f"exit {code}: {err}"
    assert "Traceback" not in err
    assert "internal error" not in err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) >= 1
        assert all(line.startswith("secrules: ") for line in lines), err
    return code


def _commands(path: Path, store: Path) -> list[list[str]]:
    p = str(path)
    return [
        ["check", p],
        ["check", "--format", "json", p],
        ["check", "--keystore", str(store), p],
        ["check", "--default-configuration", "--table-28d", p, p],
        ["impact", "DP125", "--table", p],
        ["impact", "DP128", "--table", p],
        ["impact", "MP130", "--table", p],
        ["impact", "DP126", "--table", p],
        ["impact", "DP127", "--table", p],
        ["impact", "DP132", "--table", p],
        ["impact", "DP129", "--table", p],
        ["impact", "DP131", "--table", p],
        ["impact", "DP133", "--table", p],
        ["impact", "DP131", "--table", p],
        ["gbcs", "inspect", p],
        ["gbcs", "verify", "--keystore", str(store), p],
        ["gbcs", "sign", p, "--key", p],
        ["gbcs", "sign", p, "--key", p, "--keystore", str(store)],
        ["check", "--keystore", str(store), "--acb", "0102030405060708", p],
        ["check", "--inventory", p, "--sender", "IS", p],
        ["gbcs", "verify", "--keystore", str(store), "--acb", "0102030405060708", p],
        ["gbcs", "inspect", "--format", "json", "--keystore", str(store), p],
        ["check", "--format", "jsonl", "-j", "2", p],
    ]


COMMAND_COUNT = len(_commands(Path("x"), Path("y")))


@pytest.fixture(scope="module")
def empty_store_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("store")


@pytest.mark.parametrize("which", range(COMMAND_COUNT))
@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=hostile_file_bodies())
def test_every_command_obeys_contract(which, body, tmp_path_factory, empty_store_dir):
    path = tmp_path_factory.mktemp("input") / "input.bin"
    path.write_bytes(body)
    _cli_obeys_contract(_commands(path, empty_store_dir)[which])


class _Stdin:
    """A standard input whose ``buffer`` holds ``body`` (what ``-`` reads)."""

    def __init__(self, body: bytes) -> None:
        self.buffer = io.BytesIO(body)


STDIN_COMMANDS = [
    ["check", "-"],
    ["check", "--format", "jsonl", "-"],
    ["check", "--format", "json", "-j", "2", "-"],
    ["gbcs", "inspect", "-"],
    ["gbcs", "inspect", "--format", "json", "-"],
]


@pytest.mark.parametrize("argv", STDIN_COMMANDS, ids=" ".join)
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(hostile_file_bodies(), st.lists(hostile_file_bodies()).map(b"\n".join)))
def test_stdin_commands_obey_contract(argv, body):
    with unittest.mock.patch.object(sys, "stdin", _Stdin(body)):
        _cli_obeys_contract(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["proposals"],
        ["proposals", "--format", "json"],
        ["rules"],
        ["rules", "--format", "md"],
        ["rules", "--format", "json"],
        ["impact"],
        ["impact", "--format", "json"],
        ["impact", "--format", "html"],
        ["impact", "--format", "md"],
        ["impact", "DP999"],
        ["check"],
        ["check", "/nonexistent/file.hex"],
        ["gbcs", "inspect", "/nonexistent/file.hex"],
        ["nosuchcommand"],
        ["check", "--regime", "sideways", "x"],
    ],
)
def test_commands_without_hostile_files(argv):
    _cli_obeys_contract(argv)


def _feed_fifo(path: Path) -> int:
    """Fork a writer that feeds ``path`` a short message each time a reader opens it."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            for _ in range(8):
                with path.open("wb") as handle:
                    handle.write(b"00" * 1000)
        finally:
            os._exit(0)
    return pid


@pytest.mark.parametrize("name", ["fifo", "dev-zero", "directory", "dangling-link"])
@pytest.mark.parametrize("which", range(COMMAND_COUNT))
def test_every_command_on_special_files(name, which, tmp_path, empty_store_dir):
    path = tmp_path / name
    writer = None
    if name == "fifo":
        os.mkfifo(path)
        writer = _feed_fifo(path)
    elif name == "dev-zero":
        path.symlink_to("/dev/zero")
    elif name == "directory":
        path.mkdir()
    else:
        path.symlink_to(tmp_path / "missing")
    try:
        _cli_obeys_contract(_commands(path, empty_store_dir)[which])
    finally:
        if writer is not None:
            os.kill(writer, signal.SIGKILL)
            os.waitpid(writer, 0)


def test_decode_tlv_refuses_a_negative_offset_instead_of_reading_from_the_end():
    # 04 00 at offset -2 once decoded the last two octets as if they were the value asked for.
    data = bytes.fromhex("0400050100")
    with pytest.raises(InvalidValueError, match="offset must be at least 0, not -2"):
        decode_tlv(data, -2)
    with pytest.raises(InvalidValueError, match="offset must be at least 0"):
        decode_tlv(b"", -1)  # was an IndexError
    assert decode_tlv(data, 3).tag == 0x01
    with pytest.raises(InvalidValueError, match="content must be bytes, not memoryview"):
        parse_generalized_time(memoryview(b"20250601120000Z"))  # was an AttributeError


def test_decode_length_refuses_a_negative_offset_instead_of_reading_from_the_end():
    # 81 80 at offset -2 once read the last two octets as a length of 128.
    data = bytes.fromhex("058180")
    with pytest.raises(InvalidValueError, match="offset must be at least 0, not -2"):
        decode_length(data, -2)
    with pytest.raises(InvalidValueError, match="data must be"):
        decode_length("8180", 0)  # type: ignore[arg-type]  # was a TypeError
    assert decode_length(data, 1) == (128, 3)
    with pytest.raises(InvalidValueError, match="out of range"):
        encode_length(-1)
    with pytest.raises(InvalidValueError, match="length must be"):
        encode_length("7")  # type: ignore[arg-type]
