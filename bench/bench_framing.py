"""Benchmark: GBCS framing over every RTDS message (../shared/vectors/rtds).

    python bench/bench_framing.py [--rounds N]

Per message, best of N rounds:

* ``parse_message`` (the hot path: the hand-written fast reader);
* ``encode_message`` of a record built with ``__init__`` (nothing cached; built with the
  construct declaration);
* ``fields`` of a parsed record (the annotated reading with the declaration);
* the annotated reading alone, as on input the fast reader defers (``gbcs inspect``, errors).
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from pathlib import Path

import attrs

from secrules.gbcs import encode_message, parse_message

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors" / "rtds"


def _best(fn: Callable[[], object], rounds: int) -> float:
    return min(timeit.repeat(fn, number=1, repeat=rounds))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    files = sorted(p for p in VECTORS.glob("*/*.HEX") if p.parent.name != "keystore")
    raws = [bytes.fromhex("".join(p.read_text().split())) for p in files]
    parsed = [parse_message(raw) for raw in raws]
    count = len(raws)

    def parse_all() -> None:
        for raw in raws:
            parse_message(raw)

    def encode_all() -> None:
        for message in [attrs.evolve(m) for m in parsed]:
            encode_message(message)

    def evolve_only() -> None:
        for message in [attrs.evolve(m) for m in parsed]:
            assert message is not None

    def fields_all() -> None:
        for message in [parse_message(raw) for raw in raws]:
            message.fields  # noqa: B018 - the annotated reading is what is timed

    rows = {
        "parse_message": _best(parse_all, args.rounds),
        "encode_message (fresh record)": _best(encode_all, args.rounds)
        - _best(evolve_only, args.rounds),
        "fields (after parse_message)": _best(fields_all, args.rounds)
        - _best(parse_all, args.rounds),
    }
    print(f"{count} RTDS messages, best of {args.rounds} rounds")
    for label, seconds in rows.items():
        print(f"{label:32} {seconds / count * 1e6:8.1f} us/message")


if __name__ == "__main__":
    main()
