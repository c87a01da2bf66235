"""The ``secrules gbcs`` argument parsers, light enough to build without loading GBCS.

:func:`register` adds ``gbcs inspect|verify|sign``; each handler lives in
:mod:`secrules.gbcs.cli` and is imported only when its command runs, so ``secrules --help``
starts without cryptography or construct. :func:`add_output`, :func:`add_keystore`,
:data:`AT_HELP` and :func:`describe_error` give every command the same options and error line.
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from typing import TypeVar

from secrules.core.files import display_name, printable
from secrules.errors import DataFileError, SecrulesError

__all__ = ["AT_HELP", "add_keystore", "add_output", "describe_error", "register"]

_P = TypeVar("_P", bound=argparse.ArgumentParser)

#: The help of ``--at`` (``gbcs verify``, ``gbcs sign`` and ``check``).
AT_HELP = (
    "check that certificates are valid at this ISO 8601 time with a zone, e.g. "
    "2025-06-01T12:00:00Z (default: validity not checked)"
)


def add_output(parser: argparse.ArgumentParser) -> None:
    """``-o/--output FILE``: every command that prints a report can write it to a file."""
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE instead of stdout (never onto a file the command reads)",
    )


def add_keystore(parser: argparse.ArgumentParser, *, required: bool, also: str) -> None:
    """``--keystore PATH``, one meaning everywhere; ``also`` says what it adds to the command."""
    parser.add_argument(
        "--keystore",
        required=required,
        metavar="PATH",
        help=f"key-store directory (RTDS layout) or DCC Boxed keystore.json: {also}",
    )


def describe_error(name: str | os.PathLike[str], exc: SecrulesError | OSError) -> str:
    """The one error line for ``exc`` met while reading ``name``: ``secrules: FILE: ...``.

    A :class:`DataFileError` names its own file (perhaps another one, such as a table); any
    other error is about ``name``.
    """
    if isinstance(exc, DataFileError):
        line = f"secrules: {exc}"
    elif isinstance(exc, OSError):
        line = f"secrules: {display_name(name)}: cannot read: {exc.strerror or exc}"
    else:
        line = f"secrules: {display_name(name)}: {exc}"
    return printable(line, one_line=True)


def _handler(name: str) -> Callable[[argparse.Namespace], int]:
    """The handler ``secrules.gbcs.cli.<name>``, imported when the command runs."""

    def run(args: argparse.Namespace) -> int:
        handler: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module("secrules.gbcs.cli"), name
        )
        return handler(args)

    run.__name__ = name
    return run


def register(subparsers: argparse._SubParsersAction[_P]) -> None:
    """Add ``gbcs`` with its subcommands ``inspect``, ``verify`` and ``sign``."""
    gbcs = subparsers.add_parser(
        "gbcs", help="GBCS framing, signature checks against a key store, signing pre-commands"
    )
    sub = gbcs.add_subparsers(dest="gbcs_command", metavar="SUBCOMMAND", required=True)

    p = sub.add_parser(
        "inspect", help="show whole messages (framing and decoded content) as named trees"
    )
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="hex, base64 or binary messages ('-' for stdin)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_keystore(
        p,
        required=False,
        also="check the signature, MAC and encryption (else reported as not checked) and decrypt"
        " encrypted content in place",
    )
    p.add_argument(
        "--acb", metavar="EUI", help="EUI of the Access Control Broker (with --keystore)"
    )
    p.add_argument("--at", metavar="ISO8601", help=AT_HELP)
    add_output(p)
    p.set_defaults(run=_handler("run_inspect"))

    p = sub.add_parser("verify", help="verify GBCS signatures and MACs against a key store")
    p.add_argument("files", nargs="+", metavar="FILE", help="hex, base64 or binary messages")
    add_keystore(p, required=True, also="the originators' Digital Signature keys")
    p.add_argument(
        "--allow-missing-keys",
        action="store_true",
        help="exit 0 even when a signature or MAC cannot be checked for want of a key (UNDECIDED)",
    )
    p.add_argument(
        "--acb",
        metavar="EUI",
        help="EUI of the Access Control Broker whose Key Agreement key MACs commands (default: "
        "the key store's certificate with role 04)",
    )
    p.add_argument(
        "--no-mac",
        action="store_true",
        help="check signatures only: leave out gbcs.security_header, gbcs.mac and gbcs.decrypt",
    )
    p.add_argument("--at", metavar="ISO8601", help=AT_HELP)
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_output(p)
    p.set_defaults(run=_handler("run_verify"))

    p = sub.add_parser("sign", help="sign a DUIS pre-command (prints the signed APDU as hex)")
    p.add_argument(
        "precommand", metavar="PRECOMMAND", help="pre-command file (hex, base64 or binary)"
    )
    p.add_argument("--key", required=True, metavar="KEY", help="P-256 private key (PKCS#8 PEM)")
    p.add_argument(
        "--keystore",
        metavar="DIR|keystore.json",
        help="refuse a key that is not the originator's Digital Signature key in this store",
    )
    p.add_argument("--at", metavar="ISO8601", help=AT_HELP + "; needs --keystore")
    p.add_argument("--variant", choices=("gbcs", "cnsa"), default="gbcs")
    p.add_argument(
        "--deterministic",
        action="store_true",
        help="RFC 6979 nonces (reproducible; for test fixtures, not a GBCS variant)",
    )
    add_output(p)
    p.set_defaults(run=_handler("run_sign"))
