"""Findings: the result of applying one rule to one subject."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from secrules.core.clauses import ClauseRef
from secrules.errors import InvalidValueError

__all__ = ["Finding", "Outcome", "Verdict"]


class Outcome(enum.StrEnum):
    """A rule's outcome on one subject."""

    PASS = "pass"  # noqa: S105 - an outcome name, not a password
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    INDETERMINATE = "indeterminate"

    @property
    def severity(self) -> int:
        """0 for FAIL, 1 INDETERMINATE, 2 PASS, 3 NOT_APPLICABLE: lower is more severe."""
        return _SEVERITY[self]


_SEVERITY = {
    Outcome.FAIL: 0,
    Outcome.INDETERMINATE: 1,
    Outcome.PASS: 2,
    Outcome.NOT_APPLICABLE: 3,
}


def _clause_tuple(value: Iterable[ClauseRef]) -> tuple[ClauseRef, ...]:
    try:
        clauses = tuple(value)
    except TypeError:
        raise InvalidValueError(f"clauses must be ClauseRefs, not {type(value).__name__}") from None
    for clause in clauses:
        if not isinstance(clause, ClauseRef):
            raise InvalidValueError(f"clauses must be ClauseRefs, not {type(clause).__name__}")
    return clauses


@attrs.frozen
class Verdict:
    """What a rule function returns; :class:`Rule` turns it into a :class:`Finding`.

    ``label`` is an optional domain word for the outcome (``"applies"``, ``"permitted"``) that
    impact reports show instead of the bare outcome.
    """

    outcome: Outcome
    message: str
    path: str | None = None
    offset: int | None = None
    label: str | None = None


@attrs.frozen
class Finding:
    """One rule applied to one subject.

    ``path`` is a field path (``entries[1].begin_date``) or XML path, ``offset`` a byte offset
    into the input; both are ``None`` where they do not apply.
    """

    rule_id: str
    outcome: Outcome
    message: str
    clauses: tuple[ClauseRef, ...] = attrs.field(converter=_clause_tuple, default=())
    path: str | None = None
    offset: int | None = None
    label: str | None = None

    @property
    def verdict(self) -> str:
        """The domain label if the rule gave one, else the outcome's value."""
        return self.label if self.label is not None else self.outcome.value

    @property
    def failed(self) -> bool:
        """True when the outcome is FAIL."""
        return self.outcome is Outcome.FAIL
