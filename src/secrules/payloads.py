"""Check one binary payload: sniff what it is, decode it, run the rules that apply.

:func:`check_payload` takes the bytes of

* a GBCS message (first octet ``DD`` or ``DF``: any of the four shapes of
  :func:`secrules.gbcs.parse_message`),
* a bare DLMS ACCESS APDU (``D9`` request, ``DA`` response), or
* a bare A-XDR Data value (e.g. the ``entries`` of Schedule 0-0:12.0.0.255),

and returns findings. Where the payload carries the maximum-demand configurable period (an
ECS37 SET of Schedule 0-0:12.0.0.255 attribute 2, message code 0x004A; an ECS18b response,
0x002C; or bare Schedule entries) the ECS37 template rules (:mod:`secrules.gbcs.ecs37`) run, and
for a device's default configuration the Table 28d rules of the chosen regime too (baseline:
:mod:`secrules.gbcs.table_28d`; proposed: DP131's reform of it); each finding cites the byte offset
into *the input* and the field path (``entries[0].begin_date``). A GBCS message also gets the
message-protection findings of :func:`secrules.gbcs.verification.protection_findings` (shape,
critical command signed, signature, MAC: what was not checked says so). Anything else gets one
informative PASS finding saying what was read. Undecodable input raises
:class:`~secrules.errors.DecodeError` with an offset into the input.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

from secrules.core.citations import cite
from secrules.core.findings import Finding, Outcome, Verdict
from secrules.core.proposals import ProposalModel
from secrules.core.regimes import check_regime
from secrules.core.rules import Rule, RuleSet, as_given
from secrules.dlms.access import (
    AccessKind,
    AccessRequest,
    AccessResponse,
    decode_access,
)
from secrules.dlms.data import Array, Data, Structure, decode_data
from secrules.dlms.schedule import ScheduleEntry, entries_from_data
from secrules.errors import DecodeError
from secrules.gbcs import Eui64, GbcsMessage, ecs37, parse_message, use_case_name
from secrules.gbcs.content_rules import CONTENT_RULES, content_subject
from secrules.gbcs.protection import EncryptedContent
from secrules.gbcs.table_28d import Table28d
from secrules.gbcs.verification import protection_findings
from secrules.inputs import Input, InputKind, PayloadKind, read_input
from secrules.inputs import sniff as sniff_payload
from secrules.proposals import get_proposal
from secrules.proposals.dp131 import Dp131Model

if TYPE_CHECKING:
    import datetime as dt

    from secrules.gbcs.keystore import KeyStore

__all__ = [
    "DECODE_RULES",
    "DEFAULT_CONFIGURATION_PROPOSAL",
    "DLMS_DECODE_RULE",
    "GBCS_DECODE_RULE",
    "LIMITS_RULE",
    "MAX_LISTED",
    "MAX_SCHEDULES",
    "MAX_SCHEDULE_ENTRIES",
    "check_payload",
    "sniff",
]

#: The proposal whose Table 28d rule sets judge a default configuration under a regime.
DEFAULT_CONFIGURATION_PROPOSAL = "DP131"

#: Most schedules (SETs of attribute 2, or schedule arrays read back) checked per payload.
MAX_SCHEDULES = 16
#: Most entries a schedule may have for its entries to be checked one by one (ECS37 writes 2).
MAX_SCHEDULE_ENTRIES = 16
#: Most specifications or results named in a decode finding's message.
MAX_LISTED = 8

#: GBCS message codes whose payload carries the MD configurable period schedule.
ECS37_CODE = 0x004A
ECS18B_CODE = 0x002C

_GBCS_CLAUSE = cite("gbcs.7.2.5-7.2.7.framing")
_LIMIT_CLAUSE = cite("secrules.check-limits")
_DLMS_CLAUSE = cite("dlms.access-and-axdr")


def sniff(data: bytes) -> str:
    """Say what ``data`` looks like from its first octet: ``gbcs``, ``access`` or ``data``.

    The short form of :func:`secrules.inputs.sniff`, which names the kind in full.
    """
    kind = sniff_payload(data)
    return "gbcs" if kind.is_gbcs else "access" if kind.is_access else "data"


def _info(rule: Rule[Verdict], message: str) -> Finding:
    """The informative PASS finding of a decode rule: what was read, at offset 0."""
    return rule.finding(Verdict(Outcome.PASS, message, offset=0, label="decoded"))


def _has_schedule_shape(value: Data) -> bool:
    """True for a non-empty array of ten-member structures (cheap: reads no entry)."""
    return (
        isinstance(value, Array)
        and len(value.items) > 0
        and all(isinstance(item, Structure) and len(item.items) == 10 for item in value.items)
    )


#: A schedule found in a payload: its entries decoded once, or None when they are not read
#: (a SET whose value is checked as it is, or a schedule too long to check entry by entry).
_Entries = tuple[ScheduleEntry, ...] | None


def _schedule_entries(value: Data) -> tuple[bool, _Entries]:
    """Whether ``value`` is a non-empty array of schedule entries, and the entries (read once).

    An array of more than :data:`MAX_SCHEDULE_ENTRIES` ten-member structures counts without
    reading its entries (its rules are then reported as not checked).
    """
    if not isinstance(value, Array) or not _has_schedule_shape(value):
        return False, None
    if len(value.items) > MAX_SCHEDULE_ENTRIES:
        return True, None
    try:
        return True, tuple(entries_from_data(value))
    except DecodeError:
        return False, None


def _too_many_entries(
    value: Data, rulesets: Sequence[RuleSet[ecs37.ScheduleSubject]], *, base: int, where: str
) -> list[Finding] | None:
    """Findings for a schedule too long to check entry by entry, or None if it is not one.

    ECS37 writes exactly two entries, so the entries rule fails whatever they hold; every other
    rule is reported INDETERMINATE (not checked), never PASS.
    """
    if not isinstance(value, Array) or len(value.items) <= MAX_SCHEDULE_ENTRIES:
        return None
    count = len(value.items)
    offset = None if value.offset is None else base + value.offset
    findings = []
    for rule in (r for ruleset in rulesets for r in ruleset.active()):
        if rule.id == ecs37.ENTRIES_RULE_ID:
            verdict = Verdict(
                Outcome.FAIL,
                f"{where}: {count} entries; ECS37 writes exactly two (selectors 1 and 2)",
                path="entries",
                offset=offset,
                label=ecs37.LABELS[Outcome.FAIL],
            )
        else:
            verdict = Verdict(
                Outcome.INDETERMINATE,
                f"{where}: not checked: the schedule has {count} entries and entries are "
                f"checked one by one only up to {MAX_SCHEDULE_ENTRIES}",
                path="entries",
                offset=offset,
                label=ecs37.LABELS[Outcome.INDETERMINATE],
            )
        findings.append(rule.finding(verdict))
    return findings


#: What ``check`` left out to stay within its limits: reported, never passed over in silence.
LIMITS_RULE = Rule(
    id="check.limits",
    title="What check leaves out to stay within its limits is reported as not checked",
    clauses=(_LIMIT_CLAUSE,),
    fn=as_given,
    defined_in=__name__,
    text=f"To keep time and memory bounded, check runs the schedule rules on at most "
    f"{MAX_SCHEDULES} schedules per payload; the schedules past that limit get one INDETERMINATE "
    "finding naming them (a modelling choice of secrules, not a rule of the code).",
)


#: What a GBCS message was read as (informative: decoding it is the check).
GBCS_DECODE_RULE = Rule(
    id="gbcs.decode",
    title="A GBCS message decodes: what was read (header, use case, shape)",
    clauses=(_GBCS_CLAUSE,),
    fn=as_given,
    defined_in=__name__,
    data_files=("secrules/data/gbcs_message_codes.toml",),
    text="A GBCS message (first octet DD General Ciphering or DF General Signing) is framed as "
    "GBCS 7.2.5 and 7.2.7 lay out: MAC header or Grouping Header, CRA flag, originator and "
    "recipient, date-time, other information (the message code naming the use case), content "
    "and signature. check reports what it read as one informative PASS; a message that cannot "
    "be framed is an error with the offset where reading stopped.",
)
#: What a bare DLMS ACCESS APDU or A-XDR Data value was read as (informative).
DLMS_DECODE_RULE = Rule(
    id="dlms.decode",
    title="A DLMS ACCESS APDU or A-XDR Data value decodes: what was read",
    clauses=(_DLMS_CLAUSE,),
    fn=as_given,
    defined_in=__name__,
    text="A bare DLMS ACCESS request (D9) or response (DA), or an A-XDR Data value, is decoded "
    "as the DLMS Green Book lays out the ACCESS service and A-XDR encoding. check reports what "
    "it read as one informative PASS (and, for Data that is not Schedule entries, that no "
    "schedule rule applies); undecodable input is an error with the offset where reading "
    "stopped.",
)
#: The decode rules, catalogued with the rule sets ``check`` applies (see checking.py).
DECODE_RULES: RuleSet[Verdict] = RuleSet.of(
    "Payload decoding", [GBCS_DECODE_RULE, DLMS_DECODE_RULE]
)


def _not_checked(skipped: list[str], *, what: str, offset: int | None) -> Finding:
    """One INDETERMINATE finding for the schedules beyond :data:`MAX_SCHEDULES`."""
    shown = ", ".join(skipped[:MAX_LISTED]) + (", ..." if len(skipped) > MAX_LISTED else "")
    return LIMITS_RULE.finding(
        Verdict(
            Outcome.INDETERMINATE,
            f"{what}: {len(skipped)} further schedule(s) not checked ({shown}): at most "
            f"{MAX_SCHEDULES} are checked per payload",
            offset=offset,
            label="not checked",
        )
    )


def _schedule_findings(
    value: Data,
    entries: _Entries = None,
    *,
    base: int,
    where: str,
    rulesets: Sequence[RuleSet[ecs37.ScheduleSubject]],
    default_configuration: bool,
) -> list[Finding]:
    long_schedule = _too_many_entries(value, rulesets, base=base, where=where)
    if long_schedule is not None:
        return long_schedule
    try:
        if entries is None:
            entries = tuple(entries_from_data(value))
    except DecodeError as exc:
        # A SET of the schedule attribute whose value is not schedule entries breaks the
        # template; report it as the entries rule failing, located in the input.
        verdict = Verdict(
            Outcome.FAIL,
            f"{where}: not ECS37 schedule entries ({exc.message})",
            path=exc.path or "entries",
            offset=None if exc.offset is None else base + exc.offset,
            label=ecs37.LABELS[Outcome.FAIL],
        )
        return [ecs37.rules().rule(ecs37.ENTRIES_RULE_ID).finding(verdict)]
    subject = ecs37.schedule_subject(
        entries,
        base_offset=base,
        array_offset=None if value.offset is None else base + value.offset,
        default_configuration=default_configuration,
        where=where,
    )
    return [f for ruleset in rulesets for f in ruleset.evaluate(subject)]


def _access_findings(
    apdu: AccessRequest | AccessResponse,
    *,
    base: int,
    what: str,
    rulesets: Sequence[RuleSet[ecs37.ScheduleSubject]],
    default_configuration: bool,
) -> list[Finding]:
    tpl = ecs37.template()
    out: list[Finding] = []
    schedules: list[tuple[int, Data, str, _Entries]] = []
    if isinstance(apdu, AccessRequest):
        for i, spec in enumerate(apdu.specs):
            if (
                spec.kind is AccessKind.SET
                and spec.class_id == tpl.class_id
                and spec.instance == tpl.logical_name
                and spec.attribute == tpl.attribute
                and i < len(apdu.data)
            ):
                where = f"{what}, SET of {tpl.logical_name} attribute {tpl.attribute} (data[{i}])"
                schedules.append((i, apdu.data[i], where, None))
    else:
        for i, item in enumerate(apdu.data):
            # Past the limit, the cheap shape test decides what is reported as not checked.
            if len(schedules) >= MAX_SCHEDULES:
                found, entries = _has_schedule_shape(item), None
            else:
                found, entries = _schedule_entries(item)
            if found:
                where = f"{what}, schedule entries read back (data[{i}])"
                schedules.append((i, item, where, entries))
    for _i, item, where, entries in schedules[:MAX_SCHEDULES]:
        out += _schedule_findings(
            item,
            entries,
            base=base,
            where=where,
            rulesets=rulesets,
            default_configuration=default_configuration,
        )
    if len(schedules) > MAX_SCHEDULES:
        first = schedules[MAX_SCHEDULES][1].offset
        out.append(
            _not_checked(
                [f"data[{i}]" for i, _, _, _ in schedules[MAX_SCHEDULES:]],
                what=what,
                offset=None if first is None else base + first,
            )
        )
    return out


def _listed(names: Iterable[str], count: int) -> str:
    shown = ", ".join(itertools.islice(names, MAX_LISTED))
    return shown + (f", ... ({count - MAX_LISTED} more)" if count > MAX_LISTED else "")


def _describe_access(apdu: AccessRequest | AccessResponse) -> str:
    if isinstance(apdu, AccessRequest):
        kinds = _listed(
            (f"{s.kind.name} {s.class_id}/{s.instance}/{s.attribute}" for s in apdu.specs),
            len(apdu.specs),
        )
        return f"DLMS ACCESS.request ({len(apdu.specs)} specification(s): {kinds})"
    results = _listed((r.result_name for r in apdu.results), len(apdu.results))
    return f"DLMS ACCESS.response ({len(apdu.results)} result(s): {results})"


def _describe_gbcs(message: GbcsMessage) -> str:
    name = use_case_name(message.message_code) or "unknown use case"
    signed = "signed" if message.signature is not None else "not signed"
    return (
        f"GBCS {name} {message.cra_flag.name.lower()} (message code "
        f"0x{message.message_code:04X}, {message.shape.value}, {signed}) from "
        f"{message.originator} to {message.recipient}, counter {message.counter}"
    )


def check_payload(
    data: bytes | bytearray | memoryview | str | Input,
    *,
    regime: str = "proposed",
    table_28d: str | os.PathLike[str] | Table28d | None = None,
    default_configuration: bool = False,
    keystore: KeyStore | None = None,
    at: dt.datetime | None = None,
    acb: Eui64 | str | bytes | None = None,
) -> list[Finding]:
    """Decode ``data`` (GBCS message, DLMS ACCESS APDU or A-XDR Data) and run the schedule rules.

    ``data`` is an :class:`~secrules.inputs.Input` already read, or anything
    :func:`secrules.inputs.read_input` reads (binary octets, hex or base64 text); the payload is
    decoded once and each schedule's entries are read once. ``regime`` is ``"baseline"`` or
    ``"proposed"``.
    The ECS37 template rules (``gbcs.ecs37.*``) apply to every schedule; they do not depend on
    the regime. ``default_configuration=True`` says the schedule is a device's pre-installation
    default (e.g. read back with ECS18b from a new meter, or a dump of attribute 2); the Table 28d
    rules (``gbcs.table28d.*``) of ``regime`` then run too: the baseline Table 28d, or DP131's
    reform of it. ``table_28d`` names a user's (pre-MP131) Table 28d file (schema of
    ``data/table_28d.toml``), read once per call however many schedules the payload carries, or
    is a :class:`~secrules.gbcs.table_28d.Table28d` already loaded (not read again).
    ``keystore`` (a :class:`~secrules.gbcs.KeyStore`) verifies GBCS signatures, MACs and
    encrypted content; ``acb`` (an EUI) names the Access Control Broker that MACs commands;
    ``at`` (a timezone-aware datetime) also checks the signer's certificate is valid then.

    Returns the findings: for a GBCS message first one ``gbcs.decode`` finding saying what was
    read, one ``gbcs.content`` finding (the content decoded, and its kind) and one
    ``gbcs.message-code`` finding (the code's use case carries this content), then the schedule
    findings with offsets into the input, then the message-protection
    findings (``gbcs.shape``, ``gbcs.critical_command_signed``, ``gbcs.signature`` checked
    against ``keystore`` or INDETERMINATE "not checked" without one, ``gbcs.security_header``,
    ``gbcs.mac`` and ``gbcs.decrypt`` likewise); for a payload no rule applies to, just the
    informative finding. Raises
    :class:`DecodeError` (offset into the input) when the input cannot be decoded,
    :class:`~secrules.errors.RegimeError` for another regime and
    :class:`~secrules.errors.DataFileError` for a broken table.
    """
    chosen = check_regime(regime)
    # Load (and validate) the table once, up front; every schedule below uses these rules.
    sets: list[RuleSet[ecs37.ScheduleSubject]] = [ecs37.rules()]
    if table_28d is not None or default_configuration:
        # The regime's Table 28d rules: the domain's baseline, or DP131's reform of it.
        model: ProposalModel[ecs37.ScheduleSubject] = (
            get_proposal(DEFAULT_CONFIGURATION_PROPOSAL).require_model()
            if table_28d is None
            else Dp131Model().with_table(table_28d)
        )
        if default_configuration:
            sets.append(model.rulesets()[chosen])
    subject = data if isinstance(data, Input) else read_input(data)
    if subject.kind is InputKind.XML:
        raise DecodeError(
            "expected a GBCS message, DLMS APDU or A-XDR Data, not XML (secrules.check reads "
            "DUIS XML)",
            offset=0,
        )
    raw = subject.data
    if subject.payload.is_gbcs:
        return _gbcs_findings(
            parse_message(raw),
            rulesets=sets,
            default_configuration=default_configuration,
            keystore=keystore,
            at=at,
            acb=acb,
        )
    if subject.payload.is_access:
        apdu = decode_access(raw)
        findings = [_info(DLMS_DECODE_RULE, _describe_access(apdu))]
        what = (
            "ACCESS.request" if subject.payload is PayloadKind.ACCESS_REQUEST else "ACCESS.response"
        )
        findings += _access_findings(
            apdu,
            base=0,
            what=what,
            rulesets=sets,
            default_configuration=default_configuration,
        )
        return findings
    value = decode_data(raw)
    found, entries = _schedule_entries(value)
    if found:
        return _schedule_findings(
            value,
            entries,
            base=0,
            where="Schedule entries (A-XDR Data)",
            rulesets=sets,
            default_configuration=default_configuration,
        )
    return [
        _info(
            DLMS_DECODE_RULE,
            f"A-XDR Data: {value.type_name}; not Schedule entries, so no schedule rule applies",
        )
    ]


def _gbcs_findings(
    message: GbcsMessage,
    *,
    rulesets: Sequence[RuleSet[ecs37.ScheduleSubject]],
    default_configuration: bool,
    keystore: KeyStore | None,
    at: dt.datetime | None = None,
    acb: Eui64 | str | bytes | None = None,
) -> list[Finding]:
    """The findings on a GBCS message parsed once: what it is, its content, its protection.

    The content is decoded once: ``gbcs.content`` and ``gbcs.message-code`` judge it, and the
    schedule rules run on a decoded ACCESS request that SETs the ECS37 schedule attribute
    whatever its message code, and on the schedules an ECS18b response reads back (a
    response does not say which object it read, so its message code decides).
    """
    findings = [_info(GBCS_DECODE_RULE, _describe_gbcs(message))]
    # Found and decrypted once for gbcs.content and gbcs.decrypt.
    encrypted = EncryptedContent(message)
    subject = content_subject(message, keystore, encrypted)
    findings += CONTENT_RULES.evaluate(subject)
    content = None if subject.decoded is None else subject.decoded.value
    code = message.message_code
    if isinstance(content, AccessResponse) and code != ECS18B_CODE:
        content = None
    if isinstance(content, AccessRequest | AccessResponse):
        what = f"{use_case_name(code) or f'0x{code:04X}'} {message.cra_flag.name.lower()}"
        if code in (ECS37_CODE, ECS18B_CODE):
            findings[0] = attrs.evolve(
                findings[0], message=f"{findings[0].message}; {_describe_access(content)}"
            )
        findings += _access_findings(
            content,
            base=message.content_offset,
            what=what,
            rulesets=rulesets,
            default_configuration=default_configuration,
        )
    return findings + protection_findings(message, keystore, at=at, acb=acb, encrypted=encrypted)
