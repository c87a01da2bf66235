"""GBCS MACs and encrypted content on the RTDS vectors: counts, the full bit-flip sweep, speed.

Run from the project root (the vectors are read in place from ``../shared/vectors``)::

    python bench/bench_mac.py [--passes 5] [--no-sweep] [--reference]

Prints:

* ``gbcs.mac`` outcomes over every MAC'd message, with the RTDS key store (PASS / INDETERMINATE
  / FAIL) and the files and blocks of encrypted content that decrypt and decode;
* the full sweep: every single-bit flip in the MAC'd span (security header through the MAC) of
  every MAC'd message whose MAC verifies, and what each gave (FAIL, INDETERMINATE naming an
  unknown party, or refused by the framing); a flip that PASSes is a defect;
* throughput of ``secrules.check`` with the key store, MACs verified, relative to signatures
  only (``mac=False``) in the same run, over the same messages (median of ``--passes``);
* with ``--reference``, the reference parser's full-parse rate (node, gbcs-parser).
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from secrules.core.findings import Outcome
from secrules.errors import DecodeError
from secrules.gbcs import open_keystore, parse_message, verify_mac
from secrules.gbcs.keystore import KeyStore
from secrules.gbcs.message import GbcsMessage
from secrules.gbcs.verification import protection_findings
from secrules.inputs import read_input
from secrules.payloads import check_payload

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT.parent / "shared" / "vectors"
RTDS = VECTORS / "rtds"
REFERENCE = ROOT.parent / "shared" / "tools" / "gbcs-parser" / "run.js"


def _load() -> tuple[list[tuple[Path, bytes]], KeyStore]:
    files = sorted(p for p in RTDS.glob("*/*.HEX"))
    return [(p, bytes.fromhex(p.read_text().strip())) for p in files], open_keystore(
        RTDS / "keystore"
    )


def counts(messages: list[tuple[Path, bytes]], store: KeyStore) -> None:
    mac: collections.Counter[str] = collections.Counter()
    files_with_blocks = 0
    blocks: collections.Counter[str] = collections.Counter()
    for _path, raw in messages:
        message = parse_message(raw)
        findings = protection_findings(message, store)
        for f in findings:
            if f.rule_id == "gbcs.mac" and f.outcome is not Outcome.NOT_APPLICABLE:
                mac[f.outcome.name] += 1
        decrypted = [
            f
            for f in findings
            if f.rule_id == "gbcs.decrypt" and f.outcome is not Outcome.NOT_APPLICABLE
        ]
        files_with_blocks += bool(decrypted)
        for f in decrypted:
            blocks[f.outcome.name] += 1
    print(f"files: {len(messages)}; MAC'd: {sum(mac.values())}; gbcs.mac: {dict(mac)}")
    print(f"encrypted content: {files_with_blocks} files, blocks: {dict(blocks)}")


def sweep(messages: list[tuple[Path, bytes]], store: KeyStore) -> None:
    outcome: collections.Counter[str] = collections.Counter()
    messages_swept = 0
    for _path, raw in messages:
        message = parse_message(raw)
        if message.mac is None or verify_mac(message, store).outcome is not Outcome.PASS:
            continue
        messages_swept += 1
        start = message.fields["mac_header.security_control"].offset
        for bit in range(start * 8, len(raw) * 8):
            flipped = bytearray(raw)
            flipped[bit // 8] ^= 1 << (bit % 8)
            try:
                changed = parse_message(bytes(flipped))
            except DecodeError:
                outcome["refused by the framing (DecodeError)"] += 1
                continue
            outcome[verify_mac(changed, store).outcome.name] += 1
    total = sum(outcome.values())
    print(f"bit-flip sweep: {messages_swept} messages, {total} flips: {dict(outcome)}")
    print(
        f"  flips that PASS: {outcome.get('PASS', 0)} "
        f"({100 * outcome.get('PASS', 0) / total:.4f} %)"
    )


def throughput(messages: list[tuple[Path, bytes]], store: KeyStore, passes: int) -> None:
    datas = [raw for _p, raw in messages]
    from secrules import payloads

    original = payloads.protection_findings

    def signing_only(message: GbcsMessage, keystore: KeyStore | None = None, **_: object) -> list:
        return original(message, keystore, mac=False)

    inputs = [read_input(d) for d in datas]
    for subject in inputs:  # warm-up (key loading, caches)
        check_payload(subject, keystore=store)
    with_mac, without = [], []
    for _ in range(passes):
        t0 = time.perf_counter()
        for subject in inputs:
            check_payload(subject, keystore=store)
        with_mac.append(len(inputs) / (time.perf_counter() - t0))
        payloads.protection_findings = signing_only  # type: ignore[assignment]
        try:
            t0 = time.perf_counter()
            for subject in inputs:
                check_payload(subject, keystore=store)
            without.append(len(inputs) / (time.perf_counter() - t0))
        finally:
            payloads.protection_findings = original
    a, b = statistics.median(with_mac), statistics.median(without)
    print(
        f"check_payload with key store: MACs + decryption {a:,.0f} msg/s, signatures only "
        f"{b:,.0f} msg/s, ratio {a / b:.2f} (median of {passes})"
    )


def cli_throughput(messages: list[tuple[Path, bytes]], passes: int) -> None:
    """``secrules check --keystore K FILE...`` end to end (files read, JSON report written)."""
    import contextlib
    import io

    from secrules import cli, payloads

    files = [str(p) for p, _ in messages]
    argv = ["check", "--keystore", str(RTDS / "keystore"), "--format", "json", *files]
    original = payloads.protection_findings

    def signing_only(message: GbcsMessage, keystore: KeyStore | None = None, **_: object) -> list:
        return original(message, keystore, mac=False)

    def run() -> float:
        sink = io.StringIO()
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()):
            cli.main(argv)
        return len(files) / (time.perf_counter() - t0)

    run()
    with_mac, without = [], []
    for _ in range(passes):
        with_mac.append(run())
        payloads.protection_findings = signing_only  # type: ignore[assignment]
        try:
            without.append(run())
        finally:
            payloads.protection_findings = original
    a, b = statistics.median(with_mac), statistics.median(without)
    print(
        f"secrules check --keystore (CLI, JSON, end to end): MACs + decryption {a:,.0f} msg/s, "
        f"signatures only {b:,.0f} msg/s, ratio {a / b:.2f} (median of {passes})"
    )


def reference(messages: list[tuple[Path, bytes]], passes: int) -> None:
    node = shutil.which("node")
    if node is None or not REFERENCE.exists():
        print("reference: node or gbcs-parser not available")
        return
    files = [str(p) for p, _ in messages]
    out = subprocess.run(  # noqa: S603 - a fixed local tool, our own arguments
        [node, str(REFERENCE), "bench", str(RTDS / "keystore"), str(passes), *files],
        capture_output=True,
        text=True,
        check=False,
    )
    print("reference gbcs-parser (full parse, MACs and decryption):", json.loads(out.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--reference", action="store_true")
    args = parser.parse_args()
    messages, store = _load()
    counts(messages, store)
    if not args.no_sweep:
        sweep(messages, store)
    throughput(messages, store, args.passes)
    cli_throughput(messages, args.passes)
    if args.reference:
        reference(messages, args.passes)


if __name__ == "__main__":
    main()
