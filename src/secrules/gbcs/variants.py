"""ECDSA signing variants: named signing profiles over one verification rule.

GBCS 4.3.3.2 speaks of a Remote Party signing with the "GBCS variant" of ECDSA; the SECAS paper
of 28 May 2020 (DP129) and SEC Modification MP129 "Allowing the use of CNSA variant for ECDSA"
(SECCo: in scope of the November 2021 SEC Release when last seen; implementation not confirmed)
name a "CNSA variant" too. Neither the GBCS 4.3.3.2 text nor MP129's legal text is public, and
the paper's "CNSA variant" is not defined publicly: published CNSA (1.0) specifies ECDSA on P-384
with SHA-384, while the guide read for "P-256 with a FIPS 186-4 B.5 k" is the NSA Suite B
implementer's guide. So the profiles below are a modelling decision:

* Devices hold only P-256 remote-party keys and run one verification rule, and both variants
  are said to comply; so the variants cannot differ in curve, hash, encoding or signed bytes
  (inferred).
* They differ only inside the signer, in how the per-message secret k is chosen (inferred,
  medium confidence). pyca/cryptography offers a random k and RFC 6979; it cannot sign with a
  caller-supplied k, and secrules does no curve arithmetic. Both regulatory variants therefore
  sign with a fresh random k here.

Who may sign with which variant is :mod:`secrules.gbcs.signing`.

``SigningVariant.DETERMINISTIC_TEST`` is not a regulatory variant: RFC 6979 k, for
reproducible fixtures.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import ClassVar

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef, Provenance
from secrules.errors import InvalidValueError

__all__ = [
    "ECDSA_PRIMITIVES_CLAUSE",
    "PLAIN_FORMAT_CLAUSE",
    "NonceMethod",
    "SigningProfile",
    "SigningVariant",
]


class NonceMethod(enum.StrEnum):
    """How the ECDSA per-message secret k is chosen."""

    #: A fresh random k per signature (FIPS 186-4 Appendix B.5 methods).
    RANDOM = "random"
    #: k derived from the key and message digest (RFC 6979); reproducible signatures.
    RFC6979 = "rfc6979"


ECDSA_PRIMITIVES_CLAUSE = cite("gbcs.4.3.3.primitives")
PLAIN_FORMAT_CLAUSE = cite("gbcs.4.3.3.plain-format")
_GBCS_K = cite("gbcs.4.3.3.2.gbcs-k")
_CNSA_K = cite("nsa.suite-b.ecdsa-k")
_MP129 = cite("sec.mp129")
_RFC6979 = cite("rfc6979.3.2")


def _is_token(_inst: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not value or not value.replace("_", "").isalnum() or value != value.lower():
        raise InvalidValueError(f"signing variant name {value!r} must be a lower-case token")


def _clause_tuple(value: Iterable[ClauseRef]) -> tuple[ClauseRef, ...]:
    clauses = tuple(value)
    if not clauses or not all(isinstance(c, ClauseRef) for c in clauses):
        raise InvalidValueError("a signing variant cites at least one ClauseRef")
    return clauses


def _provenance(value: object) -> Provenance:
    return Provenance.parse(str(value))


@attrs.frozen
class SigningVariant:
    """A named ECDSA signing profile: everything a signer fixes before signing.

    ``curve``, ``hash`` and ``encoding`` are the same for every profile (GBCS 4.3.3); the GBCS
    and CNSA variants differ only in ``nonce_method`` (an inference, see the module docstring).
    ``regulatory`` is False for the test-only deterministic profile.
    """

    name: str = attrs.field(validator=_is_token)
    title: str
    nonce_method: NonceMethod
    clauses: tuple[ClauseRef, ...] = attrs.field(converter=_clause_tuple)
    provenance: Provenance = attrs.field(converter=_provenance)
    note: str = ""
    regulatory: bool = True
    curve: str = "P-256"
    hash: str = "SHA-256"
    encoding: str = "plain-64"

    GBCS: ClassVar[SigningVariant]
    CNSA: ClassVar[SigningVariant]
    DETERMINISTIC_TEST: ClassVar[SigningVariant]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def all(cls) -> tuple[SigningVariant, ...]:
        """Every profile: GBCS, CNSA, then the test-only deterministic one."""
        return (cls.GBCS, cls.CNSA, cls.DETERMINISTIC_TEST)

    @classmethod
    def regulatory_variants(cls) -> tuple[SigningVariant, ...]:
        """The two regulatory variants: GBCS and CNSA."""
        return (cls.GBCS, cls.CNSA)

    @classmethod
    def by_name(cls, name: str) -> SigningVariant:
        """The profile called ``name`` (``gbcs``, ``cnsa``, ``deterministic_test``; any case)."""
        wanted = name.strip().lower().replace("-", "_")
        for variant in cls.all():
            if variant.name == wanted:
                return variant
        known = ", ".join(v.name for v in cls.all())
        raise InvalidValueError(f"unknown signing variant {name!r}; expected one of {known}")


SigningVariant.GBCS = SigningVariant(
    name="gbcs",
    title="GBCS variant",
    nonce_method=NonceMethod.RANDOM,
    clauses=(ECDSA_PRIMITIVES_CLAUSE, PLAIN_FORMAT_CLAUSE, _GBCS_K),
    provenance="assumed",
    note="The 4.3.3.2 k text is not available; RTDS signatures are consistent with random k.",
)
SigningVariant.CNSA = SigningVariant(
    name="cnsa",
    title="CNSA variant",
    nonce_method=NonceMethod.RANDOM,
    clauses=(ECDSA_PRIMITIVES_CLAUSE, PLAIN_FORMAT_CLAUSE, _CNSA_K, _MP129),
    provenance="assumed",
    note=(
        "k per FIPS 186-4 B.5 as in the NSA Suite B implementer's guide for P-256; published "
        "CNSA (1.0) specifies P-384 / SHA-384, so the paper's term is read, not defined."
    ),
)
SigningVariant.DETERMINISTIC_TEST = SigningVariant(
    name="deterministic_test",
    title="Deterministic test profile (RFC 6979)",
    nonce_method=NonceMethod.RFC6979,
    clauses=(ECDSA_PRIMITIVES_CLAUSE, PLAIN_FORMAT_CLAUSE, _RFC6979),
    provenance="stated",
    note="Not a regulatory variant: reproducible signatures for fixtures and tests.",
    regulatory=False,
)

#: Another name for the same record (signing profile).
SigningProfile = SigningVariant
