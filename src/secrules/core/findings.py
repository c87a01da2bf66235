"""Findings: the result of applying one rule to one subject."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from secrules.core.clauses import ClauseRef
from secrules.core.slots import slot_setters
from secrules.errors import InvalidValueError

__all__ = ["Finding", "Outcome", "Verdict", "finding_of"]


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


@attrs.frozen(init=False)
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

    def __init__(
        self,
        outcome: Outcome,
        message: str,
        path: str | None = None,
        offset: int | None = None,
        label: str | None = None,
    ) -> None:
        # Every rule returns verdicts: the slots are filled directly (the record attrs'
        # generated __init__ builds, without its frozen-setattr lookups; a test compares).
        s_outcome, s_message, s_path, s_offset, s_label = _SET_VERDICT
        s_outcome(self, outcome)
        s_message(self, message)
        s_path(self, path)
        s_offset(self, offset)
        s_label(self, label)


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


_SET_VERDICT = slot_setters(Verdict, "outcome", "message", "path", "offset", "label")
_FINDING_SLOTS = ("rule_id", "outcome", "message", "clauses", "path", "offset", "label")
_SET_FINDING = slot_setters(Finding, *_FINDING_SLOTS)
_new = object.__new__


def finding_of(  # noqa: PLR0917 - one positional value per slot is the cheapest call here
    rule_id: str,
    outcome: Outcome,
    message: str,
    clauses: tuple[ClauseRef, ...],
    path: str | None,
    offset: int | None,
    label: str | None,
) -> Finding:
    """A :class:`Finding` filled slot by slot, for ``clauses`` already a tuple of ClauseRefs.

    The hot path of every rule (:meth:`secrules.core.rules.Rule.finding`, whose clauses were
    checked when the rule was built): the same record ``Finding(...)`` builds, without running
    the clauses converter again (a test compares the two).
    """
    finding = _new(Finding)
    s_rule, s_outcome, s_message, s_clauses, s_path, s_offset, s_label = _SET_FINDING
    s_rule(finding, rule_id)
    s_outcome(finding, outcome)
    s_message(finding, message)
    s_clauses(finding, clauses)
    s_path(finding, path)
    s_offset(finding, offset)
    s_label(finding, label)
    return finding
