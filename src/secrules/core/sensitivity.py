"""Sensitivity of a proposal's impact to its assumptions, computed rather than asserted.

For each assumption a model declares alternatives for (:meth:`ProposalModel.variations`), the
impact is recomputed under every alternative and its *changed set* (which scenarios change, and
from what verdict to what) compared with the model's own. A result is *robust* to an assumption
when every alternative gives the same changed set.
"""

from __future__ import annotations

from typing import Any

import attrs

from secrules.core.impact import ImpactReport, compute_impact
from secrules.core.proposals import Proposal, ProposalModel, Scenario

__all__ = ["Sensitivity", "changed_set", "sensitivity", "sensitivity_of"]

ChangedSet = frozenset[tuple[Scenario, str, str]]


def changed_set(report: ImpactReport) -> ChangedSet:
    """The changed rows of ``report`` as (scenario, baseline verdict, proposed verdict)."""
    return frozenset(
        (row.scenario, row.baseline.verdict, row.proposed.verdict) for row in report.changed_rows
    )


@attrs.frozen
class Sensitivity:
    """How the changed set behaves when one assumption takes each of its declared alternatives."""

    assumption: str
    #: Number of alternatives tried.
    alternatives: int
    #: The alternatives (labels) under which the changed set differs from the model's own.
    differing: tuple[str, ...]
    #: Changed-row count under each alternative, by label, in declaration order.
    counts: tuple[tuple[str, int], ...]

    @property
    def robust(self) -> bool:
        """True when every alternative gives the model's own changed set."""
        return not self.differing

    def describe(self, changed: int) -> str:
        """One sentence: ``robust to A133-3: same 3 changed rows under all 32 alternatives``."""
        if self.robust:
            tried = (
                "its one alternative"
                if self.alternatives == 1
                else f"all {self.alternatives} alternatives"
            )
            return f"robust to {self.assumption}: the same {changed} changed rows under {tried}"
        return (
            f"depends on {self.assumption}: the changed rows differ under"
            f" {len(self.differing)} of {self.alternatives} alternatives"
            f" ({', '.join(self.differing[:3])}{', ...' if len(self.differing) > 3 else ''})"
        )


def sensitivity(
    proposal: Proposal, model: ProposalModel[Any] | None = None
) -> tuple[Sensitivity, ...]:
    """Each assumption the model declares alternatives for, and whether the result moves.

    The model's own impact is computed once; each alternative's model is built and evaluated
    over its whole scenario space. Assumptions are reported in declaration order.
    """
    model = model or proposal.require_model()
    return _compare(proposal, model, changed_set(compute_impact(proposal, model, readings=False)))


def sensitivity_of(report: ImpactReport) -> tuple[Sensitivity, ...]:
    """:func:`sensitivity` for the model of ``report``, reusing its rows as the model's own."""
    return _compare(report.proposal, report.model, changed_set(report))


def _compare(
    proposal: Proposal, model: ProposalModel[Any], own: ChangedSet
) -> tuple[Sensitivity, ...]:
    # A model is immutable once built, so its sensitivity is computed once per model object
    # (a user's table builds a new model, and so a fresh computation).
    cached: tuple[ChangedSet, tuple[Sensitivity, ...]] | None = model.__dict__.get(
        "_sensitivity_cache"
    )
    if cached is not None and cached[0] == own:
        return cached[1]
    result = _recompute(proposal, model, own)
    model.__dict__["_sensitivity_cache"] = (own, result)
    return result


def _recompute(
    proposal: Proposal, model: ProposalModel[Any], own: ChangedSet
) -> tuple[Sensitivity, ...]:
    grouped: dict[str, list[tuple[str, ChangedSet]]] = {}
    for variation in model.variations():
        report = compute_impact(proposal, variation.build(), readings=False)
        grouped.setdefault(variation.assumption, []).append((variation.label, changed_set(report)))
    return tuple(
        Sensitivity(
            assumption=ident,
            alternatives=len(tried),
            differing=tuple(label for label, got in tried if got != own),
            counts=tuple((label, len(got)) for label, got in tried),
        )
        for ident, tried in grouped.items()
    )
