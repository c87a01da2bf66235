"""Impact: every scenario of a proposal evaluated under both regimes, side by side."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import attrs

from secrules.core.data import TableSource
from secrules.core.findings import Finding
from secrules.core.proposals import Assumption, Proposal, ProposalModel, Reading, Scenario
from secrules.errors import InvalidValueError

if TYPE_CHECKING:
    from secrules.core.sensitivity import Sensitivity

__all__ = ["ImpactReport", "ImpactRow", "compute_impact"]


@attrs.frozen
class ImpactRow:
    """One scenario: the baseline finding beside the proposed finding."""

    scenario: Scenario
    baseline: Finding
    proposed: Finding
    in_scope: bool = True

    @property
    def changed(self) -> bool:
        """True when the two regimes give a different verdict or outcome."""
        return (
            self.baseline.verdict != self.proposed.verdict
            or self.baseline.outcome is not self.proposed.outcome
        )


@attrs.frozen
class ImpactReport:
    """The impact of one proposal: all rows, the changed ones counted, and the assumptions.

    ``table`` names the parameter table the model was built on (the bundled copy or the
    user's file) and its SHA-256, so a committee can reproduce the report. When the model
    declares readings of its baseline, ``reading`` is the one these rows were computed under
    and ``alternatives`` holds the report under each other reading, in the model's order.
    ``sensitivity`` holds, when it was asked for, how the changed rows move under each declared
    alternative of an assumption (:func:`secrules.core.sensitivity.sensitivity`).
    """

    proposal: Proposal
    model: ProposalModel[Any]
    rows: tuple[ImpactRow, ...]
    assumptions: tuple[Assumption, ...]
    table: TableSource | None = None
    reading: Reading | None = None
    alternatives: tuple[ImpactReport, ...] = ()
    sensitivity: tuple[Sensitivity, ...] = ()

    @property
    def by_reading(self) -> tuple[ImpactReport, ...]:
        """This report and its alternatives: one report per reading (just this one when none)."""
        return (self, *self.alternatives)

    @property
    def id(self) -> str:
        """The proposal id (``DP133``)."""
        return self.proposal.id

    @property
    def title(self) -> str:
        """The proposal title."""
        return self.proposal.title

    @property
    def total(self) -> int:
        """Number of scenarios evaluated."""
        return len(self.rows)

    @functools.cached_property
    def changed_rows(self) -> tuple[ImpactRow, ...]:
        """The rows whose verdict differs between the regimes (computed once per report)."""
        return tuple(row for row in self.rows if row.changed)

    @property
    def changed_count(self) -> int:
        """Number of rows whose verdict differs."""
        return len(self.changed_rows)

    @functools.cached_property
    def out_of_scope_changes(self) -> tuple[ImpactRow, ...]:
        """Changed rows outside the declared scope (empty for a sound model; computed once)."""
        return tuple(row for row in self.changed_rows if not row.in_scope)


def compute_impact(
    proposal: Proposal,
    model: ProposalModel[Any] | None = None,
    *,
    readings: bool = True,
    sensitivity: bool = False,
) -> ImpactReport:
    """Evaluate every scenario of ``proposal`` (or of ``model``, a variant of its model).

    When the model declares readings of its baseline, the report is computed under the model's
    own reading and, unless ``readings=False``, under each other reading (``alternatives``).
    With ``sensitivity=True`` the report also carries the sensitivity of its changed rows to
    each assumption the model declares alternatives for (each alternative costs one impact).
    """
    if not isinstance(proposal, Proposal):
        raise InvalidValueError(f"proposal must be a Proposal, not {type(proposal).__name__}")
    if model is not None and not isinstance(model, ProposalModel):
        raise InvalidValueError(
            f"model must be a ProposalModel or None, not {type(model).__name__}"
        )
    model = model or proposal.require_model()
    rows = tuple(
        ImpactRow(
            scenario=scenario,
            baseline=model.evaluate(scenario, "baseline"),
            proposed=model.evaluate(scenario, "proposed"),
            in_scope=model.in_scope(scenario),
        )
        for scenario in model.scenarios()
    )
    own = model.reading
    alternatives = (
        tuple(
            compute_impact(
                proposal, model.with_reading(other.id), readings=False, sensitivity=sensitivity
            )
            for other in model.readings()
            if own is not None and other.id != own.id
        )
        if readings
        else ()
    )
    report = ImpactReport(
        proposal=proposal,
        model=model,
        rows=rows,
        assumptions=model.assumptions(),
        table=model.table_source,
        reading=own,
        alternatives=alternatives,
    )
    if not sensitivity:
        return report
    from secrules.core.sensitivity import sensitivity_of  # noqa: PLC0415 - it imports this module

    return attrs.evolve(report, sensitivity=sensitivity_of(report))
