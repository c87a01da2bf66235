"""Search for the slowest input of up to 1 MiB per entry point (issue 8: the decode budget).

For each entry point -- DLMS Data (``decode_data``), DLMS ACCESS (``decode_access``), GBCS
framing and content (``parse_message`` + ``decode_content``), DUIS XML (``parse_request``) and
``secrules.check`` on binary, hex and XML input -- this runs a bounded random search over
families of adversarial inputs (dense tagged containers, compact-arrays of any description,
zero-size elements and huge counts included, deep nesting, declared counts larger than the
input, long lists of ACCESS specifications and results, wide, deep and attribute-heavy XML) and
over mutations of the slowest input found so far. It then re-times the slowest inputs per entry
point (best of 3, wall and CPU), measures the ``tracemalloc`` peak of those and of the inputs
whose result held the most memory, and prints a table.

    python bench/bench_hostile.py [--iterations 30] [--size 1048576] [--seed 8] [--json out.json]

The target (issue 8) is: decoded or refused with a DecodeError in under 1 s and 100 MiB. Any
other exception is reported as a CRASH. Timings depend on the machine and its load; the
budget guarantees the *work*, which is linear in the input.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import secrules
from secrules.dlms import (
    Array,
    BitString,
    CosemTime,
    NullData,
    OctetString,
    Structure,
    VisibleString,
    decode_access,
    decode_data,
    encode_data,
    encode_length,
)
from secrules.duis import parse_request
from secrules.errors import DecodeError
from secrules.gbcs import GbcsMessage, encode_message, parse_message
from secrules.gbcs.ecs37 import template_entries
from secrules.gbcs.types import CraFlag, Eui64, MessageShape

MIB = 1024 * 1024
Gen = Callable[[random.Random, int], bytes]

# --- DLMS Data families. ----------------------------------------------------------------------

#: Tagged values, cheapest first: null, boolean, unsigned, empty structure/array, long, ...
UNITS = [
    "00",
    "0300",
    "1100",
    "0F80",
    "0200",
    "0100",
    "120000",
    "0900",
    "0400",
    "0A00",
    "1B00000000",
    "1A0000000000",
    "130000",
    "13110100",
]
SIMPLE_TAGS = [0, 3, 4, 5, 6, 9, 10, 12, 13, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27]
DENSE_DESCRIPTIONS = [
    "11",  # unsigned: 1 octet, 1 node
    "03",  # boolean
    "020111",  # structure {unsigned}
    "01000111",  # array[1] of unsigned
    "02020011",  # structure {null, unsigned}
    "0202020011",  # structure {structure {}, unsigned}
    "020102010201020111",  # structure nested 4 deep around unsigned
    "0202 11 01FFFF00",  # structure {unsigned, array[65535] of null}
    "0202 11 0200",  # structure {unsigned, empty structure}
    "01FFFF01FFFF00",  # the bare bomb's description
]


def _fill(head: bytes, unit: bytes, size: int, tail: bytes = b"") -> bytes:
    return head + unit * max(0, (size - len(head) - len(tail)) // len(unit)) + tail


def tagged_array(rng: random.Random, size: int) -> bytes:
    unit = bytes.fromhex(rng.choice(UNITS))
    count = max(0, (size - 6) // len(unit))
    return b"\x01" + encode_length(count) + unit * count


def tagged_structures(rng: random.Random, size: int) -> bytes:
    members = [bytes.fromhex(rng.choice(UNITS[:6])) for _ in range(rng.randint(0, 8))]
    element = b"\x02" + bytes([len(members)]) + b"".join(members)
    count = max(0, (size - 6) // len(element))
    return b"\x01" + encode_length(count) + element * count


def description(rng: random.Random, depth: int = 0) -> bytes:
    roll = rng.random()
    if depth > 4 or roll < 0.4:
        return bytes([rng.choice(SIMPLE_TAGS)])
    if roll < 0.5:
        return b"\x02\x00"
    if roll < 0.75:
        count = rng.choice([0, 1, 2, 3, 255, 0x7FFF, 0xFFFF, rng.randint(0, 0xFFFF)])
        return b"\x01" + count.to_bytes(2, "big") + description(rng, depth + 1)
    members = [description(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return b"\x02" + encode_length(len(members)) + b"".join(members)


def compact_random(rng: random.Random, size: int) -> bytes:
    desc = description(rng)
    unit = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    room = size - 1 - len(desc) - 5
    contents = _fill(b"", unit, room)
    return b"\x13" + desc + encode_length(len(contents)) + contents


def compact_dense(rng: random.Random, size: int) -> bytes:
    desc = bytes.fromhex(rng.choice(DENSE_DESCRIPTIONS))
    unit = bytes([rng.randrange(256)])
    room = size - 1 - len(desc) - 5
    contents = unit * room
    return b"\x13" + desc + encode_length(len(contents)) + contents


def deep(rng: random.Random, size: int) -> bytes:
    depth = rng.randint(1, 70)
    head = b"\x02\x01" * (depth - 1)
    inner = tagged_array(rng, size - len(head))
    return head + inner


def huge_count(rng: random.Random, size: int) -> bytes:
    count = rng.choice([0xFFFF, 0xFFFFFF, 0xFFFFFFFF, size * 2])
    return _fill(bytes([rng.choice([1, 2])]) + encode_length(count), b"\x00", size)


def random_bytes(rng: random.Random, size: int) -> bytes:
    return rng.randbytes(rng.choice([size, size // 2, 64]))


DATA_FAMILIES: dict[str, Gen] = {
    "tagged array": tagged_array,
    "tagged structures": tagged_structures,
    "compact random": compact_random,
    "compact dense": compact_dense,
    "deep nesting": deep,
    "huge count": huge_count,
    "random bytes": random_bytes,
}

# --- ACCESS and GBCS families. ----------------------------------------------------------------

SET_SCHEDULE = bytes.fromhex("02000A00000C0000FF02")
GET_REGISTER = bytes.fromhex("0100030100010800FF02")


def _data_item(rng: random.Random, size: int) -> bytes:
    return rng.choice(list(DATA_FAMILIES.values()))(rng, size)


def access_one_item(rng: random.Random, size: int) -> bytes:
    head = bytes.fromhex("D900000001000102000A00000C0000FF0201")
    return head + _data_item(rng, size - len(head))


def access_many_items(rng: random.Random, size: int) -> bytes:
    unit = bytes.fromhex(rng.choice([*UNITS, "0100", "0101" + "00"]))
    spec = rng.choice([SET_SCHEDULE, GET_REGISTER])
    count = max(0, (size - 16) // (len(unit) + len(spec)))
    return (
        bytes.fromhex("D90000000100")
        + encode_length(count)
        + spec * count
        + encode_length(count)
        + unit * count
    )


def access_specs(rng: random.Random, size: int) -> bytes:
    count = (size - 12) // 10
    if rng.random() < 0.5:
        specs = SET_SCHEDULE * count
    else:  # every OBIS code different
        specs = b"".join(b"\x01\x00\x03" + i.to_bytes(6, "big") + b"\x02" for i in range(count))
    return bytes.fromhex("D90000000100") + encode_length(count) + specs + b"\x00"


def access_selection(rng: random.Random, size: int) -> bytes:
    head = bytes.fromhex("D90000000100 01 04 0007 0100630100FF 02 01")
    return head + _data_item(rng, size - len(head) - 1) + b"\x00"


def access_results(rng: random.Random, size: int) -> bytes:
    count = (size - 12) // 2
    return bytes.fromhex("DA0000000100 00 00") + encode_length(count) + b"\x01\x00" * count


def access_response_data(rng: random.Random, size: int) -> bytes:
    head = bytes.fromhex("DA0000000100 00 01")
    return head + _data_item(rng, size - len(head) - 3) + b"\x01\x01\x00"


def access_schedule_fields(rng: random.Random, size: int) -> bytes:
    """An ECS37 SET of two schedule entries, one field of each swapped for a huge value."""
    entries = [
        e.to_data() for e in template_entries(CosemTime(17, 0, 0, 0), CosemTime(22, 0, 0, 0))
    ]
    room = (size - 200) // 2
    big = rng.choice(
        [
            BitString(8 * room, bytes(room)),
            OctetString(rng.randbytes(room)),
            VisibleString(b"x" * room),
            Array((NullData(),) * room),
        ]
    )
    swapped = []
    for entry in entries:
        items = list(entry.items)
        items[rng.randrange(len(items))] = big
        swapped.append(Structure(tuple(items)))
    head = bytes.fromhex("D900000001000102000A00000C0000FF0201")
    return head + encode_data(Array(tuple(swapped)))


ACCESS_FAMILIES: dict[str, Gen] = {
    "request, schedule with huge fields": access_schedule_fields,
    "request, one data item": access_one_item,
    "request, many items": access_many_items,
    "request, many specs": access_specs,
    "request, selection parameters": access_selection,
    "response, many results": access_results,
    "response, one data item": access_response_data,
}


def gbcs_around(content: bytes, rng: random.Random) -> bytes:
    message = GbcsMessage(
        shape=MessageShape.MACD,
        cra_flag=CraFlag.COMMAND if content[:1] != b"\xda" else CraFlag.RESPONSE,
        counter=rng.getrandbits(64),
        originator=Eui64.parse("90-B3-D5-1F-30-01-00-00"),
        recipient=Eui64.parse("00-DB-12-34-56-78-90-A0"),
        message_code=0x004A if content[:1] != b"\xda" else 0x002C,
        content=content,
        signature=bytes(64),
        mac=bytes(12),
    )
    return encode_message(message)


def _gbcs_family(inner: Gen) -> Gen:
    return lambda rng, size: gbcs_around(inner(rng, size - 128), rng)


GBCS_FAMILIES: dict[str, Gen] = {
    f"ECS37-shaped, {name}": _gbcs_family(gen) for name, gen in ACCESS_FAMILIES.items()
}
GBCS_FAMILIES["random framing"] = lambda rng, size: (
    bytes([0xDD, 0, 0, 0, 0, 0, 0]) + rng.randbytes(rng.choice([64, size - 8]))
)

# --- XML families. ----------------------------------------------------------------------------

ROOT = b'<Request xmlns="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">'
END = b"</Request>"
HEADER = (
    b"<Header><RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1000</RequestID>"
    b"<CommandVariant>8</CommandVariant><ServiceReference>8.2</ServiceReference>"
    b"<ServiceReferenceVariant>8.2</ServiceReferenceVariant></Header>"
)


def xml_wide(rng: random.Random, size: int) -> bytes:
    unit = rng.choice([b"<a/>", b'<a b=""/>', b"<Header/>", b'<a xmlns:p="u"/>', b"<a></a>"])
    return _fill(ROOT, unit, size, END)


def xml_deep(rng: random.Random, size: int) -> bytes:
    depth = rng.randint(1, 70)
    inner = _fill(b"", b"<b/>", size - 9 * depth - len(ROOT) - len(END))
    return ROOT + b"<a>" * depth + inner + b"</a>" * depth + END


def xml_attributes(rng: random.Random, size: int) -> bytes:
    count = rng.choice([60, 64, 65, 1000, (size - 200) // 8])
    attrs = b"".join(b' a%d=""' % i for i in range(count))[: size - 200]
    return ROOT[:-1] + attrs + b">" + HEADER + END


def xml_text(rng: random.Random, size: int) -> bytes:
    unit = rng.choice([b"x", b"&#65;", b"&amp;", b"<!---->", b"<?p?>", b"<![CDATA[x]]>"])
    return _fill(
        ROOT + HEADER + b"<Body><ReadInventory><DeviceID>",
        unit,
        size,
        b"</DeviceID></ReadInventory></Body>" + END,
    )


def xml_read_inventory(rng: random.Random, size: int) -> bytes:
    unit = b"<DeviceID>00-DB-12-34-56-78-90-A2</DeviceID>"
    head = ROOT + HEADER + b"<Body><ReadInventory>"
    count = rng.choice([10, 1000, 19_900, 20_000, (size - len(head)) // len(unit)])
    return head + unit * count + b"</ReadInventory></Body>" + END


XML_FAMILIES: dict[str, Gen] = {
    "wide": xml_wide,
    "deep": xml_deep,
    "attributes": xml_attributes,
    "text, references, comments": xml_text,
    "ReadInventory, many DeviceIDs": xml_read_inventory,
}


def _hex_of(gen: Gen) -> Gen:
    return lambda rng, size: gen(rng, size // 2).hex().encode()


def _as_hex(families: dict[str, Gen]) -> dict[str, Gen]:
    return {name: _hex_of(gen) for name, gen in families.items()}


# --- Entry points. ----------------------------------------------------------------------------


def _parse_and_decode(data: bytes) -> object:
    return parse_message(data).decode_content()


ENTRY_POINTS: dict[str, tuple[Callable[[bytes], object], dict[str, Gen]]] = {
    "dlms.decode_data": (decode_data, DATA_FAMILIES),
    "dlms.decode_access": (decode_access, ACCESS_FAMILIES),
    "gbcs.parse_message+decode_content": (_parse_and_decode, GBCS_FAMILIES),
    "duis.parse_request": (parse_request, XML_FAMILIES),
    "check (binary)": (
        secrules.check,
        {**DATA_FAMILIES, **ACCESS_FAMILIES, **GBCS_FAMILIES},
    ),
    "check (hex text)": (
        secrules.check,
        _as_hex({**DATA_FAMILIES, **ACCESS_FAMILIES, **GBCS_FAMILIES}),
    ),
    "check (XML)": (secrules.check, XML_FAMILIES),
}


def mutate(rng: random.Random, data: bytes, size: int) -> bytes:
    """A few random edits: flips, a duplicated slice, a truncation."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            break
        roll = rng.random()
        at = rng.randrange(len(out))
        if roll < 0.5:
            out[at] = rng.randrange(256)
        elif roll < 0.8:
            span = bytes(out[at : at + rng.randint(1, 64)])
            out[at:at] = span * rng.randint(1, 8)
        else:
            del out[at:]
    return bytes(out[:size])


@dataclass
class Trial:
    family: str
    data: bytes = field(repr=False)
    seconds: float = 0.0
    outcome: str = ""
    blocks: int = 0


def run_once(fn: Callable[[bytes], object], data: bytes) -> tuple[float, float, str, int]:
    """(wall seconds, CPU seconds, outcome, memory blocks the result holds) of one call."""
    before = sys.getallocatedblocks()
    wall, cpu = time.perf_counter(), time.process_time()
    result: object = None
    try:
        result = fn(data)
        outcome = "decoded"
    except DecodeError:
        outcome = "DecodeError"
    except Exception as exc:  # noqa: BLE001 - a bench reports what escaped
        outcome = f"CRASH {type(exc).__name__}: {exc}"[:60]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    blocks = sys.getallocatedblocks() - before
    del result
    return wall, cpu, outcome, blocks


def peak_mib(fn: Callable[[bytes], object], data: bytes) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        run_once(fn, data)
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def search(
    fn: Callable[[bytes], object], families: dict[str, Gen], rng: random.Random, size: int, n: int
) -> list[Trial]:
    """``n`` trials: every family once, then random families and mutations of the slowest."""
    trials: list[Trial] = []
    names = list(families)
    for i in range(n):
        worst = max(trials, key=lambda t: t.seconds) if trials else None
        if i < len(names):
            family = names[i]
            data = families[family](rng, size)
        elif worst is not None and rng.random() < 0.35:
            family = worst.family.removesuffix(" (mutated)") + " (mutated)"
            data = mutate(rng, worst.data, size)
        else:
            family = rng.choice(names)
            data = families[family](rng, size)
        data = data[:size]
        seconds, _, outcome, blocks = run_once(fn, data)
        trials.append(Trial(family, data, seconds, outcome, blocks))
    return trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=30, help="trials per entry point")
    parser.add_argument("--size", type=int, default=MIB, help="largest input (octets)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--only", help="run the entry points whose name contains this")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--save", help="write the slowest input per entry point to this folder")
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()} on {platform.machine()}; inputs up to "
        f"{args.size} octets; {args.iterations} trials per entry point; seed {args.seed}"
    )
    header = (
        f"{'entry point':36s} {'slowest input found':42s} {'octets':>8s} {'wall s':>7s} "
        f"{'CPU s':>6s} {'peak MiB':>8s}  outcome"
    )
    print(header)
    print("-" * len(header))
    rows = []
    crashes = 0
    for name, (fn, families) in ENTRY_POINTS.items():
        if args.only and args.only not in name:
            continue
        rng = random.Random(f"{args.seed}/{name}")  # each entry point reproducible alone
        trials = search(fn, families, rng, args.size, args.iterations)
        crashes += sum(t.outcome.startswith("CRASH") for t in trials)
        slowest = sorted(trials, key=lambda t: t.seconds, reverse=True)[:3]
        largest = sorted(trials, key=lambda t: t.blocks, reverse=True)[:3]
        measured = []
        for trial in slowest:
            runs = [run_once(fn, trial.data) for _ in range(3)]
            wall = min(r[0] for r in runs)
            cpu = min(r[1] for r in runs)
            measured.append((wall, cpu, trial, runs[0][2]))
        wall, cpu, trial, outcome = max(measured, key=lambda m: m[0])
        peaks = {id(t): peak_mib(fn, t.data) for t in [*slowest, *largest]}
        peak = max(peaks.values())
        print(
            f"{name:36s} {trial.family[:42]:42s} {len(trial.data):8d} {wall:7.3f} {cpu:6.3f} "
            f"{peak:8.1f}  {outcome}",
            flush=True,
        )
        if args.save:
            folder = Path(args.save)
            folder.mkdir(parents=True, exist_ok=True)
            slug = "".join(c if c.isalnum() else "_" for c in name)
            (folder / f"{slug}.bin").write_bytes(trial.data)
        rows.append(
            {
                "entry_point": name,
                "family": trial.family,
                "octets": len(trial.data),
                "wall_seconds": round(wall, 4),
                "cpu_seconds": round(cpu, 4),
                "peak_mib": round(peak, 2),
                "outcome": outcome,
                "trials": len(trials),
            }
        )
    print()
    print(
        "peak MiB: the largest tracemalloc peak among the three slowest inputs of each entry "
        "point and the three whose result held the most memory."
    )
    if crashes:
        print(f"{crashes} trial(s) raised something other than DecodeError (CRASH)")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"python": platform.python_version(), "rows": rows}, indent=2),
            encoding="utf-8",
        )
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
