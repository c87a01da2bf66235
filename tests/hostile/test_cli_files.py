"""Hostile files on the command line: endless inputs, ``-o`` onto inputs, failed writes, names.

Contract: a command given a file it cannot use exits 2 with one line on stderr naming the file
(never a traceback, never reading an endless stream whole); ``-o`` never writes onto a file the
command reads and replaces its target atomically; file names print on a strict UTF-8 stream
whatever bytes they hold. Regression cases for issue 8, items 6, 8 and 9.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.cli import main
from secrules.core import files as core_files
from secrules.core.files import display_name, json_text, printable, write_output
from secrules.core.findings import Finding, Outcome
from secrules.errors import DataFileError
from secrules.report import FileFindings, render_findings

SECTION_G = Path(secrules.__file__).parent / "data" / "section_g.toml"
TABLE_28D = Path(secrules.__file__).parent / "data" / "table_28d.toml"
#: A General Signing APDU without a signature: a DUIS pre-command ``gbcs sign`` accepts.
PRECOMMAND = "DF0901" + "00" * 8 + "08" + "11" * 8 + "08" + "22" * 8 + "00020001" + "0100"
#: An A-XDR integer (tag 0x0F): a payload ``check`` decodes.
VALUE_HEX = "0F05\n"

needs_dev_zero = pytest.mark.skipif(
    not Path("/dev/zero").exists(), reason="no /dev/zero on this system"
)


def run(capsys, *argv: str | Path) -> tuple[int, str, str]:
    """``secrules ARGV`` in-process: (exit status, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str, *fragments: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("secrules: "), err
    assert not lines[0].startswith("secrules: error:"), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], err


@pytest.fixture
def key_file(tmp_path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = tmp_path / "k.key"
    path.write_bytes(key)
    return path


@pytest.fixture
def precommand(tmp_path) -> Path:
    path = tmp_path / "pre.hex"
    path.write_text(PRECOMMAND, encoding="ascii")
    return path


@pytest.fixture
def user_table(tmp_path) -> Path:
    path = tmp_path / "t.toml"
    path.write_bytes(SECTION_G.read_bytes())
    return path


# --- Item 6: endless inputs are refused within the cap --------------------------------------


@needs_dev_zero
@pytest.mark.parametrize(
    "argv",
    [
        ["impact", "DP133", "--table", "/dev/zero"],
        ["impact", "DP131", "--table", "/dev/zero"],
        ["impact", "DP129", "--table", "/dev/zero"],
        ["impact", "DP125", "--table", "/dev/zero"],
        ["check", "/dev/zero"],
        ["gbcs", "inspect", "/dev/zero"],
        ["gbcs", "sign", "/dev/zero", "--key", "/dev/null"],
    ],
    ids=" ".join,
)
def test_dev_zero_exits_2_naming_it(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    one_error_line(err, "/dev/zero", "larger than")


@needs_dev_zero
def test_dev_zero_table_28d(capsys, tmp_path):
    payload = tmp_path / "value.hex"
    payload.write_text(VALUE_HEX, encoding="ascii")
    code, _, err = run(capsys, "check", "--table-28d", "/dev/zero", payload)
    assert code == 2
    one_error_line(err, "/dev/zero", "larger than")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_table_fed_over_the_cap(capsys, tmp_path):
    # ``--table <(cat 9MB.toml)``: a pipe has no size for stat() to report.
    fifo = tmp_path / "table.toml"
    os.mkfifo(fifo)
    size = 9 << 20
    sent = [0]

    def feed() -> None:
        with contextlib.suppress(OSError), open(fifo, "wb") as pipe:  # noqa: PTH123
            chunk = b"# " + b"x" * 65534
            while sent[0] < size:
                pipe.write(chunk)
                sent[0] += len(chunk)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        code, _, err = run(capsys, "impact", "DP133", "--table", fifo)
    finally:
        if thread.is_alive():
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        thread.join(timeout=60)
    assert code == 2
    one_error_line(err, str(fifo), "larger than")
    assert sent[0] < size


def test_endless_stdin_is_refused(capsys, monkeypatch):
    class Zeros:
        total = 0

        def read(self, n: int = -1) -> bytes:
            assert n >= 0, "an unbounded read of standard input"
            Zeros.total += n
            return bytes(n)

    class Stdin:
        buffer = Zeros()

    monkeypatch.setattr(sys, "stdin", Stdin())
    for argv in (["check", "-"], ["gbcs", "inspect", "-"]):
        Zeros.total = 0
        code, _, err = run(capsys, *argv)
        assert code == 2
        one_error_line(err, "-", "larger than")
        assert Zeros.total == (16 << 20) + 1


# --- Item 8: -o never overwrites an input, and writes atomically ----------------------------


def _impact_onto(capsys, table: Path, output: str | Path) -> tuple[int, str]:
    code, _, err = run(capsys, "impact", "DP133", "--table", table, "-o", output)
    return code, err


def test_o_onto_the_table_same_path(capsys, user_table):
    before = user_table.read_bytes()
    code, err = _impact_onto(capsys, user_table, user_table)
    assert code == 2
    one_error_line(err, str(user_table), "refusing to overwrite")
    assert user_table.read_bytes() == before


def test_o_onto_the_table_other_spelling(capsys, user_table, monkeypatch):
    monkeypatch.chdir(user_table.parent)
    before = user_table.read_bytes()
    code, err = _impact_onto(capsys, Path("t.toml"), "./t.toml")
    assert code == 2
    one_error_line(err, "./t.toml", "refusing")
    assert user_table.read_bytes() == before


def test_o_onto_the_table_via_symlink(capsys, user_table):
    link = user_table.with_name("link.toml")
    link.symlink_to(user_table)
    before = user_table.read_bytes()
    for table, output in ((user_table, link), (link, user_table)):
        code, err = _impact_onto(capsys, table, output)
        assert code == 2
        one_error_line(err, str(output), "refusing")
    assert user_table.read_bytes() == before
    assert link.is_symlink()


def test_o_onto_the_table_via_hard_link(capsys, user_table):
    hard = user_table.with_name("hard.toml")
    os.link(user_table, hard)
    before = user_table.read_bytes()
    code, err = _impact_onto(capsys, user_table, hard)
    assert code == 2
    one_error_line(err, str(hard), "refusing")
    assert user_table.read_bytes() == before == hard.read_bytes()


@pytest.mark.parametrize("onto", ["key", "precommand"])
def test_sign_o_onto_its_inputs(capsys, key_file, precommand, onto):
    target = key_file if onto == "key" else precommand
    before = {p: p.read_bytes() for p in (key_file, precommand)}
    code, out, err = run(capsys, "gbcs", "sign", precommand, "--key", key_file, "-o", target)
    assert code == 2
    assert out == ""
    one_error_line(err, str(target), "refusing")
    assert {p: p.read_bytes() for p in before} == before


def test_sign_o_writes_the_signed_apdu(capsys, key_file, precommand, tmp_path):
    out = tmp_path / "signed.hex"
    code, _, err = run(capsys, "gbcs", "sign", precommand, "--key", key_file, "-o", out)
    assert code == 0, err
    assert out.read_text(encoding="ascii").startswith(PRECOMMAND)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("step", ["replace", "fsync", "write"])
def test_failed_write_leaves_target_whole_and_no_temp_file(tmp_path, monkeypatch, step):
    target = tmp_path / "report.txt"
    target.write_text("old report\n", encoding="utf-8")

    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(core_files.os, step, fail)
    with pytest.raises(DataFileError, match="No space left") as info:
        write_output(target, "new report\n" * 1000)
    assert info.value.file == str(target)
    assert target.read_text(encoding="utf-8") == "old report\n"
    assert _leftovers(tmp_path) == []


def test_failed_write_via_the_cli_names_the_output(capsys, tmp_path, monkeypatch):
    target = tmp_path / "report.txt"
    target.write_text("old\n", encoding="utf-8")

    def fail(*_args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(core_files.os, "replace", fail)
    code, _, err = run(capsys, "impact", "DP133", "-o", target)
    assert code == 2
    one_error_line(err, str(target), "cannot write", "Input/output error")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _leftovers(tmp_path) == []


def test_write_output_keeps_mode_and_writes_through_symlinks(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_output(link, "new\n")
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path) == []


def test_write_output_errors_name_the_target(tmp_path):
    with pytest.raises(DataFileError, match="folder") as info:
        write_output(tmp_path, "x")
    assert info.value.file == str(tmp_path)
    missing = tmp_path / "no" / "such" / "out.txt"
    with pytest.raises(DataFileError, match="cannot write") as info:
        write_output(missing, "x")
    assert info.value.file == str(missing)


def test_o_success_reports_the_file(capsys, user_table, tmp_path):
    out = tmp_path / "report.md"
    code, stdout, err = run(
        capsys, "impact", "DP133", "--table", user_table, "-o", out, "--format", "md"
    )
    assert code == 0
    assert stdout == ""
    assert err == f"secrules: wrote {out}\n"
    assert out.read_text(encoding="utf-8").strip()


# --- Item 9: file names print on strict streams ---------------------------------------------

BAD = "bad\udcff\udcfe.hex"  # bytes FF FE in a file name, as Python hands them over


def test_undecodable_name_in_text_and_errors(capsys, tmp_path):
    good = tmp_path / BAD
    good.write_text(VALUE_HEX, encoding="ascii")
    missing = tmp_path / ("missing\udcff\n.hex")
    code, out, err = run(capsys, "check", good, missing)  # capsys streams are strict UTF-8
    assert code == 2
    assert "bad\\xff\\xfe.hex: A-XDR Data" in out
    one_error_line(err, "missing\\xff\\x0a.hex", "cannot read")


def test_undecodable_name_in_json(capsys, tmp_path):
    good = tmp_path / BAD
    good.write_text(VALUE_HEX, encoding="ascii")
    code, out, _ = run(capsys, "check", "--format", "json", good, tmp_path / "gone\udcff.hex")
    assert code == 2
    payload = json.loads(out)
    assert payload["files"][0]["file"] == display_name(good)
    assert payload["errors"][0]["file"].endswith("gone\\xff.hex")


def test_undecodable_name_in_gbcs_commands(capsys, tmp_path, key_file):
    pre = tmp_path / "pre\udcff.hex"
    pre.write_text(PRECOMMAND, encoding="ascii")
    code, out, _ = run(capsys, "gbcs", "inspect", pre)
    assert code == 0
    assert out.startswith(display_name(pre) + ": ")
    code, _, err = run(capsys, "gbcs", "sign", pre, "--key", key_file, "-o", pre)
    assert code == 2
    one_error_line(err, "pre\\xff.hex", "refusing")


def test_smoke_error_path_on_a_strict_stdout_subprocess(tmp_path):
    # The real ``python -m secrules`` with a strict UTF-8 stdout: names print escaped, the error
    # is one line, never a traceback. (The JSON form is checked in-process above.)
    folder = os.fsencode(tmp_path)
    name = folder + b"/bad\xff.hex"
    with open(name, "wb") as handle:  # noqa: PTH123 - a bytes path on purpose
        handle.write(VALUE_HEX.encode())
    env = dict(os.environ, PYTHONIOENCODING="utf-8:strict", PYTHONWARNINGS="ignore")
    result = subprocess.run(
        [sys.executable, "-m", "secrules", "check", name, folder + b"/gone\xfe.hex"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert b"internal error" not in result.stderr
    assert b"Traceback" not in result.stderr
    assert result.stderr.count(b"\n") == 1
    assert b"gone\\xfe.hex: cannot read" in result.stderr
    assert "bad\\xff.hex: A-XDR Data" in result.stdout.decode("utf-8")  # valid UTF-8


def test_render_findings_names_are_printable():
    finding = Finding(rule_id="x.y", outcome=Outcome.PASS, message="ok", clauses=())
    results = [FileFindings("a\udcffb\tc", "A-XDR Data", [finding])]
    text = render_findings(results, "text", regime="proposed")
    assert text.startswith("a\\xffb\\x09c: ")
    text.encode("utf-8")
    payload = json.loads(render_findings(results, "json", regime="proposed"))
    assert payload["files"][0]["file"] == "a\\xffb\\x09c"


@given(st.text())
def test_printable_is_always_strict_utf8_and_one_line(text):
    line = printable(text, one_line=True)
    line.encode("utf-8")
    assert "\n" not in line
    assert "\r" not in line
    printable(text).encode("utf-8")
    if text.isprintable() and not any("\ud800" <= c <= "\udfff" for c in text):
        assert line == text


@given(st.binary(max_size=40))
def test_display_name_of_any_bytes(raw):
    shown = display_name(raw)
    shown.encode("utf-8")
    assert shown == display_name(os.fsdecode(raw))


@given(st.recursive(st.text(), lambda inner: st.lists(inner, max_size=3), max_leaves=10))
def test_json_text_is_always_valid_utf8_json(value):
    text = json_text({"v": value})
    text.encode("utf-8")
    assert json.loads(text) == {"v": value}
