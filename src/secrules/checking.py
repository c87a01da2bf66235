"""``secrules.check``: read an input once and run every rule that applies to it.

Inputs are bytes or text, or an :class:`os.PathLike` naming a file to read (a plain ``str`` is
always the input itself, never a file name), read by :func:`secrules.inputs.read_input` (hex,
base64, binary or XML; see there) into a typed :class:`~secrules.inputs.Input`:

- XML: a DUIS request, read safely (no DTDs or entities) and checked by
  :func:`secrules.duis.check_request`.
- binary octets: a GBCS message (``DD`` or ``DF``), a DLMS ACCESS request/response
  (``D9``/``DA``) or bare A-XDR Data, checked by :func:`secrules.payloads.check_payload`: the
  ECS37 template rules (and, for a device's default configuration, the regime's Table 28d
  rules) where a schedule is found and, for a GBCS message, the message-protection rules
  (``gbcs.shape``, ``gbcs.critical_command_signed``, ``gbcs.signature``,
  ``gbcs.security_header``, ``gbcs.mac``, ``gbcs.decrypt``).

What was not checked is INDETERMINATE, never PASS: a signature, a MAC or encrypted content
without a key store (or without the keys it needs). :func:`failed` says whether a
run's findings fail it, as the ``secrules check`` exit status does.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from secrules.core.files import display_name, read_bounded
from secrules.core.findings import Finding, Outcome
from secrules.core.regimes import Regime, check_regime
from secrules.core.rules import RuleSet
from secrules.core.validation import (
    BYTES_LIKE,
    require_bool,
    require_path,
    require_text,
    require_type,
)
from secrules.gbcs.keystore import KeyStore, cached_keystore
from secrules.inputs import MAX_INPUT_BYTES, Input, InputKind, read_input
from secrules.payloads import check_payload

if TYPE_CHECKING:
    import datetime as dt

    from secrules.gbcs.table_28d import Table28d
    from secrules.gbcs.types import Eui64
    from secrules.inventory import Inventory, User

__all__ = [
    "DUIS_PROPOSAL",
    "MAX_INPUT_BYTES",
    "check",
    "check_input",
    "check_rulesets",
    "checkable_rule_ids",
    "failed",
    "read_file",
]


def check(
    data: bytes | bytearray | memoryview | str | os.PathLike[str],
    *,
    regime: Regime | str = "proposed",
    keystore: KeyStore | str | os.PathLike[str] | None = None,
    table_28d: str | os.PathLike[str] | None = None,
    era: str | None = None,
    default_configuration: bool = False,
    at: dt.datetime | None = None,
    acb: Eui64 | str | bytes | None = None,
) -> list[Finding]:
    """Run every applicable rule on ``data`` and return the findings.

    ``data`` is the input itself (bytes, or ``str`` holding hex or XML text) or an
    :class:`os.PathLike` (such as :class:`pathlib.Path`) naming a file to read, within
    :data:`MAX_INPUT_BYTES`; a plain ``str`` is always data, never a file name.
    ``regime`` is ``"baseline"`` or ``"proposed"``; ``keystore`` (a key store or the path of a
    key-store directory or DCC Boxed ``keystore.json``) turns on GBCS signature, MAC and
    decryption checks (without it those findings are INDETERMINATE "not checked");
    ``table_28d`` is the path of your own copy of GBCS Table 28d (pre-MP131) for the
    default-configuration rules; ``era`` is the ESMEVariant code set for DUIS checks
    (``"2020"`` or ``"duis-5.x"``; default from the request's schemaVersion);
    ``default_configuration`` says the input is a device's default (pre-installation)
    configuration, so the GBCS Table 28d rules of ``regime`` apply too. ``at`` (a
    timezone-aware datetime) also checks that each signer's certificate is valid at that time;
    without it validity is not checked (the wall clock is never read).
    With a key store, GBCS MACs (``gbcs.mac``) and encrypted content (``gbcs.decrypt``) are
    checked too, with its Key Agreement keys; ``acb`` (an EUI) names the Access Control Broker
    whose KA key MACs commands (default: the store's certificate with role 04). Pass
    ``protection_required=True`` to :func:`failed` to fail what could not be checked.
    Undecodable input raises :class:`DecodeError`, an unreadable file :class:`DataFileError`
    and an argument of the wrong type :class:`InvalidValueError` naming the parameter.
    """
    _check_arguments(data, regime, keystore, table_28d, era, default_configuration, at)
    if acb is not None:
        from secrules.gbcs.types import Eui64

        require_type(acb, "acb", (Eui64, str, bytes), "an EUI (Eui64, text or 8 octets) or None")
    if type(data) is not bytes and isinstance(data, os.PathLike):
        subject = read_input(read_file(data), name=display_name(data))
    else:
        subject = read_input(data)
    return check_input(
        subject,
        regime=regime,
        keystore=keystore,
        table_28d=table_28d,
        era=era,
        default_configuration=default_configuration,
        at=at,
        acb=acb,
    )


def _check_arguments(  # noqa: PLR0917 - check()'s arguments, one to one
    data: object,
    regime: object,
    keystore: object,
    table_28d: object,
    era: object,
    default_configuration: object,
    at: object = None,
) -> None:
    """InvalidValueError, naming the parameter, for an argument of :func:`check` of a wrong type.

    Values are judged later, by the code that uses them.
    """
    if type(data) is not bytes and type(data) is not str:  # the common cases need no check
        if isinstance(data, os.PathLike):
            require_path(data, "data")
        else:
            require_type(data, "data", (*BYTES_LIKE, str), "bytes, str or os.PathLike")
    require_text(regime, "regime")
    if keystore is not None and not isinstance(keystore, str | os.PathLike):
        require_type(keystore, "keystore", (KeyStore,), "a KeyStore, a path or None")
    elif keystore is not None:
        require_path(keystore, "keystore")
    if table_28d is not None:
        require_path(table_28d, "table_28d")
    require_text(era, "era", optional=True)
    require_bool(default_configuration, "default_configuration")
    if at is not None:
        from secrules.gbcs.keystore import validity_time

        validity_time(at)


def check_input(
    subject: Input,
    *,
    regime: Regime | str = "proposed",
    keystore: KeyStore | str | os.PathLike[str] | None = None,
    table_28d: str | os.PathLike[str] | Table28d | None = None,
    era: str | None = None,
    default_configuration: bool = False,
    inventory: Inventory | None = None,
    sender: User | None = None,
    at: dt.datetime | None = None,
    acb: Eui64 | str | bytes | None = None,
) -> list[Finding]:
    """:func:`check` on input that :func:`secrules.inputs.read_input` has already read.

    ``table_28d`` may also be a Table 28d already loaded (the command line reads it once per run).
    ``inventory`` and ``sender`` (both or neither) decide a DUIS request's inventory-dependent
    rules, as in :func:`secrules.duis.check_request`; other inputs do not use them.
    """
    require_type(subject, "subject", (Input,), "an Input (from secrules.inputs.read_input)")
    chosen = check_regime(regime)
    if subject.kind is InputKind.XML:
        from secrules.duis import check_request
        from secrules.proposals import get_proposal

        rules = get_proposal(DUIS_PROPOSAL).require_model().rulesets()[chosen]
        return check_request(subject.data, rules=rules, era=era, inventory=inventory, sender=sender)
    # A store named by its path is opened once and reused while its directory is unchanged.
    store = cached_keystore(keystore) if isinstance(keystore, str | os.PathLike) else keystore
    return check_payload(
        subject,
        regime=chosen,
        table_28d=table_28d,
        default_configuration=default_configuration,
        keystore=store,
        at=at,
        acb=acb,
    )


def failed(
    findings: Iterable[Finding],
    *,
    signatures_required: bool = False,
    protection_required: bool = False,
) -> bool:
    """Whether ``findings`` fail a check: the rule behind the exit status of ``secrules check``.

    True when any finding is FAIL. With ``signatures_required``, also when any
    ``gbcs.signature`` finding is INDETERMINATE: a signature that could not be checked (no key
    store, or no Digital Signature key for the originator) is never a pass. With
    ``protection_required`` (what asking for checks with keys means: ``secrules check
    --keystore``, ``secrules gbcs verify``), also when a ``gbcs.signature``, ``gbcs.mac`` or
    ``gbcs.decrypt`` finding is INDETERMINATE (a key was missing). Other INDETERMINATE findings
    (an unknown use case) do not fail.
    """
    from secrules.gbcs.verification import DECRYPT_RULE, MAC_RULE, SIGNATURE_RULE

    required: frozenset[str] = frozenset()
    if protection_required:
        required = frozenset({SIGNATURE_RULE.id, MAC_RULE.id, DECRYPT_RULE.id})
    elif signatures_required:
        required = frozenset({SIGNATURE_RULE.id})
    for finding in findings:
        if finding.outcome is Outcome.FAIL:
            return True
        if finding.outcome is Outcome.INDETERMINATE and finding.rule_id in required:
            return True
    return False


#: The proposal whose rule sets ``check`` applies to DUIS requests under a regime (DP125
#: reforms the ESMEVariant rules; payloads names the one for default configurations).
DUIS_PROPOSAL = "DP125"


@functools.cache
def checkable_rule_ids() -> frozenset[str]:
    """Every rule id a :func:`check` finding can carry, under either regime."""
    from secrules.payloads import DEFAULT_CONFIGURATION_PROPOSAL
    from secrules.proposals import get_proposal

    ids: set[str] = set()
    for ruleset in check_rulesets().values():
        ids.update(ruleset.ids)
    for proposal_id in (DUIS_PROPOSAL, DEFAULT_CONFIGURATION_PROPOSAL):
        for ruleset in get_proposal(proposal_id).require_model().rulesets().values():
            ids.update(ruleset.ids)
    return frozenset(ids)


def check_rulesets() -> dict[str, RuleSet[Any]]:
    """The rule sets ``check`` applies outside any proposal's regimes, by what they check.

    (The Table 28d rules are catalogued under DP131, which reforms them; the DP125 rules under
    DP125.)
    """
    from secrules.duis import DUIS_RULES
    from secrules.duis.check import INVENTORY_OUTCOME_RULE
    from secrules.gbcs import ecs37
    from secrules.gbcs.content_rules import CONTENT_RULES
    from secrules.gbcs.verification import PROTECTION_RULES
    from secrules.inventory import INVENTORY_RULES
    from secrules.payloads import DECODE_RULES, LIMITS_RULE

    return {
        "Payload decoding": DECODE_RULES,
        "DUIS requests": DUIS_RULES,
        "DUIS requests applied to an inventory (--inventory)": RuleSet.of(
            "DUIS requests applied to an inventory",
            [INVENTORY_OUTCOME_RULE, *INVENTORY_RULES],
        ),
        "GBCS content": CONTENT_RULES,
        "GBCS ECS37 template": ecs37.rules(),
        "GBCS message protection": PROTECTION_RULES,
        "Check limits": RuleSet.of("Check limits", [LIMITS_RULE]),
    }


def read_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of ``path`` (``"-"`` for standard input), at most :data:`MAX_INPUT_BYTES`.

    Reads at most one byte over the cap whatever the file is (pipe, device, standard input).
    Raises :class:`DataFileError` naming the file when it cannot be read or is too large.
    """
    return read_bounded(path, MAX_INPUT_BYTES, what="input", allow_stdin=True)
