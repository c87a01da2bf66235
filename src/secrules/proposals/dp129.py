"""DP129 / MP129 "Allowing the use of CNSA variant for ECDSA" (DCC).

Problem (paper of 28 May 2020, as given to the project): the DSP took itself to be a Remote
Party under GBCS 4.3.3.2 and signed all device critical commands with the "GBCS variant" of
ECDSA; BEIS said the "CNSA variant" would also have complied, and the SMKI PMA agreed the wording
should say so. MP129 is in scope of the November 2021 SEC Release.

The model (policy and assumptions in ``data/dp129_policy.toml``):

- ``dp129.signing-variant``: which signing variant a signer party may use. Baseline: a Remote
  Party signs with the GBCS variant only; proposed (MP129): GBCS or CNSA. Device rows are not
  applicable in both regimes.
- ``gbcs.signature`` (unchanged in both regimes): a Device verifies every signature the same
  way (E1, E2, E5, E6). Each impact run signs a fresh sample under each variant with a fresh key
  and verifies it as a Device does; the scenario parameter ``device_accepts`` records the
  result, so "no device-observable change" is computed rather than asserted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import ClassVar

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableReader, TableSource, load_table
from secrules.core.findings import Finding, Outcome, Verdict
from secrules.core.proposals import (
    Assumption,
    ProposalModel,
    Scenario,
    derived_assumption,
    read_assumptions,
    restate,
    weakest,
)
from secrules.core.regimes import REGIMES, Regime, check_regime
from secrules.core.rules import Rule, RuleSet
from secrules.errors import InvalidValueError
from secrules.gbcs import GbcsMessage, parse_message
from secrules.gbcs.ecdsa import generate_private_key
from secrules.gbcs.keystore import KeyStore, MemoryKeyStore
from secrules.gbcs.types import CraFlag, Eui64, MessageShape
from secrules.gbcs.variants import ECDSA_PRIMITIVES_CLAUSE, SigningVariant
from secrules.gbcs.verification import SIGNATURE_RULE, SignatureSubject, sign_precommand

__all__ = [
    "MODEL",
    "NOT_APPLICABLE",
    "NOT_PERMITTED",
    "PERMITTED",
    "DeviceCheck",
    "Dp129Model",
    "Dp129Policy",
    "SignerParty",
    "Subject",
    "device_acceptance",
    "load_policy",
]

PERMITTED = "permitted"
NOT_PERMITTED = "not permitted"
NOT_APPLICABLE = "not applicable"
REMOTE_PARTY = "remote_party"
DEVICE = "device"
RULE_ID = "dp129.signing-variant"
_TABLE = "dp129_policy.toml"


@attrs.frozen
class SignerParty:
    """A party that signs GBCS messages: a Remote Party signer or a Device."""

    id: str
    name: str
    kind: str
    role_code: str
    source: str
    provenance: Provenance

    @property
    def is_remote_party(self) -> bool:
        """True for Remote Party signers (MP129's subject)."""
        return self.kind == REMOTE_PARTY


@attrs.frozen
class Dp129Policy:
    """The DP129 policy table: parties, permitted variants per regime, clauses, assumptions."""

    parties: tuple[SignerParty, ...]
    permitted: Mapping[Regime, frozenset[str]]
    clauses: Mapping[Regime, ClauseRef]
    assumptions: tuple[Assumption, ...]
    file: str
    #: The ``source`` of each ``[regime.*]`` row.
    regime_sources: Mapping[Regime, str] = attrs.field(factory=dict)
    #: The table file and its SHA-256 (None for a policy built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)


def _variant_names(table: TableReader, key: str) -> frozenset[str]:
    names = table.texts(key, allow_empty=False)
    known = {v.name for v in SigningVariant.regulatory_variants()}
    for i, name in enumerate(names):
        if name not in known:
            raise table.error(f"{name!r} is not one of {', '.join(sorted(known))}", f"{key}[{i}]")
    return frozenset(names)


def load_policy(path: str | os.PathLike[str] | None = None) -> Dp129Policy:
    """Read the DP129 policy (the bundled table, or the user's copy in the same schema)."""
    table = load_table(path, default=_TABLE)
    parties = []
    seen: set[str] = set()
    for row in table.tables("party"):
        party = SignerParty(
            id=row.text("id"),
            name=row.text("name"),
            kind=row.choice("kind", (REMOTE_PARTY, DEVICE)),
            role_code=str(row.raw("role_code")),
            source=row.text("source"),
            provenance=row.provenance(),
        )
        if party.id in seen:
            raise row.error(f"party id {party.id!r} appears twice", "id")
        seen.add(party.id)
        parties.append(party)
    regimes = table.table("regime")
    permitted: dict[Regime, frozenset[str]] = {}
    clauses: dict[Regime, ClauseRef] = {}
    sources: dict[Regime, str] = {}
    for regime in REGIMES:
        row = regimes.table(regime)
        permitted[regime] = _variant_names(row, "remote_party")
        sources[regime] = row.text("source")
        clauses[regime] = row.clause()
    assumptions = read_assumptions(table)
    return Dp129Policy(
        parties=tuple(parties),
        permitted=permitted,
        clauses=clauses,
        assumptions=assumptions,
        file=table.file,
        regime_sources=sources,
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

    The sample pre-command is signed with a fresh P-256 key, then verified by the
    ``gbcs.signature`` rule (as :func:`~secrules.gbcs.verify_message` does) against a store
    holding only the signer's DS public key (E1, E2, E5, E6). A copy with one flipped content
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
        message_code=0x000A,  # CS02c, a critical command (RTDS 6.17)
        content=bytes.fromhex("300403020780"),
    )
    signed = sign_precommand(sample, key, variant=variant)
    store = MemoryKeyStore(label="device view")
    store.add_key(signer, key.public_key())
    finding = SIGNATURE_RULE.evaluate(SignatureSubject(parse_message(signed), store))[0]
    tampered = bytearray(signed)
    tampered[-66] ^= 0x01  # last content octet, just before 40 + r||s
    rejected = SIGNATURE_RULE.evaluate(SignatureSubject(parse_message(bytes(tampered)), store))[0]
    accepts = finding.outcome is Outcome.PASS and rejected.outcome is Outcome.FAIL
    return DeviceCheck(
        variant=variant.name,
        accepts=accepts,
        detail=f"fresh {variant.title} sample: {finding.outcome.value}; tampered copy: "
        f"{rejected.outcome.value}",
    )


@attrs.frozen
class Subject:
    """One signer party signing with one variant, and what a Device made of such a signature."""

    party: SignerParty
    variant: str
    device_accepts: bool


def signing_variant_rule(policy: Dp129Policy, regime: Regime) -> Rule:
    """``dp129.signing-variant``: the variants a Remote Party may sign with under ``regime``."""
    allowed = policy.permitted[regime]
    shown = " or ".join(sorted(allowed))

    def fn(subject: Subject) -> Verdict:
        evidence = f"device_accepts: {str(subject.device_accepts).lower()}"
        if not subject.party.is_remote_party:
            return Verdict(
                Outcome.NOT_APPLICABLE,
                f"{subject.party.name} signs as a Device; MP129 concerns Remote Party signing "
                f"(A129-6); {evidence}",
                label=NOT_APPLICABLE,
            )
        if subject.variant in allowed:
            return Verdict(
                Outcome.PASS,
                f"{subject.party.name} may sign with the {subject.variant} variant ({regime}: "
                f"{shown}); {evidence}",
                label=PERMITTED,
            )
        return Verdict(
            Outcome.FAIL,
            f"{subject.party.name} may not sign with the {subject.variant} variant ({regime}: "
            f"{shown} only); {evidence}",
            label=NOT_PERMITTED,
        )

    return Rule(
        id=RULE_ID,
        title="A Remote Party signs GBCS messages with a permitted ECDSA variant",
        clauses=(policy.clauses[regime], ECDSA_PRIMITIVES_CLAUSE),
        fn=fn,
        text=(
            "Remote Parties sign with ECDSA P-256 / SHA-256 (GBCS 4.3.3). Before MP129 the "
            "GBCS variant is read as the only one allowed; MP129 allows the CNSA variant too."
            if regime == "baseline"
            else "After MP129 a Remote Party may sign with the GBCS or the CNSA variant."
        ),
    )


class Dp129Model(ProposalModel):
    """Which ECDSA signing variant each signer party may use, before and after MP129."""

    summary: ClassVar[str] = (
        "ECDSA signing variant by signer party: 11 parties x 2 variants, the 10 Remote Party x "
        "CNSA rows change; a Device accepts both (computed)"
    )
    scope: ClassVar[str] = "Remote Party signers signing with the CNSA variant"
    regimes: ClassVar[Mapping[str, str]] = {
        "baseline": "Before MP129: a Remote Party signs with the GBCS variant only (assumed).",
        "proposed": "MP129 (November 2021 SEC Release): the GBCS or the CNSA variant.",
    }
    table_name: ClassVar[str] = _TABLE

    def __init__(self, policy: Dp129Policy | None = None) -> None:
        self.policy = policy or load_policy()
        baseline = RuleSet.of(
            "DP129 baseline (before MP129)",
            [signing_variant_rule(self.policy, "baseline"), SIGNATURE_RULE],
        )
        proposed = baseline.derive(
            "DP129 proposed (MP129)", replace=[signing_variant_rule(self.policy, "proposed")]
        )
        self._rulesets: dict[Regime, RuleSet] = {"baseline": baseline, "proposed": proposed}

    def with_table(self, path: str | os.PathLike[str]) -> Dp129Model:
        """The model on the user's own policy table (same schema as dp129_policy.toml)."""
        return Dp129Model(load_policy(path))

    @property
    def table_source(self) -> TableSource | None:
        """The policy table in use (bundled or the user's) and its SHA-256."""
        return self.policy.source

    def rulesets(self) -> Mapping[Regime, RuleSet]:
        """The baseline set and the proposed set derived from it."""
        return dict(self._rulesets)

    def scenarios(self) -> Iterator[Scenario]:
        """Every signer party x {gbcs, cnsa}; device acceptance computed afresh for each row."""
        for party in self.policy.parties:
            for variant in SigningVariant.regulatory_variants():
                check = device_acceptance(variant)
                subject = Subject(party, variant.name, check.accepts)
                yield Scenario(
                    {
                        "signer": party.name,
                        "kind": party.kind.replace("_", " "),
                        "role_code": party.role_code,
                        "variant": variant.name,
                        "device_accepts": check.accepts,
                    },
                    subject=subject,
                )

    def _subject(self, scenario: Scenario) -> Subject:
        if isinstance(scenario.subject, Subject):
            return scenario.subject
        name = scenario["signer"]
        for party in self.policy.parties:
            if name in (party.name, party.id):
                return Subject(party, str(scenario["variant"]), bool(scenario["device_accepts"]))
        raise InvalidValueError(f"{name!r} is not a signer party of {self.policy.file}")

    def evaluate(self, scenario: Scenario, regime: Regime) -> Finding:
        """Whether the scenario's signer may sign with the scenario's variant under ``regime``."""
        ruleset = self._rulesets[check_regime(regime)]
        return ruleset.evaluate(self._subject(scenario), RULE_ID)[0]

    def verify_under(
        self, message: bytes | str | GbcsMessage, keystore: KeyStore, regime: Regime
    ) -> Finding:
        """The Device-side verdict on ``message`` under ``regime`` (``gbcs.signature``)."""
        parsed = message if isinstance(message, GbcsMessage) else parse_message(message)
        ruleset = self._rulesets[check_regime(regime)]
        return ruleset.evaluate(SignatureSubject(parsed, keystore), SIGNATURE_RULE.id)[0]

    def in_scope(self, scenario: Scenario) -> bool:
        """Remote Party signers with the CNSA variant."""
        subject = self._subject(scenario)
        return subject.party.is_remote_party and subject.variant == SigningVariant.CNSA.name

    def assumptions(self) -> tuple[Assumption, ...]:
        """A129-1 to A129-8, from the policy table.

        A129-4 and A129-5 (the variants a Remote Party may use) and A129-7 (the signer parties)
        are stated from the table's ``[regime.*]`` and ``[[party]]`` data, so a user's table is
        reported with its own values.
        """
        return restate(self.policy.assumptions, self._derived())

    def _derived(self) -> tuple[Assumption, ...]:
        policy = self.policy
        rows = {a.id: a for a in policy.assumptions}

        def names(items: list[str], joiner: str = "and") -> str:
            if len(items) <= 1:
                return "".join(items) or "none"
            return ", ".join(items[:-1]) + f" {joiner} " + items[-1]

        def variants(regime: Regime) -> str:
            chosen = [
                f"the {v.name.upper()}"
                for v in SigningVariant.regulatory_variants()
                if v.name in policy.permitted[regime]
            ]
            only = " only" if len(chosen) == 1 else ""
            return f"may sign with {names(chosen, 'or')} variant{only}"

        def regime_assumption(ident: str, regime: Regime, label: str) -> Assumption:
            row = rows.get(ident)
            return derived_assumption(
                ident,
                f"{label}: every Remote Party signer {variants(regime)}",
                policy.clauses[regime].provenance,
                table=policy.source,
                key=f"regime.{regime}.remote_party",
                source=row.source if row is not None else policy.regime_sources[regime],
            )

        remote = [p.name for p in policy.parties if p.is_remote_party]
        devices = [p.name for p in policy.parties if not p.is_remote_party]
        row7 = rows.get("A129-7")
        return (
            regime_assumption("A129-4", "baseline", "Baseline (before MP129)"),
            regime_assumption("A129-5", "proposed", "Proposed (MP129)"),
            derived_assumption(
                "A129-7",
                f"Signer parties: {len(remote)} Remote Party signer{'s' * (len(remote) != 1)} "
                f"({names(remote)}) and {len(devices)} Device signer"
                f"{'s' * (len(devices) != 1)}{f' ({names(devices)})' if devices else ''}",
                weakest(p.provenance for p in policy.parties),
                table=policy.source,
                key="party[]",
                source=row7.source if row7 is not None else "the [[party]] rows",
            ),
        )


MODEL = Dp129Model()
