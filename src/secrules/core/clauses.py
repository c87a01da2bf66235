"""Clause references: where a rule comes from and how sure we are of it."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from secrules.core.enums import enum_member
from secrules.errors import InvalidValueError

__all__ = ["ClauseRef", "Provenance", "to_provenance"]


class Provenance(enum.StrEnum):
    """How a clause, value or rule is known.

    ``STATED``: read in a cited public source. ``INFERRED``: our reading of stated facts.
    ``ASSUMED``: a modelling choice where the source text is not public; reports flag it.
    """

    STATED = "stated"
    INFERRED = "inferred"
    ASSUMED = "assumed"

    @classmethod
    def parse(cls, text: str) -> Provenance:
        """Return the provenance named by ``text`` or raise :class:`InvalidValueError`."""
        return enum_member(cls, text, "provenance")

    @property
    def strength(self) -> int:
        """0 for ASSUMED, 1 for INFERRED, 2 for STATED: the order reports rank by."""
        return _STRENGTH[self]

    @classmethod
    def weakest(cls, provenances: Iterable[Provenance]) -> Provenance:
        """The weakest of ``provenances`` (assumed < inferred < stated); STATED when empty."""
        return min(provenances, key=_STRENGTH.__getitem__, default=cls.STATED)


_STRENGTH = {Provenance.ASSUMED: 0, Provenance.INFERRED: 1, Provenance.STATED: 2}


def to_provenance(value: object) -> Provenance:
    """Converter: a Provenance from itself or its string value (InvalidValueError otherwise)."""
    return value if isinstance(value, Provenance) else Provenance.parse(str(value))


def _non_empty(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(f"ClauseRef.{attribute.name} must be a non-empty string")


@attrs.frozen(order=True)
class ClauseRef:
    """A reference to a clause of a code document, with the provenance of our reading.

    ``document`` is e.g. ``"SEC Section G"`` or ``"GBCS"``, ``clause`` e.g. ``"G1.7"`` or
    ``"18.2 ECS37 template"``, ``version`` the document version the reference was read against
    (e.g. ``"v27.0"``, ``"v3.2"``, or ``"2020"`` where only the era is known).
    """

    document: str = attrs.field(validator=_non_empty)
    clause: str = attrs.field(validator=_non_empty)
    version: str = attrs.field(validator=_non_empty)
    provenance: Provenance = attrs.field(converter=to_provenance)
    note: str = attrs.field(default="", order=False)
    #: The row id in ``data/clauses.toml`` when the clause is registered there ("" otherwise).
    id: str = attrs.field(default="", eq=False, order=False, kw_only=True)

    def __str__(self) -> str:
        return f"{self.document} {self.clause} ({self.version}, {self.provenance})"
