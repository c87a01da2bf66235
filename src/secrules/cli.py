# PYTHON_ARGCOMPLETE_OK
"""The ``secrules`` command (also ``python -m secrules``).

Exit status: 0 everything passed; 1 a check found a failure (for ``check --keystore`` and
``gbcs verify``, also a signature that could not be checked); 2 bad usage or undecodable input
(one line on stderr, never a traceback); 3 an internal error (a bug: please report it).

Every command follows the same conventions: errors are one line, ``secrules: FILE: what is
wrong`` (``secrules: what is wrong`` when no file is to blame); text reports label outcomes
PASS, FAIL, N/A and UNDECIDED (JSON: ``pass``, ``fail``, ``not_applicable``,
``indeterminate``); ``-o/--output FILE`` writes the report to a file (never onto a file the
command reads); ``--help`` ends with examples. With the ``completion`` extra installed
(``pip install 'secrules[completion]'``, which brings ``argcomplete``), the command completes
its options in the shell once ``eval "$(register-python-argcomplete secrules)"`` has run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NoReturn

from secrules import __version__
from secrules.core.files import display_name, json_text, printable, stream_output, write_output
from secrules.errors import SecrulesError, UsageError
from secrules.gbcs.commands import AT_HELP, add_keystore, add_output
from secrules.gbcs.commands import register as register_gbcs

if TYPE_CHECKING:
    from secrules.batch import Batch, CheckContext

__all__ = ["EXAMPLES", "build_parser", "commands", "main", "run"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _out(text: str) -> None:
    """Write ``text`` to standard output, with any undecodable file-name bytes escaped."""
    sys.stdout.write(printable(text))


def _err(line: str) -> None:
    """Write one line to standard error, printable whatever bytes it holds."""
    sys.stderr.write(printable(line, one_line=True) + "\n")


def _write(text: str, output: str | None, *, inputs: Sequence[str | None] = ()) -> None:
    """``text`` to standard output, or atomically to the file ``output``.

    ``inputs`` are the files the command reads: ``output`` may not be any of them.
    """
    if output is None or output == "-":
        _out(text)
        return
    write_output(output, text, inputs=inputs)
    _err(f"secrules: wrote {display_name(output)}")


def _cmd_proposals(args: argparse.Namespace) -> int:
    from secrules.proposals import MODEL_SUMMARIES, proposals

    items = proposals()
    if args.format == "json":
        from secrules.report import as_json

        rows = [as_json(p) for p in items]
        _write(json.dumps(rows, indent=2) + "\n", args.output)
        return EXIT_OK
    lines = []
    for p in items:
        lines.append(f"{p.id:6} {p.title}")
        lines.append(f"       raised by {p.raised_by}, {p.raised}; {p.status}")
        # The summary without building the model (which imports its whole stack).
        model = MODEL_SUMMARIES.get(p.id) or (p.model.summary if p.model else "not modelled yet")
        lines.append(f"       model: {model}")
    _write("\n".join(lines) + "\n", args.output)
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    from secrules.checking import check_rulesets
    from secrules.proposals import proposals
    from secrules.report import find_rule, render_catalogue, render_rule, rule_catalogue

    entries = rule_catalogue(proposals(), checks=check_rulesets())
    if args.ids:
        found = [entry for rule_id in args.ids for entry in find_rule(entries, rule_id)]
        _write(render_rule(found, args.format), args.output)
        return EXIT_OK
    _write(render_catalogue(entries, args.format), args.output)
    return EXIT_OK


def _cmd_impact(args: argparse.Namespace) -> int:
    from secrules.core.impact import compute_impact
    from secrules.proposals import get_proposal, proposals
    from secrules.report import render_impact

    if args.ids:
        chosen = [get_proposal(i) for i in args.ids]
        for p in chosen:
            p.require_model()  # an explicitly named item that is not modelled is an error
        not_modelled = []
    else:
        chosen = [p for p in proposals() if p.modelled]
        not_modelled = [p for p in proposals() if not p.modelled]
    if args.table is not None and len(chosen) != 1:
        raise UsageError("--table needs exactly one proposal id")
    reports = []
    for p in chosen:
        model = p.require_model()
        if args.table is not None:
            model = model.with_table(args.table)
        reports.append(compute_impact(p, model))
    if args.format == "json":  # written row by row: a large model's document is never built
        from secrules.report.impact import write_impact_json

        with stream_output(args.output, inputs=[args.table]) as write:
            write_impact_json(
                reports, write, not_modelled=not_modelled, sensitivity=args.sensitivity
            )
        if args.output is not None and args.output != "-":
            _err(f"secrules: wrote {display_name(args.output)}")
        return EXIT_OK
    text = render_impact(
        reports,
        args.format,
        all_rows=args.all_rows,
        not_modelled=not_modelled,
        sensitivity=args.sensitivity,
    )
    _write(text, args.output, inputs=[args.table])
    return EXIT_OK


def _note(text: str) -> None:
    """A one-line note on stderr about an option that changes nothing (the exit status stays)."""
    _err(f"secrules: note: {text}")


def _parse_sender(text: str) -> tuple[str, str | None]:
    """``ROLE`` or ``ROLE:USERID`` (``--sender``): the role code and the User ID, if given."""
    from secrules.inventory import normalise_eui
    from secrules.sec import UserRole

    role, _, user_id = text.partition(":")
    try:
        code = UserRole.parse(role.strip()).code
        return code, normalise_eui(user_id) if user_id else None
    except SecrulesError as exc:
        raise UsageError(f"--sender {text}: {exc}") from None


def _check_context(args: argparse.Namespace) -> CheckContext:
    """Read the key store, Table 28d and inventory ``check`` was given; each blamed for itself."""
    keystore = None
    if args.keystore is not None:
        from secrules.gbcs.cli import open_keystore_reporting

        keystore = open_keystore_reporting(args.keystore)
    from secrules.gbcs.cli import parse_acb, parse_at

    at = parse_at(args.at)
    acb = parse_acb(args.acb)
    if at is not None and keystore is None:
        raise UsageError("check: --at needs --keystore (validity is read from certificates)")
    if acb is not None and keystore is None:
        raise UsageError("check: --acb needs --keystore (the ACB's Key Agreement key is in it)")
    table_28d = None
    if args.table_28d is not None:
        from secrules.gbcs.table_28d import load_table_28d

        table_28d = load_table_28d(args.table_28d)
        if not args.default_configuration:
            _note(
                "--table-28d is not applied: the Table 28d rules judge a device's default "
                "configuration; add --default-configuration if the input is one"
            )
    inventory = None
    if args.inventory is not None:
        from secrules.inventory import load_inventory

        inventory = load_inventory(args.inventory)
    if (args.inventory is None) != (args.sender is None):
        raise UsageError("--inventory FILE and --sender ROLE go together: give both or neither")
    sender = _parse_sender(args.sender) if args.sender is not None else None
    from secrules.batch import CheckContext

    return CheckContext(keystore, table_28d, inventory, sender, at, acb)


def _progress(batches: Iterator[Batch]) -> Iterator[Batch]:
    """``batches`` with a progress bar (inputs) on stderr when it is a terminal and tqdm is here.

    The bar comes with the ``progress`` extra (``pip install 'secrules[progress]'``); without
    it, or when stderr is not a terminal, nothing is shown.
    """
    isatty = getattr(sys.stderr, "isatty", None)
    if isatty is None or not isatty():
        return batches
    try:
        from tqdm import tqdm
    except ImportError:
        return batches

    def counted() -> Iterator[Batch]:
        with tqdm(unit=" inputs", file=sys.stderr, leave=False, dynamic_ncols=True) as bar:
            for batch in batches:
                bar.update(len(batch.results))
                yield batch

    return counted()


def _cmd_check(args: argparse.Namespace) -> int:
    from secrules.batch import CheckOptions, Summary, check_batches, default_jobs, iter_sources

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("check: -j/--jobs must be at least 1")
    ctx = _check_context(args)
    options = CheckOptions(
        regime=args.regime,
        keystore=args.keystore,
        table_28d=args.table_28d,
        era=args.era,
        default_configuration=args.default_configuration,
        inventory=args.inventory,
        sender=ctx.sender,
        at=ctx.at,
        acb=ctx.acb,
        fmt=args.format,
        quiet=args.quiet,
    )
    jobs = args.jobs if args.jobs is not None else default_jobs()
    summary = Summary()
    errors: list[dict[str, str]] = []
    inputs = [*args.files, args.keystore, args.table_28d, args.inventory]
    batches = _progress(check_batches(iter_sources(args.files), options, jobs=jobs, context=ctx))
    with stream_output(args.output, inputs=inputs) as write:
        if args.format == "json":
            write(f'{{\n  "regime": {json.dumps(args.regime)},\n  "files": [')
        written = 0
        for batch in batches:
            summary.merge(batch.summary)
            for name, line, bare in batch.errors:
                _err(line)
                if args.format == "json":
                    errors.append(
                        {"file": display_name(name), "error": printable(bare, one_line=True)}
                    )
            if batch.count:
                if args.format == "json":
                    write(",\n" if written else "\n")
                written += batch.count
                write(batch.text)
        if args.format == "json":
            tail = json_text(
                {"failed": summary.fails, "failed_messages": summary.failed, "errors": errors}
            )
            write(("\n  ]," if written else "],") + tail[1:])
        elif args.format == "jsonl":
            write(json.dumps({"summary": summary.as_json()}) + "\n")
    if args.output is not None and args.output != "-":
        _err(f"secrules: wrote {display_name(args.output)}")
    if ctx.inventory is not None and not summary.xml and not summary.errors:
        _note("--inventory and --sender are not applied: no input was a DUIS request")
    if summary.errors:
        return EXIT_USAGE
    # With --keystore the user asked for signature, MAC and decryption checks: one that could
    # not be made fails (MessageResult.failed counts it).
    return EXIT_FAILED if summary.failed else EXIT_OK


#: Two or three real command lines per command, shown at the end of its ``--help``.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "": (
        "secrules check ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX",
        "secrules impact DP133 --format html -o dp133.html",
        "secrules gbcs verify --keystore rtds/keystore CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX",
    ),
    "proposals": (
        "secrules proposals",
        "secrules proposals --format json -o proposals.json",
    ),
    "rules": (
        "secrules rules",
        "secrules rules gbcs.signature",
        "secrules rules --format md -o rules.md",
    ),
    "impact": (
        "secrules impact DP133",
        "secrules impact 133 --format html -o dp133.html",
        "secrules impact DP131 --table my_table_28d.toml --format json",
    ),
    "check": (
        "secrules check ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX",
        "secrules check -q --keystore rtds/keystore --format json -o findings.json *.HEX",
        "secrules check update.xml --inventory inventory.toml --sender IS",
        "secrules check defaults.hex --default-configuration --table-28d table_28d.toml",
    ),
    "gbcs": (
        "secrules gbcs inspect CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX",
        "secrules gbcs verify --keystore keystore.json CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX",
    ),
    "gbcs inspect": (
        "secrules gbcs inspect CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX",
        "secrules gbcs inspect - -o tree.txt < message.b64",
    ),
    "gbcs verify": (
        "secrules gbcs verify --keystore rtds/keystore CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX",
        "secrules gbcs verify --keystore keystore.json --format json -o verdicts.json *.HEX",
    ),
    "gbcs sign": (
        "secrules gbcs sign pre.hex --key 90b3d51f30010000-ds.key -o signed.hex",
        "secrules gbcs sign pre.hex --key supplier.key --variant cnsa --deterministic",
    ),
}


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser under ``parser`` with its command path: ``()``, ``("check",)``, ...

    Walks the sub-command tree depth first, so a new sub-command is found without being named.
    """
    yield path, parser
    for action in parser._actions:  # argparse has no public walk of its tree
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


def _finish(parser: argparse.ArgumentParser) -> None:
    """Give every command its examples and the sub-command's name for error hints."""
    for path, sub in commands(parser):
        examples = EXAMPLES.get(" ".join(path))
        if examples:
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
            sub.epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
        if path:
            sub.set_defaults(help_prog=sub.prog)


def build_parser() -> argparse.ArgumentParser:
    """The ``secrules`` argument parser."""
    parser = _Parser(
        prog="secrules",
        description="Executable models of GB Smart Energy Code rules and of proposals to change "
        "them.",
    )
    parser.add_argument("--version", action="version", version=f"secrules {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("proposals", help="list the nine items of the 28 May 2020 paper")
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_output(p)
    p.set_defaults(run=_cmd_proposals)

    p = sub.add_parser(
        "rules",
        help="rule catalogue with clause references and provenance, or one rule in full",
    )
    p.add_argument(
        "ids",
        nargs="*",
        metavar="ID",
        help="look these rule ids up: clauses, text, module, data files (default: list all)",
    )
    p.add_argument("--format", choices=("text", "md", "json"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(run=_cmd_rules)

    p = sub.add_parser("impact", help="evaluate proposals under the baseline and proposed regimes")
    p.add_argument("ids", nargs="*", metavar="ID", help="DP133, MP131, 129 ... (default: all)")
    p.add_argument("--format", choices=("text", "md", "json", "html"), default="text")
    add_output(p)
    p.add_argument(
        "--all-rows", action="store_true", help="show unchanged rows too (JSON always does)"
    )
    p.add_argument(
        "--table",
        metavar="FILE",
        help="your own copy of the proposal's parameter table (one ID only)",
    )
    p.add_argument(
        "--sensitivity",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="recompute the changed rows under every declared alternative of each assumption"
        " (default: when it costs at most 200,000 scenario evaluations; the report says when"
        " it was not computed)",
    )
    p.set_defaults(run=_cmd_impact)

    p = sub.add_parser(
        "check", help="check GBCS / DLMS payloads (hex, base64 or binary) and DUIS XML"
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="input files and folders (read recursively); '-' reads stdin, one message per line",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "jsonl"),
        default="text",
        help="jsonl: one JSON object per input as it is checked, then a summary line",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="check with N processes (default: every core; fewer than 256 inputs always use one)",
    )
    add_output(p)
    p.add_argument("--regime", choices=("baseline", "proposed"), default="proposed")
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="text: show only FAIL and UNDECIDED findings",
    )
    add_keystore(
        p,
        required=False,
        also="also verify GBCS signatures and MACs and decrypt encrypted content (one that "
        "cannot be checked then exits 1)",
    )
    p.add_argument("--at", metavar="ISO8601", help=AT_HELP + "; needs --keystore")
    p.add_argument(
        "--acb",
        metavar="EUI",
        help="EUI of the Access Control Broker whose Key Agreement key MACs commands (default: "
        "the key store's certificate with role 04)",
    )
    p.add_argument(
        "--default-configuration",
        action="store_true",
        help="the input is a device's default (pre-installation) configuration: also apply the "
        "GBCS Table 28d rules (DP131)",
    )
    p.add_argument(
        "--table-28d",
        metavar="FILE",
        help="your own copy of GBCS Table 28d for --default-configuration (without it, a note "
        "says the table is not applied)",
    )
    p.add_argument(
        "--era", choices=("2020", "duis-5.x"), help="ESMEVariant code set for DUIS checks"
    )
    p.add_argument(
        "--inventory",
        metavar="FILE",
        help="DUIS: the devices (TOML, see docs) that decide the inventory-dependent rules; "
        "needs --sender",
    )
    p.add_argument(
        "--sender",
        metavar="ROLE[:USERID]",
        help="DUIS: the sending User's role (IS, ES, GS, ED, GT, RSA, OU) and User ID (default: "
        "the RequestID's sender); needs --inventory",
    )
    p.set_defaults(run=_cmd_check)

    register_gbcs(sub)
    _finish(parser)
    return parser


def _enable_completion(parser: argparse.ArgumentParser) -> None:
    """Shell completion through ``argcomplete`` when it is installed (``secrules[completion]``)."""
    try:
        import argcomplete  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return
    argcomplete.autocomplete(parser)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``; an unknown option is a UsageError pointing at its command's help."""
    parser = build_parser()
    _enable_completion(parser)
    args, extra = parser.parse_known_args(argv)
    if extra:
        where = getattr(args, "help_prog", "secrules")
        raise UsageError(f"unrecognized arguments: {' '.join(extra)} (see '{where} --help')")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = _parse(argv)
        code: int = args.run(args)
    except SecrulesError as exc:
        _err(f"secrules: {exc}")
        return EXIT_USAGE
    except OSError as exc:
        where = f" {display_name(exc.filename)}:" if exc.filename else ""
        _err(f"secrules:{where} {exc.strerror or exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        _err(f"secrules: internal error: {type(exc).__name__}: {exc} (please report this)")
        return EXIT_INTERNAL
    return code


def run() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
