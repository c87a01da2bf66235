"""Benchmark: secrules GBCS ECDSA beside bare pyca/cryptography, in one run.

    python bench/bench_ecdsa.py [--rounds N]

Verification, over the signed RTDS messages (../shared/vectors) or, when absent, generated
signed messages:

* ``verify_message``: parse + cached key lookup + plain->DER + verify + Finding, per message;
* ``ecdsa.verify``: plain r||s checks + verify on pre-extracted bytes and a pre-loaded key;
* bare: ``public_key.verify(der, signed_bytes, ECDSA(SHA256()))`` with the key pre-loaded, the
  signed bytes pre-extracted and the signature pre-converted to DER.

Signing: ``ecdsa.sign`` (DER -> plain r||s) and ``sign_precommand`` (parse + sign + encode)
beside bare ``private_key.sign(data, ECDSA(SHA256()))``, which returns DER. ``ecdsa.sign`` is
also compared with what a pyca user must do to get the GBCS plain form: bare sign, then
``decode_dss_signature`` and ``r.to_bytes(32) + s.to_bytes(32)``.

A diagnostic row, ``floor``, times bare verification plus only the steps no ``verify_message``
can skip (key lookup, r||s -> DER, a Finding through the rule) on pre-parsed messages: the
highest ratio ``verify_message`` could reach with any parser.

Framing: ``parse_message`` per message, for the record (no bare counterpart).

Ratios are throughput(secrules) / throughput(bare): 1.0 means as fast as bare pyca.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from secrules.core.findings import Outcome, Verdict
from secrules.gbcs import MessageShape, parse_message, sign_precommand, verify_message
from secrules.gbcs.ecdsa import sign, verify
from secrules.gbcs.keystore import DirectoryKeyStore, KeyStore, MemoryKeyStore
from secrules.gbcs.verification import SIGNATURE_RULE

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT.parent / "shared" / "vectors" / "rtds"
ALG = ec.ECDSA(hashes.SHA256())


def _load_rtds() -> tuple[list[bytes], list[bytes], KeyStore, str]:
    files = sorted(p for p in VECTORS.glob("*/*.HEX"))
    raws = [bytes.fromhex("".join(p.read_text().split())) for p in files]
    signed = [r for r in raws if parse_message(r).signature is not None]
    pre = [r for r in raws if parse_message(r).shape is MessageShape.PRE_COMMAND]
    return signed, pre, DirectoryKeyStore(VECTORS / "keystore"), f"{len(signed)} RTDS messages"


def _generated() -> tuple[list[bytes], list[bytes], KeyStore, str]:
    from hypothesis import HealthCheck, given, settings

    from secrules.strategies.ecdsa import signed_gbcs_messages, unsigned_gbcs_messages

    store = MemoryKeyStore()
    signed: list[bytes] = []
    pre: list[bytes] = []

    @settings(max_examples=200, database=None, suppress_health_check=list(HealthCheck))
    @given(signed_gbcs_messages(), unsigned_gbcs_messages())
    def collect(sample, unsigned):  # type: ignore[no-untyped-def]
        store.add_key(sample.originator, sample.public_key)
        signed.append(sample.message)
        if unsigned[0] == 0xDF:
            pre.append(unsigned)

    collect()
    return signed, pre, store, f"{len(signed)} generated messages"


def _best(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _row(label: str, ours: float, bare: float, count: int) -> str:
    return (
        f"{label:<48} {count / ours:>9.0f}/s  bare {count / bare:>9.0f}/s  ratio {bare / ours:5.2f}"
    )


def _parse_time(messages: list[bytes], rounds: int) -> float:
    def parse_all() -> None:
        for raw in messages:
            parse_message(raw)

    return _best(parse_all, rounds) / len(messages)


Case = tuple[Callable[[], None], Callable[[], None], int]


def _sign_cases(payloads: list[bytes], pre: list[bytes]) -> dict[str, Case]:
    private = ec.generate_private_key(ec.SECP256R1())

    def bare_sign() -> None:
        for data in payloads:
            private.sign(data, ALG)

    def our_sign() -> None:
        for data in payloads:
            sign(private, data)

    def bare_sign_plain() -> None:
        for data in payloads:
            r, s = decode_dss_signature(private.sign(data, ALG))
            r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def our_sign_precommand() -> None:
        for raw in pre:
            sign_precommand(raw, private)

    pre_payloads = [parse_message(raw).signed_bytes for raw in pre]

    def bare_sign_pre() -> None:
        for data in pre_payloads:
            private.sign(data, ALG)

    return {
        "ecdsa.sign (plain r||s) vs bare DER sign": (our_sign, bare_sign, len(payloads)),
        "ecdsa.sign vs bare sign + DER->r||s": (our_sign, bare_sign_plain, len(payloads)),
        "sign_precommand (parse+sign+encode)": (our_sign_precommand, bare_sign_pre, len(pre)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    signed, pre, store, what = _load_rtds() if VECTORS.is_dir() else _generated()

    # Pre-extracted material for the bare baseline.
    prepared = []
    for raw in signed:
        message = parse_message(raw)
        key = store.signing_keys(message.originator)[0].public_key
        sig = message.signature
        assert sig is not None
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        prepared.append((key, message.signed_bytes, sig, der))

    def bare_verify() -> None:
        for key, data, _sig, der in prepared:
            key.verify(der, data, ALG)

    def our_verify_message() -> None:
        for raw in signed:
            verify_message(raw, store)

    originators = [parse_message(raw).originator for raw in signed]

    def floor_verify() -> None:
        for (key, data, sig, _der), originator in zip(prepared, originators, strict=True):
            store.signing_keys(originator)
            r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
            key.verify(encode_dss_signature(r, s), data, ALG)
            SIGNATURE_RULE.finding(Verdict(Outcome.PASS, "ok", path="apdu.signature", offset=0))

    def our_verify() -> None:
        for key, data, sig, _der in prepared:
            verify(key, data, sig)

    payloads = [data for _k, data, _s, _d in prepared]

    # Warm up, then interleave so that drift hits both sides alike.
    our_verify_message()
    bare_verify()
    results: dict[str, list[float]] = {}
    pairs = {
        "verify_message (parse+lookup+verify)": (our_verify_message, bare_verify, len(signed)),
        "floor: lookup + r||s->DER + Finding, no parse": (floor_verify, bare_verify, len(signed)),
        "ecdsa.verify (plain r||s)": (our_verify, bare_verify, len(signed)),
        **_sign_cases(payloads, pre),
    }
    for _ in range(args.rounds):
        for label, (ours, bare, _n) in pairs.items():
            if _n == 0:
                continue
            results.setdefault(label, []).append(_best(ours, 1))
            results.setdefault(label + " bare", []).append(_best(bare, 1))

    print(f"ECDSA P-256/SHA-256 over {what}; best of {args.rounds} rounds")
    for label, (_ours, _bare, count) in pairs.items():
        if count == 0:
            continue
        ours_t = min(results[label])
        bare_t = min(results[label + " bare"])
        print(_row(label, ours_t, bare_t, count))
    median = statistics.median(results["verify_message (parse+lookup+verify)"]) / len(signed)
    print(f"verify_message median per message: {median * 1e6:.1f} us")
    everything = signed + pre
    parse_t = _parse_time(everything, args.rounds * 3)
    print(f"parse_message per message ({len(everything)} messages): {parse_t * 1e6:.1f} us")


if __name__ == "__main__":
    main()
