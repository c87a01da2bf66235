"""DP129 / MP129 "Allowing the use of CNSA variant for ECDSA" (DCC).

Problem (SECAS paper to TABASC, 28 May 2020): the DSP took itself to be a Remote Party under
GBCS 4.3.3.2 and signed all device critical commands with the "GBCS variant" of ECDSA; BEIS said
the "CNSA variant" would also have complied, and the SMKI PMA agreed the wording should say so.
MP129 is in scope of the November 2021 SEC Release.

The baseline is the domain's ``gbcs.signing-variant`` (:func:`secrules.gbcs.signing.signing_rules`:
a Remote Party signs with the GBCS variant). MP129's change is one exception to it,
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
from secrules.core.data import TableSource, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.proposals import (
    Assumption,
    ProposalModel,
    Scenario,
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

__all__ = [
    "EXCEPTION_RULE_ID",
    "NOT_APPLICABLE",
    "NOT_PERMITTED",
    "PERMITTED",
    "DeviceCheck",
    "Dp129Model",
    "Dp129Policy",
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
class Dp129Policy:
    """DP129's own table: the signer parties (scenario space), MP129's variants, assumptions."""

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


def mp129_exception(policy: Dp129Policy) -> Rule[SigningSubject]:
    """``dp129.remote-party-variants``: MP129's variants, for Remote Party signers only."""
    allowed = policy.permitted

    def fn(subject: SigningSubject) -> Verdict:
        return variant_verdict(subject, allowed, "MP129")

    return Rule(
        id=EXCEPTION_RULE_ID,
        title="MP129: a Remote Party signs with the GBCS or the CNSA variant",
        clauses=(policy.clause, _MP129),
        fn=fn,
        data_files=(data_file(policy.source, _TABLE),),
        text="After MP129 a Remote Party may sign with the variants MP129 lists (GBCS or CNSA).",
        exception_to=SIGNING_VARIANT_RULE_ID,
        when=lambda subject: subject.party.is_remote_party,
    )


class Dp129Model(ProposalModel[SigningSubject]):
    """Which ECDSA signing variant each signer party may use, before and after MP129."""

    summary: ClassVar[str] = (
        "ECDSA signing variant by signer party: 11 parties x 2 variants, the 10 Remote Party x "
        "CNSA rows change; a Device accepts both (computed)"
    )
    scope: ClassVar[str] = "Remote Party signers signing with the CNSA variant"
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType(
        {
            Regime.BASELINE: (
                "Before MP129: a Remote Party signs with the GBCS variant only (assumed)."
            ),
            Regime.PROPOSED: "MP129 (November 2021 SEC Release): the GBCS or the CNSA variant.",
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
        self, policy: Dp129Policy | None = None, signing: SigningPolicy | None = None
    ) -> None:
        self.policy = policy or load_policy()
        #: The domain's dated table of permitted variants (GBCS 4.3.3.2 as at 28 May 2020).
        self.signing = signing or load_signing_policy()

    def with_table(self, path: str | os.PathLike[str]) -> Dp129Model:
        """The model on the user's own copy of dp129_policy.toml (same schema)."""
        return Dp129Model(load_policy(path), self.signing)

    @property
    def table_source(self) -> TableSource | None:
        """DP129's table in use (bundled or the user's) and its SHA-256."""
        return self.policy.source

    def baseline(self) -> RuleSet[SigningSubject]:
        """``gbcs.signing-variant`` as GBCS stood at the paper's date."""
        return signing_rules(self.signing)

    def reform(self, baseline: RuleSet[SigningSubject]) -> RuleSet[SigningSubject]:
        """MP129: an exception for Remote Party signers, permitting MP129's variants."""
        return baseline.derive("DP129 proposed (MP129)", add=[mp129_exception(self.policy)])

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
        policy, signing = self.policy, self.signing
        rows = {a.id: a for a in policy.assumptions}

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
                "Baseline (before MP129): every Remote Party signer "
                f"{variants(signing.remote_party)}",
                signing.provenance,
                table=signing.source,
                key="remote_party.variants",
                source=source("A129-4", signing.note),
            ),
            derived_assumption(
                "A129-5",
                f"Proposed (MP129): every Remote Party signer {variants(policy.permitted)}",
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
