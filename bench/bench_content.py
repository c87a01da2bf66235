"""Full decode of GBCS messages with their content: secrules against the reference, one run.

Run from the project root (vectors and the reference are read in place from ``../shared``)::

    python bench/bench_content.py [--passes 5]

secrules: read the file's hex, frame the message, decode its content (every kind this build has
a decoder for) into its typed records, verify the MAC or signature and decrypt encrypted blocks
with the RTDS key store; a second measurement also builds every content's named tree (what
``gbcs inspect`` shows; ``check`` does not build it). The reference
(gbcs-parser, Node) does its full parse of the same files, MAC checks and decryption included,
in the same run. Prints messages per second for both (median of ``--passes`` after one warm-up)
and the ratio; the target is at least 2x.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from secrules.errors import DecodeError, NotModelledError
from secrules.gbcs import decode_content, open_keystore, parse_message
from secrules.gbcs.keystore import KeyStore
from secrules.gbcs.verification import protection_findings

ROOT = Path(__file__).resolve().parent.parent
RTDS = ROOT.parent / "shared" / "vectors" / "rtds"
REFERENCE = ROOT.parent / "shared" / "tools" / "gbcs-parser" / "run.js"


def _one_pass(texts: list[str], store: KeyStore, *, tree: bool) -> tuple[float, int]:
    start = time.perf_counter()
    decoded = 0
    for text in texts:
        message = parse_message(bytes.fromhex(text))
        try:
            content = decode_content(message)
            if tree:
                content.tree  # noqa: B018 - building the named tree is what is timed
            decoded += 1
        except (DecodeError, NotModelledError):
            pass
        protection_findings(message, store)
    return time.perf_counter() - start, decoded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    files = sorted(RTDS.glob("*/*.HEX"))
    texts = [p.read_text(encoding="ascii").strip() for p in files]
    store = open_keystore(RTDS / "keystore")
    rates = {}
    for tree in (False, True):
        _one_pass(texts, store, tree=tree)
        walls = []
        decoded = 0
        for _ in range(args.passes):
            wall, decoded = _one_pass(texts, store, tree=tree)
            walls.append(wall)
        rates[tree] = len(texts) / statistics.median(walls)
        what = "with the named tree (inspect)" if tree else "records only (check)"
        print(
            f"secrules, {what}: {len(texts)} messages, content decoded {decoded}, "
            f"{rates[tree]:,.0f} msgs/s"
        )
    node = shutil.which("node")
    if node is None:
        print("reference: node is not installed")
        return 0
    proc = subprocess.run(  # noqa: S603 - fixed argv: node, the reference runner, file paths
        [node, str(REFERENCE), "bench", str(RTDS / "keystore"), str(args.passes), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(proc.stdout)["median_msgs_per_s"]
    print(f"reference (gbcs-parser): {theirs:,.0f} msgs/s")
    for tree, rate in rates.items():
        what = "with the named tree" if tree else "records only"
        print(f"ratio secrules ({what}) / reference: {rate / theirs:.2f}x (target >= 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
