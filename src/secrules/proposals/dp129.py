"""DP129 / MP129 "Allowing the use of CNSA variant for ECDSA" (DCC).

Problem (SECAS paper to TABASC, 28 May 2020): the DSP took itself to be a Remote Party under
GBCS 4.3.3.2 and signed all device critical commands with the "GBCS variant" of ECDSA; BEIS said
the DSP could have used the "CNSA variant" and remained compliant, and the SMKI PMA agreed the
wording lacked clarity. MP129 was in scope of the November 2021 SEC Release when last seen;
its implementation is not confirmed.

The baseline text is ambiguous, so DP129 declares two *readings* of it (``[[reading]]`` rows of
``data/dp129_policy.toml``): BEIS's (authoritative: either variant already complied, so MP129 is
a clarification and changes no verdict) and the DSP's (the GBCS variant only, so MP129 grants a
permission and the Remote Party x CNSA rows change). The baseline is the domain's
``gbcs.signing-variant`` (:func:`secrules.gbcs.signing.signing_rules`) on the domain's dated
table with the reading's variants as a table override. MP129's change is one exception to it,
``dp129.remote-party-variants``: a Remote Party signer may sign with a variant MP129 lists (GBCS
or CNSA; ``[mp129]`` of ``data/dp129_policy.toml``). Device rows are not applicable in both.

MP129 does not change how a Device verifies a signature (``gbcs.signature``,
:func:`~secrules.gbcs.signing.signature_rules`): :meth:`Dp129Model.signature_reform` is None.
Each impact run signs a fresh sample under each variant and verifies it as a Device does; the
scenario parameter ``device_accepts`` records the result, so "no device-observable change" is
computed rather than asserted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableReader, TableSource, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.proposals import (
    Assumption,
    ProposalModel,
    Reading,
    Scenario,
    Variation,
    derived_assumption,
    read_assumptions,
    restate,
)
from secrules.core.regimes import Regime
from secrules.core.rules import WORST, Combiner, Rule, RuleSet, decide
from secrules.core.sources import data_file
from secrules.errors import InvalidValueError
from secrules.gbcs import GbcsMessage, parse_message
from secrules.gbcs.ecdsa import generate_private_key
from secrules.gbcs.keystore import MemoryKeyStore
from secrules.gbcs.signing import (
    SIGNING_VARIANT_RULE_ID,
    SignerKind,
    SignerParty,
    SigningPolicy,
    SigningSubject,
    load_signing_policy,
    read_variant_names,
    signature_rules,
    signing_rules,
    variant_verdict,
)
from secrules.gbcs.types import CraFlag, Eui64, MessageShape
from secrules.gbcs.variants import SigningVariant
from secrules.gbcs.verification import SignatureSubject, sign_precommand
from secrules.proposals import MODEL_SUMMARIES

__all__ = [
    "EXCEPTION_RULE_ID",
    "NOT_APPLICABLE",
    "NOT_PERMITTED",
    "PERMITTED",
    "DeviceCheck",
    "Dp129Model",
    "Dp129Policy",
    "ReadingOfBaseline",
    "device_acceptance",
    "load_policy",
]

PERMITTED = "permitted"
NOT_PERMITTED = "not permitted"
NOT_APPLICABLE = "not applicable"
#: MP129's exception to ``gbcs.signing-variant`` for Remote Party signers.
EXCEPTION_RULE_ID = "dp129.remote-party-variants"
_TABLE = "dp129_policy.toml"
_MP129 = cite("sec.mp129")


@attrs.frozen
class ReadingOfBaseline:
    """One ``[[reading]]`` row: a reading of GBCS 4.3.3.2 and the variants it permits."""

    reading: Reading
    #: The variants a Remote Party may sign with under this reading (before MP129).
    remote_party: frozenset[str]


@attrs.frozen
class Dp129Policy:
    """DP129's own table: signer parties, baseline readings, MP129's variants, assumptions."""

    parties: tuple[SignerParty, ...]
    #: The variants a Remote Party may sign with under MP129.
    permitted: frozenset[str]
    #: Our reading of GBCS 4.3.3.2 as MP129 amends it.
    clause: ClauseRef
    assumptions: tuple[Assumption, ...]
    file: str
    #: The ``source`` of the ``[mp129]`` row.
    mp129_source: str = ""
    #: The table file and its SHA-256 (None for a policy built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)
    #: The readings of GBCS 4.3.3.2, authoritative first (empty: the domain table alone).
    readings: tuple[ReadingOfBaseline, ...] = ()

    def reading(self, ident: str) -> ReadingOfBaseline:
        """The reading called ``ident``; InvalidValueError naming the table's readings."""
        for item in self.readings:
            if item.reading.id == ident:
                return item
        known = ", ".join(r.reading.id for r in self.readings) or "none"
        raise InvalidValueError(f"DP129 has no reading {ident!r} (its readings: {known})")


def _read_readings(table: TableReader) -> tuple[ReadingOfBaseline, ...]:
    if "reading" not in table:
        return ()
    out: list[ReadingOfBaseline] = []
    for row in table.tables("reading"):
        reading = Reading(
            id=row.text("id"),
            name=row.text("name"),
            held_by=row.text("held_by"),
            text=row.text("text"),
            provenance=row.provenance(),
            source=row.text("source"),
            authoritative=row.flag("authoritative", default=False),
        )
        if any(r.reading.id == reading.id for r in out):
            raise row.error(f"reading id {reading.id!r} appears twice", "id")
        out.append(ReadingOfBaseline(reading, read_variant_names(row, "variants")))
    leaders = [r for r in out if r.reading.authoritative]
    if len(leaders) != 1:
        raise table.error(
            f"exactly one reading must say authoritative = true (found {len(leaders)})", "reading"
        )
    return (leaders[0], *(r for r in out if r is not leaders[0]))


def load_policy(path: str | os.PathLike[str] | None = None) -> Dp129Policy:
    """Read DP129's table (the bundled one, or the user's copy in the same schema)."""
    table = load_table(path, default=_TABLE)
    parties = []
    seen: set[str] = set()
    for row in table.tables("party"):
        party = SignerParty(
            id=row.text("id"),
            name=row.text("name"),
            kind=row.choice("kind", tuple(SignerKind)),
            role_code=str(row.raw("role_code")),
            source=row.text("source"),
            provenance=row.provenance(),
        )
        if party.id in seen:
            raise row.error(f"party id {party.id!r} appears twice", "id")
        seen.add(party.id)
        parties.append(party)
    mp129 = table.table("mp129")
    return Dp129Policy(
        parties=tuple(parties),
        permitted=read_variant_names(mp129, "remote_party"),
        clause=mp129.clause(),
        assumptions=read_assumptions(table),
        file=table.file,
        mp129_source=mp129.text("source"),
        source=table.source,
        readings=_read_readings(table),
    )


@attrs.frozen
class DeviceCheck:
    """The result of signing a fresh sample under a variant and verifying it as a Device does."""

    variant: str
    accepts: bool
    detail: str


def device_acceptance(variant: SigningVariant, *, originator: Eui64 | None = None) -> DeviceCheck:
    """Sign a fresh sample under ``variant`` and verify it as a Device does.

    The sample pre-command is signed with a fresh P-256 key, then decided by the Device-side
    rules (:func:`~secrules.gbcs.signing.signature_rules`, ``gbcs.signature``) against a store
    holding only the signer's DS public key (GBCS 4.3.3, 7.2.7). A copy with one flipped content
    bit must be rejected, so the check cannot pass vacuously.
    """
    signer = originator or Eui64(bytes.fromhex("90B3D51F30010000"))
    key = generate_private_key()
    sample = GbcsMessage(
        shape=MessageShape.PRE_COMMAND,
        cra_flag=CraFlag.COMMAND,
        counter=0x0000_0000_0000_1000,
        originator=signer,
        recipient=Eui64(bytes.fromhex("00DB1234567890A0")),
        message_code=0x000A,  # CS02c, a critical command
        content=bytes.fromhex("300403020780"),
    )
    signed = sign_precommand(sample, key, variant=variant)
    store = MemoryKeyStore(label="device view")
    store.add_key(signer, key.public_key())
    device = signature_rules()
    finding = decide(device, SignatureSubject(parse_message(signed), store))
    tampered = bytearray(signed)
    tampered[-66] ^= 0x01  # last content octet, just before 40 + r||s
    rejected = decide(device, SignatureSubject(parse_message(bytes(tampered)), store))
    accepts = finding.outcome is Outcome.PASS and rejected.outcome is Outcome.FAIL
    return DeviceCheck(
        variant=variant.name,
        accepts=accepts,
        detail=f"fresh {variant.title} sample: {finding.outcome.value}; tampered copy: "
        f"{rejected.outcome.value}",
    )


#: Certificate roles of DCC-role signers (Recovery, ACB, Transitional CoS, WAN Provider) and
#: the DSP acting as a Remote Party: the alternative scope of A129-5.
DCC_ROLE_CODES = frozenset({"01", "04", "05", "06", "DCC"})


def mp129_exception(
    policy: Dp129Policy, covers: frozenset[str] | None = None
) -> Rule[SigningSubject]:
    """``dp129.remote-party-variants``: MP129's variants, for Remote Party signers only.

    ``covers`` limits the exception to signers whose ``role_code`` it lists (None: every
    Remote Party signer, as A129-5 assumes).
    """
    allowed = policy.permitted

    def fn(subject: SigningSubject) -> Verdict:
        return variant_verdict(subject, allowed, "MP129")

    def when(subject: SigningSubject) -> bool:
        party = subject.party
        return party.is_remote_party and (covers is None or party.role_code in covers)

    return Rule(
        id=EXCEPTION_RULE_ID,
        title="MP129: a Remote Party signs with the GBCS or the CNSA variant",
        clauses=(policy.clause, _MP129),
        fn=fn,
        data_files=(data_file(policy.source, _TABLE),),
        text="After MP129 a Remote Party may sign with the variants MP129 lists (GBCS or CNSA).",
        exception_to=SIGNING_VARIANT_RULE_ID,
        when=when,
    )


class Dp129Model(ProposalModel[SigningSubject]):
    """Which ECDSA signing variant each signer party may use, before and after MP129.

    The baseline is built on one reading of GBCS 4.3.3.2 (BEIS's, the authoritative one, by
    default; :meth:`with_reading` for the DSP's); impact reports carry both.
    """

    summary: ClassVar[str] = MODEL_SUMMARIES["DP129"]
    scope: ClassVar[str] = "Remote Party signers signing with the CNSA variant"
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType(
        {
            Regime.BASELINE: (
                "Before MP129: GBCS 4.3.3.2 as the reading in use has it (BEIS: the GBCS or the "
                "CNSA variant; the DSP: the GBCS variant only)."
            ),
            Regime.PROPOSED: (
                "MP129 (in scope of the November 2021 SEC Release when last seen; implementation "
                "not confirmed): a Remote Party may sign with the GBCS or the CNSA variant."
            ),
        }
    )
    combine: ClassVar[Combiner] = WORST
    labels: ClassVar[Mapping[Outcome, str]] = MappingProxyType(
        {
            Outcome.PASS: PERMITTED,
            Outcome.FAIL: NOT_PERMITTED,
            Outcome.NOT_APPLICABLE: NOT_APPLICABLE,
        }
    )
    field_names: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "signer": "Signer",
            "kind": "Kind of signer",
            "role_code": "User Role code",
            "variant": "ECDSA signing variant",
            "device_accepts": "A Device accepts the signature (computed)",
        }
    )
    table_name: ClassVar[str] = _TABLE

    def __init__(
        self,
        policy: Dp129Policy | None = None,
        signing: SigningPolicy | None = None,
        *,
        reading: str | None = None,
        mp129_covers: frozenset[str] | None = None,
    ) -> None:
        self.policy = policy or load_policy()
        #: The domain's dated table of permitted variants (GBCS 4.3.3.2 as at 28 May 2020).
        self.signing = signing or load_signing_policy()
        #: The reading the baseline is built on (None when the table declares none).
        self.chosen: ReadingOfBaseline | None = None
        if reading is not None:
            self.chosen = self.policy.reading(reading)
        elif self.policy.readings:
            self.chosen = self.policy.readings[0]
        #: Role codes MP129's exception covers (None: every Remote Party signer, A129-5).
        self.mp129_covers = mp129_covers

    def _again(self, **changes: object) -> Dp129Model:
        args: dict[str, object] = {
            "policy": self.policy,
            "signing": self.signing,
            "reading": None if self.chosen is None else self.chosen.reading.id,
            "mp129_covers": self.mp129_covers,
        }
        args.update(changes)
        return Dp129Model(**args)  # type: ignore[arg-type]

    def with_table(self, path: str | os.PathLike[str]) -> Dp129Model:
        """The model on the user's own copy of dp129_policy.toml (same schema).

        The reading in use is kept when the user's table declares it, else its authoritative one.
        """
        policy = load_policy(path)
        current = None if self.chosen is None else self.chosen.reading.id
        keep = any(r.reading.id == current for r in policy.readings)
        return self._again(policy=policy, reading=current if keep else None)

    def readings(self) -> tuple[Reading, ...]:
        """BEIS's reading (authoritative) and the DSP's, from the ``[[reading]]`` rows."""
        return tuple(r.reading for r in self.policy.readings)

    @property
    def reading(self) -> Reading | None:
        """The reading this model's baseline is built on (BEIS's unless another was chosen)."""
        return None if self.chosen is None else self.chosen.reading

    def with_reading(self, ident: str) -> Dp129Model:
        """The same model with its baseline built on the reading ``ident`` (``beis``, ``dsp``)."""
        if not any(r.id == ident for r in self.readings()):
            return super().with_reading(ident)  # type: ignore[return-value]
        return self._again(reading=ident)

    def variations(self) -> Iterator[Variation]:
        """A129-5: MP129 covers every Remote Party signer, or only the DCC-role signers."""
        yield Variation("A129-5", "every Remote Party signer (as modelled)", lambda: self)
        yield Variation(
            "A129-5",
            "only the DSP and the DCC-role signers (01, 04, 05, 06)",
            lambda: self._again(mp129_covers=DCC_ROLE_CODES),
        )

    @property
    def table_source(self) -> TableSource | None:
        """DP129's table in use (bundled or the user's) and its SHA-256."""
        return self.policy.source

    @property
    def baseline_policy(self) -> SigningPolicy:
        """The domain's signing table with the reading's variants in place (a table override)."""
        chosen = self.chosen
        if chosen is None:
            return self.signing
        reading = chosen.reading
        shown = " or ".join(
            v.title for v in SigningVariant.regulatory_variants() if v.name in chosen.remote_party
        )
        clause = ClauseRef(
            document="GBCS",
            clause=f"4.3.3.2 Remote Party ECDSA signing, as {reading.held_by} read it: {shown}",
            version=self.signing.version,
            provenance=Provenance.ASSUMED,
            note=f"the 4.3.3.2 text is not public; the reading is {reading.provenance}: "
            f"{reading.source}",
        )
        return attrs.evolve(
            self.signing,
            remote_party=chosen.remote_party,
            provenance=Provenance.ASSUMED,
            note=reading.source,
            read_by=reading.held_by,
            clause=clause,
        )

    def baseline(self) -> RuleSet[SigningSubject]:
        """``gbcs.signing-variant`` as GBCS stood at the paper's date, under the reading in use."""
        return signing_rules(self.baseline_policy)

    def reform(self, baseline: RuleSet[SigningSubject]) -> RuleSet[SigningSubject]:
        """MP129: an exception for Remote Party signers, permitting MP129's variants."""
        exception = mp129_exception(self.policy, self.mp129_covers)
        return baseline.derive("DP129 proposed (MP129)", add=[exception])

    def signature_reform(
        self, baseline: RuleSet[SignatureSubject]
    ) -> RuleSet[SignatureSubject] | None:
        """MP129's change to how a Device verifies signatures: none (A129-2), so None."""
        del baseline
        return None

    def scenarios(self) -> Iterator[Scenario]:
        """Every signer party x {gbcs, cnsa}; device acceptance computed afresh for each row."""
        for party in self.policy.parties:
            for variant in SigningVariant.regulatory_variants():
                check = device_acceptance(variant)
                yield Scenario(
                    {
                        "signer": party.name,
                        "kind": party.kind.value.replace("_", " "),
                        "role_code": party.role_code,
                        "variant": variant.name,
                        "device_accepts": check.accepts,
                    },
                    subject=SigningSubject(party, variant, check.accepts),
                )

    def subject(self, scenario: Scenario) -> SigningSubject:
        """The scenario's signer, variant and device acceptance (from its parameters if needed)."""
        if isinstance(scenario.subject, SigningSubject):
            return scenario.subject
        try:
            name = scenario["signer"]
            variant = SigningVariant.by_name(str(scenario["variant"]))
            accepts = bool(scenario["device_accepts"])
        except KeyError as exc:
            raise InvalidValueError(f"a DP129 scenario needs the parameter {exc}") from None
        for party in self.policy.parties:
            if name in (party.name, party.id):
                return SigningSubject(party, variant, accepts)
        raise InvalidValueError(f"{name!r} is not a signer party of {self.policy.file}")

    def in_scope(self, scenario: Scenario) -> bool:
        """Remote Party signers with the CNSA variant."""
        subject = self.subject(scenario)
        return subject.party.is_remote_party and subject.variant == SigningVariant.CNSA

    def assumptions(self) -> tuple[Assumption, ...]:
        """A129-1 to A129-8, from DP129's table.

        A129-4 (the baseline variants, from the domain table), A129-5 (MP129's variants) and
        A129-7 (the signer parties) are stated from the tables' data, so a user's table is
        reported with its own values.
        """
        return restate(self.policy.assumptions, self._derived())

    def _derived(self) -> tuple[Assumption, ...]:
        policy, signing, base = self.policy, self.signing, self.baseline_policy
        rows = {a.id: a for a in policy.assumptions}
        covered = (
            ""
            if self.mp129_covers is None
            else " whose certificate role is " + ", ".join(sorted(self.mp129_covers))
        )

        def names(items: list[str], joiner: str = "and") -> str:
            if len(items) <= 1:
                return "".join(items) or "none"
            return ", ".join(items[:-1]) + f" {joiner} " + items[-1]

        def variants(allowed: frozenset[str]) -> str:
            chosen = [
                f"the {v.name.upper()}"
                for v in SigningVariant.regulatory_variants()
                if v.name in allowed
            ]
            only = " only" if len(chosen) == 1 else ""
            return f"may sign with {names(chosen, 'or')} variant{only}"

        def source(ident: str, default: str) -> str:
            row = rows.get(ident)
            return row.source if row is not None else default

        remote = [p.name for p in policy.parties if p.is_remote_party]
        devices = [p.name for p in policy.parties if not p.is_remote_party]
        return (
            derived_assumption(
                "A129-4",
                f"Baseline (before MP129, GBCS 4.3.3.2 as {base.read_by} read it): every Remote "
                f"Party signer {variants(base.remote_party)}",
                base.provenance,
                table=signing.source if self.chosen is None else policy.source,
                key="remote_party.variants"
                if self.chosen is None
                else f"reading[{self.chosen.reading.id}].variants",
                source=source("A129-4", signing.note),
            ),
            derived_assumption(
                "A129-5",
                f"Proposed (MP129): every Remote Party signer{covered} "
                f"{variants(policy.permitted)}",
                policy.clause.provenance,
                table=policy.source,
                key="mp129.remote_party",
                source=source("A129-5", policy.mp129_source),
            ),
            derived_assumption(
                "A129-7",
                f"Signer parties: {len(remote)} Remote Party signer{'s' * (len(remote) != 1)} "
                f"({names(remote)}) and {len(devices)} Device signer"
                f"{'s' * (len(devices) != 1)}{f' ({names(devices)})' if devices else ''}",
                Provenance.weakest(p.provenance for p in policy.parties),
                table=policy.source,
                key="party[]",
                source=source("A129-7", "the [[party]] rows"),
            ),
        )
