"""Every subcommand follows one set of conventions: found by walking the argparse tree.

A new subcommand is covered without being named here. Its arguments get values by metavar
(:data:`VALUES`); a metavar this table does not know fails the walk, asking for a value.
"""

from __future__ import annotations

import argparse
import shlex

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from secrules.cli import EXAMPLES, build_parser, commands

#: A General Signing APDU without a signature: a DUIS pre-command every GBCS command accepts.
PRECOMMAND = "DF0901" + "00" * 8 + "08" + "11" * 8 + "08" + "22" * 8 + "00020001" + "0100"
#: Metavars of arguments that name a file the command reads.
READS = {"FILE", "PRECOMMAND", "KEY", "PATH"}

PARSER = build_parser()
ALL = list(commands(PARSER))
PATHS = [path for path, _ in ALL]
#: Commands that run (not groups such as ``gbcs``).
LEAVES = [
    (path, parser)
    for path, parser in ALL
    if path and not any(other[: len(path)] == path and other != path for other in PATHS)
]


def _name(path: tuple[str, ...]) -> str:
    return " ".join(path) or "secrules"


def _actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._VersionAction)
    ]


@pytest.fixture
def values(tmp_path):
    """Valid values for every metavar the commands use, made in ``tmp_path``."""
    message = tmp_path / "pre.hex"
    message.write_text(PRECOMMAND + "\n", encoding="ascii")
    key = tmp_path / "k.key"
    key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    keys = tmp_path / "keys"
    keys.mkdir()
    return {
        "FILE": str(message),
        "PRECOMMAND": str(message),
        "KEY": str(key),
        "PATH": str(keys),
        "ID": "DP133",
    }


def _value(action: argparse.Action, values: dict[str, str]) -> str:
    metavar = action.metavar or action.dest.upper()
    assert metavar in values, f"teach this walk a value for metavar {metavar!r} ({action.dest})"
    return values[metavar]


def _argv(
    path: tuple[str, ...],
    parser: argparse.ArgumentParser,
    values: dict[str, str],
    *,
    optional_positionals: bool = False,
    override: argparse.Action | None = None,
    value: str = "",
) -> list[str]:
    """The command with its required arguments (and, if asked, every positional) filled in.

    ``override`` gets ``value`` instead (and is given even if it is optional).
    """
    argv = list(path)
    for action in _actions(parser):
        if action.option_strings:
            wanted = action.required or action is override
        else:
            wanted = optional_positionals or action.nargs not in ("?", "*") or action is override
        if wanted:
            given = value if action is override else _value(action, values)
            argv += [action.option_strings[-1], given] if action.option_strings else [given]
    return argv


def _one_line(result) -> str:
    assert result.code == 2, (result.code, result.err)
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("secrules: "), result.err
    assert not lines[0].startswith(("secrules: error:", "secrules: secrules")), result.err
    assert "Traceback" not in result.err
    return lines[0]


def test_the_walk_finds_every_command():
    names = {_name(path) for path, _ in LEAVES}
    assert {"proposals", "rules", "impact", "check", "gbcs inspect", "gbcs verify"} <= names
    assert "gbcs sign" in names


@pytest.mark.parametrize(("path", "parser"), ALL, ids=[_name(p) for p in PATHS])
def test_help_shows_real_examples(run_cli, path, parser):
    result = run_cli(*path, "--help")
    assert result.code == 0, result.err
    assert "\nexamples:\n" in result.out
    examples = EXAMPLES[" ".join(path)]
    assert 2 <= len(examples) <= 4
    for line in examples:
        assert f"  {line}" in result.out
        words = shlex.split(line.split(" < ")[0])
        assert words[0] == "secrules"
        assert words[1 : 1 + len(path)] == list(path)
        args, extra = build_parser().parse_known_args(words[1:])
        assert extra == [], line
        assert args.run is not None


@pytest.mark.parametrize(("path", "parser"), LEAVES, ids=[_name(p) for p, _ in LEAVES])
def test_bad_option_is_one_line_naming_the_commands_help(run_cli, values, path, parser):
    line = _one_line(run_cli(*_argv(path, parser, values), "--no-such-option"))
    assert "--no-such-option" in line
    assert f"(see 'secrules {_name(path)} --help')" in line


def _readers(parser):
    return [
        a
        for a in _actions(parser)
        if (a.metavar or "").split("|")[0] in READS and a.dest != "output"
    ]


FILE_READERS = [(p, parser) for p, parser in LEAVES if _readers(parser)]


def test_the_walk_finds_commands_that_read_files():
    assert len(FILE_READERS) >= 3  # check, impact, gbcs inspect/verify/sign at least


@pytest.mark.parametrize(("path", "parser"), FILE_READERS, ids=[_name(p) for p, _ in FILE_READERS])
def test_a_missing_file_is_blamed_by_name(run_cli, values, tmp_path, path, parser):
    readers = _readers(parser)
    for action in readers:
        missing = str(tmp_path / f"missing-{action.dest}")
        argv = _argv(
            path, parser, values, optional_positionals=True, override=action, value=missing
        )
        line = _one_line(run_cli(*argv))
        assert line.startswith(f"secrules: {missing}: "), (action.dest, line)


@pytest.mark.parametrize(("path", "parser"), LEAVES, ids=[_name(p) for p, _ in LEAVES])
def test_output_option_writes_a_file_and_never_an_input(run_cli, values, tmp_path, path, parser):
    options = {o for a in _actions(parser) for o in a.option_strings}
    assert {"-o", "--output"} <= options, f"secrules {_name(path)} has no -o/--output"
    argv = _argv(path, parser, values)
    out = tmp_path / "report.out"
    result = run_cli(*argv, "-o", out)
    assert result.code in (0, 1), result.err
    assert result.out == ""
    assert out.read_text(encoding="utf-8").strip()
    assert f"secrules: wrote {out}" in result.err
    inputs = [a for a in argv if a.startswith(str(tmp_path)) and (tmp_path / a).is_file()]
    for source in inputs:
        before = (tmp_path / source).read_bytes()
        line = _one_line(run_cli(*argv, "--output", source))
        assert line.startswith(f"secrules: {source}: refusing to overwrite"), line
        assert (tmp_path / source).read_bytes() == before


def test_group_without_subcommand_is_a_usage_line(run_cli):
    for path, _ in ALL:
        if (path, _) in LEAVES:
            continue
        line = _one_line(run_cli(*path))
        assert "required" in line
