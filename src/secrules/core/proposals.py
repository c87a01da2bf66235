"""Proposals: the items of the 28 May 2020 paper, and the executable model behind each.

A :class:`Proposal` carries what is known of the item (title, proposer, dates, outcome) and, when
the item is modelled, a :class:`ProposalModel`: a finite scenario space and a function that
evaluates one scenario under ``"baseline"`` or ``"proposed"``. The model also declares its
*scope*: the scenarios in which the two regimes may differ. A property test checks that verdicts
change nowhere else.
"""

from __future__ import annotations

import abc
import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Generic, TypeVar

import attrs

from secrules.core.clauses import Provenance, to_provenance
from secrules.core.data import TableReader, TableSource
from secrules.core.findings import Finding, Outcome
from secrules.core.regimes import BASELINE, PROPOSED, Regime, check_regime
from secrules.core.rules import WORST, Combiner, RuleSet, decide
from secrules.errors import InvalidValueError, NotModelledError

__all__ = [
    "Assumption",
    "Grid",
    "Proposal",
    "ProposalModel",
    "Reading",
    "Scenario",
    "Variation",
    "derived_assumption",
    "read_assumptions",
    "restate",
]

JSONScalar = str | int | float | bool | None
S = TypeVar("S")


@attrs.frozen
class Assumption:
    """A named modelling choice (or inference) a proposal's model rests on.

    Reports list these so nobody mistakes an assumption for the code's text.
    """

    id: str
    text: str
    provenance: Provenance = attrs.field(converter=to_provenance)
    source: str = ""


@attrs.frozen
class Reading:
    """One reading of an ambiguous baseline text: what it says, who holds it, whence we know.

    A proposal whose baseline clause is read two ways (DP129: the DSP read GBCS 4.3.3.2 as
    mandating the GBCS variant; BEIS advised the CNSA variant also complied) declares each
    reading; impact is computed under each, and reports show them side by side. Exactly one
    reading of a model is ``authoritative`` (the one reports lead with).
    """

    id: str
    name: str
    held_by: str
    text: str
    provenance: Provenance = attrs.field(converter=to_provenance)
    source: str = ""
    authoritative: bool = False


@attrs.frozen
class Variation:
    """One declared alternative for an assumption, and how to build the model that makes it.

    ``build`` returns the model with the assumption replaced by this alternative (never
    mutating the model it came from); :func:`secrules.core.sensitivity.sensitivity` compares
    its changed set with the model's own.
    """

    assumption: str
    label: str
    build: Callable[[], ProposalModel[Any]] = attrs.field(eq=False, repr=False)


@attrs.frozen
class Grid:
    """The two axes of a proposal's picture: scenario parameters for rows and for columns.

    Each axis is one parameter or several crossed (``("exec_weekdays", "date_range")``); the
    parameters on neither axis are grouped inside each cell and counted.
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...]


def default_grid(scenarios: Iterable[Scenario]) -> Grid:
    """The two most telling parameters of ``scenarios``: rows with most values, then columns.

    Parameters with one value, or determined by the row parameter (a signer's role code), are
    skipped; the column axis prefers a parameter with at most 16 values, so the picture stays
    readable. Anything not on an axis is grouped inside the cells.
    """
    values: dict[str, dict[Any, None]] = {}
    pairs: dict[str, set[tuple[Any, Any]]] = {}
    items = list(scenarios)
    for scenario in items:
        for name, value in scenario.params:
            values.setdefault(name, {})[value] = None
    ranked = sorted((n for n, v in values.items() if len(v) > 1), key=lambda n: -len(values[n]))
    if not ranked:
        first = next(iter(values), "")
        return Grid((first,) if first else (), ())
    rows = ranked[0]
    for scenario in items:
        key = scenario[rows]
        for name, value in scenario.params:
            pairs.setdefault(name, set()).add((key, value))
    free = [n for n in ranked[1:] if len(pairs[n]) > len(values[rows])]
    small = [n for n in free if len(values[n]) <= 16]
    chosen = (small or free)[:1]
    return Grid((rows,), tuple(chosen))


def read_assumptions(
    table: TableReader, key: str = "assumption", *, allow_empty: bool = False
) -> tuple[Assumption, ...]:
    """The ``[[assumption]]`` rows (id, text, provenance, source) of a parameter table."""
    if allow_empty and key not in table:
        return ()
    return tuple(
        Assumption(
            id=row.text("id"),
            text=row.text("text"),
            provenance=row.provenance(),
            source=row.text("source"),
        )
        for row in table.tables(key, allow_empty=allow_empty)
    )


def derived_assumption(
    ident: str,
    text: str,
    provenance: Provenance | str,
    *,
    table: TableSource | None,
    key: str,
    source: str = "",
) -> Assumption:
    """An assumption stated from values read off a loaded table.

    The text ends by naming the table and the key the values were read from
    (``(read from bundled section_g.toml: g1_7.baseline.parts)``), so a report built on a
    user's table states that table's values, never the bundled ones.
    """
    where = "the parameter table" if table is None else table.label
    return Assumption(
        ident, f"{text.rstrip('.')} (read from {where}: {key}).", provenance, source or where
    )


def _id_key(ident: str) -> tuple[tuple[int, int | str], ...]:
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|\D+", ident)
    )


def restate(rows: Iterable[Assumption], derived: Iterable[Assumption]) -> tuple[Assumption, ...]:
    """A table's ``[[assumption]]`` rows with each derived assumption in place of its row.

    A derived assumption (:func:`derived_assumption`) states values from the table's data;
    a row of the same id (free text, possibly stale in a user's copy) is replaced by it.
    The result is in natural id order (``A133-2`` before ``A133-10``).
    """
    out = {row.id: row for row in rows}
    out.update((item.id, item) for item in derived)
    return tuple(sorted(out.values(), key=lambda a: _id_key(a.id)))


def _freeze_params(value: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    if not isinstance(value, Mapping):
        raise InvalidValueError(f"params must be a mapping, not {type(value).__name__}")
    frozen = []
    for key, item in value.items():
        frozen.append((key, tuple(item) if isinstance(item, list | tuple) else item))
    return tuple(frozen)


@attrs.frozen
class Scenario:
    """One situation in a proposal's scenario space.

    ``params`` are JSON-ready (strings, numbers, booleans, lists of those) and are what reports
    print; ``subject`` is the model's own representation, not compared or printed.
    """

    params: tuple[tuple[str, Any], ...] = attrs.field(converter=_freeze_params)
    subject: object = attrs.field(default=None, eq=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.params}

    def __getitem__(self, key: str) -> Any:  # noqa: ANN401 - params are heterogeneous JSON values
        for name, value in self.params:
            if name == key:
                return value
        raise KeyError(key)

    def describe(self) -> str:
        """A short human-readable form, ``roles=ES,RSA part=G10``."""
        parts = []
        for name, value in self.params:
            if isinstance(value, tuple):
                shown = ",".join(map(str, value))
            elif isinstance(value, bool):
                shown = "yes" if value else "no"
            else:
                shown = str(value)
            parts.append(f"{name}={shown}")
        return " ".join(parts)


class ProposalModel(abc.ABC, Generic[S]):
    """The executable model of one proposal, as a reform of a baseline rule set.

    A subclass names the domain rules the proposal changes (:meth:`baseline`, built from a
    domain package that knows nothing of regimes), derives the proposed rules from them
    (:meth:`reform`, never mutating the baseline), and declares its finite scenario space and
    scope. :meth:`evaluate` is the same for every model: :func:`~secrules.core.rules.decide`
    with the model's :attr:`combine`, then the model's :attr:`labels`.
    """

    #: One line: what the model covers (shown by ``secrules proposals``).
    summary: ClassVar[str] = ""
    #: One sentence naming the scenarios in which the regimes may differ.
    scope: ClassVar[str] = ""
    #: What the baseline and proposed regimes are, one sentence each.
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType({})
    #: How the findings of a scenario become one verdict.
    combine: ClassVar[Combiner] = WORST
    #: Domain words for outcomes (``accepted`` / ``refused``) shown in impact reports.
    labels: ClassVar[Mapping[Outcome, str]] = MappingProxyType({})

    #: Human names of scenario parameters for reports (``{"roles": "User roles"}``); a
    #: parameter not named here is shown humanised (``enable_octet`` reads "Enable octet").
    field_names: ClassVar[Mapping[str, str]] = MappingProxyType({})

    #: The bundled parameter table a user may replace with their own copy ("" when none).
    table_name: ClassVar[str] = ""

    def with_table(self, path: str | os.PathLike[str]) -> ProposalModel[S]:
        """The same model built on the user's copy of :attr:`table_name` at ``path``.

        The new model's :attr:`table_source` names that file and its SHA-256, and its
        :meth:`assumptions` state the values as that table gives them.
        """
        raise InvalidValueError(f"{type(self).__name__} takes no parameter table (got {path})")

    @property
    def table_source(self) -> TableSource | None:
        """The parameter table this model was built on (bundled or the user's), or None."""
        return None

    @abc.abstractmethod
    def baseline(self) -> RuleSet[S]:
        """The rules of the code as it stood at the paper's date, from the domain packages."""

    @abc.abstractmethod
    def reform(self, baseline: RuleSet[S]) -> RuleSet[S]:
        """The proposed rules, derived from ``baseline`` (replace, add an exception, neutralise)."""

    @abc.abstractmethod
    def subject(self, scenario: Scenario) -> S:
        """The subject the rules judge in ``scenario``."""

    @abc.abstractmethod
    def scenarios(self) -> Iterable[Scenario]:
        """Every scenario of the finite scenario space, in a stable order."""

    @abc.abstractmethod
    def in_scope(self, scenario: Scenario) -> bool:
        """True if the proposal's declared scope covers ``scenario``."""

    @abc.abstractmethod
    def assumptions(self) -> tuple[Assumption, ...]:
        """The assumptions and inferences the model rests on."""

    def readings(self) -> tuple[Reading, ...]:
        """The readings of an ambiguous baseline, authoritative first (empty: one reading)."""
        return ()

    @property
    def reading(self) -> Reading | None:
        """The reading this model's baseline encodes (None when the model declares none)."""
        readings = self.readings()
        return next((r for r in readings if r.authoritative), readings[0] if readings else None)

    def with_reading(self, ident: str) -> ProposalModel[S]:
        """The same model with its baseline built on the reading ``ident``.

        Raises :class:`~secrules.errors.InvalidValueError` naming the model's readings when
        ``ident`` is not one of them.
        """
        known = ", ".join(r.id for r in self.readings()) or "none"
        msg = f"{type(self).__name__} has no reading {ident!r} (its readings: {known})"
        raise InvalidValueError(msg)

    def variations(self) -> Iterable[Variation]:
        """The declared alternatives of the assumptions the result may depend on (none here)."""
        return ()

    def grid(self, scenarios: Iterable[Scenario]) -> Grid:
        """The axes of the report's picture of ``scenarios`` (default: :func:`default_grid`)."""
        return default_grid(scenarios)

    def rulesets(self) -> Mapping[Regime, RuleSet[S]]:
        """The baseline rule set and the proposed set derived from it (built once)."""
        cached: Mapping[Regime, RuleSet[S]] | None = self.__dict__.get("_rulesets_cache")
        if cached is None:
            base = self.baseline()
            cached = MappingProxyType({BASELINE: base, PROPOSED: self.reform(base)})
            self.__dict__["_rulesets_cache"] = cached
        return cached

    def evaluate(self, scenario: Scenario, regime: Regime | str) -> Finding:
        """The verdict on ``scenario`` under ``regime``: one :func:`decide` over its rules."""
        chosen = check_regime(regime)
        finding = decide(self.rulesets()[chosen], self.subject(scenario), self.combine)
        return self.explain(self._labelled(finding), chosen)

    def explain(self, finding: Finding, regime: Regime) -> Finding:
        """Hook: reword the decided finding for reports (unchanged by default)."""
        del regime
        return finding

    def _labelled(self, finding: Finding) -> Finding:
        label = self.labels.get(finding.outcome)
        return finding if label is None else attrs.evolve(finding, label=label)


@attrs.frozen
class Proposal:
    """One item of the paper: what is known of it, and its model if it has one."""

    id: str
    number: int
    title: str
    raised_by: str
    raised: str
    status: str
    outcome: str
    modification: str
    problem: str
    sources: tuple[str, ...]
    provenance: Provenance
    factory: Callable[[], ProposalModel[Any]] | None = attrs.field(
        default=None, eq=False, repr=False
    )

    @property
    def modelled(self) -> bool:
        """True when the proposal has an executable model."""
        return self.factory is not None

    @property
    def model(self) -> ProposalModel[Any] | None:
        """The model, built on first use (once per process), or None when not modelled."""
        return None if self.factory is None else _build(self.factory)

    def require_model(self) -> ProposalModel[Any]:
        """The model, or NotModelledError saying plainly that there is none yet."""
        model = self.model
        if model is None:
            raise NotModelledError(f"{self.id} ({self.title}) is listed but not modelled yet")
        return model

    def scenarios(self) -> list[Scenario]:
        """The model's scenario space."""
        return list(self.require_model().scenarios())

    def evaluate(self, scenario: Scenario, regime: Regime | str) -> Finding:
        """The model's verdict on ``scenario`` under ``regime``."""
        if not isinstance(scenario, Scenario):
            raise InvalidValueError(f"scenario must be a Scenario, not {type(scenario).__name__}")
        return self.require_model().evaluate(scenario, check_regime(regime))

    def assumptions(self) -> tuple[Assumption, ...]:
        """The model's assumptions (empty when not modelled)."""
        model = self.model
        return () if model is None else model.assumptions()


@functools.cache
def _build(factory: Callable[[], ProposalModel[Any]]) -> ProposalModel[Any]:
    model = factory()
    if not isinstance(model, ProposalModel):
        raise TypeError(f"{factory!r} must return a ProposalModel")  # a programming error
    return model
