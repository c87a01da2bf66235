"""Who may sign with which ECDSA signing variant (GBCS 4.3.3.2), and the Device-side check.

Two typed rule sets, one per subject type:

* :func:`signing_rules` (over :class:`SigningSubject`: a signer party signing with a variant)
  holds ``gbcs.signing-variant``: a Remote Party signs with a variant GBCS 4.3.3.2 permits.
  The permitted variants are a dated parameter, read from ``data/gbcs_signing.toml`` (GBCS as
  it stood on 28 May 2020; the 4.3.3.2 text is not public, so the value is assumed). A Device
  is not a Remote Party: its rows are NOT_APPLICABLE.
* :func:`signature_rules` (over :class:`~secrules.gbcs.verification.SignatureSubject`: a parsed
  message and a key store) holds ``gbcs.signature``, the check a Device runs on every
  signature whatever variant made it (GBCS 4.3.3, 7.2.7).
"""

from __future__ import annotations

import enum
import functools
import os

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef, Provenance, to_provenance
from secrules.core.data import TableReader, TableSource, load_table
from secrules.core.enums import enum_member
from secrules.core.findings import Outcome, Verdict
from secrules.core.rules import Rule, RuleSet
from secrules.core.sources import data_file
from secrules.gbcs.variants import ECDSA_PRIMITIVES_CLAUSE, SigningVariant
from secrules.gbcs.verification import SIGNATURE_RULE, SignatureSubject

__all__ = [
    "REMOTE_PARTY_VARIANT_CLAUSE",
    "SIGNING_TABLE",
    "SIGNING_VARIANT_RULE_ID",
    "SignerKind",
    "SignerParty",
    "SigningPolicy",
    "SigningSubject",
    "load_signing_policy",
    "read_variant_names",
    "signature_rules",
    "signing_rules",
    "variant_verdict",
]

#: The bundled table of permitted signing variants (GBCS as at 28 May 2020).
SIGNING_TABLE = "gbcs_signing.toml"
#: The id of the rule saying which variants a Remote Party may sign with.
SIGNING_VARIANT_RULE_ID = "gbcs.signing-variant"
#: GBCS 4.3.3.2 as the DSP read it on 28 May 2020: a Remote Party signs with the GBCS variant.
REMOTE_PARTY_VARIANT_CLAUSE = cite("gbcs.4.3.3.2.remote-party-variant")


class SignerKind(enum.StrEnum):
    """Whether a signer is a Remote Party (a User or a DCC role) or a Device."""

    REMOTE_PARTY = "remote_party"
    DEVICE = "device"


def _signer_kind(value: object) -> SignerKind:
    return enum_member(SignerKind, value, "signer kind")


@attrs.frozen
class SignerParty:
    """A party that signs GBCS messages: a Remote Party (with its certificate role) or a Device."""

    id: str
    name: str
    kind: SignerKind = attrs.field(converter=_signer_kind)
    role_code: str
    source: str = ""
    provenance: Provenance = attrs.field(default=Provenance.STATED, converter=to_provenance)

    @property
    def is_remote_party(self) -> bool:
        """True for Remote Party signers (GBCS 4.3.3.2's subject)."""
        return self.kind is SignerKind.REMOTE_PARTY


@attrs.frozen
class SigningSubject:
    """One signer party signing with one variant.

    ``device_accepts`` records, when known, whether a Device verified a sample signature made
    this way (see :func:`signature_rules`); None when nobody checked.
    """

    party: SignerParty
    variant: SigningVariant
    device_accepts: bool | None = None


@attrs.frozen
class SigningPolicy:
    """The variants a Remote Party may sign with, dated (``as_of``) and versioned."""

    remote_party: frozenset[str]
    as_of: str
    version: str
    provenance: Provenance
    note: str
    file: str
    #: The table file and its SHA-256 (None for a policy built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)
    #: Whose reading of 4.3.3.2 the value is (``the DSP``); a proposal may override it.
    read_by: str = "the DSP"
    #: The clause the rule cites (None: ``gbcs.4.3.3.2.remote-party-variant``).
    clause: ClauseRef | None = None


def read_variant_names(table: TableReader, key: str) -> frozenset[str]:
    """The regulatory variant names listed at ``key`` (non-empty; DataFileError otherwise)."""
    names = table.texts(key, allow_empty=False)
    known = [v.name for v in SigningVariant.regulatory_variants()]
    for i, name in enumerate(names):
        if name not in known:
            raise table.error(f"{name!r} is not one of {', '.join(sorted(known))}", f"{key}[{i}]")
    return frozenset(names)


def load_signing_policy(path: str | os.PathLike[str] | None = None) -> SigningPolicy:
    """Read the permitted signing variants (the bundled table, or a copy in the same schema)."""
    table = load_table(path, default=SIGNING_TABLE)
    row = table.table("remote_party")
    return SigningPolicy(
        remote_party=read_variant_names(row, "variants"),
        as_of=table.text("as_of"),
        version=table.text("version"),
        provenance=row.provenance(),
        note=row.text("source"),
        file=table.file,
        source=table.source,
    )


def _shown(allowed: frozenset[str]) -> str:
    order = [v.name for v in SigningVariant.regulatory_variants()]
    return " or ".join(sorted(allowed, key=lambda n: order.index(n) if n in order else len(order)))


def variant_verdict(subject: SigningSubject, allowed: frozenset[str], basis: str) -> Verdict:
    """PASS if the subject's variant is one of ``allowed`` (per ``basis``), else FAIL.

    The message names the party, the variant, the permitted ones and, when known, whether a
    Device accepted such a signature (``device_accepts: true``).
    """
    name, variant = subject.party.name, subject.variant.name
    shown = _shown(allowed)
    if variant in allowed:
        verdict = Verdict(
            Outcome.PASS, f"{name} may sign with the {variant} variant ({basis}: {shown})"
        )
    else:
        verdict = Verdict(
            Outcome.FAIL, f"{name} may not sign with the {variant} variant ({basis}: {shown} only)"
        )
    return _with_evidence(verdict, subject)


def _with_evidence(verdict: Verdict, subject: SigningSubject) -> Verdict:
    if subject.device_accepts is None:
        return verdict
    evidence = f"device_accepts: {str(subject.device_accepts).lower()}"
    return attrs.evolve(verdict, message=f"{verdict.message}; {evidence}")


def signing_rules(policy: SigningPolicy | None = None) -> RuleSet[SigningSubject]:
    """``gbcs.signing-variant`` over ``policy`` (the bundled GBCS 4.3.3.2 table by default)."""
    chosen = policy if policy is not None else load_signing_policy()
    basis = f"GBCS 4.3.3.2 as at {chosen.as_of}, as {chosen.read_by} read it"

    def fn(subject: SigningSubject) -> Verdict:
        if not subject.party.is_remote_party:
            return _with_evidence(
                Verdict(
                    Outcome.NOT_APPLICABLE,
                    f"{subject.party.name} signs as a Device; GBCS 4.3.3.2 concerns Remote "
                    "Party signing",
                ),
                subject,
            )
        return variant_verdict(subject, chosen.remote_party, basis)

    rule: Rule[SigningSubject] = Rule(
        id=SIGNING_VARIANT_RULE_ID,
        title="A Remote Party signs GBCS messages with a permitted ECDSA variant",
        clauses=(chosen.clause or REMOTE_PARTY_VARIANT_CLAUSE, ECDSA_PRIMITIVES_CLAUSE),
        fn=fn,
        data_files=(data_file(chosen.source, SIGNING_TABLE),),
        text=(
            "Remote Parties sign with ECDSA P-256 / SHA-256 (GBCS 4.3.3); GBCS 4.3.3.2 as "
            f"{chosen.read_by} read it on {chosen.as_of} allows the "
            f"{_shown(chosen.remote_party).upper()} variant "
            "(assumed: the text is not public). Device signing is not governed by 4.3.3.2."
        ),
    )
    return RuleSet.of(f"GBCS signing variants (as at {chosen.as_of})", [rule])


@functools.cache
def signature_rules() -> RuleSet[SignatureSubject]:
    """``gbcs.signature``: how a Device verifies a signature, whatever variant made it."""
    return RuleSet.of("GBCS signature verification", [SIGNATURE_RULE])
