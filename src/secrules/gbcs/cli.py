"""``secrules gbcs inspect|verify|sign``: GBCS framing, signature checks and pre-command signing.

The main command line (:mod:`secrules.cli`) calls :func:`register`. Each handler takes the parsed
arguments and returns the exit status; bad input raises a :class:`SecrulesError`, which the main
command prints as one line with exit status 2.

``verify`` reports, for each file, the findings of ``gbcs.shape`` (the wire shape fits the CRA
flag), ``gbcs.critical_command_signed`` (a critical command carries a signature),
``gbcs.signature`` and, unless ``--no-mac``, ``gbcs.security_header``, ``gbcs.mac`` and
``gbcs.decrypt`` (MACs are verified by default; ``--acb EUI`` names the Access Control Broker).
Exit status: 0 when no finding FAILs and every signature and MAC was checked; 1 when any finding
FAILs (a bad signature or MAC, a critical command stripped of its signature, a response reshaped
as a pre-command), or (unless ``--allow-missing-keys``) when the key store lacks a key some
signature, MAC or encrypted block needs (INDETERMINATE: what could not be checked is not a
pass); 2 when a file cannot be read or decoded (the other files are still checked).

Errors follow the command line's one shape, ``secrules: FILE: what is wrong``
(:func:`describe_error`); every subcommand takes ``-o/--output FILE`` (:func:`add_output`) and
``--keystore`` means the same wherever it appears (:func:`add_keystore`).

``--at ISO8601`` (with a time zone) also checks that each signer's certificate is valid at that
time; without it validity is not checked (the wall clock is never read).

``sign --keystore`` refuses a key that is not the originator's Digital Signature key (a Key
Agreement key, another party's key); with ``--at`` too, one whose certificate is not valid then.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from secrules.checking import failed, read_file
from secrules.core.files import display_name, printable, write_output
from secrules.core.findings import Finding
from secrules.core.tree import Node
from secrules.errors import DataFileError, DecodeError, InvalidValueError, SecrulesError, UsageError
from secrules.gbcs.commands import AT_HELP, add_keystore, add_output, describe_error, register
from secrules.gbcs.decode import parse_message
from secrules.gbcs.ecdsa import load_private_key
from secrules.gbcs.inspect import message_tree, node_json, render_node
from secrules.gbcs.keystore import KeyStore, normalise_eui, open_keystore
from secrules.gbcs.message import GbcsMessage
from secrules.gbcs.types import Eui64
from secrules.gbcs.variants import SigningVariant
from secrules.gbcs.verification import protection_findings, sign_precommand
from secrules.inputs import InputKind, read_input
from secrules.report.findings import OUTCOME_LABELS, outcome_label
from secrules.report.serialise import as_json

__all__ = [
    "AT_HELP",
    "add_keystore",
    "add_output",
    "describe_error",
    "parse_acb",
    "parse_at",
    "read_message_bytes",
    "register",
    "render_tree",
    "run_inspect",
    "run_sign",
    "run_verify",
]

_SHOWN_OCTETS = 24


def parse_acb(text: str | None) -> Eui64 | None:
    """The ``--acb`` EUI, read once before any file (the option is blamed, not the payload)."""
    if text is None:
        return None
    try:
        return Eui64.parse(normalise_eui(text))
    except InvalidValueError:
        raise InvalidValueError(
            f"--acb {text[:40]!r} is not an EUI-64 (16 hex digits, e.g. 90B3D51F30000002)"
        ) from None


def parse_at(text: str | None) -> dt.datetime | None:
    """The ``--at`` time: an ISO 8601 date-time with a time zone, or None when not given.

    A time without a zone (or a bare date) is refused: secrules never guesses one.
    """
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValueError(
            f"--at {text[:40]!r} is not an ISO 8601 time (e.g. 2025-06-01T12:00:00Z)"
        ) from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidValueError(f"--at {text[:40]!r} has no time zone; add one (e.g. Z or +01:00)")
    return when


@contextlib.contextmanager
def _about(name: str | os.PathLike[str]) -> Iterator[None]:
    """Re-raise an error met while handling ``name`` as a DataFileError that names it."""
    try:
        yield
    except DataFileError:
        raise
    except SecrulesError as exc:
        raise DataFileError(str(exc), file=display_name(name)) from exc


def _emit(text: str, output: str | None, inputs: Sequence[str | None]) -> None:
    """``text`` to stdout, or atomically to ``output`` (never onto one of ``inputs``)."""
    if output is None or output == "-":
        sys.stdout.write(printable(text))
        return
    write_output(output, text, inputs=inputs)
    sys.stderr.write(printable(f"secrules: wrote {display_name(output)}", one_line=True) + "\n")


def read_message_bytes(name: str) -> bytes:
    """The octets of a message file, read as ``secrules check`` reads it (binary, hex, base64).

    ``"-"`` reads standard input. At most one byte over the cap
    (:data:`secrules.inputs.MAX_INPUT_BYTES`) is read whatever the file is; an unreadable or
    oversized file is a :class:`DataFileError` naming it, and XML or undecodable input a
    :class:`DecodeError`.
    """
    subject = read_input(read_file(name), name=display_name(name))
    if subject.kind is InputKind.XML:
        raise DecodeError("expected a GBCS message (hex, base64 or binary), not XML", offset=0)
    return subject.data


# --- inspect -----------------------------------------------------------------------------------


def render_tree(message: GbcsMessage, *, keystore: KeyStore | None = None) -> str:
    """``message`` as ``gbcs inspect`` prints it: a title line, then the named tree."""
    tree, _, _ = message_tree(message, keystore=keystore)
    return _rendered(tree)


def _rendered(tree: Node) -> str:
    header = f"{'offset':>6} {'len':>4}  {'name':<44} octets  = value\n"
    return f"{tree.text}, {tree.length} octets\n" + header + render_node(tree)


def _inspect_one(
    name: str, store: KeyStore | None, acb: Eui64 | None, when: dt.datetime | None
) -> tuple[Node, list[Finding]]:
    with _about(name):
        message = parse_message(read_message_bytes(name))
    tree, _, _ = message_tree(message, keystore=store)
    # Without a key store the signature, MAC and ciphertext findings say "not checked".
    return tree, protection_findings(message, store, acb=acb, at=when)


def run_inspect(args: argparse.Namespace) -> int:
    """``secrules gbcs inspect FILE... [--format text|json] [--keystore DIR]``: exit 0.

    Each message as one named tree (framing, then the content decoded), with the signature,
    MAC and decryption findings: checked with the key store when one is given, else
    INDETERMINATE "not checked" (inspect shows; ``check`` and ``verify`` decide). A file that
    cannot be read or framed is reported on stderr (``secrules: FILE: ...``) and the exit
    status is 2; the other files are still shown.
    """
    files: list[str] = list(getattr(args, "files", None) or [args.file])
    keystore = getattr(args, "keystore", None)
    when = parse_at(getattr(args, "at", None))
    acb = parse_acb(getattr(args, "acb", None))
    if keystore is None and when is not None:
        raise UsageError("gbcs inspect: --at needs --keystore (validity is read from certificates)")
    if keystore is None and acb is not None:
        raise UsageError(
            "gbcs inspect: --acb needs --keystore (the ACB's Key Agreement key is in it)"
        )
    store = None if keystore is None else open_keystore_reporting(keystore)
    shown: list[tuple[str, Node, list[Finding]]] = []
    errors = 0
    for name in files:
        try:
            tree, findings = _inspect_one(name, store, acb, when)
        except SecrulesError as exc:
            if len(files) == 1:
                raise
            errors += 1
            sys.stderr.write(describe_error(name, exc) + "\n")
            continue
        shown.append((name, tree, findings))
    if getattr(args, "format", "text") == "json":
        rows = []
        for name, tree, findings in shown:
            rows.append(
                {
                    "file": display_name(name),
                    "tree": node_json(tree),
                    "protection": [as_json(f) for f in findings],
                }
            )
        text = json.dumps(rows, indent=2) + "\n"
    else:
        width = max(len(label) for label in OUTCOME_LABELS.values())
        parts = []
        for name, tree, findings in shown:
            part = f"{display_name(name)}: " + _rendered(tree)
            part += "".join(
                f"  {outcome_label(f.outcome):{width}}  {f.rule_id}: {f.message}\n"
                for f in findings
            )
            parts.append(part)
        text = "\n".join(parts)
    inputs = [*files, *([keystore] if keystore else [])]
    if shown or getattr(args, "format", "text") == "json":
        _emit(text, getattr(args, "output", None), inputs)
    return 2 if errors else 0


# --- verify -----------------------------------------------------------------------------------


def open_keystore_reporting(path: str) -> KeyStore:
    """Open a key store and print its load warnings to stderr, one line each."""
    store: KeyStore = open_keystore(path)
    for warning in store.findings:
        line = printable(
            f"secrules: {display_name(path)}: warning: {warning.message}", one_line=True
        )
        sys.stderr.write(line + "\n")
    return store


def run_verify(args: argparse.Namespace) -> int:
    """``secrules gbcs verify FILE... --keystore DIR|keystore.json``: the protection findings.

    One line per finding (``gbcs.shape``, ``gbcs.critical_command_signed``, ``gbcs.signature``,
    then ``gbcs.security_header``, ``gbcs.mac``, ``gbcs.decrypt`` unless ``--no-mac``) per
    file; JSON: one row per finding with its ``file``.
    """
    when = parse_at(args.at)
    acb = parse_acb(args.acb)
    if args.no_mac:
        sys.stderr.write(
            "secrules: note: --no-mac: MACs, security headers and encrypted content are not "
            "checked\n"
        )
    store = open_keystore_reporting(args.keystore)
    results: list[tuple[str, Finding]] = []
    errors = 0
    for name in args.files:
        try:
            findings = protection_findings(
                parse_message(read_message_bytes(name)),
                store,
                mac=not args.no_mac,
                acb=acb,
                at=when,
            )
        except SecrulesError as exc:
            errors += 1
            sys.stderr.write(describe_error(name, exc) + "\n")
            continue
        results.extend((name, finding) for finding in findings)
    if args.format == "json":
        rows = [{"file": display_name(name), **as_json(finding)} for name, finding in results]
        text = json.dumps(rows, indent=2) + "\n"
    else:
        width = max(len(label) for label in OUTCOME_LABELS.values())
        text = "".join(
            f"{display_name(name)}: {outcome_label(finding.outcome):{width}}  "
            f"{finding.rule_id}: {finding.message}\n"
            for name, finding in results
        )
    if results or args.format == "json":
        _emit(text, getattr(args, "output", None), [*args.files, args.keystore])
    if errors:
        return 2
    required = not args.allow_missing_keys
    return 1 if failed((f for _, f in results), protection_required=required) else 0


# --- sign -------------------------------------------------------------------------------------


def run_sign(args: argparse.Namespace) -> int:
    """``secrules gbcs sign PRECOMMAND --key KEY``: write the signed APDU as upper-case hex.

    With ``--keystore`` the key must be the originator's Digital Signature key (and, with
    ``--at``, its certificate valid then); otherwise a one-line error and exit status 2.
    """
    when = parse_at(args.at)
    if when is not None and args.keystore is None:
        raise UsageError("gbcs sign: --at needs --keystore (validity is read from certificates)")
    store = None if args.keystore is None else open_keystore_reporting(args.keystore)
    with _about(args.precommand):
        precommand = read_message_bytes(args.precommand)
    with _about(args.key):
        key = load_private_key(Path(args.key))
    with _about(args.precommand):
        signed = sign_precommand(
            precommand,
            key,
            variant=SigningVariant.by_name(args.variant),
            deterministic=bool(args.deterministic),
            keystore=store,
            at=when,
        )
    text = signed.hex().upper() + "\n"
    # atomically, and never onto the pre-command or the private key it reads
    _emit(text, args.output, [args.precommand, args.key])
    return 0
