"""``secrules.check``: sniff what an input is and run every rule that applies to it.

Inputs are bytes or text:

- XML (first non-blank character ``<``): a DUIS request, read safely (no DTDs or entities) and
  checked by :func:`secrules.duis.check_request`.
- hex text (digits and white space only, even count) or raw binary: a GBCS message (``DD`` or
  ``DF``), a DLMS ACCESS request/response (``D9``/``DA``) or bare A-XDR Data, checked by
  :func:`secrules.payloads.check_payload` (DP131 maximum-demand rules where they apply) and, when a
  key store is given, :func:`secrules.gbcs.verify_message` for GBCS messages.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from secrules.core.findings import Finding
from secrules.core.regimes import Regime, check_regime
from secrules.core.rules import RuleSet
from secrules.errors import DecodeError

if TYPE_CHECKING:
    from secrules.gbcs.keystore import KeyStore
    from secrules.proposals.dp131 import Table28d

__all__ = [
    "MAX_INPUT_BYTES",
    "check",
    "check_input",
    "check_rulesets",
    "input_kind",
    "read_file",
    "read_input",
]

#: Largest input ``check`` reads (DUIS has its own, smaller cap).
MAX_INPUT_BYTES = 16 * 1024 * 1024
_HEX_TEXT = re.compile(rb"^[0-9A-Fa-f\s]*$")
_BOM = b"\xef\xbb\xbf"


def read_input(data: bytes | str) -> tuple[str, bytes]:
    """Classify ``data`` as ``("xml", bytes)`` or ``("binary", decoded bytes)``.

    Hex text (upper or lower case, white space anywhere) is decoded; anything else that is not XML
    is taken as raw binary. Empty input or odd-length hex raises :class:`DecodeError`.
    """
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise DecodeError(
                f"text input holds a character UTF-8 cannot encode ({exc.reason})",
                offset=exc.start,
            ) from None
    else:
        raw = bytes(data)
    if len(raw) > MAX_INPUT_BYTES:
        raise DecodeError(f"input is larger than {MAX_INPUT_BYTES} bytes", offset=MAX_INPUT_BYTES)
    body = raw.removeprefix(_BOM).lstrip()
    if not body:
        raise DecodeError("empty input", offset=0)
    if body.startswith(b"<"):
        return "xml", raw
    if _HEX_TEXT.match(body):
        digits = b"".join(body.split())
        if len(digits) % 2:
            raise DecodeError(
                f"hex input has an odd number of digits ({len(digits)})", offset=len(digits)
            )
        return "binary", bytes.fromhex(digits.decode("ascii"))
    if isinstance(data, str):
        raise DecodeError("text input is neither XML nor hex", offset=0)
    return "binary", raw


def input_kind(data: bytes) -> str:
    """A short name for what decoded binary input looks like, by its first octet."""
    first = data[0] if data else -1
    return {
        0xDD: "GBCS message (General Ciphering)",
        0xDF: "GBCS General Signing APDU",
        0xD9: "DLMS ACCESS request",
        0xDA: "DLMS ACCESS response",
    }.get(first, "A-XDR Data")


def check(
    data: bytes | str,
    *,
    regime: Regime | str = "proposed",
    keystore: KeyStore | str | os.PathLike[str] | None = None,
    table_28d: str | os.PathLike[str] | None = None,
    era: str | None = None,
    default_configuration: bool = False,
) -> list[Finding]:
    """Run every applicable rule on ``data`` and return the findings.

    ``regime`` is ``"baseline"`` or ``"proposed"``; ``keystore`` (a key store or the path of a
    key-store directory or DCC Boxed ``keystore.json``) turns on GBCS signature verification;
    ``table_28d`` is the path of your own copy of GBCS Table 28d for the DP131 rules; ``era`` is
    the ESMEVariant code set for DUIS checks (``"2020"`` or ``"duis-5.x"``; default from the
    request's schemaVersion); ``default_configuration`` says the input is a device's default
    (pre-installation) configuration, so the GBCS Table 28d rules apply too.
    Undecodable input raises :class:`DecodeError`.
    """
    kind, raw = read_input(data)
    return check_input(
        kind,
        raw,
        regime=regime,
        keystore=keystore,
        table_28d=table_28d,
        era=era,
        default_configuration=default_configuration,
    )


def check_input(
    kind: str,
    raw: bytes,
    *,
    regime: Regime | str = "proposed",
    keystore: KeyStore | str | os.PathLike[str] | None = None,
    table_28d: str | os.PathLike[str] | Table28d | None = None,
    era: str | None = None,
    default_configuration: bool = False,
) -> list[Finding]:
    """:func:`check` on input that :func:`read_input` has already classified and decoded.

    ``table_28d`` may also be a Table 28d already loaded (the command line reads it once per run).
    """
    chosen = check_regime(regime)
    if kind == "xml":
        from secrules.duis import check_request

        return check_request(raw, regime=chosen, era=era)
    from secrules.payloads import check_payload

    findings = check_payload(
        raw, regime=chosen, table_28d=table_28d, default_configuration=default_configuration
    )
    if keystore is not None and raw[:1] in (b"\xdd", b"\xdf"):
        from secrules.gbcs import verify_message
        from secrules.gbcs.keystore import open_keystore

        store = open_keystore(keystore) if isinstance(keystore, str | os.PathLike) else keystore
        findings.append(verify_message(raw, store))
    return findings


def check_rulesets() -> dict[str, RuleSet]:
    """The rule sets ``check`` applies outside any proposal's regimes, by what they check.

    (The DP131 maximum-demand rules are catalogued under DP131, the DP125 rules under DP125.)
    """
    from secrules.duis import DUIS_RULES
    from secrules.gbcs.verification import SIGNATURE_RULE

    return {
        "DUIS requests": DUIS_RULES,
        "GBCS signatures": RuleSet.of("GBCS signatures", [SIGNATURE_RULE]),
    }


def read_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of ``path`` (``-`` for standard input), refusing oversized files."""
    import sys

    if str(path) == "-":
        return sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    file = Path(path)
    with file.open("rb") as handle:
        return handle.read(MAX_INPUT_BYTES + 1)
