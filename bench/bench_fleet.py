"""Benchmark: fleet scale, side by side in one run (issue 15's targets).

    python bench/bench_fleet.py [--rounds N] [--messages N] [--old REF] [--skip-cli]

Over the RTDS messages of the shared vectors (../shared/vectors/rtds), in one run:

1. ``verify_message`` (raw bytes in, Finding out) beside bare pyca/cryptography verify with the
   key loaded, the signed bytes cut out and the DER signature built in advance (target >= 0.92).
2. ``secrules.check`` throughput, this tree against the old tree (``--old``, a git ref; default
   the commit before issue 15's work), each in its own interpreter, in interleaved rounds:
   without a key store, with a key store object, and with a key-store *path* (target >= 1.3x).
3. ``secrules check`` over ``--messages`` messages (default 100,000) on standard input, one per
   line, ``--format jsonl``: wall time and peak memory (target < 100 MiB) with ``-j 1`` and
   ``-j 2`` (target >= 1.6x on 2 cores).
   Then, this tree alone: how much of ``check()`` is decoding the content (issue 12), by kind.
4. Start-up: ``secrules --help`` and ``secrules proposals``, this tree and the old one (target
   < 0.2 s), best of ``--rounds``.

Best-of-N rounds; the ratios matter more than absolute numbers on a shared machine.
"""

# ruff: noqa: S603, S607, S112 - a benchmark runs this interpreter, git and tar on fixed arguments
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT.parent / "shared" / "vectors" / "rtds"
OLD_REF = "60119df"

_CHECK_CHILD = r"""
import sys, time
from pathlib import Path
import secrules
from secrules.gbcs.keystore import open_keystore
mode, passes = sys.argv[1], int(sys.argv[2])
files = sorted(p for p in Path(sys.argv[3]).glob("*/*.HEX"))
datas = [p.read_bytes() for p in files]
if mode == "path":  # the old tree reopens the store on every call: 40 messages are plenty
    datas = datas[:40]
store = {"none": None, "object": open_keystore(sys.argv[4]), "path": sys.argv[4]}[mode]
def once():
    for d in datas:
        try:
            secrules.check(d, keystore=store)
        except secrules.SecrulesError:
            pass
once()
best = float("inf")
for _ in range(passes):
    t = time.perf_counter(); once(); best = min(best, time.perf_counter() - t)
print(len(datas) / best)
"""


def _old_tree(ref: str) -> Path:
    target = Path(tempfile.mkdtemp(prefix="secrules-old-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "src"


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


def _check_rate(src: Path, mode: str, passes: int) -> float:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHECK_CHILD,
            mode,
            str(passes),
            str(VECTORS),
            str(VECTORS / "keystore"),
        ],
        env=_env(src),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.split()[-1])


def _verify(rounds: int) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from secrules.gbcs import open_keystore, parse_message, verify_message

    store = open_keystore(VECTORS / "keystore")
    raws = [bytes.fromhex("".join(p.read_text().split())) for p in sorted(VECTORS.glob("*/*.HEX"))]
    signed = []
    for raw in raws:
        message = parse_message(raw)
        if message.signature is None:
            continue
        try:
            key = store.signing_keys(message.originator)[0].public_key
        except Exception:  # noqa: BLE001 - no key: not part of the comparison
            continue
        sig = message.signature
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        signed.append((raw, key, message.signed_bytes, der))
    alg = ec.ECDSA(hashes.SHA256())

    def bare() -> None:
        for _raw, key, data, der in signed:
            key.verify(der, data, alg)

    def ours() -> None:
        for raw, *_ in signed:
            verify_message(raw, store)

    best = {"ours": float("inf"), "bare": float("inf")}
    for _ in range(rounds):
        for name, fn in (("ours", ours), ("bare", bare)):
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)
    n = len(signed)
    print(f"verify_message over {n} signed RTDS messages, best of {rounds} interleaved rounds")
    print(
        f"  verify_message {n / best['ours']:9.0f}/s   bare pyca {n / best['bare']:9.0f}/s   "
        f"ratio {best['bare'] / best['ours']:.3f}  (target >= 0.92)"
    )


def _check(old: Path, rounds: int) -> float:
    """Print the three modes' rates, old tree and new; return the old tree's, no key store."""
    new = ROOT / "src"
    old_none = 0.0
    print(
        f"\ncheck() over the RTDS messages, this tree vs {OLD_REF}, best of {rounds} "
        "interleaved runs (each: warm-up + 3 passes)"
    )
    for mode in ("none", "object", "path"):
        rates = {"old": 0.0, "new": 0.0}
        for _ in range(rounds):
            for name, src in (("old", old), ("new", new)):
                rates[name] = max(rates[name], _check_rate(src, mode, 3))
        label = {"none": "no key store", "object": "KeyStore object", "path": "key-store path"}
        print(
            f"  {label[mode]:16} old {rates['old']:8.0f}/s  new {rates['new']:8.0f}/s  "
            f"x{rates['new'] / rates['old']:.2f}  (target >= 1.3)"
        )
        if mode == "none":
            old_none = rates["old"]
    return old_none


def _content_share(rounds: int, old_rate: float) -> None:
    """This tree: ``check()`` per message, and the part of it that decodes the content, by kind.

    The old tree did not decode content (issue 12 added it): ``check()`` minus decoding is
    compared with the old tree's whole ``check()`` (``old_rate``, the same file octets, no key
    store), as an estimate of the like-for-like speed-up.
    """
    from secrules import check
    from secrules.gbcs import decode_content, parse_message
    from secrules.gbcs.content import classify

    raws = [bytes.fromhex("".join(p.read_text().split())) for p in sorted(VECTORS.glob("*/*.HEX"))]
    messages = [parse_message(raw) for raw in raws]
    kinds: dict[str, list[object]] = {}
    for message in messages:
        kinds.setdefault(str(classify(message)), []).append(message)

    def best(fn: Callable[[Any], object], items: Sequence[object]) -> float:
        fastest = float("inf")
        for _ in range(rounds):
            t = time.perf_counter()
            for item in items:
                fn(item)
            fastest = min(fastest, time.perf_counter() - t)
        return fastest

    datas = [p.read_bytes() for p in sorted(VECTORS.glob("*/*.HEX"))]  # as _CHECK_CHILD reads
    whole = best(check, datas)
    decoding = best(decode_content, messages)
    n = len(raws)
    print(
        f"\ncheck() without a key store, this tree: {whole / n * 1e6:.0f} us a message, of which "
        f"content decoding {decoding / n * 1e6:.0f} us ({decoding / whole:.0%}); the rest "
        f"{(whole - decoding) / n * 1e6:.0f} us"
    )
    print(
        f"  the rest against the old tree's whole check() ({1e6 / old_rate:.0f} us): "
        f"x{n / (whole - decoding) / old_rate:.2f}  (like for like, estimated)"
    )
    for kind, items in sorted(kinds.items()):
        took = best(decode_content, items)
        print(f"  {kind:24} {len(items):4} messages  {took / len(items) * 1e6:7.1f} us each")


def _cli(messages: int) -> None:
    raws = [" ".join(p.read_text().split()) for p in sorted(VECTORS.glob("*/*.HEX"))]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        for i in range(messages):
            handle.write(raws[i % len(raws)].replace(" ", "") + "\n")
        corpus = handle.name
    print(f"\nsecrules check --format jsonl over {messages} messages on stdin (one per line)")
    times = {}
    for jobs in (1, 2):
        t = time.perf_counter()
        with open(corpus, "rb") as stdin:  # noqa: PTH123
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "secrules",
                    "check",
                    "--format",
                    "jsonl",
                    "-j",
                    str(jobs),
                    "-",
                ],
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_env(ROOT / "src"),
            )
            peaks, out = _watch(proc)
        times[jobs] = time.perf_counter() - t
        summary = json.loads(out.splitlines()[-1])["summary"]
        assert summary["messages"] == messages, summary
        print(
            f"  -j {jobs}: {times[jobs]:6.1f} s  {messages / times[jobs]:8.0f} msg/s  "
            f"peak RSS per process {peaks} MiB (target < 100)"
        )
    print(f"  -j 2 vs -j 1: x{times[1] / times[2]:.2f}  (target >= 1.6 on 2 quiet cores)")
    Path(corpus).unlink()


def _watch(proc: subprocess.Popen[bytes]) -> tuple[list[int], bytes]:
    """Wait for ``proc``, sampling the RSS of it and its workers (psutil); peaks in MiB."""
    import threading

    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    peak: dict[int, int] = {}
    try:
        import psutil
    except ImportError:
        psutil = None
    while proc.poll() is None:
        if psutil is not None:
            try:
                top = psutil.Process(proc.pid)
                for each in (top, *top.children(recursive=True)):
                    peak[each.pid] = max(peak.get(each.pid, 0), each.memory_info().rss)
            except psutil.Error:
                pass
        time.sleep(0.2)
    reader.join()
    if not peak:  # no psutil: the largest child's peak as the kernel kept it
        peak[0] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return [v >> 20 for v in peak.values()], b"".join(chunks)


def _startup(old: Path, rounds: int) -> None:
    """Start-up with and without byte-code caches.

    An installed package runs from compiled ``.pyc`` files (pip writes them); a source tree
    run with ``PYTHONDONTWRITEBYTECODE`` set compiles every module on every start. Both are
    shown: "cached" writes the caches under a temporary prefix on the first run.
    """
    print(f"\nstart-up, best of {rounds} runs (bare python -c pass included)")
    prefix = tempfile.mkdtemp(prefix="secrules-pyc-")
    for cached in (True, False):
        for argv in (["-c", "pass"], ["-m", "secrules", "--help"], ["-m", "secrules", "proposals"]):
            row = []
            for name, src in (("old", old), ("new", ROOT / "src")):
                env = _env(src)
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                env.pop("PYTHONPYCACHEPREFIX", None)
                if cached:
                    env["PYTHONPYCACHEPREFIX"] = prefix
                else:
                    env["PYTHONDONTWRITEBYTECODE"] = "1"
                best = float("inf")
                for i in range(rounds + cached):
                    t = time.perf_counter()
                    subprocess.run(
                        [sys.executable, *argv], env=env, capture_output=True, check=True
                    )
                    if i or not cached:  # a cached run's first start writes the caches
                        best = min(best, time.perf_counter() - t)
                row.append(f"{name} {best:.3f} s")
            label = "cached  " if cached else "no .pyc "
            print(f"  {label}python {' '.join(argv):28} " + "   ".join(row))


def main() -> None:
    global OLD_REF  # noqa: PLW0603 - the one setting the report prints
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--old", default=OLD_REF, help="git ref of the tree to compare with")
    parser.add_argument("--skip-cli", action="store_true", help="leave out the 100k-message run")
    args = parser.parse_args()
    OLD_REF = args.old
    if not VECTORS.is_dir():
        raise SystemExit(f"the RTDS vectors are not at {VECTORS}")
    old = _old_tree(args.old)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()}")
    _verify(args.rounds)
    old_rate = _check(old, args.rounds)
    _content_share(args.rounds, old_rate)
    _startup(old, args.rounds)
    if not args.skip_cli:
        _cli(args.messages)


if __name__ == "__main__":
    main()
