"""secrules against the reference parser (gbcs-parser) on the shared RTDS files, field by field.

Run from the project root (vectors and the reference are read in place from ``../shared``)::

    python bench/compare_reference.py [--limit N] [FILE...]

The reference runs once, as a separate Node process, over every file. For each file the fields
both tools decode are compared as octets (never the reference's ``notes`` text): framing (CRA
flag, originator counter, originator and recipient system titles, message code), the COSEM
class, instance (OBIS) and attribute or method id of every ACCESS specification, every ACCESS
result, and, where secrules' tree has them (GBZ, data-notification and ASN.1 decoders), alert
codes and ZCL cluster ids. The reference's known defects (gbcs-content.md section 7) are
excluded explicitly and counted: G1 (times losing digits in its notes: notes are never
compared), G7 (CS02f, CS02g and CS09 payloads left undecoded), G8 (message codes it does not
name). Prints the counts; exit status 1 when any compared field disagrees.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from secrules.core.tree import Node
from secrules.errors import DecodeError, NotModelledError
from secrules.gbcs import decode_content, parse_message

ROOT = Path(__file__).resolve().parent.parent
RTDS = ROOT.parent / "shared" / "vectors" / "rtds"
REFERENCE = ROOT.parent / "shared" / "tools" / "gbcs-parser" / "run.js"

#: Message codes whose payload the reference leaves raw (G7).
G7_CODES = frozenset({0x011B, 0x0124, 0x0125, 0x0126, 0x012B})
#: Reference node names -> the field compared.
_COSEM = {
    "Class Id": "class_id",
    "Instance Id": "instance_id",
    "Attribute Id": "attribute_id",
    "Method Id": "method_id",
    "Data Access Result": "result",
    "Action Result": "result",
}
_OTHER = {"Alert Code": "alert_code", "Cluster Id": "cluster_id"}
_FRAMING = {
    "CRA Flag": "cra_flag",
    "Originator Counter": "originator_counter",
    "Originator System Title": "originator_system_title",
    "Recipient System Title": "recipient_system_title",
    "Message Code": "message_code",
}
_TIME = re.compile(r"(?:^|\s)(\d{0,2}):(\d{0,2}):(\d{0,2})\.\d*")


def reference_trees(files: list[Path]) -> dict[str, dict[str, Any]]:
    """One Node process over every file: file name -> the reference's result line."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not installed: the reference cannot run")
    proc = subprocess.run(  # noqa: S603 - fixed argv: node, the reference runner, file paths
        [node, str(REFERENCE), "parse", str(RTDS / "keystore"), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = (json.loads(line) for line in proc.stdout.splitlines() if line.strip())
    return {row["file"]: row for row in rows}


def _hex(text: str) -> str:
    return text.replace(" ", "").upper()


def _walk(
    tree: dict[str, Any], parents: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str, dict[str, Any]]]:
    """Every node of a reference tree: a dict with ``hex`` is a field, any other a group."""
    for key, value in tree.items():
        if not isinstance(value, dict):
            continue
        name = re.sub(r"^\[\d+\] ", "", key)
        yield parents, name, value
        inner = value.get("children", {}) if "hex" in value else value
        yield from _walk(inner, (*parents, name))


def _g1(notes: str) -> bool:
    """True when a time in the reference's notes lost digits (defect G1)."""
    return any(any(len(part) < 2 for part in match.groups()) for match in _TIME.finditer(notes))


def reference_fields(tree: dict[str, Any]) -> tuple[dict[str, list[str]], int]:
    """The compared fields of a reference tree, and its G1 renderings (times losing digits)."""
    out: dict[str, list[str]] = collections.defaultdict(list)
    g1 = 0
    for parents, name, node in _walk(tree):
        notes = str(node.get("notes", ""))
        if _g1(notes):
            g1 += 1
        octets = _hex(str(node.get("hex", "")))
        if parents and parents[0] == "Grouping Header" and name in _FRAMING:
            if name.endswith("System Title"):
                octets = octets[2:]  # the length octet
            if name != "Message Code" or "Other Information Length" in parents:
                out[_FRAMING[name]].append(octets)
        elif name in _COSEM and any(p.startswith("DLMS Access") for p in parents):
            out[_COSEM[name]].append(octets)
        elif name in _OTHER:
            # The code's value: a DLMS alert code's node also holds its A-XDR type tag (12).
            out[_OTHER[name]].append(octets[-4:])
    return dict(out), g1


def _unnamed_code(tree: dict[str, Any]) -> bool:
    """True when the reference gives the message code no name (defect G8)."""
    return any(
        name == "Message Code" and parents[:1] == ("Grouping Header",) and not node.get("notes")
        for parents, name, node in _walk(tree)
    )


def _our_nodes(tree: Node) -> Iterator[Node]:
    for _, node in tree.walk():
        yield node


def our_fields(raw: bytes) -> tuple[dict[str, list[str]], str | None]:
    """The compared fields as secrules decodes them, and why the content was not decoded."""
    message = parse_message(raw)
    out: dict[str, list[str]] = collections.defaultdict(list)
    for path, name in (
        ("apdu.cra_flag", "cra_flag"),
        ("apdu.originator_counter", "originator_counter"),
        ("apdu.originator_system_title", "originator_system_title"),
        ("apdu.recipient_system_title", "recipient_system_title"),
        ("apdu.other_information.message_code", "message_code"),
    ):
        span = message.fields[path]
        out[name].append(message.encoded[span.offset : span.end].hex().upper())
    try:
        decoded = decode_content(message)
    except (DecodeError, NotModelledError) as exc:
        return dict(out), str(exc)
    access = decoded.kind.value.startswith("DLMS ACCESS")
    for node in _our_nodes(decoded.tree):
        if access and node.name in ("class_id", "instance_id", "attribute_id", "method_id"):
            out[node.name].append(node.raw.hex().upper())
        elif access and node.name == "result":
            out["result"].append(node.raw.hex().upper())
        elif node.name in ("alert_code", "cluster_id"):
            out[node.name].append(node.raw.hex().upper()[-4:])
    return dict(out), None


def compare(files: Iterable[Path]) -> dict[str, Any]:
    """Run both tools over ``files`` and count agreements, disagreements and exclusions."""
    files = list(files)
    reference = reference_trees(files)
    agree: collections.Counter[str] = collections.Counter()
    disagree: collections.Counter[str] = collections.Counter()
    only: collections.Counter[str] = collections.Counter()
    defects: collections.Counter[str] = collections.Counter()
    examples: list[str] = []
    not_decoded = 0
    for path in files:
        row = reference[str(path)]
        raw = bytes.fromhex(path.read_text(encoding="ascii").strip())
        ours, problem = our_fields(raw)
        not_decoded += problem is not None
        if not row.get("ok"):
            defects["reference error"] += 1
            continue
        theirs, g1 = reference_fields(row["tree"])
        defects["G1 time notes losing digits (notes not compared)"] += g1
        code = int(ours["message_code"][0], 16)
        if code in G7_CODES:
            defects["G7 payload left undecoded by the reference"] += 1
        if _unnamed_code(row["tree"]):
            defects["G8 message code not named by the reference"] += 1
        for field in sorted(set(theirs) | set(ours)):
            a, b = theirs.get(field, []), ours.get(field, [])
            if field in ("alert_code", "cluster_id") and not b:
                only[field] += len(a)
                continue
            if not a:
                only[f"{field} (secrules only)"] += len(b)
                continue
            if a == b:
                agree[field] += len(a)
            else:
                disagree[field] += 1
                if len(examples) < 10:
                    examples.append(f"{path.name}: {field}: reference {a[:4]} secrules {b[:4]}")
    return {
        "files": len(files),
        "agree": dict(agree),
        "disagree": dict(disagree),
        "not compared": dict(only),
        "known defects": dict(defects),
        "content not decoded by secrules": not_decoded,
        "examples": examples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="compare only the first N files")
    args = parser.parse_args(argv)
    files = args.files or sorted(RTDS.glob("*/*.HEX"))
    if args.limit:
        files = files[: args.limit]
    report = compare(files)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if report["disagree"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
