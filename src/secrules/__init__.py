"""secrules: the GB Smart Energy Code's technical rules as executable, property-tested models.

The public face: :func:`check` runs every applicable rule on a payload (:func:`failed` says
whether its findings fail the check), :func:`proposals` and
:func:`get_proposal` give the items of the 28 May 2020 paper, and :func:`impact` evaluates a
proposal under the ``"baseline"`` and ``"proposed"`` regimes.

Arguments are checked before any work: a wrong type raises
:class:`~secrules.errors.InvalidValueError` naming the parameter. Where a file makes sense, an
:class:`os.PathLike` (such as :class:`pathlib.Path`) means "read this file": ``check(Path(...))``
reads the payload from the file, and ``table=`` takes a ``str`` or ``os.PathLike`` path.
"""

from __future__ import annotations

import os

from secrules._version import __version__
from secrules.checking import check, failed
from secrules.core import (
    Assumption,
    ClauseRef,
    Finding,
    ImpactReport,
    Outcome,
    Proposal,
    Provenance,
    Rule,
    RuleSet,
    Scenario,
    compute_impact,
)
from secrules.core.validation import require_path, require_type
from secrules.proposals import get_proposal, proposals

__all__ = [
    "Assumption",
    "ClauseRef",
    "Finding",
    "ImpactReport",
    "Outcome",
    "Proposal",
    "Provenance",
    "Rule",
    "RuleSet",
    "Scenario",
    "__version__",
    "check",
    "failed",
    "get_proposal",
    "impact",
    "proposals",
]


def impact(
    proposal_id: str | int | Proposal, *, table: str | os.PathLike[str] | None = None
) -> ImpactReport:
    """Evaluate every scenario of a proposal under both regimes (``DP133``, ``133``...).

    ``table`` is the path (``str`` or :class:`os.PathLike`) of the user's own copy of the
    proposal's parameter table (for example the real GBCS Table 28d for DP131), used instead of
    the bundled one. An argument of the wrong type raises
    :class:`~secrules.errors.InvalidValueError` naming it.
    """
    if not isinstance(proposal_id, Proposal):
        require_type(proposal_id, "proposal_id", (str, int), "a str, an int or a Proposal")
    if table is not None:
        require_path(table, "table")
    proposal = proposal_id if isinstance(proposal_id, Proposal) else get_proposal(proposal_id)
    model = proposal.require_model()
    return compute_impact(proposal, model if table is None else model.with_table(table))
