"""The ``secrules`` command (also ``python -m secrules``).

Exit status: 0 everything passed; 1 a check found a failure (for ``check --keystore`` and
``gbcs verify``, also a signature that could not be checked); 2 bad usage or undecodable input
(one line on stderr, never a traceback); 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

from secrules import __version__
from secrules.core.files import display_name, json_text, printable, write_output
from secrules.errors import DataFileError, SecrulesError, UsageError
from secrules.gbcs.cli import register as register_gbcs

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


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
    from secrules.proposals import proposals

    items = proposals()
    if args.format == "json":
        from secrules.report import as_json

        rows = [as_json(p) for p in items]
        _write(json.dumps(rows, indent=2) + "\n", None)
        return EXIT_OK
    lines = []
    for p in items:
        lines.append(f"{p.id:6} {p.title}")
        lines.append(f"       raised by {p.raised_by}, {p.raised}; {p.status}")
        model = p.model.summary if p.model else "not modelled yet"
        lines.append(f"       model: {model}")
    _write("\n".join(lines) + "\n", None)
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    from secrules.checking import check_rulesets
    from secrules.proposals import proposals
    from secrules.report import render_catalogue, rule_catalogue

    entries = rule_catalogue(proposals(), checks=check_rulesets())
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
    text = render_impact(reports, args.format, all_rows=args.all_rows, not_modelled=not_modelled)
    _write(text, args.output, inputs=[args.table])
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from secrules.checking import check_input, failed, read_file
    from secrules.inputs import read_input
    from secrules.report import FileFindings, render_findings

    keystore = None
    if args.keystore is not None:
        from secrules.gbcs.cli import open_keystore_reporting

        keystore = open_keystore_reporting(args.keystore)
    table_28d = None
    if args.table_28d is not None:
        from secrules.gbcs.table_28d import load_table_28d

        table_28d = load_table_28d(args.table_28d)  # read once, for every file
    results: list[FileFindings] = []
    errors: list[tuple[str, str]] = []
    for name in args.files:
        try:
            data = read_file(name)
        except DataFileError as exc:  # it names the file; the error line below does too
            errors.append((name, exc.message))
            continue
        try:
            subject = read_input(data, name=display_name(name))
            findings = check_input(
                subject,
                regime=args.regime,
                keystore=keystore,
                table_28d=table_28d,
                era=args.era,
                default_configuration=args.default_configuration,
                acb=args.acb,
            )
        except OSError as exc:
            errors.append((name, f"cannot read: {exc.strerror or exc}"))
            continue
        except SecrulesError as exc:
            errors.append((name, str(exc)))
            continue
        results.append(FileFindings(name, subject.description, findings))
    if args.format == "json":
        payload = json.loads(render_findings(results, "json", regime=args.regime))
        payload["errors"] = [
            {"file": display_name(n), "error": printable(e, one_line=True)} for n, e in errors
        ]
        _write(json_text(payload), None)
    elif results:
        _write(render_findings(results, "text", regime=args.regime, quiet=args.quiet), None)
    for name, message in errors:
        _err(f"secrules: error: {display_name(name)}: {message}")
    if errors:
        return EXIT_USAGE
    # With --keystore the user asked for signature, MAC and decryption checks: one that could
    # not be made fails.
    required = keystore is not None
    if any(failed(r.findings, protection_required=required) for r in results):
        return EXIT_FAILED
    return EXIT_OK


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
    p.set_defaults(run=_cmd_proposals)

    p = sub.add_parser("rules", help="rule catalogue with clause references and provenance")
    p.add_argument("--format", choices=("text", "md", "json"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(run=_cmd_rules)

    p = sub.add_parser("impact", help="evaluate proposals under the baseline and proposed regimes")
    p.add_argument("ids", nargs="*", metavar="ID", help="DP133, MP131, 129 ... (default: all)")
    p.add_argument("--format", choices=("text", "md", "json", "html"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument(
        "--all-rows", action="store_true", help="show unchanged rows too (JSON always does)"
    )
    p.add_argument(
        "--table",
        metavar="FILE",
        help="your own copy of the proposal's parameter table (one ID only)",
    )
    p.set_defaults(run=_cmd_impact)

    p = sub.add_parser(
        "check", help="check GBCS / DLMS payloads (hex, base64 or binary) and DUIS XML"
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="input files ('-' for stdin)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--regime", choices=("baseline", "proposed"), default="proposed")
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="text: show only failed and indeterminate findings",
    )
    p.add_argument(
        "--keystore",
        metavar="PATH",
        help="key-store directory or DCC Boxed keystore.json: also verify GBCS signatures and "
        "MACs and decrypt encrypted content (one that cannot be checked then exits 1)",
    )
    p.add_argument(
        "--acb",
        metavar="EUI",
        help="EUI of the Access Control Broker whose Key Agreement key MACs commands (default: "
        "the key store's certificate with role 04)",
    )
    p.add_argument(
        "--table-28d", metavar="FILE", help="your own copy of GBCS Table 28d (DP131 rules)"
    )
    p.add_argument(
        "--era", choices=("2020", "duis-5.x"), help="ESMEVariant code set for DUIS checks"
    )

    p.add_argument(
        "--default-configuration",
        action="store_true",
        help="the input is a device's default (pre-installation) configuration: also apply the "
        "GBCS Table 28d rules (DP131)",
    )
    p.set_defaults(run=_cmd_check)

    register_gbcs(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        code: int = args.run(args)
    except SecrulesError as exc:
        _err(f"secrules: error: {exc}")
        return EXIT_USAGE
    except OSError as exc:
        where = f" {display_name(exc.filename)}" if exc.filename else ""
        _err(f"secrules: error:{where}: {exc.strerror or exc}")
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
