"""Rules that cite their clauses, and rule sets derived without mutating their parent.

A proposal never edits the baseline: it derives a new :class:`RuleSet` that replaces, adds or
neutralises labelled rules (OpenFisca's reforms; Catala's exceptions to a labelled base rule).
Ambiguous derivations raise :class:`RuleOverrideError` naming both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from secrules.core.clauses import ClauseRef
from secrules.core.findings import Finding, Outcome, Verdict
from secrules.errors import InvalidValueError, RuleOverrideError

__all__ = ["Rule", "RuleFn", "RuleSet"]

RuleFn = Callable[[Any], "Verdict | Iterable[Verdict]"]


def _clauses(value: Iterable[ClauseRef]) -> tuple[ClauseRef, ...]:
    try:
        clauses = tuple(value)
    except TypeError:
        raise InvalidValueError(f"clauses must be ClauseRefs, not {type(value).__name__}") from None
    if not clauses:
        raise InvalidValueError("a rule must cite at least one ClauseRef")
    for clause in clauses:
        if not isinstance(clause, ClauseRef):
            raise InvalidValueError(f"rule clauses must be ClauseRef, not {type(clause).__name__}")
    return clauses


def _rule_id(_inst: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise InvalidValueError(f"rule id must be a str, not {type(value).__name__}")
    if not value or value != value.strip() or " " in value:
        raise InvalidValueError(f"rule id {value!r} must be a non-empty token without spaces")


@attrs.frozen
class Rule:
    """A labelled rule: an id, a one-line title, the clauses it implements, and its function.

    ``fn(subject)`` returns one :class:`Verdict` or several (one per field checked); the rule
    turns them into :class:`Finding` records carrying its id and clauses. A rule without a clause
    reference cannot be constructed.
    """

    id: str = attrs.field(validator=_rule_id)
    title: str
    clauses: tuple[ClauseRef, ...] = attrs.field(converter=_clauses)
    fn: RuleFn = attrs.field(repr=False, eq=False)
    text: str = attrs.field(default="", repr=False)
    """The clause text, paraphrased (shown in the rule catalogue)."""

    def evaluate(self, subject: object) -> list[Finding]:
        """Apply the rule to ``subject`` and return its findings (at least one)."""
        result = self.fn(subject)
        verdicts = [result] if isinstance(result, Verdict) else list(result)
        if not verdicts:
            verdicts = [Verdict(Outcome.NOT_APPLICABLE, "nothing to check")]
        return [self.finding(v) for v in verdicts]

    def finding(self, verdict: Verdict) -> Finding:
        """Wrap one verdict as a finding of this rule."""
        return Finding(
            rule_id=self.id,
            outcome=verdict.outcome,
            message=verdict.message,
            clauses=self.clauses,
            path=verdict.path,
            offset=verdict.offset,
            label=verdict.label,
        )

    @property
    def provenance(self) -> str:
        """The weakest provenance among the rule's clauses (assumed < inferred < stated)."""
        order = ("assumed", "inferred", "stated")
        return min((c.provenance.value for c in self.clauses), key=order.index)


@attrs.frozen
class _Neutralised:
    """Marks a rule switched off in a derived set (it then yields NOT_APPLICABLE)."""

    rule: Rule
    by: str


@attrs.frozen(eq=False)
class RuleSet:
    """An immutable, ordered set of labelled rules; ``derive`` makes a new set from this one."""

    name: str
    _entries: Mapping[str, Rule | _Neutralised] = attrs.field(alias="entries")
    parent: RuleSet | None = None

    @classmethod
    def of(cls, name: str, rules: Iterable[Rule]) -> RuleSet:
        """Build a base rule set; two rules with one id are an error naming both."""
        entries: dict[str, Rule | _Neutralised] = {}
        if not isinstance(rules, Iterable):
            raise InvalidValueError(
                f"rules must be an iterable of Rule, not {type(rules).__name__}"
            )
        for rule in rules:
            if not isinstance(rule, Rule):
                raise InvalidValueError(f"rules must be Rule objects, not {type(rule).__name__}")
            if rule.id in entries:
                raise RuleOverrideError(
                    f"rule set {name!r} defines rule {rule.id!r} twice"
                    f" ({entries[rule.id]!r} and {rule!r})"
                )
            entries[rule.id] = rule
        return cls(name=name, entries=MappingProxyType(entries))

    def derive(
        self,
        name: str,
        *,
        replace: Iterable[Rule] = (),
        add: Iterable[Rule] = (),
        neutralise: Iterable[str] = (),
    ) -> RuleSet:
        """Return a new rule set ``name`` derived from this one; this set is never changed.

        ``replace`` rules must override a rule of this set with the same id; ``add`` rules must
        be new; ``neutralise`` names rules to switch off. Anything else is ambiguous and raises
        :class:`RuleOverrideError` naming the deriving set and this one.
        """
        entries: dict[str, Rule | _Neutralised] = dict(self._entries)
        touched: set[str] = set()

        def claim(rule_id: str, action: str) -> None:
            if rule_id in touched:
                raise RuleOverrideError(
                    f"rule set {name!r} {action} rule {rule_id!r} of {self.name!r} more than once"
                )
            touched.add(rule_id)

        for rule in replace:
            if rule.id not in self._entries:
                raise RuleOverrideError(
                    f"rule set {name!r} replaces rule {rule.id!r}, "
                    f"which its parent {self.name!r} does not define"
                )
            claim(rule.id, "replaces")
            entries[rule.id] = rule
        for rule in add:
            if rule.id in self._entries:
                raise RuleOverrideError(
                    f"rule set {name!r} adds rule {rule.id!r}, which its parent {self.name!r} "
                    "already defines (use replace= to override it)"
                )
            claim(rule.id, "adds")
            entries[rule.id] = rule
        for rule_id in neutralise:
            current = self._entries.get(rule_id)
            if current is None:
                raise RuleOverrideError(
                    f"rule set {name!r} neutralises rule {rule_id!r}, "
                    f"which its parent {self.name!r} does not define"
                )
            claim(rule_id, "neutralises")
            base = current.rule if isinstance(current, _Neutralised) else current
            entries[rule_id] = _Neutralised(base, by=name)
        return RuleSet(name=name, entries=MappingProxyType(entries), parent=self)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._entries

    def __iter__(self) -> Iterator[Rule]:
        """The active (not neutralised) rules, in order."""
        for entry in self._entries.values():
            if isinstance(entry, Rule):
                yield entry

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every rule id the set knows, neutralised ones included, in order."""
        return tuple(self._entries)

    def rule(self, rule_id: str) -> Rule:
        """The rule labelled ``rule_id`` (also when neutralised); RuleOverrideError if unknown."""
        entry = self._entries.get(rule_id)
        if entry is None:
            raise RuleOverrideError(f"rule set {self.name!r} has no rule {rule_id!r}")
        return entry.rule if isinstance(entry, _Neutralised) else entry

    def is_neutralised(self, rule_id: str) -> bool:
        """True if ``rule_id`` is switched off in this set."""
        return isinstance(self._entries.get(rule_id), _Neutralised)

    def evaluate(self, subject: object, rule_id: str | None = None) -> list[Finding]:
        """Apply every rule (or only ``rule_id``) to ``subject``.

        A neutralised rule yields one NOT_APPLICABLE finding saying which set switched it off.
        """
        ids = self.ids if rule_id is None else (self.rule(rule_id).id,)
        findings: list[Finding] = []
        for rid in ids:
            entry = self._entries[rid]
            if isinstance(entry, _Neutralised):
                findings.append(
                    entry.rule.finding(
                        Verdict(Outcome.NOT_APPLICABLE, f"rule neutralised by {entry.by!r}")
                    )
                )
            else:
                findings.extend(entry.evaluate(subject))
        return findings

    def lineage(self) -> tuple[str, ...]:
        """Names of this set and its ancestors, nearest first."""
        names: list[str] = []
        current: RuleSet | None = self
        while current is not None:
            names.append(current.name)
            current = current.parent
        return tuple(names)
