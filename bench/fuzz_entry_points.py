"""One-off fuzz run: hostile inputs through every public entry point, with outcome counts.

Not a test and not run by CI: run it by hand to measure the hostile-input contract at volume::

    python bench/fuzz_entry_points.py --examples 100000

Every drawn input (``secrules.strategies.hostile_inputs`` and ``wrong_types``) goes through every
entry point. Each call is classified: a normal result, a ``SecrulesError`` (by class), a
*violation* (any other exception), or *slow* (over ``--slow`` seconds, and again when timed a
second time: the first call of each kind pays for lazy imports, and a loaded machine pauses now
and then). The run prints one row per entry point, and the first reproducer of every violation.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import sys
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import secrules
from secrules.dlms import decode_access, decode_data
from secrules.duis import check_request, parse_request
from secrules.errors import SecrulesError
from secrules.gbcs import MemoryKeyStore, decode_text, parse_message, verify_message
from secrules.strategies import hostile_inputs, wrong_types

STORE = MemoryKeyStore(label="empty fuzz store")

ENTRY_POINTS: dict[str, Callable[[Any], object]] = {
    "secrules.check": secrules.check,
    "secrules.check(keystore=)": lambda d: secrules.check(d, keystore=STORE),
    "secrules.check(default_configuration=)": lambda d: secrules.check(
        d, default_configuration=True
    ),
    "dlms.decode_data": decode_data,
    "dlms.decode_access": decode_access,
    "gbcs.parse_message": parse_message,
    "gbcs.decode_text": decode_text,
    "gbcs.verify_message": lambda d: verify_message(d, STORE),
    "duis.parse_request": parse_request,
    "duis.check_request": check_request,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--slow", type=float, default=1.0, help="seconds that count as slow")
    args = parser.parse_args()

    counts: dict[str, collections.Counter[str]] = {
        name: collections.Counter() for name in ENTRY_POINTS
    }
    worst: dict[str, float] = dict.fromkeys(ENTRY_POINTS, 0.0)
    violations: dict[tuple[str, str], object] = {}
    drawn = collections.Counter[str]()

    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(value=st.one_of(hostile_inputs(), hostile_inputs(), hostile_inputs(), wrong_types()))
    def run(value: object) -> None:
        drawn[type(value).__name__] += 1
        for name, function in ENTRY_POINTS.items():
            started = time.perf_counter()
            try:
                function(value)
                outcome = "result"
            except SecrulesError as exc:
                outcome = type(exc).__name__
            except Exception as exc:  # noqa: BLE001 - counting violations is the point
                outcome = f"VIOLATION {type(exc).__name__}"
                violations.setdefault((name, type(exc).__name__), value)
            elapsed = time.perf_counter() - started
            if elapsed > args.slow:  # a load spike or a pause? time it again before counting it
                again = time.perf_counter()
                with contextlib.suppress(Exception):
                    function(value)
                elapsed = min(elapsed, time.perf_counter() - again)
            worst[name] = max(worst[name], elapsed)
            if elapsed > args.slow:
                outcome = "SLOW " + outcome
                violations.setdefault((name, "slow"), value)
            counts[name][outcome] += 1

    started = time.perf_counter()
    run()
    total = sum(drawn.values())
    print(f"{total} inputs drawn in {time.perf_counter() - started:.0f} s: {dict(drawn)}")
    print(f"{'entry point':40} {'calls':>7} {'result':>7} {'error':>7} {'other':>6} worst")
    for name, counter in counts.items():
        results = counter["result"]
        other = sum(n for k, n in counter.items() if k.startswith(("VIOLATION", "SLOW")))
        errors = sum(counter.values()) - results - other
        print(
            f"{name:40} {sum(counter.values()):7} {results:7} {errors:7} {other:6} "
            f"{worst[name] * 1000:.1f} ms"
        )
    for (name, kind), value in violations.items():
        print(f"violation {name}: {kind}: {value!r:.200}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
