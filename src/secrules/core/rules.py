"""Typed rules that cite their clauses, rule sets derived without mutation, and one ``decide``.

A :class:`Rule` judges one kind of subject ``S`` and cites at least one clause. A rule may be an
*exception* to a labelled base rule (Catala's ``exception``): it names the base with
``exception_to`` and says when it applies with ``when``. Where an exception applies, it decides
in place of its base; where two exceptions to one base apply to the same subject, that is a
:class:`~secrules.errors.RuleConflictError` naming both.

A proposal never edits a rule set: :meth:`RuleSet.derive` makes a new set that replaces, adds or
neutralises labelled rules (OpenFisca's reforms). Ambiguous derivations raise
:class:`~secrules.errors.RuleOverrideError` naming both sides.

:func:`decide` is the one place where findings become a single verdict, with a named
:class:`Combiner` (:data:`ALL_MUST_PASS` or :data:`WORST`).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Generic, TypeVar

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.findings import Finding, Outcome, Verdict, finding_of
from secrules.errors import InvalidValueError, RuleConflictError, RuleOverrideError

__all__ = [
    "ALL_MUST_PASS",
    "WORST",
    "Combiner",
    "Rule",
    "RuleFn",
    "RuleSet",
    "as_given",
    "decide",
]

S = TypeVar("S")
T = TypeVar("T")

RuleFn = Callable[[S], "Verdict | Iterable[Verdict]"]
"""A rule's function: one verdict on the subject, or one per field it checks."""


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


def _data_files(value: Iterable[str]) -> tuple[str, ...]:
    files = (value,) if isinstance(value, str) else tuple(value)
    for name in files:
        if not isinstance(name, str) or not name:
            raise InvalidValueError(f"rule data_files must be file names, not {name!r}")
    return files


def _check_token(what: str, value: object) -> None:
    if not isinstance(value, str):
        raise InvalidValueError(f"{what} must be a str, not {type(value).__name__}")
    if not value or value != value.strip() or " " in value:
        raise InvalidValueError(f"{what} {value!r} must be a non-empty token without spaces")


def _rule_id(_inst: object, _attribute: attrs.Attribute[str], value: str) -> None:
    _check_token("rule id", value)


def _base_id(_inst: object, _attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None:
        _check_token("exception_to", value)


@attrs.frozen
class Rule(Generic[S]):
    """A labelled rule over subjects of type ``S``: id, title, clauses and function.

    ``fn(subject)`` returns one :class:`Verdict` or several (one per field checked); the rule
    wraps them as :class:`Finding` records carrying its id and clauses. A rule cannot be built
    without a clause reference. An exception names its base rule in ``exception_to`` and gives
    ``when``, the condition under which it applies (Catala's ``exception ... under condition``).
    """

    id: str = attrs.field(validator=_rule_id)
    title: str
    clauses: tuple[ClauseRef, ...] = attrs.field(converter=_clauses)
    fn: Callable[[S], Verdict | Iterable[Verdict]] = attrs.field(repr=False, eq=False)
    text: str = attrs.field(default="", repr=False)
    """The clause text, paraphrased (shown in the rule catalogue)."""
    exception_to: str | None = attrs.field(default=None, validator=_base_id)
    when: Callable[[S], bool] | None = attrs.field(default=None, repr=False, eq=False)
    #: The module that defines the rule, when its function lives elsewhere (:func:`as_given`).
    defined_in: str = attrs.field(default="", repr=False, eq=False, kw_only=True)
    data_files: tuple[str, ...] = attrs.field(
        default=(), converter=_data_files, repr=False, eq=False, kw_only=True
    )
    """The parameter tables the rule's values are read from (``table_28d.toml``, or the user's
    file in its place); empty when the rule rests on no data file."""

    def __attrs_post_init__(self) -> None:
        if (self.exception_to is None) != (self.when is None):
            raise InvalidValueError(
                f"rule {self.id!r}: an exception needs both exception_to= and when="
            )
        if self.exception_to == self.id:
            raise InvalidValueError(f"rule {self.id!r} cannot be an exception to itself")

    @property
    def is_exception(self) -> bool:
        """True when this rule is an exception to a labelled base rule."""
        return self.exception_to is not None

    def applies(self, subject: S) -> bool:
        """For an exception, whether it applies to ``subject``; a base rule always applies."""
        return True if self.when is None else bool(self.when(subject))

    def evaluate(self, subject: S) -> list[Finding]:
        """Apply the rule to ``subject`` and return its findings (at least one)."""
        return self.findings(self.fn(subject))

    def findings(self, result: Verdict | Iterable[Verdict]) -> list[Finding]:
        """What :attr:`fn` returned, as this rule's findings (NOT_APPLICABLE when empty)."""
        if isinstance(result, Verdict):
            return [self.finding(result)]
        verdicts = result if type(result) is list else list(result)
        if not verdicts:
            verdicts = [Verdict(Outcome.NOT_APPLICABLE, "nothing to check")]
        return [self.finding(v) for v in verdicts]

    def finding(self, verdict: Verdict) -> Finding:
        """Wrap one verdict as a finding of this rule."""
        # The rule's clauses were checked when it was built: fill the record directly.
        return finding_of(
            self.id,
            verdict.outcome,
            verdict.message,
            self.clauses,
            verdict.path,
            verdict.offset,
            verdict.label,
        )

    @property
    def module(self) -> str:
        """The module that defines the rule: ``defined_in``, else its function's module."""
        return self.defined_in or str(getattr(self.fn, "__module__", None) or "unknown")

    @property
    def provenance(self) -> Provenance:
        """The weakest provenance among the rule's clauses (assumed < inferred < stated)."""
        return Provenance.weakest(c.provenance for c in self.clauses)


@attrs.frozen
class _Neutralised(Generic[S]):
    """Marks a rule switched off in a derived set (it then yields NOT_APPLICABLE)."""

    rule: Rule[S]
    by: str


@attrs.frozen(eq=False)
class RuleSet(Generic[S]):
    """An immutable, ordered set of labelled rules over subjects ``S``.

    Iteration, ``len``, ``in`` and :attr:`ids` all count every rule the set defines, neutralised
    ones included (:meth:`is_neutralised` tells them apart; :meth:`active` lists the others).
    """

    name: str
    _entries: Mapping[str, Rule[S] | _Neutralised[S]] = attrs.field(alias="entries")
    parent: RuleSet[S] | None = None

    def __attrs_post_init__(self) -> None:
        for entry in self._entries.values():
            rule = entry.rule if isinstance(entry, _Neutralised) else entry
            base = rule.exception_to
            if base is not None and base not in self._entries:
                raise RuleOverrideError(
                    f"rule set {self.name!r}: {rule.id!r} is an exception to {base!r},"
                    " which the set does not define"
                )
            if base is not None:
                target = self._entries[base]
                target_rule = target.rule if isinstance(target, _Neutralised) else target
                if target_rule.is_exception:
                    raise RuleOverrideError(
                        f"rule set {self.name!r}: {rule.id!r} is an exception to {base!r},"
                        " itself an exception (exceptions have one level)"
                    )

    @classmethod
    def of(cls, name: str, rules: Iterable[Rule[T]]) -> RuleSet[T]:
        """Build a base rule set; two rules with one id are an error naming both."""
        entries: dict[str, Rule[T] | _Neutralised[T]] = {}
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
        return RuleSet(name=name, entries=MappingProxyType(entries))

    def derive(
        self,
        name: str,
        *,
        replace: Iterable[Rule[S]] = (),
        add: Iterable[Rule[S]] = (),
        neutralise: Iterable[str] = (),
    ) -> RuleSet[S]:
        """Return a new rule set ``name`` derived from this one; this set is never changed.

        ``replace`` rules must override a rule of this set with the same id; ``add`` rules must
        be new (an exception to a labelled rule is added this way); ``neutralise`` names rules to
        switch off. Anything else is ambiguous and raises :class:`RuleOverrideError` naming the
        deriving set and this one.
        """
        entries: dict[str, Rule[S] | _Neutralised[S]] = dict(self._entries)
        touched: dict[str, str] = {}

        def claim(rule_id: str, action: str) -> None:
            if rule_id in touched:
                raise RuleOverrideError(
                    f"rule set {name!r} {action} rule {rule_id!r} of {self.name!r} more than"
                    f" once (it also {touched[rule_id]} it)"
                )
            touched[rule_id] = action

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

    def __iter__(self) -> Iterator[Rule[S]]:
        """Every rule the set defines, neutralised ones included, in order."""
        for entry in self._entries.values():
            yield entry.rule if isinstance(entry, _Neutralised) else entry

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every rule id the set defines, neutralised ones included, in order."""
        return tuple(self._entries)

    def active(self) -> tuple[Rule[S], ...]:
        """The rules that are not neutralised, in order."""
        return tuple(e for e in self._entries.values() if isinstance(e, Rule))

    def rule(self, rule_id: str) -> Rule[S]:
        """The rule labelled ``rule_id`` (also when neutralised); RuleOverrideError if unknown."""
        entry = self._entries.get(rule_id)
        if entry is None:
            raise RuleOverrideError(f"rule set {self.name!r} has no rule {rule_id!r}")
        return entry.rule if isinstance(entry, _Neutralised) else entry

    def is_neutralised(self, rule_id: str) -> bool:
        """True if ``rule_id`` is switched off in this set."""
        return isinstance(self._entries.get(rule_id), _Neutralised)

    def exceptions_to(self, rule_id: str) -> tuple[Rule[S], ...]:
        """The active exceptions whose base is ``rule_id``, in order."""
        return tuple(r for r in self.active() if r.exception_to == rule_id)

    def evaluate(self, subject: S, rule_id: str | None = None) -> list[Finding]:
        """The findings of every base rule (or only ``rule_id``) on ``subject``.

        For each base rule, an exception that applies decides in its place; two applicable
        exceptions to one rule raise :class:`RuleConflictError` naming both. A neutralised rule
        yields one NOT_APPLICABLE finding saying which set switched it off.
        """
        if rule_id is None:  # every rule: the plan made once for the set
            findings: list[Finding] = []
            for rule, exceptions, fixed in self._plan:
                if fixed is not None:
                    findings.append(fixed)
                elif exceptions:
                    findings.extend(self._decide_base(rule, subject))
                else:
                    result = rule.fn(subject)
                    if type(result) is Verdict:  # Rule.evaluate's common case, inline
                        findings.append(rule.finding(result))
                    else:
                        findings.extend(rule.findings(result))
            return findings
        # One rule asked for by id: decided with its exceptions (an exception asked for
        # decides alone); a neutralised one says so.
        entry = self._entries[self.rule(rule_id).id]
        if isinstance(entry, _Neutralised):
            if entry.rule.is_exception:
                return []
            return [
                entry.rule.finding(
                    Verdict(Outcome.NOT_APPLICABLE, f"rule neutralised by {entry.by!r}")
                )
            ]
        return self._decide_base(entry, subject)

    @functools.cached_property
    def _plan(self) -> tuple[tuple[Rule[S], tuple[Rule[S], ...], Finding | None], ...]:
        """What :meth:`evaluate` does for each base rule, in order, worked out once.

        ``(rule, exceptions, None)`` for an active base rule and its active exceptions;
        ``(rule, (), finding)`` for a neutralised one, whose NOT_APPLICABLE finding never
        changes (findings are frozen values, so one is shared). Exceptions are decided with
        their base rule.
        """
        plan: list[tuple[Rule[S], tuple[Rule[S], ...], Finding | None]] = []
        for entry in self._entries.values():
            if isinstance(entry, _Neutralised):
                if not entry.rule.is_exception:
                    verdict = Verdict(Outcome.NOT_APPLICABLE, f"rule neutralised by {entry.by!r}")
                    plan.append((entry.rule, (), entry.rule.finding(verdict)))
            elif not entry.is_exception:
                plan.append((entry, self._exception_index.get(entry.id, ()), None))
        return tuple(plan)

    @functools.cached_property
    def _exception_index(self) -> Mapping[str, tuple[Rule[S], ...]]:
        """:meth:`exceptions_to` for every base rule, computed once (the set never changes)."""
        index: dict[str, list[Rule[S]]] = {}
        for rule in self.active():
            if rule.exception_to is not None:
                index.setdefault(rule.exception_to, []).append(rule)
        return MappingProxyType({k: tuple(v) for k, v in index.items()})

    def _decide_base(self, rule: Rule[S], subject: S) -> list[Finding]:
        exceptions = self._exception_index.get(rule.id, ())
        if not exceptions:  # the common case: the rule decides alone
            return rule.evaluate(subject)
        applying = [e for e in exceptions if e.applies(subject)]
        if len(applying) > 1:
            raise RuleConflictError(
                f"rule set {self.name!r}: exceptions {applying[0].id!r} and {applying[1].id!r}"
                f" to rule {rule.id!r} both apply to {subject!r}"
            )
        return (applying[0] if applying else rule).evaluate(subject)

    def lineage(self) -> tuple[str, ...]:
        """Names of this set and its ancestors, nearest first."""
        names: list[str] = []
        current: RuleSet[S] | None = self
        while current is not None:
            names.append(current.name)
            current = current.parent
        return tuple(names)


def as_given(verdict: Verdict) -> Verdict:
    """The function of an informative rule whose subject is a verdict already worked out.

    Such a rule is catalogued with its clauses like any other; the code that decides (a decoder,
    the inventory applying a request) hands it the verdict, and ``rule.finding`` cites it. Give
    such a rule ``defined_in=__name__`` so the catalogue names its module.
    """
    return verdict


class Combiner(enum.Enum):
    """How :func:`decide` turns several findings into one verdict.

    ``ALL_MUST_PASS``: the first FAIL, else the first INDETERMINATE, else a PASS (or, when
    nothing applied, NOT_APPLICABLE) citing every clause consulted. ``WORST``: the first finding
    of the most severe outcome (FAIL, INDETERMINATE, PASS, NOT_APPLICABLE), unchanged.
    """

    ALL_MUST_PASS = "all-must-pass"  # noqa: S105 - a combiner name, not a password
    WORST = "worst"


ALL_MUST_PASS = Combiner.ALL_MUST_PASS
WORST = Combiner.WORST


def _unique_clauses(findings: Sequence[Finding]) -> tuple[ClauseRef, ...]:
    return tuple(dict.fromkeys(c for f in findings for c in f.clauses))


def decide(
    rules: RuleSet[S],
    subject: S,
    combine: Combiner = WORST,
    *,
    name: str | None = None,
) -> Finding:
    """The one verdict of ``rules`` on ``subject``, combining their findings with ``combine``.

    Exceptions are resolved first (:meth:`RuleSet.evaluate`). ``name`` is the rule id given to a
    combined PASS / NOT_APPLICABLE under :data:`ALL_MUST_PASS` (the set's name by default).
    """
    findings = rules.evaluate(subject)
    if not findings:
        raise InvalidValueError(f"rule set {rules.name!r} has no rule to decide with")
    worst = min(findings, key=lambda f: f.outcome.severity)
    if combine is Combiner.WORST or worst.outcome in (Outcome.FAIL, Outcome.INDETERMINATE):
        if combine is Combiner.WORST:
            return worst
        return attrs.evolve(worst, clauses=_unique_clauses(findings))
    passed = [f for f in findings if f.outcome is Outcome.PASS]
    if not passed:
        return attrs.evolve(findings[0], clauses=_unique_clauses(findings))
    head = passed[0]
    message = head.message if len(passed) == 1 else f"{len(passed)} rules pass: {head.message}"
    return Finding(
        rule_id=name or head.rule_id,
        outcome=Outcome.PASS,
        message=message,
        clauses=_unique_clauses(findings),
        label=head.label,
    )
