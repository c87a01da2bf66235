"""Benchmark: decode the RTDS ECS37 ACCESS payload and build its two schedule entries.

Times secrules against gurux-dlms (``pip install -e '.[bench]'``) on the same bytes, in one run,
and prints operations per second and ratios. Then shows what gurux re-encodes differently
(pitfall K1 in the project's DLMS spec).

    python bench/bench_dlms.py [--seconds 1.0]

The payload is read at run time from ``../shared/vectors/rtds/6.18.1_ECS37`` (or
``$SECRULES_VECTORS/rtds/...``): offsets 48-159 of the GBCS message, per the GBCS worked
example; it is never copied into the project.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import timeit
from pathlib import Path

from secrules.dlms import decode_access, decode_data, encode_access
from secrules.dlms.schedule import entries_from_data
from secrules.payloads import check_payload

ROOT = Path(__file__).resolve().parent.parent
VECTORS = Path(os.environ.get("SECRULES_VECTORS", ROOT.parent / "shared" / "vectors"))
ECS37 = VECTORS / "rtds" / "6.18.1_ECS37" / "ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX"
DATA_OFFSET = 18  # the list-of-data item inside the ACCESS payload (spec section 4)
OURS_FULL = "secrules: ACCESS decode + 2 ScheduleEntry records"
OURS_ACCESS = "secrules: ACCESS decode only"
OURS_DATA = "secrules: Data item only (decode_data)"
OURS_CHECK = "secrules: check_payload (ACCESS decode + DP131 rules)"
OURS_CHECK_MSG = "secrules: check_payload (whole GBCS message)"
GURUX_FULL = "gurux-dlms: getData + GXDLMSSchedule entries"
GURUX_DATA = "gurux-dlms: Data item only (GXCommon.getData)"
GURUX_XML = "gurux-dlms: GXDLMSTranslator.pduToXml (whole PDU)"


def load_message() -> bytes:
    if not ECS37.is_file():
        sys.exit(f"ECS37 vector not found at {ECS37} (set SECRULES_VECTORS)")
    return bytes.fromhex("".join(ECS37.read_text(encoding="ascii").split()))


def load_payload() -> bytes:
    payload = load_message()[48:160]
    if payload[0] != 0xD9:
        sys.exit("unexpected ECS37 layout: offset 48 is not an ACCESS.request")
    return payload


def rates(cases: dict[str, object], seconds: float, rounds: int = 7) -> dict[str, float]:
    """Best-of-``rounds`` operations per second for each case.

    Rounds are interleaved (every case once per round) so that load from other processes on
    the machine hits secrules and gurux alike and the ratios stay meaningful.
    """
    timers = {name: timeit.Timer(fn) for name, fn in cases.items()}
    numbers = {}
    for name, timer in timers.items():
        number, taken = timer.autorange()
        numbers[name] = max(1, int(number * seconds / rounds / max(taken, 1e-9)))
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(numbers[name]) / numbers[name])
    return {name: 1.0 / t for name, t in best.items()}


def secrules_cases(payload: bytes) -> dict[str, object]:
    data_part = payload[DATA_OFFSET:]
    entries = entries_from_data(decode_access(payload).data[0])
    assert [e.script_selector for e in entries] == [1, 2]
    assert encode_access(decode_access(payload)) == payload
    message = load_message()
    findings = check_payload(payload)
    assert len(findings) > 2
    assert not any(f.failed for f in findings), [f.message for f in findings if f.failed]
    return {
        OURS_CHECK_MSG: lambda: check_payload(message),
        OURS_CHECK: lambda: check_payload(payload),
        OURS_FULL: lambda: entries_from_data(decode_access(payload).data[0]),
        OURS_ACCESS: lambda: decode_access(payload),
        OURS_DATA: lambda: decode_data(data_part),
    }


def gurux_cases(payload: bytes) -> dict[str, object] | None:
    try:
        from gurux_dlms import GXByteBuffer, GXDLMSClient, GXDLMSTranslator
        from gurux_dlms.enums import TranslatorOutputType
        from gurux_dlms.internal._GXCommon import _GXCommon
        from gurux_dlms.internal._GXDataInfo import _GXDataInfo
        from gurux_dlms.objects import GXDLMSSchedule
    except ImportError:
        return None
    data_part = payload[DATA_OFFSET:]
    client = GXDLMSClient(useLogicalNameReferencing=True)
    translator = GXDLMSTranslator(TranslatorOutputType.SIMPLE_XML)

    def data_only():
        return _GXCommon.getData(client.settings, GXByteBuffer(data_part), _GXDataInfo())

    def full():
        # What a Gurux user does with attribute-2 bytes: getData, then updateValue on a
        # GXDLMSSchedule, which builds GXScheduleEntry objects. (Gurux has no GBCS ACCESS
        # decoder with typed output; this route skips the 18-octet ACCESS header.)
        schedule = GXDLMSSchedule("0.0.12.0.0.255")
        client.updateValue(schedule, 2, data_only())
        return schedule.entries

    def xml():
        # The whole ACCESS PDU through Gurux's translator (XML text, no typed values).
        return translator.pduToXml(GXByteBuffer(payload))

    assert len(full()) == 2
    return {GURUX_FULL: full, GURUX_DATA: data_only, GURUX_XML: xml}


def show_k1(payload: bytes) -> None:
    """Re-encode the two entries with secrules and with Gurux; compare with the wire."""
    from gurux_dlms import GXByteBuffer, GXDLMSClient, ValueEventArgs
    from gurux_dlms.internal._GXCommon import _GXCommon
    from gurux_dlms.internal._GXDataInfo import _GXDataInfo
    from gurux_dlms.objects import GXDLMSSchedule

    data_part = payload[DATA_OFFSET:]
    client = GXDLMSClient(useLogicalNameReferencing=True)
    value = _GXCommon.getData(client.settings, GXByteBuffer(data_part), _GXDataInfo())
    schedule = GXDLMSSchedule("0.0.12.0.0.255")
    client.updateValue(schedule, 2, value)
    event = ValueEventArgs(client.settings, schedule, 2, 0, None)
    regurux = bytes(schedule.getValue(client.settings, event))
    entries = entries_from_data(decode_access(payload).data[0])
    ours = data_part[:2] + b"".join(e.to_bytes() for e in entries)
    print()
    print("round trip of the two entries (K1):")
    print(f"  secrules identical to the wire: {ours == data_part}")
    print(f"  gurux identical to the wire:    {regurux == data_part}")
    wire_entry, gurux_entry = data_part[2:48], regurux[2:48]
    for label, lo, hi in [("enable", 5, 7), ("exec_weekdays", 27, 30), ("begin_date", 32, 39)]:
        wire, theirs = wire_entry[lo:hi].hex().upper(), gurux_entry[lo:hi].hex().upper()
        mark = "" if wire == theirs else "   <- differs"
        print(f"  {label:14s} wire {wire:16s} gurux {theirs:16s}{mark}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="rough time per case")
    args = parser.parse_args()
    payload = load_payload()
    cases = secrules_cases(payload)
    theirs = gurux_cases(payload)
    if theirs:
        cases.update(theirs)
    print(f"Python {platform.python_version()} on {platform.machine()}; {len(payload)} octets")
    print(f"{'operation':58s} {'ops/s':>10s}")
    r = rates(cases, args.seconds)
    for name, value in r.items():
        print(f"{name:58s} {value:10.0f}")
    if not theirs:
        print("gurux-dlms not installed: no comparison (pip install -e '.[bench]')")
        return
    print()
    print("ratios (secrules / gurux-dlms, higher is faster):")
    for label, ours, other in [
        ("GBCS message: parse + decode + DP131 check vs decode", OURS_CHECK_MSG, GURUX_FULL),
        ("ACCESS: decode + DP131 check vs gurux decode only", OURS_CHECK, GURUX_FULL),
        ("entries (secrules also decodes the ACCESS header)", OURS_FULL, GURUX_FULL),
        ("Data item only", OURS_DATA, GURUX_DATA),
        ("whole ACCESS PDU vs Gurux translator", OURS_ACCESS, GURUX_XML),
    ]:
        print(f"  {label:52s} {r[ours] / r[other]:5.1f}x")
    show_k1(payload)


if __name__ == "__main__":
    main()
